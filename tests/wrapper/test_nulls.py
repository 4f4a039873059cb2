"""``klaviyo_profiles.nulls``: a null read as "not given" (``omit``), at every depth, purely;
and ``nulls=`` on the calls that take it."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import httpx
import pytest
from klaviyo_profile_import.models import ProfileUpsertQuery
from klaviyo_profiles import UNSET, KlaviyoProfiles, prepare_profile
from klaviyo_profiles.errors import InvalidInputError
from klaviyo_profiles.nulls import NullPolicy, check_null_policy, omit_nulls, omit_nulls_in_body
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig

KEY = "pk_nulls_test_0000000000000000000"


def test_omit_nulls_leaves_out_every_null_member_at_every_depth() -> None:
    row = {
        "email": "ada@example.com",
        "last_name": None,
        "location": {"city": None, "country": "UK"},
        "properties": {"plan": None, "address": {"line2": None, "line1": "1 Main St"}},
    }
    assert omit_nulls(row) == {
        "email": "ada@example.com",
        "location": {"country": "UK"},
        "properties": {"address": {"line1": "1 Main St"}},
    }


def test_an_object_emptied_by_omitted_nulls_goes_and_one_given_empty_stays() -> None:
    assert omit_nulls({"email": "a@example.com", "location": {"city": None}}) == {
        "email": "a@example.com"
    }
    assert omit_nulls({"properties": {"a": {"b": None}}}) == {}
    assert omit_nulls({"email": "a@example.com", "properties": {}}) == {
        "email": "a@example.com",
        "properties": {},
    }


def test_list_items_are_values_and_stay_as_they_are() -> None:
    value = {"properties": {"sizes": [1, None, {"x": None}]}}
    assert omit_nulls(value) == value


def test_the_input_is_never_changed_and_scalars_come_back_as_they_are() -> None:
    row: dict[str, Any] = {"a": None, "b": {"c": None, "d": 1}}
    before = copy.deepcopy(row)
    result = omit_nulls(row)
    assert row == before and result is not row and result["b"] is not row["b"]
    for scalar in (None, 0, "", "text", [None], 1.5):
        assert omit_nulls(scalar) == scalar


def test_a_json_api_body_keeps_its_shape() -> None:
    body = {"data": {"type": "profile", "id": None, "attributes": {"email": "a@example.com",
            "title": None}}}  # fmt: skip
    assert omit_nulls(body) == {
        "data": {"type": "profile", "attributes": {"email": "a@example.com"}}
    }


def test_a_row_with_only_unknown_values_no_longer_needs_the_single_call() -> None:
    row = {"email": "a@example.com", "first_name": None, "location": {"zip": None}}
    assert prepare_profile(row).has_null
    prepared = prepare_profile(omit_nulls(row))
    assert not prepared.has_null and prepared.resource["attributes"] == {"email": "a@example.com"}


def test_an_object_that_contains_itself_ends_and_is_refused_by_the_body_checks() -> None:
    looped: dict[str, Any] = {"email": "a@example.com", "properties": {"x": None}}
    looped["properties"]["self"] = looped["properties"]
    result = omit_nulls(looped)  # returns: never loops, never hits the recursion limit
    with pytest.raises(InvalidInputError):
        prepare_profile(result)


def test_very_deep_nesting_is_returned_for_the_checks_to_refuse() -> None:
    deep: dict[str, Any] = {"leaf": None}
    for _ in range(5000):
        deep = {"n": deep}
    result = omit_nulls({"email": "a@example.com", "properties": deep})
    with pytest.raises(InvalidInputError, match=r"deep|nest"):
        prepare_profile(result)


def test_check_null_policy_names_the_field() -> None:
    assert check_null_policy("omit") == "omit" and check_null_policy("clear") == "clear"
    with pytest.raises(InvalidInputError, match="nulls: expected 'clear' or 'omit'"):
        check_null_policy("drop")


# -- nulls= on the calls: every input form, every depth, UNSET untouched ----------------------

OMITTED = {"type": "profile", "attributes": {"email": "a@example.com", "location": {"zip": "1"}}}


@pytest.mark.parametrize(
    "given",
    [
        {"email": "a@example.com", "first_name": None, "location": {"city": None, "zip": "1"}},
        {"email": "a@example.com", "first_name": UNSET, "id": None, "location": {"zip": "1"}},
        {
            "type": "profile",
            "id": None,
            "meta": None,
            "attributes": {
                "email": "a@example.com",
                "title": None,
                "location": {"city": None, "zip": "1"},
            },
        },
        {
            "data": {
                "type": "profile",
                "attributes": {
                    "email": "a@example.com",
                    "image": None,
                    "location": {"zip": "1", "region": None},
                },
            }
        },
        ProfileUpsertQuery.from_dict(
            {
                "data": {
                    "type": "profile",
                    "attributes": {
                        "email": "a@example.com",
                        "last_name": None,
                        "location": {"zip": "1", "city": None},
                    },
                }
            }
        ),
    ],
    ids=["keywords", "keywords with UNSET", "resource", "body", "generated model"],
)
def test_nulls_omit_reads_every_null_as_not_given_in_every_form(given: Any) -> None:
    prepared = prepare_profile(given, nulls="omit")
    assert prepared.resource == OMITTED and not prepared.has_null
    assert json.loads(prepared.encoded) == OMITTED


def test_nulls_clear_is_the_default_and_unset_stays_not_given_under_it() -> None:
    row = {"email": "a@example.com", "first_name": UNSET, "last_name": None}
    for prepared in (prepare_profile(row), prepare_profile(row, nulls="clear")):
        assert prepared.resource["attributes"] == {"email": "a@example.com", "last_name": None}
        assert prepared.has_null


def test_nulls_omit_keeps_the_attributes_member_when_every_attribute_was_null() -> None:
    body = {"data": {"type": "profile", "id": "01J", "attributes": {"email": None}}}
    assert omit_nulls_in_body(body) == {"data": {"type": "profile", "id": "01J", "attributes": {}}}
    assert body["data"]["attributes"] == {"email": None}  # the input is never changed


def test_an_unknown_null_policy_is_refused_naming_nulls() -> None:
    with pytest.raises(InvalidInputError) as caught:
        prepare_profile({"email": "a@example.com"}, nulls="keep")  # type: ignore[arg-type]
    assert caught.value.field == "nulls"


def test_the_single_call_sends_no_null_under_omit() -> None:
    sent: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(200, json={"data": {"type": "profile", "id": "01J"}})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with KlaviyoProfiles(api_key=KEY, http_client=http, rate_limits=False) as client:
        client.create_or_update_profile(
            email="a@example.com", first_name=None, location={"city": None}, nulls="omit"
        )
        client.create_or_update_profile(
            body={
                "data": {"type": "profile", "attributes": {"email": "a@example.com", "title": None}}
            },
            nulls="omit",
        )
        client.create_or_update_profile(email="a@example.com", first_name=None)
        with pytest.raises(InvalidInputError) as caught:
            client.create_or_update_profile(email="a@example.com", nulls="drop")  # type: ignore[arg-type]
        assert caught.value.field == "nulls"
    assert [json.loads(body)["data"]["attributes"] for body in sent] == [
        {"email": "a@example.com"},
        {"email": "a@example.com"},
        {"email": "a@example.com", "first_name": None},
    ]


def test_a_prepared_profile_follows_the_omit_policy_too() -> None:
    prepared = prepare_profile({"email": "a@example.com", "first_name": None, "title": "T"})
    assert prepared.has_null
    omitted = prepare_profile(prepared, nulls="omit")
    assert not omitted.has_null
    assert omitted.resource["attributes"] == {"email": "a@example.com", "title": "T"}
    assert prepare_profile(prepared) is prepared  # "clear" takes it as it is


def test_prepared_profiles_in_a_many_profile_call_keep_their_nulls_unsent_under_omit() -> None:
    config = SandboxConfig(rate_limits=RateLimitConfig(enabled=False))
    with Sandbox(config) as sandbox:
        with KlaviyoProfiles(api_key=KEY, base_url=sandbox.base_url, rate_limits=False) as client:
            client.create_or_update_profile(email="a@example.com", first_name="Ada")
            rows = [prepare_profile({"email": "a@example.com", "first_name": None, "title": "T"})]
            [outcome] = client.create_or_update_profiles(rows, nulls="omit")
        [stored] = sandbox.profiles()
    assert outcome.ok
    assert (stored["attributes"]["first_name"], stored["attributes"]["title"]) == ("Ada", "T")


@pytest.mark.parametrize("policy", ["clear", "omit"])
def test_a_null_inside_a_list_is_sent_as_a_value_in_a_job_and_logged_as_clearing_nothing(
    policy: NullPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    # Rows whose only null is inside a list clear no field: they go in jobs (which store the
    # list as sent, as the single call does) under either policy, and no log says otherwise.
    config = SandboxConfig(rate_limits=RateLimitConfig(enabled=False))
    rows = [
        {"email": f"l{i}@example.com", "properties": {"tags": [None, "x"], "items": [{"a": None}]}}
        for i in range(120)
    ]
    with Sandbox(config) as sandbox, caplog.at_level(logging.INFO, "klaviyo_profiles"):
        sandbox.set_jobs(queue_delay=0.0, profiles_per_second=100_000)
        with KlaviyoProfiles(api_key=KEY, base_url=sandbox.base_url, rate_limits=False) as client:
            outcomes = client.create_or_update_profiles(rows, nulls=policy, poll_interval=0.02)
        stored = [profile["attributes"]["properties"] for profile in sandbox.profiles()]
    assert {outcome.via for outcome in outcomes} == {"bulk"} and all(o.ok for o in outcomes)
    assert all(p == {"tags": [None, "x"], "items": [{"a": None}]} for p in stored)
    assert len(stored) == 120
    assert not [r for r in caplog.records if "clear a field" in r.getMessage()]
