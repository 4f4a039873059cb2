"""``ProfileResult``: the typed model is built from the decoded body on first access."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from klaviyo_profile_import.models import PostProfileResponse
from klaviyo_profiles import ProfileResult


def _result(raw: Any, **extra: Any) -> ProfileResult:
    return ProfileResult(
        created=True,
        status_code=201,
        profile_id="01JTEST",
        raw=raw,
        rate_limit=None,
        attempts=1,
        response=httpx.Response(201),
        **extra,
    )


BODY = {
    "data": {
        "type": "profile",
        "id": "01JTEST",
        "attributes": {"email": "ada@example.com", "first_name": "Ada"},
        "links": {"self": "https://a.klaviyo.com/api/profiles/01JTEST/"},
    }
}


def test_profile_is_parsed_from_raw_once_and_then_kept() -> None:
    result = _result(BODY)
    profile = result.profile
    assert isinstance(profile, PostProfileResponse)
    assert profile.data.id == "01JTEST"
    assert profile.data.attributes.email == "ada@example.com"
    assert result.profile is profile


def test_profile_given_to_the_constructor_is_used_as_is() -> None:
    model = PostProfileResponse.from_dict(BODY)
    assert _result(None, profile=model).profile is model


def test_unparseable_body_warns_on_first_access_of_profile_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="klaviyo_profiles"):
        result = _result(["not", "a", "profile"])
        assert result.raw == ["not", "a", "profile"]
        assert not caplog.records
        assert result.profile is None
        assert result.profile is None
    assert [record.getMessage() for record in caplog.records] == [
        "201 response could not be parsed into the model; see result.raw"
    ]
