"""The project's spec fragment states Klaviyo's facts for 2026-07-15, in the project's own words."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import spec_tools
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

PINNED_REVISION = "2026-07-15"
# Shorter strings are names, enum values and fragments such as "City name" that any two
# descriptions of the same field may share without one copying the other.
MIN_PROSE_LENGTH = 25


@pytest.fixture
def klaviyo_endpoint(
    klaviyo_specs: Path, load_spec: Callable[[Path], dict[str, Any]]
) -> dict[str, Any]:
    """Klaviyo's per-endpoint file for the pinned revision."""
    return load_spec(klaviyo_specs / PINNED_REVISION / "apis" / "create_or_update_profile.json")


def _fact_differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    lines = []
    for place in sorted(set(ours) | set(theirs)):
        if place not in theirs:
            lines.append(f"only in the fragment:  {place} = {json.dumps(ours[place])}")
        elif place not in ours:
            lines.append(f"only in Klaviyo's file: {place} = {json.dumps(theirs[place])}")
        elif ours[place] != theirs[place]:
            lines.append(
                f"differs at {place}:\n    fragment: {json.dumps(ours[place], sort_keys=True)}"
                f"\n    Klaviyo:  {json.dumps(theirs[place], sort_keys=True)}"
            )
    return lines


def test_fragment_facts_equal_klaviyos_endpoint_file(
    fragment: dict[str, Any], klaviyo_endpoint: dict[str, Any]
) -> None:
    """Every schema property, parameter, response, extension and security fact is Klaviyo's."""
    ours = spec_tools.operation_facts(fragment)
    theirs = spec_tools.operation_facts(klaviyo_endpoint)
    # The payload limit is the project's own extension: Klaviyo states it only in prose.
    ours.pop(f"operation {spec_tools.PAYLOAD_LIMIT_KEY}")
    differences = _fact_differences(ours, theirs)
    assert not differences, "fragment and Klaviyo's file disagree:\n" + "\n".join(differences)
    assert ours == theirs


def test_fragment_covers_the_parts_issue_2_names(fragment: dict[str, Any]) -> None:
    """Guards the comparison above against both sides silently losing a whole part."""
    facts = spec_tools.operation_facts(fragment)
    for place in (
        "parameter header revision",
        "parameter query additional-fields[profile]",
        "parameter query fields[profile]",
        "request/data/attributes/location",
        "request/data/attributes/properties",
        "request/data/attributes/_kx",
        "request/data/meta/patch_properties",
        "request/data/meta/patch_identifiers",
        "response 200/data/attributes/subscriptions/whatsapp",
        "response 200/data/attributes/predictive_analytics",
        "response 201/data/relationships",
        "response 201/links",
        "response 201/meta",
        "response 4XX/errors",
        "response 5XX/errors",
        "security Klaviyo-API-Key",
    ):
        assert place in facts, place
    assert facts["request/data/attributes/location"]["nullable"] is True
    assert facts["request/data/meta"]["nullable"] is True
    assert facts["operation x-klaviyo-ratelimit"] == {"burst": "75/s", "steady": "750/m"}
    assert facts["operation x-klaviyo-scopes"] == ["profiles:write"]
    assert fragment["info"]["version"] == PINNED_REVISION


def test_payload_limit_equals_the_one_klaviyo_states_in_prose(
    fragment: dict[str, Any], klaviyo_endpoint: dict[str, Any]
) -> None:
    _, _, ours = spec_tools.find_operation(fragment)
    _, _, theirs = spec_tools.find_operation(klaviyo_endpoint)
    assert ours[spec_tools.PAYLOAD_LIMIT_KEY] == spec_tools.payload_limit_from_prose(theirs)
    assert ours[spec_tools.PAYLOAD_LIMIT_KEY] == "100KB"


def _prose(node: Any, key: str | None = None) -> Iterator[str]:
    """Every description, summary, title and example in a document, at any depth."""
    if isinstance(node, dict):
        for child_key, value in node.items():
            if child_key in ("description", "summary", "title") and isinstance(value, str):
                yield value
            elif child_key in ("example", "examples"):
                yield from (json.dumps(value), *_strings(value))
            else:
                yield from _prose(value, child_key)
    elif isinstance(node, list):
        for value in node:
            yield from _prose(value, key)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _squash(text: str) -> str:
    # YAML folds long lines; compare with runs of whitespace made single spaces.
    return re.sub(r"\s+", " ", text).strip().lower()


def test_fragment_carries_no_klaviyo_prose(
    fragment_path: Path, fragment: dict[str, Any], klaviyo_endpoint: dict[str, Any]
) -> None:
    """No description, summary, title or example of Klaviyo's file, nor a sentence of one."""
    ours = (
        _squash(fragment_path.read_text(encoding="utf-8"))
        + "\n"
        + "\n".join(_squash(text) for text in _strings(fragment))
    )
    copied = []
    checked = 0
    for text in set(_prose(klaviyo_endpoint)):
        whole = _squash(text)
        sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if s]
        for piece in {whole, *(_squash(s) for s in sentences)}:
            if len(piece) < MIN_PROSE_LENGTH:
                continue
            checked += 1
            if piece in ours:
                copied.append(piece)
    assert checked > 100, "Klaviyo's file should have plenty of prose to check against"
    assert not copied, "Klaviyo's prose found in the fragment:\n" + "\n".join(sorted(copied))


def test_every_description_in_the_fragment_is_the_projects_own(
    fragment: dict[str, Any], klaviyo_endpoint: dict[str, Any]
) -> None:
    """The reverse direction: no prose string of the fragment is a Klaviyo string."""
    theirs = {_squash(text) for text in _prose(klaviyo_endpoint)}
    shared = [
        text
        for text in _prose(fragment)
        if len(text) >= MIN_PROSE_LENGTH and _squash(text) in theirs
    ]
    assert not shared


def test_fragment_validates_as_openapi_30(fragment: dict[str, Any]) -> None:
    assert fragment["openapi"].startswith("3.0.")
    validate(fragment, cls=OpenAPIV30SpecValidator)
