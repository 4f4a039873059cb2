"""Bulk profile import jobs in the sandbox: the job routes over loopback HTTP.

Every response of a job route that a test receives through ``api`` is checked, when the test
ends, against Klaviyo's published spec for the revision (the Profiles category file under
``tests/klaviyo_spec/<revision>/categories``), as the conftest does for Create or Update Profile.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import BulkJobConfig, RateLimitConfig, Sandbox, SandboxConfig
from klaviyo_profiles.sandbox.config import BULK_OPERATIONS
from klaviyo_profiles.sandbox.server import build_parser, config_from_args
from sandbox_helpers import HEADERS, conformance_errors

CREATE = facts.OPERATIONS["bulk_import_profiles"]
JOBS_PATH = CREATE.path
ITEM_LIMIT = CREATE.item_limit
PAYLOAD_LIMIT = CREATE.payload_limit_bytes
ITEM_PAYLOAD_LIMIT = CREATE.item_payload_limit_bytes
assert ITEM_LIMIT and PAYLOAD_LIMIT and ITEM_PAYLOAD_LIMIT


OFFICIAL_CATEGORY = Path(facts.REVISION) / "categories" / "profiles.json"
_JOB_PATHS = tuple(operation.path for operation in facts.OPERATIONS.values())


@pytest.fixture(scope="session")
def jobs_spec(klaviyo_specs: Path) -> Any:
    """openapi-core's view of Klaviyo's Profiles file for the revision (it has the job routes)."""
    import spec_tools
    from openapi_core import OpenAPI

    path = klaviyo_specs / OFFICIAL_CATEGORY
    if not path.is_file():
        pytest.fail(f"Klaviyo's Profiles spec for {facts.REVISION} is not in tests/klaviyo_spec")
    document = spec_tools.load_document(path)
    # The spec types links.next and links.prev as strings only; the sandbox answers null where
    # there is no such page (clients must cope with null or absent alike). Only that is relaxed.
    links = document["components"]["schemas"]["CollectionLinks"]["properties"]
    for name in ("next", "prev"):
        links[name]["nullable"] = True
    return OpenAPI.from_dict(spec_tools.to_openapi31(document))


def _is_job_route(path: str) -> bool:
    # The spec names the paths without a trailing slash; the other spelling is left out.
    return path.startswith(JOBS_PATH) and not path.endswith("/")


@pytest.fixture
def api(sandbox: Sandbox, jobs_spec: Any) -> Iterator[httpx.Client]:
    """An httpx client with valid auth, revision and content type; the job routes' responses
    it receives must conform to Klaviyo's spec."""
    recorded: list[httpx.Response] = []

    def hook(response: httpx.Response) -> None:
        response.read()
        if _is_job_route(response.request.url.path):
            recorded.append(response)

    with httpx.Client(
        base_url=sandbox.base_url, headers=HEADERS, timeout=30.0, event_hooks={"response": [hook]}
    ) as client:
        yield client
    problems = conformance_errors(jobs_spec, recorded)
    assert not problems, "responses that break Klaviyo's spec:\n" + "\n".join(problems)


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
    # Slow enough that a busy machine still sees it processing for seconds, then finished.
    sandbox.set_jobs(queue_delay=0.2, profiles_per_second=2.0)
    response = api.post(JOBS_PATH, json=job_body([profile(email=f"p{i}@x.io") for i in range(20)]))
    assert response.json()["data"]["attributes"]["status"] == "queued"
    job_id = response.json()["data"]["id"]
    seen: list[tuple[str, int]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        attributes = read(api, job_id)
        seen.append((attributes["status"], attributes["completed_count"]))
        if attributes["status"] == "processing" and attributes["completed_count"] >= 2:
            break
        time.sleep(0.02)
    assert seen[-1][0] == "processing"
    assert {status for status, _ in seen} <= {"queued", "processing"}
    counts = [count for _, count in seen]
    assert counts == sorted(counts)
    assert read(api, job_id)["started_at"] is not None
    sandbox.finish_jobs()
    final = read(api, job_id)
    assert (final["status"], final["completed_count"], final["failed_count"]) == ("complete", 20, 0)
    assert final["completed_at"] >= final["started_at"] >= final["created_at"]


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


# --------------------------------------------------------------------------------------------
# Rate limit windows, per operation


def test_each_bulk_operation_has_the_windows_the_spec_states(sandbox: Sandbox) -> None:
    for operation in BULK_OPERATIONS:
        limits = sandbox.config.rate_limits_for(operation)
        stated = facts.OPERATIONS[operation]
        assert (limits.burst_limit, limits.steady_limit) == (
            stated.burst_limit,
            stated.steady_limit,
        )
        assert (limits.burst_period, limits.steady_period) == (
            stated.burst_period_seconds,
            stated.steady_period_seconds,
        )


def test_starting_jobs_past_the_burst_window_is_429_with_retry_after(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_rate_limits(operation="bulk_import_profiles", burst_limit=2, burst_period=60)
    body = job_body([profile(email="a@x.io")])
    first = api.post(JOBS_PATH, json=body)
    assert first.status_code == 202
    assert first.headers["RateLimit-Limit"] == str(CREATE.steady_limit)
    assert api.post(JOBS_PATH, json=body).status_code == 202
    refused = api.post(JOBS_PATH, json=body)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["errors"][0]["code"] == "throttled"
    assert len(sandbox.jobs()) == 2


def test_bulk_windows_are_apart_from_each_other_and_from_the_single_endpoint(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_rate_limits(operation="bulk_import_profiles", burst_limit=1, burst_period=60)
    job_id = start(api, [profile(email="a@x.io")])
    assert api.post(JOBS_PATH, json=job_body([profile(email="b@x.io")])).status_code == 429
    assert api.get(f"{JOBS_PATH}/{job_id}").status_code == 200
    assert api.get(f"{JOBS_PATH}/{job_id}/import-errors").status_code == 200
    single = {"data": {"type": "profile", "attributes": {"email": "c@x.io"}}}
    assert api.post(facts.PATH, json=single).status_code == 201


def test_bulk_windows_can_be_turned_off(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.set_rate_limits(operation="get_bulk_import_profiles_job", burst_limit=1)
    sandbox.set_rate_limits(operation="get_bulk_import_profiles_job", enabled=False)
    job_id = start(api, [profile(email="a@x.io")])
    responses = [api.get(f"{JOBS_PATH}/{job_id}") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "RateLimit-Limit" not in responses[0].headers


# --------------------------------------------------------------------------------------------
# Faults


def test_an_injected_5xx_on_start_creates_no_job(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.set_faults(script=(503,))
    response = api.post(JOBS_PATH, json=job_body([profile(email="a@x.io")]))
    assert response.status_code == 503
    assert sandbox.jobs() == []
    assert sandbox.requests()[-1]["fault"] == "503"


def test_a_response_lost_after_the_job_is_queued_leaves_the_job(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_faults(script=("drop_after_commit",))
    with pytest.raises(httpx.TransportError):
        api.post(JOBS_PATH, json=job_body([profile(email="a@x.io")]))
    assert len(sandbox.jobs()) == 1
    entry = sandbox.requests()[-1]
    assert (entry["operation"], entry["status"]) == ("bulk_import_profiles", 202)


def test_a_dropped_start_creates_no_job(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.set_faults(script=("drop",))
    with pytest.raises(httpx.TransportError):
        api.post(JOBS_PATH, json=job_body([profile(email="a@x.io")]))
    assert sandbox.jobs() == []


def test_faults_hit_only_the_operations_named(quick: Sandbox, api: httpx.Client) -> None:
    quick.set_faults(script=(503,), operations=("get_bulk_import_profiles_job",))
    job_id = start(api, [profile(email="a@x.io")])
    assert api.get(f"{JOBS_PATH}/{job_id}").status_code == 503
    assert api.get(f"{JOBS_PATH}/{job_id}").status_code == 200


def test_the_cancel_fault_ends_a_job_cancelled_part_way(quick: Sandbox, api: httpx.Client) -> None:
    quick.set_jobs(cancel_after=0.5)
    quick.set_faults(script=("cancel",))
    job_id = start(api, [profile(email=f"p{i}@x.io") for i in range(10)])
    attributes = wait(api, job_id)
    assert attributes["status"] == "cancelled"
    assert attributes["completed_count"] == 5 and attributes["total_count"] == 10
    assert attributes["completed_at"] is not None
    assert sorted(p["attributes"]["email"] for p in quick.profiles()) == [
        f"p{i}@x.io" for i in range(5)
    ]


def test_a_cancel_rate_cancels_some_jobs_reproducibly(quick: Sandbox, api: httpx.Client) -> None:
    def outcomes() -> list[str]:
        quick.set_faults(seed=7, cancel_rate=0.5)
        ids = [start(api, [profile(email=f"p{i}@x.io")]) for i in range(8)]
        return [wait(api, job_id)["status"] for job_id in ids]

    first = outcomes()
    assert set(first) == {"complete", "cancelled"}
    assert outcomes() == first


def test_a_job_can_be_cancelled_while_it_runs(sandbox: Sandbox, api: httpx.Client) -> None:
    for operation in BULK_OPERATIONS:
        sandbox.set_rate_limits(operation=operation, enabled=False)
    sandbox.set_jobs(queue_delay=0.0, profiles_per_second=0.5)
    job_id = start(api, [profile(email=f"p{i}@x.io") for i in range(100)])
    cancelled = sandbox.cancel_job(job_id)
    assert cancelled is not None and cancelled["status"] == "cancelled"
    attributes = read(api, job_id)
    assert attributes["status"] == "cancelled" and attributes["completed_count"] < 100
    assert sandbox.cancel_job("NOSUCHJOB") is None


# --------------------------------------------------------------------------------------------
# Reading jobs: the Python API and the admin surface


def test_the_python_api_shows_jobs_with_their_errors(quick: Sandbox, api: httpx.Client) -> None:
    job_id = start(api, [profile(email="ok@x.io"), profile(email="broken")])
    wait(api, job_id)
    (summary,) = quick.jobs()
    assert summary["id"] == job_id and summary["status"] == "complete"
    view = quick.job(job_id)
    assert view is not None
    assert [(e["index"], e["code"]) for e in view["errors"]] == [(1, "invalid")]
    assert quick.job("NOSUCHJOB") is None


def test_the_admin_surface_lists_cancels_and_finishes_jobs(
    sandbox: Sandbox, api: httpx.Client
) -> None:
    sandbox.set_jobs(queue_delay=0.0, profiles_per_second=0.01)
    first = start(api, [profile(email="a@x.io"), profile(email="broken")])
    second = start(api, [profile(email="b@x.io")])
    admin = httpx.Client(base_url=sandbox.base_url)
    listed = admin.get("/sandbox/jobs").json()["jobs"]
    assert [job["id"] for job in listed] == [first, second]
    cancelled = admin.post(f"/sandbox/jobs/{second}/cancel").json()["job"]
    assert cancelled["status"] == "cancelled"
    finished = admin.post("/sandbox/jobs/finish").json()["jobs"]
    assert [job["status"] for job in finished] == ["complete", "cancelled"]
    view = admin.get(f"/sandbox/jobs/{first}").json()["job"]
    assert view["errors"][0]["pointer"] == "/data/attributes/profiles/data/1"
    assert admin.get("/sandbox/jobs/NOSUCHJOB").status_code == 404


def test_job_settings_change_through_the_admin_config(sandbox: Sandbox) -> None:
    admin = httpx.Client(base_url=sandbox.base_url)
    changes = {
        "jobs": {"profiles_per_second": 5.0, "concurrency": 3},
        "operation_rate_limits": {"bulk_import_profiles": {"burst_limit": 4}},
    }
    config = admin.put("/sandbox/config", json=changes).json()["config"]
    assert config["jobs"]["profiles_per_second"] == 5.0 and config["jobs"]["concurrency"] == 3
    assert config["operation_rate_limits"]["bulk_import_profiles"]["burst_limit"] == 4
    assert sandbox.config.jobs.concurrency == 3
    bad = admin.put("/sandbox/config", json={"jobs": {"speed": 1}})
    assert bad.status_code == 400 and "speed" in bad.json()["error"]
    unknown = admin.put("/sandbox/config", json={"operation_rate_limits": {"nope": {}}})
    assert unknown.status_code == 400


def test_reset_forgets_jobs_and_restores_job_settings(sandbox: Sandbox, api: httpx.Client) -> None:
    sandbox.set_jobs(profiles_per_second=1.0)
    start(api, [profile(email="a@x.io")])
    sandbox.reset()
    assert sandbox.jobs() == []
    assert sandbox.config.jobs.profiles_per_second == BulkJobConfig().profiles_per_second


# --------------------------------------------------------------------------------------------
# Auth, revision, paths


def test_starting_a_job_needs_the_operations_scopes() -> None:
    config = SandboxConfig(
        api_keys={"pk_writer": ("profiles:write",), "pk_bulk": CREATE.scopes},
    )
    with Sandbox(config) as sandbox:
        body = job_body([profile(email="a@x.io")])
        headers = {**HEADERS, "Authorization": "Klaviyo-API-Key pk_writer"}
        refused = httpx.post(f"{sandbox.base_url}{JOBS_PATH}", json=body, headers=headers)
        assert refused.status_code == 403
        assert "lists:write" in refused.json()["errors"][0]["detail"]
        headers["Authorization"] = "Klaviyo-API-Key pk_bulk"
        accepted = httpx.post(f"{sandbox.base_url}{JOBS_PATH}", json=body, headers=headers)
        assert accepted.status_code == 202


def test_job_routes_need_auth_and_a_served_revision(sandbox: Sandbox, client_for: Any) -> None:
    body = job_body([profile(email="a@x.io")])
    no_key = client_for(sandbox, Authorization=None)
    assert no_key.post(JOBS_PATH, json=body).status_code == 401
    old = client_for(sandbox, revision="2000-01-01")
    assert old.post(JOBS_PATH, json=body).status_code == 400
    assert old.get(f"{JOBS_PATH}/x").status_code == 400
    plain = client_for(sandbox, **{"Content-Type": "application/json"})
    assert plain.post(JOBS_PATH, content=b"{}").status_code == 415
    assert sandbox.jobs() == []


def test_the_trailing_slash_spelling_is_served_too(quick: Sandbox, api: httpx.Client) -> None:
    response = api.post(JOBS_PATH + "/", json=job_body([profile(email="a@x.io")]))
    assert response.status_code == 202
    job_id = response.json()["data"]["id"]
    assert api.get(f"{JOBS_PATH}/{job_id}/").status_code == 200
    assert api.get(f"{JOBS_PATH}/{job_id}/import-errors/").status_code == 200


def test_sparse_fields_and_included_lists_on_a_job(quick: Sandbox, api: httpx.Client) -> None:
    response = api.post(JOBS_PATH, json=job_body([profile(email="a@x.io")], lists=("L1",)))
    job_id = response.json()["data"]["id"]
    params = {"fields[profile-bulk-import-job]": "status,total_count", "include": "lists"}
    document = api.get(f"{JOBS_PATH}/{job_id}", params=params).json()
    # created_at comes too: the spec requires it of every job.
    assert set(document["data"]["attributes"]) == {"status", "total_count", "created_at"}
    assert [item["id"] for item in document["included"]] == ["L1"]
    bad = api.get(f"{JOBS_PATH}/{job_id}", params={"fields[profile-bulk-import-job]": "nope"})
    assert bad.status_code == 400


# --------------------------------------------------------------------------------------------
# Command line


def test_command_line_flags_set_jobs_windows_and_faults() -> None:
    args = build_parser().parse_args(
        [
            "--job-queue-delay",
            "0.5",
            "--job-speed",
            "200",
            "--job-concurrency",
            "3",
            "--bulk-burst",
            "4",
            "--cancel-rate",
            "0.25",
            "--fault-operation",
            "bulk_import_profiles",
            "--fault-script",
            "cancel,503",
        ]
    )
    config = config_from_args(args)
    assert (config.jobs.queue_delay, config.jobs.profiles_per_second) == (0.5, 200.0)
    assert config.jobs.concurrency == 3
    for operation in BULK_OPERATIONS:
        limits = config.rate_limits_for(operation)
        assert limits.burst_limit == 4
        assert limits.steady_limit == facts.OPERATIONS[operation].steady_limit
    assert config.faults.cancel_rate == 0.25
    assert config.faults.operations == ("bulk_import_profiles",)
    assert config.faults.script == ("cancel", 503)


def test_command_line_defaults_are_the_spec_windows_and_the_stated_job_speed() -> None:
    config = config_from_args(build_parser().parse_args([]))
    assert config.jobs == BulkJobConfig()
    assert config.jobs.profiles_per_second == 1000.0
    for operation in BULK_OPERATIONS:
        assert config.rate_limits_for(operation) == RateLimitConfig.for_operation(operation)


def test_no_rate_limits_turns_the_bulk_windows_off_too() -> None:
    config = config_from_args(build_parser().parse_args(["--no-rate-limits"]))
    assert not config.rate_limits.enabled
    assert not any(config.rate_limits_for(op).enabled for op in BULK_OPERATIONS)
    bulk_only = config_from_args(build_parser().parse_args(["--no-bulk-rate-limits"]))
    assert bulk_only.rate_limits.enabled
    assert not any(bulk_only.rate_limits_for(op).enabled for op in BULK_OPERATIONS)


def test_a_key_given_without_scopes_can_use_every_operation() -> None:
    config = config_from_args(build_parser().parse_args(["--api-key", "pk_all"]))
    assert config.api_keys is not None
    scopes = config.api_keys["pk_all"]
    for operation in facts.OPERATIONS.values():
        assert set(operation.scopes) <= set(scopes)


def test_the_request_log_shows_a_job_body_as_sent(quick: Sandbox, api: httpx.Client) -> None:
    sent = job_body([profile(email="a@x.io", first_name="Ada")])
    start(api, sent["data"]["attributes"]["profiles"]["data"])
    refused = api.post(JOBS_PATH, json={"data": {"type": "nope"}})
    assert refused.status_code == 400
    accepted, refused_entry = quick.requests()[-2:]
    assert (accepted["operation"], accepted["status"]) == ("bulk_import_profiles", 202)
    assert accepted["body"] == sent
    assert "Authorization" not in accepted["headers"]
    assert refused_entry["body"] == {"data": {"type": "nope"}}
    logged = httpx.get(f"{quick.base_url}/sandbox/requests").json()["requests"]
    assert logged[-2]["body"] == sent


def test_a_dropped_poll_is_logged_once(quick: Sandbox, api: httpx.Client) -> None:
    job_id = start(api, [profile(email="a@x.io")])
    quick.set_faults(script=("drop",))
    with pytest.raises(httpx.TransportError):
        api.get(f"{JOBS_PATH}/{job_id}")
    polls = [e for e in quick.requests() if e["operation"] == "get_bulk_import_profiles_job"]
    assert [(e["fault"], e["status"]) for e in polls] == [("drop", None)]
