"""Bulk profile import against the sandbox over loopback, through both clients.

Jobs are queued for a moment and then processed fast, so each test takes about a second;
progress in the sandbox is a function of its clock, so load only makes a test slower. Each test
uses its own API key (limiters are shared per key within a process, and so are the sandbox's
windows). Nothing asserts a duration or a rate: the pacing test asserts that no 429 came back
where the client paces at half the server's windows, which load can only make more certain.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import threading
import traceback
import uuid
from collections.abc import AsyncGenerator, Generator, Iterable, Iterator
from typing import Any

import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles import (
    APIConnectionError,
    AsyncKlaviyoProfiles,
    BulkImportErrorEntry,
    BulkImportJob,
    BulkImportJobCancelledError,
    BulkImportJobTimeoutError,
    BulkImportRowError,
    BulkProgress,
    InvalidInputError,
    KlaviyoError,
    KlaviyoProfiles,
    ListMembershipError,
    NotFoundError,
    ProfileOutcome,
    RateLimits,
    RetryPolicy,
    ServerError,
)
from klaviyo_profiles.bulk import AUTO_BULK_MIN_PROFILES, envelope_size, prepare_profile

BULK = facts.OPERATIONS["bulk_import_profiles"]
POLL = 0.05
JOBS_PATH = "/api/profile-bulk-import-jobs"
# Enough rows that create_or_update_profiles uses jobs under via="auto".
FILLER = AUTO_BULK_MIN_PROFILES + 5


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from klaviyo_profiles.sandbox import Sandbox

    with Sandbox() as running:
        yield running


@pytest.fixture
def sb(sandbox: Any) -> Any:
    """The sandbox emptied, with jobs that wait a moment in the queue and then run fast."""
    sandbox.reset()
    sandbox.set_jobs(queue_delay=0.2, profiles_per_second=50_000)
    return sandbox


def new_key() -> str:
    return "pk_" + uuid.uuid4().hex


def filler(tag: str, count: int = FILLER) -> list[dict[str, Any]]:
    return [{"email": f"{tag}{i}@example.com", "first_name": f"F{i}"} for i in range(count)]


class Clients:
    """Calls the sync or the async client with one signature, so each test runs through both."""

    def __init__(self, kind: str, base_url: str, **options: Any) -> None:
        self.kind = kind
        self.base_url = base_url
        self.options = {"api_key": new_key(), "base_url": base_url, **options}

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.kind == "sync":
            with KlaviyoProfiles(**self.options) as client:
                return getattr(client, method)(*args, **kwargs)

        async def run() -> Any:
            async with AsyncKlaviyoProfiles(**self.options) as client:
                if method == "get_errors_for_bulk_import_profiles_job":
                    return [
                        e
                        async for e in client.get_errors_for_bulk_import_profiles_job(
                            *args, **kwargs
                        )
                    ]
                return await getattr(client, method)(*args, **kwargs)

        return asyncio.run(run())

    def errors(self, job_id: str, **kwargs: Any) -> list[BulkImportErrorEntry]:
        if self.kind == "sync":
            with KlaviyoProfiles(**self.options) as client:
                return list(client.get_errors_for_bulk_import_profiles_job(job_id, **kwargs))
        return self.call("get_errors_for_bulk_import_profiles_job", job_id, **kwargs)  # type: ignore[no-any-return]

    def upsert_many(self, profiles: list[Any], **kwargs: Any) -> list[ProfileOutcome]:
        kwargs.setdefault("poll_interval", POLL)
        return self.call("create_or_update_profiles", profiles, **kwargs)  # type: ignore[no-any-return]

    def stream(self, profiles: Iterable[Any], **kwargs: Any) -> list[ProfileOutcome]:
        """``iter_create_or_update_profiles``, consumed to its end."""
        kwargs.setdefault("poll_interval", POLL)
        if self.kind == "sync":
            with KlaviyoProfiles(**self.options) as client:
                return list(client.iter_create_or_update_profiles(profiles, **kwargs))

        async def run() -> list[ProfileOutcome]:
            async with AsyncKlaviyoProfiles(**self.options) as client:
                return [o async for o in client.iter_create_or_update_profiles(profiles, **kwargs)]

        return asyncio.run(run())


@pytest.fixture(params=["sync", "async"])
def clients(request: pytest.FixtureRequest, sb: Any) -> Clients:
    return Clients(request.param, sb.base_url)


def stored(sb: Any) -> dict[str, dict[str, Any]]:
    """Stored profiles by email."""
    return {
        profile["attributes"]["email"]: profile["attributes"]
        for profile in sb.profiles()
        if profile["attributes"].get("email")
    }


def encoded(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def job_posts(sb: Any) -> list[dict[str, Any]]:
    return [e for e in sb.requests() if e["method"] == "POST" and e["path"] == JOBS_PATH]


def single_posts(sb: Any) -> list[dict[str, Any]]:
    return [e for e in sb.requests() if e["method"] == "POST" and e["path"] == facts.PATH]


# -- one job ---------------------------------------------------------------------------------


def test_a_job_imports_its_profiles_into_lists_and_is_polled_until_complete(
    clients: Clients, sb: Any
) -> None:
    rows = [{"email": "ada@example.com", "first_name": "Ada"}, {"email": "grace@example.com"}]
    job = clients.call("bulk_import_profiles", rows, lists=["L1"])
    assert isinstance(job, BulkImportJob)
    assert job.status == "queued" and job.total_count == 2 and not job.done
    done = clients.call("wait_for_bulk_import_profiles_job", job.id, poll_interval=POLL)
    assert done.id == job.id
    assert (done.status, done.completed_count, done.failed_count) == ("complete", 2, 0)
    assert done.completed_at is not None
    assert stored(sb)["ada@example.com"]["first_name"] == "Ada"
    assert [j["lists"] for j in sb.jobs()] == [["L1"]]
    polls = [e for e in sb.requests() if e["method"] == "GET" and e["path"].endswith(job.id)]
    assert len(polls) >= 1


def test_bad_input_is_refused_before_any_request(clients: Clients, sb: Any) -> None:
    with pytest.raises(InvalidInputError) as caught:
        clients.call("bulk_import_profiles", [{"email": "a@example.com"}, {"emial": "b"}])
    assert caught.value.field == "profiles[1].emial"
    with pytest.raises(InvalidInputError, match="null"):
        clients.call("bulk_import_profiles", [{"email": "a@example.com", "title": None}])
    with pytest.raises(InvalidInputError) as caught:
        clients.upsert_many([*filler("x"), {"email": "z@example.com", "location": {"cty": 1}}])
    assert caught.value.field == f"profiles[{FILLER}].location.cty"
    assert sb.requests() == []


def test_waiting_past_the_timeout_names_the_job_which_can_be_waited_for_again(
    clients: Clients, sb: Any
) -> None:
    sb.set_jobs(queue_delay=60.0)
    job = clients.call("bulk_import_profiles", [{"email": "slow@example.com"}])
    with pytest.raises(BulkImportJobTimeoutError) as caught:
        clients.call(
            "wait_for_bulk_import_profiles_job", job.id, poll_interval=POLL, job_timeout=0.3
        )
    assert caught.value.job_id == job.id and job.id in str(caught.value)
    assert caught.value.job is not None and caught.value.job.status == "queued"
    sb.finish_jobs()
    done = clients.call("wait_for_bulk_import_profiles_job", job.id, poll_interval=POLL)
    assert done.status == "complete"


def test_import_error_pages_follow_the_cursor_in_index_order(clients: Clients, sb: Any) -> None:
    rows: list[dict[str, Any]] = [{"email": f"ok{i}@example.com"} for i in range(10)]
    bad = [1, 2, 4, 7, 8, 9, 0]
    for index in bad:
        rows[index] = {"email": f"not-an-email-{index}"}
    job = clients.call("bulk_import_profiles", rows)
    clients.call("wait_for_bulk_import_profiles_job", job.id, poll_interval=POLL)
    entries = clients.errors(job.id, page_size=2)
    assert [entry.index for entry in entries] == sorted(bad)
    for entry in entries:
        assert entry.original_payload["attributes"]["email"] == f"not-an-email-{entry.index}"
    pages = [e for e in sb.requests() if e["path"].endswith("/import-errors")]
    assert len(pages) == 4


# -- never twice -----------------------------------------------------------------------------


def test_a_job_start_answered_5xx_is_raised_not_repeated(clients: Clients, sb: Any) -> None:
    sb.set_faults(script=[500], operations=("bulk_import_profiles",))
    with pytest.raises(ServerError):
        clients.call("bulk_import_profiles", [{"email": "a@example.com"}])
    assert len(job_posts(sb)) == 1


def test_a_job_start_whose_answer_was_lost_is_raised_not_repeated(
    clients: Clients, sb: Any
) -> None:
    sb.set_faults(script=["drop_after_commit"], operations=("bulk_import_profiles",))
    with pytest.raises(APIConnectionError):
        clients.call("bulk_import_profiles", [{"email": "a@example.com"}])
    assert len(job_posts(sb)) == 1
    assert len(sb.jobs()) == 1  # the job exists: a second attempt would have made two


def test_a_job_start_refused_with_429_is_retried_into_one_job_each(sb: Any) -> None:
    sb.set_rate_limits(
        operation="bulk_import_profiles",
        burst_limit=1,
        burst_period=1.0,
        steady_limit=100,
        steady_period=60.0,
    )
    # No pacing on the client's side, so the server's window is what holds it back.
    clients = Clients(
        "sync",
        sb.base_url,
        rate_limits=False,
        retry_policy=RetryPolicy(max_attempts=10, total_timeout=60, initial_backoff=0.05),
    )
    for i in range(3):
        clients.call("bulk_import_profiles", [{"email": f"r{i}@example.com"}])
    statuses = [entry["status"] for entry in job_posts(sb)]
    assert statuses.count(202) == 3
    assert set(statuses) <= {202, 429}
    assert len(sb.jobs()) == 3


# -- create_or_update_profiles ---------------------------------------------------------------


def test_chunks_stop_at_the_item_limit(sb: Any) -> None:
    assert BULK.item_limit is not None
    rows = [{"email": f"c{i}@example.com"} for i in range(BULK.item_limit + 1)]
    outcomes = Clients("sync", sb.base_url).upsert_many(rows, via="bulk")
    assert all(outcome.ok and outcome.via == "bulk" for outcome in outcomes)
    assert [job["total_count"] for job in sb.jobs()] == [BULK.item_limit, 1]
    first, last = outcomes[0].job_id, outcomes[-1].job_id
    assert first != last
    assert all(outcome.job_id == first for outcome in outcomes[:-1])


def test_chunks_stop_at_the_payload_limit(sb: Any) -> None:
    assert BULK.payload_limit_bytes is not None and BULK.item_payload_limit_bytes is not None
    blob = "x" * (BULK.item_payload_limit_bytes // 2)
    rows = [{"email": f"b{i}@example.com", "properties": {"blob": blob}} for i in range(120)]
    outcomes = Clients("sync", sb.base_url).upsert_many(rows, via="bulk")
    assert all(outcome.ok for outcome in outcomes)
    counts = [job["total_count"] for job in sb.jobs()]
    assert len(counts) >= 2 and sum(counts) == len(rows)
    size = prepare_profile(rows[0]).size  # every row has the same size, give or take a digit
    fits = (BULK.payload_limit_bytes - envelope_size() + 1) // (size + 1)
    assert abs(counts[0] - fits) <= 1
    sizes = [len(encoded(entry["body"])) for entry in job_posts(sb)]
    assert len(sizes) == len(counts)
    assert all(size <= BULK.payload_limit_bytes for size in sizes)
    assert all(entry["status"] == 202 for entry in job_posts(sb))


def test_import_errors_map_back_to_input_rows(clients: Clients, sb: Any) -> None:
    rows = filler("m", 120)
    bad = {3: "nope", 50: "also nope", 119: "last nope"}
    for index, email in bad.items():
        rows[index] = {"email": email}
    outcomes = clients.upsert_many(rows, max_job_size=50)
    assert [outcome.index for outcome in outcomes] == list(range(len(rows)))
    assert len({outcome.job_id for outcome in outcomes}) == 3
    for outcome in outcomes:
        assert outcome.via == "bulk"
        if outcome.index in bad:
            assert not outcome.ok
            # An exception that can be raised, carrying the job's import error for the row.
            assert isinstance(outcome.error, BulkImportRowError)
            assert isinstance(outcome.error.entry, BulkImportErrorEntry)
            entry = outcome.error.entry
            assert entry.original_payload["attributes"]["email"] == bad[outcome.index]
            assert outcome.error.job_id == outcome.job_id
        else:
            assert outcome.ok and outcome.error is None


def test_nulls_go_through_the_single_call_and_clear(clients: Clients, sb: Any) -> None:
    with KlaviyoProfiles(api_key=new_key(), base_url=sb.base_url) as setup:
        setup.create_or_update_profile(
            email="ada@example.com", last_name="Lovelace", location={"city": "London", "zip": "N1"}
        )
    rows: list[dict[str, Any]] = filler("n")
    rows.insert(7, {"email": "ada@example.com", "last_name": None, "location": {"city": None}})
    outcomes = clients.upsert_many(rows)
    assert all(outcome.ok for outcome in outcomes)
    assert outcomes[7].via == "single" and outcomes[7].result is not None
    assert {outcome.via for i, outcome in enumerate(outcomes) if i != 7} == {"bulk"}
    ada = stored(sb)["ada@example.com"]
    assert ada["last_name"] is None
    assert ada["location"].get("city") is None and ada["location"]["zip"] == "N1"
    for entry in job_posts(sb):
        assert b"ada@example.com" not in encoded(entry["body"])
    # The job failed nothing, so its import errors were not read.
    assert not [entry for entry in sb.requests() if entry["path"].endswith("/import-errors")]


def test_repeated_identities_go_single_in_input_order(clients: Clients, sb: Any) -> None:
    rows: list[dict[str, Any]] = filler("o")
    rows[2] = {"email": "Ada@Example.com", "first_name": "first", "title": "Dr"}
    rows[40] = {"email": "ada@example.com", "phone_number": "+15005550006", "first_name": "second"}
    rows[90] = {"phone_number": "+15005550006", "first_name": "third"}
    outcomes = clients.upsert_many(rows)
    assert all(outcome.ok for outcome in outcomes)
    assert [i for i, outcome in enumerate(outcomes) if outcome.via == "single"] == [2, 40, 90]
    ada = stored(sb)["ada@example.com"]
    assert (ada["first_name"], ada["title"]) == ("third", "Dr")
    sent = [entry["body"]["data"]["attributes"]["first_name"] for entry in single_posts(sb)]
    assert sent == ["first", "second", "third"]


def test_small_inputs_go_single_under_auto(clients: Clients, sb: Any) -> None:
    outcomes = clients.upsert_many(filler("s", 5))
    assert [outcome.via for outcome in outcomes] == ["single"] * 5
    assert all(outcome.ok for outcome in outcomes)
    assert sb.jobs() == []


def test_profiles_sent_single_join_the_lists_too(clients: Clients, sb: Any) -> None:
    rows: list[dict[str, Any]] = [{"email": "l@example.com", "last_name": None}]
    outcomes = clients.upsert_many(rows, lists=["L9"])
    assert outcomes[0].ok and outcomes[0].via == "single"
    jobs = sb.jobs()
    assert [job["lists"] for job in jobs] == [["L9"]]
    assert jobs[0]["total_count"] == 1


# Rows of one profile whose identifiers change or are cleared along the way, in input order.
CHANGING_IDENTIFIERS: list[dict[str, Any]] = [
    {"email": "a@example.com", "phone_number": "+15005550006", "first_name": "A"},
    {"email": "a@example.com", "phone_number": None},  # cleared
    {"email": "b@example.com", "external_id": "b-1"},
    {"email": "b@example.com", "external_id": "b-2"},  # another value
    {"email": "c@example.com", "external_id": "c-1", "_kx": "kx-c"},
    {"email": "c@example.com", "external_id": None, "_kx": None},  # both cleared
    {"phone_number": "+15005550007", "email": "d1@example.com"},
    {"phone_number": "+15005550007", "email": "d2@example.com"},  # the email replaced
    {"email": "e@example.com", "title": None},  # nothing changes: joins the lists as it is
]


def stored_state(sb: Any) -> list[str]:
    """Every stored profile's attributes, ids and times left out, in a stable order."""
    return sorted(json.dumps(p["attributes"], sort_keys=True) for p in sb.profiles())


