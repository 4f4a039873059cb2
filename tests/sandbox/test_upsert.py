"""Create-or-update semantics of the sandbox, read back over HTTP."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import Sandbox
from sandbox_helpers import PATH, body


def upsert(api: httpx.Client, attributes: dict[str, Any], **data: Any) -> httpx.Response:
    return api.post(PATH, json=body(attributes, **data))


def read(api: httpx.Client, profile_id: str) -> dict[str, Any]:
    response = api.get(f"/api/profiles/{profile_id}")
    assert response.status_code == 200, response.text
    attributes: dict[str, Any] = response.json()["data"]["attributes"]
    return attributes


def test_new_email_is_created_with_201_and_the_same_email_then_updates_with_200(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    first = upsert(api, {"email": "ada@example.com", "first_name": "Ada"})
    second = upsert(api, {"email": "ada@example.com", "last_name": "Lovelace"})

    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["data"]["id"] == second.json()["data"]["id"]
    assert second.json()["data"]["attributes"]["first_name"] == "Ada"
    assert len(sandbox.profiles()) == 1


def test_created_profile_has_a_ulid_like_id_and_timestamps(api: httpx.Client) -> None:
    data = upsert(api, {"email": "ada@example.com"}).json()["data"]

    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", data["id"])
    assert data["type"] == "profile"
    assert data["attributes"]["created"].endswith("+00:00")
    assert data["attributes"]["updated"] == data["attributes"]["created"]


def test_response_has_every_response_attribute_but_the_additional_ones(
    api: httpx.Client,
) -> None:
    attributes = upsert(api, {"email": "ada@example.com"}).json()["data"]["attributes"]

    expected = set(facts.RESPONSE_ATTRIBUTES) - set(facts.ADDITIONAL_FIELDS)
    assert set(attributes) == expected


def test_null_clears_field_and_absence_keeps_it(api: httpx.Client) -> None:
    profile_id = upsert(
        api, {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}
    ).json()["data"]["id"]

    upsert(api, {"email": "ada@example.com", "last_name": None, "title": "Countess"})

    stored = read(api, profile_id)
    assert stored["first_name"] == "Ada"
    assert stored["last_name"] is None
    assert stored["title"] == "Countess"


def test_location_merges_field_by_field_and_null_location_clears_it_all(
    api: httpx.Client,
) -> None:
    profile_id = upsert(
        api, {"email": "ada@example.com", "location": {"city": "London", "zip": "N1"}}
    ).json()["data"]["id"]

    upsert(api, {"email": "ada@example.com", "location": {"country": "UK", "zip": None}})
    merged = read(api, profile_id)["location"]
    upsert(api, {"email": "ada@example.com", "location": None})
    cleared = read(api, profile_id)["location"]

    assert (merged["city"], merged["country"], merged["zip"]) == ("London", "UK", None)
    assert all(cleared[name] is None for name in facts.LOCATION_FIELDS)


def test_properties_merge_key_by_key_and_null_properties_clears_them(api: httpx.Client) -> None:
    profile_id = upsert(
        api, {"email": "ada@example.com", "properties": {"plan": "pro", "seats": 3}}
    ).json()["data"]["id"]

    upsert(api, {"email": "ada@example.com", "properties": {"seats": 5, "team": "r&d"}})
    merged = read(api, profile_id)["properties"]
    upsert(api, {"email": "ada@example.com", "properties": None})

    assert merged == {"plan": "pro", "seats": 5, "team": "r&d"}
    assert read(api, profile_id)["properties"] == {}


def test_patch_properties_append_unappend_and_unset(api: httpx.Client) -> None:
    profile_id = upsert(
        api, {"email": "ada@example.com", "properties": {"tags": ["a"], "old": 1, "older": 2}}
    ).json()["data"]["id"]

    upsert(
        api,
        {"email": "ada@example.com"},
        meta={"patch_properties": {"append": {"tags": ["b", "c"], "fresh": "x"}}},
    )
    upsert(
        api,
        {"email": "ada@example.com"},
        meta={"patch_properties": {"unappend": {"tags": "a"}, "unset": ["old", "older"]}},
    )

    assert read(api, profile_id)["properties"] == {"tags": ["b", "c"], "fresh": ["x"]}


def test_patch_identifiers_add_a_secondary_email_that_then_matches_the_profile(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    profile_id = upsert(api, {"email": "ada@example.com"}).json()["data"]["id"]

    added = upsert(
        api,
        {"email": "ada@example.com"},
        meta={"patch_identifiers": {"append": {"email": "countess@example.com"}}},
    )
    matched = upsert(api, {"email": "countess@example.com", "first_name": "Ada"})
    removed = upsert(
        api,
        {"email": "ada@example.com"},
        meta={"patch_identifiers": {"unappend": {"email": "countess@example.com"}}},
    )
    after_removal = upsert(api, {"email": "countess@example.com"})

    assert added.status_code == 200 and removed.status_code == 200
    assert matched.status_code == 200
    assert matched.json()["data"]["id"] == profile_id
    assert after_removal.status_code == 201
    assert len(sandbox.profiles()) == 2


def test_identifiers_of_two_different_profiles_conflict_with_409_naming_the_other(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    ada = upsert(api, {"email": "ada@example.com"}).json()["data"]["id"]
    grace = upsert(api, {"phone_number": "+15005550006"}).json()["data"]["id"]
    before = sandbox.profiles()

    response = upsert(api, {"email": "ada@example.com", "phone_number": "+15005550006"})

    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["code"] == "duplicate_profile"
    assert error["meta"]["duplicate_profile_id"] == grace
    assert ada != grace
    assert sandbox.profiles() == before


def test_id_matches_first_and_may_change_identifiers(api: httpx.Client) -> None:
    profile_id = upsert(api, {"email": "ada@example.com"}).json()["data"]["id"]

    response = upsert(api, {"email": "ada@lovelace.example"}, id=profile_id)
    old_email = upsert(api, {"email": "ada@example.com"})

    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["email"] == "ada@lovelace.example"
    assert old_email.status_code == 201  # the old address no longer identifies anyone


def test_unknown_id_is_404_not_found(api: httpx.Client, sandbox: Sandbox) -> None:
    response = upsert(api, {"email": "ada@example.com"}, id="01J0000000000000000000000X")

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"
    assert sandbox.profiles() == []


def test_email_matches_regardless_of_case(api: httpx.Client) -> None:
    first = upsert(api, {"email": "Ada@Example.com"})
    second = upsert(api, {"email": "ada@example.COM"})

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["data"]["id"] == second.json()["data"]["id"]


def test_kx_and_external_id_identify_profiles(api: httpx.Client) -> None:
    by_external = upsert(api, {"external_id": "crm-1"}).json()["data"]["id"]
    by_kx = upsert(api, {"_kx": "kx-token"}).json()["data"]["id"]

    assert upsert(api, {"external_id": "crm-1", "first_name": "A"}).json()["data"]["id"] == (
        by_external
    )
    again = upsert(api, {"_kx": "kx-token"})
    assert again.status_code == 200 and again.json()["data"]["id"] == by_kx
    assert "_kx" not in again.json()["data"]["attributes"]  # write-only identifier


def test_updated_timestamp_moves_only_when_something_changed(
    api: httpx.Client,
) -> None:
    created = upsert(api, {"email": "ada@example.com"}).json()["data"]["attributes"]
    unchanged = upsert(api, {"email": "ada@example.com"}).json()["data"]["attributes"]

    assert unchanged["updated"] == created["updated"]


def test_get_profile_returns_the_same_resource_and_404_for_an_unknown_id(
    api: httpx.Client,
) -> None:
    posted = upsert(api, {"email": "ada@example.com"}).json()["data"]

    got = api.get(f"/api/profiles/{posted['id']}")
    missing = api.get("/api/profiles/01J0000000000000000000000X")

    assert got.status_code == 200
    assert got.json()["data"] == posted
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "not_found"


def test_resource_links_and_relationships_point_at_the_profile(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    data = upsert(api, {"email": "ada@example.com"}).json()["data"]

    profile_url = f"{sandbox.base_url}/api/profiles/{data['id']}/"
    assert data["links"]["self"] == profile_url
    for name in ("lists", "segments"):
        links = data["relationships"][name]["links"]
        assert links["self"] == f"{profile_url}relationships/{name}/"
        assert links["related"] == f"{profile_url}{name}/"


def test_additional_fields_add_subscriptions_and_predictive_analytics_on_request(
    api: httpx.Client,
) -> None:
    params = {"additional-fields[profile]": "subscriptions,predictive_analytics"}
    response = api.post(PATH, params=params, json=body({"email": "ada@example.com"}))

    attributes = response.json()["data"]["attributes"]
    assert attributes["subscriptions"]["email"]["marketing"]["consent"] == "NEVER_SUBSCRIBED"
    assert "historic_clv" in attributes["predictive_analytics"]


def test_sparse_fieldsets_return_only_the_named_fields(api: httpx.Client) -> None:
    params = {"fields[profile]": "email,location.city"}
    response = api.post(
        PATH,
        params=params,
        json=body({"email": "ada@example.com", "first_name": "Ada", "location": {"city": "X"}}),
    )

    data = response.json()["data"]
    assert data["attributes"] == {"email": "ada@example.com", "location": {"city": "X"}}
    assert data["id"]


def test_unknown_values_in_list_parameters_are_400_naming_the_parameter(
    api: httpx.Client,
) -> None:
    for name in ("additional-fields[profile]", "fields[profile]"):
        response = api.post(PATH, params={name: "email,nonsense"}, json=body({"email": "a@b.co"}))

        assert response.status_code == 400
        assert response.json()["errors"][0]["source"] == {"parameter": name}


def subscription_paths() -> dict[str, dict[str, list[str]]]:
    """Channel -> kind -> fields, as the revision's sparse-field values name them."""
    channels: dict[str, dict[str, list[str]]] = {}
    for dotted in facts.SPARSE_FIELDS:
        parts = dotted.split(".")
        if len(parts) == 4 and parts[0] == "subscriptions":
            channels.setdefault(parts[1], {}).setdefault(parts[2], []).append(parts[3])
    return channels


