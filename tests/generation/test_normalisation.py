"""The normalisation step and the generated models: exact null/unset on the way out, tolerance
on the way in.

Requests must say precisely what the caller meant (``null`` clears a field in Klaviyo, a missing
key keeps it). Responses must parse whatever Klaviyo really sends, including what its own spec
says it never sends.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import jsonschema
import pytest
import spec_tools
from klaviyo_profile_import import Client, facts, payloads
from klaviyo_profile_import.api.profiles import create_or_update_profile as endpoint
from klaviyo_profile_import.models import (
    CreateOrUpdateProfileResponse4XX,
    EmailMarketingSuppression,
    PostProfileResponse,
    ProfileEnum,
    ProfileLocation,
    ProfileUpsertQuery,
    ProfileUpsertQueryResourceObject,
    ProfileUpsertQueryResourceObjectAttributes,
    ProfileUpsertQueryResourceObjectAttributesPropertiesType0,
)
from klaviyo_profile_import.types import UNSET, Response

# --------------------------------------------------------------------------------------------
# Requests: null versus unset


def _body_with_nulls() -> ProfileUpsertQuery:
    """first_name, location and meta set to None; last_name, phone_number and the rest unset."""
    return ProfileUpsertQuery(
        data=ProfileUpsertQueryResourceObject(
            type_=ProfileEnum.PROFILE,
            attributes=ProfileUpsertQueryResourceObjectAttributes(
                email="ada@example.com", first_name=None, location=None
            ),
            meta=None,
        )
    )


EXPECTED_WIRE_BODY = {
    "data": {
        "type": "profile",
        "attributes": {"email": "ada@example.com", "first_name": None, "location": None},
        "meta": None,
    }
}


def test_model_to_dict_keeps_none_as_null_and_leaves_unset_out() -> None:
    assert _body_with_nulls().to_dict() == EXPECTED_WIRE_BODY


def test_endpoint_sends_none_as_null_and_leaves_unset_out() -> None:
    kwargs = endpoint._get_kwargs(body=_body_with_nulls())
    # What httpx writes on the wire is json.dumps of kwargs["json"]: compare that text too, so
    # that a None turning into a missing key (or the reverse) cannot hide behind dict equality.
    wire = json.loads(json.dumps(kwargs["json"]))
    assert wire == EXPECTED_WIRE_BODY
    attributes = wire["data"]["attributes"]
    assert "last_name" not in attributes
    assert "phone_number" not in attributes
    assert "properties" not in attributes
    assert '"location": null' in json.dumps(kwargs["json"])
    assert '"meta": null' in json.dumps(kwargs["json"])


def test_nested_null_and_unset_inside_location_and_properties() -> None:
    """Inside an object the same rule holds: a null clears one field, a missing key keeps it."""
    properties = ProfileUpsertQueryResourceObjectAttributesPropertiesType0.from_dict(
        {"plan": "pro", "coupon": None}
    )
    attributes = ProfileUpsertQueryResourceObjectAttributes(
        location=ProfileLocation(city="London", region=None), properties=properties
    )
    assert attributes.to_dict() == {
        "location": {"city": "London", "region": None},
        "properties": {"plan": "pro", "coupon": None},
    }


def test_kx_keeps_its_exact_name_on_the_wire() -> None:
    attributes = ProfileUpsertQueryResourceObjectAttributes.from_dict({"_kx": "abc", "email": None})
    assert attributes.field_kx == "abc"
    assert attributes.additional_properties == {}
    body = ProfileUpsertQuery(
        data=ProfileUpsertQueryResourceObject(type_=ProfileEnum.PROFILE, attributes=attributes)
    )
    wire = endpoint._get_kwargs(body=body)["json"]
    assert wire["data"]["attributes"] == {"_kx": "abc", "email": None}
    assert "field_kx" not in json.dumps(wire)
    assert "_kx" in facts.REQUEST_ATTRIBUTES


def test_kx_keeps_its_exact_name_in_the_typeddict() -> None:
    attributes = payloads.ProfileUpsertQueryResourceObjectAttributes
    assert "_kx" in attributes.__annotations__
    # Every attribute is optional; a TypedDict only knows that at run time when NotRequired is
    # evaluated (not left as a string by ``from __future__ import annotations``).
    assert "_kx" in attributes.__optional_keys__
    assert attributes.__required_keys__ == frozenset()
    assert set(attributes.__optional_keys__) == set(facts.REQUEST_ATTRIBUTES)
    resource = payloads.ProfileUpsertQueryResourceObject
    assert {"type", "attributes"} <= resource.__required_keys__
    assert {"id", "meta"} <= resource.__optional_keys__
    assert payloads.ProfileUpsertQuery.__required_keys__ == frozenset({"data"})


# --------------------------------------------------------------------------------------------
# Responses: what Klaviyo really sends parses, through the endpoint module's own parsing


def _full_response() -> dict[str, Any]:
    """A 200/201 body with every documented part present, including whatsapp and open_tracking."""
    stamp = "2026-07-20T10:00:00+00:00"
    whatsapp_channel = {
        "can_receive": True,
        "consent": "SUBSCRIBED",
        "consent_timestamp": stamp,
        "created_timestamp": stamp,
        "last_updated": stamp,
        "metadata": {"source": "checkout"},
        "phone_number": "+447700900123",
        "valid_until": None,
    }
    return {
        "data": {
            "type": "profile",
            "id": "01J0PROFILE",
            "attributes": {
                "email": "ada@example.com",
                "phone_number": "+447700900123",
                "external_id": "crm-42",
                "first_name": "Ada",
                "last_name": None,
                "organization": None,
                "locale": "en-GB",
                "title": None,
                "image": None,
                "created": stamp,
                "updated": stamp,
                "last_event_date": None,
                "location": None,
                "properties": None,
                "subscriptions": {
                    "email": {
                        "marketing": {
                            "can_receive_email_marketing": False,
                            "consent": "UNSUBSCRIBED",
                            "consent_timestamp": stamp,
                            "last_updated": stamp,
                            "method": "PREFERENCE_PAGE",
                            "method_detail": "",
                            "custom_method_detail": None,
                            "double_optin": None,
                            "suppression": [{"reason": "UNSUBSCRIBE", "timestamp": stamp}],
                            "list_suppressions": [
                                {"list_id": "L1", "reason": "UNSUBSCRIBE", "timestamp": stamp}
                            ],
                        },
                        "open_tracking": {
                            "can_receive": True,
                            "consent": "SUBSCRIBED",
                            "consent_timestamp": stamp,
                            "last_updated": stamp,
                            "created_timestamp": stamp,
                            "metadata": None,
                            "valid_until": None,
                        },
                    },
                    "sms": {
                        "marketing": {
                            "can_receive_sms_marketing": True,
                            "consent": "SUBSCRIBED",
                            "consent_timestamp": stamp,
                            "method": "TEXT",
                            "method_detail": "JOIN",
                            "last_updated": stamp,
                        },
                        "transactional": {
                            "can_receive_sms_transactional": True,
                            "consent": "SUBSCRIBED",
                            "consent_timestamp": stamp,
                            "method": "TEXT",
                            "method_detail": "JOIN",
                            "last_updated": stamp,
                        },
                    },
                    "mobile_push": {
                        "marketing": {
                            "can_receive_push_marketing": False,
                            "consent": "NEVER_SUBSCRIBED",
                            "consent_timestamp": None,
                        }
                    },
                    "whatsapp": {
                        "marketing": dict(whatsapp_channel),
                        "transactional": dict(whatsapp_channel),
                        "conversational": dict(whatsapp_channel),
                    },
                },
                "predictive_analytics": {
                    "historic_clv": 93.87,
                    "predicted_clv": 27.24,
                    "total_clv": 121.11,
                    "historic_number_of_orders": 2,
                    "predicted_number_of_orders": 0.54,
                    "average_days_between_orders": 189,
                    "average_order_value": 46.94,
                    "churn_probability": 0.89,
                    "expected_date_of_next_order": stamp,
                    "ranked_channel_affinity": ["email", "sms"],
                },
            },
            "relationships": {
                "lists": {"links": {"self": "https://x/l", "related": "https://x/lr"}},
                "segments": {"links": {"self": "https://x/s", "related": "https://x/sr"}},
            },
            "links": {"self": "https://a.klaviyo.com/api/profiles/01J0PROFILE/"},
        },
        "links": {"self": "https://a.klaviyo.com/api/profile-import"},
        "meta": {"agent_hints": {"next_steps": ["get the profile"]}},
    }


def _receive(status: int, body: dict[str, Any]) -> Response[Any]:
    """Run a response through the generated endpoint module's own parsing."""
    raw = httpx.Response(status, json=body, headers={"content-type": "application/vnd.api+json"})
    return endpoint._build_response(client=Client(base_url="http://unused.invalid"), response=raw)


