"""``klaviyo-profiles import FILE``: stream a CSV or JSON Lines file into Klaviyo, resumably.

The pipeline keeps memory flat whatever the file size: one reader walks the file row by row
and hands checked request bodies to a bounded queue; ``concurrency`` workers send them through
one :class:`~klaviyo_profiles.AsyncKlaviyoProfiles` (which paces under the rate limits and
retries what is safe to retry) and commit each outcome to the :class:`~.journal.Journal`
before taking the next row. Nothing else accumulates: counters, not lists.

With ``--via auto`` (the default) or ``bulk``, rows that clear nothing go in Klaviyo's bulk
import jobs (up to 10,000 profiles a request, see :mod:`.jobs`), and rows with a null go
through Create or Update Profile, the only call that clears a field; ``--via single`` sends
every row that way. Which path a row takes, and why file order per profile holds across the
two, is explained at :func:`use_bulk` and in ``_run``.

Cells: an empty cell leaves the field unchanged (it is omitted); the ``--null-token`` clears
it (sent as ``null``). Columns map to fields by name (``email``, ``first_name``, ``kx`` or
``_kx``, ``location.city`` or ``location_city``, ``properties.<key>``), or by ``--map``.
An unknown CSV column stops the import before anything is sent; a bad row (wrong number of
cells, a malformed JSON line, a row too large to send, a value the field cannot take, a 4xx
answer) is rejected with its reason and the rest proceed. Reading the file, and what the
readers refuse (a CSV file ending inside a quote, rows swallowed by an open quote, rows past
the size limit, repeated JSON member names), is in :mod:`.sources`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import csv
import hashlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import filelock
import httpx
from klaviyo_profile_import import facts
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from .._generated import bulk_jobs_available, missing_job_operations
from ..bulk import (
    AUTO_BULK_MIN_PROFILES,
    PreparedProfile,
    prepare_profile,
)
from ..client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, AsyncKlaviyoProfiles, Body, KlaviyoProfiles
from ..errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    InvalidInputError,
    PermissionDeniedError,
    UnknownFieldError,
)
from ..identity import IDENTIFIER_NAMES
from ..identity import identity_of_body as identity_keys
from ..ratelimit import LimiterBackend
from ..retries import RetryPolicy, is_retryable
from .common import scrub
from .fields import Target, assemble_body, coerce_text, resolve_target
from .jobs import ChunkRow, JobPipeline, JobWaitError, item_payload_limit
from .journal import DONE_STATES, FINAL_STATES, Journal, JournalError, Outcome, row_hash
from .sources import (
    Format,
    HeaderError,
    SourceRow,
    SourceStats,
    count_rows,
    csv_header,
    detect_format,
    read_rows,
    text_encoding,
)

__all__ = [
    "HeaderError",
    "ImportSettings",
    "ImportSummary",
    "JournalWriteError",
    "PreflightError",
    "RejectFileError",
    "SourceRow",
    "SourceStats",
    "Via",
    "detect_format",
    "read_rows",
    "run_import",
    "text_encoding",
    "use_bulk",
]

Via = Literal["auto", "bulk", "single"]


#: The targets of the columns a profile can be identified by (``id`` and the identifier
#: attributes: ``identity.IDENTIFIER_NAMES``).
IDENTIFIER_TARGETS: frozenset[Target] = frozenset(resolve_target(name) for name in IDENTIFIER_NAMES)
NO_IDENTIFIER = (
    f"no identifier: a profile needs a value in at least one of {', '.join(IDENTIFIER_NAMES)}"
)


def _no_identifier(body: Mapping[str, Any]) -> str:
    """Why a body with no identifier key is refused: a value the client's checks refuse (an
    identifier of the wrong type), or else that it names no profile."""
    try:
        prepare_profile(body)
    except InvalidInputError as exc:
        return str(exc)
    return NO_IDENTIFIER


class RowMapper:
    """Turns a record into a request body, by the column mapping and the null token."""

    def __init__(self, mapping: Mapping[str, str], null_token: str | None) -> None:
        self.mapping = dict(mapping)
        self.null_token = null_token
        self._targets: dict[str, Target | None] = {}

    def target(self, column: str) -> Target | None:
        """Where ``column`` goes (``None``: skipped); raises ``UnknownFieldError``."""
        if column in self._targets:
            return self._targets[column]
        name = self.mapping.get(column, column)
        target = resolve_target(name) if name else None
        if len(self._targets) < 10_000:  # bounded: JSON Lines keys come from the data
            self._targets[column] = target
        return target

    def check_header(self, header: Sequence[str]) -> None:
        """Refuse unknown, duplicate or unmapped columns before anything is sent."""
        seen: dict[Target, str] = {}
        for column in self.mapping:
            if column not in header:
                raise HeaderError(f"--map names column {column!r}, which the file does not have")
        if len(header) == 1:
            # A whole header in one column: the file is separated by something else.
            separator = next((s for s in (";", "\t", "|") if s in header[0]), None)
            if separator is not None:
                shown = "\\t" if separator == "\t" else separator
                raise HeaderError(
                    f"the header is one column, {header[0]!r}: the file looks separated by "
                    f"{separator!r}, not commas; pass --delimiter '{shown}'"
                )
        for column in header:
            try:
                target = self.target(column)
            except UnknownFieldError as exc:
                hint = f"; did you mean {exc.suggestion!r}?" if exc.suggestion else ""
                raise HeaderError(
                    f"column {column!r} is not a profile field{hint} Map it with "
                    f"--map '{column}=FIELD' or skip it with --map '{column}='"
                ) from None
            if target is None:
                continue
            if target in seen:
                raise HeaderError(
                    f"columns {seen[target]!r} and {column!r} both set {'.'.join(target[1:])}"
                )
            seen[target] = column
        if not any(target in IDENTIFIER_TARGETS for target in seen):
            # Every row would be refused (400) for want of an identifier: say so up front.
            raise HeaderError(
                "no column identifies the profile, so no row could be imported; the file needs "
                f"one of {', '.join(IDENTIFIER_NAMES)} (rename a column or map it, e.g. "
                "--map 'E-mail=email')"
            )

    def body(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON:API body for one record; raises ``InvalidInputError`` for bad values."""
        if set(record) == {"data"} and isinstance(record["data"], Mapping):
            return dict(record)  # already a JSON:API document; the client checks it
        values: list[tuple[Target, Any]] = []
        objects: dict[str, Any] = {}
        for column, cell in record.items():
            target = self.target(column)
            if target is None or cell == "":
                continue  # skipped column, or empty cell: leave the field unchanged
            if cell is None or (self.null_token is not None and cell == self.null_token):
                values.append((target, None))
            elif target[0] == "attribute" and isinstance(cell, Mapping):
                objects[target[1]] = cell
            elif isinstance(cell, str):
                values.append((target, coerce_text(target, cell)))
            else:
                values.append((target, cell))
        return assemble_body(values, objects=objects)


