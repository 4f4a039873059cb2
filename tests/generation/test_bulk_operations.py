"""The bulk profile import job operations in the project's fragment: Klaviyo's facts, the
project's words, one profile resource object shared with Create or Update Profile, and each
operation's limits in the generated facts module."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import spec_tools
from klaviyo_profile_import import facts, models, payloads

PINNED_REVISION = "2026-07-15"
PROFILE_RESOURCE = "#/components/schemas/ProfileUpsertQueryResourceObject"
BULK = list(spec_tools.BULK_OPERATIONS)


@pytest.fixture
def klaviyo_stable(
    klaviyo_specs: Path, load_spec: Callable[[Path], dict[str, Any]]
) -> dict[str, Any]:
    """Klaviyo's full spec for the pinned revision (facts copy), which has the bulk jobs."""
    return load_spec(klaviyo_specs / PINNED_REVISION / "stable.json")


def _differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    return [
        f"{place}: fragment {json.dumps(ours.get(place))} Klaviyo {json.dumps(theirs.get(place))}"
        for place in sorted(set(ours) | set(theirs))
        if ours.get(place) != theirs.get(place)
    ]


@pytest.mark.parametrize("operation_id", BULK)
def test_bulk_operation_facts_equal_klaviyos_place_by_place(
    operation_id: str, fragment: dict[str, Any], klaviyo_stable: dict[str, Any]
) -> None:
    ours = spec_tools.operation_facts(fragment, operation_id)
    theirs = spec_tools.operation_facts(klaviyo_stable, operation_id)
    differences = _differences(ours, theirs)
    assert not differences, "fragment and Klaviyo's spec disagree:\n" + "\n".join(differences)
    assert len(ours) > 20  # the comparison covered the operation, not an empty shell


def test_the_fragment_holds_the_four_operations_at_klaviyos_paths(
    fragment: dict[str, Any],
) -> None:
    found = {
        operation_id: (method, path)
        for operation_id, path, method, _ in spec_tools.find_operations(fragment)
    }
    assert found == {
        "create_or_update_profile": ("post", "/api/profile-import"),
        "bulk_import_profiles": ("post", "/api/profile-bulk-import-jobs"),
        "get_bulk_import_profiles_job": ("get", "/api/profile-bulk-import-jobs/{job_id}"),
        "get_errors_for_bulk_import_profiles_job": (
            "get",
            "/api/profile-bulk-import-jobs/{id}/import-errors",
        ),
    }


def test_bulk_facts_cover_status_counts_errors_and_pagination(fragment: dict[str, Any]) -> None:
    """Guards the comparison above against both sides losing the parts a bulk client needs."""
    job = spec_tools.operation_facts(fragment, "get_bulk_import_profiles_job")
    assert job["response 200/data/attributes/status"]["enum"] == [
        "cancelled",
        "complete",
        "processing",
        "queued",
    ]
    for count in ("total_count", "completed_count", "failed_count"):
        assert job[f"response 200/data/attributes/{count}"]["type"] == "integer"
    errors = spec_tools.operation_facts(fragment, "get_errors_for_bulk_import_profiles_job")
    assert "response 200/data[]/attributes/source/pointer" in errors
    assert errors["parameter query page[size]"]["maximum"] == 100
    assert "parameter query page[cursor]" in errors
    assert "response 200/links/next" in errors
    create = spec_tools.operation_facts(fragment, "bulk_import_profiles")
    assert create["operation x-klaviyo-ratelimit"] == {"burst": "10/s", "steady": "150/m"}
    assert create["response 202"]["media types"] == ["application/vnd.api+json"]