def test_joining_lists_never_undoes_a_cleared_or_changed_identifier(
    clients: Clients, sb: Any
) -> None:
    # What the rows leave behind when applied one by one, in input order, with no lists.
    with KlaviyoProfiles(api_key=new_key(), base_url=sb.base_url) as reference:
        for row in CHANGING_IDENTIFIERS:
            reference.create_or_update_profile(**row)
    expected = stored_state(sb)
    sb.reset()
    sb.set_jobs(queue_delay=0.2, profiles_per_second=50_000)
    outcomes = clients.upsert_many(CHANGING_IDENTIFIERS, lists=["L1"])
    assert all(outcome.ok for outcome in outcomes)
    assert {outcome.via for outcome in outcomes} == {"single"}
    sb.finish_jobs()
    assert stored_state(sb) == expected
    a = stored(sb)["a@example.com"]
    assert a["phone_number"] is None and a["first_name"] == "A"
    assert stored(sb)["b@example.com"]["external_id"] == "b-2"
    assert "d1@example.com" not in stored(sb)
    # One membership job, one profile for each stored profile, each named by its id alone.
    [job] = sb.jobs()
    assert job["lists"] == ["L1"] and job["total_count"] == 5
    [post] = job_posts(sb)
    members = post["body"]["data"]["attributes"]["profiles"]["data"]
    assert sorted(m["id"] for m in members) == sorted(p["id"] for p in sb.profiles())
    assert all(m == {"type": "profile", "id": m["id"], "attributes": {}} for m in members)


