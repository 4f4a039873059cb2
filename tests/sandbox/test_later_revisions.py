"""Revisions the sandbox does not hold: a later one, published by now, is served with the
newest schema held at or before it (``X-Sandbox-Served-Revision`` says which), so a client
pinned to a newer revision than the sandbox's (Klaviyo's own SDK, say) works against it. A
revision from the future, one older than any schema held, or one outside an explicit list of
revisions is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import Sandbox, SandboxConfig, validation
from klaviyo_profiles.sandbox.error_responses import ErrorResponse
from sandbox_helpers import HEADERS, KEY, PATH, body

SERVED = "x-sandbox-served-revision"
HELD = dt.date.fromisoformat(facts.REVISION[:10])
TODAY = dt.datetime.now(dt.timezone.utc).date()


def later_revision(days: int = 1) -> str:
    """A revision dated ``days`` after the one the sandbox holds (published by now)."""
    later = HELD + dt.timedelta(days=days)
    assert later <= TODAY, "the sandbox's own revision is dated in the future"
    return later.isoformat()


def post(api: httpx.Client, revision: str) -> httpx.Response:
    return api.post(PATH, json=body({"email": "ada@example.com"}), headers={"revision": revision})


def test_a_later_revision_is_served_with_the_schema_held_and_says_which(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    response = post(api, later_revision())

    assert response.status_code == 201, response.text
    assert response.headers[SERVED] == facts.REVISION
    assert sandbox.requests()[-1]["headers"]["revision"] == later_revision()


def test_the_revision_held_says_it_served_itself(api: httpx.Client) -> None:
    response = post(api, facts.REVISION)

    assert response.status_code == 201
    assert response.headers[SERVED] == facts.REVISION


def test_a_later_revision_reads_a_profile_back_too(api: httpx.Client) -> None:
    created = post(api, facts.REVISION).json()["data"]["id"]

    response = api.get(f"/api/profiles/{created}", headers={"revision": later_revision(2)})

    assert response.status_code == 200, response.text
    assert response.headers[SERVED] == facts.REVISION


def test_a_revision_from_the_future_is_refused(api: httpx.Client) -> None:
    response = post(api, "2999-01-15")

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert "not served" in error["detail"] and facts.REVISION in error["detail"]
    assert SERVED not in response.headers


def test_a_revision_older_than_every_schema_held_is_refused(api: httpx.Client) -> None:
    older = (HELD - dt.timedelta(days=1)).isoformat()

    assert post(api, older).status_code == 400


def test_a_revision_naming_no_real_day_is_refused_as_such(api: httpx.Client) -> None:
    response = post(api, "2026-02-30")

    assert response.status_code == 400
    detail = response.json()["errors"][0]["detail"]
    assert "names no real day (2026-02-30)" in detail and "is not of the form" not in detail


def test_a_revision_not_of_the_dated_form_is_malformed(api: httpx.Client) -> None:
    response = post(api, "2026-1-5")

    assert response.status_code == 400
    assert "is not of the form YYYY-MM-DD" in response.json()["errors"][0]["detail"]


@pytest.fixture(scope="module")
def listed() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(revisions=(facts.REVISION,))) as sandbox:
        yield sandbox


def test_an_explicit_list_of_revisions_still_restricts(listed: Sandbox) -> None:
    headers = {**HEADERS, "revision": later_revision()}
    response = httpx.post(
        listed.base_url + PATH, json=body({"email": "ada@example.com"}), headers=headers
    )

    assert response.status_code == 400
    assert f"served revisions: {facts.REVISION}." in response.json()["errors"][0]["detail"]


def test_later_means_up_to_the_day_given() -> None:
    today = HELD + dt.timedelta(days=10)

    served = validation.check_revision(
        (HELD + dt.timedelta(days=10)).isoformat(), None, today=today
    )
    assert served == facts.REVISION
    assert (
        validation.check_revision(f"{today.isoformat()}.pre", None, today=today) == facts.REVISION
    )
    with pytest.raises(ErrorResponse):
        validation.check_revision((today + dt.timedelta(days=1)).isoformat(), None, today=today)


def test_klaviyos_own_sdk_is_served(sandbox: Sandbox) -> None:
    klaviyo_api = pytest.importorskip(
        "klaviyo_api", reason="klaviyo-api is not installed (pip install 'klaviyo-profiles[bench]')"
    )
    sdk_revision = str(klaviyo_api.KlaviyoAPI._REVISION)
    if dt.date.fromisoformat(sdk_revision[:10]) < HELD:
        pytest.skip(f"klaviyo-api sends {sdk_revision}, older than the sandbox's {facts.REVISION}")
    sdk = klaviyo_api.KlaviyoAPI(KEY, max_delay=0, max_retries=0, test_host=sandbox.base_url)

    answer = sdk.Profiles.create_or_update_profile(
        {"data": {"type": "profile", "attributes": {"email": "sdk@example.com"}}}
    )

    assert answer.data.attributes.email == "sdk@example.com"
    (entry,) = sandbox.requests()
    assert (entry["headers"]["revision"], entry["status"]) == (sdk_revision, 201)
    assert [p["attributes"]["email"] for p in sandbox.profiles()] == ["sdk@example.com"]
