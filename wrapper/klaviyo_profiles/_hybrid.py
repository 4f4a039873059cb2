"""``create_or_update_profiles`` and ``iter_create_or_update_profiles``, written once: a
windowed engine (:func:`stream_steps`) that carries out one call as steps, for both clients.

The engine never performs I/O and never imports a client: the client hands in its operations
(:class:`HybridOperations`: one upsert, a job's start, a job's settling, each as steps) and its
driver performs what the steps yield. Sub-tasks (one row sent one by one, one job being
settled) return what happened; only the coordinating steps decide and record, in one thread or
task, and only they hand outcomes on (:class:`~klaviyo_profiles._effects.Emit`), in input
order.

**Windows.** The input is read a window at a time: a list or tuple is one window, checked
whole before anything is sent (an ``InvalidInputError`` names the row); any other iterable is
read :data:`STREAM_WINDOW` rows at a time, and a row that cannot be sent becomes an outcome
with its ``InvalidInputError`` (nothing of an iterator can be refused before earlier rows are
sent, and raising would drop the outcomes of rows in flight). Each window is routed with
:func:`~klaviyo_profiles._routing.plan_routes`: rows with a null, and every row of a profile
named more than once in the window, go one by one; the rest go in jobs. Under
``via="auto"``, an input that ends within its first window with fewer than
``AUTO_BULK_MIN_PROFILES`` rows for jobs goes one by one altogether.

**Order per profile across windows and paths** (the rule of the ``import`` command's lanes):
the identity index keeps, for each identity key (:mod:`klaviyo_profiles.identity`), the last
admitted row or job that names it and is unfinished. A row whose profile has such an earlier
row goes one by one, after it: after the single call, or after the whole job has completed.
The chunk being filled is started before it is full only when reading must pause and a row
waiting for it (or the oldest row not yet handed on) would otherwise wait for rows that cannot
be read.

**Memory** stays bounded by the work in flight, not by the input: the window being admitted;
the encoded bytes of the chunk being filled (and of one waiting for a job slot); one int a
row of each job in flight (up to ``max_jobs``) and its identity keys as ints in the index;
rows waiting to be sent one by one (at most :func:`_single_bound`); and outcomes not yet
handed on. Outcomes go on in input order, so a slow early row holds back later ones: reading
pauses while too many are held (:data:`HELD_OUTCOMES` outcomes of single calls, or rows
admitted but not handed on beyond the jobs in flight).

A row can be settled with nothing sent (``ProfileOutcome.skipped``) through
:attr:`StreamOptions.skip`, consulted for a row only when no earlier row of its profile is
unfinished.
"""

from __future__ import annotations

import bisect
import collections
import itertools
import json
import logging
import time
from array import array
from collections.abc import Iterable, Sequence
from typing import Protocol, cast

import attrs
from klaviyo_profile_import import facts

from . import _generated
from ._effects import Emit, Spawn, Steps, TaskHandle, Wait
from ._generated import payloads as _payloads
from ._polling import Polling
from ._prepare import (
    BulkChunker,
    PreparedProfile,
    ProfileInput,
    from_encoded,
    stored_membership,
)
from ._routing import Via, errors_by_position, job_outcome, plan_routes
from ._windows import STREAM_WINDOW, RowSource, SkipRow, StreamOptions, stream_options
from .errors import InvalidInputError, KlaviyoError, ListMembershipError
from .result import (
    BulkImportErrorEntry,
    BulkImportJob,
    BulkProgress,
    ProfileOutcome,
    ProfileResult,
)

__all__ = [
    "HELD_OUTCOMES",
    "STREAM_WINDOW",
    "HybridOperations",
    "SkipRow",
    "StreamOptions",
    "stream_options",
    "stream_steps",
]

_logger = logging.getLogger("klaviyo_profiles")