@dataclass
class ImportSettings:
    """Everything ``import`` was asked to do."""

    path: Path
    fmt: Format
    api_key: str = field(repr=False)
    base_url: str | None = None
    allow_insecure_http: bool = False
    #: CSV cell separator (``--delimiter``) and the file's text encoding (``--encoding``).
    delimiter: str = ","
    encoding: str = "utf-8-sig"
    mapping: dict[str, str] = field(default_factory=dict)
    null_token: str | None = None
    concurrency: int = 8
    journal_path: Path | None = None
    rejects_path: Path | None = None
    additional_fields: tuple[str, ...] = ()
    pacing: bool = True
    max_attempts: int = 5
    #: Where the rate limiter counts (``--limiter``); ``None``: ``$KLAVIYO_LIMITER_URL`` or memory.
    limiter: LimiterBackend | None = None
    #: ``--via``: ``single`` sends every row with Create or Update Profile; ``bulk`` sends rows
    #: without a null in bulk import jobs; ``auto`` does so unless the file is small.
    via: Via = "auto"
    #: Bulk import jobs in flight at once (``--max-jobs``).
    max_jobs: int = 4
    #: At most this many profiles per job (``--job-size``; ``None``: the operation's limit).
    job_size: int | None = None
    #: First and longest pause between two polls of a job (``--poll-interval``).
    poll_interval: float = 1.0
    max_poll_interval: float = 30.0
    #: Seconds to wait for one job before stopping the run (``None``: no limit); the job stays
    #: in the journal and the next run polls it again.
    job_timeout: float | None = 3600.0

    def text_format(self) -> dict[str, str]:
        """``delimiter`` and ``encoding`` as keyword arguments of the readers."""
        return {"delimiter": self.delimiter, "encoding": self.encoding}

    def fingerprint(self, header: Sequence[str] | None = None) -> str:
        """The settings that shape each request, folded into every row's hash.

        The CSV header is one of them: the same cells under renamed or reordered columns
        are another request, so a replaced file never inherits the old file's outcomes.
        """
        return json.dumps(
            {
                "format": self.fmt,
                "header": list(header) if header is not None else None,
                "map": sorted(self.mapping.items()),
                "null": self.null_token,
                "additional_fields": list(self.additional_fields),
            },
            sort_keys=True,
        )

    @property
    def journal_file(self) -> Path:
        """``--journal``, or ``FILE.journal.sqlite`` beside the input."""
        return self.journal_path or self.path.with_name(self.path.name + ".journal.sqlite")

    @property
    def rejects_file(self) -> Path:
        """``--rejects``, or ``FILE.rejects.csv`` / ``FILE.rejects.jsonl`` beside the input."""
        suffix = ".rejects.csv" if self.fmt == "csv" else ".rejects.jsonl"
        return self.rejects_path or self.path.with_name(self.path.name + suffix)


