"""One run of ``import``: the file read row by row, each row routed, sent and journalled.

The pipeline keeps memory flat whatever the file size: the reader walks the file row by row
and hands checked request bodies on; at most ``concurrency`` rows are sent at once through one
:class:`~klaviyo_profiles.AsyncKlaviyoProfiles` (which paces under the rate limits and retries
what is safe to retry), and each outcome is committed to the :class:`~..journal.Journal`
before the next row takes its place. Nothing else accumulates: counters, not lists.

With ``--via auto`` (the default) or ``bulk``, rows that clear nothing go in Klaviyo's bulk
import jobs (up to 10,000 profiles a request, see :mod:`.job_pipeline`), and rows with a null
go through Create or Update Profile, the only call that clears a field; ``--via single`` sends
every row that way. Which path a row takes is decided by :meth:`ImportRun.route`.

A bad row (wrong number of cells, a malformed JSON line, a row too large to send, a value the
field cannot take, a 4xx answer) is rejected with its reason and the rest proceed; what the
readers refuse is in :mod:`.sources`.

**Order per profile across the two paths.** A job applies its profiles in an order Klaviyo
does not promise, and at a time of its own (it completes minutes after it was accepted), so
two rows of one profile must never be in one job, nor in two jobs in flight at once, nor one
in a job and the other sent alone while that job runs. The run keeps that with the same lanes
that order the single path (:class:`~.lanes.ProfileLanes`, identifiers and their groups): a
row goes in the chunk being filled only when no earlier row of its profile is unfinished;
otherwise it takes the single path and waits, like any single row, until every earlier row of
its profile has its outcome, which for a row in a job means until that job has completed and
its outcomes are recorded. So the first row of a profile may go in a job, and each repeat
follows it, one at a time and in file order, through Create or Update Profile: the last row
wins, as with ``--via single``. (Collapsing a profile's rows into one before sending would
need the whole file, or all of a profile's rows, in memory; routing repeats to the single path
keeps memory flat and costs one single request per repeated row.) A row with a null always
takes the single path: a job would leave the field unchanged.

With ``--changed-only`` the rows are read in batches and the :class:`~.changed_only.ChangeFilter`
leaves out those whose request the account's sync state holds as the last applied; the rest
are routed as above, each carrying what it applies (journalled with its outcome), and the
state is brought up to date from the journal when the run ends and when the next starts.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from typing import Any, cast

import httpx
from rich.console import Console

from ...bulk import PreparedProfile, prepare_profile
from ...client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, AsyncKlaviyoProfiles, Body
from ...errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    InvalidInputError,
    PermissionDeniedError,
)
from ...identity import identity_of_body
from ...retries import RetryPolicy, is_retryable
from ...sync_state import SyncState
from ..common import describe_error, scrub
from ..journal import DONE_STATES, FINAL_STATES, Journal, JournalError, Outcome, row_hasher
from .changed_only import ChangeFilter, Decision, JournalVerdict
from .failures import (
    JobWaitError,
    JournalWriteError,
    PreflightError,
    StateWriteError,
    journal_error,
)
from .import_settings import ImportSettings, ImportSummary
from .job_pipeline import SMALL_FILE_ROWS, ChunkRow, JobPipeline, item_payload_limit, use_bulk
from .lanes import LaneKey, ProfileLanes, held_back_by
from .preflight import check_before_sending, input_identity, lock_journal, unlock_journal
from .progress import Reporter
from .rejects import export_rejects
from .row_mapping import RowMapper, no_identifier
from .sources import SourceRow, SourceStats, csv_header, read_rows
from .state_store import end_run, held_state, start_run

__all__ = ["SMALL_FILE_ROWS", "ImportRun", "run_import", "use_bulk"]

#: Rows that may wait at once on the single path when jobs are used: repeats of profiles in a
#: job in flight wait for it to complete, so more of them are parked than with single requests
#: only. Bounded, so memory stays flat; when they fill it, the chunk being filled is started.
#: A few hundred: the single path sends 12.5 rows a second at Klaviyo's steady window, so 256
#: waiting rows are 20 s of its work, and a larger window only held more rows (with 5 % of
#: rows clearing a field, 2,048 waiting rows were a fifth of the peak memory of a large file
#: and none of a small one's).
_BULK_WINDOW = 256


def _window_size(concurrency: int, bulk: bool) -> int:
    """How many rows may be read but not finished on the single path (sending, or waiting for
    an earlier row of their profile): bounded, so memory stays flat however many rows one
    profile has. With bulk jobs more rows wait (for a job to complete), so the bound is higher.
    """
    size = max(4 * concurrency, 32)
    return max(size, _BULK_WINDOW) if bulk else size


def _client(settings: ImportSettings) -> tuple[httpx.AsyncClient, AsyncKlaviyoProfiles]:
    """The connection pool (one connection per row in flight) and the client that sends."""
    limits = httpx.Limits(
        max_connections=settings.concurrency,
        max_keepalive_connections=settings.concurrency,
    )
    http = httpx.AsyncClient(limits=limits, timeout=DEFAULT_TIMEOUT)
    client = AsyncKlaviyoProfiles(
        api_key=settings.api_key,
        base_url=settings.base_url or DEFAULT_BASE_URL,
        allow_insecure_http=settings.allow_insecure_http,
        http_client=http,
        rate_limits=settings.pacing,
        limiter_backend=settings.limiter,
        retry_policy=RetryPolicy(max_attempts=settings.max_attempts),
    )
    return http, client


@dataclass(slots=True)
class _Waiting:
    """A row on the single path, waiting for the earlier rows of its profile."""

    #: The row without the record read from the file (the body is what sending needs).
    row: SourceRow
    content_hash: str
    body: dict[str, Any]
    #: What the row applies, for the sync state (``--changed-only``).
    sync: bytes | None
    keys: frozenset[LaneKey]
    #: The outcomes it waits for, and its own.
    waits: list[asyncio.Future[int | None]]
    mine: asyncio.Future[int | None]
    #: The future of the chunk being filled when it waits for that chunk's job, else ``None``.
    chunk: asyncio.Future[int | None] | None


#: Why a row the --changed-only filter could not compare is rejected (it never happens with
#: rows the import itself can send: their requests always have a digest).
_UNCOMPARED = "its request could not be compared with the sync state (--changed-only)"


class ImportRun:
    """Everything one run shares: the settings, journal, progress, client, lanes and jobs.

    Made inside the event loop (its lanes and jobs hold futures of it); :meth:`run` does the
    work. It is the :class:`~.job_pipeline.PipelineHost` of its jobs.
    """

    def __init__(
        self,
        settings: ImportSettings,
        journal: Journal,
        reporter: Reporter,
        summary: ImportSummary,
        state: SyncState | None = None,
    ) -> None:
        self.settings = settings
        self.journal = journal
        self.reporter = reporter
        self.summary = summary
        self.mapper = RowMapper(settings.column_map(), settings.null_token, settings.nulls)
        header: list[str] | None = None
        #: CSV positions of the columns that identify a profile (``None`` for JSON Lines).
        self.identifier_columns: list[int] | None = None
        if settings.fmt == "csv":
            header = csv_header(settings.path, **settings.text_format())
            self.mapper.check_header(header)
            self.identifier_columns = self.mapper.identifier_columns(header)
            summary.columns = self.mapper.describe(header)
        self.fingerprint = settings.fingerprint(header)
        self._hash = row_hasher(self.fingerprint)
        #: ``--changed-only``: what decides which rows to send.
        self.changes = None if state is None else ChangeFilter(state, settings, self.mapper, header)
        #: The first reason to stop (every further row would fail the same way, or an outcome
        #: could not be journalled); ``None`` while the run goes on.
        self.stopped: BaseException | None = None
        self.http, self.client = _client(settings)
        self.lanes = ProfileLanes()
        self.jobs = JobPipeline(
            self.client,
            journal,
            self,
            max_jobs=settings.max_jobs,
            job_size=settings.job_size,
            poll_interval=settings.poll_interval,
            max_poll_interval=settings.max_poll_interval,
            job_timeout=settings.job_timeout,
        )
        summary.bulk = use_bulk(settings.via, summary.total)
        self.item_limit_bytes = item_payload_limit()
        self.sending = asyncio.Semaphore(settings.concurrency)
        self.window = asyncio.Semaphore(_window_size(settings.concurrency, summary.bulk))
        # Single-path rows waiting for the job of a chunk, counted by that chunk's future.
        # Only rows waiting for the chunk still being filled can hold the window for good (the
        # reader would wait for rows it cannot reach); rows waiting for anything else free
        # their place in time. So the chunk is started early only when some of them wait for
        # it: starting it whenever the window is full made tiny jobs, one per single row, once
        # the single path lagged at Klaviyo's 750 a minute.
        self.chunk_waiters: collections.Counter[asyncio.Future[int | None]] = collections.Counter()
        self.running: set[asyncio.Task[None]] = set()
        #: Rows of job requests an earlier run made without learning the job's id.
        self.doubtful: set[int] = set()
        #: Of those, the rows routed one by one in this run.
        self.doubtful_sent = 0
        #: Rows of accepted jobs already in ``summary.submitted``.
        self.reported_submitted = 0
        #: Rows past this one have no earlier outcome, so none of them can be skipped.
        self.resumed_up_to = 0
        #: Rows of jobs an earlier run started whose outcomes this run recorded: when the
        #: reader meets them they count as what their job did, not as done by an earlier run.
        self.settled_by_resumed_jobs: set[int] = set()
        self.last_row = 0
        #: Whether the row the journal was last asked about must be sent again (it was done,
        #: but an earlier row of its profile was sent in this run).
        self.sending_again = False

    # ---- the run

    async def run(self) -> None:
        """Resume an earlier run's jobs, read and route every row, wait for what is in flight;
        then fill in the summary (what stopped the run, and what to do about it)."""
        try:
            await self._resume()
            await self._read()
            await self._drain()
        finally:
            self.jobs.cancel()
            for task in list(self.running):
                task.cancel()
            await self.client.aclose()
            await self.http.aclose()
        summary = self.summary
        summary.jobs_started = self.jobs.jobs_started
        summary.jobs_running = self.jobs.jobs_running
        if self.stopped is not None:
            summary.aborted = describe_error(self.stopped)
            summary.abort_hint = self.abort_hint() or summary.abort_hint

    async def _resume(self) -> None:
        # Jobs an earlier run started come first: their rows must not be sent again, and
        # their outcomes decide which rows of the file are done.
        try:
            running = self.journal.running_jobs()
            await self.jobs.resume()
            # At most the chunks an earlier run had in flight (--max-jobs x the job size).
            settled = self.settled_by_resumed_jobs
            for job_id in running:
                settled.update(row.row for row in self.journal.job_rows(job_id))
        except sqlite3.Error as exc:
            self.stop(journal_error(self.journal.path, exc, doing="use"))
        # Rows of job requests an earlier run made without learning the job's id (killed
        # while asking, or the request failed after sending): the job may exist, so they
        # must never go in another job; they go one by one, in file order, like rows with a
        # null (at most the chunk that was being started, usually).
        try:
            self.doubtful = self.journal.doubtful_rows()
        except sqlite3.Error as exc:
            self.stop(journal_error(self.journal.path, exc, doing="use"))
        self.resumed_up_to = self.journal.last_row()

    async def _read(self) -> None:
        settings = self.settings
        rows = read_rows(
            settings.path,
            settings.fmt,
            delimiter=settings.delimiter,
            encoding=settings.encoding,
            identifier_columns=self.identifier_columns,
        )
        if self.changes is not None:
            await self.changes.read(rows, self)
        else:
            for row in rows:
                if self.stopped is not None:
                    return
                self.last_row = row.number
                if row.number % 256 == 0:
                    # Reading does not wait while rows go in a chunk: let the jobs be polled.
                    await asyncio.sleep(0)
                await self.route(row)
        if self.stopped is None:
            try:
                self.journal.forget_after(self.last_row)
            except sqlite3.Error as exc:
                self.stop(journal_error(self.journal.path, exc, doing="use"))

    async def _drain(self) -> None:
        if self.stopped is not None:
            # Jobs in flight stay running in the journal: the next run polls them.
            self.jobs.abandon()
            self.jobs.cancel()
        else:
            await self.jobs.flush()
        await self.jobs.drain()
        if self.running:
            await asyncio.gather(*self.running)

    def abort_hint(self) -> str | None:
        """What to do before running again, when the run stopped for other than the key."""
        if isinstance(self.stopped, StateWriteError):
            return (
                "make the state file writable and run again (rows whose outcome was not "
                "recorded are sent again)"
            )
        if isinstance(self.stopped, JournalWriteError):
            return (
                "make room for the journal and run again to resume (rows whose outcome was "
                "not recorded are sent again)"
            )
        if isinstance(self.stopped, JobWaitError) or self.jobs.jobs_running:
            return (
                "run the same command again to resume: jobs in flight are polled by their ids, "
                "never submitted again"
            )
        return None

    # ---- one row

    def content_hash(self, row: SourceRow) -> str:
        """The journal's hash of ``row``: its content and the settings that shape its request."""
        return self._hash(row.content)

    async def route(self, row: SourceRow, decision: Decision | None = None) -> None:
        """Skip ``row`` (done by an earlier run), reject it, or send it: in the chunk being
        filled when it clears nothing, fits a job and no earlier row of its profile is
        unfinished; else on the single path, after those earlier rows.

        ``decision``: what ``--changed-only`` found (the journal was asked already)."""
        if decision is None:
            content_hash = self.content_hash(row)
            if self._settled_before(row, content_hash):
                return
        else:
            content_hash = decision.content_hash
        checked = self._check(row, content_hash, None if decision is None else decision.body)
        if checked is None:
            return
        body, keys, prepared = checked
        if decision is not None and decision.entry is None:
            # The filter found what the import rejects; a row it could not read any other
            # way is never sent unrecorded (its state would not have been forgotten).
            self.finish(row, content_hash, "rejected", error=_UNCOMPARED)
            return
        lane_keys = self._lane_keys(row, keys, None if decision is None else decision.link_keys)
        if lane_keys is None:
            return
        sync = None if decision is None or decision.entry is None else decision.entry.pack()
        if row.number in self.doubtful:
            self.doubtful_sent += 1
            self.changed()
            prepared = None  # its job may exist: one by one, never in another job
        if (
            prepared is not None
            and not prepared.has_null
            and (self.item_limit_bytes is None or prepared.size <= self.item_limit_bytes)
            and not self.lanes.busy(lane_keys)
        ):
            chunk_row = ChunkRow(
                row.number, content_hash, scrub(row.original), prepared.encoded, sync
            )
            self.lanes.join_shared(lane_keys, await self.jobs.place(chunk_row))
            return
        await self._wait_in_line(row, content_hash, body, lane_keys, sync)

    def journal_verdict(self, row: SourceRow) -> JournalVerdict:
        """What the journal says of ``row`` for ``--changed-only``: only outcomes of this
        input file count (an earlier night's file of the same name is the state's to judge);
        a settled row is counted as skipped."""
        if row.number > self.resumed_up_to:
            return "open"  # past every recorded outcome: nothing to ask
        if self._settled_before(row, self.content_hash(row), current=True):
            return "settled"
        return "again" if self.sending_again else "open"

    def counted(self) -> None:
        """Show the summary's counts."""
        self.reporter.update(self.summary)

    async def start_waiting_jobs(self, seconds: float) -> None:
        """Start the chunk being filled if its first row has waited ``seconds``."""
        await self.jobs.flush_older(seconds)

    def _settled_before(self, row: SourceRow, content_hash: str, *, current: bool = False) -> bool:
        """Whether there is nothing more to do for ``row``: an earlier run settled it (it is
        counted as skipped), or the journal cannot tell (the run stops). ``current``: only
        outcomes of this input file count."""
        self.sending_again = False
        try:
            prior = self.journal.status(row.number, content_hash, current=current)
            again = prior in FINAL_STATES and self._send_again(prior, row)
            self.sending_again = again
            skip = prior in FINAL_STATES and not again
            if skip:
                self.journal.touch(row.number)
        except sqlite3.Error as exc:
            self.stop(journal_error(self.journal.path, exc, doing="use"))
            return True
        if skip and row.number in self.settled_by_resumed_jobs:
            # Polled to its end by this run: counted as its job's outcome (imported, or
            # rejected with its import error), once, in file order.
            self.settled_by_resumed_jobs.discard(row.number)
            self.count(cast(Outcome, prior))
            self.reporter.update(self.summary)
        elif skip:
            self.summary.skipped += 1
            self.summary.processed += 1
            self.reporter.update(self.summary)
        return skip

    def _send_again(self, prior: str, row: SourceRow) -> bool:
        """Whether a row an earlier run applied must be sent again to stay last for its
        profile.

        That is so when this run sent an earlier row of the same profile (it was fixed or
        edited since): skipping this row would leave the earlier row's values in place,
        against file order. The re-send is an idempotent upsert.
        """
        if not self.journal.marked or prior not in DONE_STATES or row.record is None:
            return False
        try:
            keys = identity_of_body(self.mapper.body(row.record))
        except InvalidInputError:
            return False
        return self.journal.any_sent(keys)

    def _check(
        self, row: SourceRow, content_hash: str, body: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], frozenset[str], PreparedProfile | None] | None:
        """The row's request body (``body``: built already), identifiers and (when jobs are
        used) its profile as a job takes it; ``None`` when the row is rejected without a
        request."""
        if row.record is None:
            self.finish(row, content_hash, "rejected", error=row.error)
            return None
        try:
            body = body or self.mapper.body(row.record)
        except InvalidInputError as exc:
            self.finish(row, content_hash, "rejected", error=str(exc))
            return None
        keys = identity_of_body(body)
        if not keys:
            # Klaviyo refuses a profile with no identifier; no request needed to know. An
            # identifier that is there but not a string (an email given as 123) is named as
            # such by the client's own check, rather than as missing.
            self.finish(row, content_hash, "rejected", error=no_identifier(body))
            return None
        prepared: PreparedProfile | None = None
        if self.summary.bulk:
            try:
                prepared = prepare_profile(body)
            except InvalidInputError as exc:
                # The check the single call makes before sending: the same refusal.
                self.finish(row, content_hash, "rejected", error=str(exc))
                return None
        return body, keys, prepared

    def _lane_keys(
        self, row: SourceRow, keys: frozenset[str], links: frozenset[str] | None = None
    ) -> frozenset[LaneKey] | None:
        """The lanes of the row's profile: the groups its identifiers (``links``, when
        ``--changed-only`` gives them) belong to, as linked by this and earlier rows
        (``None``: the journal failed, the run stops)."""
        try:
            if row.number < self.resumed_up_to:
                # Later rows of this profile that an earlier run applied must follow again.
                self.journal.mark_sent(keys)
            groups = self.journal.link_identities(links or keys)
        except sqlite3.Error as exc:
            self.stop(journal_error(self.journal.path, exc, doing="use"))
            return None
        # Lanes by group only: every identifier of the row is in the group it links them to,
        # and a row that merges groups joins the lanes of each, so an earlier row naming any
        # of its identifiers is ahead of it in one of these lanes. One small int a row, not
        # the identifiers' strings: rows of jobs in flight (up to --max-jobs x 10,000) sit in
        # the lanes until their job completes.
        return frozenset(groups)

    async def _wait_in_line(
        self,
        row: SourceRow,
        content_hash: str,
        body: dict[str, Any],
        keys: frozenset[LaneKey],
        sync: bytes | None = None,
    ) -> None:
        """Put a row on the single path: it is sent once the earlier rows of its profile have
        their outcomes."""
        jobs = self.jobs
        if self.window.locked() and jobs.pending and self.chunk_waiters[jobs.filling] > 0:
            # Rows waiting for the chunk being filled hold places in the full window: start
            # it, or they would wait for rows the reader cannot reach.
            await jobs.flush()
        # Waits while the window is full: memory stays bounded.
        await self.window.acquire()
        waits, mine = self.lanes.join(keys)
        filling = jobs.filling
        chunk = filling if any(wait is filling for wait in waits) else None
        if chunk is not None:
            self.chunk_waiters[chunk] += 1
        slim = SourceRow(row.number, row.original, None)
        waiting = _Waiting(slim, content_hash, body, sync, keys, waits, mine, chunk)
        task = asyncio.create_task(self._send_in_turn(waiting))
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _send_in_turn(self, waiting: _Waiting) -> None:
        outcome: int | None = None
        row, content_hash = waiting.row, waiting.content_hash
        try:
            try:
                blocker = await held_back_by(waiting.waits)
            finally:
                self._stop_waiting_for(waiting.chunk)
            if self.stopped is not None:
                return  # stopping; not journalled, so a re-run sends the row
            if blocker is not None:
                self.finish(
                    row,
                    content_hash,
                    "failed",
                    error=f"not sent: row {blocker} for the same profile failed; "
                    "a re-run sends both in file order",
                )
                outcome = blocker
                return
            async with self.sending:
                if self.stopped is not None:
                    return
                status = await self.send(row, content_hash, waiting.body, waiting.sync)
            if status == "failed":
                outcome = row.number
        finally:
            self.lanes.leave(waiting.keys, waiting.mine, outcome)
            self.window.release()

    def _stop_waiting_for(self, chunk: asyncio.Future[int | None] | None) -> None:
        if chunk is not None:
            self.chunk_waiters[chunk] -= 1
            if self.chunk_waiters[chunk] <= 0:
                del self.chunk_waiters[chunk]

    async def send(
        self,
        row: SourceRow,
        content_hash: str,
        body: dict[str, Any],
        sync: bytes | None = None,
    ) -> Outcome | None:
        """Send one row and journal its outcome, with ``sync`` (``None``: not sent, the key
        was refused)."""
        self.summary.submitted += 1
        try:
            result = await self.client.create_or_update_profile(
                # Built from the row at run time; checked before sending like any Mapping.
                body=cast(Body, body),
                additional_fields=list(self.settings.additional_fields) or None,
            )
        except (AuthenticationError, PermissionDeniedError) as exc:
            # Not journalled: once the key is fixed, a re-run sends these rows.
            self.stop(exc)
            return None
        except InvalidInputError as exc:
            self.finish(row, content_hash, "rejected", error=str(exc))
            return "rejected"
        except APIStatusError as exc:
            status: Outcome = "failed" if is_retryable(exc) else "rejected"
            error = describe_error(exc)
            self.finish(
                row, content_hash, status, error=error, http_status=exc.status_code, sync=sync
            )
            return status
        except APIError as exc:
            # It may have been applied (a timeout after sending): the state forgets it.
            self.finish(row, content_hash, "failed", error=describe_error(exc), sync=sync)
            return "failed"
        except Exception as exc:  # a bug must not stall the pipeline or lose the row
            error = f"{type(exc).__name__}: {exc}"
            self.finish(row, content_hash, "failed", error=error, sync=sync)
            return "failed"
        outcome: Outcome = "created" if result.created else "updated"
        self.finish(
            row,
            content_hash,
            outcome,
            http_status=result.status_code,
            profile_id=result.profile_id,
            attempts=result.attempts,
            sync=sync,
        )
        return outcome

    def finish(self, row: SourceRow, content_hash: str, status: Outcome, **details: Any) -> None:
        """Journal a row's outcome, then count it (an outcome the journal cannot take stops
        the run: the next run would send that row again anyway)."""
        failing = status in ("rejected", "failed")
        # Nothing that reaches the journal (and so the reject file) may carry the API key:
        # neither an error text that quotes a value nor a row that holds the key itself.
        if details.get("error") is not None:
            details["error"] = scrub(str(details["error"]))
        try:
            self.journal.record(
                row.number,
                content_hash,
                status,
                original=scrub(row.original) if failing else None,
                **details,
            )
        except sqlite3.Error as exc:
            # A full disk, say. Stop: an outcome that cannot be recorded would be sent again
            # by the next run anyway (idempotently), so sending more rows gains nothing.
            self.stop(journal_error(self.journal.path, exc))
            return
        self.count(status)
        self.reporter.update(self.summary)

    def count(self, status: Outcome, rows: int = 1) -> None:
        """Add ``rows`` outcomes of one kind to the summary."""
        summary = self.summary
        if status == "created":
            summary.created += rows
        elif status == "updated":
            summary.updated += rows
        elif status == "imported":
            summary.imported += rows
        elif status == "rejected":
            summary.rejected += rows
        else:
            summary.failed += rows
        summary.processed += rows

    # ---- what the jobs report (PipelineHost)

    def stop(self, reason: BaseException) -> None:
        """Stop the run; the first reason is the one reported."""
        if self.stopped is None:
            self.stopped = reason

    def row_failed(
        self, number: int, content_hash: str, original: str, status: Outcome, error: str
    ) -> None:
        """Journal and count the outcome of a row whose job could not start."""
        self.finish(SourceRow(number, original, None), content_hash, status, error=error)

    def recorded(self, counts: dict[Outcome, int]) -> None:
        """Count a job's outcomes."""
        for status, rows in counts.items():
            self.count(status, rows)
        # Lanes that ended with this job's rows are done: memory stays bounded.
        self.lanes.sweep()

    def changed(self) -> None:
        """Show the jobs' figures."""
        summary, jobs = self.summary, self.jobs
        summary.submitted += jobs.rows_submitted - self.reported_submitted
        self.reported_submitted = jobs.rows_submitted
        summary.jobs_running = jobs.jobs_running
        summary.jobs_started = jobs.jobs_started
        summary.in_doubt = self.doubtful_sent + jobs.rows_in_doubt
        self.reporter.update(summary)

    async def send_single(self, row: ChunkRow) -> Outcome | None:
        """Send a row of a job that may exist as Create or Update Profile takes it (the same
        values)."""
        if self.stopped is not None:
            return None
        async with self.sending:
            if self.stopped is not None:
                return None
            body = {"data": json.loads(row.encoded)}
            single = SourceRow(row.number, row.original, None)
            return await self.send(single, row.hash, body, row.sync)