def _parsed_profile(body: dict[str, Any], status: int = 200) -> PostProfileResponse:
    result = _receive(status, body)
    # The endpoint returns None for anything it cannot parse; a None here is a parse failure.
    assert isinstance(result.parsed, PostProfileResponse), result.parsed
    return result.parsed


@pytest.mark.parametrize("status", [200, 201])
def test_full_response_with_null_location_properties_and_extra_keys_parses(status: int) -> None:
    body = _full_response()
    body["data"]["attributes"]["shoe_size"] = 42
    body["data"]["unexpected_section"] = {"a": 1}
    body["jsonapi"] = {"version": "1.1"}
    profile = _parsed_profile(body, status)

    assert profile.data is not None and profile.data.attributes is not None
    attributes = profile.data.attributes
    assert profile.data.id == "01J0PROFILE"
    assert attributes.location is None
    assert attributes.properties is None
    assert attributes.last_name is None
    assert attributes.phone_number == "+447700900123"
    # Unknown keys are kept beside the model, at every level.
    assert attributes.additional_properties == {"shoe_size": 42}
    assert profile.data.additional_properties == {"unexpected_section": {"a": 1}}
    assert profile.additional_properties == {"jsonapi": {"version": "1.1"}}

    subscriptions = attributes.subscriptions
    assert subscriptions and subscriptions.email and subscriptions.whatsapp
    assert subscriptions.email.open_tracking and subscriptions.email.open_tracking.can_receive
    assert subscriptions.whatsapp.conversational
    assert subscriptions.whatsapp.conversational.phone_number == "+447700900123"
    assert subscriptions.whatsapp.marketing and subscriptions.whatsapp.transactional
    assert subscriptions.email.marketing and subscriptions.email.marketing.suppression
    assert subscriptions.email.marketing.suppression[0].reason == "UNSUBSCRIBE"
    assert attributes.predictive_analytics
    assert attributes.predictive_analytics.ranked_channel_affinity == ["email", "sms"]
    assert profile.links and profile.links.self_ == body["links"]["self"]

    # Nothing is lost: the model writes back what came in (datetimes aside, which it
    # re-renders in an equivalent form).
    round_trip = profile.to_dict()
    assert round_trip["data"]["attributes"]["shoe_size"] == 42
    assert round_trip["data"]["attributes"]["location"] is None
    assert round_trip["jsonapi"] == {"version": "1.1"}


