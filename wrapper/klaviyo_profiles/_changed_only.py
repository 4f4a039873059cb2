"""``create_or_update_profiles(..., changed_only=state)`` (and the streaming form), written once
for both clients: send a row only when its request differs from what the
:class:`~klaviyo_profiles.sync_state.SyncState` says was last applied to its profile.

The windowed engine (:mod:`._hybrid`) decides nothing of this; a :class:`ChangeTracker` is
consulted by its coordinator and wraps its steps, so all of it runs in the call's coordinating
thread or task, one row at a time, in input order:

* **each row routed** (the engine's skip seam, :meth:`ChangeTracker.skip`): its identity (the
  one rule, :attr:`~klaviyo_profiles.PreparedProfile.identity`) and the digest of its request
  (the resource object as sent, canonical JSON, nulls included, with the client's pinned
  revision and any ``lists``). A row is *unchanged* when the state holds that digest for that
  identity, applied within ``resend_after``; it is settled with nothing sent
  (``ProfileOutcome.skipped``). Every other row is sent, and every identity the state holds
  that shares an identifier with it is forgotten first (so a later row of that profile is
  never found unchanged either). A row the engine holds back behind an unfinished earlier
  row of its profile is sent whatever it is, so it is forgotten the same way.
* **the effects** the engine yields (:meth:`ChangeTracker.steps`): what was forgotten is
  committed before any of them leaves (a request, a limiter slot, a sub-task), so nothing is
  ever sent while the state still says something else was last applied; a crash, a kill or
  an unknown outcome therefore leaves the row unknown, and the next call sends it again.
* **the outcomes** the engine hands on, in input order: a row sent and ``ok`` (a 2xx, or its
  job imported it without an import error) records its request, unless a later row in
  flight shares an identifier with it (that row's own outcome is what will be last). A row
  that failed, or was held back, records nothing; it was forgotten before it was sent.

Records and forgets are held in one transaction between requests (lookups see them), so the
state costs a few statements a row, never a commit a row.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from ._effects import Emit, Steps
from .errors import InvalidInputError
from .result import ProfileOutcome
from .sync_state import SyncEntry, SyncState, SyncStateError, digest_of

__all__ = ["ChangeTracker", "check_state"]

#: Good outcomes recorded together (their commit waits for the next request anyway).
_RECORD_BATCH = 512


def check_state(state: object, *, fingerprint: str, base_url: str) -> SyncState:
    """``changed_only=`` checked against the client making the call, before anything is
    sent: an open, writable :class:`SyncState` of the client's key and base URL
    (``InvalidInputError`` naming ``changed_only`` otherwise)."""
    if not isinstance(state, SyncState):
        raise InvalidInputError(
            "changed_only",
            "a SyncState (SyncState.open(path)) or None",
            f"got {type(state).__name__}",
        )
    if state.closed:
        raise InvalidInputError("changed_only", "an open SyncState", f"{state.path} is closed")
    if state.read_only:
        raise InvalidInputError(
            "changed_only", "a SyncState opened for writing", "it was opened read_only"
        )
    account = state.account
    if (account.fingerprint, account.base_url) != (fingerprint, base_url):
        raise InvalidInputError(
            "changed_only",
            "the state of this client's account (its key and base URL)",
            f"got the state of key {account.fingerprint} at {account.base_url}; this client "
            f"is key {fingerprint} at {base_url}",
        )
    return state


class ChangeTracker:
    """What one call with ``changed_only=`` decides and records (see the module)."""

    def __init__(self, state: SyncState, revision: str, lists: Sequence[str]) -> None:
        self.state = state
        #: The client's pinned revision, part of every digest: a new one sends every row once.
        self._revision = revision
        # Joining lists is part of what a job applies: other lists, another request.
        self._lists = sorted(lists)
        #: Rows to send not handed on yet: what each applies.
        self._pending: dict[int, SyncEntry] = {}
        #: Identifier digest -> the latest row in flight to send that names it (an earlier
        #: row's good outcome is not recorded while a later one is in flight: if the later one
        #: never settles, the state must not say the earlier request was last applied).
        self._last: dict[int, int] = {}
        self._records: list[tuple[SyncEntry, float]] = []

    # ---- each row routed

    def skip(self, index: int, encoded: bytes, identity: frozenset[str], *, blocked: bool) -> bool:
        """The engine's skip seam: whether the row is unchanged (never for a ``blocked`` one,
        which is sent after the earlier row of its profile); a row to send is forgotten in
        the state first."""
        entry = self._entry(encoded, identity)
        if entry is None:
            return False  # names no identity the state can keep: sent, never recorded
        state = self.state
        self._flush_records()  # a row handed on just now may be this one's last applied
        if not blocked:
            # An earlier row in flight that shares an identifier forgot this row's identity,
            # if held, so such a row is never found unchanged.
            held = state.applied(entry.ident)
            if held is not None and held.digest == entry.digest and not self._due(held.applied_at):
                return True
        if state.holders(entry.keys):
            state.begin()
            state.forget(entry.keys)
        self._pending[index] = entry
        for key in entry.keys:
            self._last[key] = index
        return False

    def _entry(self, encoded: bytes, identity: frozenset[str]) -> SyncEntry | None:
        if not identity:
            return None
        state = self.state
        request: Any = json.loads(encoded)  # canonical JSON is made of it: keys sorted
        if self._lists:
            request = {"profile": request, "lists": self._lists}
        digest = digest_of(request, self._revision, secret=state.account.secret)
        ordered = sorted(identity)
        return SyncEntry(
            state.ident_of(ordered), tuple(state.key_of(key) for key in ordered), digest
        )

    def _due(self, applied_at: int) -> bool:
        resend_after = self.state.resend_after
        return resend_after is not None and applied_at < time.time() - resend_after

    # ---- the call's steps

    def steps(self, inner: Steps[None]) -> Steps[None]:
        """``inner`` (the engine's steps) with the state kept: what was forgotten committed
        before each effect that is not an outcome, and each outcome recorded. Refuses
        (``SyncStateInUseError``) a state another call is using."""
        state = self.state
        state.begin_call()
        try:
            # A new run token: a command-line import interrupted earlier must not replay its
            # journal's older outcomes over what this call records (it sends them again).
            try:
                state.begin_run(f"pid {os.getpid()} on {socket.gethostname()}")
            except sqlite3.Error as exc:
                raise SyncStateError(f"cannot use the state file {state.path}: {exc}") from None
            yield from self._tracked(inner)
        finally:
            try:
                self._commit()
            except SyncStateError:
                pass  # what was not committed is sent again by the next call
            finally:
                state.end_call()

    def _tracked(self, inner: Steps[None]) -> Steps[None]:
        reply: Any = None
        error: Exception | None = None
        while True:
            try:
                effect = inner.send(reply) if error is None else inner.throw(error)
            except StopIteration:
                return
            except sqlite3.Error as exc:  # deciding a row as it was routed
                inner.close()
                raise self._failure(exc) from None
            reply, error = None, None
            try:
                if type(effect) is Emit:
                    self._handed_on(effect.item)
                else:
                    self._commit()
            except (sqlite3.Error, SyncStateError) as exc:
                inner.close()
                raise self._failure(exc) from None
            try:
                reply = yield effect
            except Exception as exc:  # handed to the engine, which decides
                error = exc
            except BaseException:  # closed or interrupted: the engine ends here too
                inner.close()
                raise

    def _handed_on(self, outcome: ProfileOutcome) -> None:
        index = outcome.index
        entry = self._pending.pop(index, None)
        if entry is None:
            return  # unchanged, refused, held back, or naming no identity
        later = False
        for key in entry.keys:
            last = self._last.get(key)
            if last == index:
                del self._last[key]
            elif last is not None and last > index:
                later = True
        if outcome.ok and not later:
            self._records.append((entry, time.time()))
            if len(self._records) >= _RECORD_BATCH:
                self._flush_records()

    def _flush_records(self) -> None:
        if self._records:
            records, self._records = self._records, []
            self.state.begin()
            self.state.record(records)

    def _commit(self) -> None:
        try:
            self._flush_records()
            self.state.commit()
        except sqlite3.Error as exc:
            # Only what nothing was sent for is lost: such rows are sent again next time.
            with contextlib.suppress(sqlite3.Error):
                self.state.rollback()
            raise self._failure(exc) from None

    def _failure(self, exc: BaseException) -> SyncStateError:
        if isinstance(exc, SyncStateError):
            return exc
        return SyncStateError(f"cannot write the state file {self.state.path}: {exc}")
