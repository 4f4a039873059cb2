"""Revisions shaped in ways Klaviyo may publish but has not yet: facts read through references,
an OpenAPI 3.1 document, two request media types, rate limits stated in part or spelled
otherwise, new required parameters, schemas renamed or a trip through a file without jobs.

Each is read the way ``update_revision.py`` reads a source (``build_fragment``) and checked
where the facts land: the fragment, the changelog, or what ``facts.py`` is rendered from."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import generate
import operations
import pytest
import spec_tools
import update_revision
from regeneration import MUTATED_REVISION, reference_components, rename_schemas

STABLE = Path("2026-07-15") / "stable.json"
ENDPOINT_FILE = Path("2026-07-15") / "apis" / "create_or_update_profile.json"
Loader = Callable[[Path], dict[str, Any]]
#: What ``facts.py`` states that is read through a parameter, a request body or a response.
READ_THROUGH = (
    "revision",
    "media_type",
    "request_attributes",
    "location_fields",
    "meta_fields",
    "additional_fields",
    "sparse_fields",
    "comma_joined",
    "response_attributes",
    "arguments",
)


@pytest.fixture
def stable(klaviyo_specs: Path, load_spec: Loader) -> dict[str, Any]:
    """Klaviyo's full spec of the pinned revision (facts only), a private copy."""
    return load_spec(klaviyo_specs / STABLE)


def _fragment(
    document: dict[str, Any], tmp_path: Path, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    source = tmp_path / "source.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    return update_revision.build_fragment(source, revision=MUTATED_REVISION, current=current)


def _facts(fragment: dict[str, Any]) -> dict[str, Any]:
    facts = generate.endpoint_facts(fragment)
    return {key: facts[key] for key in READ_THROUGH}


# --------------------------------------------------------------------------------------------
# References to components


def test_facts_read_through_references_equal_those_written_inline(
    stable: dict[str, Any], tmp_path: Path
) -> None:
    inline = _facts(_fragment(copy.deepcopy(stable), tmp_path))
    reference_components(stable)
    referenced = _fragment(stable, tmp_path)

    assert _facts(referenced) == inline
    assert inline["additional_fields"] and inline["response_attributes"]
    # The request body's component travels with the fragment.
    assert "ProfileImport" in referenced["components"]["requestBodies"]


def test_a_revision_header_given_as_a_component_defaults_to_the_new_revision(
    stable: dict[str, Any], tmp_path: Path
) -> None:
    reference_components(stable)
    fragment = _fragment(stable, tmp_path)
    header = fragment["components"]["parameters"]["Revision"]
    assert header["schema"]["default"] == MUTATED_REVISION


def test_the_changelog_reads_parameters_and_bodies_through_references(
    stable: dict[str, Any], fragment: dict[str, Any], tmp_path: Path
) -> None:
    reference_components(stable)
    lines = spec_tools.changelog(fragment, _fragment(stable, tmp_path))
    # Moving a fact into a component changes no fact.
    assert [line for line in lines if "revision" not in line] == []


# --------------------------------------------------------------------------------------------
# Other shapes of a document


def test_an_openapi_3_1_document_gives_the_facts_of_its_3_0_twin(
    stable: dict[str, Any], tmp_path: Path
) -> None:
    twin = _fragment(copy.deepcopy(stable), tmp_path)
    converted = _fragment(spec_tools.to_openapi31(stable), tmp_path)
    assert converted["openapi"].startswith("3.0")
    for role in spec_tools.OPERATIONS:
        assert spec_tools.operation_facts(converted, role) == spec_tools.operation_facts(twin, role)
    assert _facts(converted) == _facts(twin)


def test_two_request_media_types_send_json_api_and_generate_one_body(
    stable: dict[str, Any], tmp_path: Path
) -> None:
    _, _, operation = spec_tools.find_operation(stable)
    content = operation["requestBody"]["content"]
    content["application/json"] = copy.deepcopy(content["application/vnd.api+json"])
    fragment = _fragment(stable, tmp_path)

    assert generate.endpoint_facts(fragment)["media_type"] == "application/vnd.api+json"
    _, _, normalised = spec_tools.find_operation(spec_tools.normalise_for_generation(fragment))
    assert list(normalised["requestBody"]["content"]) == ["application/vnd.api+json"]
    # The fragment keeps both: a fact, and the changelog names it.
    _, _, kept = spec_tools.find_operation(fragment)
    assert len(kept["requestBody"]["content"]) == 2


# --------------------------------------------------------------------------------------------
# Rate limits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("750/m", (750, 60)),
        ("750/min", (750, 60)),
        ("75 / second", (75, 1)),
        ("10/s", (10, 1)),
        ("3/10s", (3, 10)),
        ("1000/hour", (1000, 3600)),
        ("5/d", (5, 86400)),
    ],
)
def test_rate_limits_are_read_in_the_spellings_klaviyo_might_use(
    text: str, expected: tuple[int, int]
) -> None:
    assert operations.parse_rate(text) == expected
    assert generate.parse_rate(text) == expected


@pytest.mark.parametrize("text", ["lots", "750", "0/m", "750/fortnight", None, 750])
def test_an_unreadable_rate_limit_is_not_a_figure(text: Any) -> None:
    assert operations.parse_rate(text) is None