#: Outcomes of rows sent one by one kept while an earlier row is unfinished; reading pauses
#: beyond it. Each holds its call's result (the answer, decoded and as received: about 15 KB
#: for a profile with a few fields), so this bounds them to a few MB. Outcomes of rows with
#: nothing sent (refused, skipped) are small: sixteen times as many may wait.
HELD_OUTCOMES = 256


class HybridOperations(Protocol):
    """What the engine asks of a client, each as steps (never performed here)."""

    def upsert_steps(self, body: _payloads.ProfileUpsertQuery) -> Steps[ProfileResult]:
        """Create or Update Profile for one checked body."""

    def start_job_steps(
        self, profiles: Sequence[PreparedProfile], lists: Sequence[str]
    ) -> Steps[BulkImportJob]:
        """Start one job (raising ``InvalidInputError`` before any I/O, as the public call)."""

    def settle_job_steps(
        self, job_id: str, polling: Polling
    ) -> Steps[tuple[BulkImportJob, list[BulkImportErrorEntry]]]:
        """Wait for a job to finish, then read its import errors if it counts any."""


class _Row:
    """A row of the window being admitted: only what sending it needs."""

    __slots__ = ("bulk", "encoded", "error", "identity", "index")

    def __init__(
        self,
        index: int,
        encoded: bytes = b"",
        identity: frozenset[str] = frozenset(),
        *,
        bulk: bool = False,
        error: InvalidInputError | None = None,
    ) -> None:
        self.index = index
        self.encoded = encoded
        self.identity = identity
        self.bulk = bulk
        self.error = error


class _Single:
    """A row sent one by one: waiting for earlier rows of its profile, ready, or sending."""

    __slots__ = ("blockers", "encoded", "index", "keys")

    def __init__(self, index: int, encoded: bytes, keys: tuple[int, ...], blockers: set[int]):
        self.index = index
        self.encoded = encoded
        self.keys = keys
        self.blockers = blockers


class _Chunk:
    """The profiles of one job: input rows (a job of rows) or stored profiles to add to the
    lists (a membership job), from being filled to settled."""

    __slots__ = (
        "chunker",
        "cursor",
        "encoded",
        "errors",
        "failure",
        "ids",
        "job",
        "job_id",
        "keys",
        "member_rows",
        "rows",
        "ticket",
    )

    def __init__(self, ticket: int, chunker: BulkChunker[bytes]) -> None:
        self.ticket = ticket
        self.chunker: BulkChunker[bytes] | None = chunker
        #: Input rows, in job order (a job of rows): one int each.
        self.rows = array("q")
        #: Their identity keys (hashes), sorted once the chunk is sealed.
        self.keys = array("q")
        #: Membership: the input rows of each member, and each member's position by its id.
        self.member_rows: list[list[int]] = []
        self.ids: dict[str, int] = {}
        self.encoded: list[bytes] | None = None
        self.job_id: str | None = None
        self.job: BulkImportJob | None = None
        self.errors: dict[int, BulkImportErrorEntry] = {}
        self.failure: KlaviyoError | None = None
        #: Rows of a settled job handed on so far.
        self.cursor = 0

    @property
    def settled(self) -> bool:
        return self.job is not None or self.failure is not None

    def holds(self, key: int) -> bool:
        """Whether a row of this sealed chunk has identity key ``key``."""
        position = bisect.bisect_left(self.keys, key)
        return position < len(self.keys) and self.keys[position] == key

    def outcome(self, position: int) -> ProfileOutcome:
        """The outcome of the row at ``position`` of a settled job of rows."""
        row = self.rows[position]
        if self.failure is not None or self.job is None:
            return ProfileOutcome(
                index=row, ok=False, via="bulk", job_id=self.job_id, error=self.failure
            )
        return job_outcome(self.job, row, self.errors.get(position))


def _single_bound(concurrency: int) -> int:
    """Rows on the single path at once (waiting, ready or sending) before reading pauses: a
    few hundred, so that rows waiting for a job do not stop the reader (the ``import``
    command's figure), and at least four per concurrent call."""
    return max(4 * concurrency, 256)


