"""``klaviyo-profiles import FILE``: the options, and the summary a run ends with.

The importer itself (:mod:`.importer`) is imported when the command runs, so that other
commands and ``--help`` never load it.
"""

from __future__ import annotations

import contextlib
import csv
import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

import click
from klaviyo_profile_import import facts
from rich.console import Console

from ..errors import InvalidInputError, KlaviyoError, LimiterUnavailableError
from .common import (
    CONTEXT,
    api_key_option,
    base_url_option,
    fail,
    insecure_http_option,
    limiter_backend,
    limiter_option,
    load_api_key,
    max_attempts_option,
    scrub,
    split_list,
    stderr_console,
    stdout_console,
)

if TYPE_CHECKING:
    from ..nulls import NullPolicy
    from .importer import ChangeOptions, DryRunReport, ImportSettings, ImportSummary

__all__ = ["import_"]


def _job_size_text() -> str:
    """How many profiles a bulk import job takes, as the generated facts state it."""
    operation = facts.OPERATIONS.get("bulk_import_profiles")
    if operation is None:
        return f"revision {facts.REVISION} has none: every row goes one by one"
    if operation.item_limit is None:
        return "as many a request as the API takes"
    return f"{operation.item_limit:,} a request"


def _delimiter(text: str) -> str:
    """``--delimiter``: one character; ``\\t`` and ``tab`` name the tab."""
    value = "\t" if text in ("\\t", "tab", "TAB") else text
    if len(value) != 1 or value in ('"', "\r", "\n"):
        fail(f"--delimiter expects one character (e.g. ';' or tab), got {text!r}", 2)
    return value


