"""The client-side rate limiter: both windows, server feedback, 429 penalties, sharing.

Most tests run on a fake clock that only sleeping advances, so they are exact and instant.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles._server_budget import MOST, ServerBudgets
from klaviyo_profiles.errors import RateLimitWaitError
from klaviyo_profiles.limiter_urls import backend_from_uri, shared_limiter
from klaviyo_profiles.ratelimit import (
    LimiterBackend,
    MemoryBackend,
    RateLimiter,
    RateLimits,
    SQLiteBackend,
)
from klaviyo_profiles.result import RateLimitInfo
from pyrate_limiter import AbstractBucket, Rate

LIMITS = RateLimits(burst_limit=3, burst_period=1.0, steady_limit=5, steady_period=10.0)


class FakeClock:
    """Time that passes only when someone sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the limiter must never sleep for nothing"
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def make_limiter(
    clock: FakeClock,
    limits: RateLimits = LIMITS,
    backend: LimiterBackend | None = None,
    key: str = "k",
) -> RateLimiter:
    return RateLimiter(
        limits,
        backend=backend,
        key=key,
        clock=clock,
        sleep=clock.sleep,
        async_sleep=clock.async_sleep,
    )


def max_in_window(starts: Sequence[float], period: float) -> int:
    """The largest number of starts inside any half-open window of ``period`` seconds."""
    ordered = sorted(starts)
    best = 0
    first = 0
    for last, start in enumerate(ordered):
        while start - ordered[first] >= period:
            first += 1
        best = max(best, last - first + 1)
    return best


# -- the windows ---------------------------------------------------------------------------


def test_a_burst_goes_out_at_once_and_the_next_request_waits_for_the_burst_window() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)

    waits = [limiter.acquire() for _ in range(3)]
    assert waits == [0.0, 0.0, 0.0]

    waited = limiter.acquire()
    # The burst window is lengthened by the safety margin.
    assert waited == pytest.approx(1.0 + LIMITS.safety_margin, abs=0.002)


def test_no_window_ever_holds_more_than_its_limit_and_throughput_stays_near_the_steady_rate() -> (
    None
):
    clock = FakeClock()
    limiter = make_limiter(clock)
    starts: list[float] = []
    for _ in range(50):
        limiter.acquire()
        starts.append(clock())

    assert max_in_window(starts, LIMITS.burst_period) <= LIMITS.burst_limit
    assert max_in_window(starts, LIMITS.steady_period) <= LIMITS.steady_limit
    # Each steady window lets 5 through as a burst of 3 and, one burst window later, 2 more;
    # the 50th request is the last of the tenth window. No time is wasted beyond that.
    margin = LIMITS.safety_margin
    elapsed = starts[-1] - starts[0]
    assert elapsed == pytest.approx(9 * (10.0 + margin) + (1.0 + margin), abs=0.05)


def test_a_large_burst_is_spread_over_its_window_in_fifths() -> None:
    clock = FakeClock()
    limits = RateLimits(burst_limit=30, burst_period=0.25, steady_limit=150, steady_period=2.0)
    limiter = make_limiter(clock, limits)
    starts: list[float] = []
    for _ in range(60):
        limiter.acquire()
        starts.append(clock())

    assert max_in_window(starts, 0.05) <= 6
    assert max_in_window(starts, 0.25) <= 30
    # ... at the same average rate: 60 requests fit in two burst windows.
    assert starts[-1] - starts[0] < 2 * (0.25 + limits.safety_margin)


def test_acquire_async_awaits_instead_of_sleeping_the_thread() -> None:
    clock = FakeClock()
    blocking_sleeps: list[float] = []
    limiter = RateLimiter(
        LIMITS,
        clock=clock,
        sleep=blocking_sleeps.append,
        async_sleep=clock.async_sleep,
    )

    async def run() -> list[float]:
        return [await limiter.acquire_async() for _ in range(4)]

    waits = asyncio.run(run())
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] > 1.0
    assert blocking_sleeps == []


