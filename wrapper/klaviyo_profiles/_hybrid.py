"""``create_or_update_profiles`` and ``iter_create_or_update_profiles``, written once: a
windowed engine (:func:`stream_steps`) that carries out one call as steps, for both clients.

The engine never performs I/O and never imports a client: the client hands in its operations
(:class:`HybridOperations`: one upsert, a job's start, a job's settling, each as steps) and its
driver performs what the steps yield. Sub-tasks (one row sent one by one, one job being
settled) return what happened; only the coordinating steps decide and record, in one thread or
task, and only they hand outcomes on (:class:`~klaviyo_profiles._effects.Emit`), in input
order.

**Windows.** The input is taken a window at a time: a list or tuple is one window, checked
whole before anything is sent (an ``InvalidInputError`` names the row); any other iterable is
read in a thread beside the coordinator (:class:`~klaviyo_profiles._windows.RowSource`, through
:class:`~klaviyo_profiles._effects.Offload`), which takes what has arrived, up to
:data:`STREAM_WINDOW` rows at a time, and a row that cannot be sent becomes an outcome with its
``InvalidInputError`` (nothing of an iterator can be refused before earlier rows are sent, and
raising would drop the outcomes of rows in flight). While the input keeps the coordinator
waiting with nothing else to do for :data:`READ_PAUSE`, what was read goes as it is: the first
window is taken as it stands and the chunk being filled is started. Each window is routed with
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

**Held back.** A job whose outcome is unknown (still running at ``job_timeout``, lost while
followed, or a start that failed after its request may have left: ``job_may_exist``) may yet
apply its rows after anything sent now. Its profiles' later rows are never sent: each is
settled with a ``RowHeldBackError`` naming the job, and its keys hold back the rows after it
in turn (the keys of such jobs and rows stay for the rest of the call), so a re-run that sends
the held rows once the job has ended applies every row of a profile in input order.

**Memory** stays bounded by the work in flight, not by the input: the window being admitted
and at most one read ahead;
the encoded bytes of the chunk being filled (and of one waiting for a job slot); one int a
row of each job in flight (up to ``max_jobs``) and its identity keys as ints in the index;
rows waiting to be sent one by one (at most ``single_bound``); and outcomes not yet
handed on. Outcomes go on in input order, so a slow early row holds back later ones: reading
pauses while too many are held (:data:`HELD_OUTCOMES` outcomes of single calls, or rows
admitted but not handed on beyond the jobs in flight).

A row can be settled with nothing sent (``ProfileOutcome.skipped``) through
:attr:`StreamOptions.skip`, consulted for every row routed (not one refused or held back), in
input order; a row with an unfinished earlier row of its profile is never skipped.
"""

from __future__ import annotations

import collections
import itertools
import logging
import time
from array import array
from collections.abc import Iterable

import attrs

from . import _generated
from ._effects import Emit, Offload, Sleep, Spawn, Steps, TaskHandle, Wait
from ._hybrid_parts import (
    Chunk,
    HybridOperations,
    Row,
    Single,
    settle_steps,
    single_bound,
    single_path_time,
    single_steps,
)
from ._polling import Polling
from ._prepare import (
    BulkChunker,
    PreparedProfile,
    ProfileInput,
    from_encoded,
    stored_membership,
)
from ._routing import AUTO_BULK_MIN_PROFILES, Via, errors_by_position, plan_routes_pausing
from ._windows import STREAM_WINDOW, RowSource, SkipRow, StreamOptions, stream_options
from .errors import InvalidInputError, KlaviyoError, ListMembershipError, RowHeldBackError
from .result import (
    BulkImportErrorEntry,
    BulkImportJob,
    BulkProgress,
    ProfileOutcome,
    ProfileResult,
)
from .retries import job_may_exist

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

#: Rows admitted in one go before the coordinator lets others run (``Sleep(0)``): the async
#: client's event loop is never held for long by a large input.
ADMIT_STEP = 1_000

