"""Authentication, scopes and the revision header."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import Sandbox, SandboxConfig
from sandbox_helpers import PATH, body

ERROR_MEMBERS = {"id", "status", "code", "title", "detail"}


def assert_single_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(facts.MEDIA_TYPE)
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert set(errors[0]) >= ERROR_MEMBERS
    assert (errors[0]["status"], errors[0]["code"]) == (status, code)
    error: dict[str, Any] = errors[0]
    return error


def post(api: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    return api.post(PATH, json=body({"email": "ada@example.com"}), headers=headers)


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer pk_123", "Klaviyo-API-Key", "Klaviyo-API-Key two words", "pk_123"],
)
def test_missing_or_malformed_authorization_is_401_not_authenticated(
    client_for: Callable[..., httpx.Client], sandbox: Sandbox, authorization: str | None
) -> None:
    client = client_for(sandbox, Authorization=authorization)

    response = client.post(PATH, json=body({"email": "ada@example.com"}))

    assert_single_error(response, 401, "not_authenticated")
    assert sandbox.profiles() == []
    assert not {"RateLimit-Limit", "Retry-After"} & set(response.headers)


@pytest.fixture(scope="module")
def keyed_sandbox() -> Iterator[Sandbox]:
    config = SandboxConfig(
        api_keys={"pk_writer": ("profiles:read", "profiles:write"), "pk_reader": ("profiles:read",)}
    )
    with Sandbox(config) as sandbox:
        yield sandbox


@pytest.fixture
def keyed_api(keyed_sandbox: Sandbox, client_for: Callable[..., httpx.Client]) -> httpx.Client:
    keyed_sandbox.reset()
    return client_for(keyed_sandbox)


def test_key_without_the_write_scope_is_403_permission_denied(keyed_api: httpx.Client) -> None:
    response = post(keyed_api, {"Authorization": "Klaviyo-API-Key pk_reader"})

    error = assert_single_error(response, 403, "permission_denied")
    assert "profiles:write" in error["detail"]


def test_configured_key_with_the_write_scope_is_accepted(keyed_api: httpx.Client) -> None:
    response = post(keyed_api, {"Authorization": "Klaviyo-API-Key pk_writer"})

    assert response.status_code == 201


def test_key_the_sandbox_was_not_given_is_401(keyed_api: httpx.Client) -> None:
    response = post(keyed_api, {"Authorization": "Klaviyo-API-Key pk_stranger"})

    assert_single_error(response, 401, "authentication_failed")


def test_by_default_any_well_formed_key_is_accepted(api: httpx.Client) -> None:
    response = post(api, {"Authorization": "Klaviyo-API-Key any-key_42"})

    assert response.status_code == 201


def test_missing_revision_header_is_400(
    client_for: Callable[..., httpx.Client], sandbox: Sandbox
) -> None:
    response = client_for(sandbox, revision=None).post(
        PATH, json=body({"email": "ada@example.com"})
    )

    error = assert_single_error(response, 400, "invalid")
    assert error["source"] == {"parameter": "revision"}


@pytest.mark.parametrize("revision", ["2026-7-15", "latest", "2026-07-15.", "2026/07/15"])
def test_malformed_revision_is_400(api: httpx.Client, revision: str) -> None:
    response = post(api, {"revision": revision})

    error = assert_single_error(response, 400, "invalid")
    assert "YYYY-MM-DD" in error["detail"]


def test_revision_not_served_is_400_naming_the_served_ones(api: httpx.Client) -> None:
    response = post(api, {"revision": "2023-02-22"})

    error = assert_single_error(response, 400, "invalid")
    assert facts.REVISION in error["detail"]


def test_revisions_served_can_be_configured_at_run_time(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_revisions([facts.REVISION, "2099-01-15.pre"])

    response = post(api, {"revision": "2099-01-15.pre"})

    assert response.status_code == 201


def test_reading_a_profile_back_needs_auth_too(api: httpx.Client, sandbox: Sandbox) -> None:
    response = httpx.get(
        f"{sandbox.base_url}/api/profiles/01J0000000000000000000000X",
        headers={"revision": facts.REVISION},
    )

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"