def test_a_list_job_never_sets_back_a_value_a_job_row_changed(clients: Clients, sb: Any) -> None:
    with KlaviyoProfiles(api_key=new_key(), base_url=sb.base_url) as setup:
        setup.create_or_update_profile(email="a@example.com", phone_number="+15005550006")
    # The single row is sent while the job waits in the queue; the job then changes the
    # phone number; the list job runs after both.
    sb.set_jobs(queue_delay=1.0, profiles_per_second=50_000)
    rows = [
        {"phone_number": "+15005550006", "first_name": "X", "last_name": None},
        {"email": "a@example.com", "phone_number": "+15005550007"},
    ]
    outcomes = clients.upsert_many(rows, via="bulk", lists=["L1"])
    sb.finish_jobs()
    assert [(o.ok, o.via) for o in outcomes] == [(True, "single"), (True, "bulk")]
    a = stored(sb)["a@example.com"]
    assert (a["first_name"], a["phone_number"]) == ("X", "+15005550007")


def test_a_list_job_never_undoes_a_row_reported_failed_but_applied(sb: Any) -> None:
    # The second row is applied, then its answer is lost (and not retried): reported failed.
    sb.set_faults(script=["pass", "drop_after_commit"], operations=("create_or_update_profile",))
    rows = [
        {"email": "a@example.com", "phone_number": "+15005550006", "title": None},
        {"email": "a@example.com", "phone_number": "+15005550007", "last_name": None},
    ]
    clients = Clients("sync", sb.base_url, retry_policy=None)
    outcomes = clients.upsert_many(rows, lists=["L1"])
    sb.finish_jobs()
    assert outcomes[0].ok and not outcomes[1].ok
    assert stored(sb)["a@example.com"]["phone_number"] == "+15005550007"


