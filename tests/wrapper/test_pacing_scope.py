"""Client-side pacing is forgotten with the server it paces for: a sandbox reset (in Python or
over HTTP) gives every client of that base URL fresh windows, and no other URL's."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from klaviyo_profiles import KlaviyoProfiles, RateLimits, RateLimitWaitError
from klaviyo_profiles.pacing import limiter_scope, reset_pacing
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig

#: Three requests a minute: a client that sent three waits a minute for the fourth.
LIMITS = RateLimits(burst_limit=2, burst_period=0.1, steady_limit=3, steady_period=60.0)


@pytest.fixture(scope="module")
def two_sandboxes() -> Iterator[tuple[Sandbox, Sandbox]]:
    config = SandboxConfig(rate_limits=RateLimitConfig(enabled=False))
    with Sandbox(config) as first, Sandbox(config) as second:
        yield first, second


def spent_client(sandbox: Sandbox) -> KlaviyoProfiles:
    """A client (of a key of its own) that has spent its budget of the minute."""
    client = KlaviyoProfiles(
        api_key=f"pk_{uuid.uuid4().hex}", base_url=sandbox.base_url, rate_limits=LIMITS
    )
    for i in range(3):
        client.create_or_update_profile(email=f"spent{i}@example.com")
    with pytest.raises(RateLimitWaitError):
        client.create_or_update_profile(email="held@example.com", total_timeout=5)
    return client


def test_a_reset_in_python_gives_the_clients_of_that_url_fresh_windows(
    two_sandboxes: tuple[Sandbox, Sandbox],
) -> None:
    sandbox, _ = two_sandboxes
    with spent_client(sandbox) as client:
        sandbox.reset()
        assert client.create_or_update_profile(email="a@example.com", total_timeout=5).created


def test_a_reset_over_http_gives_the_clients_of_that_url_fresh_windows(
    two_sandboxes: tuple[Sandbox, Sandbox],
) -> None:
    sandbox, _ = two_sandboxes
    with spent_client(sandbox) as client:
        assert httpx.post(f"{sandbox.base_url}/sandbox/reset", timeout=10).status_code == 200
        assert client.create_or_update_profile(email="a@example.com", total_timeout=5).created


def test_a_reset_of_one_sandbox_leaves_the_pacing_of_another_alone(
    two_sandboxes: tuple[Sandbox, Sandbox],
) -> None:
    first, second = two_sandboxes
    with spent_client(second) as client:
        first.reset()
        with pytest.raises(RateLimitWaitError):
            client.create_or_update_profile(email="a@example.com", total_timeout=5)


def test_a_copy_and_its_original_share_the_fresh_windows(
    two_sandboxes: tuple[Sandbox, Sandbox],
) -> None:
    sandbox, _ = two_sandboxes
    with spent_client(sandbox) as client:
        copy = client.with_options(timeout=10)
        sandbox.reset()
        for i in range(3):
            client.create_or_update_profile(email=f"o{i}@example.com", total_timeout=5)
        with pytest.raises(RateLimitWaitError):  # one budget for the key, fresh once
            copy.create_or_update_profile(email="c@example.com", total_timeout=5)


def test_a_url_never_reset_keeps_the_plain_limiter_shared_per_key() -> None:
    url = f"https://{uuid.uuid4().hex}.example.com"
    key = f"pk_{uuid.uuid4().hex}"
    assert limiter_scope(url) == ""
    with (
        KlaviyoProfiles(api_key=key, base_url=url) as one,
        KlaviyoProfiles(api_key=key) as default,
    ):
        assert one._limiter is default._limiter  # one budget per key: nothing was reset
        reset_pacing(url + "/")  # the same URL, with a slash
        assert limiter_scope(url) != ""
        with KlaviyoProfiles(api_key=key, base_url=url) as fresh:
            assert fresh._limiter is not default._limiter
        with KlaviyoProfiles(api_key=key) as still_default:
            assert still_default._limiter is default._limiter
