"""The import journal: one SQLite row per input row, so an import can resume after a crash.

Each input row is keyed by its row number and a hash of its content (plus the settings that
shape the request, see :func:`row_hash`). Outcomes are committed one by one in WAL mode, so a
``kill -9`` loses at most the rows whose responses had not yet been recorded.

**Exactly once, and its one exception.** A row is recorded as done only *after* its response
arrived. On a re-run, rows recorded as done (or rejected for good) are skipped, so no row is
ever sent again after it was journalled. A row that was in flight when the process died has no
record and is sent again; because Create or Update Profile is an upsert keyed by the profile's
identifiers, that repeat finds the profile the first attempt created and is answered 200
(``updated``) instead of creating a second one.

**Bulk import jobs** (schema 3, 4). A row sent in a job has no outcome until the job
completes, so the journal records the job first. Before a job is asked for, its rows (number,
content hash, the row as read) are committed as an *intent* in state ``starting``, under a
local token; right after the server accepts the job (202) one transaction puts the job's id in
place of the token and marks it ``running``. When the job completes, every row's outcome
(imported, or rejected with its import error, or failed when the job was cancelled) is
committed in one transaction that also marks the job finished. On a restart, jobs still marked
running are resumed by polling their ids and never submitted again.

An intent still ``starting`` at a restart (the process died while the job was being asked
for), or marked ``unsure`` (the request failed in a way that may have created the job: a
timeout, an answer lost, a 5xx), may or may not exist at the server, and the bulk endpoint
has no idempotency key to ask. Its rows never go in another job: they are sent one by one
through Create or Update Profile (:meth:`Journal.doubtful_rows`), whose upsert with the same
values is idempotent. An intent refused before any job exists (a 400, 413, 429, a failure to
connect) is dropped (:meth:`Journal.drop_intent`), and its rows may go in a job again.

**What a row applied** (schema 5). With ``--changed-only`` a row's outcome carries what the
sync state needs to remember it (``rows.sync``: its identity and request digest, see
:class:`~klaviyo_profiles.sync_state.SyncEntry`), written in the same statement as the
outcome (and copied from ``job_rows.sync`` when its job ends), so the journal never says a
row was applied without saying what it applied. The state is brought up to date from these
rows (:meth:`Journal.unsynced`, then :meth:`Journal.mark_synced`) at the end of a run and at
the start of the next; see :mod:`.importer.changed_only`.

Durability: ``synchronous=NORMAL`` in WAL mode survives the death of the process (the OS still
holds the written pages); only a power failure could lose the last few commits, which again
means re-sending a few idempotent upserts.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

__all__ = [
    "DONE_STATES",
    "DOUBTFUL_STATES",
    "FINAL_STATES",
    "JOURNAL_APPLICATION_ID",
    "JobRow",
    "Journal",
    "JournalEntry",
    "JournalError",
    "Outcome",
    "check_journal_kind",
    "row_hash",
    "row_hasher",
]

#: ``created``/``updated``: the server answered 201/200. ``imported``: applied by a bulk import
#: job that completed with no import error for the row (a job does not say whether it created
#: or updated the profile). ``rejected``: failed for good (bad input, 4xx, an import error);
#: re-running would fail the same way unless the row changes. ``failed``: gave up after retries
#: (429, 5xx, connection errors, a cancelled job); a re-run tries again.
Outcome = Literal["created", "updated", "imported", "rejected", "failed"]
DONE_STATES: frozenset[str] = frozenset({"created", "updated", "imported"})
#: Rows a re-run does not send again.
FINAL_STATES: frozenset[str] = DONE_STATES | {"rejected"}

#: 2: rows carry the generation of the input file they were checked against (``gen``).
#: 3: bulk import jobs (``jobs``, ``job_rows``) and the job that applied a row (``rows.job_id``).
#: 4: job intents (``starting``, ``unsure``) recorded before a job is asked for; a version
#: that does not know them would put their rows in another job, so it must refuse the journal.
#: 5: what a row applied (``rows.sync``, ``rows.synced``, ``job_rows.sync``), for the sync state;
#: a version that does not know it would record rows as done without it.
#: Journals of schema 1 to 4 are migrated in place when opened (they hold no intent or sync).
_SCHEMA_VERSION = 5

#: A job's state in the journal: ``starting`` from just before its request until the 202
#: (under a local token, no id known), ``unsure`` when the request failed in a way that may
#: have created it, ``running`` from its 202 until its rows' outcomes are recorded, then the
#: status the server reported (``complete``, ``cancelled``) or ``lost`` (the server no longer
#: knows the id).
JobState = Literal["starting", "unsure", "running", "complete", "cancelled", "lost"]

#: Intents whose job may or may not exist: their rows go one by one, never in another job.
DOUBTFUL_STATES: tuple[str, ...] = ("starting", "unsure")

#: Local tokens of intents start with this (a job id the server gives never does).
INTENT_PREFIX = "intent:"


class JournalError(Exception):
    """The journal cannot be used (not a journal, a newer schema, cannot be written)."""


#: The journal's mark in the SQLite file header (``PRAGMA application_id``, "KPJr"), set when
#: a journal is created or upgraded: only a database carrying it, or one whose tables are
#: exactly those of an older journal (below), is taken for a journal.
JOURNAL_APPLICATION_ID = 0x4B504A72

#: Schemas written before the mark existed, and the tables (with their columns) they had:
#: such a file is recognised by those tables exactly, then marked and upgraded in place.
_UNMARKED_SCHEMAS = range(1, 5)
_ROW_COLUMNS = frozenset(
    {
        "row",
        "hash",
        "status",
        "http_status",
        "profile_id",
        "error",
        "original",
        "attempts",
        "finished",
    }
)
_UNMARKED_TABLES: dict[str, tuple[frozenset[str], ...]] = {
    "meta": (frozenset({"key", "value"}),),
    # Schema 1; 2 added ``gen``; 3 added ``job_id``.
    "rows": (_ROW_COLUMNS, _ROW_COLUMNS | {"gen"}, _ROW_COLUMNS | {"gen", "job_id"}),
    "jobs": (frozenset({"job_id", "seq", "state", "size", "failed", "submitted", "finished"}),),
    "job_rows": (frozenset({"job_id", "position", "row", "hash", "original"}),),
}


def check_journal_kind(db: sqlite3.Connection, path: Path) -> int | None:
    """The schema of the journal ``db`` holds (``None``: an empty database, a journal to
    create); raises :class:`JournalError` when it is some other database, a journal of a
    newer schema, or one whose schema cannot be read. Reads only."""
    mark = int(db.execute("PRAGMA application_id").fetchone()[0])
    objects = db.execute(
        "SELECT type, name FROM sqlite_master WHERE type != 'index' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\'"
    ).fetchall()
    if mark == 0 and not objects:
        return None
    not_a_journal = JournalError(f"{path} is an SQLite database, but not an import journal")
    if mark not in (0, JOURNAL_APPLICATION_ID):
        raise not_a_journal  # another application's database
    tables = {name for kind, name in objects if kind == "table"}
    if mark == 0 and (len(tables) < len(objects) or not _unmarked_journal(db, tables)):
        raise not_a_journal  # never add tables to some other database
    found = (
        db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if "meta" in tables
        else None
    )
    if (
        found is None
        and mark == JOURNAL_APPLICATION_ID
        and not any(db.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() for table in tables)
    ):
        return None  # marked, then stopped before its tables were made: nothing recorded
    text = str(found[0]) if found is not None else ""
    version = int(text) if text.isascii() and text.isdigit() else 0
    if mark == 0 and version not in _UNMARKED_SCHEMAS:
        raise not_a_journal
    if version > _SCHEMA_VERSION:
        raise JournalError(
            f"{path} was written by a newer klaviyo-profiles (journal schema {version}, "
            f"this one reads {_SCHEMA_VERSION}); use that version, or another --journal"
        )
    if version < 1:
        raise JournalError(
            f"{path} is an import journal whose schema cannot be read ({text[:20]!r}); "
            "pass another --journal"
        )
    return version


def _unmarked_journal(db: sqlite3.Connection, tables: set[str]) -> bool:
    """Whether ``tables`` are exactly those of a journal written before the mark existed."""
    if not {"meta", "rows"} <= tables <= set(_UNMARKED_TABLES):
        return False
    for table in tables:
        columns = frozenset(row[1] for row in db.execute(f'PRAGMA table_info("{table}")'))
        if columns not in _UNMARKED_TABLES[table]:
            return False
    return True


def row_hash(settings: str, content: str) -> str:
    """A short digest of a row's content and of the settings that turn it into a request.

    Folding the settings in (mapping, null token, format, additional fields) means a re-run
    with different settings sends every row again rather than trusting outcomes of a
    different request.
    """
    digest = hashlib.blake2b(digest_size=12)
    digest.update(settings.encode())
    digest.update(b"\x00")
    digest.update(content.encode())
    return digest.hexdigest()


def row_hasher(settings: str) -> Callable[[str], str]:
    """:func:`row_hash` with ``settings`` fixed, faster for many rows (the settings, which
    hold the CSV header, are digested once)."""
    prefix = hashlib.blake2b(digest_size=12)
    prefix.update(settings.encode())
    prefix.update(b"\x00")

    def digest(content: str) -> str:
        running = prefix.copy()
        running.update(content.encode())
        return running.hexdigest()

    return digest


@dataclass(frozen=True)
class JournalEntry:
    """One recorded outcome."""

    row: int
    hash: str
    status: str
    http_status: int | None
    profile_id: str | None
    error: str | None
    original: str | None
    finished: float


@dataclass(frozen=True)
class JobRow:
    """One input row sent in a bulk import job, at ``position`` in the job's request."""

    position: int
    row: int
    hash: str
    original: str


