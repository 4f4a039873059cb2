"""Client-side pacing within Klaviyo's two rate-limit windows.

Klaviyo limits Create or Update Profile per account with a *burst* window (75 requests a
second) and a *steady* window (750 a minute in revision 2026-07-15). A :class:`RateLimiter`
keeps a client under both, waiting (``acquire``) or awaiting (``acquire_async``) for room
instead of letting the server answer 429. The numbers come from the generated endpoint facts
(:meth:`RateLimits.from_facts`), so a client regenerated for another revision paces itself by
that revision's limits with no edit here.

Design:

* The windows are counted by `pyrate-limiter <https://pypi.org/project/pyrate-limiter/>`_'s
  sliding-window log (one timestamp per request, both windows checked in one atomic step).
  A sliding window is stricter than the fixed windows a server counts in, so a client that
  stays inside it also stays inside any fixed window of the same length.
* **Arrivals, not departures, must fit.** The limiter counts a request when it lets it go;
  the server counts it when it arrives, anywhere up to its whole time in flight later (a first
  request that opens a connection arrives late and opens the server's window late; the next
  window's first requests, on warm connections, arrive at once). Each window is therefore
  lengthened by the longest time in flight seen in the last steady window (the client
  reports each request's, from its slot to its response: :meth:`RateLimiter.record_flight`),
  at least :attr:`RateLimits.safety_margin` and at most one burst period. Two requests whose
  slots are a lengthened window apart then arrive at least a window apart, whatever the
  delay of each.
* Limits pyrate-limiter cannot order (a share of the limits while Redis is away, or odd
  limits of a caller's) are turned into an equivalent list it accepts
  (:meth:`RateLimits.rates`): a window implied by another is dropped, one denser than a
  shorter one is clamped to that one's rate (stricter, never looser).
* Storage is pluggable through a :class:`LimiterBackend`: :class:`MemoryBackend` (the
  default) for one process, :class:`SQLiteBackend` for every process that can open the same
  SQLite file (pyrate-limiter's ``SQLiteBucket`` with its file lock, in WAL mode). SQLite on a
  network file system is not reliable; to share a budget between machines use
  ``klaviyo_profiles.redis_limiter.RedisBackend`` (the ``redis`` extra), whose windows and
  429 holds live in Redis, measured on Redis's clock.
* A backend that keeps its windows elsewhere brings its own limiter: it is a
  :class:`LimiterProvider` as well, and :func:`limiter_for` asks it for one. That is how the
  Redis limiter plugs in; this module knows nothing of Redis. Naming a backend by URL
  (``redis://...``, ``$KLAVIYO_LIMITER_URL``) is ``klaviyo_profiles.limiter_urls``'s job, the
  one module that knows every backend.
* Waiting happens here, not inside the library, so that the same decision serves threads
  (``time.sleep``) and event loops (``asyncio.sleep``; a backend whose bucket does file I/O
  is consulted from a worker thread so the event loop never blocks on another process's
  lock), and so that two more inputs can hold requests back: the server's own view of the
  budget (:meth:`RateLimiter.observe`) and a 429's ``Retry-After``
  (:meth:`RateLimiter.penalize`). No wait is longer than :meth:`RateLimiter.hold_cap`, and a
  caller with a deadline passes ``max_wait``: a wait the limiter announces beyond it raises
  :class:`~klaviyo_profiles.errors.RateLimitWaitError` at once instead of sleeping.
* :func:`limiter_for` hands out one limiter per API key fingerprint, limits and backend
  per process, so every client, thread and task using the same key shares one budget.

Example::

    limits = RateLimits.from_facts()          # 75/s and 750/min for 2026-07-15
    limiter = limiter_for("3f2a9c01", limits, backend=MemoryBackend())
    limiter.acquire()                          # returns at once, or sleeps until there is room
    send_request()

    # several processes, one budget:
    limiter = limiter_for("3f2a9c01", limits, backend=SQLiteBackend("/var/tmp/klaviyo.db"))
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from ._redact_url import redact_url
from ._server_budget import ServerBudgets
from .errors import LimiterUnavailableError, RateLimitWaitError
from .extras import require_extra
from .result import RateLimitInfo

if TYPE_CHECKING:
    # pyrate-limiter's package imports every bucket it has (SQLite, Redis, Postgres,
    # multiprocessing) on first import: imported where a limiter is built, not with this module.
    from pyrate_limiter import AbstractBucket, Rate

__all__ = [
    "LIMITER_URL_ENV",
    "AcquireStopped",
    "LimiterBackend",
    "LimiterProvider",
    "MemoryBackend",
    "RateLimiter",
    "RateLimits",
    "SQLiteBackend",
    "limiter_for",
    "redact_url",
]


class AcquireStopped(Exception):
    """A wait of :meth:`RateLimiter.acquire` ended early because its ``stop`` event was set;
    no slot was taken."""


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{attribute.name} must be a number, got {value!r}")
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{attribute.name} must be a positive finite number, got {value!r}")


def _count(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    # A window allows a whole number of requests: 2.5 would be read as 2 by one store and 3
    # by another (and True as 1).
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{attribute.name} must be a whole number of requests, got {value!r}")
    _positive(instance, attribute, value)


def _margin(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{attribute.name} must be a number, got {value!r}")
    if not 0 <= value < math.inf:  # NaN fails both comparisons
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


@attrs.frozen
class RateLimits:
    """The two windows a client must stay within.

    Attributes:
        burst_limit: requests allowed per ``burst_period`` seconds.
        burst_period: length of the burst window, in seconds.
        steady_limit: requests allowed per ``steady_period`` seconds.
        steady_period: length of the steady window, in seconds.
        safety_margin: the least number of seconds added to every window, to absorb the
            difference between when this client counts a request and when the server does;
            a longer time in flight seen lately adds more (see the module docstring).

    Limits are whole numbers of requests, periods positive finite seconds and the margin a
    finite number >= 0. The steady window must be the longer one, allow more requests and
    average no faster than the burst window (Klaviyo's always do); anything else raises
    ``ValueError`` when the limits are made, not when they are first used.

    Example::

        RateLimits.from_facts()                            # the generated revision's limits
        RateLimits(burst_limit=30, burst_period=0.25, steady_limit=150, steady_period=2)
    """

    burst_limit: int = attrs.field(validator=_count)
    burst_period: float = attrs.field(validator=_positive)
    steady_limit: int = attrs.field(validator=_count)
    steady_period: float = attrs.field(validator=_positive)
    safety_margin: float = attrs.field(default=0.05, validator=_margin)

    def __attrs_post_init__(self) -> None:
        if not (
            self.steady_period > self.burst_period
            and self.steady_limit > self.burst_limit
            and self.steady_limit / self.steady_period <= self.burst_limit / self.burst_period
        ):
            raise ValueError(
                "the steady window must be longer than the burst window, allow more requests "
                f"and average no faster; got {self.burst_limit}/{self.burst_period}s and "
                f"{self.steady_limit}/{self.steady_period}s"
            )

    @classmethod
    def from_facts(cls) -> RateLimits:
        """The limits of the revision the installed client was generated from.

        Read from ``klaviyo_profile_import.facts`` on every call rather than when this module
        is imported, so the numbers always match the generated code that is installed.
        """
        from klaviyo_profile_import import facts

        return cls(
            burst_limit=int(facts.BURST_LIMIT),
            burst_period=float(facts.BURST_PERIOD_SECONDS),
            steady_limit=int(facts.STEADY_LIMIT),
            steady_period=float(facts.STEADY_PERIOD_SECONDS),
        )

    @classmethod
    def from_operation(cls, operation_id: str) -> RateLimits:
        """The limits of one operation of the fragment (``facts.OPERATIONS[operation_id]``),
        such as ``"bulk_import_profiles"``; each operation has windows of its own.

        Example::

            RateLimits.from_operation("bulk_import_profiles")     # 10/s and 150/min
        """
        from klaviyo_profile_import import facts

        operation = facts.OPERATIONS[operation_id]
        return cls(
            burst_limit=int(operation.burst_limit),
            burst_period=float(operation.burst_period_seconds),
            steady_limit=int(operation.steady_limit),
            steady_period=float(operation.steady_period_seconds),
        )

    @property
    def steady_rate(self) -> float:
        """The long-run allowed rate, in requests per second."""
        return self.steady_limit / self.steady_period

    def rates(self, margin: float | None = None) -> list[Rate]:
        """The windows as pyrate-limiter rates (milliseconds), each lengthened by ``margin``
        (default :attr:`safety_margin`), in an order pyrate-limiter accepts.

        A burst of 10 or more is also spread over the burst window in slices of a fifth of
        it (same average rate): a server works through a burst one request at a time, and
        the tail of a burst fired all at once could arrive after the server's burst window
        has rolled over and be counted with the next burst.

        pyrate-limiter needs rates whose intervals and limits both grow and whose rates
        (limit per interval) never grow; windows that break that rule are made equivalent
        ones that keep it (:func:`_orderable`), never looser than asked.
        """
        from pyrate_limiter import Rate

        extra = self.safety_margin if margin is None else margin
        windows = [
            (self.burst_limit, _ms(self.burst_period + extra)),
            (self.steady_limit, _ms(self.steady_period + extra)),
        ]
        if self.burst_limit >= _SLICES * 2:
            # Rounded up: the slices only spread a burst, the burst window itself binds.
            windows.append((-(-self.burst_limit // _SLICES), _ms(self.burst_period / _SLICES)))
        return [Rate(limit, interval) for limit, interval in _orderable(windows)]

    @property
    def longest_period(self) -> float:
        """The longest window, in seconds, margin included."""
        return self.steady_period + self.safety_margin


def _orderable(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(limit, interval)`` windows made into an equivalent list pyrate-limiter accepts:
    strictly increasing intervals and limits, and a rate (limit / interval) that never grows.

    * Of two windows of one length, the smaller limit binds: the other is dropped.
    * A shorter window allowing at least as many requests as a longer one is implied by it
      (every short interval lies inside a long one): dropped.
    * A longer window allowing a higher rate than a shorter one is clamped down to that
      rate. Stricter than asked, so never an overrun; the loss is under one request a window
      for limits scaled to a share of Klaviyo's.
    """
    by_interval: dict[int, int] = {}
    for limit, interval in windows:
        by_interval[interval] = min(limit, by_interval.get(interval, limit))
    kept: list[tuple[int, int]] = []
    for interval in sorted(by_interval):
        limit = by_interval[interval]
        while kept:
            last_limit, last_interval = kept[-1]
            if limit <= last_limit:
                kept.pop()
            elif limit * last_interval > last_limit * interval:
                # Exact in integers; at least last_limit, since the interval is longer.
                limit = last_limit * interval // last_interval
            else:
                break
        kept.append((limit, interval))
    return kept


_SLICES = 5

#: The longest ``Retry-After`` that lengthens :meth:`RateLimiter.hold_cap`: a 429 that asks
#: for more is honoured for an hour, which is more than any rate window of Klaviyo's.
_LONGEST_RETRY_AFTER = 3600.0


def _rate_item(name: str, timestamp: int) -> Any:
    from pyrate_limiter import RateItem

    return RateItem(name, timestamp)


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))


