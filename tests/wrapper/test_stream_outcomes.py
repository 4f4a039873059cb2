"""Every row of ``create_or_update_profiles`` ends with exactly one outcome, in input order,
whatever the input holds and in whatever order sub-tasks finish: the engine driven by the fake
driver of ``fake_engine``, with its bounds made small so that every pause of reading is met
by inputs of a few dozen rows."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from fake_engine import Driver, FakeOperations, Handle, options, response, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from klaviyo_profiles import _hybrid
from klaviyo_profiles._drivers import _end_with, run_awaiting, run_blocking
from klaviyo_profiles._effects import Emit, Send, Steps, Wait, collected
from klaviyo_profiles._hybrid import stream_steps
from klaviyo_profiles._polling import Polling
from klaviyo_profiles.errors import (
    APIConnectionError,
    BadRequestError,
    BulkImportJobTimeoutError,
    RowHeldBackError,
)
from klaviyo_profiles.result import BulkProgress


def refused(count: int) -> Iterator[dict[str, Any]]:
    """Rows that cannot be sent (a misspelt field): outcomes with nothing sent."""
    return ({"email": f"r{i}@example.com", "frist_name": "typo"} for i in range(count))


def test_a_row_sent_one_by_one_then_thousands_of_refused_rows_all_get_their_outcome() -> None:
    rows = itertools.chain(
        [{"email": "first@example.com", "first_name": None}],
        refused(5_000),
        ({"email": f"d{i}@example.com", "first_name": "x"} for i in range(200)),
    )
    driver = run(rows)
    assert [o.index for o in driver.outcomes] == list(range(5_201))
    assert driver.outcomes[0].ok and driver.outcomes[0].via == "single"
    assert sum(not o.ok for o in driver.outcomes) == 5_000


def singles_first(tasks: Sequence[Handle]) -> int:
    """Report a row sent one by one as finished before any job."""
    return next((at for at, task in enumerate(tasks) if task.kind == "single"), 0)


def test_a_list_whose_job_ends_after_many_rows_went_one_by_one_gets_every_outcome() -> None:
    rows: list[dict[str, Any]] = [{"email": f"c{i}@example.com"} for i in range(300)]
    rows += [{"email": f"n{i}@example.com", "first_name": None} for i in range(1_000)]
    # The job is still queued while every row sent one by one is answered.
    driver = run(rows, Driver(pick=singles_first), max_job_size=300)
    assert [o.index for o in driver.outcomes] == list(range(1_300))
    assert all(o.ok for o in driver.outcomes)
    assert [o.via for o in driver.outcomes] == ["bulk"] * 300 + ["single"] * 1_000


def refusal() -> BadRequestError:
    return BadRequestError("400", response=response(400), body="", errors=[])


ROW_KINDS = st.sampled_from(["plain", "null", "refused", "repeat", "repeat-null"])


def make_rows(kinds: list[str]) -> list[dict[str, Any]]:
    """Rows of the kinds given: a new profile, one with a null, one refused, or a repeat of
    one of a few profiles (with or without a null)."""
    rows: list[dict[str, Any]] = []
    for number, kind in enumerate(kinds):
        if kind == "plain":
            rows.append({"email": f"p{number}@example.com"})
        elif kind == "null":
            rows.append({"email": f"p{number}@example.com", "title": None})
        elif kind == "refused":
            rows.append({"email": f"p{number}@example.com", "frist_name": "typo"})
        elif kind == "repeat":
            rows.append({"email": f"same{number % 3}@example.com", "first_name": str(number)})
        else:
            rows.append({"email": f"same{number % 3}@example.com", "title": None})
    return rows


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    kinds=st.lists(ROW_KINDS, max_size=60),
    window=st.integers(1, 8),
    max_job_size=st.integers(1, 6),
    concurrency=st.integers(1, 3),
    max_jobs=st.integers(1, 3),
    lists=st.booleans(),
    as_list=st.booleans(),
    seed=st.integers(0, 2**16),
    held=st.integers(1, 6),
    faults=st.booleans(),
)
def test_every_row_has_exactly_one_outcome_in_input_order_whatever_finishes_first(
    monkeypatch: pytest.MonkeyPatch,
    kinds: list[str],
    window: int,
    max_job_size: int,
    concurrency: int,
    max_jobs: int,
    lists: bool,
    as_list: bool,
    seed: int,
    held: int,
    faults: bool,
) -> None:
    # Small bounds: outcomes held back, rows admitted and rows on the single path pause
    # reading after a handful of rows.
    monkeypatch.setattr(_hybrid, "HELD_OUTCOMES", held)
    monkeypatch.setattr(_hybrid, "single_bound", lambda concurrency: held + concurrency)
    chooser = random.Random(seed)
    driver = Driver(pick=lambda tasks: chooser.randrange(len(tasks)))
    if faults:  # some jobs time out, some starts are in doubt or refused
        for number in range(1, 40):
            if chooser.random() < 0.3:
                driver.settle_errors[f"job-{number}"] = BulkImportJobTimeoutError("j", None, 1)
        driver.start_errors = [
            chooser.choice([None, None, APIConnectionError("lost"), refusal()]) for _ in range(40)
        ]
    rows = make_rows(kinds)
    given_rows = rows if as_list and "refused" not in kinds else iter(rows)
    run(
        given_rows,
        driver,
        via="bulk",
        window=window,
        max_job_size=max_job_size,
        concurrency=concurrency,
        max_jobs=max_jobs,
        lists=["L1"] if lists else [],
    )
    assert [o.index for o in driver.outcomes] == list(range(len(rows)))
    for outcome, kind in zip(driver.outcomes, kinds, strict=True):
        if kind == "refused" or not faults:
            assert outcome.ok == (kind != "refused")


# -- rows held back behind a job whose outcome is unknown -------------------------------------

PHONE = "+15005550006"


def behind_job_one() -> list[dict[str, Any]]:
    """Profile ``a`` in the first job (rows 0-2, started at once), named again while that job
    runs (row 3) and after it has ended (rows 7 and 8, the last by a phone number that row 7
    tied to it); other profiles around them."""
    return [
        {"email": "a@example.com", "first_name": "first"},
        {"email": "b@example.com"},
        {"email": "c@example.com"},
        {"email": "A@example.com", "first_name": "second"},
        {"email": "d@example.com"},
        {"email": "e@example.com"},
        {"email": "f@example.com"},
        {"email": "a@example.com", "phone_number": PHONE, "first_name": "third"},
        {"phone_number": PHONE, "first_name": "fourth"},
        {"email": "g@example.com"},
    ]


def run_behind_job_one(driver: Driver) -> Driver:
    # One job at a time: the second chunk waits for a slot, which pauses reading until the
    # first job has ended, so rows 7 to 9 are read after it.
    return run(iter(behind_job_one()), driver, via="bulk", window=3, max_job_size=3, max_jobs=1)


def test_later_rows_of_a_profile_whose_job_timed_out_are_held_back_and_never_sent() -> None:
    driver = Driver()
    driver.settle_errors["job-1"] = BulkImportJobTimeoutError("job-1", None, 1.0)
    run_behind_job_one(driver)
    outcomes = driver.outcomes
    assert [o.index for o in outcomes] == list(range(10))
    assert [o.unsettled for o in outcomes[:3]] == [True, True, True]
    for held in (outcomes[3], outcomes[7], outcomes[8]):
        assert (held.ok, held.via, held.held_back) == (False, "none", True)
        assert isinstance(held.error, RowHeldBackError) and held.error.job_id == "job-1"
        assert "job-1" in str(held.error) and "nothing was sent" in str(held.error)
    assert all(o.ok for o in (outcomes[4], outcomes[5], outcomes[6], outcomes[9]))
    # Nothing of profile a (nor of the phone number tied to it) went after the job.
    assert driver.events("upsert") == []
    assert [names for names in driver.events("start")] == [
        ["a@example.com", "b@example.com", "c@example.com"],
        ["d@example.com", "e@example.com", "f@example.com"],
        ["g@example.com"],
    ]


def test_later_rows_of_a_profile_whose_job_start_is_in_doubt_are_held_back() -> None:
    driver = Driver()
    # The answer to the job's start was lost after the request left: the job may exist.
    driver.start_errors = [APIConnectionError("Connection error (ReadTimeout).")]
    run_behind_job_one(driver)
    held = [o for o in driver.outcomes if o.held_back]
    assert [o.index for o in held] == [3, 7, 8]
    assert all(isinstance(o.error, RowHeldBackError) and o.error.job_id is None for o in held)
    assert "start is in doubt" in str(held[0].error)
    assert driver.events("upsert") == []


def test_later_rows_of_a_profile_whose_job_was_refused_are_sent_after_it() -> None:
    driver = Driver()
    # A 4xx: no job was made, nothing can apply the earlier row later.
    driver.start_errors = [refusal()]
    run_behind_job_one(driver)
    assert not any(o.held_back for o in driver.outcomes)
    assert [o.ok for o in driver.outcomes[:3]] == [False, False, False]
    assert all(o.ok for o in driver.outcomes[3:])
    assert driver.events("upsert") == ["a@example.com", PHONE]


# -- an error of the input or of progress= ----------------------------------------------------


class SourceBroke(Exception):
    pass


def breaks_after(count: int) -> Iterator[dict[str, Any]]:
    """``count`` rows (every third clears a field, so both paths are in flight), then an
    error of the input itself."""
    for number in range(count):
        yield {"email": f"s{number}@example.com", "title": None if number % 3 == 0 else "T"}
    raise SourceBroke(f"the source failed after {count} rows")


def test_an_error_reading_the_input_comes_after_the_outcome_of_every_row_read_before_it() -> None:
    driver = Driver()
    steps = stream_steps(
        FakeOperations(), breaks_after(250), options(via="bulk", window=100), Polling()
    )
    with pytest.raises(SourceBroke):
        driver.run(steps)
    assert [o.index for o in driver.outcomes] == list(range(250))
    assert all(o.ok for o in driver.outcomes)


def test_the_list_form_raises_the_input_error_with_the_outcomes_of_the_rows_before_it() -> None:
    steps = stream_steps(
        FakeOperations(), breaks_after(250), options(via="bulk", window=100), Polling()
    )
    with pytest.raises(SourceBroke) as caught:
        Driver().run(collected(steps, keep_as="outcomes"))
    outcomes = caught.value.outcomes  # type: ignore[attr-defined]
    assert [o.index for o in outcomes] == list(range(250))


class ProgressBroke(Exception):
    pass


def test_an_error_of_progress_ends_the_call_at_once_handing_on_every_outcome_known() -> None:
    # Row 0 is in a job that ends last; rows sent one by one settle behind it.
    rows: list[dict[str, Any]] = [{"email": "job@example.com"}]
    rows += [{"email": f"n{i}@example.com", "title": None} for i in range(30)]
    sent_when_raised: list[int] = []
    driver = Driver(pick=singles_first)

    def broken(progress: BulkProgress) -> None:
        if progress.single >= 10:
            sent_when_raised.append(len(driver.events("upsert")))
            raise ProgressBroke("the progress callback failed")

    steps = stream_steps(
        FakeOperations(),
        rows,
        options(via="bulk", concurrency=2, progress=broken),
        Polling(),
    )
    with pytest.raises(ProgressBroke) as caught:
        driver.run(collected(steps, keep_as="outcomes"))
    handed_on = caught.value.outcomes  # type: ignore[attr-defined]
    # Every row sent one by one and answered, in input order; row 0 (its job still running)
    # and rows never sent are left out.
    assert handed_on and [o.index for o in handed_on] == sorted(o.index for o in handed_on)
    assert all(o.ok and o.via == "single" for o in handed_on)
    assert len(handed_on) == len(driver.events("upsert")) - 2  # two were still in flight
    assert len(driver.events("upsert")) == sent_when_raised[0]  # nothing sent after


class Interrupting(Driver):
    """A driver interrupted (``error`` raised where it waits: Ctrl-C, a cancellation) once
    ten rows were sent one by one, ending the steps as the real drivers do."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(pick=singles_first)
        self.error = error

    def run(self, steps: Steps[Any]) -> Any:
        reply: Any = None
        while True:
            try:
                effect = steps.throw(reply) if isinstance(reply, Exception) else steps.send(reply)
            except StopIteration as stop:
                return stop.value
            try:
                if isinstance(effect, Wait) and len(self.events("upsert")) >= 10:
                    raise self.error
                reply = self.answer(effect)
            except BaseException as exc:
                _end_with(steps, exc)
                raise


