"""Body checks: media type, JSON, schema, identifiers, formats and the payload limit."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import Sandbox, validation
from klaviyo_profiles.sandbox.error_responses import ErrorResponse
from sandbox_helpers import PATH, body

ALTERNATE_PATH = PATH[:-1] if PATH.endswith("/") else PATH + "/"


def errors_of(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(facts.MEDIA_TYPE)
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert errors and all({"id", "code", "title", "detail"} <= set(e) for e in errors)
    return errors


def pointers(errors: list[dict[str, Any]]) -> set[str]:
    return {e["source"]["pointer"] for e in errors if "pointer" in e.get("source", {})}


def test_wrong_media_type_is_415(api: httpx.Client, sandbox: Sandbox) -> None:
    response = api.post(
        PATH,
        content=json.dumps(body({"email": "ada@example.com"})),
        headers={"Content-Type": "text/plain"},
    )

    assert errors_of(response, 415)[0]["code"] == "unsupported_media_type"
    assert sandbox.profiles() == []


def test_plain_json_is_accepted_only_on_the_old_trailing_slash_path(api: httpx.Client) -> None:
    payload = json.dumps(body({"email": "ada@example.com"}))
    plain = {"Content-Type": "application/json"}
    slash_path = PATH if PATH.endswith("/") else ALTERNATE_PATH
    plain_path = ALTERNATE_PATH if PATH.endswith("/") else PATH

    old = api.post(slash_path, content=payload, headers=plain)
    current = api.post(plain_path, content=payload, headers=plain)

    assert old.status_code == 201
    assert current.status_code == 415


def test_a_media_type_the_spec_states_with_a_parameter_is_accepted() -> None:
    spec_type = "application/vnd.api+json; ext=bulk"
    validation.check_content_type(spec_type, (spec_type,))
    validation.check_content_type("Application/VND.api+json", (spec_type,))
    with pytest.raises(ErrorResponse) as refused:
        validation.check_content_type("application/json; ext=bulk", (spec_type,))
    assert refused.value.status == 415


def test_the_sandbox_accepts_its_own_media_type_when_the_spec_gives_it_a_parameter(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec_type = f"{facts.MEDIA_TYPE}; ext=bulk"
    monkeypatch.setattr(facts, "MEDIA_TYPE", spec_type)
    response = api.post(
        PATH,
        content=json.dumps(body({"email": "ada@example.com"})),
        headers={"Content-Type": spec_type},
    )

    assert response.status_code == 201, response.text


def test_media_type_parameters_such_as_charset_are_ignored(api: httpx.Client) -> None:
    response = api.post(
        PATH,
        content=json.dumps(body({"email": "ada@example.com"})),
        headers={"Content-Type": f"{facts.MEDIA_TYPE}; charset=utf-8"},
    )

    assert response.status_code == 201


def test_invalid_json_is_400(api: httpx.Client) -> None:
    response = api.post(PATH, content=b'{"data": {"type": "profile",')

    assert errors_of(response, 400)[0]["code"] == "parse_error"


def test_schema_violations_give_one_error_per_problem_with_pointers(api: httpx.Client) -> None:
    response = api.post(
        PATH,
        json=body(
            {"email": "ada@example.com", "first_name": 7, "location": {"city": ["x"]}},
            meta={"patch_properties": "nope"},
        ),
    )

    errors = errors_of(response, 400)
    assert pointers(errors) == {
        "/data/attributes/first_name",
        "/data/attributes/location/city",
        "/data/meta/patch_properties",
    }
    assert all(e["code"] == "invalid" for e in errors)


def test_missing_required_members_are_pointed_at(api: httpx.Client) -> None:
    no_data = api.post(PATH, json={})
    no_attributes = api.post(PATH, json={"data": {"type": "profile"}})
    wrong_type = api.post(
        PATH, json={"data": {"type": "person", "attributes": {"email": "a@b.co"}}}
    )

    assert pointers(errors_of(no_data, 400)) == {"/data"}
    assert pointers(errors_of(no_attributes, 400)) == {"/data/attributes"}
    assert pointers(errors_of(wrong_type, 400)) == {"/data/type"}


@pytest.mark.parametrize(
    "attributes",
    [{}, {"first_name": "Ada"}, {"email": None, "phone_number": None}],
)
def test_a_request_without_any_identifier_is_400(
    api: httpx.Client, attributes: dict[str, Any]
) -> None:
    response = api.post(PATH, json=body(attributes))

    errors = errors_of(response, 400)
    assert "identifier" in errors[0]["detail"]
    assert pointers(errors) == {"/data/attributes"}


def test_bad_email_and_non_e164_phone_are_400_each_with_its_pointer(api: httpx.Client) -> None:
    response = api.post(PATH, json=body({"email": "ada-at-example", "phone_number": "0207 123"}))

    assert pointers(errors_of(response, 400)) == {
        "/data/attributes/email",
        "/data/attributes/phone_number",
    }


@pytest.mark.parametrize("phone", ["+15005550006", "+447700900123", "+12"])
def test_e164_phones_are_accepted(api: httpx.Client, phone: str) -> None:
    assert api.post(PATH, json=body({"phone_number": phone})).status_code == 201


def test_patch_identifiers_accept_email_only(api: httpx.Client) -> None:
    response = api.post(
        PATH,
        json=body(
            {"email": "ada@example.com"},
            meta={"patch_identifiers": {"append": {"phone_number": "+15005550006"}}},
        ),
    )

    assert pointers(errors_of(response, 400)) == {
        "/data/meta/patch_identifiers/append/phone_number"
    }


def test_body_over_the_payload_limit_is_413_and_changes_nothing(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    padding = "x" * facts.PAYLOAD_LIMIT_BYTES
    response = api.post(
        PATH, json=body({"email": "ada@example.com", "properties": {"padding": padding}})
    )

    assert errors_of(response, 413)[0]["code"] == "payload_too_large"
    assert sandbox.profiles() == []


def test_body_just_under_the_payload_limit_is_accepted(api: httpx.Client) -> None:
    empty = json.dumps(body({"email": "ada@example.com", "properties": {"p": ""}}))
    padding = "x" * (facts.PAYLOAD_LIMIT_BYTES - len(empty.encode()))
    content = json.dumps(body({"email": "ada@example.com", "properties": {"p": padding}}))

    assert len(content.encode()) == facts.PAYLOAD_LIMIT_BYTES
    assert api.post(PATH, content=content).status_code == 201


def test_other_methods_on_the_route_are_405_in_json_api_shape(api: httpx.Client) -> None:
    response = api.get(PATH)

    assert errors_of(response, 405)[0]["code"] == "method_not_allowed"


def unknown_field(errors: list[dict[str, Any]], pointer: str) -> dict[str, Any]:
    """The one error pointing at ``pointer``, checked to be Klaviyo's unknown-field error."""
    [error] = [e for e in errors if e.get("source", {}).get("pointer") == pointer]
    name = pointer.rsplit("/", 1)[1]
    assert error["code"] == "invalid"
    assert error["detail"] == f"'{name}' is not a valid field for the resource 'profile'."
    return error


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        (body({"email": "a@b.co", "frist_name": "Ada"}), "/data/attributes/frist_name"),
        (body({"email": "a@b.co", "": "Ada"}), "/data/attributes/"),
        (body({"email": "a@b.co", "名前": "Ada"}), "/data/attributes/名前"),
        ({**body({"email": "a@b.co"}), "included": []}, "/included"),
        (body({"email": "a@b.co"}, relationships={}), "/data/relationships"),
        (
            body({"email": "a@b.co", "location": {"planet": "Mars"}}),
            "/data/attributes/location/planet",
        ),
        (body({"email": "a@b.co"}, meta={"patch_everything": {}}), "/data/meta/patch_everything"),
        (
            body({"email": "a@b.co"}, meta={"patch_properties": {"prepend": {"a": 1}}}),
            "/data/meta/patch_properties/prepend",
        ),
        (
            body({"email": "a@b.co"}, meta={"patch_identifiers": {"replace": {}}}),
            "/data/meta/patch_identifiers/replace",
        ),
    ],
)
def test_unknown_fields_are_400_invalid_pointing_at_the_field(
    api: httpx.Client, sandbox: Sandbox, document: dict[str, Any], pointer: str
) -> None:
    response = api.post(PATH, json=document)

    unknown_field(errors_of(response, 400), pointer)
    assert sandbox.profiles() == []


