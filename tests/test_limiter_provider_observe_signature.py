"""A limiter made by a LimiterProvider plugin may override ``observe(info)`` as the public
``RateLimiter`` documented it: the clients must not turn an applied write into a crash."""

from __future__ import annotations

from typing import Any

import attrs
from klaviyo_profiles import KlaviyoProfiles
from klaviyo_profiles.ratelimit import MemoryBackend, RateLimiter, RateLimits
from klaviyo_profiles.result import RateLimitInfo
from klaviyo_profiles.sandbox import Sandbox


class _BudgetLoggingLimiter(RateLimiter):
    """Overrides observe with the one-argument signature RateLimiter had."""

    seen: list[int | None]

    def observe(self, info: RateLimitInfo | None) -> None:  # type: ignore[override]
        type(self).seen.append(None if info is None else info.remaining)
        super().observe(info)


_BudgetLoggingLimiter.seen = []


@attrs.frozen
class _PluginBackend(MemoryBackend):
    def create_limiter(self, limits: RateLimits, key: str) -> RateLimiter:
        return _BudgetLoggingLimiter(limits, backend=MemoryBackend(), key=key)


def test_a_plugin_limiter_overriding_observe_with_one_argument_gets_the_result() -> None:
    with (
        Sandbox() as sandbox,
        KlaviyoProfiles(
            api_key="pk_any", base_url=sandbox.base_url, limiter_backend=_PluginBackend()
        ) as client,
    ):
        result = client.create_or_update_profile(email="ada@example.com", first_name="Ada")
    assert result.status_code == 201
    assert _BudgetLoggingLimiter.seen


def test_a_limiter_whose_observe_takes_the_flight_is_given_the_answers_own() -> None:
    from klaviyo_profiles._server_budget import observe_answer

    given: list[tuple[RateLimitInfo | None, float | None]] = []

    class _Recording(RateLimiter):
        def observe(self, info: RateLimitInfo | None, flight: float | None = None) -> None:
            given.append((info, flight))

    class _Old(RateLimiter):
        def observe(self, info: RateLimitInfo | None) -> None:  # type: ignore[override]
            given.append((info, None))

    info = RateLimitInfo(limit=750, remaining=10, reset=30.0)
    limits = RateLimits(burst_limit=5, burst_period=1.0, steady_limit=50, steady_period=60.0)
    observe_answer(_Recording(limits, key="a"), info, 2.5)
    observe_answer(_Old(limits, key="b"), info, 2.5)
    assert given == [(info, 2.5), (info, None)]


def test_an_observe_set_on_the_instance_or_reached_through_a_wrapper_is_called_so() -> None:
    from klaviyo_profiles._server_budget import observe_answer

    info = RateLimitInfo(limit=750, remaining=10, reset=30.0)
    limits = RateLimits(burst_limit=5, burst_period=1.0, steady_limit=50, steady_period=60.0)
    given: list[object] = []
    overridden = RateLimiter(limits, key="instance")
    overridden.observe = given.append  # type: ignore[method-assign]

    class _Forwarding:
        def __init__(self, inner: RateLimiter) -> None:
            self._inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

    observe_answer(overridden, info, 0.25)
    observe_answer(_Forwarding(overridden), info, 0.25)
    assert given == [info, info]