@dataclass
class ImportSummary:
    """Counts of one run (``skipped``: already journalled by an earlier run)."""

    total: int = 0
    processed: int = 0
    created: int = 0
    updated: int = 0
    #: Rows applied by bulk import jobs (a job does not say created or updated).
    imported: int = 0
    rejected: int = 0
    failed: int = 0
    skipped: int = 0
    #: Rows listed in the reject file after the run (this run's and earlier runs').
    reject_file_rows: int = 0
    elapsed: float = 0.0
    aborted: str | None = None
    #: What to do about ``aborted`` before running again.
    abort_hint: str = "fix the API key and run again to resume"
    interrupted: bool = False
    #: Whether rows may go in bulk import jobs in this run (``--via`` and the file size).
    bulk: bool = False
    #: Rows handed to the server (in accepted jobs, or as single requests) in this run.
    submitted: int = 0
    #: Jobs accepted in this run; jobs whose outcomes are not recorded yet.
    jobs_started: int = 0
    jobs_running: int = 0
    #: Rows of a job request that may have created a job (a run killed while asking, a
    #: timeout or a 5xx after sending), sent one by one instead: never in another job.
    in_doubt: int = 0
    #: Where the file's lines went (rows, header, blank lines, multi-line cells).
    source: SourceStats | None = None

    @property
    def sent(self) -> int:
        """Rows the server accepted in this run."""
        return self.created + self.updated + self.imported

    @property
    def ok(self) -> bool:
        """No failed rows (now or from earlier runs), and the run was not cut short."""
        return self.reject_file_rows == 0 and self.aborted is None and not self.interrupted


class JournalWriteError(Exception):
    """An outcome could not be committed to the journal (a full disk, say): the run stops."""


class _Fatal(Exception):
    """Every further row would fail the same way (the key was refused): stop the import."""


# --------------------------------------------------------------------------------------------
# Progress


class _Counts(ProgressColumn):
    def render(self, task: Task) -> Text:
        fields = task.fields
        text = Text()
        text.append(f"{fields.get('created', 0)} created", style="green")
        text.append("  ")
        text.append(f"{fields.get('updated', 0)} updated", style="cyan")
        text.append("  ")
        imported = fields.get("imported", 0)
        if imported:
            text.append(f"{imported} imported", style="cyan")
            text.append("  ")
        failed = fields.get("failed", 0)
        text.append(f"{failed} failed", style="red" if failed else "dim")
        skipped = fields.get("skipped", 0)
        if skipped:
            text.append(f"  {skipped} skipped", style="dim")
        if fields.get("bulk"):
            text.append(f"  {fields.get('submitted', 0)} submitted", style="dim")
            text.append(f"  {fields.get('jobs_running', 0)} jobs running", style="dim")
            in_doubt = fields.get("in_doubt", 0)
            if in_doubt:
                text.append(f"  {in_doubt} one by one (job in doubt)", style="yellow")
        return text


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- rows/s" if speed is None else f"{speed:,.0f} rows/s", style="magenta")


class Reporter:
    """A Rich progress bar on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, console: Console, total: int, interval: float = 2.0) -> None:
        self.console = console
        self.total = total
        self.interval = interval
        self.live = console.is_terminal
        self._progress: Progress | None = None
        self._task: Any = None
        self._started = time.monotonic()
        # The first plain line after one interval: a rate measured over one row means little.
        self._last_line = self._started

    def __enter__(self) -> Reporter:
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]import"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                _Rate(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                _Counts(),
                console=self.console,
                refresh_per_second=8,
            )
            self._progress.start()
            self._task = self._progress.add_task("import", total=self.total)
        return self

    def update(self, summary: ImportSummary) -> None:
        """Show the counts (cheap enough to call for every row)."""
        failed = summary.rejected + summary.failed
        if self._progress is not None:
            self._progress.update(
                self._task,
                completed=summary.processed,
                created=summary.created,
                updated=summary.updated,
                imported=summary.imported,
                failed=failed,
                skipped=summary.skipped,
                bulk=summary.bulk,
                submitted=summary.submitted,
                jobs_running=summary.jobs_running,
                in_doubt=summary.in_doubt,
            )
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval:
            self._last_line = now
            self.console.print(self.line(summary), highlight=False)

    def line(self, summary: ImportSummary) -> str:
        """``rows 1200/5000 (24%)  created ...`` for logs and pipes.

        ``rows`` counts rows confirmed (an outcome recorded); with bulk jobs the line also
        shows the rows submitted and the jobs running.
        """
        elapsed = max(time.monotonic() - self._started, 1e-9)
        fresh = summary.processed - summary.skipped
        rate = fresh / elapsed
        left = max(self.total - summary.processed, 0)
        eta = f"{left / rate:.0f}s" if rate > 0 else "--"
        share = 100 * summary.processed / self.total if self.total else 100.0
        jobs = ""
        if summary.bulk:
            jobs = (
                f"imported {summary.imported}  submitted {summary.submitted}  "
                f"jobs running {summary.jobs_running}  "
            )
            if summary.in_doubt:
                jobs += f"one by one (job in doubt) {summary.in_doubt}  "
        return (
            f"rows {summary.processed}/{self.total} ({share:.0f}%)  created {summary.created}  "
            f"updated {summary.updated}  failed {summary.rejected + summary.failed}  "
            f"skipped {summary.skipped}  {jobs}{rate:,.0f} rows/s  eta {eta}"
        )

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()


# --------------------------------------------------------------------------------------------
# Order per profile

#: What a lane is keyed by: the importer uses its identity groups (ints); any hashable works.
LaneKey = Hashable


class ProfileLanes:
    """Keeps rows that share any identifier in file order; other rows run side by side.

    Each identifier has a lane: the last admitted row that named it. A row waits for the
    rows at the end of every lane it joins (so a row naming two identities waits for both)
    and becomes the new end of each. Waiting is transitive, so any two rows sharing an
    identifier are applied in file order, however many workers there are. The importer also
    has each row join the lanes of its identifiers' groups (:meth:`Journal.link_identities`,
    before and after the row links them), so rows that name one profile by different
    identifiers, linked by an earlier row, keep file order as well.

    Hand-written: task queues and limiters order by arrival, not by a key derived from the
    payload, and none orders across a *set* of keys per item.

    A row's outcome is ``None`` when later rows for the same profile may go ahead (sent, or
    refused for good), or the number of the row that failed, so that they are held back too
    and a re-run sends them all in file order.
    """

    def __init__(self) -> None:
        self._tails: dict[LaneKey, asyncio.Future[int | None]] = {}

    def __len__(self) -> int:
        return len(self._tails)

    def join(
        self, keys: frozenset[LaneKey]
    ) -> tuple[list[asyncio.Future[int | None]], asyncio.Future[int | None]]:
        """Admit one row (in file order): what it must wait for, and its own outcome."""
        waits = list({id(tail): tail for key in keys if (tail := self._tails.get(key))}.values())
        mine: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._tails[key] = mine
        return waits, mine

    def busy(self, keys: frozenset[LaneKey]) -> bool:
        """Whether an earlier row naming any of ``keys`` has no outcome yet."""
        return any((tail := self._tails.get(key)) is not None and not tail.done() for key in keys)

    def join_shared(self, keys: frozenset[LaneKey], outcome: asyncio.Future[int | None]) -> None:
        """Admit a row (with no earlier row to wait for) whose outcome is ``outcome``, shared
        by the rows of one bulk import job."""
        for key in keys:
            self._tails[key] = outcome

    def sweep(self) -> None:
        """Drop lanes whose last row has its outcome (rows of finished jobs)."""
        self._tails = {key: tail for key, tail in self._tails.items() if not tail.done()}

    def leave(
        self, keys: frozenset[LaneKey], mine: asyncio.Future[int | None], outcome: int | None
    ) -> None:
        """Record a row's outcome and drop the lanes it still ends (memory stays bounded)."""
        if not mine.done():
            mine.set_result(outcome)
        for key in keys:
            if self._tails.get(key) is mine:
                del self._tails[key]


