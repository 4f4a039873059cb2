"""``vendor_klaviyo_spec.py`` and ``spec_tools.facts_copy``: the facts-only copy the tests ship."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import spec_tools
import vendor_klaviyo_spec

PROSE = "This endpoint creates or updates a profile, and the maximum allowed payload size is 100KB."


def _document() -> dict[str, Any]:
    profile = {"$ref": "#/components/schemas/Profile"}
    return {
        "openapi": "3.0.2",
        "info": {"title": "Klaviyo API", "version": "2026-07-15", "description": "Long text."},
        "servers": [{"url": "https://a.klaviyo.com", "description": "Production"}],
        "paths": {
            "/api/profile-import": {
                "post": {
                    "operationId": "create_or_update_profile",
                    "summary": "Create or Update Profile",
                    "description": PROSE,
                    "x-klaviyo-ratelimit": {"burst": "75/s", "steady": "750/m"},
                    "x-klaviyo-scopes": ["profiles:write"],
                    "x-docs": {"note": "Some documentation prose for readers of the docs."},
                    "requestBody": {
                        "content": {"application/vnd.api+json": {"schema": profile}},
                        "required": True,
                    },
                    "responses": {
                        "201": {
                            "description": "Success: the profile was created for the caller.",
                            "content": {"application/vnd.api+json": {"schema": profile}},
                        }
                    },
                }
            },
            "/api/events": {"post": {"operationId": "create_event", "responses": {}}},
        },
        "components": {
            "schemas": {
                "Profile": {
                    "type": "object",
                    "description": "A profile holds what is known about one person.",
                    "properties": {
                        "description": {"type": "string", "example": "a field named so"},
                        "email": {"type": "string", "nullable": True, "example": "a@b.co"},
                    },
                    "required": ["email"],
                },
                "Event": {"type": "object", "description": "Unrelated to profiles entirely."},
            }
        },
    }


def test_the_copy_keeps_the_operation_and_what_it_references_and_no_prose() -> None:
    copy = spec_tools.facts_copy(_document())

    assert list(copy["paths"]) == ["/api/profile-import"]
    assert list(copy["components"]["schemas"]) == ["Profile"]
    operation = copy["paths"]["/api/profile-import"]["post"]
    assert operation["x-klaviyo-ratelimit"] == {"burst": "75/s", "steady": "750/m"}
    assert operation["x-klaviyo-scopes"] == ["profiles:write"]
    assert operation[spec_tools.PAYLOAD_LIMIT_KEY] == "100KB"
    assert "x-docs" not in operation and "summary" not in operation
    assert operation["responses"]["201"]["description"] == ""  # OpenAPI requires one
    schema = copy["components"]["schemas"]["Profile"]
    assert schema["properties"] == {
        "description": {"type": "string"},  # a property's name is a fact, not prose
        "email": {"type": "string", "nullable": True},
    }
    assert schema["required"] == ["email"]
    assert copy["info"] == {"title": "", "version": "2026-07-15"}
    assert copy["servers"] == [{"url": "https://a.klaviyo.com"}]
    assert [text for text in spec_tools.prose_texts(copy) if text] == []


def test_the_copy_keeps_prose_only_as_digests_of_each_text_and_sentence() -> None:
    copy = spec_tools.facts_copy(_document())

    digests = set(copy[spec_tools.PROSE_DIGESTS_KEY])
    sentence = spec_tools.squash("A profile holds what is known about one person.")
    assert spec_tools.prose_digest(sentence) in digests
    assert spec_tools.prose_digest(spec_tools.squash(PROSE)) in digests
    assert spec_tools.prose_digest(spec_tools.squash("Unrelated to profiles entirely.")) not in (
        digests
    )
    assert "profile" not in " ".join(copy[spec_tools.PROSE_DIGESTS_KEY])


def test_a_copy_of_a_copy_is_the_same_copy() -> None:
    once = spec_tools.facts_copy(_document())

    assert spec_tools.facts_copy(once) == once


def test_the_generator_reproduces_the_shipped_copies_and_the_license(
    klaviyo_specs: Path, tmp_path: Path
) -> None:
    # The shipped copies are copies already, so feeding them back must give the same bytes.
    source = tmp_path / "source"
    shutil.copytree(klaviyo_specs, source)
    output = tmp_path / "output"

    written = vendor_klaviyo_spec.vendor(source, output)

    assert len(written) == len(vendor_klaviyo_spec.FILES) + 1
    for name in (*vendor_klaviyo_spec.FILES, vendor_klaviyo_spec.LICENSE):
        assert (output / name).read_bytes() == (klaviyo_specs / name).read_bytes(), name
    assert "Copyright (c) 2022 Klaviyo" in (output / "LICENSE").read_text(encoding="utf-8")


def test_the_generator_refuses_a_source_without_klaviyos_license(
    klaviyo_specs: Path, tmp_path: Path
) -> None:
    source = tmp_path / "source"
    shutil.copytree(klaviyo_specs, source)
    (source / "LICENSE").unlink()

    with pytest.raises(SystemExit, match="license"):
        vendor_klaviyo_spec.vendor(source, tmp_path / "output")