@click.command("import", context_settings=CONTEXT)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help="file format (default: from the extension)",
)
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="COLUMN=FIELD[:TYPE]",
    help="send COLUMN as FIELD (e.g. 'Mail=email', 'Spent=properties.spent:number'); "
    "'COLUMN=' skips it, '=FIELD' maps a header cell left empty; repeatable; replaces the "
    "--map-file's entry for COLUMN",
)
@click.option(
    "--map-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="a TOML file of columns, columns to skip and types (format above)",
)
@click.option(
    "--unmapped",
    type=click.Choice(["error", "properties", "skip"]),
    default=None,
    help="a column that names no field: error stops before sending (default), properties "
    "sends it as the custom property of its own name, skip leaves it out",
)
@click.option(
    "--nulls",
    type=click.Choice(["clear", "omit"]),
    default="clear",
    show_default=True,
    help="what a JSON null (or a --null-token cell) does: clear the field, or omit it "
    "(unknown: the stored value stays)",
)
@click.option(
    "--delimiter",
    default=",",
    show_default=True,
    metavar="CHAR",
    help="CSV cell separator: one character, e.g. ';' (\\t or tab for tabs)",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="the file's text encoding, e.g. cp1252 or latin-1 for older spreadsheet exports",
)
@click.option(
    "--null-token",
    metavar="TOKEN",
    default=None,
    help="a cell equal to TOKEN clears the field (default: none; empty cells always leave "
    "it alone, so TOKEN cannot be empty)",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="requests in flight at once (all under the rate limiter)",
)
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="outcome journal (default FILE.journal.sqlite); re-running resumes from it",
)
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="reject file (default FILE.rejects.csv or FILE.rejects.jsonl)",
)
@click.option(
    "--via",
    type=click.Choice(["auto", "bulk", "single"]),
    default="auto",
    show_default=True,
    help=f"bulk: rows that clear nothing go in bulk import jobs ({_job_size_text()}), rows "
    "with a null go one by one (only that clears); single: every row one by one; auto: as "
    "bulk, but a file of fewer than 100 rows goes one by one",
)
@click.option(
    "--max-jobs",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="bulk import jobs in flight at once",
)
@click.option(
    "--job-size",
    type=click.IntRange(1, None),
    default=None,
    metavar="N",
    help="at most N profiles per job (default and ceiling: the API's limit per job)",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(0.01, 60),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="first pause between two polls of a job (it grows to 30 s while the job runs)",
)
@click.option(
    "--job-timeout",
    type=click.FloatRange(1, None),
    default=3600.0,
    show_default=True,
    metavar="SECONDS",
    help="stop when a job has not ended after this long; the job stays in the journal and "
    "the next run polls it again",
)
@click.option(
    "--changed-only",
    is_flag=True,
    help="send a row only when its request differs from the one last applied to its profile "
    "on this account (or none was), as the sync state remembers; rows are read against it",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="PATH",
    help="the sync state file of --changed-only (default: one per account in the user's "
    "state directory, e.g. ~/.local/state/klaviyo-profiles/)",
)
@click.option(
    "--resend-after",
    metavar="DURATION",
    default=None,
    help="with --changed-only, send unchanged rows again once last applied longer ago than "
    "DURATION (7d, 12h, 30m): profiles edited in Klaviyo by others drift otherwise",
)
@click.option(
    "--full",
    is_flag=True,
    help="send every row, and refresh the sync state (as --changed-only keeps it)",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="with --changed-only: read the file and say which rows would be sent (unchanged, "
    "changed, new; in jobs or one by one), sending and writing nothing",
)
@click.option("--additional-fields", multiple=True, metavar="NAME[,NAME]", hidden=True)
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: the summary (or the error) as one JSON object on stdout; progress and notes "
    "go to stderr",
)
@click.option(
    "--no-pacing",
    is_flag=True,
    help="do not pace requests under Klaviyo's rate limits (for a sandbox without limits)",
)
@max_attempts_option
@limiter_option
@api_key_option
@base_url_option
@insecure_http_option
def import_(
    file: Path,
    fmt: str | None,
    mappings: tuple[str, ...],
    map_file: Path | None,
    unmapped: str | None,
    nulls: str,
    delimiter: str,
    encoding: str,
    null_token: str | None,
    concurrency: int,
    journal_path: Path | None,
    rejects_path: Path | None,
    via: str,
    max_jobs: int,
    job_size: int | None,
    poll_interval: float,
    job_timeout: float,
    changed_only: bool,
    state_path: Path | None,
    resend_after: str | None,
    full: bool,
    dry_run: bool,
    additional_fields: tuple[str, ...],
    output: str,
    no_pacing: bool,
    max_attempts: int,
    limiter: str | None,
    api_key_file: Path | None,
    base_url: str | None,
    allow_insecure_http: bool,
) -> int:
    """Create or update a profile for every row of a CSV or JSON Lines FILE.

    A column goes to the field it is mapped to, else to the field of its own name, with case,
    spaces, dashes and underscores ignored: 'First Name' is first_name, 'E-Mail' email,
    'Location City' location.city, 'properties.plan' the custom property plan (`klaviyo-profiles
    fields` lists the names). Every column that names no field is listed before anything is
    sent, with its closest field. An empty cell leaves the field unchanged.

    \b
    Mapping file (--map-file shop.toml), every part optional:
      unmapped = "properties"      # or "error", "skip" (--unmapped wins)
      skip = ["Tags", "Note"]      # before the first [table]
      [columns]
      "Phone" = "phone_number"
      "Default Address City" = "location.city"
      "Total Spent" = "properties.total_spent:number"
      "Accepts Email Marketing" = { field = "properties.accepts_email", type = "boolean" }
      [types]                      # columns that keep their own name
      "Total Orders" = "integer"

    \b
    Types of custom properties (text unless declared; a cell that does not read as its type
    rejects the row, naming the column):
      number    17.50, -3, 1e3 (no thousands separators); integer  42, -3
      boolean   true/false, yes/no, 1/0, any case
      date      2024-05-17;  datetime  2024-05-17T09:30:00Z (ISO 8601)

    Every outcome is journalled; running the same command again after a crash, Ctrl-C or
    kill -9 skips the rows already done. A row that was in flight at the crash is sent
    again, which the upsert answers with 200 (updated): it never creates a second profile.
    A bulk import job is journalled as soon as the API accepts it, and a re-run polls it
    instead of sending its rows again. Rows that fail go to the reject file, and the exit
    status is 1.

    Nightly re-syncs: --changed-only sends only rows whose request changed since it was last
    applied on this account (a new file name each night still compares with the last);
    --dry-run says what would go, --full sends everything and refreshes the state.
    """
    from .importer import (
        ChangeOptions,
        ColumnMap,
        ImportSettings,
        Unmapped,
        Via,
        detect_format,
        dry_run_import,
        load_column_map,
        parse_duration,
        run_import,
        text_encoding,
    )

    # The key first: every later check may quote text of the user's (a mapping, a header),
    # which must be masked if it holds the key, so the key must be known before.
    key = load_api_key(api_key_file)
    if null_token == "":
        fail(
            "--null-token cannot be empty: an empty cell always leaves the field unchanged, so "
            "that a blank never clears a stored value; write a token (e.g. --null-token NULL) "
            "in the cells that should clear",
            2,
        )
    changes = _change_options(
        ChangeOptions, changed_only, state_path, resend_after, full, dry_run, parse_duration
    )

    try:
        columns = ColumnMap.from_options(mappings)
        if map_file is not None:
            columns = load_column_map(map_file).updated(columns)
    except ValueError as exc:
        fail(str(exc), 2)
    if unmapped is not None:
        columns = columns.updated(ColumnMap(), cast(Unmapped, unmapped))
    backend = limiter_backend(limiter)
    # With --output json, stdout carries the one JSON document; the rest goes to stderr.
    console = stdout_console() if output == "text" else stderr_console()
    with _stop_signals() as stops, _import_failures(file, stops):
        settings = ImportSettings(
            path=file,
            fmt=detect_format(file, fmt),
            api_key=key,
            base_url=base_url,
            allow_insecure_http=allow_insecure_http,
            delimiter=_delimiter(delimiter),
            encoding=text_encoding(encoding),
            mapping=dict(columns.fields),
            types=dict(columns.types),
            unmapped=columns.unmapped,
            null_token=null_token,
            nulls=cast("NullPolicy", nulls),
            concurrency=concurrency,
            journal_path=journal_path,
            rejects_path=rejects_path,
            additional_fields=tuple(split_list(additional_fields)),
            pacing=not no_pacing,
            max_attempts=max_attempts,
            limiter=backend,
            via=cast(Via, via),
            max_jobs=max_jobs,
            job_size=job_size,
            poll_interval=poll_interval,
            job_timeout=job_timeout,
            changes=changes,
        )
        if changes is not None and changes.dry_run:
            report = dry_run_import(settings)
            stops.finished = True
            return _report_dry_run(console, settings, report, output)
        summary = run_import(settings, console)
        stops.finished = True
        if output == "json":
            return _report_json(settings, summary, stops.received)
        _report(console, settings, summary, stops.received)
    return 0