class _Run:
    """The coordinator of one call (see the module): the only code that records outcomes."""

    def __init__(
        self,
        ops: HybridOperations,
        source: RowSource,
        options: StreamOptions,
        polling: Polling,
    ) -> None:
        self.ops = ops
        self.source = source
        self.options = options
        self.polling = polling
        self.jobs = _generated.bulk_jobs_available()
        probe: BulkChunker[bytes] | None = (
            BulkChunker(size=len, lists=options.lists, max_items=options.max_job_size)
            if self.jobs
            else None
        )
        self.max_items = probe.max_items if probe is not None else options.window
        self.max_bytes = probe.max_bytes if probe is not None else 0
        self.envelope = probe.envelope if probe is not None else 0
        self.width = options.concurrency + options.max_jobs
        self.max_admitted = options.window + (options.max_jobs + 2) * self.max_items
        self.max_singles = _single_bound(options.concurrency)
        self.tickets = itertools.count(1)
        self.windows = 0
        self.admitted = 0
        self.next = 0
        self.blocked = False
        self.null_rows = 0
        self.window_rows: collections.deque[_Row] = collections.deque()
        # The identity index. identity key (as a hash) -> the ticket of the last unfinished row
        # naming it (its index) or of the chunk being filled (a negative ticket); a key whose
        # last row is in a sealed, unfinished job is found in that job's sorted keys instead
        # (8 bytes a key, for up to max_jobs jobs of 10,000 rows).
        self.tails: dict[int, int] = {}
        self.unfinished: list[_Chunk] = []
        self.waiting: dict[int, _Single] = {}
        self.dependents: dict[int, list[int]] = {}
        self.ready: collections.deque[_Single] = collections.deque()
        self.running: dict[TaskHandle, _Single | _Chunk] = {}
        self.singles_running = 0
        self.jobs_running = 0
        self.filling: _Chunk | None = None
        self.members: _Chunk | None = None
        self.sealed: collections.deque[_Chunk] = collections.deque()
        self.chunks: collections.deque[_Chunk] = collections.deque()
        self.awaiting_lists: dict[int, ProfileOutcome] = {}
        self.done: dict[int, ProfileOutcome] = {}
        #: Outcomes of rows sent one by one not handed on yet (in done or awaiting_lists).
        self.held = 0
        self.counts = BulkProgress()
        self.reported = self.counts

    # -- the loop ---------------------------------------------------------------------------

    def steps(self) -> Steps[None]:
        """Read, route, send, settle and hand on every row, in input order."""
        while True:
            moved = True
            while moved:
                moved = yield from self._start_sealed()
                moved = (yield from self._spawn_ready()) or moved
                moved = self._admit() or moved
                moved = self._unblock() or moved
                yield from self._emit_ready()
            self._report()
            if self._finished():
                self._log_nulls_at_end()
                return
            if not self.running:
                # Nothing in flight, nothing to start: only a chunk still filling can move.
                if self._seal(self.filling) or self._seal(self.members):
                    continue
                raise AssertionError("create_or_update_profiles cannot make progress")
            finished: list[TaskHandle] = yield Wait(tuple(self.running))
            for handle in finished:
                self._settle(handle)

    def _finished(self) -> bool:
        return self.source.exhausted and not self.window_rows and self.next == self.admitted

    def _single_rows(self) -> int:
        return len(self.waiting) + len(self.ready) + self.singles_running

    def _held_up(self) -> bool:
        """Whether outcomes waiting to be handed on bound reading: only handing on the
        oldest row's outcome frees them."""
        return (
            self.admitted - self.next >= self.max_admitted
            or self.held >= HELD_OUTCOMES
            or len(self.done) >= 16 * HELD_OUTCOMES
        )

    def _bounded(self) -> bool:
        """Whether reading must pause (see the module)."""
        return bool(self.sealed) or self._single_rows() >= self.max_singles or self._held_up()

    # -- reading and routing ----------------------------------------------------------------

    def _admit(self) -> bool:
        """Admit rows while nothing bounds reading; whether any was admitted."""
        admitted = False
        self.blocked = False
        while True:
            if self._bounded():
                self.blocked = True
                return admitted
            if not self.window_rows:
                if self.source.exhausted:
                    return admitted
                self._read_window()
                continue
            self._admit_row(self.window_rows.popleft())
            admitted = True

    def _read_window(self) -> None:
        window = self.source.next_window()
        only = self.windows == 0 and self.source.exhausted
        self.windows += 1
        self.counts = attrs.evolve(self.counts, read=self.counts.read + len(window))
        checked = [(index, row) for index, row in window if isinstance(row, PreparedProfile)]
        via: Via = self.options.via
        if via == "auto" and not only and self.jobs:
            via = "bulk"  # a stream longer than a window: jobs whatever one window holds
        bulk, _ = plan_routes([row for _, row in checked], via)
        to_jobs = set(bulk)
        nulls = sum(1 for _, row in checked if row.has_null) if to_jobs else 0
        self.null_rows += nulls
        if nulls and self.windows == 1:
            if only:
                _logger.info(
                    "%d rows clear a field and go one by one: %s", nulls, _single_path_time(nulls)
                )
            else:
                _logger.info(
                    "%d of the first %d rows clear a field and go one by one (%s for those; "
                    "later rows may add more)",
                    nulls,
                    len(window),
                    _single_path_time(nulls),
                )
        place = {index: position for position, (index, _) in enumerate(checked)}
        for index, row in window:
            if isinstance(row, InvalidInputError):
                self.window_rows.append(_Row(index, error=row))
            else:
                self.window_rows.append(
                    _Row(index, row.encoded, row.identity, bulk=place[index] in to_jobs)
                )

    def _log_nulls_at_end(self) -> None:
        if self.windows > 1 and self.null_rows:
            _logger.info(
                "%d of %d rows cleared a field and went one by one: %s",
                self.null_rows,
                self.admitted,
                _single_path_time(self.null_rows),
            )

    def _admit_row(self, row: _Row) -> None:
        index = row.index
        self.admitted += 1
        if row.error is not None:
            self.done[index] = ProfileOutcome(index=index, ok=False, via="none", error=row.error)
            return
        keys = tuple({hash(key) for key in row.identity})
        blockers = self._blockers(keys)
        skip = self.options.skip
        if not blockers and skip is not None and skip(index, row.encoded, row.identity):
            self.done[index] = ProfileOutcome(index=index, ok=True, via="none", skipped=True)
            return
        if row.bulk and not blockers and self.envelope + len(row.encoded) <= self.max_bytes:
            self._add_to_job(index, row.encoded, keys)
            return
        single = _Single(index, row.encoded, keys, blockers)
        for key in keys:
            self.tails[key] = index
        if blockers:
            self.waiting[index] = single
            for ticket in blockers:
                self.dependents.setdefault(ticket, []).append(index)
        else:
            self.ready.append(single)

    def _blockers(self, keys: tuple[int, ...]) -> set[int]:
        """The tickets of the unfinished rows and jobs a row with ``keys`` must wait for."""
        blockers: set[int] = set()
        for key in keys:
            tail = self.tails.get(key)
            if tail is not None:
                blockers.add(tail)
                continue
            blockers.update(chunk.ticket for chunk in self.unfinished if chunk.holds(key))
        return blockers

    def _new_chunk(self) -> _Chunk:
        chunker: BulkChunker[bytes] = BulkChunker(
            size=len, lists=self.options.lists, max_items=self.options.max_job_size
        )
        return _Chunk(-next(self.tickets), chunker)

    def _add_to_job(self, index: int, encoded: bytes, keys: tuple[int, ...]) -> None:
        chunk = self.filling
        if chunk is not None and not self._room(chunk, encoded):
            self._seal(chunk)
            chunk = None
        if chunk is None:
            chunk = self.filling = self._new_chunk()
            self.chunks.append(chunk)
        assert chunk.chunker is not None
        full = chunk.chunker.add(encoded)  # full by count: with this row
        chunk.rows.append(index)
        chunk.keys.extend(keys)
        for key in keys:
            self.tails[key] = chunk.ticket
        if full:
            self._seal(chunk, full)

    def _room(self, chunk: _Chunk, encoded: bytes) -> bool:
        """Whether ``encoded`` fits in ``chunk`` by bytes (a full count seals it on adding)."""
        chunker = chunk.chunker
        return (
            chunker is None
            or not len(chunker)
            or chunker.pending_bytes + 1 + len(encoded) <= self.max_bytes
        )

    def _seal(self, chunk: _Chunk | None, encoded: list[bytes] | None = None) -> bool:
        """Close a chunk being filled; it starts when a job slot is free."""
        if chunk is None or chunk.chunker is None:
            return False
        chunk.encoded = encoded if encoded is not None else chunk.chunker.flush()
        chunk.chunker = None
        if chunk is self.filling:
            self.filling = None
            # Its keys leave the index's dict for a sorted array of 8 bytes a key.
            chunk.keys = array("q", sorted(chunk.keys))
            for key in chunk.keys:
                if self.tails.get(key) == chunk.ticket:
                    del self.tails[key]
            self.unfinished.append(chunk)
        if chunk is self.members:
            self.members = None
        self.sealed.append(chunk)
        return True

    def _unblock(self) -> bool:
        """Start a chunk early where waiting for it to fill would wait for ever: the input has
        ended; or reading is paused and rows on the single path wait for the chunk being
        filled (they hold their places), or the oldest row not handed on is in it (or waits
        to join the lists) while held-back outcomes are what pauses reading."""
        moved = False
        ended = self.source.exhausted and not self.window_rows
        held = self.blocked and self._held_up()
        filling = self.filling
        if filling is not None and (
            ended
            or (self.blocked and bool(self.dependents.get(filling.ticket)))
            or (held and filling.rows[0] == self.next)
        ):
            moved = self._seal(filling)
        if self.members is not None and (
            (ended and self._single_rows() == 0) or (held and self.next in self.awaiting_lists)
        ):
            moved = self._seal(self.members) or moved
        return moved

    # -- sending ----------------------------------------------------------------------------

    def _start_sealed(self) -> Steps[bool]:
        """Start sealed chunks as jobs while a job slot is free, one request at a time."""
        started = False
        while self.sealed and self.jobs_running < self.options.max_jobs:
            chunk = self.sealed.popleft()
            encoded, chunk.encoded = chunk.encoded or [], None
            started = True
            try:
                # The job's body is built from the bytes; nothing is kept once it is sent.
                job = yield from self.ops.start_job_steps(
                    [from_encoded(profile) for profile in encoded], self.options.lists
                )
            except KlaviyoError as exc:
                self._chunk_settled(chunk, exc)
                continue
            finally:
                encoded = []
            chunk.job_id = job.id
            self.jobs_running += 1
            if chunk.rows:
                self.counts = attrs.evolve(
                    self.counts, in_jobs=self.counts.in_jobs + len(chunk.rows)
                )
            # job_timeout counts from the job's start, however late its wait begins.
            polling = attrs.evolve(self.polling, since=time.monotonic())
            handle = yield Spawn(_settle_steps(self.ops, job.id, polling), self.width)
            self.running[handle] = chunk
        return started

    def _spawn_ready(self) -> Steps[bool]:
        spawned = False
        while self.ready and self.singles_running < self.options.concurrency:
            single = self.ready.popleft()
            handle = yield Spawn(_single_steps(self.ops, single.encoded), self.width)
            single.encoded = b""  # the sub-task holds it now
            self.running[handle] = single
            self.singles_running += 1
            self.counts = attrs.evolve(self.counts, single=self.counts.single + 1)
            spawned = True
        return spawned

    # -- what comes back --------------------------------------------------------------------

    def _settle(self, handle: TaskHandle) -> None:
        task = self.running.pop(handle)
        # A sub-task's unexpected error is raised here; the driver then stops the others.
        value = handle.result()
        if isinstance(task, _Single):
            self.singles_running -= 1
            self._single_settled(task, value)
        else:
            self.jobs_running -= 1
            self._chunk_settled(task, value)

    def _single_settled(self, single: _Single, value: ProfileResult | KlaviyoError) -> None:
        index = single.index
        self.held += 1
        if isinstance(value, KlaviyoError):
            self.done[index] = ProfileOutcome(index=index, ok=False, via="single", error=value)
        else:
            outcome = ProfileOutcome(index=index, ok=True, via="single", result=value)
            if self.options.lists:
                self._join_lists(outcome)
            else:
                self.done[index] = outcome
        for key in single.keys:
            if self.tails.get(key) == index:
                del self.tails[key]
        self._release(index)

    def _release(self, ticket: int) -> None:
        """Rows that waited for ``ticket`` (a row or a job) may go once it ends."""
        for index in self.dependents.pop(ticket, ()):
            single = self.waiting[index]
            single.blockers.discard(ticket)
            if not single.blockers:
                del self.waiting[index]
                self.ready.append(single)

    def _join_lists(self, outcome: ProfileOutcome) -> None:
        """Put the stored profile a row reached in the membership job being filled, by its id
        alone (see :func:`~klaviyo_profiles._prepare.stored_membership`)."""
        assert outcome.result is not None
        profile_id = outcome.result.profile_id
        if not profile_id:
            self.done[outcome.index] = attrs.evolve(
                outcome,
                ok=False,
                error=ListMembershipError(
                    self.options.lists,
                    "the answer named no profile id, so it was not added to them (a job naming "
                    "it by the row's identifiers could set back one that a later row changed)",
                ),
            )
            return
        self.awaiting_lists[outcome.index] = outcome
        chunk = self.members
        if chunk is not None and profile_id in chunk.ids:
            chunk.member_rows[chunk.ids[profile_id]].append(outcome.index)
            return
        encoded = stored_membership(profile_id).encoded
        if chunk is not None and not self._room(chunk, encoded):
            self._seal(chunk)
            chunk = None
        if chunk is None:
            chunk = self.members = self._new_chunk()
        assert chunk.chunker is not None
        full = chunk.chunker.add(encoded)
        chunk.ids[profile_id] = len(chunk.member_rows)
        chunk.member_rows.append([outcome.index])
        if full:
            self._seal(chunk, full)

    def _chunk_settled(
        self,
        chunk: _Chunk,
        value: tuple[BulkImportJob, list[BulkImportErrorEntry]] | KlaviyoError,
    ) -> None:
        if isinstance(value, KlaviyoError):
            chunk.failure = value
        else:
            chunk.job, entries = value
            size = len(chunk.rows) if chunk.rows else len(chunk.member_rows)
            chunk.errors = errors_by_position(entries, size)
        if chunk.member_rows:
            self._members_settled(chunk)
            return
        # Rows that named a profile of this job may go now (their lanes end with it).
        self.unfinished.remove(chunk)
        chunk.keys = array("q")
        self._release(chunk.ticket)

    def _members_settled(self, chunk: _Chunk) -> None:
        job, lists = chunk.job, self.options.lists
        for position, rows in enumerate(chunk.member_rows):
            reason: str | None = None
            entry = chunk.errors.get(position)
            if chunk.failure is not None:
                reason = (
                    f"the job to add it could not be started: {chunk.failure}"
                    if chunk.job_id is None
                    else f"bulk import job {chunk.job_id} could not be followed to its end: "
                    f"{chunk.failure}"
                )
            elif entry is not None and job is not None:
                reason = f"bulk import job {job.id} did not add it: {entry.describe()}"
            elif job is not None and job.status != "complete":
                reason = (
                    f"bulk import job {job.id} ended {job.status} before confirming it (it may "
                    "or may not be in them)"
                )
            for index in rows:
                outcome = self.awaiting_lists.pop(index)
                if reason is None:
                    outcome = attrs.evolve(outcome, job_id=chunk.job_id)
                else:
                    error = ListMembershipError(lists, reason, chunk.job_id)
                    outcome = attrs.evolve(outcome, ok=False, job_id=chunk.job_id, error=error)
                self.done[index] = outcome

    # -- handing on -------------------------------------------------------------------------

    def _emit_ready(self) -> Steps[None]:
        """Hand on every outcome that is next in input order."""
        while True:
            index = self.next
            outcome = self.done.pop(index, None)
            if outcome is None:
                chunk = self.chunks[0] if self.chunks else None
                if chunk is None or not chunk.settled or chunk.rows[chunk.cursor] != index:
                    return
                outcome = chunk.outcome(chunk.cursor)
                chunk.cursor += 1
                if chunk.cursor == len(chunk.rows):
                    self.chunks.popleft()
            self.next += 1
            if outcome.via == "single":
                self.held -= 1
            counts = self.counts
            if outcome.ok:
                self.counts = attrs.evolve(counts, confirmed=counts.confirmed + 1)
            elif outcome.unsettled:
                self.counts = attrs.evolve(counts, unsettled=counts.unsettled + 1)
            else:
                self.counts = attrs.evolve(counts, failed=counts.failed + 1)
            yield Emit(outcome)

    def _report(self) -> None:
        progress = self.options.progress
        if progress is not None and self.counts != self.reported:
            self.reported = self.counts
            progress(self.counts)