@pytest.mark.parametrize(
    "stated", [{"steady": "750/m"}, {"burst": "75/s", "steady": "a lot"}, {"burst": "75/s"}]
)
def test_a_rate_limit_stated_in_part_takes_the_rest_from_the_nearest_revision(
    stated: dict[str, str], stable: dict[str, Any], fragment: dict[str, Any], tmp_path: Path
) -> None:
    _, _, operation = spec_tools.find_operation(stable)
    operation[operations.RATE_LIMIT_KEY] = stated
    new = _fragment(stable, tmp_path)

    limits = generate.operation_limits(new)[0]
    # What it states stays; the nearest published revision (2026-07-15: 75/s, 750/m) fills in.
    assert (limits["burst_limit"], limits["burst_period"]) == (75, 1)
    assert (limits["steady_limit"], limits["steady_period"]) == (750, 60)
    assert limits["fallbacks"] == {"rate_limits": "2026-07-15"}
    missing = sorted({"burst", "steady"} - set(operations.stated_rate_windows(operation)))
    lines = spec_tools.changelog(fragment, new)
    (line,) = [line for line in lines if line.startswith("no longer stated:")]
    assert line.startswith("no longer stated: create_or_update_profile rate_limits")
    for window in missing:
        assert f"'{window}'" in line
    assert update_revision.fallback_lines(new) == [
        "create_or_update_profile rate_limits: {'burst': '75/s', 'steady': '750/m'} "
        "(revision 2026-07-15's figure)"
    ]


# --------------------------------------------------------------------------------------------
# Required parameters


def _require(document: dict[str, Any], role: str) -> None:
    _, _, operation = spec_tools.find_operation(document, role)
    operation["parameters"].insert(
        0, {"name": "company_id", "in": "query", "required": True, "schema": {"type": "string"}}
    )


def test_the_changelog_says_which_parameters_are_required(
    stable: dict[str, Any], fragment: dict[str, Any], tmp_path: Path
) -> None:
    _require(stable, spec_tools.OPERATION_ID)
    _, _, operation = spec_tools.find_operation(stable)
    for parameter in operation["parameters"]:
        if parameter.get("name") == "fields[profile]":
            parameter["required"] = True
    lines = spec_tools.changelog(fragment, _fragment(stable, tmp_path))

    assert 'added    parameter query company_id  {"required": true, "type": "string"}' in lines
    assert "changed  parameter query fields[profile]: required false -> true" in lines
    assert (
        "cannot send: create_or_update_profile requires query parameter company_id, query "
        "parameter fields[profile], which the client does not send; it cannot be served"
    ) in lines


def test_a_required_parameter_the_client_does_not_send_is_refused_for_the_call(
    stable: dict[str, Any], tmp_path: Path
) -> None:
    _require(stable, spec_tools.OPERATION_ID)
    with pytest.raises(spec_tools.SpecError, match="requires query parameter company_id"):
        generate.endpoint_facts(_fragment(stable, tmp_path))


def test_a_job_operation_the_client_cannot_call_is_left_out_of_the_facts(
    stable: dict[str, Any], tmp_path: Path
) -> None:
    _require(stable, "get_bulk_import_profiles_job")
    fragment = _fragment(stable, tmp_path)
    facts = generate.endpoint_facts(fragment)
    package = tmp_path / "package"
    for entry in facts["operations"]:  # as if every module had been generated
        (package / "api" / "profiles" / f"{entry['operation_id']}.py").parent.mkdir(
            parents=True, exist_ok=True
        )
        (package / "api" / "profiles" / f"{entry['operation_id']}.py").touch()

    notes = generate._served(facts, package, [])

    assert [entry["operation_id"] for entry in facts["operations"]] == [
        "create_or_update_profile",
        "bulk_import_profiles",
        "get_errors_for_bulk_import_profiles_job",
    ]
    assert notes == [
        "get_bulk_import_profiles_job (GET /api/profile-bulk-import-jobs/{job_id}) is left "
        "out: it requires query parameter company_id, which the client does not send"
    ]


# --------------------------------------------------------------------------------------------
# The project's descriptions


def test_renamed_schemas_keep_every_description_of_the_project(
    stable: dict[str, Any], fragment: dict[str, Any], tmp_path: Path
) -> None:
    same = _fragment(copy.deepcopy(stable), tmp_path, fragment)
    rename_schemas(stable)
    renamed = _fragment(stable, tmp_path, fragment)

    def texts(document: dict[str, Any]) -> list[str]:
        return sorted(spec_tools.prose_texts(document))

    assert texts(renamed) == texts(same)
    assert len(texts(same)) > 250


def test_a_trip_through_a_file_without_jobs_loses_no_description(
    klaviyo_specs: Path, fragment: dict[str, Any], fragment_path: Path
) -> None:
    endpoint = update_revision.build_fragment(
        klaviyo_specs / ENDPOINT_FILE, revision=None, current=fragment
    )
    assert spec_tools.KEPT_PROSE_KEY in endpoint
    back = update_revision.build_fragment(klaviyo_specs / STABLE, revision=None, current=endpoint)
    assert update_revision.render(back) == fragment_path.read_text(encoding="utf-8")
