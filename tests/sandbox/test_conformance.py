"""Every kind of response the sandbox sends validates against Klaviyo's published spec.

The ``exchanges`` fixture already checks each test's responses at teardown; this module makes
sure a broad sample (every status the route answers with) is checked in one place, and that the
check itself would notice a response that breaks the spec.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import Sandbox
from sandbox_helpers import PATH, body, conformance_errors


def sample_every_status(
    api: httpx.Client, sandbox: Sandbox, client_for: Callable[..., httpx.Client]
) -> list[httpx.Response]:
    all_fields = ",".join(facts.ADDITIONAL_FIELDS)
    rich = {
        "email": "ada@example.com",
        "phone_number": "+15005550006",
        "location": {"city": "London", "latitude": 51.5, "longitude": "-0.1"},
        "properties": {"nested": {"a": [1, None]}},
    }
    responses = [
        api.post(PATH, json=body(rich)),
        api.post(PATH, params={"additional-fields[profile]": all_fields}, json=body(rich)),
        api.post(PATH, params={"fields[profile]": "email,location.city"}, json=body(rich)),
        api.post(PATH, json=body({"email": "grace@example.com"})),
        api.post(PATH, json=body({"email": "grace@example.com", "phone_number": "+15005550006"})),
        api.post(PATH, json=body({"email": 7})),
        api.post(PATH, json=body({"email": "x"}), headers={"revision": "1999-01-01"}),
        api.post(PATH, content=b"{", headers={"Content-Type": "text/plain"}),
        api.post(PATH, json=body({"email": "a@b.co", "properties": {"p": "x" * 200_000}})),
        api.post(PATH, json=body({"email": "a@b.co"}, id="01J0000000000000000000000X")),
        client_for(sandbox, Authorization=None).post(PATH, json=body({"email": "a@b.co"})),
    ]
    sandbox.set_faults(script=(500, 502, 503, 504))
    responses += [api.post(PATH, json=body({"email": "a@b.co"})) for _ in range(4)]
    sandbox.set_rate_limits(burst_limit=1, burst_period=30)
    responses += [api.post(PATH, json=body({"email": "a@b.co"})) for _ in range(2)]
    return responses


def test_a_sample_of_every_status_validates_against_klaviyos_spec(
    official_spec: Any,
    api: httpx.Client,
    sandbox: Sandbox,
    client_for: Callable[..., httpx.Client],
) -> None:
    responses = sample_every_status(api, sandbox, client_for)

    statuses = {r.status_code for r in responses}
    assert statuses >= {200, 201, 400, 401, 404, 409, 413, 415, 429, 500, 502, 503, 504}
    assert conformance_errors(official_spec, responses) == []


def test_the_check_notices_a_response_that_breaks_the_spec(
    official_spec: Any, api: httpx.Client
) -> None:
    good = api.post(PATH, json=body({"email": "ada@example.com"}))
    document = good.json()
    document["data"]["attributes"]["email"] = 7
    document["data"]["attributes"]["location"]["latitude"] = ["not", "a", "number"]
    broken = httpx.Response(
        good.status_code,
        headers=good.headers,
        content=json.dumps(document).encode(),
        request=good.request,
    )
    bad_error = httpx.Response(
        400,
        headers={"content-type": facts.MEDIA_TYPE},
        content=json.dumps({"errors": [{"id": "x", "code": "invalid"}]}).encode(),
        request=good.request,
    )

    assert conformance_errors(official_spec, [good]) == []
    assert len(conformance_errors(official_spec, [broken, bad_error])) == 2
