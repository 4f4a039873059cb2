"""Options named and behaving alike in every call, as openai-python users expect: ``timeout=``
(each HTTP attempt) and ``extra_headers=`` on the many-profile and job calls too, the overall
waits named ``total_timeout`` / ``job_timeout``, ``with_options`` taking what the constructor
may change, one rule for the headers the client owns, and a closed client (or a copy of one)
raising the library's own error."""

from __future__ import annotations

import asyncio
import pickle
import time
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles import (
    APITimeoutError,
    AsyncKlaviyoProfiles,
    AuthenticationError,
    ClientClosedError,
    InvalidInputError,
    KlaviyoError,
    KlaviyoProfiles,
    ProfileOutcome,
    RetryPolicy,
    ServerError,
)
from klaviyo_profiles._requests import CLIENT_HEADERS
from klaviyo_profiles.sandbox import FaultConfig, RateLimitConfig, Sandbox, SandboxConfig

KEY = "pk_options_everywhere_key_00000000"
OTHER_KEY = "pk_options_everywhere_key_11111111"
OWNED = ["Authorization", "revision", "Content-Type", "accept", "USER-AGENT"]
POLL = 0.02


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(rate_limits=RateLimitConfig(enabled=False))
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture
def sandbox(module_sandbox: Sandbox) -> Iterator[Sandbox]:
    module_sandbox.reset()
    module_sandbox.set_jobs(queue_delay=0.0, profiles_per_second=100_000)
    yield module_sandbox
    module_sandbox.set_faults(FaultConfig())


def client_for(sandbox: Sandbox, **options: Any) -> KlaviyoProfiles:
    settings: dict[str, Any] = {"rate_limits": False, "retry_policy": None, **options}
    return KlaviyoProfiles(api_key=KEY, base_url=sandbox.base_url, **settings)


def rows(tag: str, count: int) -> list[dict[str, Any]]:
    return [{"email": f"{tag}{i}@example.com", "first_name": "Ada"} for i in range(count)]


# -- timeout= and extra_headers= on every call ---------------------------------------------


def test_create_or_update_profiles_sends_extra_headers_with_every_request(
    sandbox: Sandbox,
) -> None:
    profiles = [
        *rows("job", 3),
        {"email": "clears@example.com", "last_name": None},  # a null: sent one by one
        {"email": "not-an-email"},  # an import error: the error pages are read
    ]
    with client_for(sandbox) as client:
        outcomes = client.create_or_update_profiles(
            profiles, via="bulk", poll_interval=POLL, extra_headers={"X-Sync-Run": "night-7"}
        )

    assert [outcome.ok for outcome in outcomes] == [True, True, True, True, False]
    paths = {(entry["method"], entry["path"].split("/")[-1]) for entry in sandbox.requests()}
    assert ("GET", "import-errors") in paths and ("POST", "profile-import") in paths
    assert {e["headers"].get("x-sync-run") for e in sandbox.requests()} == {"night-7"}


def test_create_or_update_profiles_timeout_bounds_each_attempt(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(latency=1.0))
    with client_for(sandbox) as client:
        hasty = client.create_or_update_profiles(rows("slow", 2), via="single", timeout=0.2)
        assert not any(outcome.ok for outcome in hasty)
        sandbox.set_faults(FaultConfig(latency=0.3))
        patient = client.create_or_update_profiles(rows("slow", 2), via="single", timeout=5)
        assert all(outcome.ok for outcome in patient)
    # The sandbox still handles the two abandoned requests after its latency: let it log them
    # here rather than in the next test's log (bounded).
    deadline = time.monotonic() + 30
    while len(sandbox.requests()) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)


def test_create_or_update_profiles_checks_timeout_and_headers_before_sending(
    sandbox: Sandbox,
) -> None:
    with client_for(sandbox) as client:
        with pytest.raises(InvalidInputError, match="timeout"):
            client.create_or_update_profiles(rows("a", 2), timeout=-1)
        with pytest.raises(InvalidInputError, match="extra_headers"):
            client.create_or_update_profiles(rows("a", 2), extra_headers={"X-A": "1\r\n2"})
    assert sandbox.requests() == []


