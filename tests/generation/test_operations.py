"""The role table (``scripts/operations.py``): operations found and named by role, the schemas
the wrapper imports named the project's way, and limits a revision leaves out taken from the
nearest revision that states them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import operations
import pytest
import spec_tools
from regeneration import (
    OLD_OPERATION_IDS,
    RENAMED_SCHEMAS,
    add_trailing_slashes,
    published_revisions,
    rename_operation_ids,
    rename_schemas,
)

Loader = Callable[[Path], dict[str, Any]]


def _early(fragment: dict[str, Any]) -> dict[str, Any]:
    """The fragment as a mid-2024 revision would give it: old operationIds, trailing slashes,
    ``{id}`` for the job, other schema names."""
    early = copy.deepcopy(fragment)
    rename_operation_ids(early)
    add_trailing_slashes(early)
    rename_schemas(early)
    return early


def test_roles_are_found_whatever_klaviyo_calls_them_and_however_it_spells_the_path(
    fragment: dict[str, Any],
) -> None:
    early = _early(fragment)
    found = {role: (path, method) for role, path, method, _ in spec_tools.find_operations(early)}
    assert found == {
        "create_or_update_profile": ("/api/profile-import/", "post"),
        "bulk_import_profiles": ("/api/profile-bulk-import-jobs/", "post"),
        "get_bulk_import_profiles_job": ("/api/profile-bulk-import-jobs/{id}/", "get"),
        "get_errors_for_bulk_import_profiles_job": (
            "/api/profile-bulk-import-jobs/{id}/import-errors/",
            "get",
        ),
    }


def test_an_operation_id_alone_does_not_make_a_role(fragment: dict[str, Any]) -> None:
    """Klaviyo reusing a name for another path must not make it the job operation."""
    moved = copy.deepcopy(fragment)
    item = moved["paths"].pop("/api/profile-bulk-import-jobs")
    moved["paths"]["/api/profile-bulk-import-tasks"] = item
    roles = [role for role, *_ in spec_tools.find_operations(moved)]
    assert "bulk_import_profiles" not in roles


def test_both_spellings_published_pick_the_one_named_for_the_role(
    fragment: dict[str, Any],
) -> None:
    doubled = copy.deepcopy(fragment)
    other = copy.deepcopy(doubled["paths"]["/api/profile-import"])
    other["post"]["operationId"] = "create_or_update_profile_legacy"
    doubled["paths"]["/api/profile-import/"] = other
    path, _, operation = spec_tools.find_operation(doubled)
    assert (path, operation["operationId"]) == ("/api/profile-import", "create_or_update_profile")


def test_the_generation_copy_names_operations_parameters_and_schemas_by_role(
    fragment: dict[str, Any],
) -> None:
    early = _early(fragment)
    named = operations.name_by_role(early)
    for role, path, _, operation in spec_tools.find_operations(named):
        assert operation["operationId"] == role
        assert operation["tags"] == [operations.TAG]
        assert path.endswith("/")  # where requests go stays Klaviyo's spelling
    assert "/api/profile-bulk-import-jobs/{job_id}/import-errors/" in named["paths"]
    job = named["paths"]["/api/profile-bulk-import-jobs/{job_id}/"]["get"]
    assert [p["name"] for p in job["parameters"] if p.get("in") == "path"] == ["job_id"]
    schemas = named["components"]["schemas"]
    for stable in ("ProfileUpsertQuery", "ProfileUpsertQueryResourceObject", "PostProfileResponse"):
        assert stable in schemas
        assert RENAMED_SCHEMAS[stable] not in schemas
    assert "PostProfileResponseDataAttributes" in schemas  # inline in Klaviyo's: moved out
    # Klaviyo's own names stay in the fragment, as facts.
    assert (
        early["paths"]["/api/profile-bulk-import-jobs/"]["post"]["operationId"]
        == (OLD_OPERATION_IDS["bulk_import_profiles"])
    )


def test_the_generation_copy_of_todays_fragment_keeps_every_name(
    fragment: dict[str, Any],
) -> None:
    named = operations.name_by_role(fragment)
    assert list(named["paths"]) == [
        "/api/profile-import",
        "/api/profile-bulk-import-jobs",
        "/api/profile-bulk-import-jobs/{job_id}",
        "/api/profile-bulk-import-jobs/{job_id}/import-errors",  # {id} in Klaviyo's
    ]
    added = set(named["components"]["schemas"]) - set(fragment["components"]["schemas"])
    assert added == {"PostProfileResponseDataAttributes"}


def test_a_schema_already_called_by_a_stable_name_is_moved_aside(
    fragment: dict[str, Any],
) -> None:
    clash = copy.deepcopy(fragment)
    rename_schemas(clash)
    clash["components"]["schemas"]["ProfileUpsertQuery"] = {"type": "string"}
    named = operations.name_by_role(clash)
    schemas = named["components"]["schemas"]
    assert schemas["KlaviyoProfileUpsertQuery"] == {"type": "string"}
    assert "data" in schemas["ProfileUpsertQuery"]["properties"]


@pytest.mark.parametrize(
    "revision", published_revisions(Path(__file__).parents[1] / "klaviyo_spec")
)
def test_the_published_limits_are_what_each_revision_states(
    revision: str, klaviyo_specs: Path, load_spec: Loader
) -> None:
    document = spec_tools.extract_fragment(load_spec(klaviyo_specs / revision / "stable.json"))
    stated = {
        role: {key: operation[key] for key in operations.LIMIT_FACTS if key in operation}
        for role, _, _, operation in spec_tools.find_operations(document)
    }
    assert stated == operations.PUBLISHED[revision]


@pytest.mark.parametrize(
    ("role", "key", "revision", "expected"),
    [
        ("bulk_import_profiles", "x-item-payload-limit", "2024-10-15", ("100KB", "2025-04-15")),
        ("bulk_import_profiles", "x-item-payload-limit", "2024-02-15", ("100KB", "2025-04-15")),
        ("create_or_update_profile", "x-payload-limit", "2027-01-15", ("100KB", "2026-07-15")),
        (
            "create_or_update_profile",
            "x-klaviyo-ratelimit",
            "2026-01-15",
            ({"burst": "75/s", "steady": "750/m"}, "2026-07-15"),
        ),
        ("get_bulk_import_profiles_job", "x-payload-limit", "2026-07-15", None),
    ],
)
def test_a_limit_left_out_is_the_nearest_published_revisions(
    role: str, key: str, revision: str, expected: tuple[Any, str] | None
) -> None:
    assert operations.fallback(role, key, revision) == expected


def test_stated_limits_are_kept_and_only_the_missing_ones_marked() -> None:
    operation = {"x-klaviyo-ratelimit": {"burst": "1/s", "steady": "2/m"}, "x-item-limit": 5}
    values, fallbacks = operations.stated_or_fallback(
        "bulk_import_profiles", operation, "2024-10-15"
    )
    assert values == {
        "x-klaviyo-ratelimit": {"burst": "1/s", "steady": "2/m"},
        "x-item-limit": 5,
        "x-payload-limit": "5MB",
        "x-item-payload-limit": "100KB",
    }
    assert fallbacks == {
        "payload_limit_bytes": "2024-10-15",
        "item_payload_limit_bytes": "2025-04-15",
    }