@runtime_checkable
class LimiterBackend(Protocol):
    """Where a limiter keeps its request log.

    Implementations must be hashable and compare equal when they refer to the same storage,
    because :func:`limiter_for` keeps one limiter per backend.
    """

    @property
    def blocking(self) -> bool:
        """Whether bucket operations may wait on I/O or other processes.

        When true, :meth:`RateLimiter.acquire_async` consults the bucket from a worker thread.
        """

    def now(self) -> float:
        """Current time in seconds on the clock every user of this storage shares."""

    def open_bucket(self, key: str, rates: list[Rate]) -> AbstractBucket:
        """A pyrate-limiter bucket for ``key`` (an opaque, non-secret fingerprint)."""

    def leak(self, bucket: AbstractBucket, now: float) -> None:
        """Remove entries that no window can still need."""


@attrs.frozen
class MemoryBackend:
    """The log lives in this process's memory (pyrate-limiter's ``InMemoryBucket``).

    All instances are equal: every ``MemoryBackend()`` names the same per-process storage.
    """

    @property
    def blocking(self) -> bool:
        return False

    def now(self) -> float:
        # Monotonic: immune to wall-clock steps, and nothing outside this process compares.
        return time.monotonic()

    def open_bucket(self, key: str, rates: list[Rate]) -> AbstractBucket:
        from pyrate_limiter import InMemoryBucket

        return InMemoryBucket(rates)

    def leak(self, bucket: AbstractBucket, now: float) -> None:
        bucket.leak(int(now * 1000))