#: The many-profile call in each form: list or iterator, sync or async (one engine for all).
FORMS = ["list", "iter", "async-list", "async-iter"]


def upsert_many(
    form: str, sandbox: Sandbox, profiles: list[dict[str, Any]], **options: Any
) -> list[ProfileOutcome]:
    if form == "list":
        with client_for(sandbox) as client:
            return client.create_or_update_profiles(profiles, **options)
    if form == "iter":
        with client_for(sandbox) as client:
            return list(client.iter_create_or_update_profiles(iter(profiles), **options))

    async def run() -> list[ProfileOutcome]:
        async with AsyncKlaviyoProfiles(
            api_key=KEY, base_url=sandbox.base_url, rate_limits=False, retry_policy=None
        ) as client:
            if form == "async-list":
                return await client.create_or_update_profiles(profiles, **options)
            stream = client.iter_create_or_update_profiles(iter(profiles), **options)
            return [outcome async for outcome in stream]

    return asyncio.run(run())


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_the_many_profile_call_sends_extra_headers_with_every_request(
    sandbox: Sandbox, form: str
) -> None:
    profiles = [
        *rows(form, 3),
        {"email": f"clears-{form}@example.com", "last_name": None},  # sent one by one
        {"email": "not-an-email"},  # an import error: the error pages are read
    ]
    outcomes = upsert_many(
        form,
        sandbox,
        profiles,
        via="bulk",
        lists=["L1"],  # the row sent one by one joins it through a job of its own
        poll_interval=POLL,
        extra_headers={"X-Sync-Run": "night-7"},
    )

    assert [outcome.ok for outcome in outcomes] == [True, True, True, True, False]
    log = sandbox.requests()
    seen = [(entry["method"], entry["path"].split("/")[-1]) for entry in log]
    assert ("POST", "profile-import") in seen  # the single call
    assert seen.count(("POST", "profile-bulk-import-jobs")) == 2  # the rows' job, the list's
    assert ("GET", "import-errors") in seen and len(log) > len(set(seen))  # and the polls
    assert {entry["headers"].get("x-sync-run") for entry in log} == {"night-7"}


# The list forms share the engine and its operations; their timeout= is tested above.
@pytest.mark.parametrize("form", ["iter", "async-iter"])
@pytest.mark.parametrize(
    "operation",
    [
        "create_or_update_profile",
        "bulk_import_profiles",
        "get_bulk_import_profiles_job",
        "get_errors_for_bulk_import_profiles_job",
    ],
)
def test_the_iterator_forms_bound_each_request_of_every_operation_by_timeout(
    form: str, operation: str
) -> None:
    # Only `operation` is slow: its requests outlast timeout=, so the rows that depend on it
    # fail with APITimeoutError; the call's default timeout would have waited for them.
    config = SandboxConfig(rate_limits=RateLimitConfig(enabled=False))
    with Sandbox(config) as sandbox:  # its own: abandoned requests end with it
        sandbox.set_jobs(queue_delay=0.0, profiles_per_second=100_000)
        sandbox.set_faults(FaultConfig(latency=1.0, operations=(operation,)))
        profiles = [
            *rows(form, 2),
            {"email": "not-an-email"},
            {"email": "n@x.com", "phone_number": None},
        ]
        outcomes = upsert_many(form, sandbox, profiles, via="bulk", poll_interval=POLL, timeout=0.2)
    timed_out = [3] if operation == "create_or_update_profile" else [0, 1, 2]
    assert [type(outcomes[index].error) for index in timed_out] == [APITimeoutError] * len(
        timed_out
    )


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_the_many_profile_call_checks_timeout_and_headers_at_the_call(
    sandbox: Sandbox, form: str
) -> None:
    with pytest.raises(InvalidInputError, match="timeout"):
        upsert_many(form, sandbox, rows("a", 2), timeout=-1)
    with pytest.raises(InvalidInputError, match="extra_headers"):
        upsert_many(form, sandbox, rows("a", 2), extra_headers={"Authorization": "x"})
    assert sandbox.requests() == []