def _parent(body: Any, path: str) -> tuple[Any, str | int]:
    """The container holding the last part of a dotted path (digits index lists)."""
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    return node, int(last) if last.isdigit() else last


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    node, key = _parent(body, path)
    node[key] = value


def _drop(body: dict[str, Any], path: str) -> None:
    node, key = _parent(body, path)
    del node[key]


MARKETING = "data.attributes.subscriptions.email.marketing"


def _marketing(profile: PostProfileResponse) -> Any:
    assert profile.data and profile.data.attributes and profile.data.attributes.subscriptions
    assert profile.data.attributes.subscriptions.email
    return profile.data.attributes.subscriptions.email.marketing


def test_unknown_suppression_reason_is_kept_as_the_string() -> None:
    body = _full_response()
    _set(body, f"{MARKETING}.suppression", [{"reason": "NEW_REASON_2027", "timestamp": None}])
    reason = _marketing(_parsed_profile(body)).suppression[0].reason
    assert reason == "NEW_REASON_2027"
    assert isinstance(reason, str)
    assert str(reason) == "NEW_REASON_2027"
    assert json.dumps(reason) == '"NEW_REASON_2027"'
    # Known values still come back as the declared members.
    known = EmailMarketingSuppression.from_dict({"reason": "HARD_BOUNCE", "timestamp": None})
    assert known.reason.name == "HARD_BOUNCE"


def test_unknown_channel_in_ranked_channel_affinity_is_kept_as_the_string() -> None:
    body = _full_response()
    _set(body, "data.attributes.predictive_analytics.ranked_channel_affinity", ["rcs", "email"])
    profile = _parsed_profile(body)
    assert profile.data and profile.data.attributes and profile.data.attributes.predictive_analytics
    channels = profile.data.attributes.predictive_analytics.ranked_channel_affinity
    assert channels == ["rcs", "email"]
    assert profile.to_dict()["data"]["attributes"]["predictive_analytics"][
        "ranked_channel_affinity"
    ] == ["rcs", "email"]