def _change_options(
    make: type[ChangeOptions],
    changed_only: bool,
    state_path: Path | None,
    resend_after: str | None,
    full: bool,
    dry_run: bool,
    parse_duration: Callable[[str], float],
) -> ChangeOptions | None:
    """The ``--changed-only`` family checked together (exit 2 for what makes no sense)."""
    if not (changed_only or full):
        for given, name in ((state_path, "--state"), (resend_after, "--resend-after")):
            if given is not None:
                fail(f"{name} goes with --changed-only", 2)
        if dry_run:
            fail("--dry-run goes with --changed-only (or --full)", 2)
        return None
    if full and resend_after is not None:
        fail("--full sends every row: --resend-after has nothing to add", 2)
    seconds = None
    if resend_after is not None:
        try:
            seconds = parse_duration(resend_after)
        except ValueError as exc:
            fail(str(exc), 2)
    return make(state_path=state_path, full=full, resend_after=seconds, dry_run=dry_run)


def _report_dry_run(
    console: Console, settings: ImportSettings, report: DryRunReport, output: str
) -> int:
    """What ``--dry-run`` found: text, or one JSON object on stdout."""
    if output == "json":
        document = {
            "dry_run": True,
            "file": str(settings.path),
            "rows": report.rows,
            "unchanged": report.unchanged,
            "changed": report.changed,
            "new": report.new,
            "stale": report.stale,
            "rejected": report.rejected,
            "settled": report.settled,
            "to_send": report.to_send,
            "in_jobs": report.in_jobs,
            "one_by_one": report.one_by_one,
            "state": report.state,
            "state_profiles": report.state_profiles,
            "elapsed_seconds": round(report.elapsed, 3),
            "exit_code": 0,
        }
        click.echo(scrub(json.dumps(document, ensure_ascii=False)))
        return 0
    stale = f", {report.stale:,} due again (--resend-after)" if report.stale else ""
    console.print(
        f"dry run: {settings.path.name}: {report.rows:,} rows: {report.unchanged:,} unchanged, "
        f"{report.changed:,} changed, {report.new:,} new{stale}; {report.rejected:,} would be "
        f"rejected",
        highlight=False,
    )
    console.print(
        f"would send {report.to_send:,}: {report.in_jobs:,} in bulk jobs, "
        f"{report.one_by_one:,} one by one; nothing was sent",
        highlight=False,
    )
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)
    console.print(
        f"state: {report.state} ({report.state_profiles:,} profiles; read in "
        f"{report.elapsed:.1f}s)",
        highlight=False,
    )
    return 0