def test_waiting_for_a_job_takes_job_timeout_and_extra_headers(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        job = client.bulk_import_profiles(rows("wait", 2), extra_headers={"X-Sync-Run": "a"})
        done = client.wait_for_bulk_import_profiles_job(
            job.id, poll_interval=POLL, job_timeout=30, extra_headers={"X-Sync-Run": "a"}
        )
    assert done.status == "complete"
    assert {e["headers"].get("x-sync-run") for e in sandbox.requests()} == {"a"}


def test_the_old_timeout_keyword_of_the_wait_still_works_with_a_deprecation_warning(
    sandbox: Sandbox,
) -> None:
    with client_for(sandbox) as client:
        job = client.bulk_import_profiles(rows("old", 2))
        with pytest.warns(DeprecationWarning, match="job_timeout") as caught:
            done = client.wait_for_bulk_import_profiles_job(job.id, poll_interval=POLL, timeout=30)
        assert done.status == "complete"
        assert caught[0].filename == __file__  # points at the caller's line
        with pytest.raises(InvalidInputError, match="timeout"):
            client.wait_for_bulk_import_profiles_job(job.id, timeout=30, job_timeout=30)


def test_the_async_wait_warns_at_the_callers_line_too(sandbox: Sandbox) -> None:
    async def wait() -> list[warnings.WarningMessage]:
        async with AsyncKlaviyoProfiles(
            api_key=KEY, base_url=sandbox.base_url, rate_limits=False
        ) as client:
            job = await client.bulk_import_profiles(rows("async-old", 1))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                await client.wait_for_bulk_import_profiles_job(job.id, timeout=30)
            return caught

    (warning,) = asyncio.run(wait())
    assert warning.category is DeprecationWarning and warning.filename == __file__


# -- one rule for the headers the client owns ------------------------------------------------


@pytest.mark.parametrize("name", OWNED)
def test_extra_headers_may_not_set_a_header_the_client_owns(sandbox: Sandbox, name: str) -> None:
    with client_for(sandbox) as client:
        with pytest.raises(InvalidInputError, match="extra_headers") as refused:
            client.create_or_update_profile(email="a@example.com", extra_headers={name: "x"})
        assert name in str(refused.value)
        with pytest.raises(InvalidInputError, match="extra_headers"):
            client.bulk_import_profiles(rows("b", 1), extra_headers={name: "x"})
        with pytest.raises(InvalidInputError, match="extra_headers"):
            client.create_or_update_profiles(rows("c", 1), extra_headers={name: "x"})
    assert sandbox.requests() == []


@pytest.mark.parametrize("name", OWNED)
def test_default_headers_may_not_set_a_header_the_client_owns(sandbox: Sandbox, name: str) -> None:
    with pytest.raises(InvalidInputError, match="default_headers"):
        client_for(sandbox, default_headers={name: "x"})
    with client_for(sandbox) as client, pytest.raises(InvalidInputError, match="default_headers"):
        client.with_options(default_headers={name: "x"})


def test_the_headers_refused_are_exactly_those_the_client_sets() -> None:
    # One list: what extra_headers= and default_headers= may not name is what the client sends
    # on its own (and puts over an http_client='s headers).
    with KlaviyoProfiles(api_key=KEY) as client:
        sent = {name.lower() for name in client._headers} | {"authorization"}
    assert sent == set(CLIENT_HEADERS)


def test_the_revision_header_names_the_option_to_use_instead(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client, pytest.raises(InvalidInputError, match="revision="):
        client.create_or_update_profile(email="a@example.com", extra_headers={"Revision": "x"})


def test_default_headers_go_with_every_request_and_the_copy_adds_its_own(
    sandbox: Sandbox,
) -> None:
    with client_for(sandbox, default_headers={"X-Team": "growth"}) as client:
        client.create_or_update_profile(email="a@example.com")
        tagged = client.with_options(default_headers={"X-Job": "nightly"})
        tagged.create_or_update_profile(email="a@example.com")
    first, second = (entry["headers"] for entry in sandbox.requests())
    assert first["x-team"] == "growth" and "x-job" not in first
    assert (second["x-team"], second["x-job"]) == ("growth", "nightly")


def test_a_calls_extra_headers_win_over_default_headers_in_a_copy_too(sandbox: Sandbox) -> None:
    with client_for(sandbox, default_headers={"X-Team": "growth"}) as client:
        client.create_or_update_profile(email="a@example.com", extra_headers={"X-Team": "sales"})
        copy = client.with_options(timeout=5)
        copy.create_or_update_profile(email="a@example.com", extra_headers={"X-Team": "sales"})
        copy.create_or_update_profile(email="a@example.com")
    assert [e["headers"]["x-team"] for e in sandbox.requests()] == ["sales", "sales", "growth"]


# -- with_options takes what the constructor may change --------------------------------------


def test_with_options_can_change_the_api_key() -> None:
    config = SandboxConfig(
        rate_limits=RateLimitConfig(enabled=False), api_keys={OTHER_KEY: facts.SCOPES}
    )
    with Sandbox(config) as sandbox, client_for(sandbox) as client:
        with pytest.raises(AuthenticationError):
            client.create_or_update_profile(email="a@example.com")
        other = client.with_options(api_key=OTHER_KEY)
        assert other.create_or_update_profile(email="a@example.com").created
        assert OTHER_KEY not in repr(other)
        with pytest.raises(AuthenticationError):  # the original keeps its own key
            client.create_or_update_profile(email="a@example.com")


def test_max_retries_is_the_number_of_retries_after_the_first_attempt(sandbox: Sandbox) -> None:
    sandbox.set_faults(FaultConfig(script=(500, 500)))
    with client_for(sandbox) as client:
        fast = RetryPolicy(initial_backoff=0.01, max_backoff=0.01)
        patient = client.with_options(retry_policy=fast, max_retries=2)
        assert patient.create_or_update_profile(email="a@example.com").attempts == 3
        sandbox.set_faults(FaultConfig(script=(500,)))
        with pytest.raises(ServerError):  # the original still has retries off
            client.create_or_update_profile(email="a@example.com")


@pytest.mark.parametrize(
    ("policy", "max_retries", "attempts"),
    [(RetryPolicy(), 0, 1), (RetryPolicy(), 4, 5), (None, 2, 3), (None, 0, None)],
)
def test_max_retries_in_the_constructor(
    policy: RetryPolicy | None, max_retries: int, attempts: int | None
) -> None:
    client = KlaviyoProfiles(api_key=KEY, retry_policy=policy, max_retries=max_retries)
    if attempts is None:
        assert client.retry_policy is None
    else:
        assert client.retry_policy is not None
        assert client.retry_policy.max_attempts == attempts
    client.close()


@pytest.mark.parametrize("bad", [-1, True, 1.5, "2"])
def test_max_retries_must_be_a_whole_number_from_zero(bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="max_retries"):
        KlaviyoProfiles(api_key=KEY, max_retries=bad)
    with KlaviyoProfiles(api_key=KEY) as client, pytest.raises(InvalidInputError):
        client.with_options(max_retries=bad)


def test_with_options_can_turn_pacing_off_and_on(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        assert client.with_options(rate_limits=True)._limiter is not None
        assert (
            client.with_options(rate_limits=True).with_options(rate_limits=False)._limiter is None
        )


@pytest.mark.parametrize("cls", [KlaviyoProfiles, AsyncKlaviyoProfiles])
def test_an_unknown_option_is_refused_naming_the_public_client(cls: type[Any]) -> None:
    client = cls(api_key=KEY)  # no request made: no connection to close
    with pytest.raises(TypeError) as refused:
        client.with_options(timout=5)
    assert f"{cls.__name__}.with_options()" in str(refused.value)
    assert "BaseClient" not in str(refused.value)


# -- a closed client -------------------------------------------------------------------------


def test_a_closed_client_raises_the_librarys_error_and_sends_nothing(sandbox: Sandbox) -> None:
    client = client_for(sandbox)
    client.close()
    with pytest.raises(ClientClosedError) as raised:
        client.create_or_update_profile(email="a@example.com")
    assert isinstance(raised.value, KlaviyoError) and isinstance(raised.value, RuntimeError)
    assert "KlaviyoProfiles has been closed" in str(raised.value)
    with pytest.raises(ClientClosedError):
        client.create_or_update_profiles(rows("closed", 2))
    with pytest.raises(ClientClosedError):  # at the call, before the first row is read
        client.iter_create_or_update_profiles(rows("closed", 2))
    with pytest.raises(ClientClosedError):
        client.get_bulk_import_profiles_job("01JOB")
    with pytest.raises(ClientClosedError):
        client.get_errors_for_bulk_import_profiles_job("01JOB")
    assert sandbox.requests() == []
    assert pickle.loads(pickle.dumps(raised.value)).args == raised.value.args


def test_a_copy_used_after_its_original_closed_raises_the_librarys_error(
    sandbox: Sandbox,
) -> None:
    client = client_for(sandbox)
    copy = client.with_options(timeout=5)
    client.close()
    with pytest.raises(ClientClosedError, match="copied from with with_options"):
        copy.create_or_update_profile(email="a@example.com")
    assert sandbox.requests() == []


def test_a_closed_copy_refuses_while_its_original_goes_on(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        copy = client.with_options(timeout=5)
        copy.close()
        with pytest.raises(ClientClosedError):
            copy.create_or_update_profile(email="a@example.com")
        assert client.create_or_update_profile(email="a@example.com").created


def test_a_client_over_your_http_client_refuses_once_closed(sandbox: Sandbox) -> None:
    with httpx.Client() as http:
        client = client_for(sandbox, http_client=http)
        client.close()
        with pytest.raises(ClientClosedError):
            client.create_or_update_profile(email="a@example.com")
        assert not http.is_closed  # yours to close


def test_a_closed_async_client_raises_the_librarys_error(sandbox: Sandbox) -> None:
    async def use() -> None:
        client = AsyncKlaviyoProfiles(api_key=KEY, base_url=sandbox.base_url, rate_limits=False)
        copy = client.with_options(timeout=5)
        await client.aclose()
        with pytest.raises(ClientClosedError):
            await client.create_or_update_profile(email="a@example.com")
        with pytest.raises(ClientClosedError):
            await copy.create_or_update_profile(email="a@example.com")

    asyncio.run(use())
    assert sandbox.requests() == []


def test_a_wait_whose_client_is_closed_meanwhile_ends_with_the_librarys_error(
    sandbox: Sandbox,
) -> None:
    sandbox.set_jobs(queue_delay=30.0)  # the job stays queued while it is polled

    async def wait_then_close() -> None:
        client = AsyncKlaviyoProfiles(api_key=KEY, base_url=sandbox.base_url, rate_limits=False)
        job = await client.bulk_import_profiles(rows("queued", 1))
        waiting = asyncio.ensure_future(
            client.wait_for_bulk_import_profiles_job(job.id, poll_interval=POLL)
        )
        while not [e for e in sandbox.requests() if e["method"] == "GET"]:
            await asyncio.sleep(POLL)
        await client.aclose()
        with pytest.raises(ClientClosedError):
            await asyncio.wait_for(waiting, 30)

    asyncio.run(wait_then_close())


def test_a_send_refused_by_a_pool_closed_meanwhile_is_the_librarys_error(
    sandbox: Sandbox,
) -> None:
    client = client_for(sandbox)
    steps = client._upsert_steps(None, {"email": "a@example.com"})
    effect = steps.send(None)  # the request, built while the client was open
    assert type(effect).__name__ == "Send"
    client.close()
    with pytest.raises(ClientClosedError):
        steps.throw(RuntimeError("Cannot send a request, as the client has been closed."))
