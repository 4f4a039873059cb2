"""What goes on the wire: omitted means absent, None means null, a value means that value.

Every case is sent over real HTTP to the loopback recorder, through both input forms (keyword
arguments and ``body=``), and the recorded JSON is compared with what was meant.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from klaviyo_profile_import import facts
from klaviyo_profile_import.arguments import ARGUMENT_TO_ATTRIBUTE
from klaviyo_profiles import UNSET, KlaviyoProfiles
from klaviyo_profiles.body import MAX_SAFE_INTEGER, build_body
from wire_recorder import API_KEY, Recorder

SCALAR_ATTRIBUTES = [
    name for name in facts.REQUEST_ATTRIBUTES if name not in facts.OBJECT_REQUEST_ATTRIBUTES
]
ARGUMENT_OF = {wire: argument for argument, wire in ARGUMENT_TO_ATTRIBUTE.items()}
SAMPLE_VALUES = {"email": "ada@example.com", "phone_number": "+15005550006"}


def sample(attribute: str) -> str:
    return SAMPLE_VALUES.get(attribute, f"value-of-{attribute}")


def send_both_forms(
    client: KlaviyoProfiles, recorder: Recorder, arguments: dict[str, Any]
) -> tuple[Any, Any]:
    """Send the same intent as keywords and as a body; return the two recorded documents."""
    client.create_or_update_profile(**arguments)
    by_keywords = recorder.last.json
    client.create_or_update_profile(body=build_body(attributes=arguments))
    by_body = recorder.last.json
    return by_keywords, by_body


@pytest.mark.parametrize("attribute", SCALAR_ATTRIBUTES)
@pytest.mark.parametrize("mode", ["omitted", "none", "value"])
def test_each_attribute_is_absent_null_or_sent(
    client: KlaviyoProfiles, recorder: Recorder, attribute: str, mode: str
) -> None:
    arguments: dict[str, Any] = {}
    # An identifier keeps every request valid when the attribute under test is itself email.
    if attribute != "email":
        arguments["email"] = "ada@example.com"
    argument = ARGUMENT_OF[attribute]
    if mode == "none":
        arguments[argument] = None
    elif mode == "value":
        arguments[argument] = sample(attribute)
    elif attribute == "email":
        arguments["external_id"] = "crm-1"
    for document in send_both_forms(client, recorder, arguments):
        sent = document["data"]["attributes"]
        if mode == "omitted":
            assert attribute not in sent
        elif mode == "none":
            assert attribute in sent and sent[attribute] is None
        else:
            assert sent[attribute] == sample(attribute)


@pytest.mark.parametrize("location_field", facts.LOCATION_FIELDS)
@pytest.mark.parametrize("mode", ["omitted", "none", "value"])
def test_each_location_field_is_absent_null_or_sent(
    client: KlaviyoProfiles, recorder: Recorder, location_field: str, mode: str
) -> None:
    location: dict[str, Any] = {"city": "London"} if location_field != "city" else {"zip": "N1"}
    if mode == "none":
        location[location_field] = None
    elif mode == "value":
        location[location_field] = "51.5" if location_field in ("latitude", "longitude") else "x"
    elif mode == "omitted":
        location[location_field] = UNSET  # explicitly unset is the same as left out
    for document in send_both_forms(
        client, recorder, {"email": "ada@example.com", "location": location}
    ):
        sent = document["data"]["attributes"]["location"]
        if mode == "omitted":
            assert location_field not in sent
        elif mode == "none":
            assert sent[location_field] is None
        else:
            assert sent[location_field] == location[location_field]


def test_none_location_and_meta_are_sent_as_null(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    client.create_or_update_profile(email="ada@example.com", location=None, meta=None)
    data = recorder.last.json["data"]
    assert data["attributes"]["location"] is None
    assert "meta" in data and data["meta"] is None


def test_none_inside_properties_is_sent_as_null(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    client.create_or_update_profile(
        email="ada@example.com", properties={"plan": None, "tier": "gold", "gone": UNSET}
    )
    assert recorder.last.json["data"]["attributes"]["properties"] == {"plan": None, "tier": "gold"}


def test_kx_travels_under_its_wire_name(client: KlaviyoProfiles, recorder: Recorder) -> None:
    client.create_or_update_profile(kx="encrypted-token")
    assert recorder.last.json["data"]["attributes"] == {"_kx": "encrypted-token"}


def test_body_form_passes_through_exactly(client: KlaviyoProfiles, recorder: Recorder) -> None:
    body = {
        "data": {
            "type": "profile",
            "id": None,
            "attributes": {
                "email": "ada@example.com",
                "first_name": None,
                "location": {"city": None, "latitude": 51.5},
                "properties": {"nested": {"deep": None}},
            },
            "meta": {"patch_properties": {"unset": ["old"], "append": {"tags": "vip"}}},
        }
    }
    client.create_or_update_profile(body=body)
    assert recorder.last.json == body


def test_additional_fields_travel_comma_joined_in_one_parameter(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    client.create_or_update_profile(
        email="ada@example.com", additional_fields=list(facts.ADDITIONAL_FIELDS)
    )
    assert recorder.last.query == {
        "additional-fields[profile]": [",".join(facts.ADDITIONAL_FIELDS)]
    }


def test_every_request_carries_revision_media_type_and_key(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    client.create_or_update_profile(email="ada@example.com")
    headers = recorder.last.headers
    assert headers["revision"] == facts.REVISION
    assert headers["content-type"] == facts.MEDIA_TYPE
    assert headers["authorization"] == f"Klaviyo-API-Key {API_KEY}"
    assert recorder.last.path == facts.PATH


# -- property-based: random mixes of value / None / omitted per field -------------------------

_mode = st.sampled_from(["omitted", "none", "value"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    attribute_modes=st.fixed_dictionaries({name: _mode for name in SCALAR_ATTRIBUTES}),
    location_modes=st.fixed_dictionaries({name: _mode for name in facts.LOCATION_FIELDS}),
    location_mode=st.sampled_from(["omitted", "none", "object"]),
    properties=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.none()
        | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
        | st.text(max_size=10)
        | st.booleans(),
        max_size=4,
    ),
)
def test_random_mixes_reach_the_wire_exactly(
    client: KlaviyoProfiles,
    recorder: Recorder,
    attribute_modes: dict[str, str],
    location_modes: dict[str, str],
    location_mode: str,
    properties: dict[str, Any],
) -> None:
    arguments: dict[str, Any] = {"external_id": "crm-1"}
    expected: dict[str, Any] = {"external_id": "crm-1"}
    for attribute, mode in attribute_modes.items():
        if attribute == "external_id" or mode == "omitted":
            continue
        value = None if mode == "none" else sample(attribute)
        arguments[ARGUMENT_OF[attribute]] = value
        expected[attribute] = value
    if location_mode == "none":
        arguments["location"] = expected["location"] = None
    elif location_mode == "object":
        location = {
            field: (None if mode == "none" else "1.5")
            for field, mode in location_modes.items()
            if mode != "omitted"
        }
        arguments["location"] = expected["location"] = location
    if properties:
        arguments["properties"] = expected["properties"] = properties
    client.create_or_update_profile(**arguments)
    assert recorder.last.json == {"data": {"type": "profile", "attributes": expected}}