def test_lists_too_long_for_any_job_are_refused_before_anything_is_sent(
    clients: Clients, sb: Any
) -> None:
    assert BULK.payload_limit_bytes is not None
    huge = ["x" * (BULK.payload_limit_bytes + 1)]
    with pytest.raises(InvalidInputError) as caught:
        clients.upsert_many([{"email": "a@example.com", "last_name": None}], lists=huge)
    assert caught.value.field == "lists"
    with pytest.raises(InvalidInputError) as caught:
        clients.call("bulk_import_profiles", [{"email": "a@example.com"}], lists=huge)
    assert caught.value.field == "lists"
    assert sb.requests() == []


def test_a_cancelled_list_job_says_the_profile_was_stored_and_only_membership_is_uncertain(
    clients: Clients, sb: Any
) -> None:
    sb.set_jobs(cancel_after=0.0)
    sb.set_faults(script=["cancel"], operations=("bulk_import_profiles",))
    outcomes = clients.upsert_many([{"email": "l@example.com", "last_name": None}], lists=["L9"])
    [outcome] = outcomes
    assert outcome.via == "single" and not outcome.ok
    assert isinstance(outcome.error, ListMembershipError) and outcome.error.lists == ("L9",)
    assert "may not have been imported" not in str(outcome.error)
    assert "created or updated" in str(outcome.error)
    assert outcome.result is not None and outcome.result.profile_id is not None
    assert stored(sb)["l@example.com"]["last_name"] is None