def test_an_attribute_of_another_revision_is_unknown_in_this_one(api: httpx.Client) -> None:
    absent = [
        name
        for name in ("anonymous_id", "_kx", "locale", "title")
        if name not in facts.REQUEST_ATTRIBUTES
    ] or ["anonymous_id_v0"]

    response = api.post(PATH, json=body({"email": "a@b.co", **dict.fromkeys(absent, "x")}))

    for name in absent:
        unknown_field(errors_of(response, 400), f"/data/attributes/{name}")


def test_every_unknown_field_is_reported_at_once(api: httpx.Client) -> None:
    response = api.post(
        PATH,
        json=body({"email": "a@b.co", "frist_name": "A", "lsat_name": "L", "location": {"x": 1}}),
    )

    assert pointers(errors_of(response, 400)) == {
        "/data/attributes/frist_name",
        "/data/attributes/lsat_name",
        "/data/attributes/location/x",
    }


def test_properties_and_patch_operands_stay_open(api: httpx.Client) -> None:
    response = api.post(
        PATH,
        json=body(
            {"email": "a@b.co", "properties": {"frist_name": 1, "": 2, "nested": {"any": True}}},
            meta={"patch_properties": {"append": {"anything": 1}, "unset": "whatever"}},
        ),
    )

    assert response.status_code == 201, response.text


def test_every_known_field_is_accepted(api: httpx.Client) -> None:
    attributes: dict[str, Any] = dict.fromkeys(facts.REQUEST_ATTRIBUTES)
    attributes.update(email="a@b.co", location=dict.fromkeys(facts.LOCATION_FIELDS), properties={})

    response = api.post(PATH, json=body(attributes, meta=dict.fromkeys(facts.META_FIELDS)))

    assert response.status_code == 201, response.text


# --------------------------------------------------------------------------------------------
# Profiles inside another document (bulk import jobs)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"first_name": "Ada"}, {"first_name": 5}),
        ({"first_name": None}, {"first_name": True}),
        ({"location": {"latitude": 1.0}}, {"location": {"latitude": [1.5]}}),
        ({"first_name": "Ada"}, {"first_name": "Ada", "frist_name": "Ada"}),
    ],
)
def test_a_profile_checked_after_a_valid_one_is_still_checked_in_full(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    def errors(attributes: dict[str, Any]) -> list[dict[str, Any]]:
        resource = {"type": "profile", "attributes": {"email": "a@example.com", **attributes}}
        return validation.profile_schema_errors(resource, ["data", "items", 3])

    assert errors(first) == []
    assert errors(first) == []  # the same shape again
    found = errors(second)
    assert found and all(e["source"]["pointer"].startswith("/data/items/3/") for e in found)


def test_a_wrong_resource_type_is_refused_after_a_right_one() -> None:
    right = {"type": "profile", "attributes": {"email": "a@example.com"}}
    assert validation.profile_schema_errors(right, ["p"]) == []
    wrong = validation.profile_schema_errors({**right, "type": "list"}, ["p"])
    assert [e["source"]["pointer"] for e in wrong] == ["/p/type"]
