"""Waiting for bulk import jobs, against the sandbox over loopback: a job read the client's own
limiter will not wait for within ``total_timeout`` is read again later, never a failure of the
job's rows; a job still running when ``job_timeout`` runs out leaves its rows unsettled (named
by the job), not failed, and holds back later rows of their profiles, as a job whose start is
in doubt does; and polling settings are refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import math
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from klaviyo_profiles import (
    AsyncKlaviyoProfiles,
    BulkImportJobTimeoutError,
    BulkImportRowError,
    BulkProgress,
    InvalidInputError,
    KlaviyoProfiles,
    ProfileOutcome,
    RateLimits,
    RetryPolicy,
    RowHeldBackError,
)
from klaviyo_profiles.sandbox import Sandbox

#: Job reads (and import-error pages) paced to two a second at most, four a second in a burst
#: of one: with 0.05 s of total_timeout for each read, most reads are refused by the limiter
#: before they are sent.
TIGHT = RateLimits(burst_limit=1, burst_period=0.25, steady_limit=4, steady_period=2.0)
READS = ("get_bulk_import_profiles_job", "get_errors_for_bulk_import_profiles_job")
#: Seconds a 429 asks a job read to wait: far beyond a test run.
RETRY_AFTER = 600.0
LOOSE = RateLimits(burst_limit=1000, burst_period=1.0, steady_limit=60_000, steady_period=60.0)


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def sandbox(module_sandbox: Sandbox) -> Sandbox:
    module_sandbox.reset()
    for operation in ("bulk_import_profiles", *READS):
        module_sandbox.set_rate_limits(operation=operation, enabled=False)
    module_sandbox.set_jobs(queue_delay=0.3, profiles_per_second=100_000)
    return module_sandbox


def new_key() -> str:
    return "pk_" + uuid.uuid4().hex


def rows(tag: str, count: int) -> list[dict[str, Any]]:
    return [{"email": f"{tag}{i}@example.com", "first_name": "Ada"} for i in range(count)]


def hurried(sandbox: Sandbox) -> KlaviyoProfiles:
    """A client whose job reads the limiter holds far longer than a read's budget."""
    return KlaviyoProfiles(
        api_key=new_key(),
        base_url=sandbox.base_url,
        retry_policy=RetryPolicy(total_timeout=0.05),
        # Starts are paced loosely: a start the limiter refuses is a failure (nothing sent).
        bulk_rate_limits={**dict.fromkeys(READS, TIGHT), "bulk_import_profiles": LOOSE},
    )


# -- the client's own limiter refusing a read ----------------------------------------------


def test_job_reads_the_limiter_refuses_are_made_later_and_fail_no_row(sandbox: Sandbox) -> None:
    profiles = [*rows("held", 3), {"email": "not-an-email"}]  # four one-row jobs, one error
    with hurried(sandbox) as client:
        outcomes = client.create_or_update_profiles(
            profiles, via="bulk", max_job_size=1, poll_interval=0.05, job_timeout=120
        )
    assert [outcome.ok for outcome in outcomes] == [True, True, True, False]
    assert isinstance(outcomes[3].error, BulkImportRowError)  # its error page was read


def test_waiting_for_a_job_reads_it_again_after_the_limiter_refused(sandbox: Sandbox) -> None:
    with hurried(sandbox) as client:
        jobs = [client.bulk_import_profiles(rows(f"wait{n}", 1)) for n in range(3)]
        done = [
            client.wait_for_bulk_import_profiles_job(job.id, poll_interval=0.05, job_timeout=120)
            for job in jobs
        ]
    assert [job.status for job in done] == ["complete"] * 3


# -- job_timeout: the rows of a job still running are unsettled, not failed -----------------