class _Stops:
    """The stop signals a run received, and whether the run was over by then."""

    def __init__(self) -> None:
        self.received: int | None = None
        self.finished = False


#: Signals that stop a run as Ctrl-C does: a service manager's or ``timeout``'s SIGTERM, the
#: SIGHUP of a closed terminal. Their default action killed the process at once, leaving no
#: summary (no JSON document), the journal's WAL files and, before, its lock file behind.
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _stop_signals() -> Iterator[_Stops]:
    """Stop the run on SIGTERM and SIGHUP as on SIGINT, and note which one came (the exit
    status is 128 plus its number, as a shell reports a process it ended).

    A signal is handed to whatever handles SIGINT at that moment: the event loop's handler,
    which cancels the run so that it ends as after Ctrl-C (outcomes journalled, the reject
    file written, the journal closed), or Python's, which raises ``KeyboardInterrupt``. A
    signal ignored when the command started (``nohup`` ignores SIGHUP) stays ignored.
    """
    stops = _Stops()

    def stop(number: int, frame: FrameType | None) -> None:
        if stops.finished:
            return  # the run is over: its summary is being written, as it should be
        if stops.received is None:
            stops.received = number
        on_interrupt = signal.getsignal(signal.SIGINT)
        if callable(on_interrupt):
            on_interrupt(signal.SIGINT, frame)
        else:  # SIGINT itself ignored (a background job): stop all the same
            raise KeyboardInterrupt

    previous: dict[int, Any] = {}
    try:
        for number in _STOP_SIGNALS:
            if signal.getsignal(number) is signal.SIG_DFL:
                previous[number] = signal.signal(number, stop)
    except ValueError:  # not the main thread, where signals cannot be handled
        pass
    try:
        yield stops
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextlib.contextmanager
def _import_failures(file: Path, stops: _Stops) -> Iterator[None]:
    """Turn what stops an import into ``error: ...`` (exit 2 when found before sending)."""
    from .importer import HeaderError, PreflightError, RejectFileError

    try:
        yield
    except KeyboardInterrupt:  # before the run began, or while it ended
        code, message = _interrupted(stops.received)
        fail(message, code)
    except (HeaderError, PreflightError) as exc:
        fail(str(exc), 2)
    except RejectFileError as exc:
        fail(str(exc))
    except UnicodeDecodeError as exc:
        fail(f"{file.name} is not UTF-8 text: {exc.reason}", 2)
    except csv.Error as exc:  # a NUL byte, say: a binary file named .csv
        fail(f"{file.name} cannot be read as CSV: {exc}", 2)
    except LimiterUnavailableError as exc:  # a ConnectionError, so before OSError
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot read {file.name}: {exc.strerror or exc}", 2)
    except InvalidInputError as exc:
        fail(str(exc), 2)
    except KlaviyoError as exc:  # the shared limiter is out of reach, for one
        fail(str(exc))