def test_profiles_of_a_cancelled_job_fail_saying_so(clients: Clients, sb: Any) -> None:
    sb.set_jobs(cancel_after=0.0)
    sb.set_faults(script=["cancel"], operations=("bulk_import_profiles",))
    outcomes = clients.upsert_many(filler("k"), via="bulk")
    assert not any(outcome.ok for outcome in outcomes)
    assert all(isinstance(outcome.error, BulkImportJobCancelledError) for outcome in outcomes)


# -- pacing ----------------------------------------------------------------------------------


def test_bulk_operations_are_paced_by_their_own_windows(sb: Any) -> None:
    server = {"burst_limit": 4, "burst_period": 0.5, "steady_limit": 12, "steady_period": 2.0}
    for operation in ("bulk_import_profiles", "get_bulk_import_profiles_job"):
        sb.set_rate_limits(operation=operation, **server)
    # Half the server's windows: a 429 would take load that stretched the client's own
    # windows to twice their length, which only slows it further.
    half = RateLimits(burst_limit=2, burst_period=0.5, steady_limit=6, steady_period=2.0)
    with KlaviyoProfiles(
        api_key=new_key(), base_url=sb.base_url, retry_policy=None, bulk_rate_limits=half
    ) as client:
        jobs = [client.bulk_import_profiles([{"email": f"p{i}@example.com"}]) for i in range(7)]
        for job in jobs:
            client.get_bulk_import_profiles_job(job.id)
    statuses = [entry["status"] for entry in sb.requests()]
    assert statuses.count(429) == 0
    assert len(statuses) == 14


