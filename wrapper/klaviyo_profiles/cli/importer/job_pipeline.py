"""Bulk import jobs for ``import``: rows gathered into chunks, started, journalled, polled.

:class:`JobPipeline` owns the bulk side of an import. The reader hands it rows that may go in
a job (:meth:`JobPipeline.place`); it fills one chunk at a time (by count and bytes, with the
library's :class:`~klaviyo_profiles.bulk.BulkChunker`), starts each full chunk as a job in the
background while the reader goes on, and keeps at most ``max_jobs`` jobs in flight: a full
chunk waits for a free slot, so memory holds one chunk being filled plus the chunks being
sent, whatever the file size.

For each job: before its request, the rows are committed to the journal as an intent
(:meth:`~.journal.Journal.begin_job`); right after the server's 202 the job's id replaces the
intent (:meth:`~.journal.Journal.record_job`); then it is polled until it ends, its import
errors are read, and every row's outcome is committed at once
(:meth:`~.journal.Journal.finish_job`). Rows the server refuses before creating a job (a 400
pointing at one profile) are rejected and the rest started again; a job refused before it
exists (a 429 after retries, a failure to connect, another 4xx) leaves its rows ``failed``,
for a re-run to send. A request that failed where the job may exist (a timeout after
sending, an answer lost, a 5xx) is never made again: the intent is marked ``unsure`` and its
rows are sent one by one through Create or Update Profile (``send_single``), in this run.

Every chunk has one future, which ends when the job's outcomes are recorded: the importer's
per-profile lanes end with it, so a later row of a profile in the job waits for it (see
:mod:`.import_run`: that is how file order holds across the two paths).

The pipeline reports to the run that owns it through a :class:`PipelineHost` (rows that fail,
outcomes recorded, a reason to stop, rows to send one by one); it never imports the run.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from klaviyo_profile_import import facts

from ..._generated import bulk_jobs_available
from ...bulk import (
    AUTO_BULK_MIN_PROFILES,
    BULK_OPERATION,
    BulkChunker,
    BulkImportJobTimeoutError,
    PreparedProfile,
    Via,
)
from ...client import AsyncKlaviyoProfiles
from ...errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    BulkImportUnavailableError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from ...result import profile_position
from ...retries import request_never_sent
from ..common import describe_error, scrub
from ..journal import JobState, Journal, Outcome
from .failures import JobWaitError, journal_error

__all__ = [
    "SMALL_FILE_ROWS",
    "ChunkRow",
    "JobPipeline",
    "JobWaitError",
    "PipelineHost",
    "item_payload_limit",
    "use_bulk",
]

#: A row's place in a job request as the library names it in a refusal before sending
#: (``profiles[7]...``); ``result.profile_position`` reads it from a server's pointer.
_FIELD = re.compile(r"^profiles\[(\d+)\]")


#: Under ``--via auto``, files with fewer data rows than this go through Create or Update
#: Profile only: that many single requests take a few seconds within its burst window (75 a
#: second), while a job costs a queue wait, processing and polling (tens of seconds on
#: Klaviyo). The library's threshold for ``create_or_update_profiles``, shared so both agree.
SMALL_FILE_ROWS = AUTO_BULK_MIN_PROFILES


def use_bulk(via: Via, total: int) -> bool:
    """Whether rows may go in bulk import jobs: ``--via bulk``, or ``auto`` for a file of at
    least :data:`SMALL_FILE_ROWS` data rows (with ``--changed-only``: rows to send), on a
    revision that has bulk jobs."""
    if via == "single" or not bulk_jobs_available():
        return False
    return via == "bulk" or total >= SMALL_FILE_ROWS


def item_payload_limit() -> int | None:
    """Bytes one profile may take in a job (``None``: no revision states a limit, or the
    revision has no jobs)."""
    operation = facts.OPERATIONS.get(BULK_OPERATION)
    return None if operation is None else operation.item_payload_limit_bytes


@dataclass(slots=True)
class ChunkRow:
    """One input row waiting in the chunk being filled.

    Only the profile's encoded bytes are kept (checked, with no null): a few hundred bytes a
    row rather than the decoded resource, so a chunk of 10,000 rows stays small.
    """

    number: int
    hash: str
    #: The row as read, with any key masked (kept in the journal for the reject file).
    original: str
    encoded: bytes
    #: What the row applies, for the sync state (``--changed-only``; journalled with the job).
    sync: bytes | None = None


def _size(row: ChunkRow) -> int:
    return len(row.encoded)


#: Stands in for the decoded resource of a row sent from its bytes (see :func:`_prepared`).
_FROM_BYTES: dict[str, object] = {}


def _prepared(row: ChunkRow) -> PreparedProfile:
    """The row's profile for the job request, as its encoded bytes only.

    The library builds a job's body from each profile's ``encoded`` bytes (checked already,
    when the row was read: no null, within the per-profile limit); decoding 10,000 profiles
    again for each request only to drop them held about 14 MiB at a time.
    """
    return PreparedProfile(
        resource=_FROM_BYTES,
        size=len(row.encoded),
        has_null=False,
        identity=frozenset(),
        encoded=row.encoded,
    )


class PipelineHost(Protocol):
    """What the pipeline needs from the run that owns it (the importer's run implements it)."""

    #: The first reason the run stops, or ``None`` while it goes on.
    stopped: BaseException | None

    def stop(self, reason: BaseException) -> None:
        """Stop the run (every further row would fail the same way, or the journal failed);
        the first reason given is the one reported."""

    def row_failed(
        self, number: int, content_hash: str, original: str, status: Outcome, error: str
    ) -> None:
        """Journal and count the outcome of a row whose job could not start."""

    def recorded(self, counts: dict[Outcome, int]) -> None:
        """A job's outcomes were committed: ``counts`` rows by outcome (empty for a job of an
        earlier run, whose rows the reader counts as done before)."""

    def changed(self) -> None:
        """The pipeline's figures changed (jobs running, rows submitted or in doubt)."""

    async def send_single(self, row: ChunkRow) -> Outcome | None:
        """Send one row of a job that may exist through Create or Update Profile and journal
        its outcome (``None``: not sent, the run is stopping)."""


#: What a job request that made no job came to: rows to ask for again without (the positions
#: of rows refused for good), rows settled with no further request ("ended"), or a job that may
#: exist ("in doubt": its rows go one by one, never in another job).
_Refusal = frozenset[int] | Literal["ended", "in doubt"]

#: How a job ended, as the journal records it: its state, the import errors by position, and
#: the outcome (with its error) of every row that has no import error.
_JobOutcome = tuple[JobState, dict[int, str], tuple[Outcome, str | None]]


class JobPipeline:
    """Fills chunks, starts them as jobs, and records their rows' outcomes (see the module)."""

    def __init__(
        self,
        client: AsyncKlaviyoProfiles,
        journal: Journal,
        host: PipelineHost,
        *,
        max_jobs: int = 4,
        job_size: int | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        job_timeout: float | None = None,
    ) -> None:
        self.client = client
        self.journal = journal
        self.host = host
        self.poll_interval = poll_interval
        self.max_poll_interval = max(max_poll_interval, poll_interval)
        self.job_timeout = job_timeout
        # A revision without bulk jobs has no limits to chunk by; the importer then places no
        # row (every row goes one by one) and only an earlier run's jobs are followed.
        self._chunker: BulkChunker[ChunkRow] | None = (
            BulkChunker(size=_size, max_items=job_size) if bulk_jobs_available() else None
        )
        self._future = self._new_future()
        #: When the first row of the chunk being filled was placed (monotonic seconds).
        self.filling_since: float | None = None
        # A slot is taken when a chunk is handed over and given back when its job's outcomes
        # are recorded (or it could not start): bounds chunks in memory and jobs in flight.
        self._slots = asyncio.Semaphore(max_jobs)
        self._tasks: set[asyncio.Task[None]] = set()
        # One chunk on its way to the server at a time (taken by the reader when it hands a
        # chunk over, given back when the job is accepted or refused): memory holds the chunk
        # being sent (its profiles decoded for the request) and the one being filled, the
        # same for 20,000 rows as for 200,000. Jobs still overlap at the server, which is
        # where they spend their time; the API takes 10 job requests a second at most.
        self._sending = asyncio.Semaphore(1)
        #: Rows handed to the server in jobs that it accepted, in this run.
        self.rows_submitted = 0
        #: Jobs accepted in this run, and jobs accepted (in this run or an earlier one) whose
        #: outcomes are not recorded yet.
        self.jobs_started = 0
        self.jobs_running = 0
        #: Rows of job requests that failed where the job may exist, sent one by one instead.
        self.rows_in_doubt = 0

    @staticmethod
    def _new_future() -> asyncio.Future[int | None]:
        return asyncio.get_running_loop().create_future()

    @property
    def pending(self) -> int:
        """Rows in the chunk being filled."""
        return 0 if self._chunker is None else len(self._chunker)

    @property
    def filling(self) -> asyncio.Future[int | None]:
        """The future of the chunk being filled (the one :meth:`place` hands out now)."""
        return self._future

    async def place(self, row: ChunkRow) -> asyncio.Future[int | None]:
        """Put ``row`` in the chunk being filled; the future that ends when its job is done.

        A full chunk (by count or bytes) is handed over to be started; this waits while
        ``max_jobs`` chunks are being sent or processed.
        """
        chunker = self._chunker
        if chunker is None:
            raise BulkImportUnavailableError(BULK_OPERATION, facts.REVISION)
        if len(chunker) and chunker.pending_bytes + 1 + len(row.encoded) > chunker.max_bytes:
            await self.flush()
        if not len(chunker):
            self.filling_since = time.monotonic()
        future = self._future
        full = chunker.add(row)
        if full:  # by count: the chunk includes this row
            await self._hand_over(full, future)
        return future

    async def flush(self) -> None:
        """Start the chunk being filled now (at the end of the file, when rows of the single
        path wait for it, or when it has been filling a while: see :meth:`flush_older`)."""
        rows = self._chunker.flush() if self._chunker is not None else []
        if rows:
            await self._hand_over(rows, self._future)

    async def flush_older(self, seconds: float) -> None:
        """Start the chunk being filled if its first row waits for more than ``seconds`` and a
        job may start at once: when rows for jobs come slowly (``--changed-only`` leaves most
        rows out), their jobs then run at the server while the file is still read, rather than
        all after it."""
        since = self.filling_since
        if not self.pending or since is None or time.monotonic() - since <= seconds:
            return
        if not self._slots.locked():  # with every slot taken it would wait, as a full one does
            await self.flush()

    async def _hand_over(self, rows: list[ChunkRow], future: asyncio.Future[int | None]) -> None:
        self._future = self._new_future()
        await self._slots.acquire()
        await self._sending.acquire()
        task = asyncio.create_task(self._run_job(rows, future))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until every job handed over has its outcomes recorded (or cannot)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def abandon(self) -> None:
        """Stopping: rows of the chunk being filled are not sent (nor journalled, so a re-run
        sends them); rows waiting for it are let go."""
        rows = self._chunker.flush() if self._chunker is not None else []
        if not self._future.done():
            self._future.set_result(rows[0].number if rows else 0)

    def cancel(self) -> None:
        """Cancel the background work (the journal keeps running jobs for the next run)."""
        for task in list(self._tasks):
            task.cancel()

    # ---- one job

    async def resume(self) -> None:
        """Poll every job the journal holds as running and record its rows' outcomes.

        Called before any row is read: rows of those jobs were sent by an earlier run and
        must never be sent again while their job may still apply them.
        """
        jobs = self.journal.running_jobs()
        if not jobs:
            return
        self.jobs_running += len(jobs)
        self.host.changed()
        await asyncio.gather(
            *(self._finish(job_id, self._new_future(), resumed=True) for job_id in jobs)
        )

    async def _run_job(self, rows: list[ChunkRow], future: asyncio.Future[int | None]) -> None:
        try:
            try:
                job_id, doubtful = await self._start(rows, future)
            finally:
                self._sending.release()
            if doubtful:
                await self._send_one_by_one(doubtful, future)
            rows.clear()  # the profiles are not needed once the job exists
            if job_id is not None:
                self.jobs_running += 1
                self.host.changed()
                await self._finish(job_id, future)
        finally:
            if not future.done():
                future.set_result(None)
            self._slots.release()

    async def _send_one_by_one(
        self, rows: list[ChunkRow], future: asyncio.Future[int | None]
    ) -> None:
        """Send the rows of a job that may exist one by one (an idempotent upsert each, with
        the same values), in file order; the rows are of distinct profiles (a chunk never holds
        two rows of one profile), so they run side by side under the importer's concurrency.
        Later rows of these profiles wait for the future, as for a job."""
        self.rows_in_doubt += len(rows)
        self.host.changed()
        outcomes = await asyncio.gather(*(self.host.send_single(row) for row in rows))
        failed = [
            row.number
            for row, outcome in zip(rows, outcomes, strict=True)
            if outcome is None or outcome == "failed"
        ]
        if not future.done():
            future.set_result(min(failed) if failed else None)

    async def _start(
        self, rows: list[ChunkRow], future: asyncio.Future[int | None]
    ) -> tuple[str | None, list[ChunkRow]]:
        """Start one job for ``rows`` (dropping rows the server refuses).

        Returns the job's id, or ``None`` with the rows that must go one by one because the
        job may exist (an empty list when no job exists and the rows' outcomes are recorded).
        """
        remaining = list(rows)
        # Bounded: every round without a job rejects at least one row.
        while remaining:
            if self.host.stopped is not None:
                future.set_result(remaining[0].number)
                return None, []
            try:
                # Committed before the request leaves: a crash from here on leaves an intent
                # the next run sends one by one, never in another job.
                token = self.journal.begin_job(
                    [(row.number, row.hash, row.original) for row in remaining],
                    [row.sync for row in remaining],
                )
            except sqlite3.Error as exc:
                self.host.stop(journal_error(self.journal.path, exc))
                future.set_result(remaining[0].number)
                return None, []
            try:
                job = await self.client.bulk_import_profiles([_prepared(row) for row in remaining])
            except Exception as exc:
                refusal = self._refused(exc, token, remaining, future)
                if refusal == "in doubt":
                    return None, self._doubt(token, remaining)
                if not isinstance(refusal, frozenset):
                    return None, []
                remaining = [row for place, row in enumerate(remaining) if place not in refusal]
                continue
            return self._accepted(token, job.id, remaining, future), []
        return None, []

    def _accepted(
        self, token: str, job_id: str, rows: list[ChunkRow], future: asyncio.Future[int | None]
    ) -> str | None:
        """Put the job's id in place of the intent; ``None`` when the journal cannot take it
        (the intent stays: the next run sends these rows one by one)."""
        try:
            self.journal.record_job(token, job_id)
        except sqlite3.Error as exc:
            self.host.stop(journal_error(self.journal.path, exc))
            future.set_result(rows[0].number)
            return None
        self.rows_submitted += len(rows)
        self.jobs_started += 1
        return job_id

    def _refused(
        self,
        exc: Exception,
        token: str,
        rows: list[ChunkRow],
        future: asyncio.Future[int | None],
    ) -> _Refusal:
        """What a job request that raised ``exc`` came to (see :data:`_Refusal`)."""
        if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
            # Not journalled: once the key is fixed, a re-run sends these rows.
            self._drop(token)
            self.host.stop(exc)
            future.set_result(rows[0].number)
            return "ended"
        if isinstance(exc, InvalidInputError):
            # Found before sending; rows are checked one by one first, so this is rare.
            self._drop(token)
            match = _FIELD.match(exc.field)
            if match is None or int(match.group(1)) >= len(rows):
                self._fail_all(rows, future, f"job not started: {exc}")
                return "ended"
            self._reject(rows[int(match.group(1))], str(exc))
            return frozenset({int(match.group(1))})
        if isinstance(exc, APIStatusError):
            if exc.status_code >= 500:
                return "in doubt"
            self._drop(token)  # a 4xx: no job was made
            return self._refused_by_server(exc, rows, future)
        if isinstance(exc, APIConnectionError) and request_never_sent(exc):
            self._drop(token)  # nothing left: a re-run may send the rows in a job
            self._fail_all(rows, future, f"job not started: {describe_error(exc)}")
            return "ended"
        # The job may or may not exist (a request that may have been sent, an answer that
        # names no job): the request is never made again; the rows go one by one.
        return "in doubt"

    def _refused_by_server(
        self, exc: APIStatusError, rows: list[ChunkRow], future: asyncio.Future[int | None]
    ) -> _Refusal:
        """A 4xx: reject the rows its errors point at, or fail them all when it points at none
        (or asks to slow down)."""
        refused = {
            position
            for error in exc.errors
            if (position := profile_position(error.pointer)) is not None
        }
        refused = {position for position in refused if position < len(rows)}
        if not refused or isinstance(exc, RateLimitError):
            self._fail_all(rows, future, f"job not started: {describe_error(exc)}")
            return "ended"
        for position in refused:
            details = "; ".join(
                error.describe()
                for error in exc.errors
                if profile_position(error.pointer) == position
            )
            self._reject(rows[position], f"{exc.status_code}: {details}")
        return frozenset(refused)

    def _drop(self, token: str) -> None:
        try:
            self.journal.drop_intent(token)
        except sqlite3.Error as exc:
            # The intent stays (its rows would go one by one next time): stop all the same.
            self.host.stop(journal_error(self.journal.path, exc))

    def _doubt(self, token: str, rows: list[ChunkRow]) -> list[ChunkRow]:
        """The job may exist: never ask again; the rows go one by one (see the module)."""
        try:
            self.journal.doubt_intent(token)
        except sqlite3.Error as exc:
            # Still ``starting``, which the next run reads the same way.
            self.host.stop(journal_error(self.journal.path, exc))
        return rows

    def _reject(self, row: ChunkRow, error: str) -> None:
        self.host.row_failed(row.number, row.hash, row.original, "rejected", error)

    def _fail_all(
        self, rows: Sequence[ChunkRow], future: asyncio.Future[int | None], error: str
    ) -> None:
        for row in rows:
            self.host.row_failed(row.number, row.hash, row.original, "failed", error)
        # Later rows of these profiles are held back, so a re-run sends them all in order.
        future.set_result(rows[0].number)

    async def _finish(
        self, job_id: str, future: asyncio.Future[int | None], *, resumed: bool = False
    ) -> None:
        """Wait for a job to end and commit its rows' outcomes.

        The outcomes of a job an earlier run started are not counted in this run's figures:
        the reader meets its rows next, and counts them as done by an earlier run.
        """
        try:
            outcome = await self._outcome(job_id)
            if outcome is None:
                return
            state, errors, default = outcome
            try:
                counts = self.journal.finish_job(job_id, state, errors=errors, default=default)
            except sqlite3.Error as exc:
                self.host.stop(journal_error(self.journal.path, exc))
                return
            self.jobs_running -= 1
            self.host.recorded({} if resumed else counts)
            if not future.done():
                # A row that failed (the job was cancelled) holds back later rows of its
                # profile, as a failed single row does.
                held = counts.get("failed", 0) > 0
                future.set_result(_first_row(self.journal, job_id) if held else None)
        finally:
            if not future.done():
                future.set_result(0)  # stopping: rows waiting for it are not sent
            self.host.changed()

    async def _outcome(self, job_id: str) -> _JobOutcome | None:
        """Poll a job until it ends and read its import errors; ``None`` when its outcome
        cannot be read (the run stops, and the next run polls the job again)."""
        errors: dict[int, str] = {}
        try:
            job = await self.client.wait_for_bulk_import_profiles_job(
                job_id,
                poll_interval=self.poll_interval,
                max_poll_interval=self.max_poll_interval,
                job_timeout=self.job_timeout,
            )
            if job.failed_count != 0:  # None (not stated) reads the errors too
                async for entry in self.client.get_errors_for_bulk_import_profiles_job(job_id):
                    if entry.index is not None and entry.index not in errors:
                        errors[entry.index] = scrub(entry.describe())
        except NotFoundError:
            # Errors read before the job was lost still count.
            lost = (
                f"bulk import job {job_id} is unknown to the server (expired?); its outcome "
                "cannot be read, so the row is sent again"
            )
            return "lost", errors, ("failed", lost)
        except (AuthenticationError, PermissionDeniedError) as exc:
            self.host.stop(exc)
            return None
        except (BulkImportJobTimeoutError, BulkImportUnavailableError) as exc:
            # Unavailable: an earlier run's job on a revision this client has no jobs in.
            self.host.stop(JobWaitError(scrub(str(exc))))
            return None
        except APIError as exc:
            self.host.stop(
                JobWaitError(f"cannot read bulk import job {job_id}: {describe_error(exc)}")
            )
            return None
        if job.status == "complete":
            return "complete", errors, ("imported", None)
        cancelled = (
            f"bulk import job {job_id} ended {job.status} before importing the row; a re-run "
            "sends it again"
        )
        return "cancelled", errors, ("failed", cancelled)


def _first_row(journal: Journal, job_id: str) -> int:
    return journal.first_job_row(job_id) or 0
