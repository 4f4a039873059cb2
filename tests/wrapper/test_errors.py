"""Each error status maps to its exception class, with the JSON:API errors parsed."""

from __future__ import annotations

import json

import pytest
from klaviyo_profiles import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    KlaviyoProfiles,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ServerError,
    UnsupportedMediaTypeError,
)
from wire_recorder import API_KEY, Recorder, Reply, profile_reply


def jsonapi_error(status: int, code: str, detail: str, **extra: object) -> Reply:
    error = {
        "id": "e1",
        "status": status,
        "code": code,
        "title": code.title(),
        "detail": detail,
        **extra,
    }
    return Reply(
        status,
        json.dumps({"errors": [error]}).encode(),
        {"Content-Type": "application/vnd.api+json"},
    )


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "invalid", BadRequestError),
        (401, "not_authenticated", AuthenticationError),
        (403, "permission_denied", PermissionDeniedError),
        (404, "not_found", NotFoundError),
        (409, "duplicate_profile", ConflictError),
        (413, "invalid", RequestTooLargeError),
        (415, "unsupported_media_type", UnsupportedMediaTypeError),
        (429, "throttled", RateLimitError),
        (500, "error", ServerError),
        (503, "error", ServerError),
    ],
)
def test_status_maps_to_its_class_with_parsed_errors(
    client: KlaviyoProfiles, recorder: Recorder, status: int, code: str, cls: type[APIStatusError]
) -> None:
    recorder.replies.append(jsonapi_error(status, code, "Something specific went wrong."))
    with pytest.raises(cls) as caught:
        client.create_or_update_profile(email="ada@example.com")
    error = caught.value
    assert error.status_code == status
    assert [(e.code, e.detail, e.id) for e in error.errors] == [
        (code, "Something specific went wrong.", "e1")
    ]


def test_message_names_status_code_detail_and_pointer(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    recorder.replies.append(
        jsonapi_error(
            400, "invalid", "Invalid email address", source={"pointer": "/data/attributes/email"}
        )
    )
    with pytest.raises(BadRequestError) as caught:
        client.create_or_update_profile(email="ada@example.com")
    assert str(caught.value) == "400 invalid: Invalid email address (at /data/attributes/email)"
    assert caught.value.errors[0].pointer == "/data/attributes/email"


def test_conflict_exposes_the_other_profile(client: KlaviyoProfiles, recorder: Recorder) -> None:
    recorder.replies.append(
        jsonapi_error(
            409, "duplicate_profile", "Conflict", meta={"duplicate_profile_id": "01JOTHER"}
        )
    )
    with pytest.raises(ConflictError) as caught:
        client.create_or_update_profile(email="ada@example.com")
    assert caught.value.duplicate_profile_id == "01JOTHER"


def test_rate_limit_error_carries_retry_after(client: KlaviyoProfiles, recorder: Recorder) -> None:
    reply = jsonapi_error(429, "throttled", "Request was throttled.")
    reply.headers["Retry-After"] = "7"
    recorder.replies.append(reply)
    with pytest.raises(RateLimitError) as caught:
        client.create_or_update_profile(email="ada@example.com")
    assert caught.value.retry_after == 7


def test_non_json_error_body_still_gives_a_message(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    recorder.replies.append(Reply(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}))
    with pytest.raises(ServerError) as caught:
        client.create_or_update_profile(email="ada@example.com")
    assert caught.value.errors == [] and "Bad Gateway" in str(caught.value)


def test_empty_error_body_uses_the_status_line(client: KlaviyoProfiles, recorder: Recorder) -> None:
    recorder.replies.append(Reply(503, b""))
    with pytest.raises(ServerError) as caught:
        client.create_or_update_profile(email="ada@example.com")
    assert str(caught.value).startswith("503 ")


def test_unexpected_status_is_an_api_status_error(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    recorder.replies.append(Reply(418, b"teapot"))
    with pytest.raises(APIStatusError) as caught:
        client.create_or_update_profile(email="ada@example.com")
    assert caught.value.status_code == 418


def test_refused_connection_is_a_connection_error() -> None:
    with (
        KlaviyoProfiles(
            api_key=API_KEY, base_url="http://127.0.0.1:9", retry_policy=None, rate_limits=False
        ) as client,
        pytest.raises(APIConnectionError),
    ):
        client.create_or_update_profile(email="ada@example.com")


def test_response_straying_from_the_spec_is_still_a_success(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    attributes = {
        "email": "ada@example.com",
        "location": None,
        "properties": None,
        "subscriptions": {
            "email": {"marketing": {"consent": None, "suppression": [{"reason": "NEW_REASON"}]}}
        },
        "brand_new_attribute": {"x": 1},
    }
    recorder.replies.append(profile_reply(200, attributes))
    result = client.create_or_update_profile(email="ada@example.com")
    assert (result.created, result.status_code, result.profile_id) == (
        False,
        200,
        "01JTESTPROFILE0000000000000",
    )
    assert result.profile is not None and result.raw["data"]["attributes"] == attributes
    assert result.rate_limit is not None and result.rate_limit.remaining == 749


def test_unparseable_success_body_keeps_status_and_raw(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    recorder.replies.append(Reply(201, b"not json at all"))
    result = client.create_or_update_profile(email="ada@example.com")
    assert result.created and result.profile is None and result.raw is None
