"""The sandbox-only admin surface under /sandbox/ and its Python mirror."""

from __future__ import annotations

import httpx
from klaviyo_profiles.sandbox import Sandbox
from sandbox_helpers import KEY, PATH, body


def test_profiles_lists_what_was_stored_including_write_only_identifiers(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    api.post(PATH, json=body({"email": "ada@example.com", "_kx": "kx-1"}))

    listed = httpx.get(f"{sandbox.base_url}/sandbox/profiles").json()["profiles"]

    assert listed == sandbox.profiles()
    assert listed[0]["attributes"]["email"] == "ada@example.com"
    assert listed[0]["attributes"]["_kx"] == "kx-1"


def test_request_log_keeps_method_path_query_body_status_but_never_the_api_key(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    api.post(PATH, params={"fields[profile]": "email"}, json=body({"email": "ada@example.com"}))
    api.post(PATH, content=b"not json")

    logged = httpx.get(f"{sandbox.base_url}/sandbox/requests").json()["requests"]

    assert [entry["status"] for entry in logged] == [201, 400]
    first = logged[0]
    assert (first["method"], first["path"]) == ("POST", PATH)
    assert "fields" in first["query"]
    assert first["body"]["data"]["attributes"]["email"] == "ada@example.com"
    assert logged[1]["body"] == "not json"
    assert "authorization" not in {name.lower() for name in first["headers"]}
    assert KEY not in str(logged)
    assert first["time"]


def test_reset_forgets_profiles_log_counters_and_runtime_config(
    api: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_rate_limits(burst_limit=1, burst_period=30)
    api.post(PATH, json=body({"email": "ada@example.com"}))
    assert api.post(PATH, json=body({"email": "ada@example.com"})).status_code == 429

    reset = httpx.post(f"{sandbox.base_url}/sandbox/reset")

    assert reset.status_code == 200
    assert sandbox.profiles() == [] and sandbox.requests() == []
    assert sandbox.config.rate_limits == sandbox.state.initial.rate_limits
    assert api.post(PATH, json=body({"email": "ada@example.com"})).status_code == 201


def test_config_can_be_read_and_changed_over_http(api: httpx.Client, sandbox: Sandbox) -> None:
    url = f"{sandbox.base_url}/sandbox/config"

    changed = httpx.put(
        url, json={"rate_limits": {"burst_limit": 2}, "faults": {"script": [504]}}
    ).json()["config"]
    response = api.post(PATH, json=body({"email": "ada@example.com"}))

    assert changed["rate_limits"]["burst_limit"] == 2
    assert changed["faults"]["script"] == [504]
    assert httpx.get(url).json()["config"] == changed
    assert response.status_code == 504


def test_invalid_config_changes_are_refused_with_400_and_change_nothing(
    sandbox: Sandbox,
) -> None:
    url = f"{sandbox.base_url}/sandbox/config"
    before = httpx.get(url).json()

    bad_field = httpx.put(url, json={"rate_limits": {"bursts": 3}})
    bad_value = httpx.put(url, json={"faults": {"error_rate": 2}})
    bad_section = httpx.put(url, json={"flows": {}})

    assert [r.status_code for r in (bad_field, bad_value, bad_section)] == [400, 400, 400]
    assert httpx.get(url).json() == before


def test_a_config_change_nested_past_recursion_is_400_and_changes_nothing(
    sandbox: Sandbox,
) -> None:
    before = httpx.get(f"{sandbox.base_url}/sandbox/config").json()
    deep = '{"faults": ' + '{"a": ' * 5_000 + "1" + "}" * 5_000 + "}"

    response = httpx.put(f"{sandbox.base_url}/sandbox/config", content=deep)

    assert response.status_code == 400
    assert "nested deeper" in response.json()["error"]
    assert httpx.get(f"{sandbox.base_url}/sandbox/config").json() == before
