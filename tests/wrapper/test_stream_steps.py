"""The engine of ``create_or_update_profiles`` and ``iter_create_or_update_profiles``, driven by
hand: which rows go in jobs and which one by one, in which order, how much of the input is
read before outcomes flow, and what is handed on. No client driver and no I/O: the fake driver
of ``fake_engine`` plays the client."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from fake_engine import (
    Counted,
    Driver,
    FakeOperations,
    answer_for,
    emails,
    options,
    response,
    run,
)
from klaviyo_profiles import _hybrid
from klaviyo_profiles._effects import Emit, Sleep, Steps, collected
from klaviyo_profiles._hybrid import HELD_OUTCOMES, stream_options, stream_steps
from klaviyo_profiles._polling import Polling
from klaviyo_profiles.bulk import BulkImportErrorEntry
from klaviyo_profiles.errors import (
    BulkImportRowError,
    InvalidInputError,
    KlaviyoError,
    ListMembershipError,
    RateLimitError,
)
from klaviyo_profiles.result import BulkProgress

# -- routing, order and outcomes --------------------------------------------------------------


def mixed() -> list[dict[str, Any]]:
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


def test_a_list_goes_in_chunks_and_one_by_one_and_every_outcome_comes_in_input_order() -> None:
    driver = run(mixed(), via="bulk", max_job_size=2, concurrency=2)
    assert driver.events("start") == [
        ["j1@example.com", "j2@example.com"],
        ["j3@example.com", "j4@example.com"],
    ]
    upserts = driver.events("upsert")
    assert sorted(upserts) == sorted(
        ["s1@example.com", "twice@example.com", "TWICE@example.com", "s2@example.com"]
    )
    # The two rows of one profile went one after the other, in input order.
    assert upserts.index("twice@example.com") < upserts.index("TWICE@example.com")
    assert [o.index for o in driver.outcomes] == list(range(8))
    assert [o.via for o in driver.outcomes] == ["bulk", "single"] * 4
    assert all(o.ok for o in driver.outcomes)
    assert driver.most == {"single": 2, "job": 2}


def test_the_list_form_collects_what_the_stream_hands_on() -> None:
    steps = stream_steps(FakeOperations(), mixed(), options(via="bulk", max_job_size=2), Polling())
    outcomes = Driver().run(collected(steps))
    assert [o.index for o in outcomes] == list(range(8))


def test_collected_passes_other_effects_through_and_errors_back() -> None:
    def steps() -> Steps[None]:
        yield Emit(1)
        try:
            yield Sleep(1.0)
        except ValueError:
            yield Emit("caught")

    wrapped = collected(steps())
    assert wrapped.send(None) == Sleep(1.0)
    with pytest.raises(StopIteration) as done:
        wrapped.throw(ValueError("from the driver"))
    assert done.value.value == [1, "caught"]


def test_a_bad_row_of_a_list_is_refused_before_any_step_runs() -> None:
    rows = [*emails(3), {"email": "x@example.com", "frist_name": "A"}]
    with pytest.raises(InvalidInputError) as caught:
        stream_steps(FakeOperations(), rows, options(), Polling())
    assert caught.value.field == "profiles[3].frist_name"


def test_a_bad_row_of_an_iterator_is_its_outcome_and_the_others_are_sent() -> None:
    rows = iter([*emails(2), {"email": "x@example.com", "frist_name": "A"}, *emails(2, "v")])
    driver = run(rows, via="single")
    bad = driver.outcomes[2]
    assert (bad.index, bad.ok, bad.via) == (2, False, "none")
    assert isinstance(bad.error, InvalidInputError) and bad.error.field == "profiles[2].frist_name"
    assert [o.ok for o in driver.outcomes] == [True, True, False, True, True]
    assert len(driver.events("upsert")) == 4


def test_under_auto_an_input_that_ends_in_its_first_window_with_few_job_rows_goes_single() -> None:
    small = run(emails(50))
    assert small.events("start") == [] and {o.via for o in small.outcomes} == {"single"}
    # The same rows, but more follow the first window: jobs, whatever one window holds.
    longer = run(emails(50), window=20)
    assert longer.events("start") != [] and {o.via for o in longer.outcomes} == {"bulk"}
    enough = run(emails(150))
    assert {o.via for o in enough.outcomes} == {"bulk"}


def test_a_repeat_of_a_profile_in_an_unfinished_job_goes_one_by_one_after_that_job() -> None:
    rows = [
        {"email": "a@example.com", "first_name": "first"},
        *emails(3),
        {"email": "A@example.com", "first_name": "second"},  # the next window
        *emails(3, "v"),
    ]
    driver = run(iter(rows), via="bulk", window=4, max_job_size=100)
    assert driver.outcomes[4].via == "single" and driver.outcomes[0].via == "bulk"
    log = driver.log
    job_of_a = next(i for i, (what, value) in enumerate(log) if what == "start")
    assert "a@example.com" in log[job_of_a][1]
    # The repeat was sent only after the engine learned that the job had ended.
    sent_again = log.index(("upsert", "A@example.com"))
    assert ("ended", "job") in log[job_of_a:sent_again]
    assert [o.index for o in driver.outcomes] == list(range(8))


# -- bounded reading --------------------------------------------------------------------------


def test_a_long_iterator_is_read_a_window_at_a_time_while_outcomes_flow() -> None:
    rows = Counted(emails(5_000))
    driver = Driver(read=lambda: rows.read)
    run(rows, driver, via="bulk", max_job_size=100, max_jobs=2, window=50)
    assert driver.read_at_first_emit is not None
    # Outcomes flowed long before the input was read: at most the jobs in flight and the
    # chunks being filled or waiting for a slot, and a window, were read ahead.
    assert driver.read_at_first_emit <= 50 + (2 + 2) * 100 + 1
    assert len(driver.outcomes) == 5_000 and all(o.ok for o in driver.outcomes)
    assert driver.most["job"] == 2
    assert [o.index for o in driver.outcomes] == list(range(5_000))


def test_rows_sent_one_by_one_are_bounded_too() -> None:
    rows = Counted(emails(1_000))
    driver = Driver(read=lambda: rows.read)
    run(rows, driver, via="single", concurrency=4, window=50)
    # The rows on the single path, the window being admitted, and one window read ahead.
    assert driver.read_at_first_emit is not None
    assert driver.read_at_first_emit <= 256 + 2 * 50 + 1
    assert driver.most["single"] == 4
    assert len(driver.outcomes) == 1_000


def test_a_chunk_is_started_early_when_rows_waiting_for_it_fill_the_single_path() -> None:
    # A profile in the chunk being filled, then named again and again: each repeat waits for
    # the one before it, the first for that chunk, which would never fill while the reader
    # is held up by the waiting rows.
    rows = Counted(
        itertools.chain(
            [{"email": "a@example.com"}],
            emails(9),
            ({"email": "a@example.com", "first_name": f"N{i}"} for i in range(400)),
            emails(100, "v"),
        )
    )
    driver = Driver(read=lambda: rows.read)
    run(rows, driver, via="bulk", max_job_size=1_000, window=10)
    first = driver.events("start")[0]
    assert first == ["a@example.com"] + [f"u{i}@example.com" for i in range(9)]
    assert driver.read_at_start[0] < 510  # before the input was read to its end
    assert len(driver.outcomes) == 510 and all(o.ok for o in driver.outcomes)
    # The repeats went one by one, in input order, after the job holding the first row.
    assert driver.names == [f"N{i}" for i in range(400)]
    first_repeat = driver.log.index(("upsert", "a@example.com"))
    assert ("ended", "job") in driver.log[:first_repeat]


def test_a_chunk_no_row_waits_for_is_not_started_before_it_is_full_or_the_input_ends() -> None:
    # Every row of a distinct profile: the single path (the rows with a null) fills its bound
    # and pauses the reader, but nothing waits for the chunk, so no job starts small.
    rows = ({"email": f"u{i}@example.com", "title": None if i % 2 else "T"} for i in range(1_200))
    driver = run(rows, via="bulk", max_job_size=300, window=50)
    assert [len(names) for names in driver.events("start")] == [300, 300]


def test_held_back_outcomes_bound_reading_and_the_chunk_holding_the_oldest_row_starts() -> None:
    # The oldest row sits in a chunk that would take many more rows to fill, while rows sent
    # one by one finish: their outcomes wait for it, up to HELD_OUTCOMES.
    total = HELD_OUTCOMES + 300
    rows = Counted(
        itertools.chain(
            [{"email": "first@example.com"}],
            ({"email": f"n{i}@example.com", "title": None} for i in range(total)),
        )
    )
    driver = Driver(read=lambda: rows.read)
    run(rows, driver, via="bulk", max_job_size=5_000, window=100)
    assert driver.events("start")[0] == ["first@example.com"]
    assert driver.read_at_first_emit is not None
    assert driver.read_at_first_emit <= HELD_OUTCOMES + 256 + 100 + 1
    assert len(driver.outcomes) == total + 1


# -- lists ------------------------------------------------------------------------------------


def test_rows_sent_one_by_one_join_the_lists_through_a_job_naming_each_stored_profile_by_id() -> (
    None
):
    rows = [
        {"email": "a@example.com", "phone_number": "+15005550006", "title": None},
        {"email": "a@example.com", "phone_number": None},
        {"email": "b@example.com", "title": None},
    ]
    driver = Driver()
    driver.upserts = {"b@example.com": answer_for("b@example.com", "P-b")}
    run(rows, driver, via="single", lists=["L1"])
    [sent] = driver.events("sent")
    assert sent == [
        {"type": "profile", "id": "P-a@example.com", "attributes": {}},
        {"type": "profile", "id": "P-b", "attributes": {}},
    ]
    assert [o.ok for o in driver.outcomes] == [True, True, True]
    assert {o.job_id for o in driver.outcomes} == {"job-1"}


def test_a_cancelled_list_job_says_only_the_membership_is_uncertain_and_keeps_the_result() -> None:
    driver = Driver()
    driver.status = "cancelled"
    run([{"email": "a@example.com", "title": None}], driver, via="single", lists=["L1"])
    [outcome] = driver.outcomes
    assert not outcome.ok and outcome.result is not None
    assert isinstance(outcome.error, ListMembershipError)
    assert "created or updated" in str(outcome.error) and "L1" in str(outcome.error)
    assert "may not have been imported" not in str(outcome.error)


def test_a_row_whose_answer_named_no_profile_fails_rather_than_join_lists_by_identifiers() -> None:
    driver = Driver()
    driver.upserts = {"a@example.com": answer_for("a@example.com", None)}
    run([{"email": "a@example.com", "title": None}], driver, via="single", lists=["L1"])
    [outcome] = driver.outcomes
    assert isinstance(outcome.error, ListMembershipError) and outcome.result is not None
    assert "named no profile id" in str(outcome.error)
    assert driver.events("start") == []


def test_an_import_error_of_a_list_job_fails_the_rows_of_that_profile_only() -> None:
    driver = Driver()
    driver.entries = [
        BulkImportErrorEntry.from_json(
            {"attributes": {"source": {"pointer": "/data/attributes/profiles/data/1"}}}
        )
    ]
    rows = [{"email": f"{name}@example.com", "title": None} for name in "abc"]
    run(rows, driver, via="single", lists=["L1"])
    assert [o.ok for o in driver.outcomes] == [True, False, True]
    assert isinstance(driver.outcomes[1].error, ListMembershipError)


# -- failures, skipping, progress ---------------------------------------------------------------


def test_every_failed_outcome_carries_an_exception() -> None:
    driver = Driver()
    driver.entries = [
        BulkImportErrorEntry.from_json(
            {"attributes": {"source": {"pointer": "/data/attributes/profiles/data/0"}}}
        )
    ]
    limited = RateLimitError("429", response=response(429), body="", errors=[])
    driver.upserts = {"s@example.com": limited}
    rows = [*emails(120), {"email": "s@example.com", "title": None}]
    run(rows, driver)
    failed = [o for o in driver.outcomes if not o.ok]
    assert [o.index for o in failed] == [0, 120]
    assert isinstance(failed[0].error, BulkImportRowError) and failed[1].error is limited
    assert all(isinstance(o.error, KlaviyoError) for o in failed)


def test_a_skipped_row_is_settled_with_nothing_sent_but_never_behind_an_unfinished_row() -> None:
    asked: list[tuple[int, bool]] = []

    def skip(index: int, encoded: bytes, identity: frozenset[str], *, blocked: bool) -> bool:
        asked.append((index, blocked))
        return index != 0

    rows = [
        {"email": "a@example.com", "title": None},  # sent
        {"email": "a@example.com", "first_name": "again"},  # behind row 0: sent all the same
        {"email": "b@example.com"},
    ]
    driver = run(rows, via="single", skip=skip)
    # Every row is asked about, in order, told whether it waits for an earlier one.
    assert asked == [(0, False), (1, True), (2, False)]
    assert [(o.ok, o.via, o.skipped) for o in driver.outcomes] == [
        (True, "single", False),
        (True, "single", False),
        (True, "none", True),
    ]
    assert driver.events("upsert") == ["a@example.com", "a@example.com"]


def test_progress_is_reported_by_the_coordinator_with_counts_that_only_grow() -> None:
    seen: list[BulkProgress] = []
    rows = [*emails(150), {"email": "n@example.com", "title": None}]
    run(rows, progress=seen.append)
    assert seen[-1] == BulkProgress(read=151, single=1, in_jobs=150, confirmed=151, failed=0)
    for earlier, later in itertools.pairwise(seen):
        assert all(
            getattr(later, name) >= getattr(earlier, name)
            for name in ("read", "single", "in_jobs", "confirmed", "failed")
        )


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"nulls": "drop"}, "nulls"),
        ({"max_jobs": 0}, "max_jobs"),
        ({"concurrency": True}, "concurrency"),
        ({"via": "fast"}, "via"),
        ({"progress": "bar"}, "progress"),
        ({"max_job_size": 0}, "max_job_size"),
        ({"max_job_size": "500"}, "max_job_size"),
    ],
)
def test_settings_are_checked_before_any_step_naming_them(
    given: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        stream_options(**given)
    assert caught.value.field == field


# -- the INFO log of rows that go one by one for a null ---------------------------------------


def null_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "clear a field" in r.getMessage()]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # Every row clears a field: nothing left for jobs, all of them one by one.
        ([{"email": f"n{i}@example.com", "title": None} for i in range(300)], 300),
        # Too few rows left for jobs under "auto": the nulls sent everything one by one.
        (
            [{"email": f"m{i}@example.com", "title": None if i < 150 else "T"} for i in range(200)],
            150,
        ),
    ],
    ids=["all-nulls", "too-few-left-for-jobs"],
)
def test_rows_that_go_one_by_one_for_a_null_are_logged_even_when_no_row_goes_in_a_job(
    rows: list[dict[str, Any]], expected: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="klaviyo_profiles"):
        driver = run(rows)
    assert driver.events("start") == []
    assert [message.split(" rows")[0] for message in null_logs(caplog)] == [str(expected)]


def test_a_small_input_that_goes_one_by_one_anyway_is_not_logged_for_its_nulls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rows = [{"email": f"s{i}@example.com", "title": None if i % 2 else "T"} for i in range(20)]
    with caplog.at_level(logging.INFO, logger="klaviyo_profiles"):
        run(rows)
        run(rows * 10, via="single")
    assert null_logs(caplog) == []


def test_a_long_list_lets_others_run_every_admit_step_rows_and_outcomes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The async client's event loop runs whenever the steps yield an effect its driver
    # performs (a Sleep(0), a Wait...); a list of any size is routed, admitted and handed on
    # at most ADMIT_STEP rows (or outcomes) between two of them.
    step = 10
    monkeypatch.setattr(_hybrid, "ADMIT_STEP", step)
    built = [0]

    class CountedRow(_hybrid.Row):
        __slots__ = ()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            built[0] += 1
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(_hybrid, "Row", CountedRow)
    runs: dict[str, list[int]] = {"rows": [], "outcomes": []}

    def watched(steps: Steps[None]) -> Steps[None]:
        outcomes, rows_before = 0, 0
        reply: Any = None
        while True:
            try:
                effect = steps.send(reply)
            except StopIteration:
                return
            if type(effect) is Emit:
                outcomes += 1
            else:
                rows_now = built[0]
                runs["rows"].append(rows_now - rows_before)
                runs["outcomes"].append(outcomes)
                outcomes, rows_before = 0, rows_now
            reply = yield effect

    rows = [{"email": f"long{i}@example.com"} for i in range(20 * step)]
    steps = stream_steps(FakeOperations(), rows, options(via="bulk"), Polling())
    outcomes = Driver().run(collected(watched(steps)))
    assert [o.index for o in outcomes] == list(range(len(rows)))
    assert sum(runs["rows"]) == len(rows)
    assert max(runs["rows"]) <= step
    assert max(runs["outcomes"]) <= step
