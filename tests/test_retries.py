"""Retries: what is retried, how long between attempts, when to give up, what is logged.

A fake clock that only sleeping advances keeps these exact and instant.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random

import httpx
import pytest
from klaviyo_profiles.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InvalidInputError,
    RateLimitError,
    ServerError,
    error_from_response,
)
from klaviyo_profiles.retries import (
    RetryEvent,
    RetryPolicy,
    acall_with_retries,
    call_with_retries,
    is_retryable,
)

SECRET = "pk_live_0123456789abcdef"
URL = "http://127.0.0.1:9/api/profile-import"


def status_error(status: int, retry_after: str | None = None) -> APIStatusError:
    """The error the client raises for a response, with a key and a body worth hiding."""
    request = httpx.Request("POST", URL, headers={"Authorization": f"Klaviyo-API-Key {SECRET}"})
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    body = {"errors": [{"code": "boom", "detail": f"private detail {SECRET}"}]}
    return error_from_response(httpx.Response(status, headers=headers, json=body, request=request))


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Script:
    """A ``send`` that raises the given errors in turn, then returns ``"ok"``."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.attempts: list[int] = []

    def __call__(self, attempt: int) -> str:
        self.attempts.append(attempt)
        if self.errors:
            raise self.errors.pop(0)
        return "ok"

    async def send_async(self, attempt: int) -> str:
        return self(attempt)


NO_JITTER = RetryPolicy(initial_backoff=0.5, max_backoff=30.0, jitter=False)


def run(script: Script, policy: RetryPolicy = NO_JITTER, **kwargs: object) -> FakeTime:
    fake = FakeTime()
    result = call_with_retries(script, policy, sleep=fake.sleep, clock=fake.clock, **kwargs)  # type: ignore[arg-type]
    assert result == "ok"
    return fake


# -- what is retried ---------------------------------------------------------------------------


RETRYABLE = [
    pytest.param(lambda: status_error(429, "1"), id="429"),
    pytest.param(lambda: status_error(500), id="500"),
    pytest.param(lambda: status_error(502), id="502"),
    pytest.param(lambda: status_error(503), id="503"),
    pytest.param(lambda: status_error(504), id="504"),
    pytest.param(lambda: APIConnectionError("dropped"), id="connection"),
    pytest.param(lambda: APITimeoutError("read timeout"), id="timeout"),
]

NOT_RETRYABLE = [
    pytest.param(lambda status=status: status_error(status), id=str(status))
    for status in (400, 401, 403, 404, 405, 409, 413, 415, 422, 501, 505)
] + [
    pytest.param(lambda: InvalidInputError("email", "a string"), id="invalid-input"),
    pytest.param(lambda: ValueError("a bug"), id="other-exception"),
]


@pytest.mark.parametrize("make_error", RETRYABLE)
def test_transient_failures_are_retried_until_success(make_error: object) -> None:
    script = Script(make_error(), make_error())  # type: ignore[operator]
    run(script)
    assert script.attempts == [1, 2, 3]


@pytest.mark.parametrize("make_error", NOT_RETRYABLE)
def test_other_failures_are_raised_after_one_attempt(make_error: object) -> None:
    error = make_error()  # type: ignore[operator]
    script = Script(error)
    fake = FakeTime()
    with pytest.raises(type(error)) as raised:
        call_with_retries(script, NO_JITTER, sleep=fake.sleep, clock=fake.clock)
    assert raised.value is error
    assert script.attempts == [1]
    assert fake.sleeps == []
    assert not is_retryable(error)


def test_server_error_class_alone_does_not_make_a_status_retryable() -> None:
    assert isinstance(status_error(501), ServerError)
    assert not is_retryable(status_error(501))


# -- how long between attempts ------------------------------------------------------------------


def test_backoff_doubles_from_the_initial_wait_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=8, initial_backoff=0.5, max_backoff=3.0, jitter=False)
    script = Script(*[status_error(503) for _ in range(7)])
    fake = run(script, policy)
    assert fake.sleeps == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0]


def test_equal_jitter_keeps_each_wait_between_half_and_all_of_its_step() -> None:
    policy = RetryPolicy(initial_backoff=1.0, max_backoff=8.0, jitter=True)
    rng = random.Random(7)
    for attempt, step in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        waits = [policy.backoff(attempt, rng) for _ in range(200)]
        assert all(step / 2 <= wait <= step for wait in waits)
        assert max(waits) - min(waits) > step / 4, "jitter should actually vary"


