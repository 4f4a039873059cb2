"""``klaviyo-profiles upsert``: create, update, clear, in-process and as a subprocess."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from cli_helpers import SECRET_KEY, invoke, no_secret, run_cli
from klaviyo_profile_import import facts
from klaviyo_profile_import.arguments import ARGUMENT_TO_ATTRIBUTE
from klaviyo_profiles.cli import app
from klaviyo_profiles.sandbox import Sandbox, SandboxConfig


def _stored(sandbox: Sandbox, email: str) -> dict[str, Any]:
    found = [p for p in sandbox.profiles() if p["attributes"].get("email") == email]
    assert len(found) == 1, f"expected one profile for {email}, found {len(found)}"
    attributes: dict[str, Any] = found[0]["attributes"]
    return attributes


def test_options_come_from_the_generated_lists() -> None:
    upsert = app.get_command(click.Context(app), "upsert")
    assert upsert is not None
    names = {opt for param in upsert.params for opt in param.opts}
    for argument, wire in ARGUMENT_TO_ATTRIBUTE.items():
        if wire not in facts.OBJECT_REQUEST_ATTRIBUTES:
            assert f"--{argument.replace('_', '-')}" in names
    for field in facts.LOCATION_FIELDS:
        assert f"--location-{field}" in names
    assert "--kx" in names  # the generated keyword for the wire name _kx


def test_create_update_clear_in_process(sandbox: Sandbox, cli_env: dict[str, str]) -> None:
    url = ["--base-url", sandbox.base_url]
    created = invoke(
        [
            "upsert", *url, "--email", "ada@example.com", "--first-name", "Ada",
            "--last-name", "Lovelace", "--location-city", "London",
            "--location-country", "United Kingdom", "--property", "plan=pro",
            "--property", "seats=3", "--property", "tags=[\"a\",\"b\"]",
        ]
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "created (201)" in created.stdout
    stored = _stored(sandbox, "ada@example.com")
    assert stored["first_name"] == "Ada"
    assert stored["location"]["city"] == "London"
    assert stored["properties"] == {"plan": "pro", "seats": 3, "tags": ["a", "b"]}

    updated = invoke(["upsert", *url, "--email", "ada@example.com", "--location-city", "Paris"])
    assert updated.exit_code == 0, updated.output
    assert "updated (200)" in updated.stdout
    stored = _stored(sandbox, "ada@example.com")
    assert stored["location"] == {
        **stored["location"],
        "city": "Paris",
        "country": "United Kingdom",
    }
    assert stored["first_name"] == "Ada"  # not given: unchanged

    cleared = invoke(
        [
            "upsert", *url, "--email", "ada@example.com", "--clear", "last_name",
            "--clear", "location.country", "--clear", "properties.plan", "--output", "json",
        ]
    )  # fmt: skip
    assert cleared.exit_code == 0, cleared.output
    document = json.loads(cleared.stdout)
    assert document["status_code"] == 200 and document["created"] is False
    stored = _stored(sandbox, "ada@example.com")
    assert stored["last_name"] is None
    assert stored["location"]["country"] is None
    assert stored["location"]["city"] == "Paris"
    assert stored["properties"]["plan"] is None
    assert stored["first_name"] == "Ada"
    # What went over the wire: null for the cleared fields, nothing for the others.
    sent = sandbox.requests()[-1]["body"]["data"]["attributes"]
    assert sent == {
        "email": "ada@example.com",
        "last_name": None,
        "location": {"country": None},
        "properties": {"plan": None},
    }
    no_secret(created.output, updated.output, cleared.output)


def test_create_update_clear_as_subprocess(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    url = ["--base-url", sandbox.base_url]
    first = run_cli(["upsert", *url, "--email", "bob@example.com", "--title", "CTO"], cli_env)
    assert first.returncode == 0, first.stderr
    assert "created (201)" in first.stdout
    body = {"data": {"type": "profile", "attributes": {"email": "bob@example.com", "title": "CEO"}}}
    second = run_cli(["upsert", *url, "--json", "-"], cli_env, input=json.dumps(body))
    assert second.returncode == 0, second.stderr
    assert "updated (200)" in second.stdout
    assert _stored(sandbox, "bob@example.com")["title"] == "CEO"
    third = run_cli(["upsert", *url, "--email", "bob@example.com", "--clear", "title"], cli_env)
    assert third.returncode == 0, third.stderr
    assert _stored(sandbox, "bob@example.com")["title"] is None
    no_secret(first.stdout, first.stderr, second.stdout, third.stdout, third.stderr)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "x@example.com", "--clear", "frist_name"], "did you mean 'first_name'"),
        (["--email", "x@example.com", "--clear", "email"], "conflicts with a value"),
        (["--email", "x@example.com", "--property", "novalue"], "KEY=VALUE"),
        ([], "nothing to send"),
        (["--email", "a@example.com", "--json", "-"], "give no field options"),
    ],
)
def test_bad_input_is_refused_before_sending(
    sandbox: Sandbox, cli_env: dict[str, str], args: list[str], message: str
) -> None:
    result = invoke(["upsert", "--base-url", sandbox.base_url, *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.output
    assert sandbox.requests() == []


def test_server_refusal_is_one_error_line(sandbox: Sandbox, cli_env: dict[str, str]) -> None:
    result = invoke(["upsert", "--base-url", sandbox.base_url, "--email", "not-an-email"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 400") and "/data/attributes/email" in result.stderr
    assert "Traceback" not in result.output


def test_key_is_never_printed(tmp_path: Path, cli_env: dict[str, str]) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(SECRET_KEY + "\n")
    key_file.chmod(0o600)  # as a key file should be (a shared one adds a warning line)
    # A sandbox that knows another key answers 401; the message must not carry ours.
    config = SandboxConfig(api_keys={"pk_only_this_one_is_valid_000": ("profiles:write",)})
    with Sandbox(config) as strict:
        refused = run_cli(
            ["upsert", "--base-url", strict.base_url, "--api-key-file", str(key_file),
             "--email", "a@example.com"],
            cli_env,
        )  # fmt: skip
    assert refused.returncode == 1 and refused.stderr.startswith("error: 401")
    # Nothing listening: a connection error, still without the key.
    unreachable = invoke(
        ["upsert", "--base-url", "http://127.0.0.1:9", "--email", "a@example.com",
         "--max-attempts", "1"]
    )  # fmt: skip
    assert unreachable.exit_code == 1 and unreachable.stderr.startswith("error: ")
    # A key with a space is refused, and the refusal does not quote it.
    bad_key = tmp_path / "bad"
    bad_key.write_text("pk_has a_space_" + SECRET_KEY)
    refused_key = invoke(
        ["upsert", "--api-key-file", str(bad_key), "--base-url", "http://127.0.0.1:9",
         "--email", "a@example.com"]
    )  # fmt: skip
    assert refused_key.exit_code == 2 and "whitespace" in refused_key.stderr
    for result in (unreachable, refused_key):
        no_secret(result.output)
    no_secret(refused.stdout, refused.stderr)


def test_missing_key_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KLAVIYO_API_KEY", raising=False)
    result = invoke(["upsert", "--email", "a@example.com"])
    assert result.exit_code == 2
    assert "KLAVIYO_API_KEY" in result.stderr and "--api-key-file" in result.stderr
