"""Every row of ``create_or_update_profiles`` ends with exactly one outcome, in input order,
whatever the input holds and in whatever order sub-tasks finish: the engine driven by the fake
driver of ``fake_engine``, with its bounds made small so that every pause of reading is met
by inputs of a few dozen rows."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from fake_engine import Driver, Handle, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from klaviyo_profiles import _hybrid


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
    rows = [{"email": f"c{i}@example.com", "first_name": "x"} for i in range(300)]
    rows += [{"email": f"n{i}@example.com", "first_name": None} for i in range(1_000)]
    # The job is still queued while every row sent one by one is answered.
    driver = run(rows, Driver(pick=singles_first), max_job_size=300)
    assert [o.index for o in driver.outcomes] == list(range(1_300))
    assert all(o.ok for o in driver.outcomes)
    assert [o.via for o in driver.outcomes] == ["bulk"] * 300 + ["single"] * 1_000


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
) -> None:
    # Small bounds: outcomes held back, rows admitted and rows on the single path pause
    # reading after a handful of rows.
    monkeypatch.setattr(_hybrid, "HELD_OUTCOMES", held)
    monkeypatch.setattr(_hybrid, "single_bound", lambda concurrency: held + concurrency)
    chooser = random.Random(seed)
    driver = Driver(pick=lambda tasks: chooser.randrange(len(tasks)))
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
        assert outcome.ok == (kind != "refused")