def _send_again(prior: str, row: SourceRow, mapper: RowMapper, journal: Journal) -> bool:
    """Whether a row an earlier run applied must be sent again to stay last for its profile.

    That is so when this run sent an earlier row of the same profile (it was fixed or edited
    since): skipping this row would leave the earlier row's values in place, against file
    order. The re-send is an idempotent upsert.
    """
    if not journal.marked or prior not in DONE_STATES or row.record is None:
        return False
    try:
        keys = identity_keys(mapper.body(row.record))
    except InvalidInputError:
        return False
    return journal.any_sent(keys)


# --------------------------------------------------------------------------------------------
# Two paths: bulk import jobs and Create or Update Profile
#
# Order per profile across the two paths. A job applies its profiles in an order Klaviyo does
# not promise, and at a time of its own (it completes minutes after it was accepted), so two
# rows of one profile must never be in one job, nor in two jobs in flight at once, nor one in
# a job and the other sent alone while that job runs. The importer keeps that with the same
# lanes that order the single path (:class:`ProfileLanes`, identifiers and their groups): a row
# goes in the chunk being filled only when no earlier row of its profile is unfinished;
# otherwise it takes the single path and waits, like any single row, until every earlier row
# of its profile has its outcome, which for a row in a job means until that job has completed
# and its outcomes are recorded. So the first row of a profile may go in a job, and each
# repeat follows it, one at a time and in file order, through Create or Update Profile: the
# last row wins, as with ``--via single``. (Collapsing a profile's rows into one before
# sending would need the whole file, or all of a profile's rows, in memory; routing repeats to
# the single path keeps memory flat and costs one single request per repeated row.) A row
# with a null always takes the single path: a job would leave the field unchanged.

#: Under ``--via auto``, files with fewer data rows than this go through Create or Update
#: Profile only: that many single requests take a few seconds within its burst window (75 a
#: second), while a job costs a queue wait, processing and polling (tens of seconds on
#: Klaviyo). The library's threshold for ``create_or_update_profiles``, shared so both agree.
SMALL_FILE_ROWS = AUTO_BULK_MIN_PROFILES

#: Rows that may wait at once on the single path when jobs are used: repeats of profiles in a
#: job in flight wait for it to complete, so more of them are parked than with single requests
#: only. Bounded, so memory stays flat; when they fill it, the chunk being filled is started.
#: A few hundred: the single path sends 12.5 rows a second at Klaviyo's steady window, so 256
#: waiting rows are 20 s of its work, and a larger window only held more rows (with 5 % of
#: rows clearing a field, 2,048 waiting rows were a fifth of the peak memory of a large file
#: and none of a small one's).
_BULK_WINDOW = 256


def use_bulk(via: Via, total: int) -> bool:
    """Whether rows may go in bulk import jobs: ``--via bulk``, or ``auto`` for a file of at
    least :data:`SMALL_FILE_ROWS` data rows, on a revision that has bulk jobs."""
    if via == "single" or not bulk_jobs_available():
        return False
    return via == "bulk" or total >= SMALL_FILE_ROWS


