"""``import --changed-only``: send a row only when its request differs from what was last
applied for its profile on the account, as the sync state remembers it
(:mod:`klaviyo_profiles.sync_state`, one SQLite file per account).

**Deciding, fast.** Rows are read in batches of :data:`BATCH_ROWS`. For each row the filter
makes a *memo*: a digest of the row's content with the settings that shape its request (what
the journal's row hash digests), the pinned revision and this version. The state finds the
memos it holds for the whole batch in one statement: such a row is unchanged without its
request being built or even its identity read (:meth:`SyncState.by_memo`). Any other row's
identity is taken from its identifier cells (by the one identity rule,
:func:`~klaviyo_profiles.identity.identity_of_values`) and looked up; if the state holds that
identity, the row's request is built and compared by digest (canonical JSON of the resource
object, nulls included), so a new mapping that yields the same requests sends nothing. Only
rows whose input changed pay for building a request.

**Sending.** Before a batch's rows to send are handed on, every identity in the state that
shares an identifier with them is forgotten, in one commit (:meth:`SyncState.forget`): until
an outcome is recorded nothing is known to be applied, so a crash, a timeout or a kill never
leaves a row recorded as sent that was not, and such a row is sent again by the next run. A
row sharing an identifier with an earlier row of this run that is sent is sent too (so the
file's last row for a profile still wins). The identities forgotten also link the row's lane
with their identifiers: rows that name one stored profile by different identifiers keep
their file order, as rows linked in the file do.

**Recording (the journal, then the state).** Each outcome is journalled with what the row
applied (``rows.sync``), and the state is brought up to date from the journal
(:mod:`.state_store`): a good outcome records the request, a ``failed`` one (which may have
been applied) forgets its identifiers once more.

Rows to send trickle in when most are left out, so the chunk for a job is started once it has
filled for :data:`CHUNK_WAIT` seconds (at most one job per 2 s of reading: far under the
job operation's 150 a minute), and jobs run while the file is still read.

**Under ``--via auto``** the small-file rule counts rows to send: the first
:data:`~.job_pipeline.SMALL_FILE_ROWS` rows to send are held (in memory, no more) until it
is known whether there are that many; fewer go one by one, as a small file does.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ...errors import InvalidInputError
from ...identity import IDENTIFIER_NAMES, identity_of, identity_of_values
from ...sync_state import (
    Applied,
    MemoHit,
    SyncEntry,
    SyncState,
)
from ..fields import resolve_target
from ..journal import row_hasher
from .failures import StateWriteError
from .import_settings import ChangeOptions, ImportSettings, ImportSummary
from .job_pipeline import SMALL_FILE_ROWS
from .row_mapping import RowMapper
from .sources import SourceRow

__all__ = [
    "BATCH_ROWS",
    "ChangeFilter",
    "ChangeHost",
    "Decision",
    "JournalVerdict",
    "Kind",
]

#: Rows decided together: one lookup in the state, one commit of what is forgotten.
BATCH_ROWS = 1024

#: Seconds the chunk for a job may fill before it is started: rows to send come slowly when
#: most are left out, and a job started early runs at the server while the file is read.
CHUNK_WAIT = 2.0

#: ``unchanged``: the state holds this row's request as the last applied to its identity.
#: ``stale``: so, but longer ago than ``--resend-after``. ``changed``: another request was
#: applied to the identity or one of its identifiers (or an earlier row of this run shares
#: one). ``new``: nothing known of any of its identifiers. ``check``: the row cannot be read
#: or names no identifier; the import rejects it as it would without ``--changed-only``.
Kind = Literal["unchanged", "stale", "changed", "new", "check"]

#: What the journal says of a row: ``settled`` (done or rejected in this input's run, skip
#: it), ``again`` (done, but must be sent again to stay last for its profile), ``open``.
JournalVerdict = Literal["settled", "again", "open"]

#: The identifier targets of a column, by wire name (``("attribute", "kx")`` is ``_kx``).
_WIRE_NAMES = {resolve_target(name): name for name in IDENTIFIER_NAMES}

#: A dry run's temporary tables: identities a run would forget, identifiers it would send.
_FORGOTTEN = "forgotten"
_SENDING = "sending"


@dataclass(slots=True)
class Decision:
    """What becomes of one row (see :data:`Kind`)."""

    row: SourceRow
    #: The journal's hash of the row (empty for a row left out: none is needed).
    content_hash: str
    kind: Kind
    #: Whether the row is sent (``--full`` sends unchanged rows too).
    send: bool = True
    #: The request body, when it was built to decide.
    body: dict[str, Any] | None = None
    #: What the row applies, journalled with its outcome.
    entry: SyncEntry | None = None
    #: The row's lane keys: its identifiers and those of the identities it replaces.
    link_keys: frozenset[str] | None = None
    #: (Dry run) an earlier row to send shares an identifier: it would go one by one.
    repeat: bool = False


@dataclass(slots=True)
class _Item:
    """A row whose input the state does not know: its identity, to look up."""

    row: SourceRow
    forced: bool
    memo: bytes
    keys: frozenset[str]
    ident: int
    key_ints: tuple[int, ...]
    body: dict[str, Any] | None


class ChangeHost(Protocol):
    """What the filter needs from the run it serves (the importer's run implements it)."""

    stopped: BaseException | None
    summary: ImportSummary
    last_row: int

    def content_hash(self, row: SourceRow) -> str:
        """The journal's hash of the row (content and the settings that shape its request)."""

    def journal_verdict(self, row: SourceRow) -> JournalVerdict:
        """What the journal says of the row (a settled row is counted by the run)."""

    async def route(self, row: SourceRow, decision: Decision | None = None) -> None:
        """Reject or send the row (with what the filter found)."""

    def stop(self, reason: BaseException) -> None:
        """Stop the run; the first reason is the one reported."""

    def counted(self) -> None:
        """The summary's counts changed."""

    async def start_waiting_jobs(self, seconds: float) -> None:
        """Start the chunk of rows for a job if it has been filling for ``seconds``."""


class ChangeFilter:
    """Decides which rows of a file to send (see the module); one per run."""

    def __init__(
        self,
        state: SyncState,
        settings: ImportSettings,
        mapper: RowMapper,
        header: Sequence[str] | None,
    ) -> None:
        options = settings.changes or ChangeOptions()
        self.state = state
        self.mapper = mapper
        self.full = options.full
        self.resend_after = options.resend_after
        self.dry_run = options.dry_run
        self.null_token = settings.null_token
        self.via = settings.via
        fingerprint = settings.fingerprint(header)
        #: The journal's row hash, and the memo: both fold in the settings (and the header).
        self.content_hash = row_hasher(fingerprint)
        self.memo = state.memo_hasher(fingerprint)
        #: CSV: the identifier columns and their wire names (``None``: JSON Lines, by record).
        self.columns: list[tuple[str, str]] | None = None
        if header is not None:
            self.columns = [
                (column, _WIRE_NAMES[target])
                for column in header
                if (target := mapper.target(column)) in _WIRE_NAMES
            ]
        if self.dry_run:
            state.scratch(_FORGOTTEN)
            state.scratch(_SENDING)
        self._forgot_any = False
        # --via auto: rows to send are held until SMALL_FILE_ROWS of them are seen.
        self._undecided = False
        self._held: list[Decision] = []

    # ---- a run

    async def read(self, rows: Iterable[SourceRow], host: ChangeHost) -> None:
        """Read ``rows`` in batches, decide each, and route those to send through ``host``."""
        self._undecided = host.summary.bulk and self.via == "auto"
        if self._undecided:
            host.summary.bulk = False
        batch: list[SourceRow] = []
        for row in rows:
            if host.stopped is not None:
                return
            host.last_row = row.number
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                await self._route(batch, host)
                batch = []
                await asyncio.sleep(0)  # let the jobs be polled
        if batch and host.stopped is None:
            await self._route(batch, host)
        if self._undecided and host.stopped is None:
            await self._settle(host, bulk=False)

    async def _route(self, batch: list[SourceRow], host: ChangeHost) -> None:
        candidates: list[tuple[SourceRow, bool]] = []
        for row in batch:
            verdict = host.journal_verdict(row)
            if host.stopped is not None:
                return
            if verdict != "settled":
                candidates.append((row, verdict == "again"))
        try:
            decisions = self.decide(candidates)
        except sqlite3.Error as exc:
            # Nothing of this batch was forgotten, so none of it may be sent.
            host.stop(StateWriteError(f"cannot use the state file {self.state.path}: {exc}"))
            return
        summary = host.summary
        for decision in decisions:
            if host.stopped is not None:
                return
            _count(summary, decision)
            if decision.kind == "check":
                await host.route(decision.row, decision)
            elif not decision.send:
                summary.processed += 1
            elif self._undecided:
                self._held.append(decision)
                if len(self._held) >= SMALL_FILE_ROWS:
                    await self._settle(host, bulk=True)
            else:
                await host.route(decision.row, decision)
        host.counted()
        await host.start_waiting_jobs(CHUNK_WAIT)

    async def _settle(self, host: ChangeHost, *, bulk: bool) -> None:
        """The small-file rule is decided: route the rows held so far."""
        self._undecided = False
        host.summary.bulk = bulk
        held, self._held = self._held, []
        for decision in held:
            if host.stopped is not None:
                return
            await host.route(decision.row, decision)

    # ---- deciding

    def decide(self, candidates: Sequence[tuple[SourceRow, bool]]) -> list[Decision]:
        """Decide a batch of rows ``(row, forced)`` in file order (``forced``: sent whatever
        the state says); rows to send have their identities forgotten in the state first
        (nothing is written in a dry run). Raises ``sqlite3.Error`` when the state cannot be
        read or written."""
        state = self.state
        excluding = _FORGOTTEN if self.dry_run and self._forgot_any else None
        memos = [self.memo(row.content) for row, _ in candidates]
        # Most rows: an input the state knows, found by its memo alone.
        known = {} if self.full else state.by_memo(memos, excluding=excluding)
        slots: list[_Item | Decision | MemoHit] = []
        for (row, forced), memo in zip(candidates, memos, strict=True):
            hit = known.get(memo)
            slots.append(
                hit if hit is not None and not forced else self._identify(row, forced, memo)
            )
        items = [slot for slot in slots if isinstance(slot, _Item)]
        held = state.lookup((item.ident for item in items), excluding=excluding)
        # Identities held that share an identifier with a row that may be sent.
        holders = state.holders(key for item in items for key in item.key_ints)
        owner = {key: ident for ident, keys in holders.items() for key in keys}
        now = time.time()
        # What the rows to send so far in this batch make known: the identities they replace
        # (a later row of one of those is sent too) and their identifiers. (Earlier batches'
        # are forgotten in the state already, or noted as forgotten in a dry run.)
        replaced: set[int] = set()
        sending: set[int] = set()
        decisions: list[Decision] = []
        to_send: list[Decision] = []
        for (row, forced), memo, slot in zip(candidates, memos, slots, strict=True):
            if isinstance(slot, tuple):  # a MemoHit: (identity, applied at)
                if slot[0] not in replaced and not self._due(slot[1], now):
                    decisions.append(Decision(row, "", "unchanged", send=False))
                    continue
                # Its identity is replaced by an earlier row (or due again): build it.
                found = self._identify(row, forced, memo)
                if isinstance(found, _Item):
                    held = {**held, **state.lookup([found.ident], excluding=excluding)}
                    owner.update((key, found.ident) for key in found.key_ints)
                slot = found
            if isinstance(slot, Decision):
                decisions.append(slot)
                continue
            decision = self._decide(slot, held, sending, now)
            decisions.append(decision)
            if decision.send and decision.entry is not None:
                to_send.append(decision)
                sending.update(decision.entry.keys)
                replaced.update(owner[key] for key in decision.entry.keys if key in owner)
        if to_send:
            self._forget(to_send)
        return decisions

    def _due(self, applied_at: int, now: float) -> bool:
        """Whether a request applied at ``applied_at`` is due again (``--resend-after``)."""
        return self.resend_after is not None and applied_at < now - self.resend_after

    def _identify(self, row: SourceRow, forced: bool, memo: bytes) -> _Item | Decision:
        """The row's identity (from its identifier cells, or from its request when the record
        is a whole document); a ``check`` decision when it has none."""
        record = row.record
        if record is None:
            return Decision(row, self.content_hash(row.content), "check")
        body: dict[str, Any] | None = None
        named = self._identifiers(record)
        if named is None:
            body = self._body(record)
            data = None if body is None else body.get("data")
            if not isinstance(data, Mapping):
                return Decision(row, self.content_hash(row.content), "check")
            keys = identity_of(data)
        else:
            keys = identity_of_values(named)
        if not keys:
            return Decision(row, self.content_hash(row.content), "check")
        ordered = sorted(keys)
        state = self.state
        return _Item(
            row,
            forced,
            memo,
            keys,
            state.ident_of(ordered),
            tuple(state.key_of(key) for key in ordered),
            body,
        )

    def _identifiers(self, record: Mapping[str, Any]) -> list[tuple[str, Any]] | None:
        """The row's identifier values by wire name, as its request would hold them (a null,
        or an empty cell, names nothing either way); ``None`` for a JSON:API document, or a
        column the import refuses (the request is built instead)."""
        if self.columns is not None:
            columns: Iterable[tuple[str, str]] = self.columns
        else:
            if set(record) == {"data"}:
                return None
            found: list[tuple[str, str]] = []
            for column in record:
                try:
                    target = self.mapper.target(column)
                except InvalidInputError:
                    return None
                if target in _WIRE_NAMES:
                    found.append((column, _WIRE_NAMES[target]))
            columns = found
        token = self.null_token
        return [
            (name, cell)
            for column, name in columns
            if (cell := record.get(column)) is not None and (token is None or cell != token)
        ]

    def _body(self, record: Mapping[str, Any]) -> dict[str, Any] | None:
        try:
            return self.mapper.body(record)
        except InvalidInputError:
            return None

    def _decide(
        self, item: _Item, held: Mapping[int, Applied], sending: set[int], now: float
    ) -> Decision:
        """Decide a row whose input the state does not know (or that must be sent): it may
        still make the request last applied (the mapping changed, not the request)."""
        state = self.state
        content_hash = self.content_hash(item.row.content)
        decision = Decision(item.row, content_hash, "new")
        applied = held.get(item.ident)
        if applied is not None:
            if self.full or sending.intersection(item.key_ints):
                decision.kind = "changed"
            elif applied.memo == item.memo:
                decision.kind = "unchanged"
            else:
                # The input differs: build the request and compare what would be sent.
                item.body = item.body or self._body(item.row.record or {})
                digest = self._digest(item.body)
                decision.kind = "unchanged" if digest == applied.digest else "changed"
            if decision.kind == "unchanged":
                if self._due(applied.applied_at, now):
                    decision.kind = "stale"
                elif not item.forced:
                    decision.send = False
                    return decision
                else:
                    decision.kind = "changed"  # sent again after an earlier row of its profile
        body = item.body or self._body(item.row.record or {})
        digest = self._digest(body)
        if body is None or digest is None:
            return Decision(item.row, content_hash, "check")
        ident, key_ints = item.ident, item.key_ints
        if not _same_identity(body, item.keys):
            # A column the request reads otherwise (never so far): its identity decides.
            ordered = sorted(identity_of(body["data"]))
            ident = state.ident_of(ordered)
            key_ints = tuple(state.key_of(key) for key in ordered)
        decision.body = body
        decision.entry = SyncEntry(ident, key_ints, digest, item.memo)
        return decision

    def _digest(self, body: Mapping[str, Any] | None) -> bytes | None:
        data = None if body is None else body.get("data")
        if not isinstance(data, Mapping):
            return None
        try:
            return self.state.digest(data)
        except (TypeError, ValueError):
            return None  # what JSON cannot carry: the client refuses it, naming the field

    def _forget(self, to_send: list[Decision]) -> None:
        """Forget (in a dry run: note) every identity sharing an identifier with a row to
        send, and give each row its lane keys."""
        state = self.state
        keys = [key for decision in to_send if decision.entry for key in decision.entry.keys]
        if self.dry_run:
            holders = state.holders(keys)
            repeated = state.scratch_has(_SENDING, keys)
            state.scratch_add(_SENDING, keys)
            if holders:
                state.scratch_add(_FORGOTTEN, holders)
                self._forgot_any = True
        else:
            holders = state.forget(keys)
            repeated = set()
        by_key = {key: ident for ident, held in holders.items() for key in held}
        seen: set[int] = set()
        for decision in to_send:
            entry = decision.entry
            if entry is None:
                continue
            owners = {by_key[key] for key in entry.keys if key in by_key}
            if decision.kind == "new" and owners:
                decision.kind = "changed"  # its identifiers were another identity's
            linked = set(entry.keys)
            for owner in owners:
                linked.update(holders[owner])
            decision.link_keys = frozenset(f"#{key:x}" for key in linked)
            decision.repeat = bool(
                repeated.intersection(entry.keys) or seen.intersection(entry.keys)
            )
            seen.update(entry.keys)


def _same_identity(body: Mapping[str, Any], keys: frozenset[str]) -> bool:
    data = body.get("data")
    return isinstance(data, Mapping) and identity_of(data) == keys


def _count(summary: ImportSummary, decision: Decision) -> None:
    if decision.kind == "check":
        return
    if not decision.send:
        summary.unchanged += 1
    elif decision.kind == "stale":
        summary.stale += 1
    elif decision.kind == "new":
        summary.new += 1
    else:
        summary.changed += 1
