"""What one process of a fleet knows of the fleet's shared request log, and what it may send
alone while that log is out of reach. No I/O here: the Redis limiter feeds it what Redis said.

Each reply of the Redis script carries the log entries added since the process last read it,
so every process keeps a copy of the fleet's log for the longest window (a few hundred entries
at most). The copy serves three decisions, all conservative (never looser than the limits):

* **Is the log whole?** Redis must still hold every entry of the copy that is inside the
  window; when it holds fewer (restarted empty, failed over, the key deleted or replaced), the
  log was lost (:meth:`FleetLog.check`).
* **Restoring a lost log:** every entry the copy knows goes back (idempotently, under its own
  name), and what the process could not have seen, the time between its last read of the log
  and now (or the moment it lost Redis), is counted as full: as many entries as the windows
  allowed in that time, stamped now (:meth:`FleetLog.entries`).
* **Pacing alone:** a process that loses Redis takes its share of what *remains* of the
  fleet's windows: its local windows start holding that share of every entry the copy knows
  and of the unseen time (:meth:`FleetLog.seed`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence

import attrs

from .ratelimit import RateLimits

__all__ = ["FleetLog", "share_of"]


def share_of(limits: RateLimits, share: float) -> RateLimits:
    """``limits`` scaled to ``share`` of each window, as limits :class:`RateLimits` accepts
    and never looser than the share where whole requests can express it.

    * A window's limit is rounded down. Where that leaves no request (a burst share under
      one) the window is lengthened instead, keeping the share's rate: one request per
      ``period / (limit * share)``.
    * The steady window allows more than the burst (at least two requests, lengthened the
      same way), else the burst is lowered to one under it.
    * A steady window that would average faster than the burst is lengthened until it does
      not: a longer window with the same limit is stricter.

    Example::

        share_of(RateLimits(75, 1.0, 750, 60.0), 0.25)   # 18/1s, 187/60s
        share_of(RateLimits(3, 1.0, 4, 1.5), 0.5)        # 1/1s, 2/2s
    """
    burst, burst_period = _scaled(limits.burst_limit, limits.burst_period, share, least=1)
    steady, steady_period = _scaled(limits.steady_limit, limits.steady_period, share, least=2)
    burst = min(burst, steady - 1)
    steady_period = max(steady_period, steady * burst_period / burst)
    return attrs.evolve(
        limits,
        burst_limit=burst,
        burst_period=burst_period,
        steady_limit=steady,
        steady_period=steady_period,
    )


def _scaled(limit: int, period: float, share: float, *, least: int) -> tuple[int, float]:
    scaled = math.floor(limit * share + 1e-9)
    if scaled >= least:
        return scaled, period
    return least, period * least / (limit * share)


@attrs.define
class _Entry:
    score: float  # milliseconds on Redis's clock
    moment: float  # seconds on this process's monotonic clock
    name: bytes


class FleetLog:
    """This process's copy of the fleet's log, for ``limits`` (the full limits, not a share).

    Names are the log's members (bytes, as Redis returns them); scores are Redis's
    milliseconds. Moments on this process's clock are derived from Redis's clock at each read
    (the two are never compared, only the span since the read).
    """

    def __init__(self, limits: RateLimits) -> None:
        self._limits = limits
        self._entries: list[_Entry] = []  # by score
        self._scores: list[float] = []  # the same, for bisect
        self._names: set[bytes] = set()
        self.read_at: float | None = None  # this process's clock at the last read
        self._alone_since: float | None = None  # when this process lost Redis, if it has
        self._offset = 0.0  # Redis's clock minus this process's, in seconds, at that read
        self._whole = True  # the next read must be of the whole window

    def since(self) -> str:
        """Where the next read starts: after the newest score known, or ``""`` for the whole
        window."""
        if self._whole or not self._scores:
            return ""
        return f"{self._scores[-1]:.3f}"

    def read(
        self, entries: Sequence[tuple[bytes, float]], redis_ms: float, now: float, *, whole: bool
    ) -> None:
        """Take in what a reply carried: ``entries`` newer than :meth:`since`, or the whole
        window when ``whole``, read when Redis's clock said ``redis_ms`` and this process's
        said ``now``."""
        self._offset = redis_ms / 1000 - now
        if whole or self._whole:
            self._entries, self._scores, self._names = [], [], set()
            self._whole = False
        for name, score in entries:
            if name in self._names:
                # Moved by Redis (an entry "in the future" is counted from now): keep one.
                index = next(i for i, entry in enumerate(self._entries) if entry.name == name)
                del self._entries[index], self._scores[index]
            position = bisect.bisect_right(self._scores, score)
            self._scores.insert(position, score)
            self._entries.insert(position, _Entry(score, score / 1000 - self._offset, name))
            self._names.add(name)
        self.read_at = now
        self._alone_since = None
        self._forget(now)

    def alone(self, now: float) -> None:
        """This process lost Redis at ``now`` and paces alone: the time it spends so is not
        time it could have read the log (see :meth:`unseen`)."""
        if self._alone_since is None:
            self._alone_since = now

    def _forget(self, now: float) -> None:
        # As long as a window lengthened by the most time in flight may still count them.
        horizon = (now - self._limits.longest_period - self._limits.burst_period) * 1000
        cut = bisect.bisect_left(self._scores, horizon + self._offset * 1000)
        if cut:
            for entry in self._entries[:cut]:
                self._names.discard(entry.name)
            del self._entries[:cut], self._scores[:cut]

    def check(self, now: float, window_ms: float) -> tuple[float, int]:
        """``(from, count)``: Redis must hold at least ``count`` entries scored ``from`` or
        later, all of them known here and inside the window of ``window_ms`` by a margin;
        ``count`` 0 when nothing known is safely inside (then nothing can be checked)."""
        if self.read_at is None:
            return 0.0, 0
        redis_now = (now + self._offset) * 1000
        # A quarter of the window (at most a second) of slack for the two clocks' drift.
        floor = redis_now - window_ms + min(1000.0, window_ms / 4)
        first = bisect.bisect_left(self._scores, floor)
        if first == len(self._scores):
            return 0.0, 0
        return self._scores[first], len(self._scores) - first

    def senders(self, now: float) -> int:
        """How many processes the copy saw sending within the longest window."""
        horizon = now - self._limits.longest_period
        return len(
            {entry.name.rpartition(b":")[0] for entry in self._entries if entry.moment > horizon}
        )

    def unseen(self, now: float, rates: Sequence[tuple[int, float]]) -> int:
        """How many requests the fleet may have sent that this process cannot know of: what
        every window allows between its last read of the log and ``now``, or the moment it
        lost Redis if it has (while every process paces alone, each puts its own requests
        back when Redis answers), and no more than the longest window has left besides what
        is known. ``rates`` are ``(limit, seconds)``, the longest last. 0 for a process that
        never read the log (it knows nothing to compare with)."""
        if self.read_at is None:
            return 0
        end = now if self._alone_since is None else min(now, self._alone_since)
        gap = max(end - self.read_at, 1e-6)
        allowed = min(limit * math.ceil(gap / period) for limit, period in rates)
        limit, period = rates[-1]
        known = len(self._entries) - bisect.bisect_right(
            self._scores, (now - period + self._offset) * 1000
        )
        return max(0, min(allowed, limit - known))

    def known(self, now: float) -> list[tuple[float, bytes]]:
        """``(moment, name)`` of every entry the copy knows inside the longest window."""
        horizon = now - self._limits.longest_period - self._limits.burst_period
        return [(entry.moment, entry.name) for entry in self._entries if entry.moment > horizon]

    def entries(
        self,
        now: float,
        own: Iterable[tuple[float, bytes]],
        unseen: int,
        unseen_names: Iterable[bytes],
    ) -> list[tuple[float, bytes]]:
        """``(moment, name)``, newest first, of everything the fleet may have sent that still
        counts: every entry known, this process's own requests (``own``; some were sent
        while Redis was away), and ``unseen`` entries stamped ``now``, named from
        ``unseen_names``. What goes back into a lost log; what a process pacing alone takes
        its share of."""
        entries = dict((name, moment) for moment, name in self.known(now))
        for moment, name in own:
            entries.setdefault(name, moment)
        names = iter(unseen_names)
        for _ in range(unseen):
            entries[next(names)] = now
        return sorted(((moment, name) for name, moment in entries.items()), reverse=True)

    def seed(
        self, share: float, entries: Sequence[tuple[float, bytes]]
    ) -> list[tuple[float, bytes]]:
        """Of ``entries`` (``(moment, name)``, newest first), the ones a process pacing
        alone at ``share`` counts as its own: for every run of the newest ``n`` entries, at
        least ``share * n`` of them. Every window that ends from now on holds the newest
        entries of the fleet, so each process's local windows hold at least its share of
        what the fleet used, and together they take no more than what remains."""
        chosen: list[tuple[float, bytes]] = []
        for seen, entry in enumerate(entries, start=1):
            if len(chosen) < math.ceil(share * seen - 1e-9):
                chosen.append(entry)
        return chosen
