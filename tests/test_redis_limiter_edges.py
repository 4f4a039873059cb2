"""The Redis limiter at its edges, against a real redis-server: a fleet that loses its log
(Redis away, restarted empty, a key deleted or replaced) never sends more than the windows
allow; holds and planted entries are bounded as documented; a share of any limits is limits;
a stalled, misconfigured or impostor Redis is one typed error or local pacing.

Several limiters in one test stand for several processes (each has its own member id,
connections and local state). What is asserted is counts of slots granted, never how long
something took: the steady windows are 30 s long, far longer than any test runs, so a slot
refused for the steady window is refused whatever the machine's speed.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from klaviyo_profiles._fleet_log import share_of
from klaviyo_profiles.errors import InvalidInputError, RateLimitWaitError
from klaviyo_profiles.ratelimit import RateLimits
from klaviyo_profiles.redis_limiter import LimiterUnavailableError, RedisBackend, RedisRateLimiter
from redis_server import RedisServer

FINGERPRINT = "fedcba9876543210"

#: Bursts of 9 (unsliced), 40 in a steady window far longer than any test.
FLEET = RateLimits(burst_limit=9, burst_period=0.1, steady_limit=40, steady_period=30.0)


@pytest.fixture
def client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_server.url) as connection:
        yield connection


def make(server: RedisServer, limits: RateLimits = FLEET, **options: object) -> RedisRateLimiter:
    backend = RedisBackend(server.url, reconnect_interval=60, **options)  # type: ignore[arg-type]
    return backend.create_limiter(limits, FINGERPRINT)


def take(limiter: RedisRateLimiter, count: int) -> None:
    for _ in range(count):
        limiter.acquire()


def slots_now(limiter: RedisRateLimiter, longest: float = 1.0) -> int:
    """How many slots the limiter grants before it asks for a wait of ``longest`` or more (a
    steady window's): burst waits are slept through."""
    granted = 0
    for _ in range(200):
        wait = limiter._try_take()
        if wait == 0:
            granted += 1
        elif wait < longest:
            time.sleep(wait)
        else:
            break
    return granted


# -- a fleet that loses its log never sends more than the windows allow ---------------------------


@pytest.mark.parametrize("order", ["idle-last", "idle-first"])
def test_a_process_pacing_alone_takes_only_its_share_of_what_the_fleet_left(
    redis_server: RedisServer, order: str
) -> None:
    busy, idle = make(redis_server), make(redis_server)
    if order == "idle-first":  # its copy of the log predates the busy process's requests
        take(idle, 1)
    take(busy, 29)
    if order == "idle-last":
        take(idle, 1)

    redis_server.stop()
    granted = slots_now(idle)

    assert not idle.shared
    # 30 of the 40 were used: the idle process may take at most half of the 10 left (it saw
    # two processes), never a share of the whole window on top of them.
    assert granted <= 5


def test_a_log_lost_while_the_process_that_filled_it_is_idle_counts_as_full(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    other, busy = make(redis_server), make(redis_server)
    take(other, 1)
    take(busy, 29)  # ... and then goes idle
    redis_server.flush()  # restarted empty, say

    with caplog.at_level(logging.WARNING, "klaviyo_profiles"):
        granted = slots_now(other)

    assert other.shared
    assert 30 + granted <= FLEET.steady_limit
    assert caplog.text.count("lost requests this process knows of") == 1


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda c, key: c.delete(key), id="deleted"),
        pytest.param(lambda c, key: c.pexpire(key, 0), id="expired"),
        pytest.param(lambda c, key: c.set(key, "garbage"), id="replaced"),
    ],
)
def test_a_log_deleted_or_replaced_mid_window_is_restored_before_the_next_slot(
    redis_server: RedisServer, client: redis.Redis, damage: object
) -> None:
    limiter = make(redis_server)
    take(limiter, FLEET.steady_limit)
    log = limiter.backend.keys(FINGERPRINT, FLEET)[0]

    damage(client, log)  # type: ignore[operator]

    assert slots_now(limiter) == 0  # the steady window is still full
    assert client.zcard(log) >= FLEET.steady_limit


# -- holds and planted entries -----------------------------------------------------------------


