"""Waiting on the rate limiter counts against ``total_timeout``, against the sandbox on
loopback (and a real redis-server for a fleet's hold).

A wait the limiter announces beyond what is left of the budget raises ``RateLimitWaitError``
at once and sends nothing. The limits here make the waits that must fail about ten times
longer than the budget, and the budget a few times longer than the waits that must succeed,
so no assertion depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from klaviyo_profiles import (
    AsyncKlaviyoProfiles,
    KlaviyoProfiles,
    ProfileResult,
    RateLimits,
    RateLimitWaitError,
)
from klaviyo_profiles.redis_limiter import RedisBackend
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig
from redis_server import RedisServer

#: Two a second, four in 30 s: a fifth request waits about 30 s.
TIGHT = RateLimits(burst_limit=2, burst_period=1.0, steady_limit=4, steady_period=30.0)


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(rate_limits=RateLimitConfig(enabled=False))) as sb:
        yield sb


@pytest.fixture
def sandbox(module_sandbox: Sandbox) -> Sandbox:
    module_sandbox.reset()
    return module_sandbox


def new_key() -> str:
    return "pk_" + uuid.uuid4().hex


def test_a_hold_an_hour_ahead_in_redis_fails_a_call_with_total_timeout_at_once(
    sandbox: Sandbox, redis_server: RedisServer
) -> None:
    backend = RedisBackend(redis_server.url)
    with KlaviyoProfiles(
        api_key=new_key(), base_url=sandbox.base_url, limiter_backend=backend
    ) as client:
        hold = backend.keys(client._auth.fingerprint, RateLimits.from_facts())[1]
        with redis.Redis.from_url(redis_server.url) as connection:
            seconds, micros = connection.time()
            connection.set(hold, f"{(seconds + 3600) * 1000 + micros / 1000:.3f}")
        began = time.monotonic()

        with pytest.raises(RateLimitWaitError) as caught:
            client.create_or_update_profile(email="held@example.com", total_timeout=3)

    assert time.monotonic() - began < 60  # not the hour, nor the clamped minute
    assert caught.value.wait > 3
    assert sandbox.requests() == []


def test_concurrent_async_calls_that_would_wait_past_total_timeout_fail_and_send_nothing(
    sandbox: Sandbox,
) -> None:
    async def run() -> list[ProfileResult | BaseException]:
        async with AsyncKlaviyoProfiles(
            api_key=new_key(), base_url=sandbox.base_url, rate_limits=TIGHT
        ) as client:
            calls = [
                client.create_or_update_profile(email=f"c{i}@example.com", total_timeout=5)
                for i in range(6)
            ]
            return await asyncio.gather(*calls, return_exceptions=True)

    began = time.monotonic()
    outcomes = asyncio.run(run())

    assert time.monotonic() - began < 25  # the 30 s wait was never slept
    delivered = [o for o in outcomes if isinstance(o, ProfileResult)]
    refused = [o for o in outcomes if isinstance(o, RateLimitWaitError)]
    assert (len(delivered), len(refused)) == (4, 2)
    assert len(sandbox.requests()) == 4


def test_a_bulk_job_call_that_would_wait_past_total_timeout_fails_and_sends_nothing(
    sandbox: Sandbox,
) -> None:
    with KlaviyoProfiles(
        api_key=new_key(), base_url=sandbox.base_url, bulk_rate_limits=TIGHT
    ) as client:
        for i in range(4):
            client.bulk_import_profiles([{"email": f"b{i}@example.com"}], total_timeout=5)
        sent = len(sandbox.requests())

        with pytest.raises(RateLimitWaitError):
            client.bulk_import_profiles([{"email": "late@example.com"}], total_timeout=5)

    assert len(sandbox.requests()) == sent == 4
