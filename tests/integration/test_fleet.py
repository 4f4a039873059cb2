"""A fleet of processes sharing one account's pacing through a real Redis, against the sandbox.

Klaviyo's windows are shortened in time (burst 30 per 0.25 s, steady 150 per 2 s, the shape
of 75/s and 750/min) so that the runs take seconds. What is asserted is read from Redis (the
start times the limiter granted, on Redis's clock) and from the sandbox (what was stored):
no window ever granted more than its limit, every upsert was delivered, and Redis going away
and coming back changes neither. How many 429s a loaded machine provokes is printed, not
asserted; the figures are in ``benchmarks/fleet.py``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import redis
from klaviyo_profiles.ratelimit import RateLimits
from klaviyo_profiles.redis_limiter import RedisBackend
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig
from redis_server import RedisServer

BURST_LIMIT, BURST_PERIOD, STEADY_LIMIT, STEADY_PERIOD = 30, 0.25, 150, 2.0
LIMITS = {
    "burst_limit": BURST_LIMIT,
    "burst_period": BURST_PERIOD,
    "steady_limit": STEADY_LIMIT,
    "steady_period": STEADY_PERIOD,
    "safety_margin": 0.1,
}

CHILD = textwrap.dedent(
    """
    import asyncio, json, logging, sys
    from klaviyo_profiles import AsyncKlaviyoProfiles, KlaviyoProfiles
    from klaviyo_profiles.ratelimit import RateLimits
    from klaviyo_profiles.redis_limiter import RedisBackend
    from klaviyo_profiles.retries import RetryPolicy

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    base_url, redis_url, key, name, count, mode = sys.argv[1:7]
    limits = RateLimits(**json.loads(sys.argv[7]))
    backend = RedisBackend(redis_url, reconnect_interval=0.2)
    policy = RetryPolicy(max_attempts=20, total_timeout=120, max_backoff=1.0)
    options = dict(api_key=key, base_url=base_url, rate_limits=limits,
                   limiter_backend=backend, retry_policy=policy)
    emails = [f"{name}-{i}@example.com" for i in range(int(count))]

    async def run_async():
        async with AsyncKlaviyoProfiles(**options) as client:
            queue = list(reversed(emails))
            attempts = []
            async def worker():
                while queue:
                    result = await client.create_or_update_profile(email=queue.pop())
                    attempts.append(result.attempts)
            await asyncio.gather(*(worker() for _ in range(8)))
            return attempts

    print("ready", flush=True)
    sys.stdin.readline()  # start together
    if mode == "async":
        attempts = asyncio.run(run_async())
    else:
        with KlaviyoProfiles(**options) as client:
            attempts = [client.create_or_update_profile(email=e).attempts for e in emails]
    print(json.dumps(attempts), flush=True)
    """
)


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(
        rate_limits=RateLimitConfig(
            burst_limit=BURST_LIMIT,
            burst_period=BURST_PERIOD,
            steady_limit=STEADY_LIMIT,
            steady_period=STEADY_PERIOD,
        ),
        request_log_size=50_000,
    )
    with Sandbox(config) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(module_sandbox: Sandbox) -> Sandbox:
    module_sandbox.reset()
    return module_sandbox


class LogWatcher:
    """Collects every entry the fleet's log holds, polling faster than entries expire."""

    def __init__(self, url: str, key: str) -> None:
        # Redis keeps scores in milliseconds with 3 decimals: whole microseconds, compared
        # as integers so that a request granted exactly as a window ends is not miscounted.
        self.entries: dict[bytes, int] = {}
        self._client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._key = key
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LogWatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self._client.close()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            try:
                for member, score in self._client.zrange(self._key, 0, -1, withscores=True):
                    self.entries.setdefault(member, round(score * 1000))
            except redis.RedisError:
                continue  # Redis is down on purpose in one test

    def starts(self) -> list[int]:
        """Granted start times, in microseconds of Redis's clock."""
        return sorted(self.entries.values())


def max_in_window(times: Sequence[int], period: int) -> int:
    """The largest number of ``times`` inside any half-open window of ``period`` (same unit)."""
    ordered = sorted(times)
    best = first = 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= period:
            first += 1
        best = max(best, last - first + 1)
    return best


def start_fleet(
    sandbox: Sandbox, url: str, key: str, modes: Sequence[str], per_process: int
) -> list[subprocess.Popen[str]]:
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CHILD,
                sandbox.base_url,
                url,
                key,
                f"worker{n}",
                str(per_process),
                mode,
                json.dumps(LIMITS),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, mode in enumerate(modes)
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    return children


