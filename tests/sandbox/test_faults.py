"""Injected faults: deterministic under a seed, decided before the store is touched."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest
from klaviyo_profiles.sandbox import Sandbox
from sandbox_helpers import PATH, body


def upsert(api: httpx.Client, email: str) -> httpx.Response:
    return api.post(PATH, json=body({"email": email}))


def statuses(api: httpx.Client, n: int) -> list[int | str]:
    seen: list[int | str] = []
    for i in range(n):
        try:
            seen.append(upsert(api, f"user{i}@example.com").status_code)
        except httpx.RemoteProtocolError:
            seen.append("drop")
    return seen


def test_error_rate_gives_that_share_of_5xx_and_the_same_sequence_for_the_same_seed(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_rate_limits(enabled=False)
    sandbox.set_faults(seed=7, error_rate=0.25, error_statuses=(500, 503))

    first = statuses(api, 200)
    sandbox.set_faults(seed=7)  # same settings, started over
    sandbox.state.store.clear()
    second = statuses(api, 200)
    sandbox.set_faults(seed=8)
    sandbox.state.store.clear()
    other_seed = statuses(api, 200)

    failures = Counter(s for s in first if s != 201)
    assert set(failures) == {500, 503}
    assert 30 <= sum(failures.values()) <= 70  # 25% of 200, within about 3.5 sigma
    assert first == second
    assert first != other_seed


def test_failed_requests_leave_the_store_unchanged(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_rate_limits(enabled=False)
    sandbox.set_faults(seed=3, error_rate=0.3, drop_rate=0.2)

    seen = statuses(api, 60)

    created = {p["attributes"]["email"] for p in sandbox.profiles()}
    expected = {f"user{i}@example.com" for i, s in enumerate(seen) if s == 201}
    assert "drop" in seen and any(s in (500, 502, 503, 504) for s in seen)
    assert created == expected


def test_a_script_plays_first_then_requests_pass(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_faults(script=(503, "drop", "pass", 502))

    assert upsert(api, "a@example.com").status_code == 503
    with pytest.raises(httpx.RemoteProtocolError):
        upsert(api, "b@example.com")
    assert upsert(api, "c@example.com").status_code == 201
    assert upsert(api, "d@example.com").status_code == 502
    assert upsert(api, "e@example.com").status_code == 201
    assert [p["attributes"]["email"] for p in sandbox.profiles()] == [
        "c@example.com",
        "e@example.com",
    ]


def test_5xx_bodies_are_json_api_errors_with_code_error(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_faults(script=(500,))

    response = upsert(api, "a@example.com")

    error = response.json()["errors"][0]
    assert (error["status"], error["code"]) == (500, "error")
    assert "RateLimit-Remaining" in response.headers


def test_a_drop_after_commit_applies_the_upsert_so_the_retry_answers_200(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_faults(script=("drop_after_commit",))

    with pytest.raises(httpx.RemoteProtocolError):
        upsert(api, "ada@example.com")
    stored = sandbox.profiles()
    retry = upsert(api, "ada@example.com")

    assert len(stored) == 1
    assert retry.status_code == 200
    assert retry.json()["data"]["id"] == stored[0]["id"]
    log = sandbox.requests()
    assert (log[0]["fault"], log[0]["status"]) == ("drop_after_commit", 201)


def test_a_dropped_connection_before_the_upsert_creates_nothing(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_faults(script=("drop",))

    with pytest.raises(httpx.RemoteProtocolError):
        upsert(api, "ada@example.com")
    retry = upsert(api, "ada@example.com")

    assert retry.status_code == 201
    assert sandbox.requests()[0]["fault"] == "drop"
    assert sandbox.requests()[0]["status"] is None


def test_latency_is_added_to_each_request(api: httpx.Client, sandbox: Sandbox) -> None:
    sandbox.set_faults(latency=0.2)

    started = time.perf_counter()
    response = upsert(api, "ada@example.com")
    elapsed = time.perf_counter() - started

    assert response.status_code == 201
    assert elapsed >= 0.2


def test_faults_touch_only_the_profile_import_route(api: httpx.Client, sandbox: Sandbox) -> None:
    profile_id = upsert(api, "ada@example.com").json()["data"]["id"]
    sandbox.set_faults(error_rate=1.0)

    read = api.get(f"/api/profiles/{profile_id}")
    admin = httpx.get(f"{sandbox.base_url}/sandbox/profiles")

    assert read.status_code == 200
    assert admin.status_code == 200
    assert upsert(api, "ada@example.com").status_code >= 500


def test_invalid_requests_get_their_400_and_do_not_use_up_script_steps(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_faults(script=(503,))

    invalid = api.post(PATH, json=body({"first_name": "no identifier"}))
    valid = upsert(api, "ada@example.com")

    assert invalid.status_code == 400
    assert valid.status_code == 503
