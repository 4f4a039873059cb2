"""``klaviyo-profiles import FILE``: stream a CSV or JSON Lines file into Klaviyo, resumably.

The pipeline keeps memory flat whatever the file size: one reader walks the file row by row
and hands checked request bodies to a bounded queue; ``concurrency`` workers send them through
one :class:`~klaviyo_profiles.AsyncKlaviyoProfiles` (which paces under the rate limits and
retries what is safe to retry) and commit each outcome to the :class:`~.journal.Journal`
before taking the next row. Nothing else accumulates: counters, not lists.

Cells: an empty cell leaves the field unchanged (it is omitted); the ``--null-token`` clears
it (sent as ``null``). Columns map to fields by name (``email``, ``first_name``, ``kx`` or
``_kx``, ``location.city`` or ``location_city``, ``properties.<key>``), or by ``--map``.
An unknown CSV column stops the import before anything is sent; a bad row (wrong number of
cells, a malformed JSON line, a value the field cannot take, a 4xx answer) is rejected with
its reason and the rest proceed.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
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

from ..client import DEFAULT_BASE_URL, AsyncKlaviyoProfiles
from ..errors import (
    APIError,
    APIStatusError,
    AuthenticationError,
    InvalidInputError,
    PermissionDeniedError,
    UnknownFieldError,
)
from ..ratelimit import LimiterBackend
from ..retries import RetryPolicy, is_retryable
from .fields import Target, assemble_body, coerce_text, resolve_target
from .journal import FINAL_STATES, Journal, Outcome, row_hash

__all__ = [
    "HeaderError",
    "ImportSettings",
    "ImportSummary",
    "SourceRow",
    "detect_format",
    "read_rows",
    "run_import",
]

Format = Literal["csv", "jsonl"]

# Large CSV cells (long property values) are legitimate; the default 128 KiB field limit is
# raised to the endpoint's whole payload limit, beyond which the row cannot be sent anyway.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 20))


class HeaderError(Exception):
    """The file cannot be imported as it is (e.g. an unknown column); nothing was sent."""


@dataclass
class SourceRow:
    """One record of the input file.

    ``original`` is the row as it was read (a JSON list of the CSV cells, or the JSON line),
    kept for the reject file; ``record`` maps column names to cell values, or is ``None``
    with ``error`` set when the row could not be read.
    """

    number: int
    original: str
    record: dict[str, Any] | None
    error: str | None = None


def detect_format(path: Path, override: str | None) -> Format:
    """``csv`` or ``jsonl``, from ``--format`` or the file name."""
    if override:
        return "jsonl" if override.lower() in ("jsonl", "ndjson") else "csv"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".txt", ""):
        return "csv"
    if suffix == ".json":
        # A .json file is usually one array, which cannot be streamed row by row.
        raise HeaderError(
            f"{path.name}: import reads JSON Lines (one object per line); "
            "name the file .jsonl or pass --format jsonl"
        )
    raise HeaderError(f"cannot tell the format of {path.name}; pass --format csv or jsonl")


def csv_header(path: Path) -> list[str]:
    """The header row of a CSV file."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise HeaderError(f"{path.name} has no header row")
    return header


def read_rows(path: Path, fmt: Format) -> Iterator[SourceRow]:
    """The file's data rows, one at a time (blank lines skipped, numbers from 1)."""
    if fmt == "csv":
        yield from _read_csv(path)
    else:
        yield from _read_jsonl(path)


