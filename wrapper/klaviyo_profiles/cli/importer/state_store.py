"""The sync state of a ``--changed-only`` run: which file, held by one run at a time, and
brought up to date from the journal.

SQLite cannot commit to two files at once, so the journal is where an outcome and what its
row applied are committed together (``rows.sync``); the state is brought up to date from it
(:func:`bring_up_to_date`) when a run ends and when the next run on the same journal starts,
idempotently and in row order. A crash between the two only delays the state: the rows to
send were forgotten in it before they were sent (:mod:`.changed_only`), so until their
outcomes are recorded the state knows nothing of them, and a row is never recorded as
applied when it was not. Outcomes are replayed only when no other run used the state since
the journal's run (a token noted in both files): otherwise an older outcome could hide a newer
one, and those rows are sent again instead.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from ...sync_state import (
    Account,
    SyncEntry,
    SyncState,
    SyncStateError,
    SyncStateInUseError,
    account_for,
)
from ..journal import Journal
from .failures import PreflightError
from .import_settings import ChangeOptions, ImportSettings, ImportSummary

__all__ = [
    "bring_up_to_date",
    "end_run",
    "held_state",
    "open_state",
    "resolve_state_path",
    "start_run",
    "state_path",
]


@contextlib.contextmanager
def held_state(settings: ImportSettings) -> Iterator[SyncState | None]:
    """The run's sync state, open and held for this process (``None`` without
    ``--changed-only``); ``PreflightError`` when it cannot be used or is in use."""
    if settings.changes is None:
        yield None
        return
    with open_state(settings, resolve_state_path(settings)) as state:
        yield state


def state_path(settings: ImportSettings, account: Account) -> Path:
    """``--state``, or the account's file in the user's state directory."""
    options = settings.changes or ChangeOptions()
    return options.state_path or account.default_path()


def resolve_state_path(settings: ImportSettings, *, create: bool = True) -> Path:
    """The run's state file; its default directory is created (``create``) with mode 700.
    ``PreflightError`` when it cannot be."""
    account = account_for(settings.api_key, settings.base_url)
    path = state_path(settings, account)
    options = settings.changes or ChangeOptions()
    if options.state_path is None and create:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise PreflightError(
                f"the state directory {path.parent} cannot be created: {exc.strerror or exc}; "
                "pass --state PATH"
            ) from None
    if path.is_dir():
        raise PreflightError(f"the state file {path} is a directory; pass --state PATH")
    if create and not path.parent.is_dir():
        raise PreflightError(
            f"the state file {path} cannot be written: its directory does not exist; create "
            "it or pass another --state PATH"
        )
    if path.resolve() in (settings.path.resolve(), settings.journal_file.resolve()):
        which = "input file" if path.resolve() == settings.path.resolve() else "journal"
        raise PreflightError(f"--state names the {which}; pass another --state PATH")
    return path


def open_state(settings: ImportSettings, path: Path, *, read_only: bool = False) -> SyncState:
    """The run's sync state at ``path``; ``PreflightError`` (one line) when it cannot be
    used."""
    account = account_for(settings.api_key, settings.base_url)
    try:
        return SyncState.open(path, account=account, read_only=read_only)
    except SyncStateError as exc:
        hint = "" if isinstance(exc, SyncStateInUseError) else " (--state PATH)"
        raise PreflightError(f"{exc}{hint}") from None


def start_run(state: SyncState, journal: Journal, owner: str, summary: ImportSummary) -> None:
    """Bring the state up to date from an earlier run on this journal (when no other run used
    the state since), then note this run in both files; ``PreflightError`` when the state
    cannot be used (nothing was sent)."""
    summary.state = str(state.path)
    try:
        same = (journal.noted("state"), journal.noted("state_run")) == (
            state.meta("id"),
            state.meta("run"),
        )
        if same:
            bring_up_to_date(state, journal)
        else:
            # Those rows were forgotten before they were sent: this run sends them again.
            journal.mark_synced()
        token = state.begin_run(owner)
        journal.note("state", state.meta("id") or "")
        journal.note("state_run", token)
    except sqlite3.Error as exc:
        raise PreflightError(f"cannot use the state file {state.path}: {exc}") from None


def end_run(state: SyncState, journal: Journal, summary: ImportSummary) -> None:
    """Record in the state what this run applied; a state that cannot take it ends the run
    with that reason (the journal keeps it for the next run)."""
    try:
        bring_up_to_date(state, journal)
    except sqlite3.Error as exc:
        if summary.aborted is None:
            summary.aborted = f"cannot update the state file {state.path}: {exc}"
            summary.abort_hint = (
                "the journal keeps what was applied: run the same command again once the "
                "state file can be written, and it is recorded"
            )


def bring_up_to_date(state: SyncState, journal: Journal) -> int:
    """Record in the state what the journal says this run applied (good outcomes record
    their request, ``failed`` ones forget their identifiers), in row order; idempotent.
    Returns how many outcomes were taken."""
    taken = 0
    batch: list[tuple[SyncEntry, float]] = []
    for _, status, packed, finished in journal.unsynced():
        try:
            entry = SyncEntry.unpack(bytes(packed))
        except ValueError:
            continue  # not ours to read: the row is sent again, as if never recorded
        taken += 1
        if status == "failed":
            state.record(batch)
            batch = []
            state.forget(entry.keys)
        else:
            batch.append((entry, finished))
        if len(batch) >= 10_000:
            state.record(batch)
            batch = []
    state.record(batch)
    journal.mark_synced()
    return taken
