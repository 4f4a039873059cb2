"""What is checked before an import sends anything: the revision's jobs, the whole file, the
columns, the rate limiter, the paths it will write, and that no other import holds the journal.

Each refusal here is a :class:`PreflightError` or a :class:`HeaderError`, raised before the first
request (and, for all but the journal's lock, before any file is created).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

import filelock
from klaviyo_profile_import import facts
from rich.console import Console

from ..._generated import bulk_jobs_available, missing_job_operations
from ...client import DEFAULT_BASE_URL, KlaviyoProfiles
from ..journal import Journal
from .failures import PreflightError
from .import_settings import ImportSettings
from .row_mapping import ColumnMap, RowMapper
from .sources import SourceStats, count_rows, csv_header

__all__ = ["check_before_sending", "input_identity", "lock_journal", "unlock_journal"]


def check_before_sending(settings: ImportSettings, console: Console) -> SourceStats:
    """Everything that would stop the import part way, checked before the first request:
    the revision's jobs (for ``--via bulk``), the encoding of the whole file, the columns,
    the rate limiter, and that the journal and the reject file can be written. Returns where
    the file's lines go (its rows, for the progress bar)."""
    _check_jobs(settings, console)
    # Proves the file is text (with every CSV quote closed) before the first request.
    source = count_rows(settings.path, settings.fmt, **settings.text_format())
    if settings.fmt == "csv":
        header = csv_header(settings.path, **settings.text_format())
        columns = settings.column_map()
        RowMapper(columns, settings.null_token, settings.nulls).check_header(header)
        _note_unmapped(columns, header, console)
    _reach_limiter(settings)
    _check_paths(settings)
    return source


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


def lock_journal(settings: ImportSettings) -> filelock.BaseFileLock:
    """Hold the journal for this process; a second import of the same journal is refused.

    The lock file (``JOURNAL.lock``) is removed when the run ends (:func:`unlock_journal`),
    while it is still held. A process that opened it just before that holds a lock on a file
    no longer in the directory, which would not keep out a third; so a lock is kept only when
    the path still names the very file locked, and taken again otherwise.
    """
    path = settings.journal_file
    lock_path = str(path) + ".lock"
    for _ in range(_LOCK_ATTEMPTS):
        lock = filelock.FileLock(lock_path, timeout=0)
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
        if _locks_the_current_file(lock):
            return lock
        lock.release()
    raise PreflightError(
        f"cannot lock the journal {path}: its lock file keeps being replaced; pass --journal PATH"
    )


#: Attempts to lock a lock file that the import holding it removes meanwhile.
_LOCK_ATTEMPTS = 5


def _locks_the_current_file(lock: filelock.BaseFileLock) -> bool:
    """Whether the file ``lock`` holds is still the one its path names."""
    try:
        current = os.stat(lock.lock_file)
    except FileNotFoundError:
        return False
    # filelock keeps the descriptor it locked in its context (3.12 to 4.x); without one to
    # compare, the path existing is what can be told.
    descriptor = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
    if not isinstance(descriptor, int):
        return True
    return os.path.samestat(os.fstat(descriptor), current)


def unlock_journal(lock: filelock.BaseFileLock) -> None:
    """Remove the lock file, then let go of the lock (see :func:`lock_journal`)."""
    try:
        with contextlib.suppress(OSError):  # already gone, or open elsewhere (Windows)
            os.unlink(lock.lock_file)
    finally:
        lock.release()


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
