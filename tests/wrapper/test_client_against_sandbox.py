"""The clients against the sandbox over loopback: upsert semantics as a user sees them.

Each scenario runs through the sync and the async client; profiles are read back with a plain
``GET /api/profiles/{id}`` as Klaviyo serves it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles import (
    AsyncKlaviyoProfiles,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    KlaviyoProfiles,
    ProfileResult,
)
from wire_recorder import API_KEY, Recorded, official_validator

Upsert = Callable[..., ProfileResult]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    from klaviyo_profiles.sandbox import Sandbox

    with Sandbox() as running:
        yield running


def assert_requests_follow_klaviyos_spec(sandbox: Any, repo_root: Path) -> None:
    """Every request the client sent satisfies Klaviyo's own spec for the revision."""
    check = official_validator(repo_root / "tests" / "klaviyo_spec", facts.REVISION)
    assert check is not None, f"no spec facts for {facts.REVISION} in tests/klaviyo_spec"
    problems = []
    for index, logged in enumerate(sandbox.requests()):
        if logged["method"] != "POST" or not isinstance(logged["body"], dict):
            continue
        recorded = Recorded(
            logged["method"],
            logged["path"],
            parse_qs(logged["query"], keep_blank_values=True),
            logged["query"],
            logged["headers"],
            json.dumps(logged["body"]).encode(),
        )
        problems += [f"request {index}: {problem}" for problem in check(recorded)]
    assert not problems, "requests that Klaviyo's spec rejects:\n" + "\n".join(problems)


@pytest.fixture(params=["sync", "async"])
def upsert(request: pytest.FixtureRequest, sandbox: Any, repo_root: Path) -> Iterator[Upsert]:
    """``upsert(**arguments)`` through the sync or the async client."""
    yield from _upsert(request.param, sandbox)
    assert_requests_follow_klaviyos_spec(sandbox, repo_root)


def _upsert(mode: str, sandbox: Any) -> Iterator[Upsert]:
    sandbox.reset()
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "base_url": sandbox.base_url,
        "retry_policy": None,
    }
    if mode == "sync":
        with KlaviyoProfiles(**options) as client:
            yield client.create_or_update_profile
    else:
        loop = asyncio.new_event_loop()
        client = AsyncKlaviyoProfiles(**options)

        def call(**arguments: Any) -> ProfileResult:
            return loop.run_until_complete(client.create_or_update_profile(**arguments))

        yield call
        loop.run_until_complete(client.aclose())
        loop.close()


def read_back(sandbox: Any, profile_id: str | None) -> dict[str, Any]:
    response = httpx.get(
        f"{sandbox.base_url}/api/profiles/{profile_id}",
        headers={"Authorization": f"Klaviyo-API-Key {API_KEY}", "revision": facts.REVISION},
    )
    assert response.status_code == 200, response.text
    attributes: dict[str, Any] = response.json()["data"]["attributes"]
    return attributes


def test_first_upsert_creates_and_second_updates(upsert: Upsert) -> None:
    first = upsert(email="ada@example.com", first_name="Ada")
    second = upsert(email="ada@example.com", first_name="Augusta")
    assert (first.created, first.status_code) == (True, 201)
    assert (second.created, second.status_code) == (False, 200)
    assert first.profile_id == second.profile_id and first.profile_id
    assert first.profile is not None and first.rate_limit is not None


def test_none_clears_a_field_and_omission_keeps_it(upsert: Upsert, sandbox: Any) -> None:
    created = upsert(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    upsert(email="ada@example.com", first_name=None)
    stored = read_back(sandbox, created.profile_id)
    assert stored["first_name"] is None
    assert stored["last_name"] == "Lovelace"


def test_location_changes_only_the_fields_given(upsert: Upsert, sandbox: Any) -> None:
    created = upsert(email="ada@example.com", location={"city": "London", "country": "UK"})
    upsert(email="ada@example.com", location={"city": "Paris"})
    location = read_back(sandbox, created.profile_id)["location"]
    assert location["city"] == "Paris" and location["country"] == "UK"


def test_none_location_clears_all_of_it(upsert: Upsert, sandbox: Any) -> None:
    created = upsert(email="ada@example.com", location={"city": "London", "country": "UK"})
    upsert(email="ada@example.com", location=None)
    location = read_back(sandbox, created.profile_id)["location"]
    assert not location or all(value is None for value in location.values())


def test_properties_merge_key_by_key(upsert: Upsert, sandbox: Any) -> None:
    created = upsert(email="ada@example.com", properties={"plan": "pro", "seats": 3})
    upsert(email="ada@example.com", properties={"seats": 5, "region": "eu"})
    assert read_back(sandbox, created.profile_id)["properties"] == {
        "plan": "pro",
        "seats": 5,
        "region": "eu",
    }


def test_patch_properties_append_and_unset(upsert: Upsert, sandbox: Any) -> None:
    created = upsert(email="ada@example.com", properties={"tags": ["a"], "old": 1})
    upsert(
        email="ada@example.com",
        patch_properties={"append": {"tags": "b"}, "unset": ["old"]},
    )
    properties = read_back(sandbox, created.profile_id)["properties"]
    assert properties["tags"] == ["a", "b"] and "old" not in properties


def test_additional_fields_bring_subscriptions(upsert: Upsert) -> None:
    plain = upsert(email="ada@example.com")
    rich = upsert(email="ada@example.com", additional_fields=["subscriptions"])
    assert "subscriptions" not in plain.attributes
    assert "subscriptions" in rich.attributes


def test_server_side_validation_error_is_parsed(upsert: Upsert) -> None:
    with pytest.raises(BadRequestError) as caught:
        upsert(email="not-an-email")
    assert caught.value.errors and caught.value.errors[0].pointer == "/data/attributes/email"


def test_conflicting_identifiers_raise_conflict(upsert: Upsert) -> None:
    first = upsert(email="ada@example.com")
    upsert(phone_number="+15005550006")
    with pytest.raises(ConflictError) as caught:
        upsert(email="ada@example.com", phone_number="+15005550006")
    assert caught.value.status_code == 409
    assert caught.value.duplicate_profile_id not in (None, "")
    assert first.profile_id


def test_missing_key_is_rejected_by_the_server(sandbox: Any) -> None:
    sandbox.reset()
    with KlaviyoProfiles(api_key=API_KEY, base_url=sandbox.base_url, retry_policy=None) as client:
        # A wrong key format is refused locally; a key the server does not know is its call.
        client._auth._header_value = "Klaviyo-API-Key"
        with pytest.raises(AuthenticationError):
            client.create_or_update_profile(email="ada@example.com")