def test_a_429_waits_at_least_its_retry_after_even_beyond_the_backoff_cap() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=1.0, jitter=True)
    script = Script(status_error(429, "7"), status_error(429, "0"))
    fake = run(script, policy)
    assert fake.sleeps[0] >= 7.0
    assert 0.25 <= fake.sleeps[1] <= 1.0  # Retry-After 0: the ordinary backoff applies


def test_a_429_without_retry_after_uses_the_backoff() -> None:
    script = Script(status_error(429))
    fake = run(script)
    assert fake.sleeps == [0.5]


@pytest.mark.parametrize("retry_after", ["99999999999", "9" * 400, "86400.5"])
def test_a_huge_retry_after_is_waited_for_an_hour_at_most(retry_after: str) -> None:
    error = status_error(429, retry_after)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 3600.0  # an hour, as documented
    fake = run(Script(error), NO_JITTER.replace(total_timeout=None))
    assert fake.sleeps == [3600.0]


def test_a_huge_retry_after_set_on_the_error_by_hand_is_capped_too() -> None:
    error = status_error(429, "1")
    assert isinstance(error, RateLimitError)
    error.retry_after = math.inf
    fake = run(Script(error), NO_JITTER.replace(total_timeout=None))
    assert fake.sleeps == [3600.0]


def test_a_huge_retry_after_is_awaited_for_an_hour_at_most() -> None:
    fake = FakeTime()
    script = Script(status_error(429, "99999999999"))
    policy = NO_JITTER.replace(total_timeout=None)
    result = asyncio.run(
        acall_with_retries(script.send_async, policy, sleep=fake.async_sleep, clock=fake.clock)
    )
    assert result == "ok"
    assert fake.sleeps == [3600.0]


@pytest.mark.parametrize(
    "retry_after", ["nan", "-5", "soon", "1_000", "1e3", "inf", "1e400", "0x10", "+7", "7 s"]
)
def test_a_retry_after_that_is_not_digits_or_a_date_is_unreadable(retry_after: str) -> None:
    # delta-seconds is digits (a fraction allowed): not whatever Python's float takes.
    error = status_error(429, retry_after)
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


@pytest.mark.parametrize(("retry_after", "seconds"), [("7", 7.0), (" 7 ", 7.0), ("2.5", 2.5)])
def test_a_retry_after_of_digits_is_read(retry_after: str, seconds: float) -> None:
    error = status_error(429, retry_after)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == seconds


# -- when to give up ----------------------------------------------------------------------------


def test_after_max_attempts_the_last_error_is_raised_unchanged() -> None:
    errors = [status_error(503), APIConnectionError("dropped"), status_error(429, "2")]
    script = Script(*errors, status_error(500))
    fake = FakeTime()
    with pytest.raises(RateLimitError) as raised:
        call_with_retries(
            script, NO_JITTER.replace(max_attempts=3), sleep=fake.sleep, clock=fake.clock
        )
    assert raised.value is errors[-1]
    assert raised.value.retry_after == 2.0
    assert script.attempts == [1, 2, 3]


def test_max_attempts_of_one_disables_retrying() -> None:
    script = Script(status_error(503))
    with pytest.raises(ServerError):
        call_with_retries(script, RetryPolicy(max_attempts=1), sleep=FakeTime().sleep)
    assert script.attempts == [1]


def test_a_retry_after_beyond_the_budget_gives_up_at_once_with_retry_after() -> None:
    script = Script(status_error(429, "30"))
    fake = FakeTime()
    with pytest.raises(RateLimitError) as raised:
        call_with_retries(
            script, NO_JITTER.replace(total_timeout=10.0), sleep=fake.sleep, clock=fake.clock
        )
    assert raised.value.retry_after == 30.0
    assert script.attempts == [1]
    assert fake.sleeps == []


def test_the_budget_counts_time_spent_in_attempts_as_well_as_waits() -> None:
    fake = FakeTime()
    attempts: list[int] = []

    def slow_failure(attempt: int) -> str:
        attempts.append(attempt)
        fake.now += 4.0  # each attempt takes 4 s before failing
        raise status_error(503)

    policy = RetryPolicy(max_attempts=10, total_timeout=10.0, initial_backoff=0.5, jitter=False)
    with pytest.raises(ServerError):
        call_with_retries(slow_failure, policy, sleep=fake.sleep, clock=fake.clock)
    # 4 + 0.5 + 4 = 8.5 s used; the next wait (1 s) would end at 9.5 s, within budget;
    # after the third attempt (13.5 s) nothing more fits.
    assert attempts == [1, 2, 3]


