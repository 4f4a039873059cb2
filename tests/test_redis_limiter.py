"""The Redis limiter backend against a real redis-server (started by the ``redis_server``
fixture): windows counted on Redis's clock, fleet-wide holds and pace, keys, failures.

Several limiters in one test stand for several processes: each ``RedisRateLimiter`` has its
own member id, connections and local state, exactly as a process of the fleet would. The
tests that need real processes are in ``tests/integration/test_fleet.py``. No assertion
depends on how long anything took: orderings and states are read from Redis, on its clock.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import redis
from klaviyo_profiles import KlaviyoProfiles
from klaviyo_profiles.errors import InvalidInputError
from klaviyo_profiles.limiter_urls import backend_from_uri, shared_limiter
from klaviyo_profiles.ratelimit import RateLimits
from klaviyo_profiles.redis_limiter import (
    LimiterUnavailableError,
    RedisBackend,
    RedisRateLimiter,
)
from klaviyo_profiles.result import RateLimitInfo
from redis_server import RedisServer

LIMITS = RateLimits(burst_limit=3, burst_period=0.2, steady_limit=8, steady_period=30.0)
FINGERPRINT = "0123456789abcdef"


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_server.url) as connection:
        yield connection


def make(server: RedisServer, limits: RateLimits = LIMITS, **options: object) -> RedisRateLimiter:
    backend = RedisBackend(server.url, reconnect_interval=0.05, **options)  # type: ignore[arg-type]
    return backend.create_limiter(limits, FINGERPRINT)


def log_scores(client: redis.Redis, limiter: RedisRateLimiter) -> list[float]:
    """Request start times recorded in Redis, in seconds of Redis's clock."""
    entries = client.zrange(limiter.backend.keys(FINGERPRINT, limiter.limits)[0], 0, -1,
                            withscores=True)  # fmt: skip
    return sorted(score / 1000 for _, score in entries)


def log_key(limiter: RedisRateLimiter) -> str:
    return limiter.backend.keys(FINGERPRINT, limiter._full_limits)[0]


def redis_now(client: redis.Redis) -> float:
    seconds, micros = client.time()
    return seconds + micros / 1e6


def max_in_window(times: Sequence[int], period: int) -> int:
    ordered = sorted(times)
    best = first = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= period:
            first += 1
        best = max(best, last - first + 1)
    return best


# -- windows shared by the fleet, on Redis's clock -------------------------------------------


