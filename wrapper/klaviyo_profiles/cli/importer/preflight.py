"""What is checked before an import sends anything: the revision's jobs, the whole file, the
columns, the rate limiter, the paths it will write, and that no other import holds the journal.

Each refusal here is a :class:`PreflightError` or a :class:`HeaderError`, raised before the first
request (and, for all but the journal's lock, before any file is created).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

from klaviyo_profile_import import facts
from rich.console import Console

from ..._file_lock import FileHeldError, FileHold, FileReplacedError, hold_file, release_file
from ..._generated import bulk_jobs_available, missing_job_operations
from ...client import DEFAULT_BASE_URL, KlaviyoProfiles
from ..journal import Journal
from .failures import HeaderError, PreflightError
from .import_settings import ImportSettings
from .row_mapping import ColumnMap, RowMapper
from .sources import SourceStats, count_rows, csv_header, file_kind, require_regular_file

__all__ = ["check_before_sending", "input_identity", "lock_journal", "unlock_journal"]


def check_before_sending(settings: ImportSettings, console: Console) -> SourceStats:
    """Everything that would stop the import part way, checked before the first request:
    the revision's jobs (for ``--via bulk``), the encoding of the whole file, the columns,
    the rate limiter, and that the journal and the reject file can be written. Returns where
    the file's lines go (its rows, for the progress bar)."""
    require_regular_file(settings.path)
    _check_jobs(settings, console)
    # Proves the file is text (with every CSV quote closed) before the first request.
    source = count_rows(settings.path, settings.fmt, **settings.text_format())
    if settings.fmt == "csv":
        header = csv_header(settings.path, **settings.text_format())
        columns = settings.column_map()
        mapper = RowMapper(columns, settings.null_token, settings.nulls)
        _check_columns(header, settings.delimiter, columns, mapper)
        _note_unmapped(columns, header, console)
    _reach_limiter(settings)
    _check_paths(settings)
    return source


#: Separators CSV exports use: when the header does not read as profile fields with
#: ``--delimiter``, the one that splits it into fields is named.
_SEPARATORS = (",", ";", "\t", "|")


def _shown(separator: str) -> str:
    return "\\t" if separator == "\t" else separator


def _check_columns(
    header: list[str], delimiter: str, columns: ColumnMap, mapper: RowMapper
) -> None:
    """Refuse unknown, duplicate or unmapped columns; when another separator would split the
    header into profile fields, name it instead (the file was read with the wrong one)."""
    try:
        mapper.check_header(header)
    except HeaderError:
        hint = _separator_hint(header, delimiter, columns)
        if hint is None:
            raise
        raise HeaderError(hint) from None


def _separator_hint(header: list[str], delimiter: str, columns: ColumnMap) -> str | None:
    """Which ``--delimiter`` to pass, when another separator splits the header into more
    profile fields than ``delimiter`` does (or splits a header that is one column at all)."""

    def known(column: str) -> bool:
        # Names a field, or is mapped: whatever --unmapped would make of it otherwise.
        return not columns.unmapped_columns([column])

    found = sum(map(known, header))
    line = delimiter.join(header)  # the header's text, but for quotes
    best: tuple[int, int, str, list[str]] | None = None
    for separator in _SEPARATORS:
        if separator == delimiter or separator not in line:
            continue
        split = next(csv.reader([line], delimiter=separator), [])
        fields = sum(map(known, split))
        if len(split) < 2 or (fields <= found and len(header) > 1):
            continue
        if best is None or (fields, len(split)) > best[:2]:
            best = (fields, len(split), separator, split)
    if best is None:
        return None
    fields, count, separator, split = best
    current = "the default ','" if delimiter == "," else f"--delimiter '{_shown(delimiter)}'"
    if len(header) == 1:
        read = f"the header is one column, {header[0]!r}"
    else:
        unknown = ", ".join(repr(column) for column in header if not known(column))
        read = f"the header has columns that are not profile fields ({unknown})"
    listing = ", ".join(repr(column) for column in split)
    which = "all profile fields" if fields == count else f"{fields} of them profile fields"
    advice = f"pass --delimiter '{_shown(separator)}'"
    if fields < count:
        advice += " (and --map for the other columns)"
    return (
        f"read with {current}, {read}; split at '{_shown(separator)}' it is {count} "
        f"columns ({listing}), {which}: {advice}"
    )


def _note_unmapped(columns: ColumnMap, header: list[str], console: Console) -> None:
    """Say which columns ``--unmapped properties`` or ``skip`` decided about: they were
    named nowhere, so the user should see where they went."""
    unmapped = columns.unmapped_columns(header)
    if not unmapped or columns.unmapped == "error":
        return
    names = ", ".join(repr(column) for column in unmapped)
    count = "1 column that names" if len(unmapped) == 1 else f"{len(unmapped)} columns that name"
    what = (
        f"sends {count} no field as custom properties of their own names"
        if columns.unmapped == "properties"
        else f"leaves out {count} no field"
    )
    console.print(f"note: --unmapped {columns.unmapped} {what}: {names}", highlight=False)


def _check_jobs(settings: ImportSettings, console: Console) -> None:
    """Refuse ``--via bulk`` on a revision without bulk import jobs; note it for ``auto``."""
    if settings.via == "single" or bulk_jobs_available():
        return
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
    """Refuse before the first request if ``path`` could not be written at the end, or is
    not a regular file (a device, a pipe, a directory is never replaced).

    A symbolic link is followed: the file it names is the one written (and checked here).
    """
    target = path.resolve()
    if not target.parent.is_dir():
        raise PreflightError(
            f"the {what} {path} cannot be written: its directory does not exist; "
            f"create it or pass {option} PATH"
        )
    kind = file_kind(target)
    if kind is not None:
        raise PreflightError(
            f"the {what} {path} is {kind}, not a regular file, and is never replaced; "
            f"pass {option} PATH"
        )
    probe = target.with_name(target.name + ".tmp")
    try:
        # Created and removed: the permission bits alone do not tell (root, read-only mounts).
        # A file already of that name is not this run's to remove.
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        probe.unlink()
    except FileExistsError:
        pass
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


def lock_journal(settings: ImportSettings) -> FileHold:
    """Hold the journal for this process; a second import of the same journal is refused.

    The lock is on the journal file itself (:mod:`klaviyo_profiles._file_lock`), so no file
    beside it, removed or replaced, can let a second import in. The journal is created
    (empty) here when there is none.
    """
    path = settings.journal_file
    try:
        return hold_file(path)
    except FileHeldError:
        owner = Journal.owner_of(path) or "another process"
        raise PreflightError(
            f"the journal {path} is in use by {owner}; wait for that import to end (two "
            "imports of one journal would send every row twice)"
        ) from None
    except FileReplacedError:
        raise PreflightError(
            f"cannot lock the journal {path}: it keeps being replaced; pass --journal PATH"
        ) from None
    except OSError as exc:
        raise PreflightError(
            f"cannot lock the journal {path}: {exc.strerror or exc}; pass --journal PATH"
        ) from None


def unlock_journal(lock: FileHold) -> None:
    """Let go of the journal (see :func:`lock_journal`)."""
    release_file(lock)


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
