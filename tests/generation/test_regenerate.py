"""Regenerating from each revision Klaviyo published gives a working client for that revision.

Each tree is generated once per session into a temporary folder and imported in a child
process with PYTHONPATH pointing at it, so that it cannot clash with the installed
``klaviyo_profile_import`` (the one generated from spec/).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import generate
import pytest
import spec_tools
from regeneration import PACKAGE, child_environment, regenerate

pytestmark = pytest.mark.generation
# (revision, file under tests/klaviyo_spec/<revision>/)
SOURCES = [
    ("2024-10-15", "stable.json"),
    ("2025-04-15", "stable.json"),
    ("2026-07-15", "stable.json"),
    ("2026-07-15", "categories/profiles.json"),
    ("2026-07-15", "apis/create_or_update_profile.json"),
]
SOURCE_IDS = [f"{revision}/{name}" for revision, name in SOURCES]


def _seed_body(*, anonymous_id: bool, patch_identifiers: bool) -> dict[str, Any]:
    """The body the seed script sends (every attribute it knows), with the project's own values."""
    attributes: dict[str, Any] = {
        "email": "ada@example.com",
        "phone_number": "+447700900123",
        "external_id": "crm-42",
        "_kx": "kx-token",
        "first_name": "Ada",
        "last_name": None,
        "organization": "Analytical Engines Ltd",
        "locale": "en-GB",
        "title": "Programmer",
        "image": "https://example.com/ada.png",
        "location": {
            "address1": "12 St James's Square",
            "address2": None,
            "city": "London",
            "country": "United Kingdom",
            "latitude": "51.5074",
            "longitude": -0.1345,
            "region": "Greater London",
            "zip": "SW1Y 4JH",
            "timezone": "Europe/London",
            "ip": "192.0.2.7",
        },
        "properties": {"plan": "pro", "coupon": None},
    }
    if anonymous_id:
        attributes["anonymous_id"] = "anon-7"
    meta: dict[str, Any] = {
        "patch_properties": {"append": {"tags": "vip"}, "unappend": {"tags": "trial"}, "unset": "x"}
    }
    if patch_identifiers:
        meta["patch_identifiers"] = {"append": {"external_id": "crm-43"}}
    return {"data": {"type": "profile", "attributes": attributes, "meta": meta}}


# Runs inside the child process: builds the body with the generated models, sends it through
# the generated endpoint module (MockTransport only captures what httpx would send) and reports
# what went on the wire plus what the package states about itself.
CHILD = r"""
import json, sys
import httpx, jsonschema
from klaviyo_profile_import import Client, facts, payloads
from klaviyo_profile_import.api.profiles import create_or_update_profile as endpoint
from klaviyo_profile_import.models import (
    CreateOrUpdateProfileAdditionalFieldsprofileItem as Extra, PostProfileResponse,
    ProfileUpsertQuery,
)

body = json.loads(sys.stdin.read())
sent = []

def handler(request):
    sent.append(request)
    reply = {"data": {"type": "profile", "id": "01J", "attributes": {"location": None}},
             "surprise": 1}
    return httpx.Response(201, json=reply)

client = Client(base_url="https://a.klaviyo.com").set_httpx_client(
    httpx.Client(base_url="https://a.klaviyo.com", transport=httpx.MockTransport(handler)))
model = ProfileUpsertQuery.from_dict(body)
response = endpoint.sync_detailed(client=client, body=model,
    additional_fieldsprofile=[Extra("subscriptions"), Extra("predictive_analytics")])
request = sent[0]
wire = json.loads(request.content)
meta = model.data.meta
errors = sorted(e.message for e in jsonschema.Draft202012Validator(
    facts.request_body_schema()).iter_errors(wire))
print(json.dumps({
    "module": facts.__file__,
    "wire": wire,
    "path": request.url.path,
    "query": request.url.params.get_list("additional-fields[profile]"),
    "revision_header": request.headers["revision"],
    "content_type": request.headers["content-type"],
    "parsed": type(response.parsed).__name__,
    "undeclared_attributes": sorted(model.data.attributes.additional_properties),
    "undeclared_meta": sorted(meta.additional_properties) if meta else None,
    "patch_identifiers_model": type(getattr(meta, "patch_identifiers", None)).__name__,
    "schema_errors": errors,
    "facts": {name: getattr(facts, name) for name in (
        "REVISION", "PATH", "METHOD", "MEDIA_TYPE", "BURST_LIMIT", "BURST_PERIOD_SECONDS",
        "STEADY_LIMIT", "STEADY_PERIOD_SECONDS", "REQUEST_ATTRIBUTES", "META_FIELDS",
        "PATCH_IDENTIFIERS_OPERATIONS", "SPARSE_FIELDS", "PAYLOAD_LIMIT_BYTES")},
    "typeddict_optional": sorted(
        payloads.ProfileUpsertQueryResourceObjectAttributes.__optional_keys__),
}))
"""