def test_bulk_limiters_live_in_redis_keyed_by_operation(sb: Any, redis_server: Any) -> None:
    import redis
    from klaviyo_profiles.redis_limiter import RedisBackend

    with KlaviyoProfiles(
        api_key=new_key(), base_url=sb.base_url, limiter_backend=RedisBackend(redis_server.url)
    ) as client:
        job = client.bulk_import_profiles([{"email": "r@example.com"}])
        client.get_bulk_import_profiles_job(job.id)
        fingerprint = client._auth.fingerprint
    keys = {key.decode() for key in redis.Redis.from_url(redis_server.url).keys("*")}
    for operation in ("bulk_import_profiles", "get_bulk_import_profiles_job"):
        assert any(f"{{{fingerprint}-{operation}:" in key for key in keys), keys


def test_outcomes_keep_input_order_whatever_the_route(clients: Clients, sb: Any) -> None:
    rows: list[dict[str, Any]] = filler("q")
    rows[0] = {"email": "q-null@example.com", "organization": None}
    rows[-1] = {"email": "broken"}
    outcomes = clients.upsert_many(rows)
    assert [outcome.index for outcome in outcomes] == list(range(len(rows)))
    assert outcomes[0].via == "single" and outcomes[0].ok
    assert outcomes[-1].via == "bulk" and not outcomes[-1].ok