def test_subscriptions_have_every_channel_and_field_of_the_revision(api: httpx.Client) -> None:
    params = {"additional-fields[profile]": "subscriptions"}

    response = api.post(PATH, params=params, json=body({"email": "ada@example.com"}))

    subscriptions = response.json()["data"]["attributes"]["subscriptions"]
    expected = subscription_paths() or {"email": {"marketing": []}}
    assert {c: set(kinds) for c, kinds in subscriptions.items()} == {
        c: set(kinds) for c, kinds in expected.items()
    }
    for channel, kinds in subscription_paths().items():
        for kind, names in kinds.items():
            assert set(subscriptions[channel][kind]) == set(names), (channel, kind)


@pytest.mark.parametrize(
    "field",
    sorted(f for f in facts.SPARSE_FIELDS if f.startswith("subscriptions.") and f.count(".") == 3)
    or ["subscriptions.email.marketing.consent"],
)
def test_a_sparse_subscription_field_still_answers_the_required_members(
    api: httpx.Client, field: str
) -> None:
    params = {"additional-fields[profile]": "subscriptions", "fields[profile]": field}

    response = api.post(PATH, params=params, json=body({"email": "ada@example.com"}))

    assert response.status_code == 201
    _, channel, kind, name = field.split(".")
    answered = response.json()["data"]["attributes"]["subscriptions"][channel][kind]
    assert name in answered
    assert "consent" in answered
    assert any(key.startswith("can_receive") for key in answered)
    assert set(answered) <= {name, "consent"} | {k for k in answered if k.startswith("can_receive")}