async def held_back_by(waits: Sequence[asyncio.Future[int | None]]) -> int | None:
    """Wait for every earlier row of the profile; the first failed row among them, if any."""
    failed = [outcome for outcome in [await tail for tail in waits] if outcome is not None]
    return min(failed) if failed else None


# --------------------------------------------------------------------------------------------
# The run


def _describe_error(exc: BaseException) -> str:
    if isinstance(exc, APIStatusError) and exc.errors:
        details = "; ".join(error.describe() for error in exc.errors)
        return f"{exc.status_code}: {details}"
    if isinstance(exc, APIStatusError):
        return f"{exc.status_code}: {exc}"
    return str(exc) or type(exc).__name__


async def _run(
    settings: ImportSettings, journal: Journal, reporter: Reporter, summary: ImportSummary
) -> None:
    mapper = RowMapper(settings.mapping, settings.null_token)
    header: list[str] | None = None
    identifier_columns: list[int] | None = None
    if settings.fmt == "csv":
        header = csv_header(settings.path, **settings.text_format())
        mapper.check_header(header)
        identifier_columns = [
            position
            for position, column in enumerate(header)
            if mapper.target(column) in IDENTIFIER_TARGETS
        ]
    fingerprint = settings.fingerprint(header)
    fatal: list[BaseException] = []

    def count(status: Outcome, rows: int = 1) -> None:
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

    def finish(row: SourceRow, content_hash: str, status: Outcome, **details: Any) -> None:
        failing = status in ("rejected", "failed")
        # Nothing that reaches the journal (and so the reject file) may carry the API key:
        # neither an error text that quotes a value nor a row that holds the key itself.
        if details.get("error") is not None:
            details["error"] = scrub(str(details["error"]))
        try:
            journal.record(
                row.number,
                content_hash,
                status,
                original=scrub(row.original) if failing else None,
                **details,
            )
        except sqlite3.Error as exc:
            # A full disk, say. Stop: an outcome that cannot be recorded would be sent again
            # by the next run anyway (idempotently), so sending more rows gains nothing.
            if not fatal:
                fatal.append(JournalWriteError(f"cannot write the journal {journal.path}: {exc}"))
            return
        count(status)
        reporter.update(summary)

    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
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

    async def send(row: SourceRow, content_hash: str, body: dict[str, Any]) -> Outcome | None:
        """Send one row and journal its outcome (``None``: not sent, the key was refused)."""
        summary.submitted += 1
        try:
            result = await client.create_or_update_profile(
                # Built from the row at run time; checked before sending like any Mapping.
                body=cast(Body, body),
                additional_fields=list(settings.additional_fields) or None,
            )
        except (AuthenticationError, PermissionDeniedError) as exc:
            # Not journalled: once the key is fixed, a re-run sends these rows.
            fatal.append(exc)
            return None
        except InvalidInputError as exc:
            finish(row, content_hash, "rejected", error=str(exc))
            return "rejected"
        except APIStatusError as exc:
            status: Outcome = "failed" if is_retryable(exc) else "rejected"
            finish(
                row,
                content_hash,
                status,
                error=_describe_error(exc),
                http_status=exc.status_code,
            )
            return status
        except APIError as exc:
            finish(row, content_hash, "failed", error=_describe_error(exc))
            return "failed"
        except Exception as exc:  # a bug must not stall the pipeline or lose the row
            finish(row, content_hash, "failed", error=f"{type(exc).__name__}: {exc}")
            return "failed"
        outcome: Outcome = "created" if result.created else "updated"
        finish(
            row,
            content_hash,
            outcome,
            http_status=result.status_code,
            profile_id=result.profile_id,
            attempts=result.attempts,
        )
        return outcome

    lanes = ProfileLanes()
    reported_submitted = [0]  # rows of accepted jobs already in summary.submitted

    def job_row_failed(
        number: int, content_hash: str, original: str, status: Outcome, error: str
    ) -> None:
        finish(SourceRow(number, original, None), content_hash, status, error=error)

    def job_recorded(counts: dict[Outcome, int]) -> None:
        for status, rows in counts.items():
            count(status, rows)
        # Lanes that ended with this job's rows are done: memory stays bounded.
        lanes.sweep()

    def job_progress() -> None:
        summary.submitted += jobs.rows_submitted - reported_submitted[0]
        reported_submitted[0] = jobs.rows_submitted
        summary.jobs_running = jobs.jobs_running
        summary.jobs_started = jobs.jobs_started
        summary.in_doubt = doubtful_sent[0] + jobs.rows_in_doubt
        reporter.update(summary)

    async def send_single(row: ChunkRow) -> Outcome | None:
        # A row of a job that may exist, as Create or Update Profile takes it (same values).
        if fatal:
            return None
        async with sending:
            if fatal:
                return None
            body = {"data": json.loads(row.encoded)}
            return await send(SourceRow(row.number, row.original, None), row.hash, body)

    doubtful_sent = [0]  # rows of an earlier run's unsure job routed one by one in this run
    jobs = JobPipeline(
        client,
        journal,
        fatal=fatal,
        on_row=job_row_failed,
        on_recorded=job_recorded,
        on_change=job_progress,
        send_single=send_single,
        max_jobs=settings.max_jobs,
        job_size=settings.job_size,
        poll_interval=settings.poll_interval,
        max_poll_interval=settings.max_poll_interval,
        job_timeout=settings.job_timeout,
    )
    summary.bulk = use_bulk(settings.via, summary.total)
    item_limit_bytes = item_payload_limit()

    sending = asyncio.Semaphore(settings.concurrency)
    # Rows read but not finished on the single path (sending, or waiting for an earlier row of
    # their profile): bounded, so memory stays flat however many rows one profile has. With
    # bulk jobs more rows wait (for a job to complete), so the bound is higher.
    window_size = max(4 * settings.concurrency, 32)
    if summary.bulk:
        window_size = max(window_size, _BULK_WINDOW)
    window = asyncio.Semaphore(window_size)
    # Single-path rows waiting for the job of a chunk, counted by that chunk's future. Only
    # rows waiting for the chunk still being filled can hold the window for good (the reader
    # would wait for rows it cannot reach); rows waiting for anything else free their place
    # in time. So the chunk is started early only when some of them wait for it: starting it
    # whenever the window is full made tiny jobs, one per single row, once the single path
    # lagged at Klaviyo's 750 a minute.
    chunk_waiters: collections.Counter[asyncio.Future[int | None]] = collections.Counter()
    running: set[asyncio.Task[None]] = set()

    async def handle(
        row: SourceRow,
        content_hash: str,
        body: dict[str, Any],
        keys: frozenset[LaneKey],
        waits: list[asyncio.Future[int | None]],
        mine: asyncio.Future[int | None],
        chunk: asyncio.Future[int | None] | None,
    ) -> None:
        outcome: int | None = None
        try:
            try:
                blocker = await held_back_by(waits)
            finally:
                if chunk is not None:
                    chunk_waiters[chunk] -= 1
                    if chunk_waiters[chunk] <= 0:
                        del chunk_waiters[chunk]
            if fatal:
                return  # stopping; not journalled, so a re-run sends the row
            if blocker is not None:
                finish(
                    row,
                    content_hash,
                    "failed",
                    error=f"not sent: row {blocker} for the same profile failed; "
                    "a re-run sends both in file order",
                )
                outcome = blocker
                return
            async with sending:
                if fatal:
                    return
                status = await send(row, content_hash, body)
            if status == "failed":
                outcome = row.number
        finally:
            lanes.leave(keys, mine, outcome)
            window.release()

    last_row = 0
    try:
        # Jobs an earlier run started come first: their rows must not be sent again, and
        # their outcomes decide which rows of the file are done.
        try:
            await jobs.resume()
        except sqlite3.Error as exc:
            fatal.append(JournalWriteError(f"cannot use the journal {journal.path}: {exc}"))
        # Rows of job requests an earlier run made without learning the job's id (killed
        # while asking, or the request failed after sending): the job may exist, so they
        # must never go in another job; they go one by one, in file order, like rows with a
        # null (at most the chunk that was being started, usually).
        doubtful: set[int] = set()
        try:
            doubtful = journal.doubtful_rows()
        except sqlite3.Error as exc:
            fatal.append(JournalWriteError(f"cannot use the journal {journal.path}: {exc}"))
        # Rows past this one have no earlier outcome, so none of them can be skipped.
        resumed_up_to = journal.last_row()
        rows = read_rows(
            settings.path,
            settings.fmt,
            delimiter=settings.delimiter,
            encoding=settings.encoding,
            identifier_columns=identifier_columns,
        )
        for row in rows:
            if fatal:
                break
            last_row = row.number
            if row.number % 256 == 0:
                # Reading does not wait while rows go in a chunk: let the jobs be polled.
                await asyncio.sleep(0)
            content_hash = row_hash(fingerprint, row.content)
            try:
                prior = journal.status(row.number, content_hash)
                again = prior in FINAL_STATES and _send_again(prior, row, mapper, journal)
                if prior in FINAL_STATES and not again:
                    journal.touch(row.number)
            except sqlite3.Error as exc:
                fatal.append(JournalWriteError(f"cannot use the journal {journal.path}: {exc}"))
                break
            if prior in FINAL_STATES and not again:
                summary.skipped += 1
                summary.processed += 1
                reporter.update(summary)
                continue
            if row.record is None:
                finish(row, content_hash, "rejected", error=row.error)
                continue
            try:
                body = mapper.body(row.record)
            except InvalidInputError as exc:
                finish(row, content_hash, "rejected", error=str(exc))
                continue
            keys = identity_keys(body)
            if not keys:
                # Klaviyo refuses a profile with no identifier; no request needed to know. An
                # identifier that is there but not a string (an email given as 123) is named
                # as such by the client's own check, rather than as missing.
                finish(row, content_hash, "rejected", error=_no_identifier(body))
                continue
            prepared: PreparedProfile | None = None
            if summary.bulk:
                try:
                    prepared = prepare_profile(body)
                except InvalidInputError as exc:
                    # The check the single call makes before sending: the same refusal.
                    finish(row, content_hash, "rejected", error=str(exc))
                    continue
            try:
                if row.number < resumed_up_to:
                    # Later rows of this profile that an earlier run applied must follow again.
                    journal.mark_sent(keys)
                # The groups of identifiers linked by earlier rows: their lanes too.
                groups = journal.link_identities(keys)
            except sqlite3.Error as exc:
                fatal.append(JournalWriteError(f"cannot use the journal {journal.path}: {exc}"))
                break
            # Lanes by group only: every identifier of the row is in the group it links them
            # to, and a row that merges groups joins the lanes of each, so an earlier row
            # naming any of its identifiers is ahead of it in one of these lanes. One small
            # int a row, not the identifiers' strings: rows of jobs in flight (up to
            # --max-jobs x 10,000) sit in the lanes until their job completes.
            lane_keys: frozenset[LaneKey] = frozenset(groups)
            # Which path (see "Order per profile across the two paths" above): a job when the
            # row clears nothing, fits a job, and no earlier row of its profile is unfinished
            # (in the chunk being filled, in a job in flight, or on the single path); else
            # the single path, after those earlier rows.
            if doubtful and row.number in doubtful:
                doubtful_sent[0] += 1
                job_progress()
                prepared = None  # its job may exist: one by one, never in another job
            if (
                prepared is not None
                and not prepared.has_null
                and (item_limit_bytes is None or prepared.size <= item_limit_bytes)
                and not lanes.busy(lane_keys)
            ):
                chunk_row = ChunkRow(
                    row.number, content_hash, scrub(row.original), prepared.encoded
                )
                lanes.join_shared(lane_keys, await jobs.place(chunk_row))
                continue
            if window.locked() and jobs.pending and chunk_waiters[jobs.filling] > 0:
                # Rows waiting for the chunk being filled hold places in the full window:
                # start it, or they would wait for rows the reader cannot reach.
                await jobs.flush()
            # Waits while the window is full: memory stays bounded.
            await window.acquire()
            waits, mine = lanes.join(lane_keys)
            filling = jobs.filling
            chunk = filling if any(wait is filling for wait in waits) else None
            if chunk is not None:
                chunk_waiters[chunk] += 1
            # The waiting row keeps what sending needs (not the record read from the file).
            slim = SourceRow(row.number, row.original, None)
            task = asyncio.create_task(
                handle(slim, content_hash, body, lane_keys, waits, mine, chunk)
            )
            running.add(task)
            task.add_done_callback(running.discard)
        else:
            if not fatal:
                try:
                    journal.forget_after(last_row)
                except sqlite3.Error as exc:
                    fatal.append(JournalWriteError(f"cannot use the journal {journal.path}: {exc}"))
        if fatal:
            # Jobs in flight stay running in the journal: the next run polls them.
            jobs.abandon()
            jobs.cancel()
        else:
            await jobs.flush()
        await jobs.drain()
        if running:
            await asyncio.gather(*running)
    finally:
        jobs.cancel()
        for task in list(running):
            task.cancel()
        await client.aclose()
        await http.aclose()
    summary.jobs_started = jobs.jobs_started
    summary.jobs_running = jobs.jobs_running
    if fatal:
        summary.aborted = _describe_error(fatal[0])
        if isinstance(fatal[0], JournalWriteError):
            summary.abort_hint = (
                "make room for the journal and run again to resume (rows whose outcome was "
                "not recorded are sent again)"
            )
        elif isinstance(fatal[0], JobWaitError) or jobs.jobs_running:
            summary.abort_hint = (
                "run the same command again to resume: jobs in flight are polled by their ids, "
                "never submitted again"
            )