def test_two_processes_together_never_exceed_either_window(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    first, second = make(redis_server), make(redis_server)
    for _ in range(4):
        first.acquire()
        second.acquire()

    starts = log_scores(client, first)
    assert len(starts) == 8
    # Whole microseconds (Redis keeps milliseconds with 3 decimals), compared exactly.
    micros = [round(start * 1e6) for start in starts]
    assert max_in_window(micros, round(LIMITS.burst_period * 1e6)) <= LIMITS.burst_limit
    # The steady window (30 s) is full: neither may take a ninth slot now.
    assert first._try_take() > 0
    assert second._try_take() > 0


def test_requests_are_stamped_with_redis_time_whatever_the_host_clock_says(
    redis_server: RedisServer, client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    limiter = make(redis_server)
    before = redis_now(client)
    monkeypatch.setattr(time, "time", lambda: 4_000_000_000.0)  # a host clock far ahead
    limiter.acquire()
    monkeypatch.undo()
    after = redis_now(client)

    [start] = log_scores(client, limiter)
    assert before <= start <= after


def test_acquire_async_waits_for_redis_without_blocking_the_event_loop(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    holder, waiter = make(redis_server), make(redis_server)
    holder.penalize(0.3)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    async def run() -> float:
        ticker = asyncio.create_task(tick())
        waited = await waiter.acquire_async()
        ticker.cancel()
        return waited

    assert asyncio.run(run()) > 0
    assert ticks > 0  # the loop kept running while acquire_async waited


# -- server feedback, fleet-wide -------------------------------------------------------------


def test_a_429_in_one_process_holds_every_other_until_the_hold_ends(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    penalized, other = make(redis_server), make(redis_server)
    hold_key = other.backend.keys(FINGERPRINT, LIMITS)[1]

    penalized.penalize(0.5)
    hold_until = float(client.get(hold_key) or 0) / 1000
    assert hold_until > redis_now(client)
    waited = other.acquire()

    [start] = log_scores(client, other)
    assert waited > 0
    assert start >= hold_until


async def test_a_429_seen_by_an_async_client_reaches_redis_without_a_blocking_call(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    penalized = make(redis_server)
    hold_key = penalized.backend.keys(FINGERPRINT, LIMITS)[1]
    penalized.penalize(0.5)  # inside a running loop: sent by a task, not on this thread
    assert client.get(hold_key) is None
    await asyncio.gather(*penalized._tasks)
    assert float(client.get(hold_key) or 0) / 1000 > redis_now(client)


def test_a_remaining_budget_below_the_fleets_count_is_spent_by_the_fleet_then_holds_it(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    roomy = RateLimits(burst_limit=30, burst_period=1.0, steady_limit=100, steady_period=30.0)
    observer, other = make(redis_server, roomy), make(redis_server, roomy)
    # The server says 5 requests remain for the next 20 s, while the fleet has used none of
    # 100: something outside the fleet shares the account.
    observer.observe(RateLimitInfo(limit=100, remaining=5, reset=20.0))
    observer.acquire()  # carries the observation to Redis, and takes one of the 5
    budget = client.hgetall(other.backend.keys(FINGERPRINT, roomy)[2])
    assert float(budget[b"left1"]) == 4

    # What remains goes out at once, to any process of the fleet; then the fleet waits for
    # the reset.
    assert [other._try_take() for _ in range(4)] == [0.0] * 4
    assert other._try_take() > 15.0
    assert observer._try_take() > 15.0


def test_requests_in_flight_when_the_server_answered_count_against_its_budget(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    roomy = RateLimits(burst_limit=30, burst_period=1.0, steady_limit=100, steady_period=30.0)
    observer, other = make(redis_server, roomy), make(redis_server, roomy)
    other.acquire()
    other.acquire()
    # A slow answer: the two requests just sent may reach the server after it answered.
    observer.record_flight(0.8)
    observer.observe(RateLimitInfo(limit=100, remaining=5, reset=20.0))
    observer.acquire()

    assert [other._try_take() for _ in range(2)] == [0.0] * 2
    assert other._try_take() > 15.0


def test_requests_let_go_while_a_slow_answer_flew_count_against_its_budget(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    roomy = RateLimits(burst_limit=30, burst_period=1.0, steady_limit=100, steady_period=30.0)
    observer, other = make(redis_server, roomy), make(redis_server, roomy)
    other.acquire()
    other.acquire()
    time.sleep(1.3)  # longer ago than the windows' margin (at most the burst period) reaches
    # The answer was 5 s in flight: the two requests may have reached the server after it.
    observer.record_flight(5.0)
    observer.observe(RateLimitInfo(limit=100, remaining=5, reset=20.0), flight=5.0)
    observer.acquire()

    assert [other._try_take() for _ in range(2)] == [0.0] * 2
    assert other._try_take() > 15.0


def test_a_fast_answer_after_a_slow_one_counts_only_the_fleet_requests_of_its_own_flight(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    roomy = RateLimits(burst_limit=30, burst_period=1.0, steady_limit=100, steady_period=30.0)
    observer, other = make(redis_server, roomy), make(redis_server, roomy)
    observer.record_flight(5.0)  # a slow answer earlier in the window, its budget ample
    other.acquire()
    other.acquire()
    time.sleep(1.3)  # longer ago than the windows' margin (at most the burst period) reaches
    # A fast answer: the server counted the two requests before it.
    observer.record_flight(0.05)
    observer.observe(RateLimitInfo(limit=100, remaining=5, reset=20.0), flight=0.05)
    observer.acquire()

    assert [other._try_take() for _ in range(4)] == [0.0] * 4


def test_a_remaining_budget_the_fleet_already_accounts_for_changes_nothing(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    limiter = make(redis_server)
    limiter.acquire()
    limiter.observe(RateLimitInfo(limit=8, remaining=7, reset=30.0))
    limiter.acquire()
    keys = limiter.backend.keys(FINGERPRINT, LIMITS)
    assert client.exists(keys[1]) == 0
    assert client.exists(keys[2]) == 0


# -- keys ------------------------------------------------------------------------------------


def test_keys_carry_prefix_fingerprint_and_limits_never_the_api_key_and_all_expire(
    redis_server: RedisServer, client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    api_key = "pk_" + "7" * 32
    monkeypatch.setenv("KLAVIYO_LIMITER_URL", redis_server.url + "?prefix=shop-eu")
    with KlaviyoProfiles(api_key=api_key, base_url="http://127.0.0.1:9") as profiles:
        limiter = profiles._limiter
        assert isinstance(limiter, RedisRateLimiter)
        limiter.acquire()
        limiter.penalize(5.0)
        limiter.observe(RateLimitInfo(limit=750, remaining=1, reset=20.0))
        limiter.penalize(5.0)

    keys = sorted(key.decode() for key in client.keys("*"))
    fingerprint = profiles._auth.fingerprint
    tag = "75per1s-750per60s"
    assert keys == [
        f"shop-eu:{{{fingerprint}:{tag}}}:{name}"
        for name in ("flight", "hold", "log", "members", "pace")
    ]
    assert all(api_key not in key and api_key[3:] not in key for key in keys)
    assert all(client.pttl(key) > 0 for key in keys)


def test_a_name_that_is_not_a_fingerprint_is_hashed_before_it_reaches_redis() -> None:
    backend = RedisBackend("redis://127.0.0.1:6379/0")
    keys = backend.keys("pk_secret key", LIMITS)
    assert all("secret" not in key for key in keys)


# -- configuration ---------------------------------------------------------------------------


def test_a_url_sets_prefix_and_failure_options_and_keeps_the_rest_for_redis() -> None:
    backend = backend_from_uri(
        "redis://:pw@10.1.2.3:6380/2?prefix=fleet-a&on_unavailable=local&fallback_share=0.25"
        "&socket_keepalive=true"
    )
    assert backend == RedisBackend(
        "redis://:pw@10.1.2.3:6380/2?socket_keepalive=true",
        prefix="fleet-a",
        on_unavailable="local",
        fallback_share=0.25,
    )


def test_the_password_is_never_shown() -> None:
    backend = RedisBackend("redis://user:hunter2@127.0.0.1:1/0")
    assert "hunter2" not in repr(backend)
    with pytest.raises(LimiterUnavailableError) as caught:
        backend.create_limiter(LIMITS, FINGERPRINT)
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in repr(pickle.loads(pickle.dumps(caught.value)))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"url": "http://127.0.0.1:6379"}, "limiter_backend.url"),
        ({"prefix": "has space"}, "limiter_backend.prefix"),
        ({"on_unavailable": "ignore"}, "limiter_backend.on_unavailable"),
        ({"fallback_share": 0}, "limiter_backend.fallback_share"),
        ({"reconnect_interval": -1}, "limiter_backend.reconnect_interval"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(
    options: dict[str, object], field: str
) -> None:
    settings: dict[str, object] = {"url": "redis://127.0.0.1:6379/0", **options}
    with pytest.raises(InvalidInputError) as caught:
        RedisBackend(**settings)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_the_environment_variable_configures_clients_given_no_backend(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLAVIYO_LIMITER_URL", redis_server.url)
    limiter = shared_limiter("fedcba9876543210", LIMITS)
    assert isinstance(limiter, RedisRateLimiter)
    assert limiter.backend == RedisBackend(redis_server.url)


def test_redis_is_not_imported_with_the_package() -> None:
    code = "import sys, klaviyo_profiles; print('redis' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert output.stdout.strip() == "False", output.stderr


# -- failures ---------------------------------------------------------------------------------


def test_unreachable_at_start_is_a_clear_error_by_default() -> None:
    with pytest.raises(
        LimiterUnavailableError, match=r"cannot reach the Redis limiter at redis://127\.0\.0\.1:1/0"
    ):
        RedisBackend("redis://127.0.0.1:1/0").create_limiter(LIMITS, FINGERPRINT)


def test_unreachable_at_start_with_local_fallback_warns_and_paces_alone(
    redis_server: RedisServer, client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    backend = RedisBackend(
        "redis://127.0.0.1:1/0", on_unavailable="local", fallback_share=0.5, reconnect_interval=60
    )
    slow = RateLimits(burst_limit=3, burst_period=5.0, steady_limit=8, steady_period=30.0)
    with caplog.at_level(logging.WARNING, "klaviyo_profiles"):
        limiter = backend.create_limiter(slow, FINGERPRINT)
    assert "unreachable" in caplog.text
    assert not limiter.shared
    # Half of each window: one request per burst window of 3, four per steady window of 8.
    assert (limiter.limits.burst_limit, limiter.limits.steady_limit) == (1, 4)
    assert [limiter._try_take() == 0 for _ in range(2)] == [True, False]


def test_pacing_alone_takes_only_its_share_of_the_budget_the_server_reports(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    backend = RedisBackend(
        "redis://127.0.0.1:1/0", on_unavailable="local", fallback_share=0.25, reconnect_interval=60
    )
    roomy = RateLimits(burst_limit=100, burst_period=1.0, steady_limit=1000, steady_period=60.0)
    limiter = backend.create_limiter(roomy, FINGERPRINT)
    assert not limiter.shared
    # 20 remain for the account; each of the four processes pacing alone takes 5 of them.
    limiter.observe(RateLimitInfo(limit=1000, remaining=20, reset=30.0))

    assert [limiter._try_take() for _ in range(5)] == [0.0] * 5
    assert limiter._try_take() > 25.0


def test_redis_lost_mid_run_paces_locally_then_rejoins_restoring_what_it_knows(
    redis_server: RedisServer, client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = make(redis_server), make(redis_server)
    first.acquire()
    second.acquire()
    first.acquire()

    redis_server.stop()
    with caplog.at_level(logging.WARNING, "klaviyo_profiles"):
        first.acquire()  # no exception: paced locally
    assert not first.shared
    assert "unreachable" in caplog.text
    # Its share while alone: half (Redis last saw two processes).
    assert first.limits.steady_limit == LIMITS.steady_limit // 2

    redis_server.start()  # empty: everything Redis knew is gone
    deadline = time.monotonic() + 10
    with caplog.at_level(logging.WARNING, "klaviyo_profiles"):
        while not first.shared and time.monotonic() < deadline:
            first._try_take()
    assert first.shared
    assert "answers again" in caplog.text
    assert "lost requests this process knows of" in caplog.text
    second._try_take()

    # Every request of both sent in the last steady window is back (the one sent alone too),
    # and the time first could not see Redis counts as sent: more entries than requests.
    names = {member.decode() for member in client.zrange(log_key(first), 0, -1)}
    sent = {entry for limiter in (first, second) for _, entry in limiter._recent}
    assert len(second._recent) >= 1
    assert sent <= names
    assert len(names) > len(sent)


async def test_redis_lost_mid_run_does_not_fail_an_async_acquire(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    limiter = make(redis_server)
    await limiter.acquire_async()
    redis_server.stop()
    await limiter.acquire_async()
    assert not limiter.shared
    redis_server.start()
    deadline = time.monotonic() + 10
    while not limiter.shared and time.monotonic() < deadline:
        await limiter._try_take_async()
    assert limiter.shared
    names = {member.decode() for member in client.zrange(log_key(limiter), 0, -1)}
    assert {entry for _, entry in limiter._recent} <= names


# -- Redis lost mid-run at a share of real windows ------------------------------------------


@pytest.mark.parametrize("fleet", [2, 4, 6])
@pytest.mark.parametrize(
    "windows",
    [(75, 1.0, 750, 60.0), (75, 1.0, 700, 60.0), (10, 1.0, 150, 60.0)],
    ids=["75s-750min", "75s-700min", "bulk-10s-150min"],
)
def test_redis_lost_mid_run_paces_locally_at_the_share_of_real_windows(
    redis_server: RedisServer, fleet: int, windows: tuple[int, float, int, float]
) -> None:
    limits = RateLimits(*windows)
    limiter = make(redis_server, limits, fallback_share=1 / fleet)
    limiter.acquire()

    redis_server.stop()
    taken = 1 + sum(1 for _ in range(limits.burst_limit) if limiter._try_take() == 0)

    assert not limiter.shared
    share = limiter.limits
    assert share.burst_limit == max(1, limits.burst_limit // fleet)
    # Pacing at the share, not at the full limits: no more than the share's burst at once,
    # the request sent before Redis went away included.
    assert taken <= share.burst_limit


# -- what other processes wrote to Redis is input ---------------------------------------------


#: How far beyond the windows a hold may reach: the longest Retry-After honoured.
HOUR = 3600.0


@pytest.mark.parametrize(
    ("write", "beyond"),
    [
        pytest.param(lambda c, k, now: c.set(k[1], "1e300"), HOUR, id="hold-far-ahead"),
        pytest.param(lambda c, k, now: c.set(k[1], "inf"), HOUR, id="hold-inf"),
        pytest.param(
            lambda c, k, now: c.hset(k[2], mapping={"end1": "1e300", "left1": "0"}),
            0.0,
            id="pace-far-ahead",
        ),
        pytest.param(
            lambda c, k, now: c.zadd(k[0], {"x": 1e300, "y": 1e300, "z": 1e300}),
            0.0,
            id="log-far-ahead",
        ),
        pytest.param(lambda c, k, now: c.set(k[4], "1e300"), 0.0, id="flight-far-ahead"),
    ],
)
def test_values_too_far_ahead_in_redis_are_clamped_to_the_hold_cap(
    redis_server: RedisServer, client: redis.Redis, write: Any, beyond: float
) -> None:
    limiter = make(redis_server)
    write(client, limiter.backend.keys(FINGERPRINT, LIMITS), redis_now(client) * 1000)

    waits = [limiter._try_take() for _ in range(LIMITS.burst_limit + 1)]

    assert limiter.shared
    assert all(0 <= wait <= limiter.hold_cap() + beyond for wait in waits)


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda c, k: c.set(k[1], "soon"), id="hold-not-a-number"),
        pytest.param(lambda c, k: c.set(k[1], "nan"), id="hold-nan"),
        pytest.param(lambda c, k: c.hset(k[1], "until", "1"), id="hold-a-hash"),
        pytest.param(
            lambda c, k: c.hset(k[2], mapping={"end1": "later", "left1": "0"}),
            id="pace-not-a-number",
        ),
        pytest.param(
            lambda c, k: c.hset(k[2], mapping={"end1": "1", "left1": "0", "end3": "2"}),
            id="pace-not-pairs",
        ),
        pytest.param(
            lambda c, k: c.hset(k[2], mapping={"until": "1", "interval": "1", "next": "1"}),
            id="pace-of-another-layout",
        ),
        pytest.param(lambda c, k: c.set(k[2], "x"), id="pace-a-string"),
        pytest.param(lambda c, k: c.set(k[0], "x"), id="log-a-string"),
        pytest.param(lambda c, k: c.rpush(k[3], "x"), id="members-a-list"),
        pytest.param(lambda c, k: c.set(k[4], "slow"), id="flight-not-a-number"),
    ],
)
def test_values_in_redis_that_cannot_be_parsed_are_ignored_and_logged_once(
    redis_server: RedisServer,
    client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
    write: Any,
) -> None:
    limiter = make(redis_server)
    write(client, limiter.backend.keys(FINGERPRINT, LIMITS))

    with caplog.at_level(logging.WARNING, "klaviyo_profiles"):
        first = limiter._try_take()
        second = limiter._try_take()

    assert (first, second) == (0.0, 0.0)
    assert limiter.shared  # counted in Redis, not fallen back to local pacing
    assert len(log_scores(client, limiter)) == 2
    assert caplog.text.count("held a value no client of this library writes") == 1


# -- URLs ----------------------------------------------------------------------------------------


def test_credentials_in_the_query_are_never_shown() -> None:
    backend = RedisBackend.from_url(
        "redis://127.0.0.1:1/0?username=bobcat&password=hunter2&prefix=q"
    )
    assert "hunter2" not in repr(backend) and "bobcat" not in repr(backend)
    with pytest.raises(LimiterUnavailableError) as caught:
        backend.create_limiter(LIMITS, FINGERPRINT)
    for text in (str(caught.value), repr(pickle.loads(pickle.dumps(caught.value)))):
        assert "hunter2" not in text and "bobcat" not in text
    assert "password=***" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://:s3cr#t9x@127.0.0.1:6379/0",
        "redis://:s3cr/t9x@127.0.0.1:6379/0",
        "redis://:s3cr?t9x@127.0.0.1:6379/0",
        "redis://127.0.0.1:6379/0?password=s3cr#t9x",
    ],
)
def test_an_unparsable_url_is_refused_in_one_line_that_shows_none_of_it(url: str) -> None:
    for build in (RedisBackend, RedisBackend.from_url, backend_from_uri):
        with pytest.raises(InvalidInputError) as caught:
            build(url)
        message = str(caught.value)
        assert caught.value.field == "limiter_backend.url"
        assert "percent-encode" in message and "\n" not in message
        assert "s3cr" not in message and "t9x" not in message


def test_a_unix_socket_url_given_as_a_string_reaches_redis(
    unix_redis_server: RedisServer,
) -> None:
    url = unix_redis_server.url + "?prefix=by-socket"
    for backend in (RedisBackend.from_url(url), backend_from_uri(url)):
        limiter = backend.create_limiter(LIMITS, FINGERPRINT)
        assert limiter.shared
        limiter.acquire()
        limiter.close()

    with redis.Redis(unix_socket_path=str(unix_redis_server.unix_socket)) as client:
        [log] = client.keys("by-socket:*:log")
        assert client.zcard(log) == 2


def test_a_url_redis_py_cannot_read_is_refused_naming_the_setting_not_showing_it() -> None:
    backend = RedisBackend("redis://:s3cr3t9x@127.0.0.1:1/0?socket_timeout=soon")
    with pytest.raises(InvalidInputError) as caught:
        backend.create_limiter(LIMITS, FINGERPRINT)
    assert caught.value.field == "limiter_backend.url"
    assert "s3cr3t9x" not in str(caught.value)