def finish(children: Sequence[subprocess.Popen[str]]) -> list[tuple[list[int], str]]:
    """Wait for every child; return (attempts per upsert, stderr) for each."""
    results = []
    try:
        for child in children:
            out, err = child.communicate(timeout=180)
            assert child.returncode == 0, err
            results.append((json.loads(out.strip().splitlines()[-1]), err))
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    return results


def log_key(url: str, api_key: str) -> str:
    fingerprint = hashlib.sha256(api_key.encode()).hexdigest()[:16]
    return RedisBackend(url).keys(fingerprint, RateLimits(**LIMITS))[0]


def stored(sandbox: Sandbox) -> list[str]:
    return sorted(profile["attributes"]["email"] for profile in sandbox.profiles())


def sent(sandbox: Sandbox) -> list[dict[str, Any]]:
    return [entry for entry in sandbox.requests() if entry["path"].startswith("/api/")]


def test_three_processes_never_exceed_a_window_and_deliver_every_upsert(
    sandbox: Sandbox, redis_server: RedisServer
) -> None:
    key, per_process = "pk_" + uuid.uuid4().hex, 100
    with LogWatcher(redis_server.url, log_key(redis_server.url, key)) as watcher:
        results = finish(
            start_fleet(sandbox, redis_server.url, key, ["sync", "sync", "async"], per_process)
        )
        time.sleep(0.3)  # one more poll after the last grant

    assert len(stored(sandbox)) == 3 * per_process
    requests = sent(sandbox)
    throttled = sum(1 for entry in requests if entry["status"] == 429)
    print(f"\n[fleet of 3 on Redis] {len(requests)} requests, 429s: {throttled}")
    # Every request the fleet sent was granted in Redis, and no window granted too many.
    starts = watcher.starts()
    attempts = sum(n for per_child, _ in results for n in per_child)
    assert len(starts) == len(requests) == attempts
    assert max_in_window(starts, round(BURST_PERIOD * 1e6)) <= BURST_LIMIT
    assert max_in_window(starts, round(STEADY_PERIOD * 1e6)) <= STEADY_LIMIT
    assert max_in_window(starts, round(BURST_PERIOD / 5 * 1e6)) <= BURST_LIMIT // 5


def test_redis_stopped_and_restarted_mid_run_loses_no_upsert(
    sandbox: Sandbox, redis_server: RedisServer
) -> None:
    key, per_process = "pk_" + uuid.uuid4().hex, 200
    children = start_fleet(sandbox, redis_server.url, key, ["sync", "async"], per_process)
    try:
        deadline = time.monotonic() + 60
        while len(sandbox.profiles()) < 80 and time.monotonic() < deadline:
            time.sleep(0.05)
        redis_server.stop()
        during = len(sandbox.profiles())
        while len(sandbox.profiles()) < during + 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        progress_without_redis = len(sandbox.profiles()) - during
        redis_server.start()
    finally:
        results = finish(children)

    assert progress_without_redis >= 60  # nobody stalled or crashed while Redis was gone
    assert len(stored(sandbox)) == 2 * per_process
    for _, log in results:
        assert "Redis limiter at redis://127.0.0.1" in log
        assert "is unreachable" in log  # fell back to local pacing, said so once ...
        assert "answers again" in log  # ... and rejoined the fleet
        assert "Traceback" not in log
    throttled = sum(1 for entry in sent(sandbox) if entry["status"] == 429)
    print(f"\n[Redis stopped and restarted] 429s: {throttled}")


def test_a_429_in_one_process_holds_another_process(redis_server: RedisServer) -> None:
    fingerprint = uuid.uuid4().hex[:16]
    limits = RateLimits(**LIMITS)
    penalize = textwrap.dedent(
        f"""
        from klaviyo_profiles.limiter_urls import shared_limiter
        from klaviyo_profiles.ratelimit import RateLimits
        from klaviyo_profiles.redis_limiter import RedisBackend
        limiter = shared_limiter({fingerprint!r}, RateLimits(**{LIMITS!r}),
                                 backend=RedisBackend({redis_server.url!r}))
        limiter.penalize(0.5)   # what a 429 with Retry-After: 0.5 does
        """
    )
    subprocess.run([sys.executable, "-c", penalize], check=True, timeout=60)
    backend = RedisBackend(redis_server.url)
    log, hold = backend.keys(fingerprint, limits)[:2]
    with redis.Redis.from_url(redis_server.url) as client:
        hold_until = float(client.get(hold) or 0) / 1000
        assert hold_until > 0

        waited = backend.create_limiter(limits, fingerprint).acquire()

        [(_, start)] = client.zrange(log, 0, -1, withscores=True)
    assert waited > 0
    assert start / 1000 >= hold_until