def count_rows(path: Path, fmt: Format) -> int:
    """Data rows in the file, for the progress bar (one streaming pass)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        if fmt == "csv":
            return max(0, sum(1 for cells in csv.reader(handle) if cells) - 1)
        return sum(1 for line in handle if line.strip())


def _read_csv(path: Path) -> Iterator[SourceRow]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None) or []
        number = 0
        for cells in reader:
            if not cells:
                continue
            number += 1
            original = json.dumps(cells, ensure_ascii=False)
            if len(cells) != len(header):
                yield SourceRow(
                    number,
                    original,
                    None,
                    f"row has {len(cells)} cells, the header has {len(header)} columns",
                )
                continue
            yield SourceRow(number, original, dict(zip(header, cells, strict=True)))


def _read_jsonl(path: Path) -> Iterator[SourceRow]:
    with path.open(encoding="utf-8-sig") as handle:
        number = 0
        for line in handle:
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            number += 1
            try:
                record = json.loads(text)
            except ValueError as exc:
                yield SourceRow(number, text, None, f"not valid JSON: {exc}")
                continue
            if not isinstance(record, dict):
                yield SourceRow(
                    number, text, None, f"expected a JSON object, got {type(record).__name__}"
                )
                continue
            yield SourceRow(number, text, record)


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
    api_key: str
    base_url: str | None = None
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

    def fingerprint(self) -> str:
        """The settings that shape each request, folded into every row's hash."""
        return json.dumps(
            {
                "format": self.fmt,
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
    rejected: int = 0
    failed: int = 0
    skipped: int = 0
    #: Rows listed in the reject file after the run (this run's and earlier runs').
    reject_file_rows: int = 0
    elapsed: float = 0.0
    aborted: str | None = None
    interrupted: bool = False

    @property
    def sent(self) -> int:
        """Rows the server accepted in this run."""
        return self.created + self.updated

    @property
    def ok(self) -> bool:
        """No failed rows (now or from earlier runs), and the run was not cut short."""
        return self.reject_file_rows == 0 and self.aborted is None and not self.interrupted


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
        failed = fields.get("failed", 0)
        text.append(f"{failed} failed", style="red" if failed else "dim")
        skipped = fields.get("skipped", 0)
        if skipped:
            text.append(f"  {skipped} skipped", style="dim")
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
                failed=failed,
                skipped=summary.skipped,
            )
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval:
            self._last_line = now
            self.console.print(self.line(summary), highlight=False)

    def line(self, summary: ImportSummary) -> str:
        """``rows 1200/5000 (24%)  created ...`` for logs and pipes."""
        elapsed = max(time.monotonic() - self._started, 1e-9)
        fresh = summary.processed - summary.skipped
        rate = fresh / elapsed
        left = max(self.total - summary.processed, 0)
        eta = f"{left / rate:.0f}s" if rate > 0 else "--"
        share = 100 * summary.processed / self.total if self.total else 100.0
        return (
            f"rows {summary.processed}/{self.total} ({share:.0f}%)  created {summary.created}  "
            f"updated {summary.updated}  failed {summary.rejected + summary.failed}  "
            f"skipped {summary.skipped}  {rate:,.0f} rows/s  eta {eta}"
        )

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()


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
    if settings.fmt == "csv":
        mapper.check_header(csv_header(settings.path))
    fingerprint = settings.fingerprint()
    queue: asyncio.Queue[tuple[SourceRow, str, dict[str, Any]] | None] = asyncio.Queue(
        maxsize=settings.concurrency * 2
    )
    fatal: list[BaseException] = []

    def finish(row: SourceRow, content_hash: str, status: Outcome, **details: Any) -> None:
        failing = status in ("rejected", "failed")
        journal.record(
            row.number,
            content_hash,
            status,
            original=row.original if failing else None,
            **details,
        )
        if status == "created":
            summary.created += 1
        elif status == "updated":
            summary.updated += 1
        elif status == "rejected":
            summary.rejected += 1
        else:
            summary.failed += 1
        summary.processed += 1
        reporter.update(summary)

    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
    )
    http = httpx.AsyncClient(limits=limits)
    client = AsyncKlaviyoProfiles(
        api_key=settings.api_key,
        base_url=settings.base_url or DEFAULT_BASE_URL,
        http_client=http,
        rate_limits=settings.pacing,
        limiter_backend=settings.limiter,
        retry_policy=RetryPolicy(max_attempts=settings.max_attempts),
    )

    async def worker() -> None:
        while True:
            item = await queue.get()
            if item is None:
                return
            if fatal:
                # Stopping: drain without sending, so the reader never waits on a full queue.
                # These rows are not journalled, so a re-run sends them.
                continue
            row, content_hash, body = item
            try:
                result = await client.create_or_update_profile(
                    body=body, additional_fields=list(settings.additional_fields) or None
                )
            except (AuthenticationError, PermissionDeniedError) as exc:
                # Not journalled: once the key is fixed, a re-run sends these rows.
                fatal.append(exc)
            except InvalidInputError as exc:
                finish(row, content_hash, "rejected", error=str(exc))
            except APIStatusError as exc:
                status: Outcome = "failed" if is_retryable(exc) else "rejected"
                finish(
                    row,
                    content_hash,
                    status,
                    error=_describe_error(exc),
                    http_status=exc.status_code,
                )
            except APIError as exc:
                finish(row, content_hash, "failed", error=_describe_error(exc))
            except Exception as exc:  # a bug must not stall the pipeline or lose the row
                finish(row, content_hash, "failed", error=f"{type(exc).__name__}: {exc}")
            else:
                finish(
                    row,
                    content_hash,
                    "created" if result.created else "updated",
                    http_status=result.status_code,
                    profile_id=result.profile_id,
                    attempts=result.attempts,
                )

    workers = [asyncio.create_task(worker()) for _ in range(settings.concurrency)]
    last_row = 0
    try:
        for row in read_rows(settings.path, settings.fmt):
            if fatal:
                break
            last_row = row.number
            content_hash = row_hash(fingerprint, row.original)
            prior = journal.status(row.number, content_hash)
            if prior in FINAL_STATES:
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
            # Waits while every worker is busy and the queue is full: memory stays bounded.
            await queue.put((row, content_hash, body))
        else:
            if not fatal:
                journal.forget_after(last_row)
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await client.aclose()
        await http.aclose()
    if fatal:
        summary.aborted = _describe_error(fatal[0])


