"""The core's operations, driven by hand: what each asks for (its effects), in which order,
and what it decides on each answer. No client driver and no I/O: these tests play the
driver, answering each effect with a canned response or an error."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
from klaviyo_profiles import KlaviyoProfiles
from klaviyo_profiles._effects import Acquire, Effect, Send, Sleep, Spawn, Steps, Wait
from klaviyo_profiles._hybrid import HybridPlan, hybrid_steps, side_by_side
from klaviyo_profiles._polling import Polling, poll_steps
from klaviyo_profiles.bulk import PreparedProfile
from klaviyo_profiles.errors import (
    APIConnectionError,
    BadRequestError,
    RateLimitError,
    RateLimitWaitError,
    ServerError,
)
from klaviyo_profiles.ratelimit import RateLimits
from klaviyo_profiles.result import BulkImportErrorEntry, BulkImportJob, ProfileResult
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


# -- the hybrid engine ----------------------------------------------------------------------


class FakeOperations:
    """HybridOperations whose steps ask for one Send each, tagged with what they are."""

    def upsert_steps(self, body: Any) -> Steps[ProfileResult]:
        answer = yield Send({"op": "upsert", "email": body["data"]["attributes"]["email"]})
        assert isinstance(answer, ProfileResult)
        return answer

    def start_job_steps(
        self, profiles: Sequence[PreparedProfile], lists: Sequence[str]
    ) -> Steps[BulkImportJob]:
        emails = [p.resource["attributes"]["email"] for p in profiles]
        answer = yield Send({"op": "start", "emails": emails})
        assert isinstance(answer, BulkImportJob)
        return answer

    def settle_job_steps(
        self, job_id: str, polling: Polling
    ) -> Steps[tuple[BulkImportJob, list[BulkImportErrorEntry]]]:
        answer = yield Send({"op": "settle", "job": job_id})
        assert isinstance(answer, tuple)
        return answer


class Handle:
    """A sub-task the test ran to completion at once (what Spawn answers)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def done(self) -> bool:
        return True

    def result(self) -> Any:
        return self.value

    def cancel(self) -> bool:
        return False


def service(sub_effects: list[Effect]) -> Answer:
    """Answers the engine's own effects and runs spawned steps to completion inline."""
    jobs = itertools.count(1)

    def answer(effect: Effect) -> Any:
        if isinstance(effect, Spawn):
            effects, value = drive(effect.steps, answer)
            sub_effects.extend(effects)
            return Handle(value)
        if isinstance(effect, Wait):
            return [effect.tasks[0]]  # one finished at a time, the oldest first
        assert isinstance(effect, Send)
        op = effect.request["op"]
        if op == "upsert":
            return ProfileResult(
                created=True,
                status_code=201,
                profile_id="p",
                raw=None,
                rate_limit=None,
                attempts=1,
                response=response(201),
            )
        if op == "start":
            return BulkImportJob.from_json(
                {"data": {"id": f"job-{next(jobs)}", "attributes": {"status": "queued"}}}
            )
        job = BulkImportJob.from_json(
            {"data": {"id": effect.request["job"], "attributes": {"status": "complete"}}}
        )
        return job, []

    return answer


def rows() -> list[dict[str, Any]]:
    """Four rows for jobs, two with a null (one by one), and two rows of one profile."""
    return [
        {"email": "j1@example.com"},
        {"email": "s1@example.com", "last_name": None},
        {"email": "j2@example.com"},
        {"email": "twice@example.com"},
        {"email": "j3@example.com"},
        {"email": "TWICE@example.com", "first_name": "Again"},
        {"email": "j4@example.com"},
        {"email": "s2@example.com", "last_name": None},
    ]


def test_hybrid_starts_jobs_first_then_spawns_settles_beside_at_most_limit_singles() -> None:
    plan = HybridPlan(rows(), "bulk", (), max_job_size=2, concurrency=2)
    inside: list[Effect] = []
    effects, outcomes = drive(hybrid_steps(FakeOperations(), plan, Polling()), service(inside))
    starts = [e for e in effects if isinstance(e, Send)]
    assert [e.request["emails"] for e in starts] == [
        ["j1@example.com", "j2@example.com"],
        ["j3@example.com", "j4@example.com"],
    ]
    # Then both jobs' settling and two of the three single groups at once, then one more
    # group each time one finishes.
    assert kinds(effects[2:]) == ["Spawn"] * 4 + ["Wait", "Spawn", "Wait", "Wait", "Wait", "Wait"]
    assert [o.via for o in outcomes] == ["bulk", "single"] * 4
    assert [o.index for o in outcomes] == list(range(8))
    assert all(o.ok for o in outcomes)
    # The two rows of one profile went one after the other, inside one sub-task.
    upserts = [e.request["email"] for e in inside if e.request["op"] == "upsert"]
    assert upserts.index("twice@example.com") + 1 == upserts.index("TWICE@example.com")


def test_hybrid_at_concurrency_one_does_one_thing_at_a_time_with_no_sub_task() -> None:
    plan = HybridPlan(rows(), "bulk", (), max_job_size=2, concurrency=1)
    effects, outcomes = drive(hybrid_steps(FakeOperations(), plan, Polling()), service([]))
    assert all(isinstance(e, Send) for e in effects)
    assert [e.request["op"] for e in effects] == ["start"] * 2 + ["upsert"] * 4 + ["settle"] * 2
    assert [e.request["email"] for e in effects if e.request["op"] == "upsert"] == [
        "s1@example.com",
        "twice@example.com",
        "TWICE@example.com",
        "s2@example.com",
    ]
    assert len(outcomes) == 8


def test_a_job_that_cannot_start_fails_its_rows_and_the_rest_goes_on() -> None:
    plan = HybridPlan(rows(), "bulk", (), max_job_size=2, concurrency=1)
    normal = service([])

    def answer(effect: Effect) -> Any:
        if (
            isinstance(effect, Send)
            and effect.request["op"] == "start"
            and effect.request["emails"][0] == "j1@example.com"
        ):
            return RateLimitError("429", response=response(429, {}), body="", errors=[])
        return normal(effect)

    effects, outcomes = drive(hybrid_steps(FakeOperations(), plan, Polling()), answer)
    failed = [o.index for o in outcomes if not o.ok]
    assert failed == [0, 2]
    assert all(isinstance(o.error, RateLimitError) for o in outcomes if not o.ok)
    assert [e.request["op"] for e in effects].count("settle") == 1


def test_side_by_side_keeps_the_order_of_results_whatever_finishes_first() -> None:
    def one(value: int) -> Steps[int]:
        yield Sleep(0)
        return value

    def answer(effect: Effect) -> Any:
        if isinstance(effect, Spawn):
            return Handle(drive(effect.steps, answer)[1])
        if isinstance(effect, Wait):
            return [effect.tasks[-1]]  # the newest first
        return None

    effects, results = drive(
        side_by_side([one(1), one(2), one(3)], limit=2, beside=[one(9)]), answer
    )
    assert results == [1, 2, 3, 9]
    assert max(e.width for e in effects if isinstance(e, Spawn)) == 3
    effects, results = drive(side_by_side([one(1), one(2)], limit=1, beside=[one(9)]), answer)
    assert results == [1, 2, 9] and kinds(effects) == ["Sleep"] * 3