@pytest.fixture(scope="session")
def regenerated(
    tmp_path_factory: pytest.TempPathFactory, klaviyo_specs: Path, fragment_path: Path
) -> dict[str, Path]:
    """For each source file: a folder holding the spec and the package generated from it."""
    current = spec_tools.load_document(fragment_path)
    trees: dict[str, Path] = {}
    for (revision, name), source_id in zip(SOURCES, SOURCE_IDS, strict=True):
        folder = tmp_path_factory.mktemp(source_id.replace("/", "_").replace(".", "_"))
        trees[source_id] = regenerate(klaviyo_specs / revision / name, folder, current=current)
    return trees


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="session")
def client_report(regenerated: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """What each regenerated client sent for the seed's body (see CHILD)."""
    reports = {}
    for source_id, folder in regenerated.items():
        revision = source_id.split("/", 1)[0]
        body = _seed_body(
            anonymous_id=revision < "2025-10-15", patch_identifiers=revision >= "2026-04-15"
        )
        result = subprocess.run(
            [sys.executable, "-c", CHILD],
            input=json.dumps(body),
            capture_output=True,
            text=True,
            cwd=folder,
            env=child_environment(folder),
            check=False,
        )
        assert result.returncode == 0, f"{source_id}: client failed:\n{result.stderr}"
        report = json.loads(result.stdout)
        report["body"] = body
        reports[source_id] = report
    return reports


def test_the_full_and_category_shapes_of_2026_07_15_give_byte_identical_trees(
    regenerated: dict[str, Path],
) -> None:
    shapes = [_files(regenerated[source_id]) for source_id in SOURCE_IDS[2:4]]
    assert shapes[0], "nothing was generated"
    for other in shapes[1:]:
        assert other.keys() == shapes[0].keys()
        differing = [name for name in shapes[0] if other[name] != shapes[0][name]]
        assert not differing


def test_the_per_endpoint_file_gives_the_same_profile_import_call_without_the_bulk_jobs(
    regenerated: dict[str, Path],
) -> None:
    """Klaviyo's per-endpoint file holds Create or Update Profile alone: its fragment is the
    full spec's without the bulk job operations, and its endpoint module the same bytes."""
    full = spec_tools.load_document(regenerated["2026-07-15/stable.json"] / "profile-import.yaml")
    alone = spec_tools.load_document(
        regenerated["2026-07-15/apis/create_or_update_profile.json"] / "profile-import.yaml"
    )
    assert [operation_id for operation_id, *_ in spec_tools.find_operations(alone)] == [
        spec_tools.OPERATION_ID
    ]
    assert spec_tools.operation_facts(alone) == spec_tools.operation_facts(full)
    module = Path(PACKAGE, "api", "profiles", "create_or_update_profile.py")
    assert (regenerated["2026-07-15/stable.json"] / module).read_bytes() == (
        regenerated["2026-07-15/apis/create_or_update_profile.json"] / module
    ).read_bytes()


def test_regenerating_2026_07_15_reproduces_spec_and_generated_exactly(
    regenerated: dict[str, Path], repo_root: Path, fragment_path: Path
) -> None:
    """The committed fragment and package are what the pipeline makes of Klaviyo's file."""
    folder = regenerated["2026-07-15/stable.json"]
    assert (folder / "profile-import.yaml").read_bytes() == fragment_path.read_bytes()
    assert generate.compare(folder / PACKAGE, repo_root / "generated" / PACKAGE) == []


@pytest.mark.parametrize("source_id", SOURCE_IDS)
def test_regenerated_client_imports_and_sends_the_seed_body(
    source_id: str, client_report: dict[str, dict[str, Any]], regenerated: dict[str, Path]
) -> None:
    report = client_report[source_id]
    revision = source_id.split("/", 1)[0]
    # The child imported the temporary tree, not the installed package.
    assert Path(report["module"]).resolve().is_relative_to(regenerated[source_id].resolve())
    assert report["facts"]["REVISION"] == revision
    assert report["revision_header"] == revision
    assert report["content_type"] == report["facts"]["MEDIA_TYPE"] == "application/vnd.api+json"
    assert report["path"] == report["facts"]["PATH"] == "/api/profile-import"
    assert report["query"] == ["subscriptions,predictive_analytics"]
    assert report["parsed"] == "PostProfileResponse"
    # Every key of the seed's body travels exactly as given, null included, and each one is
    # a field the revision declares (none fell through to additional_properties).
    assert report["wire"] == report["body"]
    assert report["undeclared_attributes"] == []
    assert report["undeclared_meta"] == []
    assert report["schema_errors"] == []
    assert "_kx" in report["facts"]["REQUEST_ATTRIBUTES"]
    assert set(report["typeddict_optional"]) == set(report["facts"]["REQUEST_ATTRIBUTES"])


@pytest.mark.parametrize("source_id", ["2024-10-15/stable.json", "2025-04-15/stable.json"])
def test_anonymous_id_is_accepted_before_2025_10_15(
    source_id: str, client_report: dict[str, dict[str, Any]]
) -> None:
    report = client_report[source_id]
    assert "anonymous_id" in report["facts"]["REQUEST_ATTRIBUTES"]
    assert report["wire"]["data"]["attributes"]["anonymous_id"] == "anon-7"
    assert report["facts"]["PATCH_IDENTIFIERS_OPERATIONS"] == []
    assert "patch_identifiers" not in report["facts"]["META_FIELDS"]


def test_2025_04_15_facts_say_steady_700_per_minute(
    client_report: dict[str, dict[str, Any]],
) -> None:
    facts = client_report["2025-04-15/stable.json"]["facts"]
    assert (facts["STEADY_LIMIT"], facts["STEADY_PERIOD_SECONDS"]) == (700, 60)
    assert (facts["BURST_LIMIT"], facts["BURST_PERIOD_SECONDS"]) == (75, 1)
    assert facts["SPARSE_FIELDS"] == []  # fields[profile] arrived in 2026-04-15
    assert facts["PAYLOAD_LIMIT_BYTES"] == 100 * 1024


@pytest.mark.parametrize("source_id", SOURCE_IDS[2:])
def test_patch_identifiers_are_sent_from_2026_07_15(
    source_id: str, client_report: dict[str, dict[str, Any]]
) -> None:
    report = client_report[source_id]
    assert report["patch_identifiers_model"] == "PatchIdentifiers"
    assert report["wire"]["data"]["meta"]["patch_identifiers"] == {
        "append": {"external_id": "crm-43"}
    }
    assert report["facts"]["PATCH_IDENTIFIERS_OPERATIONS"] == ["append", "unappend"]
    assert "anonymous_id" not in report["facts"]["REQUEST_ATTRIBUTES"]
    assert (report["facts"]["STEADY_LIMIT"], report["facts"]["STEADY_PERIOD_SECONDS"]) == (750, 60)


# Runs inside the child process: starts a bulk job with the generated models and endpoint
# modules (MockTransport only captures what httpx would send, and answers like Klaviyo's
# documents), reads the job and a page of its errors, and reports the wire and the facts.
BULK_CHILD = r"""
import json, sys
import httpx
from klaviyo_profile_import import Client, facts, models
from klaviyo_profile_import.api.profiles import (
    bulk_import_profiles, get_bulk_import_profiles_job, get_errors_for_bulk_import_profiles_job,
)

profile = {"type": "profile", "attributes": {"email": "ada@example.com", "title": None}}
body = {"data": {"type": "profile-bulk-import-job",
                 "attributes": {"profiles": {"data": [profile]}}}}
job = {"type": "profile-bulk-import-job", "id": "job-1",
       "attributes": {"status": "queued", "created_at": "2026-07-15T00:00:00+00:00",
                      "total_count": 1, "completed_count": None},
       "links": {"self": "https://a.klaviyo.com/api/profile-bulk-import-jobs/job-1"}}
sent = []

def handler(request):
    sent.append(request)
    if request.method == "POST":
        return httpx.Response(202, json={"data": job})
    if request.url.path.endswith("/import-errors"):
        error = {"type": "import-error", "id": "e1", "attributes": {
            "code": "invalid", "title": "Invalid", "detail": "bad email",
            "source": {"pointer": "/data/attributes/profiles/data/0"}}}
        return httpx.Response(200, json={"data": [error], "links": {"self": "x", "next": None}})
    return httpx.Response(200, json={"data": {**job, "attributes": {
        **job["attributes"], "status": "complete", "completed_count": 1, "failed_count": 0}}})

client = Client(base_url="https://a.klaviyo.com").set_httpx_client(
    httpx.Client(base_url="https://a.klaviyo.com", transport=httpx.MockTransport(handler)))
model = models.ProfileImportJobCreateQuery.from_dict(body)
started = bulk_import_profiles.sync_detailed(client=client, body=model)
polled = get_bulk_import_profiles_job.sync_detailed("job-1", client=client)
page = get_errors_for_bulk_import_profiles_job.sync_detailed(
    "job-1", client=client, pagecursor="c2", pagesize=100)
(item,) = model.data.attributes.profiles.data
print(json.dumps({
    "module": facts.__file__,
    "sent": [[r.method, r.url.path, dict(r.url.params), r.headers["revision"]] for r in sent],
    "wire": json.loads(sent[0].content),
    "body": body,
    "profile_type": type(item).__name__,
    "started": [started.status_code, started.parsed.data.id,
                str(started.parsed.data.attributes.status)],
    "polled": [polled.parsed.data.attributes.completed_count,
               str(polled.parsed.data.attributes.status)],
    "pointer": page.parsed.data[0].attributes.source.pointer,
    "operations": {name: op._asdict() for name, op in facts.OPERATIONS.items()},
}))
"""

STABLE_SOURCES = [source_id for source_id in SOURCE_IDS if source_id.endswith("stable.json")]


@pytest.fixture(scope="session")
def bulk_report(regenerated: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """What each regenerated client of a full spec did with a bulk job (see BULK_CHILD)."""
    reports = {}
    for source_id in STABLE_SOURCES:
        folder = regenerated[source_id]
        result = subprocess.run(
            [sys.executable, "-c", BULK_CHILD],
            capture_output=True,
            text=True,
            cwd=folder,
            env=child_environment(folder),
            check=False,
        )
        assert result.returncode == 0, f"{source_id}: bulk client failed:\n{result.stderr}"
        reports[source_id] = json.loads(result.stdout)
    return reports


@pytest.mark.parametrize("source_id", STABLE_SOURCES)
def test_every_revision_regenerates_the_bulk_job_operations(
    source_id: str, bulk_report: dict[str, dict[str, Any]], regenerated: dict[str, Path]
) -> None:
    report = bulk_report[source_id]
    revision = source_id.split("/", 1)[0]
    assert Path(report["module"]).resolve().is_relative_to(regenerated[source_id].resolve())
    assert report["sent"] == [
        ["POST", "/api/profile-bulk-import-jobs", {}, revision],
        ["GET", "/api/profile-bulk-import-jobs/job-1", {}, revision],
        [
            "GET",
            "/api/profile-bulk-import-jobs/job-1/import-errors",
            {"page[cursor]": "c2", "page[size]": "100"},
            revision,
        ],
    ]
    assert report["wire"] == report["body"]  # the profile's null travels as given
    assert report["profile_type"] == "ProfileUpsertQueryResourceObject"
    assert report["started"] == [202, "job-1", "queued"]
    assert report["polled"] == [1, "complete"]
    assert report["pointer"] == "/data/attributes/profiles/data/0"


@pytest.mark.parametrize("source_id", STABLE_SOURCES)
def test_every_revision_states_the_bulk_limits_it_publishes(
    source_id: str, bulk_report: dict[str, dict[str, Any]]
) -> None:
    operations = bulk_report[source_id]["operations"]
    assert list(operations) == [spec_tools.OPERATION_ID, *spec_tools.BULK_OPERATIONS]
    for operation_id in spec_tools.BULK_OPERATIONS:
        stated = operations[operation_id]
        assert (stated["burst_limit"], stated["burst_period_seconds"]) == (10, 1)
        assert (stated["steady_limit"], stated["steady_period_seconds"]) == (150, 60)
    job = operations["bulk_import_profiles"]
    assert (job["item_limit"], job["payload_limit_bytes"]) == (10_000, 5 * 1024 * 1024)
    # Klaviyo states a per-profile size only from 2025-04-15 on: 2024-10-15 takes that
    # revision's figure, and says so.
    assert job["item_payload_limit_bytes"] == 100 * 1024
    stated_per_profile = not source_id.startswith("2024-10-15")
    assert job["fallbacks"] == (
        {} if stated_per_profile else {"item_payload_limit_bytes": "2025-04-15"}
    )
    assert operations[spec_tools.OPERATION_ID]["fallbacks"] == (
        {} if stated_per_profile else {"payload_limit_bytes": "2025-04-15"}
    )
    assert operations["get_errors_for_bulk_import_profiles_job"]["scopes"] == ["profiles:read"]