def test_rows_of_a_job_still_running_at_job_timeout_are_unsettled_and_name_the_job(
    sandbox: Sandbox,
) -> None:
    sandbox.set_jobs(queue_delay=3600.0)
    seen: list[BulkProgress] = []
    profiles = [*rows("late", 3), {"email": "single@example.com", "last_name": None}]
    with KlaviyoProfiles(api_key=new_key(), base_url=sandbox.base_url) as client:
        outcomes = client.create_or_update_profiles(
            profiles, via="bulk", poll_interval=0.05, job_timeout=0.3, progress=seen.append
        )
    late, single = outcomes[:3], outcomes[3]
    (job,) = sandbox.jobs()  # accepted and still queued: it may yet import them
    for outcome in late:
        assert (outcome.ok, outcome.unsettled, outcome.job_id) == (False, True, job["id"])
        assert isinstance(outcome.error, BulkImportJobTimeoutError)
        assert outcome.error.job_id == job["id"] and "wait for it again" in str(outcome.error)
    assert single.ok and not single.unsettled
    assert (seen[-1].unsettled, seen[-1].failed, seen[-1].done) == (3, 0, 4)


# -- later rows of a profile whose job may still apply are held back ----------------------


def first_then_again(count: int) -> Iterator[dict[str, Any]]:
    """A window of rows for one job, then rows 0 to 4 again with newer values (each waits for
    that job), then a profile of its own that goes one by one (it clears a field)."""
    for number in range(count):
        yield {"email": f"p{number}@example.com", "first_name": "older"}
    for number in range(5):
        yield {"email": f"p{number}@example.com", "first_name": "newer"}
    yield {"email": "other@example.com", "last_name": None}


def assert_held_back_behind_the_job(sandbox: Sandbox, outcomes: list[ProfileOutcome]) -> None:
    again, other = outcomes[1_000:1_005], outcomes[1_005]
    for outcome in again:
        assert (outcome.ok, outcome.via, outcome.held_back) == (False, "none", True)
        assert "held back" in str(outcome.error)
    assert other.ok
    sandbox.finish_jobs()  # the job the call gave up on runs to its end
    stored = {p["attributes"]["email"]: p["attributes"]["first_name"] for p in sandbox.profiles()}
    # Nothing was sent for the newer rows, so no outcome says "newer" was stored while the
    # job set the older value after it.
    assert [stored[f"p{number}@example.com"] for number in range(5)] == ["older"] * 5
    singles = [
        entry
        for entry in sandbox.requests()
        if entry["method"] == "POST" and entry["path"] == "/api/profile-import"
    ]
    assert len(singles) == 1  # other@example.com's row alone


def test_later_rows_of_a_profile_whose_job_timed_out_are_held_back_not_sent(
    sandbox: Sandbox,
) -> None:
    sandbox.set_jobs(queue_delay=3600.0)
    with KlaviyoProfiles(api_key=new_key(), base_url=sandbox.base_url) as client:
        outcomes = list(
            client.iter_create_or_update_profiles(
                first_then_again(1_000), poll_interval=0.05, job_timeout=0.3
            )
        )
    assert all(outcome.unsettled for outcome in outcomes[:1_000])
    (job,) = sandbox.jobs()
    held = [outcome.error for outcome in outcomes[1_000:1_005]]
    assert all(isinstance(error, RowHeldBackError) and error.job_id == job["id"] for error in held)
    assert_held_back_behind_the_job(sandbox, outcomes)


def test_later_rows_of_a_profile_whose_job_start_is_in_doubt_are_held_back_not_sent(
    sandbox: Sandbox,
) -> None:
    # The job is made, then the connection drops before its answer: the client cannot tell.
    sandbox.set_faults(script=("drop_after_commit",), operations=("bulk_import_profiles",))
    with KlaviyoProfiles(api_key=new_key(), base_url=sandbox.base_url) as client:
        outcomes = list(
            client.iter_create_or_update_profiles(first_then_again(1_000), poll_interval=0.05)
        )
    assert [outcome.ok for outcome in outcomes[:1_000]] == [False] * 1_000
    assert len(sandbox.jobs()) == 1
    assert_held_back_behind_the_job(sandbox, outcomes)


# -- polling settings are checked before anything is sent -----------------------------------

