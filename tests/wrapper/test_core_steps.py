"""The core's operations, driven by hand: what each asks for (its effects), in which order,
and what it decides on each answer. No client driver and no I/O: these tests play the
driver, answering each effect with a canned response or an error."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
from klaviyo_profiles import KlaviyoProfiles
from klaviyo_profiles._effects import Acquire, Effect, Send, Sleep, Steps
from klaviyo_profiles._polling import Polling, poll_steps
from klaviyo_profiles.errors import (
    APIConnectionError,
    BadRequestError,
    BulkImportJobTimeoutError,
    RateLimitError,
    RateLimitWaitError,
    ServerError,
)
from klaviyo_profiles.ratelimit import RateLimits
from klaviyo_profiles.result import BulkImportJob, ProfileResult
from klaviyo_profiles.retries import RetryPolicy

KEY = "pk_core_steps_0000000000000000"
NO_JITTER = RetryPolicy(initial_backoff=0.5, max_backoff=30.0, jitter=False)
PROFILE = {"data": {"type": "profile", "id": "01J", "attributes": {"email": "a@example.com"}}}
JOB = {"data": {"type": "profile-bulk-import-job", "id": "job-1", "attributes": {}}}

Answer = Callable[[Effect], Any]


def drive(steps: Steps[Any], answer: Answer) -> tuple[list[Effect], Any]:
    """Play the driver: every effect is recorded and answered by ``answer`` (an exception it
    returns is thrown into the steps). Returns the effects and what the steps returned."""
    effects: list[Effect] = []
    reply: Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = steps.send(reply) if error is None else steps.throw(error)
        except StopIteration as stop:
            return effects, stop.value
        effects.append(effect)
        reply, error = None, None
        given = answer(effect)
        if isinstance(given, BaseException):
            error = given
        else:
            reply = given


def response(status: int, body: Any = PROFILE, **headers: str) -> httpx.Response:
    request = httpx.Request("POST", "https://a.klaviyo.com/api/profile-import")
    return httpx.Response(status, json=body, headers=headers, request=request)


def answers(*sent: httpx.Response | Exception) -> Answer:
    """Each Send answered by the next of ``sent``; Acquire and Sleep by nothing."""
    pending = list(sent)

    def answer(effect: Effect) -> Any:
        if isinstance(effect, Send):
            return pending.pop(0)
        return None

    return answer


def kinds(effects: Sequence[Effect]) -> list[str]:
    return [type(effect).__name__ for effect in effects]


@pytest.fixture
def client() -> KlaviyoProfiles:
    """A client whose own driver is never used: only its steps are."""
    limits = RateLimits.from_facts()
    return KlaviyoProfiles(api_key=KEY, retry_policy=NO_JITTER, rate_limits=limits)


# -- one upsert -----------------------------------------------------------------------------


def test_a_429_then_a_201_waits_at_least_retry_after_between_two_paced_sends(
    client: KlaviyoProfiles,
) -> None:
    steps = client._upsert_steps(None, {"email": "a@example.com"})
    effects, result = drive(
        steps, answers(response(429, {}, **{"Retry-After": "2"}), response(201))
    )
    assert kinds(effects) == ["Acquire", "Send", "Sleep", "Acquire", "Send"]
    sleep = effects[2]
    assert isinstance(sleep, Sleep) and sleep.seconds >= 2.0
    assert all(isinstance(e, Acquire) and e.limiter is client._limiter for e in effects[::3])
    assert isinstance(result, ProfileResult)
    assert (result.created, result.attempts, result.profile_id) == (True, 2, "01J")


def test_a_first_attempt_that_succeeds_asks_for_one_slot_and_one_send_only(
    client: KlaviyoProfiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tenacity

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("tenacity was set up for a call that needed no retry")

    monkeypatch.setattr(tenacity, "Retrying", refuse)
    effects, result = drive(
        client._upsert_steps(None, {"email": "a@example.com"}), answers(response(200))
    )
    assert kinds(effects) == ["Acquire", "Send"]
    assert result.created is False


def test_the_request_is_checked_before_any_effect(client: KlaviyoProfiles) -> None:
    from klaviyo_profiles.errors import UnknownFieldError

    with pytest.raises(UnknownFieldError):
        client._upsert_steps(None, {"emial": "a@example.com"})


def test_a_transport_failure_thrown_in_is_retried_as_a_connection_error(
    client: KlaviyoProfiles,
) -> None:
    refused = httpx.ConnectError("refused", request=httpx.Request("POST", "https://x"))
    effects, result = drive(
        client._upsert_steps(None, {"email": "a@example.com"}), answers(refused, response(201))
    )
    assert kinds(effects) == ["Acquire", "Send", "Sleep", "Acquire", "Send"]
    assert effects[2] == Sleep(0.5)
    assert result.attempts == 2


def test_what_is_not_retryable_ends_the_steps_with_that_error(client: KlaviyoProfiles) -> None:
    steps = client._upsert_steps(None, {"email": "a@example.com"})
    with pytest.raises(BadRequestError):
        drive(steps, answers(response(400, {"errors": []})))


def test_the_limiters_wait_is_bounded_by_what_is_left_of_total_timeout(
    client: KlaviyoProfiles,
) -> None:
    steps = client._upsert_steps(None, {"email": "a@example.com"}, total_timeout=10.0)
    effects, _ = drive(steps, answers(response(429, {}, **{"Retry-After": "1"}), response(201)))
    waits = [effect.max_wait for effect in effects if isinstance(effect, Acquire)]
    assert len(waits) == 2
    assert all(wait is not None and 0 < wait <= 10.0 for wait in waits)
    assert waits[1] is not None and waits[0] is not None and waits[1] <= waits[0]


def test_a_wait_past_the_budget_raised_by_the_limiter_is_final_and_nothing_is_sent(
    client: KlaviyoProfiles,
) -> None:
    def answer(effect: Effect) -> Any:
        if isinstance(effect, Acquire):
            return RateLimitWaitError(30.0, effect.max_wait or 0.0)
        raise AssertionError("nothing may be sent")

    with pytest.raises(RateLimitWaitError):
        drive(client._upsert_steps(None, {"email": "a@example.com"}, total_timeout=5.0), answer)


def test_without_a_limiter_or_a_policy_one_send_is_all(client: KlaviyoProfiles) -> None:
    bare = KlaviyoProfiles(api_key=KEY, retry_policy=None, rate_limits=False)
    effects, _ = drive(bare._upsert_steps(None, {"email": "a@example.com"}), answers(response(201)))
    assert kinds(effects) == ["Send"]
    with pytest.raises(RateLimitError):
        drive(bare._upsert_steps(None, {"email": "a@example.com"}), answers(response(429, {})))


# -- bulk import jobs -----------------------------------------------------------------------


def test_a_job_start_is_repeated_after_a_refused_connection_but_never_after_a_5xx(
    client: KlaviyoProfiles,
) -> None:
    refused = httpx.ConnectError("refused", request=httpx.Request("POST", "https://x"))
    steps = client._start_job_steps([{"email": "a@example.com"}])
    effects, job = drive(steps, answers(refused, response(202, JOB)))
    assert kinds(effects) == ["Acquire", "Send", "Sleep", "Acquire", "Send"]
    assert isinstance(job, BulkImportJob) and job.id == "job-1"

    timed_out = httpx.ReadTimeout("slow", request=httpx.Request("POST", "https://x"))
    for after_sending in (response(503, {"errors": []}), timed_out):
        seen: list[Effect] = []
        with pytest.raises((ServerError, APIConnectionError)):
            drive(
                client._start_job_steps([{"email": "a@example.com"}]),
                recording(seen, after_sending),
            )
        assert kinds(seen) == ["Acquire", "Send"]


def recording(seen: list[Effect], sent: httpx.Response | Exception) -> Answer:
    """Every Send answered by ``sent``; every effect kept in ``seen``."""

    def answer(effect: Effect) -> Any:
        seen.append(effect)
        return sent if isinstance(effect, Send) else None

    return answer


def test_polling_reads_until_done_with_growing_waits() -> None:
    statuses = iter(["queued", "processing", "processing", "complete"])

    def read() -> Steps[BulkImportJob]:
        document = yield Send({"method": "GET", "url": "job-1"})
        return BulkImportJob.from_json(document)

    def answer(effect: Effect) -> Any:
        if isinstance(effect, Send):
            return {"data": {"id": "job-1", "attributes": {"status": next(statuses)}}}
        return None

    effects, job = drive(poll_steps(read, "job-1", Polling(1.0, 30.0, None)), answer)
    assert kinds(effects) == ["Send", "Sleep", "Send", "Sleep", "Send", "Sleep", "Send"]
    assert [e.seconds for e in effects if isinstance(e, Sleep)] == pytest.approx([1.0, 1.5, 2.25])
    assert job.status == "complete"


def test_job_timeout_counts_from_since_the_jobs_start_not_from_the_first_read() -> None:
    def read() -> Steps[BulkImportJob]:
        document = yield Send({"method": "GET", "url": "job-1"})
        return BulkImportJob.from_json(document)

    def answer(effect: Effect) -> Any:
        if isinstance(effect, Send):
            return {"data": {"id": "job-1", "attributes": {"status": "processing"}}}
        return None

    # The job started at 0; its wait begins at 10, past its 5 s: one read, then the timeout.
    late = Polling(1.0, 30.0, 5.0, since=0.0)
    with pytest.raises(BulkImportJobTimeoutError) as caught:
        drive(poll_steps(read, "job-1", late, clock=lambda: 10.0), answer)
    assert caught.value.job is not None and caught.value.job.status == "processing"
    # Counted from the wait's start, the same wait would sleep before reading again.
    effects: list[Effect] = []
    steps = poll_steps(read, "job-1", Polling(1.0, 30.0, 5.0), clock=lambda: 10.0)
    effects.append(steps.send(None))
    effects.append(steps.send(answer(effects[0])))
    steps.close()
    assert kinds(effects) == ["Send", "Sleep"]


def test_a_read_the_limiter_refused_is_made_again_after_its_hold() -> None:
    answers = iter([RateLimitWaitError(3.0, 1.0), "complete"])

    def read() -> Steps[BulkImportJob]:
        document = yield Send({"method": "GET", "url": "job-1"})
        return BulkImportJob.from_json(document)

    def answer(effect: Effect) -> Any:
        if isinstance(effect, Send):
            given = next(answers)  # the limiter's refusal is thrown into the read
            if isinstance(given, Exception):
                return given
            return {"data": {"id": "job-1", "attributes": {"status": given}}}
        return None

    effects, job = drive(poll_steps(read, "job-1", Polling(0.5, 30.0, 60.0)), answer)
    assert kinds(effects) == ["Send", "Sleep", "Send"]
    # No sooner than what the hold asked beyond the read's budget (3 s - 1 s).
    assert [e.seconds for e in effects if isinstance(e, Sleep)] == pytest.approx([2.0])
    assert job.status == "complete"


# The engine of create_or_update_profiles is driven by hand in test_stream_steps.py.