async def _import(
    settings: ImportSettings,
    journal: Journal,
    reporter: Reporter,
    summary: ImportSummary,
    state: SyncState | None,
) -> None:
    await ImportRun(settings, journal, reporter, summary, state).run()


def run_import(settings: ImportSettings, console: Console) -> ImportSummary:
    """Run (or resume) an import; the journal and reject file are updated as it goes.

    Everything that would stop the import part way is checked before the first request:
    the columns, the encoding of the whole file, that the journal and the reject file can be
    written, that no other import holds the journal (``PreflightError``, ``HeaderError``),
    and with ``--changed-only`` that the sync state can be used and is not in use; and,
    before any file is created, that the rate limiter can be made.
    """
    source = check_before_sending(settings, console)
    started = time.monotonic()
    with held_state(settings) as state:
        lock = lock_journal(settings)
        try:
            try:
                journal = Journal(settings.journal_file)
            except JournalError as exc:
                raise PreflightError(str(exc)) from None
            with journal:
                return _run_journalled(settings, journal, console, source, started, state)
        finally:
            unlock_journal(lock)


def _run_journalled(
    settings: ImportSettings,
    journal: Journal,
    console: Console,
    source: SourceStats,
    started: float,
    state: SyncState | None,
) -> ImportSummary:
    owner = f"pid {os.getpid()} on {socket.gethostname()}"
    journal.claim(owner)
    if journal.check_input(input_identity(settings.path)):
        kept = (
            "the sync state decides which rows are sent"
            if state is not None
            else "rows whose content is unchanged keep their outcome, the others are sent"
        )
        console.print(
            f"note: {settings.path.name} changed since its journal was written; {kept}",
            highlight=False,
        )
    summary = ImportSummary(total=source.rows, source=source)
    if state is not None:
        start_run(state, journal, owner, summary)
    reporter = Reporter(console, source.rows)
    try:
        with reporter:
            asyncio.run(_import(settings, journal, reporter, summary, state))
    except KeyboardInterrupt:
        summary.interrupted = True
    if state is not None:
        end_run(state, journal, summary)
    summary.elapsed = time.monotonic() - started
    if not summary.interrupted:
        reporter.finish(summary)
    summary.reject_file_rows = export_rejects(settings, journal)
    return summary