def test_bulk_errors_outcomes_and_logs_never_show_the_key(
    sb: Any, caplog: pytest.LogCaptureFixture
) -> None:
    key = new_key()
    caplog.set_level(logging.DEBUG)
    sb.set_faults(script=[500, "drop_after_commit", 503], operations=("bulk_import_profiles",))
    errors: list[BaseException] = []
    with KlaviyoProfiles(api_key=key, base_url=sb.base_url) as client:
        for _ in range(2):
            with pytest.raises(KlaviyoError) as caught:
                client.bulk_import_profiles([{"email": "s@example.com"}])
            errors.append(caught.value)
        with pytest.raises(NotFoundError) as missing:
            client.get_bulk_import_profiles_job("no-such-job")
        errors.append(missing.value)
        outcomes = client.create_or_update_profiles(filler("secret"))
    assert not any(outcome.ok for outcome in outcomes)
    errors.append(outcomes[0].error)  # type: ignore[arg-type]
    for error in errors:
        shown = [str(error), repr(error), "".join(traceback.format_exception(error))]
        assert not any(key in text for text in shown)
        assert key.encode() not in pickle.dumps(error)
    assert key not in repr(outcomes)
    assert key not in caplog.text


# -- nulls by policy -------------------------------------------------------------------------


def test_nulls_omit_leaves_stored_values_in_the_single_call_and_in_jobs(
    clients: Clients, sb: Any
) -> None:
    with KlaviyoProfiles(api_key=new_key(), base_url=sb.base_url) as setup:
        setup.create_or_update_profile(
            email="ada@example.com", first_name="Ada", phone_number="+15005550006"
        )
        setup.create_or_update_profile(
            email="grace@example.com", first_name="Grace", location={"city": "NYC", "zip": "1"}
        )
    # A model's fields left as None: what a database row holds for "unknown".
    result = clients.call(
        "create_or_update_profile",
        email="ada@example.com",
        first_name=None,
        phone_number=None,
        title="Countess",
        nulls="omit",
    )
    assert result.attributes.get("first_name") == "Ada"
    rows: list[dict[str, Any]] = filler("o")
    rows.append({"email": "grace@example.com", "first_name": None, "location": {"city": None}})
    outcomes = clients.upsert_many(rows, nulls="omit")
    assert all(o.ok and o.via == "bulk" for o in outcomes)
    ada, grace = stored(sb)["ada@example.com"], stored(sb)["grace@example.com"]
    assert (ada["first_name"], ada["phone_number"], ada["title"]) == (
        "Ada",
        "+15005550006",
        "Countess",
    )
    assert grace["first_name"] == "Grace" and grace["location"]["city"] == "NYC"
    assert single_posts(sb)[-1]["body"]["data"]["attributes"] == {
        "email": "ada@example.com",
        "title": "Countess",
    }