class Journal:
    """An SQLite journal of import outcomes (stdlib ``sqlite3``; one connection, one thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        #: Which version of the input file this run reads (see :meth:`check_input`).
        self.generation = 1
        self._input_changed = False
        #: Whether :meth:`mark_sent` was called in this run.
        self.marked = False
        self._links_ready = False
        self._next_group = 0
        try:
            # isolation_level=None: autocommit, every statement is its own transaction, which
            # is the "committed per outcome" guarantee; no long transaction to lose on a crash.
            self._db = sqlite3.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open the journal {path}: {exc}") from None
        try:
            self._prepare()
        except sqlite3.OperationalError as exc:
            self._db.close()
            raise JournalError(f"cannot write the journal {path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise JournalError(f"{path} is not an import journal ({exc})") from None
        except JournalError:
            self._db.close()
            raise

    def _prepare(self) -> None:
        # Checked before anything is written: a database that is not a journal, or a newer
        # journal, is left as it was.
        check_journal_kind(self._db, self.path)
        self._db.execute(f"PRAGMA application_id = {JOURNAL_APPLICATION_ID}")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA cache_size=-512")
        self._db.execute("PRAGMA temp.cache_size=-512")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS rows (
                row INTEGER PRIMARY KEY,
                hash TEXT NOT NULL,
                status TEXT NOT NULL,
                http_status INTEGER,
                profile_id TEXT,
                error TEXT,
                original TEXT,
                attempts INTEGER,
                finished REAL NOT NULL,
                gen INTEGER NOT NULL DEFAULT 1,
                job_id TEXT,
                sync BLOB,
                synced INTEGER NOT NULL DEFAULT 0
            )"""
        )
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(rows)")}
        if "gen" not in columns:  # schema 1
            self._db.execute("ALTER TABLE rows ADD COLUMN gen INTEGER NOT NULL DEFAULT 1")
        if "job_id" not in columns:  # schema 1 or 2: rows sent one by one, no job
            self._db.execute("ALTER TABLE rows ADD COLUMN job_id TEXT")
        if "sync" not in columns:  # schema 1 to 4: nothing for a sync state
            self._db.execute("ALTER TABLE rows ADD COLUMN sync BLOB")
        if "synced" not in columns:
            self._db.execute("ALTER TABLE rows ADD COLUMN synced INTEGER NOT NULL DEFAULT 0")
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS jobs (
                job_id TEXT PRIMARY KEY,
                seq INTEGER NOT NULL,
                state TEXT NOT NULL,
                size INTEGER NOT NULL,
                failed INTEGER,
                submitted REAL NOT NULL,
                finished REAL
            )"""
        )
        # The rows of each job; ``original`` (for the reject file) is dropped once the job's
        # outcomes are in ``rows``, the rest stays as the record of which job carried a row.
        self._db.execute(
            """CREATE TABLE IF NOT EXISTS job_rows (
                job_id TEXT NOT NULL,
                position INTEGER NOT NULL,
                row INTEGER NOT NULL,
                hash TEXT NOT NULL,
                original TEXT,
                sync BLOB,
                PRIMARY KEY (job_id, position)
            )"""
        )
        if "sync" not in {row[1] for row in self._db.execute("PRAGMA table_info(job_rows)")}:
            self._db.execute("ALTER TABLE job_rows ADD COLUMN sync BLOB")
        self._set_meta("schema_version", str(_SCHEMA_VERSION))
        self.generation = int(self._meta("generation") or 1)

    def _meta(self, key: str) -> str | None:
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # ---- the input file and the process using the journal

    def check_input(self, identity: str) -> bool:
        """Record which input file this run reads; ``True`` if it differs from the last run's.

        When the file changed, this run starts a new generation: rows are still skipped when
        their content (and so their request) is unchanged, but outcomes of rows this run
        does not reach again (it was interrupted) no longer count as the file's, so the
        reject file never lists an old file's rows under the new file's header.
        """
        known = self._meta("input")
        changed = known is not None and known != identity
        if changed:
            self.generation += 1
            self._set_meta("generation", str(self.generation))
        self._set_meta("input", identity)
        self._input_changed = changed
        return changed

    def noted(self, key: str) -> str | None:
        """A value noted with :meth:`note` (``None`` when there is none)."""
        return self._meta(f"note:{key}")

    def note(self, key: str, value: str) -> None:
        """Keep ``value`` under ``key`` in the journal (e.g. which sync state run used it)."""
        self._set_meta(f"note:{key}", value)

    def claim(self, owner: str) -> None:
        """Note which process runs the import (shown to a second one, which is refused)."""
        self._set_meta("owner", owner)

    @staticmethod
    def owner_of(path: Path) -> str | None:
        """The process noted by :meth:`claim` in the journal at ``path``, if it can be read."""
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

    # ---- lookups

    def status(self, row: int, content_hash: str, *, current: bool = False) -> str | None:
        """The recorded outcome of ``row`` if its content is unchanged, else ``None``
        (``current``: only an outcome checked against this run's input file)."""
        found = self._db.execute(
            "SELECT hash, status, gen FROM rows WHERE row = ?", (row,)
        ).fetchone()
        if found is None or found[0] != content_hash:
            return None
        if current and found[2] != self.generation:
            return None
        return str(found[1])

    def entries(
        self,
        statuses: frozenset[str] | set[str] | None = None,
        *,
        up_to: int | None = None,
        current: bool = False,
    ) -> Iterator[JournalEntry]:
        """Recorded outcomes in row order, streamed from the database.

        ``current``: only rows checked against the input file of this run's generation.
        """
        query = (
            "SELECT row, hash, status, http_status, profile_id, error, original, finished FROM rows"
        )
        clauses: list[str] = []
        params: list[object] = []
        if statuses is not None:
            clauses.append(f"status IN ({','.join('?' * len(statuses))})")
            params.extend(sorted(statuses))
        if up_to is not None:
            clauses.append("row <= ?")
            params.append(up_to)
        if current:
            clauses.append("gen = ?")
            params.append(self.generation)
        if clauses:
            query += " WHERE " + " AND ".join(clauses)
        # A second connection, so callers may record outcomes while iterating.
        reader = sqlite3.connect(str(self.path))
        try:
            for item in reader.execute(query + " ORDER BY row", params):
                yield JournalEntry(*item)
        finally:
            reader.close()

    def count(self, statuses: frozenset[str] | set[str], *, up_to: int | None = None) -> int:
        """How many rows have one of ``statuses``."""
        query = f"SELECT COUNT(*) FROM rows WHERE status IN ({','.join('?' * len(statuses))})"
        params: list[object] = [*sorted(statuses)]
        if up_to is not None:
            query += " AND row <= ?"
            params.append(up_to)
        return int(self._db.execute(query, params).fetchone()[0])

    # ---- recording

    def record(
        self,
        row: int,
        content_hash: str,
        status: Outcome,
        *,
        http_status: int | None = None,
        profile_id: str | None = None,
        error: str | None = None,
        original: str | None = None,
        attempts: int | None = None,
        sync: bytes | None = None,
    ) -> None:
        """Commit one row's outcome (replacing an outcome recorded for older content), with
        ``sync``, what the row's request would apply (for the sync state)."""
        self._db.execute(
            "INSERT OR REPLACE INTO rows (row, hash, status, http_status, profile_id, error, "
            "original, attempts, finished, gen, sync) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row,
                content_hash,
                status,
                http_status,
                profile_id,
                error,
                original,
                attempts,
                time.time(),
                self.generation,
                sync,
            ),
        )

    def unsynced(self) -> Iterator[tuple[int, str, bytes, float]]:
        """``(row, status, sync, finished)`` of every outcome that tells the sync state
        something it has not taken yet, in row order (the order a profile's rows were applied
        in), streamed: a good one (applied), or ``failed`` (it may have been applied)."""
        states = sorted(DONE_STATES | {"failed"})
        reader = sqlite3.connect(str(self.path))
        try:
            yield from reader.execute(
                "SELECT row, status, sync, finished FROM rows WHERE synced = 0 "
                f"AND sync IS NOT NULL AND status IN ({','.join('?' * len(states))}) "
                "ORDER BY row",
                states,
            )
        finally:
            reader.close()

    def mark_synced(self) -> None:
        """Every outcome's ``sync`` was taken by the state (or dropped)."""
        self._db.execute("UPDATE rows SET synced = 1 WHERE synced = 0 AND sync IS NOT NULL")

    def touch(self, row: int) -> None:
        """Mark a skipped row as checked against this run's input file (no-op if unchanged)."""
        if self._input_changed:
            self._db.execute("UPDATE rows SET gen = ? WHERE row = ?", (self.generation, row))

    def last_row(self) -> int:
        """The highest row number with a recorded outcome (0 for a new journal)."""
        return int(self._db.execute("SELECT COALESCE(MAX(row), 0) FROM rows").fetchone()[0])

    def mark_sent(self, keys: Iterable[str]) -> None:
        """Remember, for this run only, identities of a row sent again or for the first time.

        Kept in a temporary table (on disk, like the journal) so that memory stays flat
        however many rows a resumed run sends.
        """
        if not self.marked:
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS sent_keys (key TEXT PRIMARY KEY)")
            self.marked = True
        self._db.executemany(
            "INSERT OR IGNORE INTO temp.sent_keys (key) VALUES (?)", [(key,) for key in keys]
        )

    def any_sent(self, keys: Collection[str]) -> bool:
        """Whether :meth:`mark_sent` saw any of ``keys`` in this run."""
        if not keys or not self.marked:
            return False
        found = self._db.execute(
            f"SELECT 1 FROM temp.sent_keys WHERE key IN ({','.join('?' * len(keys))}) LIMIT 1",
            list(keys),
        ).fetchone()
        return found is not None

    def link_identities(self, keys: Collection[str]) -> list[int]:
        """Join ``keys`` (one row's identifiers) into one group of this run; the groups touched.

        Identifiers named together by any row so far belong to one group (a union of sets,
        kept in a temporary table so that memory stays flat), so rows that name one profile
        by different identifiers (an email here, a phone number there) are still ordered.
        Returns the groups the keys were in before this row (now merged) and the group they
        are in after it.
        """
        if not self._links_ready:
            self._db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS links (key TEXT PRIMARY KEY, grp INTEGER NOT NULL)"
            )
            self._db.execute("CREATE INDEX IF NOT EXISTS temp.links_grp ON links (grp)")
            self._links_ready = True
        found = dict(
            self._db.execute(
                f"SELECT key, grp FROM temp.links WHERE key IN ({','.join('?' * len(keys))})",
                list(keys),
            ).fetchall()
        )
        groups = {int(group) for group in found.values()}
        if groups:
            target = min(groups)
        else:
            self._next_group += 1
            target = self._next_group
        others = sorted(groups - {target})
        if others:
            self._db.execute(
                f"UPDATE temp.links SET grp = ? WHERE grp IN ({','.join('?' * len(others))})",
                [target, *others],
            )
        new = [(key, target) for key in keys if key not in found]
        if new:
            self._db.executemany("INSERT INTO temp.links (key, grp) VALUES (?, ?)", new)
        return sorted(groups | {target})

    # ---- bulk import jobs

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        # The connection autocommits each statement; a job and its rows are one commit.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def begin_job(
        self, rows: Sequence[tuple[int, str, str]], syncs: Sequence[bytes | None] | None = None
    ) -> str:
        """Commit the intent to start a job with ``rows`` ``(row, hash, original)`` in the
        order of its request (``syncs``: what each applies, for the sync state), in state
        ``starting``, before the request is sent; returns the intent's local token (for
        :meth:`record_job`, :meth:`drop_intent`, :meth:`doubt_intent`)."""
        token = f"{INTENT_PREFIX}{uuid.uuid4().hex}"
        self._insert_job(token, "starting", rows, syncs or [None] * len(rows))
        return token

    def record_job(self, token: str, job_id: str) -> None:
        """The server accepted the intent ``token`` as job ``job_id`` (its 202): the id
        replaces the token, with the job ``running``, in one commit, before any polling."""
        with self._transaction():
            updated = self._db.execute(
                "UPDATE jobs SET job_id = ?, state = 'running', submitted = ? "
                "WHERE job_id = ? AND state = 'starting'",
                (job_id, time.time(), token),
            ).rowcount
            if updated != 1:
                raise sqlite3.IntegrityError(f"no job intent {token} to record")
            self._db.execute("UPDATE job_rows SET job_id = ? WHERE job_id = ?", (job_id, token))

    def drop_intent(self, token: str) -> None:
        """The intent's request was refused before any job existed: forget it, so its rows
        may go in a job again."""
        with self._transaction():
            self._db.execute("DELETE FROM job_rows WHERE job_id = ?", (token,))
            self._db.execute(
                "DELETE FROM jobs WHERE job_id = ? AND state IN ('starting', 'unsure')", (token,)
            )

    def doubt_intent(self, token: str) -> None:
        """The intent's request failed where the job may exist: mark it ``unsure`` (its rows
        go one by one, in this run or the next, never in another job)."""
        self._db.execute(
            "UPDATE jobs SET state = 'unsure', finished = ? WHERE job_id = ?", (time.time(), token)
        )

    def doubtful_rows(self) -> set[int]:
        """Row numbers of intents whose job may or may not exist (``starting`` from a run
        that died, ``unsure``): they must never go in another job."""
        return {
            int(row)
            for (row,) in self._db.execute(
                "SELECT job_rows.row FROM job_rows JOIN jobs USING (job_id) "
                f"WHERE jobs.state IN ({','.join('?' * len(DOUBTFUL_STATES))})",
                DOUBTFUL_STATES,
            )
        }

    def _insert_job(
        self,
        job_id: str,
        state: JobState,
        rows: Sequence[tuple[int, str, str]],
        syncs: Sequence[bytes | None],
    ) -> None:
        with self._transaction():
            seq = int(self._db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs").fetchone()[0])
            self._db.execute(
                "INSERT INTO jobs (job_id, seq, state, size, submitted) VALUES (?, ?, ?, ?, ?)",
                (job_id, seq, state, len(rows), time.time()),
            )
            self._db.executemany(
                "INSERT INTO job_rows (job_id, position, row, hash, original, sync) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (job_id, position, row, content_hash, original, sync)
                    for position, ((row, content_hash, original), sync) in enumerate(
                        zip(rows, syncs, strict=True)
                    )
                ),
            )

    def running_jobs(self) -> list[str]:
        """Ids of jobs accepted but whose outcomes are not recorded yet, oldest first."""
        return [
            str(job_id)
            for (job_id,) in self._db.execute(
                "SELECT job_id FROM jobs WHERE state = 'running' ORDER BY seq"
            )
        ]

    def job_rows(self, job_id: str) -> list[JobRow]:
        """The rows of a job, in the order of its request."""
        return [
            JobRow(int(position), int(row), str(content_hash), str(original or ""))
            for position, row, content_hash, original in self._db.execute(
                "SELECT position, row, hash, original FROM job_rows WHERE job_id = ? "
                "ORDER BY position",
                (job_id,),
            )
        ]

    def finish_job(
        self,
        job_id: str,
        state: JobState,
        *,
        errors: Mapping[int, str],
        default: tuple[Outcome, str | None] = ("imported", None),
    ) -> dict[Outcome, int]:
        """Commit the outcome of every row of a finished job, and the job's state, at once.

        ``errors`` maps a position in the job to its import error (the row is ``rejected``);
        the other rows get ``default`` (``imported``, or ``failed`` with a reason when the
        job was cancelled or lost). A job already finished is left as it is. Returns how
        many rows got each outcome.
        """
        counts: dict[Outcome, int] = {}
        status, reason = default
        with self._transaction():
            found = self._db.execute(
                "SELECT state FROM jobs WHERE job_id = ?", (job_id,)
            ).fetchone()
            if found is None or found[0] != "running":
                return counts
            now = time.time()
            # In one statement over the job's rows, so a job of 10,000 rows is never a list
            # of 10,000 records in memory (jobs complete while the next ones are filled).
            self._db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS job_errors "
                "(position INTEGER PRIMARY KEY, error TEXT NOT NULL)"
            )
            self._db.execute("DELETE FROM temp.job_errors")
            self._db.executemany(
                "INSERT OR REPLACE INTO temp.job_errors (position, error) VALUES (?, ?)",
                errors.items(),
            )
            keep_default = status in ("rejected", "failed")
            self._db.execute(
                "INSERT OR REPLACE INTO rows (row, hash, status, error, original, finished, "
                "gen, job_id, sync) "
                "SELECT jr.row, jr.hash, "
                "CASE WHEN e.error IS NULL THEN ? ELSE 'rejected' END, "
                "CASE WHEN e.error IS NULL THEN ? ELSE e.error END, "
                "CASE WHEN e.error IS NULL AND NOT ? THEN NULL ELSE jr.original END, "
                "?, ?, ?, "
                "jr.sync "
                "FROM job_rows AS jr LEFT JOIN temp.job_errors AS e ON e.position = jr.position "
                "WHERE jr.job_id = ?",
                (
                    status,
                    reason,
                    keep_default,
                    now,
                    self.generation,
                    job_id,
                    job_id,
                ),
            )
            total, rejected = self._db.execute(
                "SELECT COUNT(*), COUNT(e.error) FROM job_rows AS jr "
                "LEFT JOIN temp.job_errors AS e ON e.position = jr.position WHERE jr.job_id = ?",
                (job_id,),
            ).fetchone()
            if rejected:
                counts["rejected"] = int(rejected)
            if total - rejected:
                counts[status] = counts.get(status, 0) + int(total - rejected)
            self._db.execute("DELETE FROM temp.job_errors")
            self._db.execute(
                "UPDATE jobs SET state = ?, failed = ?, finished = ? WHERE job_id = ?",
                (state, len(errors), now, job_id),
            )
            self._db.execute(
                "UPDATE job_rows SET original = NULL, sync = NULL WHERE job_id = ?", (job_id,)
            )
        return counts

    def first_job_row(self, job_id: str) -> int | None:
        """The first input row of a job (the lowest row number), if it has any."""
        found = self._db.execute(
            "SELECT MIN(row) FROM job_rows WHERE job_id = ?", (job_id,)
        ).fetchone()
        return None if found is None or found[0] is None else int(found[0])

    def forget_after(self, last_row: int) -> None:
        """Drop outcomes of rows past the end of the file (it was shortened)."""
        self._db.execute("DELETE FROM rows WHERE row > ?", (last_row,))

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
