"""Strict body decoding: every body the sandbox cannot keep, read back and answer is a 400 (or a
413) before the store is touched, and a stored profile stays readable, listable and updatable."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from klaviyo_profiles.body import MAX_JSON_DEPTH, MAX_SAFE_INTEGER
from klaviyo_profiles.sandbox import Sandbox
from klaviyo_profiles.sandbox.decoding import decode_body
from klaviyo_profiles.sandbox.error_responses import ErrorResponse as ApiError
from sandbox_helpers import PATH, body

EMAIL = "deep@example.com"


def nested_text(levels: int, leaf: str = "1") -> str:
    """``levels`` objects nested in one another as JSON text, built without recursion."""
    return '{"a":' * levels + leaf + "}" * levels


def with_properties(properties_text: str, email: str = EMAIL) -> bytes:
    """A body whose ``properties`` is the given JSON text (at depth 4)."""
    head = json.dumps({"data": {"type": "profile", "attributes": {"email": email}}})[:-3]
    return f'{head}, "properties": {properties_text}}}}}}}'.encode()


def only_error(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    errors: list[dict[str, Any]] = response.json()["errors"]
    assert len(errors) == 1, errors
    return errors[0]


def assert_store_is_healthy(api: httpx.Client, sandbox: Sandbox, before: list[Any]) -> None:
    """The store is as it was, can be listed, and every profile can be read and updated."""
    assert sandbox.profiles() == before
    listing = httpx.get(f"{sandbox.base_url}/sandbox/profiles", timeout=10)
    assert listing.status_code == 200
    for profile in before:
        assert api.get(f"/api/profiles/{profile['id']}/").status_code == 200
        email = profile["attributes"]["email"]
        assert api.post(PATH, json=body({"email": email, "title": "again"})).status_code == 200


def test_the_depth_limit_is_the_clients(api: httpx.Client) -> None:
    # properties sits at depth 4, so MAX_JSON_DEPTH - 3 objects there reach the limit exactly.
    at_limit = api.post(PATH, content=with_properties(nested_text(MAX_JSON_DEPTH - 3)))
    over = api.post(
        PATH, content=with_properties(nested_text(MAX_JSON_DEPTH - 2), email="x@example.com")
    )

    assert at_limit.status_code == 201
    error = only_error(over)
    assert error["code"] == "invalid"
    assert str(MAX_JSON_DEPTH) in error["detail"]
    # The pointer names the first object too deep: depth 4 + 61 = 65.
    assert error["source"]["pointer"] == "/data/attributes/properties" + "/a" * (MAX_JSON_DEPTH - 3)


@pytest.mark.parametrize("levels", [600, 5_000, 15_000])
def test_a_body_nested_past_python_recursion_is_400_and_breaks_no_profile(
    api: httpx.Client, sandbox: Sandbox, levels: int
) -> None:
    assert api.post(PATH, json=body({"email": EMAIL})).status_code == 201
    before = sandbox.profiles()

    response = api.post(PATH, content=with_properties(nested_text(levels)))

    assert only_error(response)["source"]["pointer"].startswith("/data/attributes/properties/a")
    assert_store_is_healthy(api, sandbox, before)
    assert sandbox.requests()[-2]["status"] == 400  # the log stays readable too


@pytest.mark.parametrize(
    ("where", "pointer"),
    [
        ('{"data": {"type": "profile", "id": %s, "attributes": {}}}', "/data/id"),
        ('{"data": {"type": "profile", "attributes": {"location": {"city": %s}}}}', "/data"),
        ('{"x": %s, "data": {}}', "/x"),
        ('{"data": {"type": "profile", "attributes": {"properties": {"l": [%s]}}}}', "/data"),
    ],
)
def test_depth_is_refused_wherever_it_is(api: httpx.Client, where: str, pointer: str) -> None:
    response = api.post(PATH, content=(where % nested_text(2_000)).encode())

    error = only_error(response)
    assert "nested deeper" in error["detail"]
    assert error["source"]["pointer"].startswith(pointer)


def test_deep_arrays_are_measured_too_and_pointed_at_by_index(api: httpx.Client) -> None:
    text = "[0, " + "[" * 100 + "]" * 100 + "]"

    error = only_error(api.post(PATH, content=with_properties(f'{{"l": {text}}}')))

    assert error["source"]["pointer"].startswith("/data/attributes/properties/l/1/0/0")


@pytest.mark.parametrize(
    ("name", "properties_text", "detail"),
    [
        ("integer past the safe range", str(MAX_SAFE_INTEGER + 1), "2**53"),
        ("negative one too", str(-MAX_SAFE_INTEGER - 1), "2**53"),
        ("integer too long to print", "9" * 5000, "5000 digits"),
        ("number beyond a double", "1e999", "range"),
        ("NaN literal", "NaN", "NaN"),
        ("Infinity literal", "Infinity", "Infinity"),
        ("negative Infinity", "-Infinity", "Infinity"),
    ],
)
def test_numbers_json_cannot_carry_back_are_400(
    api: httpx.Client, sandbox: Sandbox, name: str, properties_text: str, detail: str
) -> None:
    response = api.post(PATH, content=with_properties(f'{{"n": {properties_text}}}'))

    error = only_error(response)
    assert detail in error["detail"], name
    assert sandbox.profiles() == []


def test_the_safe_integer_range_is_the_clients_and_kept_exactly(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    text = f'{{"n": {MAX_SAFE_INTEGER}, "m": {-MAX_SAFE_INTEGER}, "z": -0, "f": 1e308}}'

    response = api.post(PATH, content=with_properties(text))

    assert response.status_code == 201
    properties = sandbox.profiles()[0]["attributes"]["properties"]
    assert properties == {"n": MAX_SAFE_INTEGER, "m": -MAX_SAFE_INTEGER, "z": 0, "f": 1e308}


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ('{"s": "\\ud800"}', "/data/attributes/properties/s"),
        ('{"s": ["ok", "a\\udfffb"]}', "/data/attributes/properties/s/1"),
        ('{"\\udc00": 1}', "/data/attributes/properties/\udc00"),
    ],
)
def test_lone_surrogates_are_400_pointing_at_the_string(
    api: httpx.Client, sandbox: Sandbox, text: str, pointer: str
) -> None:
    error = only_error(api.post(PATH, content=with_properties(text)))

    assert "surrogate" in error["detail"]
    assert error["source"]["pointer"] == pointer
    assert sandbox.profiles() == []
    assert httpx.get(f"{sandbox.base_url}/sandbox/requests", timeout=10).status_code == 200


def test_a_surrogate_pair_is_one_character_and_accepted(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    response = api.post(PATH, content=with_properties('{"s": "\\ud83d\\ude00"}'))

    assert response.status_code == 201
    assert sandbox.profiles()[0]["attributes"]["properties"]["s"] == "\U0001f600"


def test_a_lone_surrogate_in_an_attribute_is_400(api: httpx.Client, sandbox: Sandbox) -> None:
    content = (
        b'{"data": {"type": "profile", "attributes": {"email": "a@b.co", "title": "\\ud800"}}}'
    )

    assert only_error(api.post(PATH, content=content))["source"]["pointer"] == (
        "/data/attributes/title"
    )
    assert sandbox.profiles() == []


def test_duplicate_member_names_are_400_naming_the_member(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    content = b'{"data": {"type": "profile", "attributes": {"email": "a@b.co", "email": "c@d.co"}}}'

    error = only_error(api.post(PATH, content=content))

    assert error["source"]["pointer"] == "/data/attributes/email"
    assert "more than once" in error["detail"]
    assert sandbox.profiles() == []


@pytest.mark.parametrize(
    "content",
    [
        b'{"data": {"type": "profile", "attributes": {"email": "\xff@b.co"}}}',
        b"\xef\xbb\xbf" + json.dumps(body({"email": "a@b.co"})).encode(),
        b'{"data": {"type": "profile", "attributes": {"email": "a@b.co"}}',
        b"",
    ],
    ids=["invalid-utf8", "byte-order-mark", "truncated", "empty"],
)
def test_text_that_is_not_json_is_a_parse_error(
    api: httpx.Client, sandbox: Sandbox, content: bytes
) -> None:
    assert only_error(api.post(PATH, content=content))["code"] == "parse_error"
    assert sandbox.profiles() == []


@pytest.mark.parametrize("document", [[], "profile", None, 1, [body({"email": "a@b.co"})]])
def test_a_body_that_is_not_an_object_is_400_at_the_root(
    api: httpx.Client, sandbox: Sandbox, document: Any
) -> None:
    error = only_error(api.post(PATH, content=json.dumps(document)))

    assert error["source"]["pointer"] == ""
    assert sandbox.profiles() == []


def test_strings_up_to_the_payload_limit_round_trip(api: httpx.Client) -> None:
    long = "é" * 40_000

    # Encoded here as UTF-8 text: httpx before 0.28 escapes non-ASCII in json=, which would
    # make the body six times larger than the text.
    document = body({"email": "a@b.co", "properties": {long[:1000]: long}})
    created = api.post(PATH, content=json.dumps(document, ensure_ascii=False).encode())

    assert created.status_code == 201
    profile_id = created.json()["data"]["id"]
    read = api.get(f"/api/profiles/{profile_id}/").json()
    assert read["data"]["attributes"]["properties"] == {long[:1000]: long}


def test_an_answer_that_cannot_be_made_changes_nothing(
    api: httpx.Client, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.post(PATH, json=body({"email": EMAIL, "title": "kept"})).status_code == 201
    before = sandbox.profiles()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("rendering failed")

    monkeypatch.setattr("klaviyo_profiles.sandbox.profile_routes.render_profile", broken)
    response = api.post(PATH, json=body({"email": EMAIL, "title": "lost"}))
    monkeypatch.undo()

    assert only_error(response, 500)["code"] == "error"
    assert_store_is_healthy(api, sandbox, before)


def test_decoding_never_recurses_whatever_the_depth() -> None:
    with pytest.raises(ApiError) as raised:
        decode_body(("[" * 1_000_000 + "]" * 1_000_000).encode())

    assert raised.value.status == 400
    assert decode_body(b'{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