def export_rejects(settings: ImportSettings, journal: Journal) -> int:
    """Rewrite the reject file from the journal; returns the number of rows in it.

    Derived from the journal rather than appended to during the run, so it lists exactly the
    rows failing now, across runs, with no duplicates however often the import was resumed.
    Written to a temporary file first and renamed, so a crash (or a full disk) never leaves
    half a file. Raises :class:`RejectFileError` when it cannot be written.
    """
    target = settings.rejects_file
    temporary = target.with_name(target.name + ".tmp")
    count = 0
    failing = {"rejected", "failed"}
    try:
        with temporary.open("w", newline="", encoding="utf-8") as handle:
            if settings.fmt == "csv":
                writer = csv.writer(handle)
                writer.writerow(
                    ["row", "error", *csv_header(settings.path, **settings.text_format())]
                )
                for entry in journal.entries(failing, current=True):
                    cells = json.loads(entry.original) if entry.original else []
                    writer.writerow([entry.row, entry.error or "", *cells])
                    count += 1
            else:
                for entry in journal.entries(failing, current=True):
                    record = {"row": entry.row, "error": entry.error, "line": entry.original}
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    count += 1
        if count == 0:
            temporary.unlink()
            with contextlib.suppress(FileNotFoundError):
                target.unlink()  # a stale reject file from an earlier run would mislead
        else:
            os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise RejectFileError(
            f"cannot write the reject file {target}: {exc.strerror or exc}; every outcome is "
            "in the journal, and running the same command again writes it"
        ) from None
    return count