@attrs.frozen
class SQLiteBackend:
    """The log lives in an SQLite file shared by every process that opens the same path.

    Uses pyrate-limiter's ``SQLiteBucket`` with its inter-process file lock (``<path>.lock``)
    and WAL journaling; one table per API-key fingerprint, so processes with different limits
    for the same key still count each other's requests. Timestamps are wall-clock time, which
    all processes on a machine share.

    Example::

        backend = SQLiteBackend("/var/tmp/klaviyo-limits.sqlite")
        with KlaviyoProfiles(limiter_backend=backend) as client: ...

    Attributes:
        path: the database file (created if missing).
        retention: seconds of history kept beyond the longest window, so that a process with
            shorter windows never deletes entries another process's longer window still counts.
    """

    path: str = attrs.field(converter=os.fspath)
    retention: float = 600.0

    def __attrs_post_init__(self) -> None:
        # pyrate-limiter imports filelock only when the bucket opens, mid-request; checking
        # here makes a missing extra an error at configuration time, naming the extra.
        require_extra("sqlite", "SQLiteBackend (the SQLite limiter)")

    @property
    def blocking(self) -> bool:
        return True

    def now(self) -> float:
        return time.time()

    def open_bucket(self, key: str, rates: list[Rate]) -> AbstractBucket:
        """The bucket for ``key``, its table read once so that a file that is not a usable
        database (corrupted, truncated, a directory, a lock path that cannot be a lock) stops
        the limiter as it is made, before anything is sent.

        Raises:
            LimiterUnavailableError: naming the file and what is wrong with it.
        """
        import sqlite3

        from pyrate_limiter import SQLiteBucket

        # The table name is derived, never the caller's string, so nothing reaches SQL as text.
        table = "klaviyo_" + hashlib.sha256(key.encode()).hexdigest()[:24]
        try:
            bucket = SQLiteBucket.init_from_file(
                rates, table=table, db_path=self.path, use_file_lock=True
            )
            bucket.count()
        except (sqlite3.Error, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise LimiterUnavailableError(
                f"cannot use the SQLite limiter file {self.path!r} ({reason}); it holds only "
                "the last minutes of requests: remove it and its .lock, or choose another path"
            ) from None
        return bucket

    def leak(self, bucket: AbstractBucket, now: float) -> None:
        bucket.leak(int((now - self.retention) * 1000))


#: Environment variable naming the backend (a URL: ``klaviyo_profiles.limiter_urls``) for limiters
#: that are given none, so that a fleet is configured without code.
LIMITER_URL_ENV = "KLAVIYO_LIMITER_URL"


class RateLimiter:
    """Paces requests to stay within both windows; shared by threads and event-loop tasks.

    Get one through :func:`limiter_for` so that everything using the same API key shares
    it. ``clock``, ``sleep`` and ``async_sleep`` exist for tests (a fake clock that sleeping
    advances); by default they are the backend's clock, ``time.sleep`` and ``asyncio.sleep``.

    Example::

        limiter = RateLimiter(RateLimits(30, 0.25, 150, 2.0))
        waited = limiter.acquire()               # seconds spent waiting for room
        limiter.observe(result.rate_limit)       # let the server's view slow us down
        limiter.penalize(exc.retry_after)        # after a 429
    """

    def __init__(
        self,
        limits: RateLimits,
        *,
        backend: LimiterBackend | None = None,
        key: str = "default",
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.limits = limits
        self.backend: LimiterBackend = backend if backend is not None else MemoryBackend()
        self._key = key
        self._clock = clock if clock is not None else self.backend.now
        # What max_wait is counted on: monotonic (a backend's clock may be wall time, which
        # steps), or the test's clock when one is given.
        self._timer = clock if clock is not None else time.monotonic
        self._sleep = sleep if sleep is not None else time.sleep
        # Real time: a wait given a stop event can then sleep on it instead (a test's sleep
        # advances its own clock and is kept).
        self._real_sleep = sleep is None
        self._async_sleep = async_sleep  # None: asyncio.sleep (see acquire_async)
        # A bucket in this process's memory is made on first use (pyrate-limiter is then
        # imported by the first request, not by every client made); storage elsewhere is
        # opened now, so that one that cannot be used is refused when the client is made.
        self._opened: AbstractBucket | None = (
            None
            if type(self.backend) is MemoryBackend
            else self.backend.open_bucket(key, limits.rates())
        )
        # One lock for threads and tasks alike: it is only ever held for a decision (a few
        # microseconds, or one SQLite transaction), never across a sleep or an await.
        self._lock = threading.Lock()
        self._blocked_until = -math.inf  # set by penalize() and by observe() at zero budget
        self._budgets = ServerBudgets()  # observe(): what the server said is left
        self._sent: deque[float] = deque()  # this process's starts within the steady window
        self._last_leak = -math.inf
        # Times in flight reported in the last steady window, as (reported at, seconds),
        # kept decreasing so that the first is the longest.
        self._flights: deque[tuple[float, float]] = deque()
        self._margin = limits.safety_margin  # the margin self._bucket's rates were built with
        self._longest_retry_after = 0.0

    def __repr__(self) -> str:
        return f"RateLimiter({self.limits!r}, backend={self.backend!r})"

    @property
    def _bucket(self) -> AbstractBucket:
        """The bucket that counts the windows, opened on first use (under ``self._lock``)."""
        bucket = self._opened
        if bucket is None:
            bucket = self._opened = self.backend.open_bucket(
                self._key, self.limits.rates(self._margin)
            )
        return bucket

    @_bucket.setter
    def _bucket(self, bucket: AbstractBucket) -> None:
        self._opened = bucket

    # -- waiting -------------------------------------------------------------------------

    def acquire(
        self, max_wait: float | None = None, *, stop: threading.Event | None = None
    ) -> float:
        """Block until a request may start; return the seconds spent sleeping for room.

        With ``max_wait`` (seconds, ``>= 0``; less is taken as none left), a wait that would
        end past it raises :class:`~klaviyo_profiles.errors.RateLimitWaitError` at once, with
        no slot taken. The budget is counted on the clock from the call, so time spent asking
        the store or waking late after a sleep counts too, not only the sleeps. Once ``stop``
        is set, a wait ends at once with :class:`AcquireStopped` (no slot taken): how a
        request of a call that has ended gives up its place.
        """
        budget = _max_wait(max_wait)
        started = self._timer()
        waited = 0.0
        while True:
            wait = self._try_take()
            if wait <= 0:
                return waited
            wait = self._bounded(wait, max(waited, self._timer() - started), budget)
            self._pause(wait, stop)
            waited += wait

    def _pause(self, seconds: float, stop: threading.Event | None) -> None:
        if stop is None:
            self._sleep(seconds)
            return
        if self._real_sleep:
            stopped = stop.wait(seconds)
        else:
            self._sleep(seconds)
            stopped = stop.is_set()
        if stopped:
            raise AcquireStopped("the wait for a slot was stopped; no slot was taken")

    async def acquire_async(self, max_wait: float | None = None) -> float:
        """Await until a request may start, without blocking the event loop; return the
        seconds spent waiting for room. ``max_wait`` as for :meth:`acquire`."""
        # Imported where it is used: a coroutine runs in an event loop, so asyncio is loaded
        # by then, and programs that never use one do not import it with this module.
        import asyncio

        sleep = self._async_sleep if self._async_sleep is not None else asyncio.sleep
        budget = _max_wait(max_wait)
        started = self._timer()
        waited = 0.0
        while True:
            spent = max(waited, self._timer() - started)
            wait = await self._try_take_async(None if budget is None else budget - spent)
            if wait <= 0:
                return waited
            wait = self._bounded(wait, max(waited, self._timer() - started), budget)
            await sleep(wait)
            waited += wait

    def _bounded(self, wait: float, spent: float, budget: float | None) -> float:
        # Whatever a store handed back (another process's hold, say), no single sleep is
        # longer than the cap; time.sleep would raise OverflowError on a far-future value.
        wait = min(wait, self.hold_cap())
        if budget is not None and spent + wait > budget:
            raise RateLimitWaitError(wait, budget - spent)
        return wait

    def hold_cap(self) -> float:
        """The longest any hold, pace or wait may last, in seconds: the longest window (its
        margin included), plus a burst period (the most time in flight adds to it), plus the
        longest ``Retry-After`` this limiter was given (counted up to an hour). A server never
        asks for more (a 429 waits for a window to reset); a larger value, read from shared
        storage or a header, is clamped to this (61 s at Klaviyo's windows, before any
        ``Retry-After``)."""
        limits = self.limits
        return limits.longest_period + limits.burst_period + self._longest_retry_after

    # -- time in flight ----------------------------------------------------------------

    def record_flight(self, seconds: float) -> None:
        """Report how long a request took from its slot to its response: windows are
        lengthened by the longest such time of the last steady window, so that arrivals at
        the server, not departures, fit them (see the module docstring)."""
        if not seconds >= 0 or math.isinf(seconds):
            return
        with self._lock:
            now = self._clock()
            while self._flights and self._flights[-1][1] <= seconds:
                self._flights.pop()
            self._flights.append((now, seconds))

    def flight_margin(self) -> float:
        """What each window is lengthened by now: the longest time in flight reported in
        the last steady window, rounded up to 10 ms (so that the windows change seldom) and
        at most one burst period, or the safety margin if that is more. Called under
        ``self._lock``."""
        horizon = self._clock() - self.limits.steady_period
        while self._flights and self._flights[0][0] < horizon:
            self._flights.popleft()
        longest = self._flights[0][1] if self._flights else 0.0
        flight = math.ceil(min(longest, self.limits.burst_period) * 100 - 1e-9) / 100
        return max(flight, self.limits.safety_margin)

    def _unheard_window(self, flight: float | None) -> float:
        """How far back the requests this process let go may be missing from an answer's
        count (under ``self._lock``): the margin, or the answer's own time in flight when
        longer. Not capped at a burst period as the margin is: every request let go while a
        slow answer flew may have reached the server after it; an earlier slow answer says
        nothing about this one."""
        margin = self.flight_margin()
        if flight is None or not flight > margin:  # NaN included
            return margin
        # Nothing older than the steady window counts against a budget anyway.
        return min(flight, self.limits.steady_period)

    def _refit(self) -> None:
        """Give the bucket rates lengthened by the current margin (under ``self._lock``)."""
        margin = self.flight_margin()
        if margin != self._margin:
            self._bucket.rates = self.limits.rates(margin)
            self._margin = margin

    async def _try_take_async(self, within: float | None = None) -> float:
        """:meth:`_try_take` for the event loop (a limiter over a networked store overrides
        it with an async client, and gives up asking it after ``within`` seconds, what is
        left of the caller's budget)."""
        if self.backend.blocking:
            import asyncio  # loaded by the running event loop (see acquire_async)

            return await asyncio.to_thread(self._try_take)
        return self._try_take()

    def _try_take(self) -> float:
        """Take a slot now and return 0, or return how long to wait before asking again."""
        with self._lock:
            # The bucket first: opened on first use, it may import pyrate-limiter (tens of
            # milliseconds), and a request stamped before that would end its window early.
            bucket = self._bucket
            now = self._clock()
            gate = max(self._blocked_until, self._budgets.gate(now))
            if now < gate:
                return gate - now
            self._refit()
            item = _rate_item(self._key, round(now * 1000))
            admitted = bucket.put(item)
            if not isinstance(admitted, bool):  # pragma: no cover - only async buckets do this
                raise TypeError("RateLimiter needs a synchronous pyrate-limiter bucket")
            if not admitted:
                delay_ms = self._bucket.waiting(item)
                if not isinstance(delay_ms, int) or delay_ms < 0:  # pragma: no cover
                    raise RuntimeError("the bucket cannot admit a single request")
                return max(delay_ms, 1) / 1000
            self._budgets.spend(now)
            self._record_sent(now)
            if now - self._last_leak >= self.limits.steady_period:
                self._last_leak = now
                self.backend.leak(self._bucket, now)
            return 0.0

    def _record_sent(self, now: float) -> None:
        self._sent.append(now)
        self._forget_old_sends(now)

    def _forget_old_sends(self, now: float) -> None:
        horizon = now - self.limits.steady_period - self.limits.safety_margin
        while self._sent and self._sent[0] < horizon:
            self._sent.popleft()

    # -- feedback ------------------------------------------------------------------------

    def observe(self, info: RateLimitInfo | None, flight: float | None = None) -> None:
        """Take the server's steady-window budget into account.

        When ``RateLimit-Remaining`` is lower than what this process has left by its own
        count (other clients share the account), it becomes a window of its own: at most that
        many more requests until ``RateLimit-Reset``, less the requests this process let go
        that the server may not have counted yet: those let go within ``flight`` (the
        answer's own time in flight, in seconds, from its slot; the clients give it) or the
        windows' margin, whichever is longer.
        What remains goes out at the pace of the limiter's windows, the burst window
        included; once it is spent, nothing starts before the reset (see
        ``klaviyo_profiles._server_budget``). At zero remaining, nothing starts before the
        reset. A server that reports at least as much budget as we think we have changes
        nothing.
        """
        if info is None or info.remaining is None or info.reset is None:
            return
        remaining, reset = info.remaining, min(max(0.0, info.reset), self.hold_cap())
        with self._lock:
            now = self._clock()
            self._forget_old_sends(now)
            local_remaining = self.limits.steady_limit - len(self._sent)
            if remaining >= local_remaining or reset <= 0:
                return
            if remaining <= 0:
                self._blocked_until = max(self._blocked_until, now + reset)
                return
            unheard = self._sent_since(now - self._unheard_window(flight))
            self._budgets.add(now, now + reset, remaining - unheard)

    def _sent_since(self, moment: float) -> int:
        """How many of this process's requests started at ``moment`` or later (under
        ``self._lock``)."""
        count = 0
        for started in reversed(self._sent):
            if started < moment:
                break
            count += 1
        return count

    def penalize(self, retry_after: float | None) -> None:
        """After a 429: no request through this limiter starts before ``retry_after`` elapses.

        Without a ``Retry-After`` the burst period is used, the shortest window that can
        have been exceeded.
        """
        delay = self.limits.burst_period if retry_after is None else max(0.0, retry_after)
        with self._lock:
            if retry_after is not None:
                longest = max(self._longest_retry_after, min(delay, _LONGEST_RETRY_AFTER))
                self._longest_retry_after = longest
            delay = min(delay, self.hold_cap())
            self._blocked_until = max(self._blocked_until, self._clock() + delay)

    def close(self) -> None:
        """Release the backend's resources (an SQLite connection, for example)."""
        with self._lock:
            if self._opened is not None:
                self._opened.close()


@runtime_checkable
class LimiterProvider(Protocol):
    """A backend that brings its own limiter, because its windows are not a local bucket's
    (the Redis backend keeps windows, holds and pace in Redis).

    :func:`limiter_for` asks a backend that is one for its limiter instead of building a
    :class:`RateLimiter` over the backend's bucket.
    """

    def create_limiter(self, limits: RateLimits, key: str) -> RateLimiter:
        """A new limiter for the fingerprint ``key`` and ``limits``, counting in this
        backend's storage."""
        ...


def _max_wait(max_wait: float | None) -> float | None:
    if max_wait is None:
        return None
    if isinstance(max_wait, bool) or not isinstance(max_wait, (int, float)) or max_wait != max_wait:
        raise ValueError(f"max_wait must be a number of seconds or None, got {max_wait!r}")
    return float(max_wait)


_registry: dict[tuple[object, ...], RateLimiter] = {}
_registry_lock = threading.Lock()


def limiter_for(key_id: str, limits: RateLimits, *, backend: LimiterBackend) -> RateLimiter:
    """The process-wide limiter for an API key fingerprint, limits and backend.

    ``key_id`` is an opaque, non-secret fingerprint of the API key (for example a SHA-256
    hex prefix), never the key itself. Every call with equal arguments in the same process
    returns the same limiter, whichever thread or event loop asks. A backend that is a
    :class:`LimiterProvider` makes the limiter; any other gets a :class:`RateLimiter` over
    its bucket. (The clients call ``klaviyo_profiles.limiter_urls.shared_limiter``, which
    also takes a URL, or none for ``$KLAVIYO_LIMITER_URL``.)

    Example::

        a = limiter_for("3f2a9c01", RateLimits.from_facts(), backend=MemoryBackend())
        b = limiter_for("3f2a9c01", RateLimits.from_facts(), backend=MemoryBackend())
        assert a is b
    """
    if not isinstance(backend, LimiterBackend):
        raise TypeError(
            f"backend must be a LimiterBackend, got {type(backend).__name__} (for a URL, use "
            "klaviyo_profiles.limiter_urls.shared_limiter)"
        )
    # The pid is part of the key: a forked child must not reuse its parent's SQLite
    # connection or in-memory log.
    registry_key: tuple[object, ...] = (os.getpid(), key_id, limits, backend)
    with _registry_lock:
        limiter = _registry.get(registry_key)
        if limiter is None:
            if isinstance(backend, LimiterProvider):
                limiter = backend.create_limiter(limits, key_id)
            else:
                limiter = RateLimiter(limits, backend=backend, key=key_id)
            _registry[registry_key] = limiter
        return limiter
