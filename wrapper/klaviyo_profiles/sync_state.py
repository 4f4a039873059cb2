"""What was last applied, per account and profile: the memory of re-syncs that send only
what changed.

The usual job is the same export every night, in which a few rows changed. A
:class:`SyncState` remembers, for each profile identity of one account, a digest of the last
request applied to it, so that a re-sync can leave out every row whose request would be the
same (``klaviyo-profiles import --changed-only``; ``create_or_update_profiles`` can use it the
same way: :meth:`SyncState.open` it and pass it as ``changed_only=``). It is an SQLite file,
one per account.

**What "the same" means.** The request a row produces, after mapping and null policy, as the
canonical JSON of its resource object (keys sorted, nulls included, so a row that newly clears
a field differs), folded with the pinned revision (:func:`digest_of`): a new revision sends
everything once. Rows are matched by identity, the one rule of :mod:`.identity`: the set of
normalised identifiers a row names. A row whose identifiers changed is a new identity.

**The rule that makes a skip safe.** An identity's entry says "the last request applied to
any of these identifiers was this one". So recording (:meth:`SyncState.record`) and sending
(:meth:`SyncState.forget`, called *before* a request leaves) both drop every other identity
that shares an identifier: the identities held are pairwise disjoint, and a row is skipped
only when its identity's entry is its own request. Forgetting before sending means that a
request whose outcome is unknown (a crash, a timeout) is never recorded as applied: the next
run sends it again. A profile with several rows of different identifiers in one export is
therefore sent every time (each row changes what was last applied to the others).

**What the file holds: no key and no profile values.** Identifiers are kept as keyed 64-bit
digests and requests as keyed 128-bit digests (BLAKE2b), keyed by a secret derived from the
API key and never stored, so the file cannot be matched against a list of emails without the
key. The account is named by the key's fingerprint (the first 16 hex digits of its SHA-256, as
the rate limiters name it) and the base URL, so a sandbox never shares state with production;
a new key starts a new state. About 180 bytes a profile of two identifiers (measured: 183),
of which a third is the index that finds an unchanged input by its *memo* (a digest of the
input a request was built from, :meth:`SyncState.by_memo`) without building the request.

**Memory.** Nothing is loaded whole: lookups go a batch at a time, in a few statements. The
file is memory-mapped (up to 256 MiB), which spares a system call per page read: its pages are
the system's file cache, so a run's resident memory grows with the state it reads (about 35
MiB for 200,000 profiles), never with the length of the input.

**One user at a time.** An open state holds a lock on its file (as the import's journal is
held): a second process opening it is refused with :class:`SyncStateInUseError`, naming the
process that holds it; so is a second call using one open state at once.

Example::

    from klaviyo_profiles import KlaviyoProfiles, SyncState

    with KlaviyoProfiles() as client, SyncState.open("customers.state") as state:
        outcomes = client.create_or_update_profiles(rows, changed_only=state)

Underneath, what a client does for each row::

    entry = state.entry_for(resource)          # identity and request digest, or None
    held = state.applied(entry.ident)
    if held is None or held.digest != entry.digest:
        state.forget(entry.keys)               # before sending
        ...                                    # send; once it is applied:
        state.record([(entry, time.time())])
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import sqlite3
import struct
import sys
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import attrs
from klaviyo_profile_import import facts

from ._client_core import DEFAULT_BASE_URL
from ._file_lock import FileHold, release_file
from ._state_file import (
    STATE_SCHEMA,
    SyncStateError,
    SyncStateInUseError,
    connect_state,
    create_tables,
    hold_state,
    owner_of,
    set_meta,
)
from ._version import __version__
from .auth import resolve_api_key
from .errors import InvalidInputError
from .identity import identity_of
from .settings import check_base_url

__all__ = [
    "STATE_SCHEMA",
    "Account",
    "Applied",
    "MemoHit",
    "SyncEntry",
    "SyncState",
    "SyncStateError",
    "SyncStateInUseError",
    "account_for",
    "canonical_json",
    "digest_of",
    "state_directory",
]

#: Bytes of a request digest (a collision could skip a changed row: 128 bits rule it out).
DIGEST_BYTES = 16
#: Identifiers and identities are 64-bit digests: a collision only merges two identities,
#: which sends more (never less), and keeps the tables' keys SQLite integers.
_KEY_BYTES = 8

#: Parameters bound in one statement (SQLite's limit is 32,766 since 3.32; 999 before).
_BATCH = 900


def state_directory(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """Where state files live by default: ``$XDG_STATE_HOME/klaviyo-profiles`` (else
    ``~/.local/state/klaviyo-profiles``); ``~/Library/Application Support/klaviyo-profiles``
    on macOS; ``%LOCALAPPDATA%\\klaviyo-profiles`` on Windows."""
    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    home = Path(env.get("HOME") or Path.home())
    if system.startswith("win"):
        local = env.get("LOCALAPPDATA")
        base = Path(local) if local else home / "AppData" / "Local"
    elif system == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_STATE_HOME", "")
        # The XDG spec: a relative path is invalid and must be ignored.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "state"
    return base / "klaviyo-profiles"


@attrs.frozen
class Account:
    """One Klaviyo account as the state names it: the key's fingerprint and the base URL.

    ``secret`` is derived from the key (one-way) and keys the digests; it is never stored
    and never shown.
    """

    fingerprint: str
    base_url: str
    secret: bytes = attrs.field(repr=False, eq=False)

    @property
    def id(self) -> str:
        """16 hex digits naming the account (fingerprint and base URL together)."""
        text = f"{self.fingerprint}\n{self.base_url}".encode()
        return hashlib.sha256(text).hexdigest()[:16]

    def default_path(self, directory: Path | None = None) -> Path:
        """The account's state file in ``directory`` (default :func:`state_directory`):
        ``HOST-ID.sqlite``, the host telling a sandbox's file from production's at a glance."""
        host = self.base_url.split("://", 1)[-1].split("/", 1)[0]
        host = "".join(char if char.isalnum() or char in ".-" else "_" for char in host)
        return (directory or state_directory()) / f"{host}-{self.id}.sqlite"


def account_for(api_key: str, base_url: str | None = None) -> Account:
    """The :class:`Account` of ``api_key`` at ``base_url`` (default Klaviyo's); the key is
    checked as the client checks it, and kept nowhere."""
    key = resolve_api_key(api_key)
    url = check_base_url(base_url or DEFAULT_BASE_URL, allow_insecure_http=True)
    fingerprint = hashlib.sha256(key.encode()).hexdigest()[:16]
    secret = hashlib.blake2b(key.encode(), digest_size=32, person=b"kp-state-secret").digest()
    return Account(fingerprint, url, secret)


def canonical_json(resource: Mapping[str, Any]) -> bytes:
    """``resource`` as canonical JSON: keys sorted, no whitespace, UTF-8, nulls kept.

    Raises ``ValueError`` (or ``TypeError``) for what JSON cannot carry; such a value is
    refused before sending anyway.
    """
    text = json.dumps(
        resource, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode()


def digest_of(resource: Mapping[str, Any], revision: str, *, secret: bytes = b"") -> bytes:
    """The digest of the request ``resource`` makes under ``revision``: 16 bytes of keyed
    BLAKE2b over the revision and :func:`canonical_json` (``secret``: the account's)."""
    digest = hashlib.blake2b(key=secret, digest_size=DIGEST_BYTES, person=b"kp-request")
    digest.update(revision.encode())
    digest.update(b"\x00")
    digest.update(canonical_json(resource))
    return digest.digest()


def _int(data: bytes) -> int:
    return int.from_bytes(data, "big", signed=True)


#: A 16-byte memo as the two signed 64-bit integers the state keeps it as.
_MEMO = struct.Struct(">qq")


def _memo_ints(memo: bytes) -> tuple[int, int]:
    key, check = _MEMO.unpack(memo)
    return int(key), int(check)


def _memo_bytes(key: int, check: int) -> bytes:
    return _pack_keys((key, check))


def _pack_keys(keys: Sequence[int]) -> bytes:
    return b"".join(key.to_bytes(_KEY_BYTES, "big", signed=True) for key in keys)


def _unpack_keys(data: bytes) -> tuple[int, ...]:
    return tuple(
        _int(data[start : start + _KEY_BYTES]) for start in range(0, len(data), _KEY_BYTES)
    )


@attrs.frozen
class SyncEntry:
    """What the state needs of one request: its identity (``ident``, and its identifiers'
    digests ``keys``), its request digest and, optionally, a ``memo`` (a digest of the input
    the request was built from, which lets a caller tell an unchanged input without building
    the request again)."""

    ident: int
    keys: tuple[int, ...]
    digest: bytes
    memo: bytes | None = None

    def pack(self) -> bytes:
        """The entry as bytes (kept with an outcome until it is recorded)."""
        memo = self.memo or b""
        header = bytes([len(self.digest), len(memo)])
        return header + self.digest + memo + _pack_keys((self.ident, *self.keys))

    @classmethod
    def unpack(cls, data: bytes) -> SyncEntry:
        """The entry :meth:`pack` made; ``ValueError`` for bytes it did not make."""
        if len(data) < 2:
            raise ValueError("not a sync entry")
        size, memo_size = data[0], data[1]
        rest = data[2 + size + memo_size :]
        if size != DIGEST_BYTES or memo_size not in (0, DIGEST_BYTES) or len(rest) < 16:
            raise ValueError("not a sync entry")
        if len(rest) % _KEY_BYTES:
            raise ValueError("not a sync entry")
        digest = data[2 : 2 + size]
        memo = data[2 + size : 2 + size + memo_size] or None
        ident, *keys = _unpack_keys(rest)
        return cls(ident, tuple(keys), digest, memo)


#: An identity found by the memo of its input (:meth:`SyncState.by_memo`): the identity's
#: digest and when its request was applied (Unix seconds).
MemoHit = tuple[int, int]


@attrs.frozen
class Applied:
    """What the state holds for one identity: the last request applied, and when (Unix
    seconds)."""

    digest: bytes
    memo: bytes | None
    applied_at: int


class SyncState:
    """An account's state file (see the module). Open it with :meth:`open`."""

    def __init__(
        self,
        db: sqlite3.Connection,
        path: Path | None,
        account: Account,
        revision: str,
        *,
        hold: FileHold | None = None,
        resend_after: float | None = None,
        read_only: bool = False,
    ) -> None:
        self._db = db
        self._hold = hold
        self._in_call = False
        self._closed = False
        #: The file (``None``: an empty state held in memory, for a dry run with no file).
        self.path = path
        self.account = account
        #: The pinned revision its digests are made under (a client's must be the same).
        self.revision = revision
        #: Seconds after which a request applied is sent again though unchanged (``None``:
        #: never), for profiles others edit in Klaviyo.
        self.resend_after = resend_after
        #: Opened to read only (a dry run): nothing may be sent with it.
        self.read_only = read_only
        secret = account.secret
        self._key_hash = hashlib.blake2b(key=secret, digest_size=_KEY_BYTES, person=b"kp-key")
        self._ident_hash = hashlib.blake2b(
            key=secret, digest_size=_KEY_BYTES, person=b"kp-identity"
        )
        self._memo_hash = hashlib.blake2b(key=secret, digest_size=DIGEST_BYTES, person=b"kp-memo")
        self._memo_hash.update(f"{revision}\x00{__version__}\x00".encode())

    # ---- opening

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        revision: str | None = None,
        resend_after: float | None = None,
        account: Account | None = None,
        read_only: bool = False,
    ) -> SyncState:
        """Open (or create) the state file at ``path`` for one account, and hold it.

        The account is that of ``api_key`` (default ``$KLAVIYO_API_KEY``) at ``base_url``
        (default Klaviyo's), or ``account`` (:func:`account_for`); a client it is used with
        must have the same key and base URL (its pinned revision is part of each digest).
        ``revision``: the one the command line digests under (default: the generated one).
        ``resend_after``: seconds after which a request applied is sent again though
        unchanged. ``read_only``: neither hold nor write the file (a dry run); a missing
        file reads as an empty state.

        Raises :class:`SyncStateError` (one line, naming the file) for a file that is not a
        state, is damaged, belongs to another account, was written by a newer version, or
        cannot be written; :class:`SyncStateInUseError` when another process holds it.
        Nothing is sent by opening.
        """
        where = Path(path)
        if account is None:
            account = account_for(api_key, base_url)  # type: ignore[arg-type]  # checked inside
        elif api_key is not None or base_url is not None:
            raise InvalidInputError("account", "api_key and base_url, or account, not both")
        revision = revision or facts.REVISION
        resend_after = _check_resend_after(resend_after)
        if read_only and not where.exists():
            db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            create_tables(db)
            return cls(db, None, account, revision, resend_after=resend_after, read_only=True)
        hold = None if read_only else hold_state(where)
        try:
            db = connect_state(where, account.fingerprint, account.base_url, read_only)
        except BaseException:
            if hold is not None:
                release_file(hold)
            raise
        return cls(
            db,
            where,
            account,
            revision,
            hold=hold,
            resend_after=resend_after,
            read_only=read_only,
        )

    # ---- digests

    def key_of(self, key: str) -> int:
        """The digest of one identity key (``"email:ada@example.com"``)."""
        digest = self._key_hash.copy()
        digest.update(key.encode())
        return _int(digest.digest())

    def ident_of(self, keys: Collection[str]) -> int:
        """The digest of an identity (a set of identity keys, in any order)."""
        digest = self._ident_hash.copy()
        digest.update("\n".join(sorted(keys)).encode())
        return _int(digest.digest())

    def digest(self, resource: Mapping[str, Any]) -> bytes:
        """:func:`digest_of` the resource under this state's revision and account."""
        return digest_of(resource, self.revision, secret=self.account.secret)

    def memo(self, text: str) -> bytes:
        """A digest of the input a request is built from (with the revision and this
        library's version, which shape that request)."""
        return self.memo_hasher("")(text)

    def memo_hasher(self, context: str) -> Callable[[str], bytes]:
        """:meth:`memo` of ``context`` (e.g. the settings that turn an input into a request)
        followed by each text it is given, with ``context`` digested once."""
        prefix = self._memo_hash.copy()
        prefix.update(context.encode())
        prefix.update(b"\x00")

        def memo(text: str) -> bytes:
            digest = prefix.copy()
            digest.update(text.encode())
            return digest.digest()

        return memo

    def entry_for(
        self,
        resource: Mapping[str, Any],
        *,
        keys: Collection[str] | None = None,
        memo: bytes | None = None,
    ) -> SyncEntry | None:
        """The entry of a resource object (``None`` when it names no identifier); ``keys``:
        its identity keys when already known (:func:`~.identity.identity_of`)."""
        found = identity_of(resource) if keys is None else keys
        if not found:
            return None
        ordered = sorted(found)
        return SyncEntry(
            self.ident_of(ordered),
            tuple(self.key_of(key) for key in ordered),
            self.digest(resource),
            memo,
        )

    # ---- reading

    def lookup(self, idents: Iterable[int], *, excluding: str | None = None) -> dict[int, Applied]:
        """What is held for each of ``idents`` (identities not held are left out), in a few
        statements whatever their number.

        ``excluding``: the name of a temporary table of identities to read as not held.
        """
        wanted = list(dict.fromkeys(idents))
        found: dict[int, Applied] = {}
        anti = ""
        if excluding is not None:
            anti = f" AND a.ident NOT IN (SELECT ident FROM temp.{excluding})"
        query = (
            "SELECT a.ident, a.digest, a.memo_key, a.memo_check, a.applied_at "
            f"FROM json_each(?) AS j JOIN applied AS a ON a.ident = j.value{anti}"
        )
        for start in range(0, len(wanted), 4 * _BATCH):
            chunk = json.dumps(wanted[start : start + 4 * _BATCH])
            for ident, digest, key, check, applied_at in self._db.execute(query, (chunk,)):
                memo = None if key is None or check is None else _memo_bytes(key, check)
                found[ident] = Applied(digest, memo, applied_at)
        return found

    def applied(self, ident: int) -> Applied | None:
        """What is held for the identity ``ident``, if anything."""
        found = self._db.execute(
            "SELECT digest, memo_key, memo_check, applied_at FROM applied WHERE ident = ?",
            (ident,),
        ).fetchone()
        if found is None:
            return None
        digest, key, check, applied_at = found
        memo = None if key is None or check is None else _memo_bytes(key, check)
        return Applied(digest, memo, applied_at)

    def by_memo(
        self, memos: Iterable[bytes], *, excluding: str | None = None
    ) -> dict[bytes, MemoHit]:
        """The identities held whose request was built from an input with one of ``memos``
        (see :meth:`memo`): such an input is unchanged without its request being built. In
        a few statements whatever their number; ``excluding`` as for :meth:`lookup`."""
        # Two memos sharing their first half (never seen, but possible) keep one: the other
        # row is then decided the long way, which is never wrong.
        wanted = {key: (check, memo) for memo in memos for key, check in (_MEMO.unpack(memo),)}
        anti = ""
        if excluding is not None:
            anti = f" AND a.ident NOT IN (SELECT ident FROM temp.{excluding})"
        # Read from the index alone (it holds all four): the hot path of a re-sync.
        query = (
            "SELECT a.memo_key, a.memo_check, a.ident, a.applied_at FROM json_each(?) AS j "
            f"JOIN applied AS a INDEXED BY applied_memo ON a.memo_key = j.value{anti}"
        )
        found: dict[bytes, MemoHit] = {}
        short = list(wanted)
        for start in range(0, len(short), 4 * _BATCH):
            chunk = json.dumps(short[start : start + 4 * _BATCH])
            for key, check, ident, applied_at in self._db.execute(query, (chunk,)):
                expected, memo = wanted[key]
                if check == expected:  # all 128 bits of the memo match
                    found[memo] = (ident, applied_at)
        return found

    def holders(self, keys: Iterable[int]) -> dict[int, tuple[int, ...]]:
        """The identities held that name any of ``keys``, each with its identifiers' digests."""
        wanted = json.dumps(list(dict.fromkeys(keys)))
        return {
            ident: _unpack_keys(packed)
            for ident, packed in self._db.execute(
                "SELECT a.ident, a.keys FROM applied AS a WHERE a.ident IN "
                "(SELECT m.ident FROM json_each(?) AS j JOIN members AS m ON m.key = j.value)",
                (wanted,),
            )
        }

    def profiles(self) -> int:
        """How many identities the state holds."""
        return int(self._db.execute("SELECT COUNT(*) FROM applied").fetchone()[0])

    # ---- writing

    def forget(self, keys: Iterable[int]) -> dict[int, tuple[int, ...]]:
        """Drop every identity that names any of ``keys`` (call it before sending a request
        with those identifiers: until its outcome is recorded, nothing is known to be
        applied); returns what was dropped, as :meth:`holders` does. One commit."""
        with self._transaction():
            dropped = self.holders(keys)
            self._drop(dropped)
        return dropped

    def _drop(self, holders: Mapping[int, Sequence[int]]) -> None:
        if not holders:
            return
        idents = json.dumps(list(holders))
        self._db.execute(
            "DELETE FROM applied WHERE ident IN (SELECT value FROM json_each(?))", (idents,)
        )
        members = json.dumps([key for keys in holders.values() for key in keys])
        self._db.execute(
            "DELETE FROM members WHERE key IN (SELECT value FROM json_each(?))", (members,)
        )

    def record(self, applied: Iterable[tuple[SyncEntry, float]]) -> int:
        """Record requests known to be applied, each with when (Unix seconds), in the order
        they were applied: each replaces every identity that shares an identifier with it.
        Idempotent. Returns how many were recorded."""
        count = 0
        with self._transaction():
            batch: list[tuple[SyncEntry, float]] = []
            seen: set[int] = set()
            for entry, when in applied:
                if seen.intersection(entry.keys) or len(batch) >= _BATCH:
                    # Two entries of one batch sharing an identifier: the later must replace
                    # the earlier, so the earlier is written first.
                    self._record_batch(batch)
                    batch, seen = [], set()
                batch.append((entry, when))
                seen.update(entry.keys)
                count += 1
            self._record_batch(batch)
        return count

    def _record_batch(self, batch: Sequence[tuple[SyncEntry, float]]) -> None:
        if not batch:
            return
        self._drop(self.holders(key for entry, _ in batch for key in entry.keys))
        self._db.executemany(
            "INSERT OR REPLACE INTO applied "
            "(ident, digest, memo_key, memo_check, keys, applied_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                (
                    entry.ident,
                    entry.digest,
                    *((None, None) if entry.memo is None else _memo_ints(entry.memo)),
                    _pack_keys(entry.keys),
                    int(when),
                )
                for entry, when in batch
            ),
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO members (key, ident) VALUES (?, ?)",
            ((key, entry.ident) for entry, _ in batch for key in entry.keys),
        )

    # ---- runs and owners

    def meta(self, key: str) -> str | None:
        """A value of the state's ``meta`` table (``id``, ``run``, ``owner``...)."""
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    def begin_run(self, owner: str) -> str:
        """Note a new run by ``owner`` (shown to another process refused the state); returns
        its token. Outcomes of an earlier run are recorded only while its token is the last
        (see :mod:`~klaviyo_profiles.cli.importer.changed_only`)."""
        token = uuid.uuid4().hex
        with self._transaction():
            set_meta(self._db, "run", token)
            set_meta(self._db, "owner", owner)
        return token

    @staticmethod
    def owner_of(path: Path) -> str | None:
        """The process noted in the state at ``path`` as using it, if it can be read."""
        return owner_of(path)

    # ---- temporary tables (a dry run's bookkeeping, on disk so memory stays flat)

    def scratch(self, name: str) -> None:
        """Create the temporary table ``name`` of identities (or identifiers), if missing."""
        self._db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (ident INTEGER PRIMARY KEY)")

    def scratch_add(self, name: str, values: Iterable[int]) -> None:
        """Add ``values`` to the temporary table ``name``."""
        self._db.executemany(
            f"INSERT OR IGNORE INTO temp.{name} (ident) VALUES (?)", ((value,) for value in values)
        )

    def scratch_has(self, name: str, values: Iterable[int]) -> set[int]:
        """Which of ``values`` the temporary table ``name`` holds."""
        wanted = json.dumps(list(dict.fromkeys(values)))
        return {
            int(value)
            for (value,) in self._db.execute(
                f"SELECT t.ident FROM json_each(?) AS j JOIN temp.{name} AS t ON t.ident = j.value",
                (wanted,),
            )
        }

    # ---- housekeeping

    def begin(self) -> None:
        """Hold what is forgotten and recorded from now on in one transaction, until
        :meth:`commit` (lookups see it already): a call commits before each request leaves,
        not after every row."""
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        """Commit what :meth:`begin` held (nothing when no transaction is open)."""
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    def rollback(self) -> None:
        """Drop what :meth:`begin` held (nothing when no transaction is open)."""
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        if self._db.in_transaction:  # inside begin(): commit() ends it
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def begin_call(self) -> None:
        """Mark the state used by one call; :class:`SyncStateInUseError` when another call
        uses it, or it is closed."""
        if self._closed:
            raise SyncStateError(f"the state file {self.path} is closed")
        if self._in_call:
            raise SyncStateInUseError(
                f"the state file {self.path} is in use by another call of this process; "
                "wait for it to end (two calls on one state could each skip what the other "
                "sends)"
            )
        self._in_call = True

    def end_call(self) -> None:
        """The call that :meth:`begin_call` marked has ended."""
        self._in_call = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Commit what is held, close the file and let go of it."""
        if self._closed:
            return
        self._closed = True
        try:
            with contextlib.suppress(sqlite3.Error):  # what is not committed is sent again
                self.commit()
            self._db.close()
        finally:
            if self._hold is not None:
                release_file(self._hold)

    def __enter__(self) -> SyncState:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SyncState(path={str(self.path)!r}, account={self.account!r})"


def _check_resend_after(value: object) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InvalidInputError("resend_after", "a positive number of seconds, or None")
    return float(value)
