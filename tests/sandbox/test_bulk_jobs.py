"""Bulk profile import jobs in the sandbox: the job routes over loopback HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import Sandbox
from klaviyo_profiles.sandbox.config import BULK_OPERATIONS

CREATE = facts.OPERATIONS["bulk_import_profiles"]
JOBS_PATH = CREATE.path
ITEM_LIMIT = CREATE.item_limit
PAYLOAD_LIMIT = CREATE.payload_limit_bytes
ITEM_PAYLOAD_LIMIT = CREATE.item_payload_limit_bytes
assert ITEM_LIMIT and PAYLOAD_LIMIT and ITEM_PAYLOAD_LIMIT


def profile(**attributes: Any) -> dict[str, Any]:
    """A profile resource object as a job takes it."""
    return {"type": "profile", "attributes": attributes}


def job_body(profiles: list[Any], lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """A job request body."""
    data: dict[str, Any] = {
        "type": "profile-bulk-import-job",
        "attributes": {"profiles": {"data": profiles}},
    }
    if lists:
        data["relationships"] = {"lists": {"data": [{"type": "list", "id": i} for i in lists]}}
    return {"data": data}


def start(api: httpx.Client, profiles: list[Any]) -> str:
    response = api.post(JOBS_PATH, json=job_body(profiles))
    assert response.status_code == 202, response.text
    job_id: str = response.json()["data"]["id"]
    return job_id


def read(api: httpx.Client, job_id: str) -> dict[str, Any]:
    response = api.get(f"{JOBS_PATH}/{job_id}")
    assert response.status_code == 200, response.text
    attributes: dict[str, Any] = response.json()["data"]["attributes"]
    return attributes


def wait(api: httpx.Client, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll a job until it ends (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        attributes = read(api, job_id)
        if attributes["status"] in ("complete", "cancelled"):
            return attributes
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not end within {timeout} s")


def import_errors(api: httpx.Client, job_id: str, **params: Any) -> list[dict[str, Any]]:
    """Every import error of a job, following links.next."""
    found: list[dict[str, Any]] = []
    url: str | None = f"{JOBS_PATH}/{job_id}/import-errors"
    query: dict[str, Any] | None = params
    for _ in range(1000):
        if url is None:
            return found
        response = api.get(url, params=query)
        assert response.status_code == 200, response.text
        document = response.json()
        found += document["data"]
        url, query = document["links"]["next"], None
    raise AssertionError("links.next never ended")


@pytest.fixture
def quick(sandbox: Sandbox) -> Sandbox:
    """Jobs that start at once and run fast, and no bulk windows in the way."""
    sandbox.set_jobs(queue_delay=0.0, profiles_per_second=1_000_000.0)
    for operation in BULK_OPERATIONS:
        sandbox.set_rate_limits(operation=operation, enabled=False)
    return sandbox


def by_email(sandbox: Sandbox, email: str) -> dict[str, Any]:
    matches = [p for p in sandbox.profiles() if p["attributes"]["email"] == email]
    assert len(matches) == 1, matches
    return matches[0]["attributes"]


# --------------------------------------------------------------------------------------------
# Starting a job


def test_job_is_accepted_with_202_and_queued(sandbox: Sandbox, api: httpx.Client) -> None:
    response = api.post(JOBS_PATH, json=job_body([profile(email="ada@example.com")]))
    assert response.status_code == 202
    assert response.headers["content-type"].startswith(facts.MEDIA_TYPE)
    data = response.json()["data"]
    assert data["type"] == "profile-bulk-import-job"
    assert data["attributes"]["status"] == "queued"
    assert data["attributes"]["total_count"] == 1
    assert data["attributes"]["completed_count"] == 0
    assert data["attributes"]["failed_count"] == 0
    assert data["attributes"]["started_at"] is None
    assert data["attributes"]["completed_at"] is None
    assert data["attributes"]["expires_at"] > data["attributes"]["created_at"]
    assert data["links"]["self"] == f"{sandbox.base_url}{JOBS_PATH}/{data['id']}"


def test_job_passes_through_queued_processing_complete(sandbox: Sandbox, api: httpx.Client) -> None:
    for operation in BULK_OPERATIONS:
        sandbox.set_rate_limits(operation=operation, enabled=False)
    sandbox.set_jobs(queue_delay=0.2, profiles_per_second=40.0)
    job_id = start(api, [profile(email=f"p{i}@example.com") for i in range(20)])
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        attributes = read(api, job_id)
        seen.append((attributes["status"], attributes["completed_count"]))
        if attributes["status"] == "complete":
            break
        time.sleep(0.02)
    statuses = [status for status, _ in seen]
    order = {"queued": 0, "processing": 1, "complete": 2}
    assert statuses[0] == "queued"
    assert "processing" in statuses
    assert statuses[-1] == "complete"
    assert [order[s] for s in statuses] == sorted(order[s] for s in statuses)
    counts = [count for _, count in seen]
    assert counts == sorted(counts) and counts[-1] == 20
    final = read(api, job_id)
    assert final["started_at"] is not None and final["completed_at"] >= final["started_at"]


def test_profiles_are_stored_once_the_job_completes(quick: Sandbox, api: httpx.Client) -> None:
    job_id = start(api, [profile(email="ada@example.com", first_name="Ada")])
    attributes = wait(api, job_id)
    assert attributes["completed_count"] == 1 and attributes["failed_count"] == 0
    assert by_email(quick, "ada@example.com")["first_name"] == "Ada"


def test_unknown_job_is_404(sandbox: Sandbox, api: httpx.Client) -> None:
    response = api.get(f"{JOBS_PATH}/NOSUCHJOB")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    assert api.get(f"{JOBS_PATH}/NOSUCHJOB/import-errors").status_code == 404


# --------------------------------------------------------------------------------------------
# Nulls


def test_null_leaves_the_stored_value_unchanged_in_bulk(quick: Sandbox, api: httpx.Client) -> None:
    single = {
        "data": {
            "type": "profile",
            "attributes": {
                "email": "ada@example.com",
                "first_name": "Ada",
                "location": {"city": "London", "zip": "N1"},
                "properties": {"plan": "pro", "size": {"shoe": 38}},
            },
        }
    }
    assert api.post(facts.PATH, json=single).status_code == 201
    sent = profile(
        email="ada@example.com",
        first_name=None,
        last_name="Lovelace",
        location={"city": None, "zip": "N2"},
        properties={"plan": None, "size": {"shoe": None}, "new": 1},
    )
    wait(api, start(api, [sent]))
    stored = by_email(quick, "ada@example.com")
    assert stored["first_name"] == "Ada"
    assert stored["last_name"] == "Lovelace"
    assert stored["location"]["city"] == "London" and stored["location"]["zip"] == "N2"
    assert stored["properties"] == {"plan": "pro", "size": {"shoe": 38}, "new": 1}


def test_create_or_update_profile_still_clears_with_null(quick: Sandbox, api: httpx.Client) -> None:
    wait(api, start(api, [profile(email="ada@example.com", first_name="Ada")]))
    body = {
        "data": {"type": "profile", "attributes": {"email": "ada@example.com", "first_name": None}}
    }
    assert api.post(facts.PATH, json=body).status_code == 200
    assert by_email(quick, "ada@example.com")["first_name"] is None


# --------------------------------------------------------------------------------------------
# Import errors


def test_semantic_failures_become_import_errors_pointing_at_the_index(
    quick: Sandbox, api: httpx.Client
) -> None:
    api.post(
        facts.PATH, json={"data": {"type": "profile", "attributes": {"email": "a@example.com"}}}
    )
    api.post(
        facts.PATH,
        json={"data": {"type": "profile", "attributes": {"phone_number": "+15005550006"}}},
    )
    profiles = [
        profile(email="ok@example.com"),
        profile(email="not-an-email"),
        profile(phone_number="12345"),
        profile(first_name="Nobody"),
        profile(email="a@example.com", phone_number="+15005550006"),
        {"type": "profile", "id": "01NOSUCHPROFILE0000000000", "attributes": {}},
        profile(email=None, first_name="Only a null identifier"),
        profile(email="ok2@example.com"),
    ]
    job_id = start(api, profiles)
    attributes = wait(api, job_id)
    assert attributes["status"] == "complete"
    assert attributes["total_count"] == 8 and attributes["completed_count"] == 8
    assert attributes["failed_count"] == 6
    found = import_errors(api, job_id)
    pointers = [e["attributes"]["source"]["pointer"] for e in found]
    assert pointers == [f"/data/attributes/profiles/data/{i}" for i in (1, 2, 3, 4, 5, 6)]
    codes = [e["attributes"]["code"] for e in found]
    assert codes == ["invalid", "invalid", "invalid", "duplicate_profile", "not_found", "invalid"]
    assert found[0]["attributes"]["original_payload"] == profiles[1]
    assert all(e["type"] == "import-error" and e["id"] for e in found)
    assert by_email(quick, "ok2@example.com")


def test_import_errors_are_paged_by_cursor_in_index_order(
    quick: Sandbox, api: httpx.Client
) -> None:
    profiles = [
        profile(email=f"bad{i}") if i % 2 else profile(email=f"ok{i}@x.io") for i in range(11)
    ]
    job_id = start(api, profiles)
    wait(api, job_id)
    first = api.get(f"{JOBS_PATH}/{job_id}/import-errors", params={"page[size]": 2}).json()
    assert len(first["data"]) == 2 and first["links"]["prev"] is None
    assert first["links"]["next"].startswith(f"{quick.base_url}{JOBS_PATH}/{job_id}/import-errors?")
    found = import_errors(api, job_id, **{"page[size]": 2})
    assert [e["attributes"]["source"]["pointer"].rsplit("/", 1)[1] for e in found] == [
        "1",
        "3",
        "5",
        "7",
        "9",
    ]
    second = api.get(first["links"]["next"]).json()
    assert api.get(second["links"]["prev"]).json()["data"] == first["data"]


@pytest.mark.parametrize("size", ["0", "101", "x"])
def test_page_size_outside_1_to_100_is_400(quick: Sandbox, api: httpx.Client, size: str) -> None:
    job_id = start(api, [profile(email="a@example.com")])
    response = api.get(f"{JOBS_PATH}/{job_id}/import-errors", params={"page[size]": size})
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"]["parameter"] == "page[size]"


def test_a_cursor_not_given_out_is_400(quick: Sandbox, api: httpx.Client) -> None:
    job_id = start(api, [profile(email="a@example.com")])
    response = api.get(f"{JOBS_PATH}/{job_id}/import-errors", params={"page[cursor]": "!!"})
    assert response.status_code == 400


# --------------------------------------------------------------------------------------------
# Whole-request failures: no job is created


def test_more_profiles_than_the_item_limit_is_400_and_starts_no_job(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    profiles = [profile(email=f"p{i}@x.io") for i in range(ITEM_LIMIT + 1)]
    response = api.post(JOBS_PATH, json=job_body(profiles))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert str(ITEM_LIMIT) in error["detail"]
    assert error["source"]["pointer"] == "/data/attributes/profiles/data"
    assert sandbox.jobs() == []


def test_exactly_the_item_limit_is_accepted(sandbox: Sandbox, api: httpx.Client) -> None:
    profiles = [profile(email=f"p{i}@x.io") for i in range(ITEM_LIMIT)]
    response = api.post(JOBS_PATH, json=job_body(profiles))
    assert response.status_code == 202
    assert response.json()["data"]["attributes"]["total_count"] == ITEM_LIMIT


def test_body_over_the_payload_limit_is_413_and_starts_no_job(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    content = b'{"data": "' + b"x" * PAYLOAD_LIMIT + b'"}'
    response = api.post(JOBS_PATH, content=content)
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payload_too_large"
    assert sandbox.jobs() == []


def test_profile_over_the_item_payload_limit_is_413_pointing_at_it(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    big = profile(email="big@x.io", properties={"blob": "x" * ITEM_PAYLOAD_LIMIT})
    response = api.post(JOBS_PATH, json=job_body([profile(email="a@x.io"), big]))
    assert response.status_code == 413
    assert response.json()["errors"][0]["source"]["pointer"] == "/data/attributes/profiles/data/1"
    assert sandbox.jobs() == []


def test_profile_breaking_the_schema_is_400_pointing_into_it(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    profiles = [profile(email=f"p{i}@x.io") for i in range(7)]
    profiles.append(profile(email="p7@x.io", foo=1))
    profiles.append(profile(email="p8@x.io", first_name=5))
    response = api.post(JOBS_PATH, json=job_body(profiles))
    assert response.status_code == 400
    pointers = [e["source"]["pointer"] for e in response.json()["errors"]]
    assert pointers == [
        "/data/attributes/profiles/data/7/attributes/foo",
        "/data/attributes/profiles/data/8/attributes/first_name",
    ]
    assert sandbox.jobs() == []


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"data": {"type": "profile", "attributes": {"profiles": {"data": []}}}},
        {"data": {"type": "profile-bulk-import-job", "attributes": {"profiles": []}}},
        {"data": {"type": "profile-bulk-import-job", "attributes": {"profiles": {"data": []}}}},
        {
            "data": {
                "type": "profile-bulk-import-job",
                "attributes": {"profiles": {"data": [{"type": "profile", "attributes": {}}]}},
                "relationships": {"lists": {"data": [{"type": "segment", "id": "x"}]}},
            }
        },
    ],
    ids=["no-data", "wrong-type", "profiles-not-object", "empty", "bad-list"],
)
def test_a_job_document_that_is_not_valid_is_400(
    sandbox: Sandbox, api: httpx.Client, document: dict[str, Any]
) -> None:
    response = api.post(JOBS_PATH, json=document)
    assert response.status_code == 400, response.text
    assert sandbox.jobs() == []


def test_lists_are_kept_on_the_job(quick: Sandbox, api: httpx.Client) -> None:
    response = api.post(JOBS_PATH, json=job_body([profile(email="a@x.io")], lists=("L1",)))
    assert response.status_code == 202
    data = response.json()["data"]
    assert data["relationships"]["lists"]["data"] == [{"type": "list", "id": "L1"}]
    assert quick.jobs()[0]["lists"] == ["L1"]
