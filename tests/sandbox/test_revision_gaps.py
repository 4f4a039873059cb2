"""The sandbox serves revisions that lack a limit or spell the job paths their own way.

The generated facts are changed in place for each test, as a package generated from such a
revision states them (``tests/generation/test_revisions.py`` serves the real regenerated ones).
"""

from __future__ import annotations

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import BulkJobConfig, RateLimitConfig, Sandbox, SandboxConfig
from sandbox_helpers import HEADERS

JOB = "bulk_import_profiles"
GET_JOB = "get_bulk_import_profiles_job"
LIST_ERRORS = "get_errors_for_bulk_import_profiles_job"


def _job_body(*profiles: dict[str, object]) -> dict[str, object]:
    return {
        "data": {
            "type": "profile-bulk-import-job",
            "attributes": {"profiles": {"data": list(profiles)}},
        }
    }


def _config() -> SandboxConfig:
    off = RateLimitConfig(enabled=False)
    return SandboxConfig(
        rate_limits=off,
        operation_rate_limits={JOB: off, GET_JOB: off, LIST_ERRORS: off},
        jobs=BulkJobConfig(queue_delay=0.0),
    )


def test_a_revision_that_states_no_per_profile_limit_starts_and_checks_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unstated = facts.OPERATIONS[JOB]._replace(item_payload_limit_bytes=None)
    monkeypatch.setitem(facts.OPERATIONS, JOB, unstated)
    assert BulkJobConfig().item_payload_limit_bytes is None
    big = {"type": "profile", "attributes": {"email": "big@example.com", "title": "x" * 150_000}}
    with Sandbox() as sb:  # every default
        response = httpx.post(
            f"{sb.base_url}{unstated.path}", json=_job_body(big), headers=HEADERS, timeout=10
        )
    assert response.status_code == 202, response.text


def test_job_paths_with_a_trailing_slash_and_another_parameter_name_are_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spelled = {
        JOB: "/api/profile-bulk-import-jobs/",
        GET_JOB: "/api/profile-bulk-import-jobs/{id}/",
        LIST_ERRORS: "/api/profile-bulk-import-jobs/{jobId}/import-errors/",
    }
    for name, path in spelled.items():
        monkeypatch.setitem(facts.OPERATIONS, name, facts.OPERATIONS[name]._replace(path=path))
    profile = {"type": "profile", "attributes": {"email": "ada@example.com"}}
    with Sandbox(_config()) as sb, httpx.Client(base_url=sb.base_url, headers=HEADERS) as http:
        started = http.post("/api/profile-bulk-import-jobs/", json=_job_body(profile))
        assert started.status_code == 202, started.text
        job = started.json()["data"]
        assert job["links"]["self"] == f"{sb.base_url}/api/profile-bulk-import-jobs/{job['id']}/"
        read = http.get(f"/api/profile-bulk-import-jobs/{job['id']}/")
        errors = http.get(f"/api/profile-bulk-import-jobs/{job['id']}/import-errors/")
    assert read.status_code == 200 and read.json()["data"]["id"] == job["id"]
    assert errors.status_code == 200 and errors.json()["data"] == []