def export_rejects(settings: ImportSettings, journal: Journal) -> int:
    """Rewrite the reject file from the journal; returns the number of rows in it.

    Derived from the journal rather than appended to during the run, so it lists exactly the
    rows failing now, across runs, with no duplicates however often the import was resumed.
    Written to a temporary file first and renamed, so a crash never leaves half a file.
    """
    target = settings.rejects_file
    temporary = target.with_name(target.name + ".tmp")
    count = 0
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        if settings.fmt == "csv":
            writer = csv.writer(handle)
            writer.writerow(["row", "error", *csv_header(settings.path)])
            for entry in journal.entries({"rejected", "failed"}):
                cells = json.loads(entry.original) if entry.original else []
                writer.writerow([entry.row, entry.error or "", *cells])
                count += 1
        else:
            for entry in journal.entries({"rejected", "failed"}):
                record = {"row": entry.row, "error": entry.error, "line": entry.original}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
    if count == 0:
        temporary.unlink()
        with contextlib.suppress(FileNotFoundError):
            target.unlink()  # a stale reject file from an earlier run would mislead
    else:
        os.replace(temporary, target)
    return count


def run_import(settings: ImportSettings, console: Console) -> ImportSummary:
    """Run (or resume) an import; the journal and reject file are updated as it goes."""
    if settings.fmt == "csv":
        RowMapper(settings.mapping, settings.null_token).check_header(csv_header(settings.path))
    total = count_rows(settings.path, settings.fmt)
    started = time.monotonic()
    with Journal(settings.journal_file) as journal:
        reporter = Reporter(console, total)
        summary = ImportSummary(total=total)
        try:
            with reporter:
                asyncio.run(_run(settings, journal, reporter, summary))
        except KeyboardInterrupt:
            summary.interrupted = True
        summary.elapsed = time.monotonic() - started
        if not reporter.live and not summary.interrupted:
            console.print(reporter.line(summary), highlight=False)
        summary.reject_file_rows = export_rejects(settings, journal)
    return summary
