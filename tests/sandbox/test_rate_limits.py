"""Server-side rate limits: per-key burst and steady fixed windows.

Tests that need time to pass drive the sandbox's limiter with a clock of their own, so a busy
machine cannot move a request into another window than the one the test means.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from klaviyo_profiles.sandbox import Sandbox
from klaviyo_profiles.sandbox.windows import WindowCounter as RateLimiter
from sandbox_helpers import PATH, body


class ManualClock:
    """A clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(sandbox: Sandbox) -> Iterator[ManualClock]:
    """The sandbox's rate limiter on a manual clock for this test."""
    manual = ManualClock()
    state = sandbox.state
    real = state.limiter
    state.limiter = RateLimiter(real.config, clock=manual)
    try:
        yield manual
    finally:
        real.configure(state.limiter.config)
        state.limiter = real


def send(api: httpx.Client, n: int, email: str = "ada@example.com") -> list[httpx.Response]:
    return [api.post(PATH, json=body({"email": email})) for _ in range(n)]


def test_exactly_the_burst_limit_passes_and_the_next_gets_429_with_retry_after(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_rate_limits(burst_limit=3, burst_period=5, steady_limit=100, steady_period=10)

    passed = send(api, 3)
    refused = send(api, 1)[0]

    assert [r.status_code for r in passed] == [201, 200, 200]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    error = refused.json()["errors"][0]
    assert error["code"] == "throttled"
    assert error["detail"].startswith("Request was throttled. Expected available in ")
    assert "RateLimit-Remaining" not in refused.headers


def test_exactly_the_steady_limit_passes_per_window_and_the_window_reopens(
    api: httpx.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    sandbox.set_rate_limits(burst_limit=100, burst_period=1, steady_limit=4, steady_period=0.6)

    first = send(api, 5)
    clock.advance(0.59)
    still_closed = send(api, 1)[0]
    clock.advance(0.01)
    second = send(api, 5)

    for window in (first, second):
        assert [r.status_code for r in window] == [201 if window is first else 200] + [200] * 3 + [
            429
        ]
    assert still_closed.status_code == 429


def test_headers_count_down_within_the_steady_window(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_rate_limits(burst_limit=50, burst_period=1, steady_limit=5, steady_period=30)

    responses = send(api, 5)

    assert [r.headers["RateLimit-Limit"] for r in responses] == ["5"] * 5
    assert [r.headers["RateLimit-Remaining"] for r in responses] == ["4", "3", "2", "1", "0"]
    assert all(1 <= int(r.headers["RateLimit-Reset"]) <= 30 for r in responses)


def test_sub_second_windows_report_at_least_one_second(
    api: httpx.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    sandbox.set_rate_limits(burst_limit=1, burst_period=0.3, steady_limit=50, steady_period=0.5)

    allowed, refused = send(api, 2)
    clock.advance(0.35)
    reopened = send(api, 1)[0]

    assert allowed.headers["RateLimit-Reset"] == "1"
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    assert "1 second." in refused.json()["errors"][0]["detail"]
    assert reopened.status_code == 200


def test_throttled_requests_are_not_counted(
    api: httpx.Client, sandbox: Sandbox, clock: ManualClock
) -> None:
    sandbox.set_rate_limits(burst_limit=2, burst_period=0.3, steady_limit=10, steady_period=30)

    statuses = [r.status_code for r in send(api, 5)]
    clock.advance(0.35)
    after = send(api, 1)[0]

    assert statuses == [201, 200, 429, 429, 429]
    assert after.headers["RateLimit-Remaining"] == "7"  # 10 - 2 earlier - this one


def test_failed_validation_counts_like_any_authenticated_request(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_rate_limits(burst_limit=50, burst_period=1, steady_limit=10, steady_period=30)

    invalid = api.post(PATH, json=body({"first_name": "no identifier"}))
    valid = send(api, 1)[0]

    assert invalid.status_code == 400
    assert invalid.headers["RateLimit-Remaining"] == "9"
    assert valid.headers["RateLimit-Remaining"] == "8"


def test_each_api_key_has_its_own_windows(
    api: httpx.Client, sandbox: Sandbox, client_for: Callable[..., httpx.Client]
) -> None:
    sandbox.set_rate_limits(burst_limit=1, burst_period=5, steady_limit=10, steady_period=10)
    other = client_for(sandbox, Authorization="Klaviyo-API-Key pk_other")

    first = send(api, 2)
    other_first = send(other, 1, email="grace@example.com")[0]

    assert [r.status_code for r in first] == [201, 429]
    assert other_first.status_code == 201


def test_unauthenticated_requests_are_not_counted(
    api: httpx.Client, sandbox: Sandbox, client_for: Callable[..., httpx.Client]
) -> None:
    sandbox.set_rate_limits(burst_limit=50, burst_period=1, steady_limit=10, steady_period=30)
    anonymous = client_for(sandbox, Authorization=None)

    send(anonymous, 3)
    response = send(api, 1)[0]

    assert response.headers["RateLimit-Remaining"] == "9"


def test_defaults_come_from_the_endpoint_facts(api: httpx.Client) -> None:
    from klaviyo_profile_import import facts

    response = send(api, 1)[0]

    assert response.headers["RateLimit-Limit"] == str(facts.STEADY_LIMIT)
    assert response.headers["RateLimit-Remaining"] == str(facts.STEADY_LIMIT - 1)