BAD_POLLING = [
    pytest.param({"poll_interval": -1}, "poll_interval", id="poll_interval=-1"),
    pytest.param({"poll_interval": math.nan}, "poll_interval", id="poll_interval=nan"),
    pytest.param({"poll_interval": "1"}, "poll_interval", id="poll_interval='1'"),
    pytest.param({"max_poll_interval": 0}, "max_poll_interval", id="max_poll_interval=0"),
    pytest.param({"job_timeout": -5}, "job_timeout", id="job_timeout=-5"),
    pytest.param({"job_timeout": math.inf}, "job_timeout", id="job_timeout=inf"),
]


def call(form: str, sandbox: Sandbox, **options: Any) -> list[ProfileOutcome]:
    profiles = rows(form, 150)
    if form == "list":
        with KlaviyoProfiles(api_key=new_key(), base_url=sandbox.base_url) as client:
            return client.create_or_update_profiles(profiles, **options)
    if form == "iter":
        with KlaviyoProfiles(api_key=new_key(), base_url=sandbox.base_url) as client:
            return list(client.iter_create_or_update_profiles(iter(profiles), **options))

    async def run() -> list[ProfileOutcome]:
        async with AsyncKlaviyoProfiles(api_key=new_key(), base_url=sandbox.base_url) as client:
            return await client.create_or_update_profiles(profiles, **options)

    return asyncio.run(run())


@pytest.mark.parametrize("form", ["list", "iter", "async"])
@pytest.mark.parametrize(("bad", "field"), BAD_POLLING)
def test_bad_polling_settings_are_refused_before_anything_is_sent(
    sandbox: Sandbox, form: str, bad: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInputError, match=field):
        call(form, sandbox, **bad)
    assert sandbox.requests() == []
    assert sandbox.profiles() == []


@pytest.mark.parametrize(("bad", "field"), BAD_POLLING)
def test_bad_polling_settings_of_a_wait_are_refused_before_the_job_is_read(
    sandbox: Sandbox, bad: dict[str, Any], field: str
) -> None:
    with KlaviyoProfiles(api_key=new_key(), base_url=sandbox.base_url) as client:
        job = client.bulk_import_profiles(rows("wait", 1))
        with pytest.raises(InvalidInputError, match=field):
            client.wait_for_bulk_import_profiles_job(job.id, **bad)
    assert [entry["method"] for entry in sandbox.requests()] == ["POST"]


def test_a_job_read_answered_429_waits_no_longer_than_job_timeout(sandbox: Sandbox) -> None:
    # The job stays queued long after job_timeout; its reads are answered 429 with a
    # Retry-After of ten minutes (one read in ten minutes), which a read's retries must not
    # sit out: at job_timeout the rows are unsettled, and the wait raises the timeout.
    sandbox.set_jobs(queue_delay=1200.0)
    sandbox.set_rate_limits(
        operation="get_bulk_import_profiles_job",
        enabled=True,
        burst_limit=1,
        burst_period=RETRY_AFTER,
        steady_limit=100,
        steady_period=60,
    )
    ended: dict[str, Any] = {}

    def call() -> None:
        with KlaviyoProfiles(
            api_key=new_key(),
            base_url=sandbox.base_url,
            rate_limits=False,
            retry_policy=RetryPolicy(total_timeout=None),
        ) as client:
            ended["outcomes"] = client.create_or_update_profiles(
                rows("late", 3), via="bulk", job_timeout=1.0, poll_interval=0.1
            )
            job = client.bulk_import_profiles(rows("later", 1))
            try:
                client.wait_for_bulk_import_profiles_job(job.id, job_timeout=1.0, poll_interval=0.1)
            except BulkImportJobTimeoutError as exc:
                ended["wait"] = exc

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(RETRY_AFTER / 10)  # far beyond both job_timeouts, far below the Retry-After
    assert not caller.is_alive(), "a job read sat out the Retry-After past job_timeout"
    outcomes = ended["outcomes"]
    assert [o.unsettled for o in outcomes] == [True] * 3
    assert all(isinstance(o.error, BulkImportJobTimeoutError) for o in outcomes)
    assert isinstance(ended["wait"], BulkImportJobTimeoutError)
    # The reads were answered 429 (what the waits above had to bound).
    assert 429 in [r["status"] for r in sandbox.requests() if r["method"] == "GET"]
