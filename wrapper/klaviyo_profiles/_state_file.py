"""The sync state's file (see :mod:`klaviyo_profiles.sync_state`): opened, checked, held
for one process, its tables made. Whatever another process wrote there is input: a file
that is not a state, damaged, of another account or of a newer version is refused in one
line before anything is sent.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import time
import uuid
from pathlib import Path

from ._file_lock import FileHeldError, FileHold, FileReplacedError, hold_file
from .errors import KlaviyoError

__all__ = [
    "STATE_SCHEMA",
    "SyncStateError",
    "SyncStateInUseError",
    "connect_state",
    "create_tables",
    "current_owner",
    "hold_state",
    "owner_of",
    "set_meta",
]

#: 1: ``applied`` (one row per identity) and ``members`` (the identity holding each identifier).
STATE_SCHEMA = 1

#: At most this much of the file is mapped into memory (a state of 2 million profiles).
_MMAP_BYTES = 256 << 20


class SyncStateError(KlaviyoError):
    """The state file cannot be used: not a state file, damaged, of another account, of a
    newer version, not writable, or in use. The message is one line naming the file."""


class SyncStateInUseError(SyncStateError):
    """Another process holds the state file, or another call is using this open state: two
    users of one state could each skip what the other sends."""


def owner_of(path: Path) -> str | None:
    """The process noted in the state at ``path`` as using it, if it can be read."""
    try:
        reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error:
        return None
    try:
        found = reader.execute("SELECT value FROM meta WHERE key = 'owner'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        reader.close()
    return None if found is None else str(found[0])


def current_owner() -> str:
    """How another process refused the state names this one."""
    return f"pid {os.getpid()} on {socket.gethostname()}"


def hold_state(path: Path) -> FileHold:
    """Lock the state file itself for this process (creating it when missing)."""
    if not path.parent.is_dir():
        raise SyncStateError(
            f"the state file {path} cannot be written: its directory does not exist"
        )
    try:
        return hold_file(path)
    except FileHeldError:
        owner = owner_of(path) or "another process"
        raise SyncStateInUseError(
            f"the state file {path} is in use by {owner}; wait for it to end (two runs on one "
            "state could each skip what the other sends)"
        ) from None
    except FileReplacedError:
        raise SyncStateError(
            f"cannot lock the state file {path}: it keeps being replaced"
        ) from None
    except OSError as exc:
        raise SyncStateError(f"cannot lock the state file {path}: {exc.strerror or exc}") from None


def connect_state(
    where: Path, fingerprint: str, base_url: str, read_only: bool
) -> sqlite3.Connection:
    """The state's connection, checked (see :func:`_prepare`). One call at a time uses it,
    from whichever thread runs that call."""
    try:
        if read_only:
            db = sqlite3.connect(
                f"file:{where}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        else:
            db = sqlite3.connect(str(where), isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise SyncStateError(f"cannot open the state file {where}: {exc}") from None
    try:
        _prepare(db, where, fingerprint, base_url, read_only)
    except sqlite3.OperationalError as exc:
        db.close()
        raise SyncStateError(f"cannot write the state file {where}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        db.close()
        raise SyncStateError(f"{where} is not a readable state file ({exc})") from None
    except BaseException:
        db.close()
        raise
    return db


def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
    """Set one value of the state's ``meta`` table."""
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def create_tables(db: sqlite3.Connection) -> None:
    """Make the state's tables where they are missing."""
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    db.execute(
        """CREATE TABLE IF NOT EXISTS applied (
            ident INTEGER PRIMARY KEY,
            digest BLOB NOT NULL,
            memo_key INTEGER,
            memo_check INTEGER,
            keys BLOB NOT NULL,
            applied_at INTEGER NOT NULL
        )"""
    )
    # An unchanged input is found by its memo alone (two 64-bit halves), from the index.
    db.execute(
        "CREATE INDEX IF NOT EXISTS applied_memo ON applied "
        "(memo_key, memo_check, ident, applied_at) WHERE memo_key IS NOT NULL"
    )
    # Identities held are disjoint, so each identifier names one identity at most.
    db.execute(
        "CREATE TABLE IF NOT EXISTS members (key INTEGER PRIMARY KEY, ident INTEGER NOT NULL)"
    )


def _prepare(
    db: sqlite3.Connection, path: Path, fingerprint: str, base_url: str, read_only: bool
) -> None:
    """Check the file is this account's state (creating it when empty) and writable."""
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    if tables and not {"meta", "applied", "members"} <= tables:
        raise SyncStateError(f"{path} is an SQLite database, but not a sync state file")
    if tables:
        found = {
            str(key): str(value)
            for key, value in db.execute(
                "SELECT key, value FROM meta WHERE key IN ('schema', 'account', 'base_url')"
            )
        }
        schema = found.get("schema", "")
        if not schema.isdigit():
            raise SyncStateError(f"{path} is not a readable state file (no schema version)")
        if int(schema) > STATE_SCHEMA:
            raise SyncStateError(
                f"{path} was written by a newer klaviyo-profiles (state schema {schema}, this "
                f"one reads {STATE_SCHEMA}); use that version, or another state file"
            )
        if (found.get("account"), found.get("base_url")) != (fingerprint, base_url):
            raise SyncStateError(
                f"{path} is the state of another account (key {found.get('account')} at "
                f"{found.get('base_url')}, not key {fingerprint} at {base_url}); "
                "use another state file"
            )
    # Damage shows as an error on some page only when that page is read: look at all of it
    # now, before anything is sent, rather than fail part way.
    problems = [str(row[0]) for row in db.execute("PRAGMA quick_check(1)")]
    if problems != ["ok"]:
        raise SyncStateError(
            f"{path} is damaged ({problems[0]}); remove it or use another state file"
        )
    db.execute("PRAGMA busy_timeout=5000")
    # Lookups land anywhere in the file: mapped pages cost no system call each (they are the
    # system's page cache, given back under memory pressure), a few microseconds a row less.
    db.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
    if read_only:
        return
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA cache_size=-4096")
    db.execute("PRAGMA temp.cache_size=-512")
    db.execute("BEGIN IMMEDIATE")
    try:
        create_tables(db)
        if not tables:
            set_meta(db, "schema", str(STATE_SCHEMA))
            set_meta(db, "account", fingerprint)
            set_meta(db, "base_url", base_url)
            set_meta(db, "id", uuid.uuid4().hex)
            set_meta(db, "created", str(int(time.time())))
        set_meta(db, "owner", current_owner())
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    if not tables:
        with contextlib.suppress(OSError):  # a file system without modes
            os.chmod(path, 0o600)
