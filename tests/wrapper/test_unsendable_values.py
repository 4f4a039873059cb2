"""Every value that cannot be sent is refused with ``InvalidInputError`` naming the field,
before any I/O and in bounded time, whatever the value (never RecursionError, TypeError,
UnicodeEncodeError or a hang)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles import InvalidInputError, KlaviyoProfiles, PayloadTooLargeError
from klaviyo_profiles.body import MAX_JSON_DEPTH, MAX_SAFE_INTEGER, prepare_request
from wire_recorder import Recorder

#: Far above what any check here takes (milliseconds) so that a loaded machine cannot fail it,
#: far below what the old code took on the slow cases (minutes for a Decimal of 1e10000000).
GENEROUS_SECONDS = 2.0


def refused(client: KlaviyoProfiles, recorder: Recorder, **arguments: Any) -> InvalidInputError:
    started = time.monotonic()
    with pytest.raises(InvalidInputError) as caught:
        client.create_or_update_profile(**arguments)
    assert time.monotonic() - started < GENEROUS_SECONDS
    assert recorder.requests == [], "a refused request must not reach the network"
    return caught.value


def nested(levels: int) -> dict[str, Any]:
    """``{"a": {"a": ...}}`` with ``levels`` objects, built without recursion."""
    root: dict[str, Any] = {}
    current = root
    for _ in range(levels - 1):
        current["a"] = {}
        current = current["a"]
    return root


def self_containing_dict() -> dict[str, Any]:
    value: dict[str, Any] = {"name": "loop"}
    value["self"] = value
    return value


def self_containing_list() -> list[Any]:
    value: list[Any] = [1]
    value.append(value)
    return value


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"first_name": "Ada\ud800"}, "first_name"),
        ({"properties": {"note": "\udfff"}}, "properties.note"),
        ({"properties": {"tags": ["ok", "\ud83d"]}}, "properties.tags[1]"),
        ({"location": {"city": "\udc00Paris"}}, "location.city"),
    ],
)
def test_lone_surrogate_in_a_value_is_refused_naming_it(
    client: KlaviyoProfiles, recorder: Recorder, arguments: dict[str, Any], field: str
) -> None:
    error = refused(client, recorder, email="ada@example.com", **arguments)
    assert error.field == field and "surrogate" in str(error)


def test_lone_surrogate_in_a_key_is_refused_and_the_message_can_be_printed(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    error = refused(client, recorder, email="ada@example.com", properties={"k\ud800": 1})
    assert "surrogate" in str(error)
    str(error).encode("utf-8")  # printable: the key is shown escaped


def test_lone_surrogate_in_the_id_or_a_body_is_refused(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    assert refused(client, recorder, id="01J\ud800").field == "id"
    body = {"data": {"type": "profile", "attributes": {"email": "ada@example.com\udc80"}}}
    assert refused(client, recorder, body=body).field == "data.attributes.email"


def test_nesting_up_to_the_limit_is_sent(client: KlaviyoProfiles, recorder: Recorder) -> None:
    # properties sits at level 4, so MAX_JSON_DEPTH - 3 objects there reach the limit exactly.
    client.create_or_update_profile(email="ada@example.com", properties=nested(MAX_JSON_DEPTH - 3))
    assert len(recorder.requests) == 1


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH - 2, 1_200, 100_000])
def test_nesting_past_the_limit_is_refused_without_recursion_error(
    client: KlaviyoProfiles, recorder: Recorder, levels: int
) -> None:
    error = refused(client, recorder, email="ada@example.com", properties=nested(levels))
    assert error.field.startswith("properties.a") and str(MAX_JSON_DEPTH) in str(error)


def test_nesting_in_a_body_counts_from_the_body_object(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    attributes = {"email": "ada@example.com", "properties": nested(MAX_JSON_DEPTH - 2)}
    body = {"data": {"type": "profile", "attributes": attributes}}
    error = refused(client, recorder, body=body)
    assert error.field.startswith("data.attributes.properties.a")


@pytest.mark.parametrize("make", [self_containing_dict, self_containing_list])
def test_a_value_that_contains_itself_is_refused(
    client: KlaviyoProfiles, recorder: Recorder, make: Any
) -> None:
    error = refused(client, recorder, email="ada@example.com", properties={"x": make()})
    assert "contain itself" in str(error)


def test_the_same_value_twice_is_not_a_cycle(client: KlaviyoProfiles, recorder: Recorder) -> None:
    shared = {"a": 1}
    client.create_or_update_profile(email="ada@example.com", properties={"x": shared, "y": shared})
    assert recorder.last.json["data"]["attributes"]["properties"] == {"x": {"a": 1}, "y": {"a": 1}}


@pytest.mark.parametrize(
    "number",
    [MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, 2**64, 10**5000, -(10**100_000)],
    ids=["2**53", "-2**53", "2**64", "10**5000", "-10**100000"],
)
def test_integers_beyond_the_safe_range_are_refused(
    client: KlaviyoProfiles, recorder: Recorder, number: int
) -> None:
    error = refused(client, recorder, email="ada@example.com", properties={"n": number})
    assert error.field == "properties.n" and "2**53" in error.expected


def test_integers_at_the_safe_range_edges_are_sent_exactly(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    client.create_or_update_profile(
        email="ada@example.com", properties={"hi": MAX_SAFE_INTEGER, "lo": -MAX_SAFE_INTEGER}
    )
    assert recorder.last.body.count(str(MAX_SAFE_INTEGER).encode()) == 2


@pytest.mark.parametrize(
    "number",
    [
        Decimal("1e10000000"),
        Decimal("-1e999999999"),
        Decimal("1e-10000000"),
        Decimal("1e309"),
        Decimal("1.8e308"),
        Decimal("1e-400"),
    ],
)
def test_decimals_beyond_a_double_are_refused_fast(
    client: KlaviyoProfiles, recorder: Recorder, number: Decimal
) -> None:
    error = refused(client, recorder, email="ada@example.com", properties={"n": number})
    assert error.field == "properties.n" and "double" in error.expected


@pytest.mark.parametrize(
    ("number", "sent"),
    [
        (Decimal("12.50"), b"12.5"),
        (Decimal("3"), b"3"),
        (Decimal("1E+3"), b"1000"),
        (Decimal("0E+1000000"), b"0"),
        (Decimal("1e20"), b"1e+20"),
        (Decimal("-2.5e-300"), b"-2.5e-300"),
    ],
)
def test_decimals_within_a_double_are_sent_as_numbers(
    client: KlaviyoProfiles, recorder: Recorder, number: Decimal, sent: bytes
) -> None:
    client.create_or_update_profile(email="ada@example.com", properties={"n": number})
    assert b'"n":' + sent + b"}" in recorder.last.body


@pytest.mark.parametrize(
    ("key", "field"),
    [(1, "properties[1]"), (None, "properties[None]"), ((1, 2), "properties[(1, 2)]")],
)
def test_non_string_keys_are_refused(
    client: KlaviyoProfiles, recorder: Recorder, key: Any, field: str
) -> None:
    error = refused(client, recorder, email="ada@example.com", properties={key: 1})
    assert error.field == field


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"additional_fields": [1]}, "additional_fields[0]"),
        ({"additional_fields": [None]}, "additional_fields[0]"),
        ({"fields": [None]}, "fields[0]"),
        ({"fields": ["email", b"id"]}, "fields[1]"),
        ({"additional_fields": 5}, "additional_fields"),
        ({"additional_fields": b"subscriptions"}, "additional_fields"),
        ({"fields": {"email": 1}}, "fields"),
        ({"additional_fields": "subscriptions\ud800"}, "additional_fields"),
        ({"additional_fields": ["\udc00"]}, "additional_fields[0]"),
    ],
)
def test_query_names_of_the_wrong_type_are_refused_naming_the_parameter(
    client: KlaviyoProfiles, recorder: Recorder, arguments: dict[str, Any], field: str
) -> None:
    error = refused(client, recorder, email="ada@example.com", **arguments)
    assert error.field == field


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"email": b"ada@example.com"}, "email"),
        ({"email": "ada@example.com", "properties": {"s": {1, 2}}}, "properties.s"),
        ({"email": "ada@example.com", "properties": {"f": len}}, "properties.f"),
        ({"email": "ada@example.com", "meta": 5}, "data.meta"),
        ({"email": "ada@example.com", "patch_properties": [1]}, "data.meta.patch_properties"),
        ({"email": "ada@example.com", "id": 5}, "data.id"),
        ({"body": 5}, "body"),
        ({"body": {"data": [1]}}, "data"),
        ({"body": {"data": {"type": "profile", "attributes": {1: "x"}}}}, "data.attributes[1]"),
    ],
)
def test_other_types_are_refused_naming_the_field(
    client: KlaviyoProfiles, recorder: Recorder, arguments: dict[str, Any], field: str
) -> None:
    assert refused(client, recorder, **arguments).field == field


def test_a_hand_built_model_with_a_wrong_type_is_refused(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    from klaviyo_profile_import.models import ProfileUpsertQuery

    error = refused(client, recorder, body=ProfileUpsertQuery(data=5))  # type: ignore[arg-type]
    assert error.field == "body"


@pytest.mark.parametrize(
    "make",
    [
        lambda: ["x"] * 10_000_000,
        lambda: "x" * 50_000_000,
        lambda: {str(index): index for index in range(1_000_000)},
    ],
    ids=["list", "string", "dict"],
)
def test_huge_values_are_refused_after_reading_about_the_limit(
    client: KlaviyoProfiles, recorder: Recorder, make: Any
) -> None:
    error = refused(client, recorder, email="ada@example.com", properties={"x": make()})
    assert isinstance(error, PayloadTooLargeError) and error.limit == facts.PAYLOAD_LIMIT_BYTES


def test_a_body_under_the_payload_limit_is_not_refused_by_the_early_size_count() -> None:
    # 7,500 short string properties: about 97,600 bytes encoded, under the limit. The early
    # count must stay a lower bound of the encoded size: a key's separator counted once.
    properties = {f"p{index:05d}": "v" for index in range(7_500)}
    prepared = prepare_request(
        body=None, attributes={"email": "ada@example.com", "properties": properties}
    )
    assert len(prepared.content) <= facts.PAYLOAD_LIMIT_BYTES


def _nested_body_of(size: int) -> dict[str, object]:
    """A ``body=`` document that encodes to exactly ``size`` bytes: nested lists of short
    strings, each list's last comma one the early count takes before it is known not to be
    written (every key and value of a document given whole is counted)."""
    nested: list[object] = [["a", "b"], [["c", "d"], [["e", "f"], ["g", "h"]]]]

    def document(filler: str) -> dict[str, object]:
        attributes = {"email": "ada@example.com", "properties": {"x": nested, "y": filler}}
        return {"data": {"type": "profile", "attributes": attributes}}

    short = size - len(prepare_request(body=document(""), attributes={}).content)
    return document("z" * short)


def test_a_body_of_exactly_the_payload_limit_is_sent_and_one_byte_more_is_refused() -> None:
    fits = prepare_request(body=_nested_body_of(facts.PAYLOAD_LIMIT_BYTES), attributes={})
    assert len(fits.content) == facts.PAYLOAD_LIMIT_BYTES
    with pytest.raises(PayloadTooLargeError):
        prepare_request(body=_nested_body_of(facts.PAYLOAD_LIMIT_BYTES + 1), attributes={})