#: Seconds the input may keep the call waiting for rows, with nothing else to do, before
#: what was read is sent as it is (a job started short of full, the first window taken as it
#: stands): a source that pauses (a queue, a slow cursor) never holds back rows it gave.
READ_PAUSE = 1.0

#: Seconds between looks at the rows the input's reader puts aside, while nothing else
#: wakes the coordinator (the reader itself returns only with a window, or at the end).
READ_POLL = 0.05


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
        self.max_singles = single_bound(options.concurrency)
        self.tickets = itertools.count(1)
        self.windows = 0
        self.admitted = 0
        self.next = 0
        self.blocked = False
        self.null_rows = 0
        # The input's reader in flight, since when the coordinator has waited for rows with
        # nothing else to do, and whether that wait outlasted READ_PAUSE.
        self.reader: TaskHandle | None = None
        self.idle_since: float | None = None
        self.stalled = False
        self.window_rows: collections.deque[Row] = collections.deque()
        # The identity index. identity key (as a hash) -> the ticket of the last unfinished row
        # naming it (its index) or of the chunk being filled (a negative ticket); a key whose
        # last row is in a sealed, unfinished job is found in that job's sorted keys instead
        # (8 bytes a key, for up to max_jobs jobs of 10,000 rows).
        self.tails: dict[int, int] = {}
        self.unfinished: list[Chunk] = []
        # Rows of profiles that an unknown job may still change: the sealed keys of each job
        # whose outcome is unknown, and the keys of the rows held back behind one (each with
        # the error those rows carry).
        self.doubtful: list[tuple[Chunk, RowHeldBackError]] = []
        self.held_keys: dict[int, RowHeldBackError] = {}
        self.waiting: dict[int, Single] = {}
        self.dependents: dict[int, list[int]] = {}
        self.ready: collections.deque[Single] = collections.deque()
        self.running: dict[TaskHandle, Single | Chunk] = {}
        self.singles_running = 0
        self.jobs_running = 0
        self.filling: Chunk | None = None
        self.members: Chunk | None = None
        self.sealed: collections.deque[Chunk] = collections.deque()
        self.chunks: collections.deque[Chunk] = collections.deque()
        self.awaiting_lists: dict[int, ProfileOutcome] = {}
        self.done: dict[int, ProfileOutcome] = {}
        #: Outcomes of rows sent one by one not handed on yet (in done or awaiting_lists).
        self.held = 0
        self.counts = BulkProgress()
        self.reported = self.counts

    # -- the loop ---------------------------------------------------------------------------

    def steps(self) -> Steps[None]:
        """Read, route, send, settle and hand on every row, in input order."""
        try:
            while True:
                moved = True
                while moved:
                    moved = yield from self._start_sealed()
                    moved = (yield from self._spawn_ready()) or moved
                    admitted = yield from self._admit()
                    if admitted >= ADMIT_STEP:
                        # A long run of rows: the async client's event loop runs meanwhile.
                        yield Sleep(0)
                    moved = bool(admitted) or moved
                    moved = self._unblock() or moved
                    # Handing outcomes on frees what bounds reading: the loop goes round again.
                    moved = (yield from self._emit_ready()) or moved
                yield from self._report()
                if self._finished():
                    self._log_nulls_at_end()
                    if self.source.error is not None:
                        # Reading the input failed: every row read before it has its outcome.
                        raise self.source.error
                    return
                if self.reader is None and self.source.wants_reader():
                    self.reader = yield Offload(self.source.fill)
                waiting = (*([self.reader] if self.reader is not None else []), *self.running)
                if not waiting:
                    # Nothing in flight and nothing to read, start or hand on: every row not
                    # handed on is in a chunk still filling, or waits for one (see _unblock).
                    if self._seal(self.filling) | self._seal(self.members):
                        continue
                    # Unreachable (tests/wrapper/test_stream_outcomes.py drives every kind of
                    # row in any order of endings): a loud error rather than a call that hangs.
                    raise RuntimeError("create_or_update_profiles: internal error, no row moves")
                timeout = self._read_pause()
                if timeout is not None and timeout <= 0:
                    continue  # rows came meanwhile, or the input is stalled: go round
                finished: list[TaskHandle] = yield Wait(waiting, timeout)
                for handle in finished:
                    if handle is self.reader:
                        self.reader = None
                        handle.result()  # the reader's own failure, if any
                    else:
                        self._settle(handle)
        except (Exception, GeneratorExit):
            raise
        except BaseException:
            # Ctrl-C or a cancellation: every outcome already known is handed on as the call
            # ends, as when progress= fails (the list form keeps them on the exception).
            yield from self._hand_on_known(pause=False)
            raise
        finally:
            self.source.close()

    def _read_pause(self) -> float | None:
        """How long to wait (``None``: until something ends; ``0``: go round at once). When
        the next thing to do is to read, the rows the reader puts aside are looked at every
        :data:`READ_POLL`; once the input has kept the call waiting for :data:`READ_PAUSE`,
        what was read goes as it is: the chunk being filled starts, the first window is taken
        as it stands."""
        source = self.source
        if self.window_rows or self._bounded() or source.exhausted:
            self.idle_since = None
            return None
        if source.ready():  # rows came while this went round
            return 0.0
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if self.stalled:
            return READ_POLL
        left = self.idle_since + READ_PAUSE - now
        if left <= 0:
            self.stalled = True
            source.hurry()
            return 0.0
        return min(left, READ_POLL)

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

    def _admit(self) -> Steps[int]:
        """Admit rows while nothing bounds reading, :data:`ADMIT_STEP` at most; how many."""
        admitted = 0
        self.blocked = False
        while admitted < ADMIT_STEP:
            if self._bounded():
                self.blocked = True
                return admitted
            if not self.window_rows and not (yield from self._read_window()):
                return admitted
            self._admit_row(self.window_rows.popleft())
            admitted += 1
        return admitted

    def _read_window(self) -> Steps[bool]:
        """Take the rows read so far (at most a window) and route them; whether any came.
        A long window (a list is one) lets others run every :data:`ADMIT_STEP` rows
        (``Sleep(0)``): the async client's event loop is never held by its size."""
        window = self.source.take()
        if not window:
            return False
        self.idle_since, self.stalled = None, False
        only = self.windows == 0 and self.source.only
        self.windows += 1
        self.counts = attrs.evolve(self.counts, read=self.counts.read + len(window))
        checked = [(index, row) for index, row in window if isinstance(row, PreparedProfile)]
        via: Via = self.options.via
        if via == "auto" and not only and self.jobs:
            via = "bulk"  # a stream longer than a window: jobs whatever one window holds
        routing = plan_routes_pausing([row for _, row in checked], via, ADMIT_STEP)
        while True:
            try:
                next(routing)
            except StopIteration as routed:
                bulk: list[int] = routed.value[0]
                break
            yield Sleep(0)
        to_jobs = set(bulk)
        # Rows kept from jobs by a null are worth a word wherever jobs could have taken them:
        # every one may go one by one because of its null (the rest then too, being few).
        could_use_jobs = self.jobs and (
            via == "bulk" or (via == "auto" and len(checked) >= AUTO_BULK_MIN_PROFILES)
        )
        nulls = sum(1 for _, row in checked if row.has_null) if could_use_jobs else 0
        self.null_rows += nulls
        if nulls and self.windows == 1:
            if only:
                _logger.info(
                    "%d rows clear a field and go one by one: %s", nulls, single_path_time(nulls)
                )
            else:
                _logger.info(
                    "%d of the first %d rows clear a field and go one by one (%s for those; "
                    "later rows may add more)",
                    nulls,
                    len(window),
                    single_path_time(nulls),
                )
        position = 0
        for count, (index, row) in enumerate(window, 1):
            if isinstance(row, InvalidInputError):
                self.window_rows.append(Row(index, error=row))
            else:
                self.window_rows.append(
                    Row(index, row.encoded, row.identity, bulk=position in to_jobs)
                )
                position += 1
            if count % ADMIT_STEP == 0:
                yield Sleep(0)
        return True

    def _log_nulls_at_end(self) -> None:
        if self.windows > 1 and self.null_rows:
            _logger.info(
                "%d of %d rows cleared a field and went one by one: %s",
                self.null_rows,
                self.admitted,
                single_path_time(self.null_rows),
            )

    def _admit_row(self, row: Row) -> None:
        index = row.index
        self.admitted += 1
        if row.error is not None:
            self.done[index] = ProfileOutcome(index=index, ok=False, via="none", error=row.error)
            return
        keys = tuple({hash(key) for key in row.identity})
        held = self._held_by(keys)
        if held is not None:
            self._hold(index, keys, held)
            return
        blockers = self._blockers(keys)
        skip = self.options.skip
        if (
            skip is not None
            and skip(index, row.encoded, row.identity, blocked=bool(blockers))
            and not blockers
        ):
            self.done[index] = ProfileOutcome(index=index, ok=True, via="none", skipped=True)
            return
        if row.bulk and not blockers and self.envelope + len(row.encoded) <= self.max_bytes:
            self._add_to_job(index, row.encoded, keys)
            return
        single = Single(index, row.encoded, keys, blockers)
        for key in keys:
            self.tails[key] = index
        if blockers:
            self.waiting[index] = single
            for ticket in blockers:
                self.dependents.setdefault(ticket, []).append(index)
        else:
            self.ready.append(single)

    def _held_by(self, keys: tuple[int, ...]) -> RowHeldBackError | None:
        """Why a row with ``keys`` must be held back, if an earlier row of its profile is in
        a job whose outcome is unknown (or was held back itself)."""
        for key in keys:
            error = self.held_keys.get(key)
            if error is not None:
                return error
            for chunk, error in self.doubtful:
                if chunk.holds(key):
                    return error
        return None

    def _hold(self, index: int, keys: tuple[int, ...], error: RowHeldBackError) -> None:
        """Settle a row with nothing sent, held back behind a job whose outcome is unknown,
        and every later row of its profile with it (those waiting for it now, and those to
        come, through its keys): a re-run sends them all, in order, after that job."""
        rows = [(index, keys)]
        while rows:
            index, keys = rows.pop()
            self.done[index] = ProfileOutcome(index=index, ok=False, via="none", error=error)
            for key in keys:
                self.held_keys[key] = error
                if self.tails.get(key) == index:
                    del self.tails[key]
            for later in self.dependents.pop(index, ()):
                single = self.waiting.pop(later, None)
                if single is not None:
                    rows.append((later, single.keys))

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

    def _new_chunk(self) -> Chunk:
        chunker: BulkChunker[bytes] = BulkChunker(
            size=len, lists=self.options.lists, max_items=self.options.max_job_size
        )
        return Chunk(-next(self.tickets), chunker)

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

    def _room(self, chunk: Chunk, encoded: bytes) -> bool:
        """Whether ``encoded`` fits in ``chunk`` by bytes (a full count seals it on adding)."""
        chunker = chunk.chunker
        return (
            chunker is None
            or not len(chunker)
            or chunker.pending_bytes + 1 + len(encoded) <= self.max_bytes
        )

    def _seal(self, chunk: Chunk | None, encoded: list[bytes] | None = None) -> bool:
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
            or self.stalled
            or (self.blocked and bool(self.dependents.get(filling.ticket)))
            or (held and filling.rows[0] == self.next)
        ):
            moved = self._seal(filling)
        if self.members is not None and (
            (ended and self._single_rows() == 0)
            or self.stalled
            or (held and self.next in self.awaiting_lists)
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
            handle = yield Spawn(settle_steps(self.ops, job.id, polling), self.width)
            self.running[handle] = chunk
        return started

    def _spawn_ready(self) -> Steps[bool]:
        spawned = False
        while self.ready and self.singles_running < self.options.concurrency:
            single = self.ready.popleft()
            handle = yield Spawn(single_steps(self.ops, single.encoded), self.width)
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
        if isinstance(task, Single):
            self.singles_running -= 1
            self._single_settled(task, value)
        else:
            self.jobs_running -= 1
            self._chunk_settled(task, value)

    def _single_settled(self, single: Single, value: ProfileResult | KlaviyoError) -> None:
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
            single = self.waiting.get(index)
            if single is None:  # held back through another row it waited for
                continue
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
        chunk: Chunk,
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
        self.unfinished.remove(chunk)
        failure = chunk.failure
        if failure is not None and (chunk.job_id is not None or job_may_exist(failure)):
            # The job may still run and apply these rows after any later row of theirs: the
            # later rows of these profiles are held back, never sent (its keys stay).
            held = RowHeldBackError(chunk.job_id)
            self.doubtful.append((chunk, held))
            for later in self.dependents.pop(chunk.ticket, ()):
                single = self.waiting.pop(later, None)
                if single is not None:
                    self._hold(later, single.keys, held)
            return
        # Rows that named a profile of this job may go now (their lanes end with it).
        chunk.keys = array("q")
        self._release(chunk.ticket)

    def _members_settled(self, chunk: Chunk) -> None:
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

    def _emit_ready(self) -> Steps[bool]:
        """Hand on every outcome that is next in input order; whether any was. Others run
        every :data:`ADMIT_STEP` outcomes (``Sleep(0)``: the list form keeps its outcomes
        without handing them to the driver)."""
        emitted = 0
        while True:
            index = self.next
            outcome = self.done.pop(index, None)
            if outcome is None:
                chunk = self.chunks[0] if self.chunks else None
                if chunk is None or not chunk.settled or chunk.rows[chunk.cursor] != index:
                    return emitted > 0
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
            emitted += 1
            yield Emit(outcome)
            if emitted % ADMIT_STEP == 0:
                yield Sleep(0)

    def _report(self) -> Steps[None]:
        progress = self.options.progress
        if progress is not None and self.counts != self.reported:
            self.reported = self.counts
            try:
                progress(self.counts)
            except Exception:
                # The caller's own error ends the call at once (nothing more is read, sent or
                # waited for), once every outcome already known is handed on.
                yield from self._hand_on_known()
                raise

    def _hand_on_known(self, *, pause: bool = True) -> Steps[None]:
        """Hand on every outcome known now, in input order, those of rows still in flight
        (or not yet sent) left out: how every ending of a call (an error of ``progress``,
        Ctrl-C, a cancellation) leaves the outcomes it knew. ``pause``: others run every
        :data:`ADMIT_STEP` outcomes (not once the driver has stopped performing effects)."""
        known = dict(self.done)
        for chunk in self.chunks:
            if chunk.settled:
                for position in range(chunk.cursor, len(chunk.rows)):
                    known[chunk.rows[position]] = chunk.outcome(position)
        self.done.clear()
        for count, index in enumerate(sorted(known), 1):
            yield Emit(known[index])
            if pause and count % ADMIT_STEP == 0:
                yield Sleep(0)


def stream_steps(
    ops: HybridOperations,
    profiles: Iterable[ProfileInput],
    options: StreamOptions,
    polling: Polling,
    *,
    check_now: bool = True,
) -> Steps[None]:
    """Carry out one call: every outcome handed on with :class:`Emit`, in input order. A list
    or tuple is checked now, whole, before any step runs; with ``check_now=False``, in the
    input's reader, before anything is sent (see :class:`RowSource`)."""
    source = RowSource(profiles, options.nulls, options.window, check_now=check_now)
    return _Run(ops, source, options, polling).steps()