def _interrupted(stop: int | None) -> tuple[int, str]:
    """The exit status and the message of a run stopped by Ctrl-C or by the signal ``stop``."""
    if stop is None:
        return 130, "interrupted; run the same command again to resume"
    return 128 + stop, (
        f"stopped by {signal.Signals(stop).name}; run the same command again to resume"
    )


def _ending(
    settings: ImportSettings, summary: ImportSummary, stop: int | None
) -> tuple[int, str | None]:
    """The exit status of a run, and the ``error:`` it ends with when it is not 0."""
    if summary.interrupted:
        return _interrupted(stop)
    if summary.aborted:
        return 1, f"stopped: {summary.aborted}; {summary.abort_hint}"
    if summary.reject_file_rows:
        return 1, f"{summary.reject_file_rows} rows failed; see {settings.rejects_file}"
    return 0, None


def _report_json(settings: ImportSettings, summary: ImportSummary, stop: int | None) -> int:
    """``--output json``: the summary as one JSON object on stdout; returns the exit status.

    A run that ended badly says why in ``error`` (``{"message", "exit_code"}``), the form
    every command's ``--output json`` uses for a failure, beside the counts.
    """
    code, message = _ending(settings, summary, stop)
    document: dict[str, Any] = {
        "file": str(settings.path),
        "format": settings.fmt,
        "rows": summary.total,
        "created": summary.created,
        "updated": summary.updated,
        "imported": summary.imported,
        "rejected": summary.rejected,
        "failed": summary.failed,
        "skipped": summary.skipped,
        "jobs_started": summary.jobs_started,
        "in_doubt": summary.in_doubt,
        "elapsed_seconds": round(summary.elapsed, 3),
        "journal": str(settings.journal_file),
        "rejects": str(settings.rejects_file) if summary.reject_file_rows else None,
        "reject_file_rows": summary.reject_file_rows,
        "lines": summary.source.describe() if summary.source is not None else None,
        "columns": summary.columns,
        "exit_code": code,
    }
    if summary.state is not None:
        document.update(
            unchanged=summary.unchanged,
            changed=summary.changed,
            new=summary.new,
            stale=summary.stale,
            state=summary.state,
        )
    if message is not None:
        document["error"] = {"message": message, "exit_code": code}
    click.echo(scrub(json.dumps(document, ensure_ascii=False)))
    return code


def _report(
    console: Console, settings: ImportSettings, summary: ImportSummary, stop: int | None
) -> None:
    """Print what the run did, then stop with ``error:`` when it did not do all of it."""
    name = settings.path.name
    elapsed = max(summary.elapsed, 1e-9)
    sent = summary.sent + summary.rejected + summary.failed
    jobs = ""
    if summary.bulk or summary.imported or summary.jobs_started:
        jobs = f"{summary.imported} imported in bulk jobs ({summary.jobs_started} started), "
    console.print(
        f"done in {summary.elapsed:.1f}s ({sent / elapsed:,.0f} rows/s): "
        f"{summary.created} created, {summary.updated} updated, {jobs}"
        f"{summary.rejected} rejected, {summary.failed} failed after retries, "
        f"{summary.skipped} skipped (done by an earlier run)",
        highlight=False,
    )
    if summary.in_doubt:
        console.print(
            f"{summary.in_doubt} rows of a bulk job request that may have reached Klaviyo (a "
            "run stopped while asking, or the request failed after sending) were sent one by "
            "one instead, never in a second job",
            highlight=False,
        )
    if summary.state is not None:
        stale = f", {summary.stale} due again (--resend-after)" if summary.stale else ""
        console.print(
            f"changed only: {summary.unchanged} unchanged (not sent), {summary.changed} "
            f"changed, {summary.new} new{stale}; state: {summary.state}",
            highlight=False,
        )
    if summary.source is not None:
        console.print(f"{name}: {summary.source.describe()}", highlight=False)
    console.print(f"journal: {settings.journal_file}", highlight=False)
    if summary.reject_file_rows:
        console.print(
            f"rejects: {summary.reject_file_rows} rows in {settings.rejects_file}", highlight=False
        )
    code, message = _ending(settings, summary, stop)
    if message is not None:
        fail(message, code)
