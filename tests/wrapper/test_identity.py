"""The one identity rule: which requests name the same profile (library and CLI alike)."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import Any

import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles import identity
from klaviyo_profiles.bulk import prepare_profile
from klaviyo_profiles.cli.importer import identity_keys
from klaviyo_profiles.identity import (
    IDENTIFIER_ATTRIBUTES,
    IDENTIFIER_NAMES,
    identity_of,
    identity_of_body,
    normalise_identifier,
)


def _body(**attributes: str) -> dict[str, object]:
    return {"data": {"type": "profile", "attributes": attributes}}


def test_identity_keys_cover_every_identifier_loosely() -> None:
    keys = identity_of_body(
        {
            "data": {
                "type": "profile",
                "id": "01ABC",
                "attributes": {
                    "email": " Ada@Example.COM ",
                    "phone_number": "+1 (555) 010-0000",
                    "external_id": "crm-7",
                    "_kx": "kx1",
                    "first_name": "Ada",
                },
                "meta": {"patch_identifiers": {"append": {"email": "old@example.com"}}},
            }
        }
    )
    assert keys == {
        "id:01ABC",
        "email:ada@example.com",
        "phone_number:+15550100000",
        "external_id:crm-7",
        "_kx:kx1",
        "email:old@example.com",
    }
    assert identity_of_body(_body(first_name="Nobody")) == frozenset()


def test_the_importer_and_the_hybrid_key_profiles_by_this_one_rule() -> None:
    body = _body(email=" Ada@Example.COM ", phone_number="44 7700 900123")
    assert identity_keys is identity_of_body
    assert prepare_profile(body).identity == identity_of_body(body)


def test_a_phone_number_with_or_without_its_plus_is_one_key() -> None:
    spellings = ["+44 7700 900123", "447700900123", "+44 (7700) 900-123", " 44.7700.900.123 "]
    keys = {normalise_identifier("phone_number", spelling) for spelling in spellings}
    assert keys == {"phone_number:+447700900123"}


def test_a_phone_number_without_digits_keys_on_its_text() -> None:
    assert identity_of({"attributes": {"phone_number": " unknown "}}) == {"phone_number:unknown"}
    assert normalise_identifier("phone_number", "n/a") != normalise_identifier(
        "phone_number", "unknown"
    )


def test_emails_match_without_case_or_surrounding_space() -> None:
    assert normalise_identifier("email", " Straße@Example.COM ") == normalise_identifier(
        "email", "STRASSE@example.com"
    )


def test_other_identifiers_and_the_id_are_compared_without_surrounding_space() -> None:
    keys = identity_of({"id": " 01J ", "attributes": {"external_id": " crm-7 ", "_kx": "\tk\n"}})
    assert keys == {"id:01J", "external_id:crm-7", "_kx:k"}


@pytest.mark.parametrize("blank", ["", " ", "\t\n"])
def test_blank_values_name_no_profile(blank: str) -> None:
    resource: dict[str, Any] = {
        "id": blank,
        "attributes": {name: blank for name in IDENTIFIER_ATTRIBUTES},
        "meta": {"patch_identifiers": {"append": {"email": [blank]}}},
    }
    assert identity_of(resource) == frozenset()


@pytest.mark.parametrize("value", [None, 5, ["a@example.com"], {"a": "b"}])
def test_values_that_are_not_text_name_no_profile(value: object) -> None:
    assert identity_of({"id": value, "attributes": {"email": value}}) == frozenset()


def test_every_name_under_every_patch_identifiers_operation_counts() -> None:
    keys = identity_of(
        {
            "attributes": {},
            "meta": {
                "patch_identifiers": {
                    "append": {"email": ["A@x.com", "b@x.com"], "phone_number": "+1 555 0100"},
                    "unappend": {"external_id": ["old-1"]},
                    "junk": "not an operation",
                }
            },
        }
    )
    assert keys == {"email:a@x.com", "email:b@x.com", "phone_number:+15550100", "external_id:old-1"}


def test_a_body_without_a_data_object_names_no_profile() -> None:
    assert identity_of_body({}) == frozenset()
    assert identity_of_body({"data": ["email"]}) == frozenset()


def test_identifier_attributes_are_those_of_the_pinned_revision() -> None:
    wanted = ("email", "phone_number", "external_id", "anonymous_id", "_kx")
    assert tuple(n for n in wanted if n in facts.REQUEST_ATTRIBUTES) == IDENTIFIER_ATTRIBUTES
    assert ("id", *IDENTIFIER_ATTRIBUTES) == IDENTIFIER_NAMES
    counted = identity_of({"attributes": {"anonymous_id": "anon-1"}})
    assert (counted == {"anonymous_id:anon-1"}) == ("anonymous_id" in facts.REQUEST_ATTRIBUTES)


def _identity_for(request_attributes: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh copy of the identity module, as imported with a revision listing these
    request attributes (the module in use stays as it is)."""
    monkeypatch.setattr(facts, "REQUEST_ATTRIBUTES", request_attributes)
    spec = importlib.util.spec_from_file_location("identity_copy", identity.__file__)
    assert spec is not None and spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_anonymous_id_counts_where_the_revision_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with_it = _identity_for((*facts.REQUEST_ATTRIBUTES, "anonymous_id"), monkeypatch)
    assert "anonymous_id" in with_it.IDENTIFIER_ATTRIBUTES
    assert with_it.identity_of({"attributes": {"anonymous_id": " anon-1 "}}) == {
        "anonymous_id:anon-1"
    }
    without = tuple(name for name in facts.REQUEST_ATTRIBUTES if name != "anonymous_id")
    copy = _identity_for(without, monkeypatch)
    assert copy.identity_of({"attributes": {"anonymous_id": "anon-1"}}) == frozenset()
