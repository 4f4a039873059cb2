"""Waiting for bulk import jobs, against the sandbox over loopback: a job read the client's own
limiter will not wait for within ``total_timeout`` is read again later, never a failure of the
job's rows; a job still running when ``job_timeout`` runs out leaves its rows unsettled (named
by the job), not failed; and polling settings are refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import math
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
)
from klaviyo_profiles.sandbox import Sandbox

#: Job reads (and import-error pages) paced to two a second at most, four a second in a burst
#: of one: with 0.05 s of total_timeout for each read, most reads are refused by the limiter
#: before they are sent.
TIGHT = RateLimits(burst_limit=1, burst_period=0.25, steady_limit=4, steady_period=2.0)
READS = ("get_bulk_import_profiles_job", "get_errors_for_bulk_import_profiles_job")
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