def test_no_budget_means_only_max_attempts_stops() -> None:
    script = Script(*[status_error(429, "1000") for _ in range(3)])
    fake = run(script, NO_JITTER.replace(total_timeout=None))
    assert fake.sleeps == [1000.0, 1000.0, 1000.0]


# -- reporting ----------------------------------------------------------------------------------


def test_each_retry_is_reported_to_on_retry() -> None:
    first, second = status_error(503), APITimeoutError("read timeout")
    events: list[RetryEvent] = []
    run(Script(first, second), on_retry=events.append)
    assert events == [RetryEvent(1, first, 0.5), RetryEvent(2, second, 1.0)]


def test_retries_are_logged_with_attempt_class_status_and_wait_but_no_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    script = Script(status_error(429, "3"), APIConnectionError(f"dropped {SECRET}"))
    run(script)
    fake = FakeTime()
    with pytest.raises(ServerError):
        call_with_retries(
            Script(status_error(503), status_error(503)),
            NO_JITTER.replace(max_attempts=2),
            sleep=fake.sleep,
            clock=fake.clock,
        )

    ours = [r for r in caplog.records if r.name == "klaviyo_profiles.retries"]
    messages = [r.getMessage() for r in ours]
    assert [r.levelno for r in ours] == [logging.INFO, logging.INFO, logging.INFO, logging.WARNING]
    assert "attempt 1" in messages[0]
    assert "RateLimitError" in messages[0]
    assert "429" in messages[0]
    assert "3.00 s" in messages[0]
    assert "attempt 2" in messages[1]
    assert "APIConnectionError" in messages[1]
    assert "giving up after attempt 2" in messages[3]
    assert "ServerError" in messages[3]
    assert "503" in messages[3]
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + str(record.exc_info)
        assert SECRET not in text
        assert "private detail" not in text


# -- the coroutine form ---------------------------------------------------------------------------


def test_acall_with_retries_retries_and_awaits_its_waits() -> None:
    fake = FakeTime()
    script = Script(status_error(502), status_error(429, "4"))
    result = asyncio.run(
        acall_with_retries(script.send_async, NO_JITTER, sleep=fake.async_sleep, clock=fake.clock)
    )
    assert result == "ok"
    assert script.attempts == [1, 2, 3]
    assert fake.sleeps == [0.5, 4.0]


def test_acall_with_retries_raises_the_last_error_unchanged() -> None:
    fake = FakeTime()
    error = status_error(429, "60")
    script = Script(error)
    with pytest.raises(RateLimitError) as raised:
        asyncio.run(
            acall_with_retries(
                script.send_async,
                NO_JITTER.replace(total_timeout=5.0),
                sleep=fake.async_sleep,
                clock=fake.clock,
            )
        )
    assert raised.value is error
    assert raised.value.retry_after == 60.0


async def test_acall_with_retries_sleeps_without_blocking_the_loop() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        for _ in range(10):
            ticks += 1
            await asyncio.sleep(0.01)

    script = Script(status_error(503))
    task = asyncio.create_task(ticker())
    policy = RetryPolicy(initial_backoff=0.1, jitter=False)
    assert await acall_with_retries(script.send_async, policy) == "ok"
    await task
    assert ticks >= 5


# -- the policy ------------------------------------------------------------------------------------


def test_replace_changes_only_what_it_is_given() -> None:
    policy = RetryPolicy(max_attempts=5, total_timeout=120.0, initial_backoff=0.25)
    assert policy.replace() == policy
    assert policy.replace(max_attempts=None) == policy
    assert policy.replace(max_attempts=2) == RetryPolicy(
        max_attempts=2, total_timeout=120.0, initial_backoff=0.25
    )
    assert policy.replace(total_timeout=None).total_timeout is None
    assert policy.replace(total_timeout=3.0).total_timeout == 3.0


@pytest.mark.parametrize(
    "kwargs",
    [{"max_attempts": 0}, {"total_timeout": -1.0}, {"initial_backoff": -0.1}],
)
def test_nonsensical_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_a_first_attempt_that_succeeds_never_sets_up_tenacity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tenacity

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tenacity was set up for a call that needed no retry")

    monkeypatch.setattr(tenacity, "Retrying", refuse)
    monkeypatch.setattr(tenacity, "AsyncRetrying", refuse)

    async def send_async(attempt: int) -> int:
        return attempt

    assert call_with_retries(lambda attempt: attempt, RetryPolicy()) == 1
    assert asyncio.run(acall_with_retries(send_async, RetryPolicy())) == 1