def test_an_unknown_null_policy_is_refused_by_name_before_anything_is_sent(
    clients: Clients, sb: Any
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        clients.call("create_or_update_profile", email="a@example.com", nulls="skip")
    assert caught.value.field == "nulls"
    with pytest.raises(InvalidInputError) as caught:
        clients.upsert_many([{"email": "a@example.com"}], nulls="skip")
    assert caught.value.field == "nulls"
    assert sb.requests() == []


def test_the_bulk_call_logs_how_many_rows_go_one_by_one_for_a_null_and_about_how_long(
    sb: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="klaviyo_profiles")
    rows: list[dict[str, Any]] = filler("t")
    rows += [{"email": f"null{i}@example.com", "last_name": None} for i in range(3)]
    Clients("sync", sb.base_url).upsert_many(rows)
    [message] = [r.getMessage() for r in caplog.records if "clear a field" in r.getMessage()]
    assert message.startswith("3 rows clear a field and go one by one")
    assert f"at {facts.STEADY_LIMIT} a minute" in message
    caplog.clear()
    Clients("sync", sb.base_url).upsert_many(rows, nulls="omit")
    assert not [r for r in caplog.records if "clear a field" in r.getMessage()]


# -- streaming -------------------------------------------------------------------------------


def test_a_generator_streams_outcomes_in_input_order_through_both_paths(
    clients: Clients, sb: Any
) -> None:
    def rows() -> Iterator[dict[str, Any]]:
        for i in range(300):
            if i == 7:
                yield {"email": "bad@example.com", "frist_name": "x"}  # refused: an outcome
            elif i % 50 == 3:
                yield {"email": f"g{i}@example.com", "last_name": None}  # one by one
            else:
                yield {"email": f"g{i}@example.com", "first_name": f"G{i}"}

    seen: list[BulkProgress] = []
    outcomes = clients.stream(rows(), progress=seen.append)
    assert [o.index for o in outcomes] == list(range(300))
    assert (outcomes[7].ok, outcomes[7].via) == (False, "none")
    assert isinstance(outcomes[7].error, InvalidInputError)
    assert {o.via for i, o in enumerate(outcomes) if i % 50 == 3} == {"single"}
    assert sum(o.ok for o in outcomes) == 299
    assert seen[-1] == BulkProgress(read=300, single=6, in_jobs=293, confirmed=299, failed=1)
    assert len(stored(sb)) == 299


def test_a_repeat_further_than_a_window_is_sent_after_the_job_of_the_first_row(
    clients: Clients, sb: Any
) -> None:
    def rows() -> Iterator[dict[str, Any]]:
        yield {"email": "ada@example.com", "first_name": "first"}
        yield from filler("w", 1_100)
        yield {"email": "Ada@Example.com", "first_name": "second"}

    outcomes = clients.stream(rows())
    assert (outcomes[0].via, outcomes[-1].via) == ("bulk", "single")
    assert all(o.ok for o in outcomes)
    # Sent while the first row's job had not run, it would have been overwritten by it.
    [ada] = [p for email, p in stored(sb).items() if email.lower() == "ada@example.com"]
    assert ada["first_name"] == "second"


def test_stopping_a_stream_early_ends_the_call_and_its_worker(sb: Any) -> None:
    sb.set_jobs(queue_delay=0.5, profiles_per_second=50_000)
    read = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal read
        for i in range(50_000):
            read += 1
            yield {"email": f"e{i}@example.com", "title": None}

    with KlaviyoProfiles(api_key=new_key(), base_url=sb.base_url, rate_limits=False) as client:
        stream = client.iter_create_or_update_profiles(rows(), poll_interval=POLL)
        first = next(stream)
        assert isinstance(stream, Generator)  # so it can be closed early
        stream.close()
    assert first.index == 0 and first.ok
    assert read < 50_000
    assert not [t for t in threading.enumerate() if t.name == "klaviyo-profiles-stream"]


def test_closing_an_async_stream_early_ends_its_task(sb: Any) -> None:
    sb.set_jobs(queue_delay=0.5, profiles_per_second=50_000)

    async def run() -> tuple[ProfileOutcome, int]:
        async with AsyncKlaviyoProfiles(
            api_key=new_key(), base_url=sb.base_url, rate_limits=False
        ) as client:
            stream = client.iter_create_or_update_profiles(
                ({"email": f"e{i}@example.com", "title": None} for i in range(50_000)),
                poll_interval=POLL,
            )
            first = await stream.__anext__()
            assert isinstance(stream, AsyncGenerator)  # so it can be closed early
            await stream.aclose()
            current = asyncio.current_task()
            return first, len([task for task in asyncio.all_tasks() if task is not current])

    first, left = asyncio.run(run())
    assert first.index == 0 and first.ok
    assert left == 0
    assert len(single_posts(sb)) < 50_000