def test_a_hold_longer_than_another_processs_cap_is_kept_whole(
    redis_server: RedisServer, client: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    penalized, other = make(redis_server), make(redis_server)
    penalized.penalize(90.0)  # a 429 with Retry-After: 90, longer than other's windows
    assert other.hold_cap() < 90

    with caplog.at_level(logging.WARNING, "klaviyo_profiles"):
        wait = other._try_take()

    assert wait > 89
    hold = float(client.get(other.backend.keys(FINGERPRINT, FLEET)[1]) or 0) / 1000
    seconds, micros = client.time()
    assert hold - (seconds + micros / 1e6) > 89
    assert "no client of this library writes" not in caplog.text


def test_log_entries_planted_ahead_hold_a_slot_no_longer_than_the_window_cap(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    limiter = make(redis_server)
    seconds, micros = client.time()
    ahead = (seconds + micros / 1e6 + limiter.hold_cap() - 0.05) * 1000
    client.zadd(
        limiter.backend.keys(FINGERPRINT, FLEET)[0],
        {f"planted{i}": ahead for i in range(FLEET.steady_limit)},
    )

    wait = limiter._try_take()

    assert 0 < wait <= limiter.hold_cap()


# -- a share of any limits is limits -----------------------------------------------------------


@pytest.mark.parametrize(
    "limits",
    [
        RateLimits(3, 1.0, 4, 1.5),
        RateLimits(700, 60.0, 701, 61.0),
        RateLimits(75, 1.0, 750, 60.0),
        RateLimits(10, 1.0, 150, 60.0),
        RateLimits(1, 1.0, 2, 60.0),
    ],
    ids=repr,
)
@pytest.mark.parametrize("share", [1.0, 0.5, 1 / 3, 0.25, 0.01, 1e-4])
def test_a_share_of_any_limits_is_valid_limits_never_faster_than_the_share(
    limits: RateLimits, share: float
) -> None:
    scaled = share_of(limits, share)  # RateLimits checks itself as it is made

    slack = 1 + 1e-9
    burst_rate = limits.burst_limit / limits.burst_period
    assert scaled.burst_limit / scaled.burst_period <= share * burst_rate * slack
    assert scaled.steady_limit / scaled.steady_period <= share * limits.steady_rate * slack
    if share * limits.burst_limit >= 1:
        assert scaled.burst_limit <= share * limits.burst_limit * slack
        assert scaled.burst_period == limits.burst_period


@pytest.mark.parametrize(
    ("limits", "share"),
    [(RateLimits(3, 1.0, 4, 1.5), 0.5), (RateLimits(700, 60.0, 701, 61.0), 0.01)],
    ids=repr,
)
def test_pacing_alone_at_a_share_works_for_any_limits(
    redis_server: RedisServer, limits: RateLimits, share: float
) -> None:
    away = RedisBackend("redis://127.0.0.1:1/0", on_unavailable="local", fallback_share=share)
    assert away.create_limiter(limits, FINGERPRINT)._try_take() == 0

    limiter = make(redis_server, limits, fallback_share=share)
    limiter.acquire()
    redis_server.stop()
    assert limiter._try_take() >= 0
    assert not limiter.shared


# -- a stalled, misconfigured or impostor Redis ---------------------------------------------------


def test_creating_a_limiter_against_a_listener_that_never_answers_takes_connect_timeouts(
    redis_server: RedisServer,
) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete, nothing ever answers
        port = silent.getsockname()[1]
        backend = RedisBackend(f"redis://127.0.0.1:{port}/0", connect_timeout=0.2, timeout=30)
        began = time.monotonic()

        with pytest.raises(LimiterUnavailableError):
            backend.create_limiter(FLEET, FINGERPRINT)

    assert time.monotonic() - began < 15  # not the 30 s answer timeout


async def test_an_async_acquire_does_not_wait_on_a_stalled_redis_past_its_budget(
    redis_server: RedisServer, client: redis.Redis
) -> None:
    limiter = make(redis_server, timeout=30)
    await limiter.acquire_async()
    client.execute_command("CLIENT", "PAUSE", 4000, "WRITE")  # every script waits
    try:
        with pytest.raises(RateLimitWaitError):
            await limiter.acquire_async(max_wait=0.3)
    finally:
        client.execute_command("CLIENT", "UNPAUSE")
    assert limiter.shared  # slow within its timeout is not unreachable
    assert await limiter.acquire_async() == 0.0  # and the next call finds Redis as it was


@pytest.mark.parametrize(
    "query",
    ["?foo=1", "?pasword=s3cr3t9x", "?PASSWORD=s3cr3t9x", "?ssl_password=s3cr3t9x"],
)
def test_a_query_parameter_redis_py_takes_no_setting_for_is_one_typed_line(
    redis_server: RedisServer, query: str
) -> None:
    backend = RedisBackend.from_url(redis_server.url + query)

    with pytest.raises(InvalidInputError) as caught:
        backend.create_limiter(FLEET, FINGERPRINT)

    message = str(caught.value)
    assert caught.value.field == "limiter_backend.url"
    assert "\n" not in message and "s3cr3t9x" not in message


class Impostor:
    """A server on a port that answers every command with one fixed reply."""

    def __init__(self, reply: bytes, port: int = 0) -> None:
        self.reply = reply
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.server.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        with connection:
            connection.settimeout(5)
            try:
                while data := connection.recv(65536):
                    commands = sum(
                        1
                        for line in data.split(b"\r\n")
                        if line.startswith(b"*") and line[1:].isdigit()
                    )
                    connection.sendall(self.reply * max(commands, 1))
            except OSError:
                return

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.server.close()


@pytest.mark.parametrize("reply", [b"+OK\r\n", b":1\r\n", b"*-1\r\n"])
def test_a_server_that_is_not_redis_is_unavailable_at_start_and_local_pacing_mid_run(
    redis_server: RedisServer, reply: bytes
) -> None:
    impostor = Impostor(reply)
    try:
        with pytest.raises(LimiterUnavailableError):
            RedisBackend(f"redis://127.0.0.1:{impostor.port}/0").create_limiter(FLEET, FINGERPRINT)
    finally:
        impostor.close()

    limiter = make(redis_server)
    limiter.acquire()
    redis_server.stop()
    impostor = Impostor(reply, redis_server.port)  # another service takes the port
    try:
        # No exception: a wait or a slot, paced locally.
        assert limiter._try_take() >= 0
        assert asyncio.run(limiter._try_take_async()) >= 0
    finally:
        impostor.close()
    assert not limiter.shared
