"""A fake driver for the engine of ``create_or_update_profiles``: it answers each effect the
steps yield, runs each sub-task to its end at once, and reports sub-tasks finished oldest first
(or in the order a test chooses). No client driver and no I/O."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

import attrs
import httpx
from klaviyo_profiles._effects import Effect, Emit, Offload, Send, Sleep, Spawn, Steps, Wait
from klaviyo_profiles._hybrid import StreamOptions, stream_options, stream_steps
from klaviyo_profiles._polling import Polling
from klaviyo_profiles.bulk import BulkImportErrorEntry, PreparedProfile
from klaviyo_profiles.result import BulkImportJob, ProfileOutcome, ProfileResult


def response(status: int) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("POST", "https://a.klaviyo.com/x"))


def answer_for(email: str, profile_id: str | None) -> ProfileResult:
    data: dict[str, Any] = {"type": "profile", "attributes": {"email": email}}
    if profile_id is not None:
        data["id"] = profile_id
    return ProfileResult(
        created=True,
        status_code=201,
        profile_id=profile_id,
        raw={"data": data},
        rate_limit=None,
        attempts=1,
        response=response(201),
    )


class FakeOperations:
    """HybridOperations whose steps ask for one Send each, tagged with what they are."""

    def upsert_steps(self, body: Any) -> Steps[ProfileResult]:
        attributes = body["data"]["attributes"]
        answer = yield Send(
            {
                "op": "upsert",
                "email": attributes.get("email", attributes.get("phone_number")),
                "name": attributes.get("first_name"),
            }
        )
        assert isinstance(answer, ProfileResult)
        return answer

    def start_job_steps(
        self, profiles: Sequence[PreparedProfile], lists: Sequence[str]
    ) -> Steps[BulkImportJob]:
        sent = [json.loads(profile.encoded) for profile in profiles]
        names = [p.get("id") or p["attributes"]["email"] for p in sent]
        answer = yield Send({"op": "start", "profiles": names, "sent": sent, "lists": lists})
        assert isinstance(answer, BulkImportJob)
        return answer

    def settle_job_steps(
        self, job_id: str, polling: Polling
    ) -> Steps[tuple[BulkImportJob, list[BulkImportErrorEntry]]]:
        answer = yield Send({"op": "settle", "job": job_id})
        assert isinstance(answer, tuple)
        return answer


class Handle:
    """A sub-task the fake driver ran to its end at once."""

    def __init__(self, value: Any, kind: str) -> None:
        self.value = value
        self.kind = kind

    def done(self) -> bool:
        return True

    def result(self) -> Any:
        return self.value

    def cancel(self) -> bool:
        return False


class Driver:
    """Plays the driver; ``log`` keeps what happened, in order: ``("start", names)``,
    ``("upsert", email)``, ``("settle", job_id)``, ``("ended", kind)`` when a sub-task's end is
    reported to the engine, and ``("emit", index)``."""

    def __init__(
        self,
        *,
        read: Callable[[], int] = lambda: 0,
        pick: Callable[[Sequence[Handle]], int] = lambda tasks: 0,
    ) -> None:
        #: Which of the sub-tasks a Wait names is reported finished (its position).
        self.pick = pick
        self.log: list[tuple[str, Any]] = []
        self.outcomes: list[ProfileOutcome] = []
        self.jobs = itertools.count(1)
        self.in_flight: dict[str, int] = {"single": 0, "job": 0, "read": 0}
        self.most: dict[str, int] = {"single": 0, "job": 0}
        self.read_at_first_emit: int | None = None
        self.read_at_start: list[int] = []
        self.names: list[str | None] = []
        self.read = read
        #: Answers by email for upserts (a ProfileResult or an error); default a new profile.
        self.upserts: dict[str, Any] = {}
        #: Status of each job as settled, and its import errors.
        self.status = "complete"
        self.entries: list[BulkImportErrorEntry] = []
        #: What each job's start raises, in the order jobs start (``None``: it starts).
        self.start_errors: list[Exception | None] = []
        #: What the wait for a job raises, by job id.
        self.settle_errors: dict[str, Exception] = {}

    def run(self, steps: Steps[Any]) -> Any:
        reply: Any = None
        while True:
            try:
                effect = steps.throw(reply) if isinstance(reply, Exception) else steps.send(reply)
            except StopIteration as stop:
                return stop.value
            reply = self.answer(effect)

    def answer(self, effect: Effect) -> Any:
        if isinstance(effect, Emit):
            if self.read_at_first_emit is None:
                self.read_at_first_emit = self.read()
            self.outcomes.append(effect.item)
            self.log.append(("emit", effect.item.index))
            return None
        if isinstance(effect, Spawn):
            before = len(self.log)
            value = self.run(effect.steps)
            kind = "single" if self.log[before][0] == "upsert" else "job"
            self.in_flight[kind] += 1
            self.most[kind] = max(self.most[kind], self.in_flight[kind])
            return Handle(value, kind)
        if isinstance(effect, Sleep):  # the coordinator letting others run
            return None
        if isinstance(effect, Offload):  # the input's reader: run in place, to its end
            effect.function()
            self.in_flight["read"] += 1
            return Handle(None, "read")
        if isinstance(effect, Wait):
            tasks = cast("tuple[Handle, ...]", effect.tasks)
            chosen = tasks[self.pick(tasks)]
            assert isinstance(chosen, Handle)
            self.in_flight[chosen.kind] -= 1
            self.log.append(("ended", chosen.kind))
            return [chosen]
        assert isinstance(effect, Send), effect
        request = effect.request
        op = request["op"]
        if op == "upsert":
            self.log.append(("upsert", request["email"]))
            self.names.append(request["name"])
            given = self.upserts.get(request["email"])
            return given or answer_for(request["email"], "P-" + request["email"])
        if op == "start":
            self.log.append(("start", request["profiles"]))
            self.read_at_start.append(self.read())
            self.log.append(("sent", request["sent"]))
            refused = self.start_errors.pop(0) if self.start_errors else None
            if refused is not None:
                return refused
            return BulkImportJob.from_json(
                {"data": {"id": f"job-{next(self.jobs)}", "attributes": {"status": "queued"}}}
            )
        self.log.append(("settle", request["job"]))
        if request["job"] in self.settle_errors:
            return self.settle_errors[request["job"]]
        job = BulkImportJob.from_json(
            {"data": {"id": request["job"], "attributes": {"status": self.status}}}
        )
        return job, list(self.entries)

    def events(self, kind: str) -> list[Any]:
        return [value for what, value in self.log if what == kind]


def options(**given: Any) -> StreamOptions:
    window = given.pop("window", 1_000)
    skip = given.pop("skip", None)
    return attrs.evolve(stream_options(**given), window=window, skip=skip)


def run(rows: Any, driver: Driver | None = None, **given: Any) -> Driver:
    driver = driver or Driver()
    steps = stream_steps(FakeOperations(), rows, options(**given), Polling())
    assert driver.run(steps) is None
    return driver


class Counted:
    """An iterator over ``rows`` that counts what was read from it."""

    def __init__(self, rows: Iterator[dict[str, Any]]) -> None:
        self.rows = rows
        self.read = 0

    def __iter__(self) -> Counted:
        return self

    def __next__(self) -> dict[str, Any]:
        row = next(self.rows)
        self.read += 1
        return row


def emails(count: int, tag: str = "u") -> Iterator[dict[str, Any]]:
    return ({"email": f"{tag}{i}@example.com"} for i in range(count))
