"""The project's spec fragment states Klaviyo's facts for 2026-07-15, in the project's own words."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import spec_tools
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

PINNED_REVISION = "2026-07-15"
# Shorter strings are names, enum values and fragments such as "City name" that any two
# descriptions of the same field may share without one copying the other.
MIN_PROSE_LENGTH = spec_tools.MIN_PROSE_LENGTH


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
    ours.pop(f"operation {spec_tools.PAYLOAD_LIMIT_KEY}", None)
    theirs.pop(f"operation {spec_tools.PAYLOAD_LIMIT_KEY}", None)
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
    # The facts copy holds the limit read from Klaviyo's prose when the copy was made.
    assert ours[spec_tools.PAYLOAD_LIMIT_KEY] == theirs[spec_tools.PAYLOAD_LIMIT_KEY]
    assert ours[spec_tools.PAYLOAD_LIMIT_KEY] == "100KB"


def _digests_of(texts: Iterator[str]) -> dict[str, str]:
    """Digest -> piece, for every prose piece (whole text and sentences) of ``texts``."""
    return {
        spec_tools.prose_digest(piece): piece
        for text in texts
        for piece in spec_tools.prose_pieces(text)
    }


def test_fragment_carries_no_klaviyo_prose(
    fragment_path: Path, fragment: dict[str, Any], klaviyo_endpoint: dict[str, Any]
) -> None:
    """No description, summary, title or example of Klaviyo's file, nor a sentence of one.

    The facts copy keeps Klaviyo's prose only as digests of each text and sentence; every
    string and line of the fragment, and each of their sentences, is checked against them."""
    theirs = set(klaviyo_endpoint[spec_tools.PROSE_DIGESTS_KEY])
    lines = fragment_path.read_text(encoding="utf-8").splitlines()
    ours = _digests_of(iter([*lines, *spec_tools.prose_texts(fragment)]))
    copied = sorted(piece for digest, piece in ours.items() if digest in theirs)
    assert len(theirs) > 100, "Klaviyo's file should have plenty of prose to check against"
    assert len(ours) > 50
    assert not copied, "Klaviyo's prose found in the fragment:\n" + "\n".join(copied)


def test_every_description_in_the_fragment_is_the_projects_own(
    fragment: dict[str, Any], klaviyo_endpoint: dict[str, Any]
) -> None:
    """The reverse direction: no prose string of the fragment is a Klaviyo string."""
    theirs = set(klaviyo_endpoint[spec_tools.PROSE_DIGESTS_KEY])
    shared = [
        text
        for text in spec_tools.prose_texts(fragment)
        if len(text) >= MIN_PROSE_LENGTH
        and spec_tools.prose_digest(spec_tools.squash(text)) in theirs
    ]
    assert not shared


def test_the_facts_copy_holds_no_prose(klaviyo_endpoint: dict[str, Any]) -> None:
    texts = [text for text in spec_tools.prose_texts(klaviyo_endpoint) if text]

    assert texts == []
    assert spec_tools.facts_copy(klaviyo_endpoint) == klaviyo_endpoint  # already a copy


def test_fragment_validates_as_openapi_30(fragment: dict[str, Any]) -> None:
    assert fragment["openapi"].startswith("3.0.")
    validate(fragment, cls=OpenAPIV30SpecValidator)