class RejectFileError(Exception):
    """The reject file could not be written (the journal still holds every outcome)."""


class PreflightError(Exception):
    """The import cannot start as asked; found before anything was sent."""


def input_identity(path: Path) -> str:
    """Size, modification time and a digest of the first 64 KiB: tells a replaced file."""
    stat = path.stat()
    digest = hashlib.blake2b(digest_size=12)
    with path.open("rb") as handle:
        digest.update(handle.read(1 << 16))
    return json.dumps(
        {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head": digest.hexdigest()}
    )


def _check_writable(path: Path, what: str, option: str) -> None:
    """Refuse before the first request if ``path`` could not be written at the end."""
    parent = path.parent
    if not parent.is_dir():
        raise PreflightError(
            f"the {what} {path} cannot be written: its directory does not exist; "
            f"create it or pass {option} PATH"
        )
    if path.is_dir():
        raise PreflightError(f"the {what} {path} is a directory; pass {option} PATH")
    probe = path.with_name(path.name + ".tmp")
    try:
        # Created and removed: the permission bits alone do not tell (root, read-only mounts).
        with probe.open("a", encoding="utf-8"):
            pass
        probe.unlink()
    except OSError as exc:
        raise PreflightError(
            f"the {what} {path} cannot be written: {exc.strerror or exc}; pass {option} PATH"
        ) from None


def _check_paths(settings: ImportSettings) -> None:
    source = settings.path.resolve()
    journal = settings.journal_file.resolve()
    rejects = settings.rejects_file.resolve()
    if journal == source or rejects == source:
        raise PreflightError(
            f"{'--journal' if journal == source else '--rejects'} names the input file itself"
        )
    if journal == rejects:
        raise PreflightError("--journal and --rejects name the same file")
    _check_writable(settings.journal_file, "journal", "--journal")
    _check_writable(settings.rejects_file, "reject file", "--rejects")


def _lock(settings: ImportSettings) -> filelock.BaseFileLock:
    """Hold the journal for this process; a second import of the same journal is refused."""
    path = settings.journal_file
    lock = filelock.FileLock(str(path) + ".lock", timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        owner = Journal.owner_of(path) or "another process"
        raise PreflightError(
            f"the journal {path} is in use by {owner}; wait for that import to end (two "
            "imports of one journal would send every row twice)"
        ) from None
    except OSError as exc:
        raise PreflightError(
            f"cannot lock the journal {path}: {exc.strerror or exc}; pass --journal PATH"
        ) from None
    return lock


def _reach_limiter(settings: ImportSettings) -> None:
    """Make the rate limiter now, so that a shared one out of reach
    (``LimiterUnavailableError``) stops the import before any file is created. Limiters are
    kept per process, key and backend: the client the import makes next uses this one."""
    if settings.pacing:
        with KlaviyoProfiles(
            api_key=settings.api_key,
            base_url=settings.base_url or DEFAULT_BASE_URL,
            allow_insecure_http=settings.allow_insecure_http,
            limiter_backend=settings.limiter,
        ):
            pass


def run_import(settings: ImportSettings, console: Console) -> ImportSummary:
    """Run (or resume) an import; the journal and reject file are updated as it goes.

    Everything that would stop the import part way is checked before the first request:
    the columns, the encoding of the whole file, that the journal and the reject file can be
    written, and that no other import holds the journal (``PreflightError``, ``HeaderError``);
    and, before any file is created, that the rate limiter can be made.
    """
    if settings.via != "single" and not bulk_jobs_available():
        missing = ", ".join(missing_job_operations())
        if settings.via == "bulk":
            raise PreflightError(
                f"--via bulk: revision {facts.REVISION} has no bulk import jobs ({missing}); "
                "use --via auto or --via single, which send every row one by one"
            )
        console.print(
            f"note: revision {facts.REVISION} has no bulk import jobs ({missing}); every row "
            "goes one by one through Create or Update Profile",
            highlight=False,
        )
    # Proves the file is text (with every CSV quote closed) before the first request.
    source = count_rows(settings.path, settings.fmt, **settings.text_format())
    total = source.rows
    if settings.fmt == "csv":
        header = csv_header(settings.path, **settings.text_format())
        RowMapper(settings.mapping, settings.null_token).check_header(header)
    _reach_limiter(settings)
    _check_paths(settings)
    started = time.monotonic()
    lock = _lock(settings)
    try:
        try:
            journal = Journal(settings.journal_file)
        except JournalError as exc:
            raise PreflightError(str(exc)) from None
        with journal:
            journal.claim(f"pid {os.getpid()} on {socket.gethostname()}")
            if journal.check_input(input_identity(settings.path)):
                console.print(
                    f"note: {settings.path.name} changed since its journal was written; rows "
                    "whose content is unchanged keep their outcome, the others are sent",
                    highlight=False,
                )
            reporter = Reporter(console, total)
            summary = ImportSummary(total=total, source=source)
            try:
                with reporter:
                    asyncio.run(_run(settings, journal, reporter, summary))
            except KeyboardInterrupt:
                summary.interrupted = True
            summary.elapsed = time.monotonic() - started
            if not reporter.live and not summary.interrupted:
                console.print(reporter.line(summary), highlight=False)
            summary.reject_file_rows = export_rejects(settings, journal)
    finally:
        lock.release()
    return summary