def _single_steps(ops: HybridOperations, encoded: bytes) -> Steps[ProfileResult | KlaviyoError]:
    """One row through Create or Update Profile; its error is returned, not raised."""
    body = cast(_payloads.ProfileUpsertQuery, {"data": json.loads(encoded)})
    try:
        return (yield from ops.upsert_steps(body))
    except KlaviyoError as exc:
        return exc


def _settle_steps(
    ops: HybridOperations, job_id: str, polling: Polling
) -> Steps[tuple[BulkImportJob, list[BulkImportErrorEntry]] | KlaviyoError]:
    """A started job, settled; an error that kept it from being followed is returned."""
    try:
        return (yield from ops.settle_job_steps(job_id, polling))
    except KlaviyoError as exc:
        return exc


def _single_path_time(rows: int) -> str:
    """About how long ``rows`` single calls take at the pinned revision's steady rate."""
    limit, period = facts.STEADY_LIMIT, facts.STEADY_PERIOD_SECONDS
    seconds = rows * period / limit
    if seconds < 1:
        took = "under a second"
    elif seconds < 90:
        took = f"about {seconds:.0f} s"
    elif seconds < 90 * 60:
        took = f"about {seconds / 60:.0f} min"
    else:
        took = f"about {seconds / 3600:.1f} h"
    rate = f"{limit} a minute" if period == 60 else f"{limit} per {period} s"
    return f"{took} at {rate}"


def stream_steps(
    ops: HybridOperations,
    profiles: Iterable[ProfileInput],
    options: StreamOptions,
    polling: Polling,
) -> Steps[None]:
    """Carry out one call: every outcome handed on with :class:`Emit`, in input order. A list
    or tuple is checked now, whole, before any step runs (see :class:`RowSource`)."""
    source = RowSource(profiles, options.nulls, options.window)
    return _Run(ops, source, options, polling).steps()