@pytest.mark.parametrize(
    "path",
    [
        f"{MARKETING}.can_receive_email_marketing",
        f"{MARKETING}.consent",
        "data.attributes.subscriptions.email.open_tracking.can_receive",
        "data.attributes.subscriptions.whatsapp.marketing.consent",
        "data.type",
        "data.links.self",
        "links.self",
        "data.attributes.subscriptions",
        "data.attributes.predictive_analytics.historic_clv",
    ],
)
def test_null_where_the_spec_says_not_nullable_parses(path: str) -> None:
    body = _full_response()
    _set(body, path, None)
    node, key = _parent(_parsed_profile(body).to_dict(), path)
    assert node[key] is None


@pytest.mark.parametrize(
    "path",
    [
        f"{MARKETING}.consent",
        f"{MARKETING}.can_receive_email_marketing",
        "data.attributes.subscriptions.email.open_tracking.consent",
        f"{MARKETING}.suppression.0.timestamp",
        "data.links.self",
        "data.type",
        "data.id",
        "data",
    ],
)
def test_required_key_missing_parses(path: str) -> None:
    body = _full_response()
    _drop(body, path)
    profile = _parsed_profile(body)
    # Missing stays missing: the model does not invent the key (as a null or a default).
    node, key = _parent(profile.to_dict(), path)
    assert key not in node
    if path == f"{MARKETING}.consent":
        assert _marketing(profile).consent is UNSET


def test_extra_keys_everywhere_are_kept() -> None:
    body = _full_response()
    _set(body, f"{MARKETING}.new_flag", True)
    _set(body, "data.attributes.subscriptions.rcs", {"marketing": {"consent": "SUBSCRIBED"}})
    _set(body, "meta.request_id", "r-1")
    profile = _parsed_profile(body)
    assert _marketing(profile).additional_properties == {"new_flag": True}
    assert profile.data and profile.data.attributes and profile.data.attributes.subscriptions
    assert profile.data.attributes.subscriptions.additional_properties == {
        "rcs": {"marketing": {"consent": "SUBSCRIBED"}}
    }
    assert profile.meta and profile.meta.additional_properties["request_id"] == "r-1"


def test_all_deviations_at_once_parse() -> None:
    body = _full_response()
    _set(body, f"{MARKETING}.suppression", [{"reason": "BRAND_NEW", "timestamp": None}])
    _set(body, f"{MARKETING}.can_receive_email_marketing", None)
    _drop(body, f"{MARKETING}.consent")
    _set(body, "data.attributes.predictive_analytics.ranked_channel_affinity", ["rcs"])
    _set(body, "links.self", None)
    _set(body, "data.attributes.brand_new", {"x": [1, 2]})
    profile = _parsed_profile(body)
    assert _marketing(profile).suppression[0].reason == "BRAND_NEW"


def test_json_api_error_body_parses() -> None:
    body = {
        "errors": [
            {
                "id": "e1",
                "status": 400,
                "code": "invalid",
                "title": "Invalid input.",
                "detail": "The email is not valid.",
                "source": {"pointer": "/data/attributes/email"},
                "links": {"about": "https://x"},
            }
        ]
    }
    result = _receive(400, body)
    assert isinstance(result.parsed, CreateOrUpdateProfileResponse4XX)
    assert result.parsed.errors and result.parsed.errors[0].detail == "The email is not valid."


@pytest.mark.parametrize("status", [500, 502, 503])
def test_non_json_5xx_body_gives_parsed_none_with_status_and_content_intact(status: int) -> None:
    content = b"<html><body>upstream connect error</body></html>"
    raw = httpx.Response(status, content=content, headers={"content-type": "text/html"})
    result = endpoint._build_response(client=Client(base_url="http://unused.invalid"), response=raw)
    assert result.parsed is None
    assert result.status_code == status
    assert result.content == content
    assert result.headers["content-type"] == "text/html"


# --------------------------------------------------------------------------------------------
# spec_tools: the normalisation functions, on small documents built for each case


def test_wrap_nullable_refs_moves_a_nullable_ref_into_a_one_member_anyof() -> None:
    node = {
        "properties": {
            "location": {"description": "d", "$ref": "#/components/schemas/L", "nullable": True},
            "plain": {"$ref": "#/components/schemas/P"},
            "not_null": {"$ref": "#/components/schemas/P", "nullable": False},
            "list": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/L", "nullable": True},
            },
        }
    }
    original = copy.deepcopy(node)
    wrapped = spec_tools.wrap_nullable_refs(node)
    assert node == original, "the input must not be changed"
    properties = wrapped["properties"]
    assert properties["location"] == {
        "description": "d",
        "anyOf": [{"$ref": "#/components/schemas/L"}],
        "nullable": True,
    }
    assert properties["plain"] == {"$ref": "#/components/schemas/P"}
    assert properties["not_null"] == original["properties"]["not_null"]
    assert properties["list"]["items"] == {
        "anyOf": [{"$ref": "#/components/schemas/L"}],
        "nullable": True,
    }


