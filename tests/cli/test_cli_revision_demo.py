"""``klaviyo-profiles revision``, ``demo`` and ``sandbox``."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cli_helpers import SECRET_KEY, invoke, no_secret, run_cli
from klaviyo_profile_import import facts
from klaviyo_profiles.revision import revision_status
from klaviyo_profiles.sandbox import Sandbox
from process_helpers import free_port as _free_port
from process_helpers import start_module


def test_revision_in_process() -> None:
    result = invoke(["revision"])
    assert result.exit_code == 0
    text = result.stdout
    assert facts.REVISION in text
    assert revision_status(facts.REVISION).state in text
    assert str(facts.PAYLOAD_LIMIT_BYTES) in text
    assert f"burst {facts.BURST_LIMIT} per {facts.BURST_PERIOD_SECONDS}s" in text
    for scope in facts.SCOPES:
        assert scope in text
    for name, version in facts.GENERATOR_VERSIONS.items():
        assert f"{name} {version}" in text


def test_revision_as_subprocess_json(cli_env: dict[str, str]) -> None:
    result = run_cli(["revision", "--output", "json"], cli_env)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    status = revision_status(facts.REVISION)
    assert info["revision"] == facts.REVISION and info["status"] == status.state
    assert info["retired_on"] == status.retired_on.isoformat()
    assert info["payload_limit_bytes"] == facts.PAYLOAD_LIMIT_BYTES
    assert info["rate_limits"]["as_documented"] == facts.RATE_LIMIT_TEXT
    assert info["generator_versions"] == facts.GENERATOR_VERSIONS
    assert info["scopes"] == list(facts.SCOPES)


def _stored_lines(text: str) -> list[dict[str, object]]:
    return [
        json.loads(line.split("stored: ", 1)[1]) for line in text.splitlines() if "stored: " in line
    ]


def _check_tour(text: str) -> None:
    assert "-> 201 created" in text and text.count("-> 200 updated") == 3
    stored = _stored_lines(text)
    assert len(stored) == 6
    location = stored[1]["location"]
    assert isinstance(location, dict)
    assert location["city"] == "Paris" and location["country"] == "United Kingdom"
    assert stored[2]["last_name"] is None  # cleared with null
    assert stored[3]["first_name"] == "Ada"  # left out: kept
    assert stored[4]["first_name"] == "Ada"  # null in a bulk job: kept
    assert stored[5]["first_name"] is None  # routed one by one: cleared
    assert "error.pointer '/data/attributes/email'" in text


def test_demo_in_process_on_the_embedded_sandbox(monkeypatch: object) -> None:
    result = invoke(["demo"])
    assert result.exit_code == 0, result.output
    assert "the embedded sandbox" in result.stdout
    _check_tour(result.stdout)


def test_demo_as_subprocess_without_a_key(cli_env: dict[str, str]) -> None:
    env = {k: v for k, v in cli_env.items() if k != "KLAVIYO_API_KEY"}
    result = run_cli(["demo"], env)
    assert result.returncode == 0, result.stderr
    _check_tour(result.stdout)


def test_demo_against_a_given_server(
    sandbox: Sandbox, cli_env: dict[str, str], tmp_path: Path
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(SECRET_KEY)
    env = {k: v for k, v in cli_env.items() if k != "KLAVIYO_API_KEY"}
    result = run_cli(["demo", "--base-url", sandbox.base_url, "--api-key-file", str(key_file)], env)
    assert result.returncode == 0, result.stderr
    assert sandbox.base_url in result.stdout
    _check_tour(result.stdout)
    emails = {profile["attributes"]["email"] for profile in sandbox.profiles()}
    assert emails == {"ada@example.com", "grace@example.com"}
    no_secret(result.stdout, result.stderr)


def test_demo_against_a_server_needs_a_key(monkeypatch: object, cli_env: dict[str, str]) -> None:
    env = {k: v for k, v in cli_env.items() if k != "KLAVIYO_API_KEY"}
    result = run_cli(["demo", "--base-url", "http://127.0.0.1:9"], env)
    assert result.returncode == 2 and result.stderr.startswith("error: no API key")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://user:hunter2@127.0.0.1:9", "without user:password@"),
        ("http://127.0.0.1:9/?password=hunter2", "without a query string"),
        ("http://10.0.0.1:9", "pass --allow-insecure-http"),
        ("ftp://hunter2", "got scheme 'ftp'"),
    ],
)
def test_demo_refuses_a_base_url_the_client_refuses_before_showing_it(
    url: str, words: str, cli_env: dict[str, str]
) -> None:
    result = invoke(["demo", "--base-url", url])  # before: the banner, then a traceback
    assert result.exit_code == 2
    assert result.stdout == "" and "hunter2" not in result.stderr
    assert result.stderr.startswith("error: base_url: expected") and words in result.stderr
    assert result.stderr.count("\n") == 1


def test_sandbox_command_serves_with_the_sandbox_options(cli_env: dict[str, str]) -> None:
    port = _free_port()
    limits = ["--burst", "2", "--burst-period", "60", "--steady", "3", "--steady-period", "120"]
    server = start_module(
        "klaviyo_profiles.cli",
        ["sandbox", "--port", str(port), *limits],
        cli_env,
        stdout=subprocess.PIPE,
        stderr=None,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                config = httpx.get(f"{base}/sandbox/config", timeout=1).json()["config"]
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.05)
        assert config["rate_limits"]["burst_limit"] == 2
        assert config["rate_limits"]["steady_limit"] == 3
        # A subprocess: this process's clients share one limiter per key, and this server's
        # tiny limits would hold back the other tests' in-process calls.
        result = run_cli(["upsert", "--base-url", base, "--email", "s@example.com"], cli_env)
        assert result.returncode == 0 and "created (201)" in result.stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert server.stdout is not None
    assert f"http://127.0.0.1:{port}" in server.stdout.read()


def test_sandbox_help_is_the_sandbox_parser(cli_env: dict[str, str]) -> None:
    result = run_cli(["sandbox", "--help"], cli_env)
    assert result.returncode == 0
    for option in ("--port", "--burst", "--no-rate-limits", "--error-rate", "--fault-script"):
        assert option in result.stdout
    # Options without a fixed default say what happens without them, never "None".
    assert "None" not in result.stdout
    assert "(default: the spec's" in " ".join(result.stdout.split())


def test_sandbox_module_help_shows_no_none_default() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "klaviyo_profiles.sandbox", "--help"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and "--bulk-burst" in result.stdout
    assert "None" not in result.stdout


def test_installed_script_runs(cli_env: dict[str, str]) -> None:
    script = Path(sys.executable).with_name("klaviyo-profiles")
    assert script.exists(), "pip install -e '.[test]' installs the klaviyo-profiles script"
    result = subprocess.run(
        [str(script), "revision"], env=cli_env, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0 and facts.REVISION in result.stdout