@pytest.mark.parametrize("error", [KeyboardInterrupt(), asyncio.CancelledError()])
def test_ctrl_c_or_a_cancellation_hands_on_every_outcome_known_as_progress_errors_do(
    error: BaseException,
) -> None:
    # Row 0 is in a job that ends last: no outcome is next in input order, yet the rows sent
    # one by one and answered are known.
    rows: list[dict[str, Any]] = [{"email": "job@example.com"}]
    rows += [{"email": f"n{i}@example.com", "title": None} for i in range(30)]
    driver = Interrupting(error)
    steps = stream_steps(FakeOperations(), rows, options(via="bulk", concurrency=2), Polling())
    with pytest.raises(type(error)) as caught:
        driver.run(collected(steps, keep_as="outcomes"))
    handed_on = caught.value.outcomes  # type: ignore[attr-defined]
    # Every row sent one by one whose end the coordinator saw, in input order.
    assert [o.index for o in handed_on] == list(range(1, len(handed_on) + 1))
    assert all(o.ok and o.via == "single" for o in handed_on)
    assert len(handed_on) == len(driver.events("ended")) >= 8


def interrupted_while_sending() -> Steps[None]:
    yield Emit("first")
    yield Send({"method": "POST", "url": "https://a.klaviyo.com/api/profile-import"})
    yield Emit("never")


def test_ctrl_c_in_the_sync_driver_ends_the_list_form_with_the_outcomes_it_had() -> None:
    def send(**request: Any) -> httpx.Response:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        run_blocking(send, collected(interrupted_while_sending(), keep_as="outcomes"))
    assert caught.value.outcomes == ["first"]  # type: ignore[attr-defined]


def test_a_cancelled_async_list_form_ends_with_the_outcomes_it_had() -> None:
    async def send(**request: Any) -> httpx.Response:
        raise asyncio.CancelledError

    steps = collected(interrupted_while_sending(), keep_as="outcomes")
    with pytest.raises(asyncio.CancelledError) as caught:
        asyncio.run(run_awaiting(send, steps))
    assert caught.value.outcomes == ["first"]  # type: ignore[attr-defined]