def test_wrap_nullable_refs_leaves_no_nullable_ref_in_the_real_fragment(
    fragment: dict[str, Any],
) -> None:
    def nullable_refs(node: Any) -> int:
        if isinstance(node, dict):
            own = 1 if "$ref" in node and node.get("nullable") is True else 0
            return own + sum(nullable_refs(value) for value in node.values())
        if isinstance(node, list):
            return sum(nullable_refs(value) for value in node)
        return 0

    assert nullable_refs(fragment) >= 2  # location and meta at least
    assert nullable_refs(spec_tools.wrap_nullable_refs(fragment)) == 0


def test_to_json_schema_turns_nullable_into_null_types() -> None:
    assert spec_tools.to_json_schema({"type": "string", "nullable": True}) == {
        "type": ["string", "null"]
    }
    assert spec_tools.to_json_schema({"type": "string", "enum": ["a"], "nullable": True}) == {
        "type": ["string", "null"],
        "enum": ["a", None],
    }
    assert spec_tools.to_json_schema({"$ref": "#/x", "nullable": True}) == {
        "anyOf": [{"$ref": "#/x"}, {"type": "null"}]
    }
    assert spec_tools.to_json_schema(
        {"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True}
    ) == {"anyOf": [{"oneOf": [{"type": "string"}, {"type": "number"}]}, {"type": "null"}]}
    assert spec_tools.to_json_schema({"type": "string", "nullable": False}) == {"type": "string"}
    # A property *named* "nullable" is a name, not the keyword.
    nested = {"type": "object", "properties": {"nullable": {"type": "boolean", "nullable": True}}}
    assert spec_tools.to_json_schema(nested) == {
        "type": "object",
        "properties": {"nullable": {"type": ["boolean", "null"]}},
    }


def test_request_body_json_schema_accepts_null_where_the_spec_allows_it() -> None:
    """The schema facts.py ships validates bodies with a real JSON Schema validator."""
    validator = jsonschema.Draft202012Validator(facts.request_body_schema())
    assert validator.is_valid(EXPECTED_WIRE_BODY)
    assert validator.is_valid(
        {"data": {"type": "profile", "attributes": {"_kx": None, "location": {"city": None}}}}
    )
    assert not validator.is_valid({"data": {"attributes": {}}})  # type is required
    assert not validator.is_valid({"data": {"type": "profile", "attributes": {"location": 3}}})


Fragment = dict[str, Any]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _synthetic_fragment() -> Fragment:
    """One operation whose request and response share schemas, in the shapes that matter."""
    return {
        "openapi": "3.0.2",
        "info": {"title": "t", "version": "2026-07-15"},
        "paths": {
            "/api/profile-import": {
                "post": {
                    "operationId": "create_or_update_profile",
                    "requestBody": {
                        "content": {"application/vnd.api+json": {"schema": ref("Request")}}
                    },
                    "responses": {
                        "200": {
                            "description": "",
                            "content": {"application/vnd.api+json": {"schema": ref("Reply")}},
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Request": {
                    "type": "object",
                    "properties": {"strict": ref("Strict"), "loose": ref("Loose")},
                    "required": ["strict"],
                },
                "Reply": {
                    "type": "object",
                    "properties": {
                        "strict": ref("Strict"),
                        "loose": ref("Loose"),
                        "own": ref("ReplyOnly"),
                    },
                    "required": ["own"],
                },
                # Shared, and loosening would change it: must be cloned for the response.
                "Strict": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}},
                    "required": ["name"],
                },
                # Shared but already as loose as it gets, except through what it references.
                "Loose": {
                    "type": "object",
                    "properties": {"inner": {**ref("Inner"), "nullable": True}},
                },
                # Shared, strict, and reached from the response only through Loose.
                "Inner": {
                    "type": "object",
                    "properties": {"flag": {"type": "boolean"}},
                    "required": ["flag"],
                },
                "ReplyOnly": {
                    "type": "object",
                    "properties": {"count": {"type": "integer"}},
                    "required": ["count"],
                },
            }
        },
    }


