"""Input the client can already tell is wrong is refused, named, and never sent."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles import (
    InvalidInputError,
    KlaviyoProfiles,
    PayloadTooLargeError,
    UnknownFieldError,
)
from klaviyo_profiles.body import MAX_JSON_DEPTH, decode_json
from wire_recorder import API_KEY, Recorder


def refused(client: KlaviyoProfiles, recorder: Recorder, **arguments: Any) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as caught:
        client.create_or_update_profile(**arguments)
    assert recorder.requests == [], "a refused request must not reach the network"
    return caught.value


def test_misspelt_attribute_names_the_closest_valid_one(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    error = refused(client, recorder, email="ada@example.com", frist_name="Ada")
    assert isinstance(error, UnknownFieldError)
    assert "frist_name" in str(error) and error.suggestion == "first_name"


def test_unknown_location_field_is_refused(client: KlaviyoProfiles, recorder: Recorder) -> None:
    error = refused(client, recorder, email="ada@example.com", location={"cty": "Paris"})
    assert isinstance(error, UnknownFieldError) and error.suggestion == "city"


def test_wrong_json_type_names_field_and_expectation(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    error = refused(client, recorder, email=42)
    assert error.field.endswith("email") and "string" in error.expected


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, Decimal("NaN")])
def test_non_finite_numbers_are_refused(
    client: KlaviyoProfiles, recorder: Recorder, bad: Any
) -> None:
    error = refused(client, recorder, email="ada@example.com", properties={"score": bad})
    assert error.field == "properties.score"


@pytest.mark.parametrize("bad", [{1, 2}, b"bytes", object()])
def test_values_json_cannot_carry_are_refused(
    client: KlaviyoProfiles, recorder: Recorder, bad: Any
) -> None:
    error = refused(client, recorder, email="ada@example.com", properties={"x": bad})
    assert error.field == "properties.x"


def test_dates_and_decimals_become_iso_strings_and_numbers(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    client.create_or_update_profile(
        email="ada@example.com",
        properties={
            "signed_up": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
            "birthday": dt.date(1815, 12, 10),
            "spent": Decimal("12.50"),
            "orders": Decimal("3"),
        },
    )
    assert recorder.last.json["data"]["attributes"]["properties"] == {
        "signed_up": "2026-01-02T03:04:05+00:00",
        "birthday": "1815-12-10",
        "spent": 12.5,
        "orders": 3,
    }


def test_body_over_the_payload_limit_is_refused(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    error = refused(
        client,
        recorder,
        email="ada@example.com",
        properties={"blob": "x" * facts.PAYLOAD_LIMIT_BYTES},
    )
    assert isinstance(error, PayloadTooLargeError) and error.limit == facts.PAYLOAD_LIMIT_BYTES


def test_unknown_additional_field_is_refused(client: KlaviyoProfiles, recorder: Recorder) -> None:
    error = refused(client, recorder, email="ada@example.com", additional_fields=["subscription"])
    assert isinstance(error, UnknownFieldError) and error.suggestion == "subscriptions"


def test_empty_request_is_refused(client: KlaviyoProfiles, recorder: Recorder) -> None:
    refused(client, recorder)


def test_body_and_keywords_together_are_refused(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    body = {"data": {"type": "profile", "attributes": {"email": "ada@example.com"}}}
    error = refused(client, recorder, body=body, first_name="Ada")
    assert error.field == "body"


def test_anonymous_id_is_accepted_only_where_the_revision_has_it(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    if "anonymous_id" in facts.REQUEST_ATTRIBUTES:
        client.create_or_update_profile(anonymous_id="anon-1")  # type: ignore[call-arg, unused-ignore]
        assert recorder.last.json["data"]["attributes"] == {"anonymous_id": "anon-1"}
    else:
        error = refused(client, recorder, anonymous_id="anon-1")
        assert isinstance(error, UnknownFieldError)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "pk live",
        "pk_\nX-Injected: 1",
        "pk_\ttab",
        # a trailing newline once passed: the check's "$" matched before it
        "pk_0123456789abcdef\n",
        "pk_0123456789abcdef\r\n",
        "pk_0123456789abcdef\t",
        "pk_0123456789abcdef ",
        " pk_0123456789abcdef",
        "pk_0123\u00a0456789abcdef",
        "pk_0123456789abcdef\u2028",
        "pk_0123456789abcdef\x00",
        "pk_0123456789abcdef\x7f",
        "pk_0123456789abcdef\u200b",
    ],
)
def test_unusable_api_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        KlaviyoProfiles(api_key=key, base_url="http://127.0.0.1:9")
    assert caught.value.field == "api_key"
    if key:
        assert key not in str(caught.value)


def test_plain_http_is_refused_off_loopback() -> None:
    with pytest.raises(InvalidInputError) as caught:
        KlaviyoProfiles(api_key=API_KEY, base_url="http://example.com")
    assert caught.value.field == "base_url"
    KlaviyoProfiles(
        api_key=API_KEY, base_url="http://example.com", allow_insecure_http=True
    ).close()
    KlaviyoProfiles(api_key=API_KEY, base_url="http://[::1]:8080").close()


def test_api_key_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)
    with pytest.raises(InvalidInputError):
        KlaviyoProfiles(base_url="http://127.0.0.1:9")
    monkeypatch.setenv("KLAVIYO_API_KEY", API_KEY)
    KlaviyoProfiles(base_url="http://127.0.0.1:9").close()


@pytest.mark.parametrize(
    "text",
    [
        "[" * 5000 + "]" * 5000,
        # A repeated name first: the decoder stops there, and the pass that finds where the
        # name is must not recurse past what Python allows either.
        '[{"a": 1, "a": 2},' + "[" * 5000 + "]" * 5000 + "]",
        '{"a": {"b": 1, "b": 2}, "c": ' + "[" * 5000 + "]" * 5000 + "}",
    ],
    ids=["deep", "repeated-name-then-deep", "nested-repeated-name-then-deep"],
)
def test_json_nested_too_deep_is_one_typed_refusal(text: str) -> None:
    with pytest.raises(ValueError, match=f"deeper than the {MAX_JSON_DEPTH} levels") as caught:
        decode_json(text)
    assert type(caught.value) is ValueError  # not RecursionError, a RuntimeError
    with pytest.raises(ValueError, match="levels"):
        decode_json(text.encode())


class Unreadable(Mapping[str, Any]):
    """A caller's mapping that fails when it is read."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        raise ValueError("the row object broke while it was read")

    def __len__(self) -> int:
        return 1


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        (Unreadable(), "profiles[1]"),
        ({"email": "b@example.com", "location": Unreadable()}, "profiles[1].location"),
        ({"email": "b@example.com", "meta": Unreadable()}, "profiles[1].meta"),
        ({"data": {"type": "profile", "attributes": Unreadable()}}, "profiles[1].data.attributes"),
    ],
)
def test_a_row_that_fails_while_it_is_read_is_refused_naming_it_before_anything_is_sent(
    client: KlaviyoProfiles, recorder: Recorder, profile: Any, field: str
) -> None:
    rows = [{"email": "a@example.com"}, profile]
    with pytest.raises(InvalidInputError) as caught:
        client.create_or_update_profiles(rows, via="single")
    assert caught.value.field == field
    assert isinstance(caught.value.__cause__, ValueError)
    assert recorder.requests == [], "a refused request must not reach the network"


def test_a_row_of_an_iterator_that_fails_while_it_is_read_is_its_outcome(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    def rows() -> Iterator[Any]:
        yield {"email": "a@example.com"}
        yield {"email": "b@example.com", "location": Unreadable()}
        yield {"email": "c@example.com"}

    outcomes = client.create_or_update_profiles(rows(), via="single")
    assert [(o.index, o.ok, o.via) for o in outcomes] == [
        (0, True, "single"),
        (1, False, "none"),
        (2, True, "single"),
    ]
    assert isinstance(outcomes[1].error, InvalidInputError)
    assert outcomes[1].error.field == "profiles[1].location"
    assert len(recorder.requests) == 2