def test_bulk_limits_equal_the_ones_klaviyo_states_in_prose(
    fragment: dict[str, Any], klaviyo_stable: dict[str, Any]
) -> None:
    _, _, ours = spec_tools.find_operation(fragment, "bulk_import_profiles")
    _, _, theirs = spec_tools.find_operation(klaviyo_stable, "bulk_import_profiles")
    for key in spec_tools.OWN_EXTENSIONS:
        assert ours[key] == theirs[key], key
    assert ours[spec_tools.ITEM_LIMIT_KEY] == 10_000
    assert ours[spec_tools.PAYLOAD_LIMIT_KEY] == "5MB"
    assert ours[spec_tools.ITEM_PAYLOAD_LIMIT_KEY] == "100KB"


def test_limits_are_read_from_prose_only_where_stated() -> None:
    stated = {
        "description": "Accepts up to 10,000 profiles per request. The maximum allowed "
        "payload size is 5MB. The maximum allowed payload size per-profile is 100KB."
    }
    assert spec_tools.limits_from_prose(stated) == {
        spec_tools.PAYLOAD_LIMIT_KEY: "5MB",
        spec_tools.ITEM_LIMIT_KEY: 10_000,
        spec_tools.ITEM_PAYLOAD_LIMIT_KEY: "100KB",
    }
    assert spec_tools.limits_from_prose({"description": "Reads a job."}) == {}


def test_the_fragment_carries_no_klaviyo_prose_of_the_bulk_operations(
    fragment_path: Path, fragment: dict[str, Any], klaviyo_stable: dict[str, Any]
) -> None:
    """Checked against the full spec's digests, which include the bulk operations' prose."""
    theirs = set(klaviyo_stable[spec_tools.PROSE_DIGESTS_KEY])
    texts = [*fragment_path.read_text(encoding="utf-8").splitlines()]
    texts += spec_tools.prose_texts(fragment)
    copied = sorted(
        piece
        for text in texts
        for piece in spec_tools.prose_pieces(text)
        if spec_tools.prose_digest(piece) in theirs
    )
    assert len(theirs) > 150
    assert not copied, "Klaviyo's prose found in the fragment:\n" + "\n".join(copied)


@pytest.mark.parametrize("operation_id", BULK)
def test_every_bulk_operation_and_parameter_is_described_in_the_projects_words(
    operation_id: str, fragment: dict[str, Any]
) -> None:
    _, _, operation = spec_tools.find_operation(fragment, operation_id)
    assert operation["summary"] and operation["description"]
    for parameter in operation["parameters"]:
        assert parameter.get("description"), parameter["name"]


# --------------------------------------------------------------------------------------------
# One profile resource object for both paths


def test_bulk_profiles_are_the_profile_import_resource_object(fragment: dict[str, Any]) -> None:
    schemas = fragment["components"]["schemas"]
    single = schemas["ProfileUpsertQuery"]["properties"]["data"]["$ref"]
    job = schemas["ProfileImportJobCreateQueryResourceObject"]
    profiles = job["properties"]["attributes"]["properties"]["profiles"]
    assert single == profiles["properties"]["data"]["items"]["$ref"] == PROFILE_RESOURCE


def test_normalisation_keeps_one_profile_resource_component(fragment: dict[str, Any]) -> None:
    normalised = spec_tools.normalise_for_generation(fragment)
    names = sorted(normalised["components"]["schemas"])
    assert [name for name in names if name.startswith("ProfileUpsertQueryResourceObject")] == [
        "ProfileUpsertQueryResourceObject"
    ]
    text = json.dumps(normalised)
    # Both request bodies reach it by reference, not by an inlined or renamed copy.
    assert text.count(f'"$ref": "{PROFILE_RESOURCE}"') == 2


def test_the_generated_bulk_job_carries_the_same_profile_model_and_typeddict() -> None:
    profile = {
        "type": "profile",
        "attributes": {"email": "ada@example.com", "title": None, "location": {"city": None}},
    }
    body = {
        "data": {
            "type": "profile-bulk-import-job",
            "attributes": {"profiles": {"data": [profile]}},
        }
    }
    job = models.ProfileImportJobCreateQuery.from_dict(body)
    single = models.ProfileUpsertQuery.from_dict({"data": profile})

    (item,) = job.data.attributes.profiles.data
    assert type(item) is type(single.data) is models.ProfileUpsertQueryResourceObject
    assert item.to_dict() == single.data.to_dict() == profile  # null kept, nothing added
    assert job.to_dict() == body
    annotation = payloads.ProfileImportJobCreateQueryResourceObjectAttributesProfiles
    assert annotation.__annotations__["data"] == list[payloads.ProfileUpsertQueryResourceObject]