def _schemas_reached(document: Fragment, root: Any) -> dict[str, Any]:
    schemas = document["components"]["schemas"]
    return {name: schemas[name] for name in spec_tools.schema_reach(document, root)}


def _is_loose(schema: dict[str, Any]) -> bool:
    properties = schema.get("properties") or {}
    return "required" not in schema and all(p.get("nullable") for p in properties.values())


def test_make_responses_tolerant_clones_shared_schemas_and_keeps_requests_exact() -> None:
    original = _synthetic_fragment()
    tolerant = spec_tools.make_responses_tolerant(original)
    assert original == _synthetic_fragment(), "the input must not be changed"
    schemas = tolerant["components"]["schemas"]

    # The request side is exactly as written.
    _, _, operation = spec_tools.find_operation(tolerant)
    request_side = _schemas_reached(tolerant, operation["requestBody"])
    for name, schema in request_side.items():
        assert schema == original["components"]["schemas"][name], name
    assert schemas["Strict"]["required"] == ["name"]
    assert schemas["Inner"]["required"] == ["flag"]

    # Every schema a response reaches allows null and requires nothing.
    response_side = _schemas_reached(tolerant, operation["responses"])
    assert response_side, "the response must reach schemas"
    strict_on_response_side = [name for name, s in response_side.items() if not _is_loose(s)]
    assert not strict_on_response_side
    assert "StrictReceived" in response_side
    assert schemas["StrictReceived"]["properties"]["name"] == {"type": "string", "nullable": True}
    # A response-only schema is loosened where it is.
    assert "ReplyOnly" in response_side and _is_loose(schemas["ReplyOnly"])


def test_make_responses_tolerant_does_not_clone_a_shared_schema_it_need_not_change() -> None:
    document = _synthetic_fragment()
    schemas = document["components"]["schemas"]
    schemas["Inner"] = {
        "type": "object",
        "properties": {"flag": {"type": "boolean", "nullable": True}},
    }
    tolerant = spec_tools.make_responses_tolerant(document)
    added = set(tolerant["components"]["schemas"]) - set(schemas)
    assert added == {"StrictReceived"}


def test_make_responses_tolerant_clones_a_shared_schema_that_reaches_a_cloned_one() -> None:
    """Loose itself needs no loosening, but responses would reach strict Inner through it."""
    tolerant = spec_tools.make_responses_tolerant(_synthetic_fragment())
    schemas = tolerant["components"]["schemas"]
    assert {"LooseReceived", "InnerReceived"} <= set(schemas)
    assert schemas["Loose"]["properties"]["inner"]["$ref"] == "#/components/schemas/Inner"
    assert schemas["LooseReceived"]["properties"]["inner"]["$ref"] == (
        "#/components/schemas/InnerReceived"
    )


def test_make_responses_tolerant_on_the_real_fragment_changes_responses_only(
    fragment: dict[str, Any],
) -> None:
    tolerant = spec_tools.make_responses_tolerant(fragment)
    before = spec_tools.operation_facts(fragment)
    after = spec_tools.operation_facts(tolerant)
    for place, value in before.items():
        if not place.startswith("response"):
            assert after[place] == value, place
    for place, value in after.items():
        if place.startswith("response") and "|" not in place and "/" in place:
            assert value.get("required") is False, place
            if not place.endswith("[]"):  # list items stay as declared; their fields loosen
                assert value.get("nullable") is True, place


def test_comma_joined_query_parameters_lists_explode_false_arrays(fragment: dict[str, Any]) -> None:
    assert spec_tools.comma_joined_query_parameters(fragment) == [
        "additional-fields[profile]",
        "fields[profile]",
    ]
    array = {"type": "array", "items": {"type": "string"}}
    _, _, operation = spec_tools.find_operation(fragment)
    operation["parameters"] = [
        {"name": "joined", "in": "query", "schema": array, "explode": False},
        {"name": "repeated", "in": "query", "schema": array, "explode": True},
        {"name": "default-explode", "in": "query", "schema": array},
        {
            "name": "spaces",
            "in": "query",
            "schema": array,
            "explode": False,
            "style": "spaceDelimited",
        },
        {"name": "scalar", "in": "query", "schema": {"type": "string"}, "explode": False},
        {"name": "header-list", "in": "header", "schema": array, "explode": False},
        {"$ref": "#/components/parameters/Referenced"},
    ]
    fragment["components"]["parameters"] = {
        "Referenced": {"name": "by-ref", "in": "query", "schema": array, "explode": False}
    }
    assert spec_tools.comma_joined_query_parameters(fragment) == ["joined", "by-ref"]