async def test_acquire_async_leaves_the_event_loop_free_while_it_waits() -> None:
    clock = FakeClock()
    ticks_during_wait: list[int] = []
    ticks = 0

    async def sleep_yielding(seconds: float) -> None:
        # Advance the fake time, then hand the loop over as a real wait would.
        clock.sleep(seconds)
        for _ in range(3):
            await asyncio.sleep(0)
        ticks_during_wait.append(ticks)

    limiter = RateLimiter(LIMITS, clock=clock, sleep=clock.sleep, async_sleep=sleep_yielding)
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    waits = [await limiter.acquire_async() for _ in range(LIMITS.burst_limit + 1)]
    stop.set()
    await task

    assert waits[-1] == pytest.approx(LIMITS.burst_period + LIMITS.safety_margin, abs=0.002)
    # Other tasks ran while the limiter waited.
    assert ticks_during_wait and ticks_during_wait[0] > 0


class GrantClock:
    """Real time that remembers, per thread, the last reading: after ``acquire`` returns it is
    the moment the limiter granted the slot, whatever the scheduler did afterwards."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __call__(self) -> float:
        self._local.last = time.monotonic()
        return float(self._local.last)

    @property
    def last(self) -> float:
        return float(self._local.last)


def test_threads_sharing_one_limiter_grant_within_both_windows() -> None:
    limits = RateLimits(burst_limit=4, burst_period=0.1, steady_limit=8, steady_period=0.4)
    clock = GrantClock()
    limiter = RateLimiter(limits, clock=clock)
    grants: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.acquire()
            with lock:
                grants.append(clock.last)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(grants) == 20
    # The limiter's own decisions, on its own clock: a busy machine can delay a thread after
    # its grant, never make the limiter grant more than a window holds.
    assert max_in_window(grants, limits.burst_period) <= limits.burst_limit
    assert max_in_window(grants, limits.steady_period) <= limits.steady_limit


# -- server feedback and 429s ---------------------------------------------------------------


def test_penalize_holds_every_request_until_retry_after_has_elapsed() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)
    limiter.penalize(2.5)
    assert limiter.acquire() == pytest.approx(2.5)


def test_penalize_without_retry_after_waits_one_burst_period() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)
    limiter.penalize(None)
    assert limiter.acquire() == pytest.approx(LIMITS.burst_period)


def test_a_shorter_penalty_never_shortens_a_longer_one() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)
    limiter.penalize(5.0)
    limiter.penalize(1.0)
    assert limiter.acquire() == pytest.approx(5.0)


KLAVIYO = RateLimits(burst_limit=75, burst_period=1.0, steady_limit=750, steady_period=60.0)


def test_a_shared_window_with_room_for_the_demand_is_used_at_the_burst_pace() -> None:
    # Another process used 300 of the 750: the 450 left go out as fast as on a fresh window.
    fresh_clock, shared_clock = FakeClock(), FakeClock()
    fresh, shared = make_limiter(fresh_clock, KLAVIYO), make_limiter(shared_clock, KLAVIYO)
    shared.observe(RateLimitInfo(limit=750, remaining=450, reset=60.0))

    fresh_waits = [fresh.acquire() for _ in range(300)]
    shared_waits = [shared.acquire() for _ in range(300)]

    assert shared_waits == fresh_waits
    assert shared_clock.now - 1000.0 < 4.5  # the burst window's spacing, not 300 x 60 / 450 s


def test_once_the_reported_budget_is_spent_the_next_request_waits_for_the_reset() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, KLAVIYO)
    limiter.observe(RateLimitInfo(limit=750, remaining=10, reset=30.0))

    assert [limiter.acquire() for _ in range(10)] == [0.0] * 10
    assert limiter.acquire() == pytest.approx(30.0)
    assert clock.now == pytest.approx(1030.0)


def test_requests_let_go_just_before_an_answer_count_against_the_budget_it_reports() -> None:
    # Five requests left just now: the server may not have counted them when it said 10.
    clock = FakeClock()
    limiter = make_limiter(clock, KLAVIYO)
    for _ in range(5):
        limiter.acquire()
    limiter.observe(RateLimitInfo(limit=750, remaining=10, reset=30.0))

    assert [limiter.acquire() for _ in range(5)] == [0.0] * 5
    assert limiter.acquire() == pytest.approx(30.0)


def test_requests_let_go_while_a_slow_answer_flew_count_against_its_budget() -> None:
    # The answer took 2.5 s, longer than the burst period that caps the windows' margin: the
    # twenty requests let go meanwhile may all have reached the server after it counted.
    clock = FakeClock()
    limiter = make_limiter(clock, KLAVIYO)
    limiter.acquire()  # the slow request
    for step in range(20):
        clock.now = 1000.1 + step * 0.125
        limiter.acquire()
    clock.now = 1002.5
    limiter.record_flight(2.5)
    limiter.observe(RateLimitInfo(limit=750, remaining=30, reset=30.0), flight=2.5)

    admitted = 0
    while limiter.acquire() == 0.0:
        admitted += 1
    assert admitted <= 10  # 30, less the twenty let go after the slow one


def test_a_fast_answer_after_a_slow_one_counts_only_the_requests_let_go_while_it_flew() -> None:
    # One answer took 2.5 s; ten seconds later a 0.1 s answer reports its budget. The server
    # counted that one on arrival: only the requests let go within the windows' margin (1 s,
    # eight of them) can be missing from it, not the twenty of the slow answer's flight.
    clock = FakeClock()
    limiter = make_limiter(clock, KLAVIYO)
    for step in range(100):  # eight a second for twelve and a half seconds
        clock.now = 1000.0 + step * 0.125
        limiter.acquire()
        if step == 20:
            limiter.record_flight(2.5)  # the slow answer, its budget ample
    clock.now = 1012.5
    limiter.record_flight(0.1)
    limiter.observe(RateLimitInfo(limit=750, remaining=30, reset=30.0), flight=0.1)

    admitted = 0
    while limiter.acquire() < 10.0:  # the burst windows' short waits, not the reset's
        admitted += 1
    assert admitted == 30 - 8


def test_an_answer_reporting_more_budget_later_never_loosens_the_budget() -> None:
    # Answers arrive out of order under concurrency: an older one reports more.
    clock = FakeClock()
    limiter = make_limiter(clock, KLAVIYO)
    limiter.observe(RateLimitInfo(limit=750, remaining=10, reset=30.0))
    for _ in range(3):
        limiter.acquire()
    clock.now += 1.0  # the three are answered; none is in flight any more
    limiter.observe(RateLimitInfo(limit=750, remaining=20, reset=29.0))

    assert [limiter.acquire() for _ in range(7)] == [0.0] * 7
    assert limiter.acquire() == pytest.approx(29.0)


def test_an_answer_reporting_less_budget_tightens_it() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, KLAVIYO)
    limiter.observe(RateLimitInfo(limit=750, remaining=100, reset=30.0))
    limiter.acquire()
    clock.now += 1.0
    limiter.observe(RateLimitInfo(limit=750, remaining=2, reset=29.0))

    assert [limiter.acquire() for _ in range(2)] == [0.0] * 2
    assert limiter.acquire() == pytest.approx(29.0)


def test_more_budgets_than_are_kept_are_merged_never_loosened() -> None:
    budgets = ServerBudgets()
    added = [(100.0 + 7 * i, 3 * i + 1) for i in range(MOST + 3)]  # later ends, more left
    for end, left in added:
        budgets.add(90.0, end, left)
    assert len(budgets) == MOST
    for end, left in added:
        spent = ServerBudgets()
        for other_end, other_left in added:
            spent.add(90.0, other_end, other_left)
        for _ in range(left):
            spent.spend(90.0)
        # However the budgets were merged, spending this one's left holds until its end.
        assert spent.gate(90.0) >= end


def test_pacing_from_the_server_ends_at_the_reset() -> None:
    clock = FakeClock()
    limits = RateLimits(burst_limit=10, burst_period=1.0, steady_limit=100, steady_period=60.0)
    limiter = make_limiter(clock, limits)
    limiter.observe(RateLimitInfo(limit=100, remaining=2, reset=4.0))
    clock.now += 4.0
    # Back to the local limits: a slice of the burst (10 / 5) goes out at once.
    assert [limiter.acquire() for _ in range(2)] == [0.0] * 2


def test_server_reporting_no_budget_holds_requests_until_the_reset() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)
    limiter.observe(RateLimitInfo(limit=5, remaining=0, reset=7.0))
    assert limiter.acquire() == pytest.approx(7.0)


@pytest.mark.parametrize(
    "info",
    [
        None,
        RateLimitInfo(limit=5, remaining=None, reset=3.0),
        RateLimitInfo(limit=5, remaining=2, reset=None),
        # As much as we think we have (we sent 3 of 5): the server agrees, nothing changes.
        RateLimitInfo(limit=5, remaining=2, reset=3.0),
    ],
)
def test_server_feedback_that_does_not_show_less_budget_changes_nothing(
    info: RateLimitInfo | None,
) -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)
    for _ in range(3):
        limiter.acquire()
    clock.now += LIMITS.burst_period + LIMITS.safety_margin + 0.01
    limiter.observe(info)
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == 0.0


# -- limits from the generated facts -----------------------------------------------------------


def test_limits_come_from_the_generated_facts() -> None:
    limits = RateLimits.from_facts()
    assert limits.burst_limit == facts.BURST_LIMIT
    assert limits.burst_period == facts.BURST_PERIOD_SECONDS
    assert limits.steady_limit == facts.STEADY_LIMIT
    assert limits.steady_period == facts.STEADY_PERIOD_SECONDS


def test_limits_are_read_from_the_facts_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts, "STEADY_LIMIT", 700)
    assert RateLimits.from_facts().steady_limit == 700


@pytest.mark.parametrize(
    "kwargs",
    [
        {"burst_limit": 0},
        {"burst_period": -1.0},
        {"steady_period": float("inf")},
        {"steady_period": 0.5},  # shorter than the burst window
        {"steady_limit": 20},  # fewer than the burst allows
        {"steady_limit": 10_000},  # averages faster than the burst window
        {"safety_margin": -0.1},
    ],
)
def test_inconsistent_limits_are_refused(kwargs: dict[str, float]) -> None:
    base: dict[str, float] = {
        "burst_limit": 75,
        "burst_period": 1.0,
        "steady_limit": 750,
        "steady_period": 60.0,
    }
    with pytest.raises(ValueError):
        RateLimits(**{**base, **kwargs})  # type: ignore[arg-type]


# -- sharing ---------------------------------------------------------------------------------


def test_shared_limiter_is_one_per_key_limits_and_backend(tmp_path: Path) -> None:
    limits = RateLimits(burst_limit=3, burst_period=1.0, steady_limit=5, steady_period=10.0)
    a = shared_limiter("unit-a", limits)
    assert shared_limiter("unit-a", limits) is a
    assert shared_limiter("unit-a", limits, backend=MemoryBackend()) is a
    assert shared_limiter("unit-a", limits, backend="memory://") is a
    assert shared_limiter("unit-b", limits) is not a
    assert shared_limiter("unit-a", RateLimits.from_facts()) is not a
    db = tmp_path / "limits.sqlite"
    s = shared_limiter("unit-a", limits, backend=SQLiteBackend(db))
    assert s is not a
    assert shared_limiter("unit-a", limits, backend=f"sqlite:///{db}") is s


def test_shared_limiter_is_the_same_from_every_thread() -> None:
    limits = RateLimits(burst_limit=3, burst_period=1.0, steady_limit=5, steady_period=10.0)
    seen: list[RateLimiter] = []

    def get() -> None:
        seen.append(shared_limiter("unit-threads", limits))

    threads = [threading.Thread(target=get) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(limiter) for limiter in seen}) == 1


def test_the_repr_names_no_key() -> None:
    limiter = shared_limiter("fingerprint-123", LIMITS)
    assert "fingerprint-123" not in repr(limiter)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("memory://", MemoryBackend()),
        ("sqlite:///tmp/x.db", SQLiteBackend("/tmp/x.db")),
        ("sqlite:////tmp/x.db", SQLiteBackend("/tmp/x.db")),
        ("sqlite:limits.db", SQLiteBackend("limits.db")),
    ],
)
def test_backend_uris(uri: str, expected: LimiterBackend) -> None:
    assert backend_from_uri(uri) == expected


@pytest.mark.parametrize("uri", ["sqlite://", "sqlite:///", "sqlite:", "nonsense", "mysql://h/db"])
def test_unknown_backend_uris_are_refused(uri: str) -> None:
    with pytest.raises(ValueError, match="unsupported limiter backend"):
        backend_from_uri(uri)


# -- the SQLite backend ------------------------------------------------------------------------


def test_sqlite_limiters_on_one_file_share_the_budget_of_a_key(tmp_path: Path) -> None:
    # Two limiters with their own connections are what two processes look like to SQLite.
    clock = FakeClock()
    backend = SQLiteBackend(tmp_path / "limits.sqlite")
    first = make_limiter(clock, backend=backend)
    second = make_limiter(clock, backend=backend)
    other_key = make_limiter(clock, backend=backend, key="another account")

    assert [first.acquire(), second.acquire(), first.acquire()] == [0.0, 0.0, 0.0]
    assert second.acquire() == pytest.approx(1.0 + LIMITS.safety_margin, abs=0.002)
    assert other_key.acquire() == 0.0
    for limiter in (first, second, other_key):
        limiter.close()


async def test_sqlite_acquire_async_works_from_the_event_loop(tmp_path: Path) -> None:
    # A fake clock: the wait is the limiter's decision, not how long the machine took.
    clock = FakeClock()
    limits = RateLimits(burst_limit=2, burst_period=0.1, steady_limit=4, steady_period=0.3)
    limiter = make_limiter(clock, limits, backend=SQLiteBackend(tmp_path / "limits.sqlite"))
    waits = [await limiter.acquire_async() for _ in range(3)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(0.1 + limits.safety_margin, abs=0.002)
    limiter.close()


# -- limits pyrate-limiter cannot order as given -------------------------------------------------


def _shares(burst: int, steady: int) -> list[RateLimits]:
    """The limits each process of a fleet of 2, 4 and 6 gets (as the Redis limiter scales)."""
    return [
        RateLimits(max(1, burst // n), 1.0, max(burst // n + 1, steady // n), 60.0)
        for n in (2, 4, 6)
    ]


@pytest.mark.parametrize(
    "limits",
    [
        RateLimits(37, 1.0, 375, 60.0),
        RateLimits(10, 1.0, 600, 60.0),  # the same average rate in both windows
        *_shares(75, 750),
        *_shares(75, 700),
        *_shares(10, 150),
    ],
    ids=repr,
)
def test_limits_pyrate_limiter_cannot_order_as_given_still_pace_within_both_windows(
    limits: RateLimits,
) -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, limits)
    starts: list[float] = []
    for _ in range(limits.steady_limit + limits.burst_limit):
        limiter.acquire()
        starts.append(clock())

    assert max_in_window(starts, limits.burst_period) <= limits.burst_limit
    assert max_in_window(starts, limits.steady_period) <= limits.steady_limit
    # Never much slower than asked: the steady window's worth goes out within about one.
    assert starts[limits.steady_limit - 1] - starts[0] < 1.1 * limits.steady_period


def test_a_client_takes_limits_pyrate_limiter_cannot_order_as_given() -> None:
    from klaviyo_profiles import KlaviyoProfiles

    with KlaviyoProfiles(
        api_key="pk_" + "1" * 32,
        base_url="http://127.0.0.1:9",
        rate_limits=RateLimits(37, 1.0, 375, 60.0),
    ) as client:
        assert client._limiter is not None
        assert client._limiter.acquire() == 0.0


# -- bounded waits ------------------------------------------------------------------------------


def test_a_wait_beyond_max_wait_raises_at_once_and_takes_no_slot() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)  # 3 a second, 5 in 10 s
    for _ in range(5):
        limiter.acquire(max_wait=2.0)
    before = clock()

    with pytest.raises(RateLimitWaitError) as caught:
        limiter.acquire(max_wait=2.0)

    assert clock() == before  # no sleep at all
    assert caught.value.wait > 2.0
    assert "total_timeout" in str(caught.value)
    # Nothing was taken: a caller with time to spare gets the sixth slot next.
    limiter.acquire()
    assert clock() - before == pytest.approx(caught.value.wait, abs=0.01)


def test_no_wait_is_longer_than_the_hold_cap_whatever_the_retry_after() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)
    limiter.penalize(1e300)  # a header no server sends; time.sleep would overflow on it

    limiter.acquire()

    assert clock.sleeps and max(clock.sleeps) <= limiter.hold_cap()
    assert limiter.hold_cap() <= LIMITS.steady_period + LIMITS.safety_margin + 1.0 + 3600


# -- arrivals, not departures, fit the server's windows ----------------------------------------


def test_windows_are_lengthened_by_the_longest_time_in_flight() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)
    for _ in range(3):
        limiter.acquire()
    limiter.record_flight(0.3)

    waited = limiter.acquire()

    assert waited == pytest.approx(1.0 + 0.3, abs=0.002)


def test_a_slow_first_request_does_not_let_the_next_burst_into_the_servers_window() -> None:
    from klaviyo_profiles.sandbox import RateLimitConfig
    from klaviyo_profiles.sandbox.windows import WindowCounter as ServerWindows

    # The server's fixed windows open with the first request that *arrives*. The first
    # request of a run opens a connection and arrives 0.3 s after its slot; the others, on
    # warm connections, arrive at once.
    clock = FakeClock()
    limiter = make_limiter(clock)
    arrival = FakeClock()
    server = ServerWindows(
        RateLimitConfig(burst_limit=3, burst_period=1.0, steady_limit=5, steady_period=10.0),
        clock=arrival,
    )
    refused = 0
    for number in range(10):
        limiter.acquire()
        flight = 0.3 if number == 0 else 0.0
        arrival.now = clock() + flight
        decision = server.check("key")
        assert decision is not None
        refused += not decision.allowed
        limiter.record_flight(flight)

    assert refused == 0


def test_the_first_request_is_counted_from_when_its_bucket_was_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The in-memory bucket is opened on the first request, which imports pyrate-limiter (tens
    # of milliseconds). Counted from before the opening, the first window would end that much
    # early and let the next burst start inside the server's window.
    clock = FakeClock()
    open_bucket = MemoryBackend.open_bucket

    def slow_to_open(backend: MemoryBackend, key: str, rates: list[Rate]) -> AbstractBucket:
        clock.now += 0.5
        return open_bucket(backend, key, rates)

    monkeypatch.setattr(MemoryBackend, "open_bucket", slow_to_open)
    limits = RateLimits(burst_limit=2, burst_period=1.0, steady_limit=100, steady_period=60.0)
    limiter = make_limiter(clock, limits)
    starts: list[float] = []
    for _ in range(5):
        limiter.acquire()
        starts.append(clock.now)
    assert max_in_window(starts, 1.0) <= 2