# --------------------------------------------------------------------------------------------
# Facts per operation


def test_existing_fact_names_still_describe_create_or_update_profile() -> None:
    single = facts.OPERATIONS[facts.OPERATION_ID]
    assert facts.OPERATION_ID == "create_or_update_profile"
    assert (single.method, single.path) == (facts.METHOD, facts.PATH)
    assert (single.burst_limit, single.burst_period_seconds) == (
        facts.BURST_LIMIT,
        facts.BURST_PERIOD_SECONDS,
    )
    assert (single.steady_limit, single.steady_period_seconds) == (
        facts.STEADY_LIMIT,
        facts.STEADY_PERIOD_SECONDS,
    )
    assert single.scopes == facts.SCOPES
    assert single.payload_limit_bytes == facts.PAYLOAD_LIMIT_BYTES == 100 * 1024
    assert single.item_limit is None


@pytest.mark.parametrize("operation_id", [spec_tools.OPERATION_ID, *BULK])
def test_facts_module_states_each_operations_rate_limits_and_scopes(
    operation_id: str, fragment: dict[str, Any]
) -> None:
    path, method, operation = spec_tools.find_operation(fragment, operation_id)
    stated = facts.OPERATIONS[operation_id]
    burst, steady = (
        operation["x-klaviyo-ratelimit"]["burst"],
        operation["x-klaviyo-ratelimit"]["steady"],
    )
    assert (stated.method, stated.path) == (method.upper(), path)
    assert f"{stated.burst_limit}/{'s' if stated.burst_period_seconds == 1 else '?'}" == burst
    assert f"{stated.steady_limit}/{'m' if stated.steady_period_seconds == 60 else '?'}" == steady
    assert list(stated.scopes) == operation["x-klaviyo-scopes"]


def test_facts_module_states_the_bulk_job_limits() -> None:
    job = facts.OPERATIONS["bulk_import_profiles"]
    assert (job.burst_limit, job.burst_period_seconds) == (10, 1)
    assert (job.steady_limit, job.steady_period_seconds) == (150, 60)
    assert job.item_limit == 10_000
    assert job.payload_limit_bytes == 5 * 1024 * 1024
    assert job.item_payload_limit_bytes == 100 * 1024
    assert facts.OPERATIONS["get_bulk_import_profiles_job"].payload_limit_bytes is None


# --------------------------------------------------------------------------------------------
# Moving between sources


def test_changelog_names_bulk_operations_a_source_adds_or_lacks(
    klaviyo_specs: Path, fragment: dict[str, Any]
) -> None:
    alone = spec_tools.extract_fragment(
        spec_tools.load_document(
            klaviyo_specs / PINNED_REVISION / "apis" / "create_or_update_profile.json"
        )
    )
    added = spec_tools.changelog(alone, fragment)
    removed = spec_tools.changelog(fragment, alone)
    assert "added    operation bulk_import_profiles  POST /api/profile-bulk-import-jobs" in added
    assert "removed  operation get_errors_for_bulk_import_profiles_job" in removed
    assert not [line for line in added if not line.startswith("added    operation ")]


def test_a_changed_bulk_fact_is_reported_under_its_operation(fragment: dict[str, Any]) -> None:
    changed = json.loads(json.dumps(fragment))
    _, _, operation = spec_tools.find_operation(changed, "bulk_import_profiles")
    operation[spec_tools.ITEM_LIMIT_KEY] = 5_000
    assert spec_tools.changelog(fragment, changed) == [
        "bulk_import_profiles: changed  operation x-item-limit: 10000 -> 5000"
    ]
