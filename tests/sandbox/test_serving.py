"""Serving: the context manager, ``python -m klaviyo_profiles.sandbox`` and the CLI options."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time

import httpx
import pytest
from klaviyo_profiles.sandbox import Sandbox, SandboxConfig, build_parser
from klaviyo_profiles.sandbox.server import config_from_args
from sandbox_helpers import HEADERS, PATH, body


def test_sandbox_serves_on_a_free_loopback_port_and_stops_cleanly() -> None:
    with Sandbox() as first, Sandbox() as second:
        assert first.port != second.port
        assert first.base_url.startswith("http://127.0.0.1:")
        response = httpx.post(
            f"{first.base_url}{PATH}", json=body({"email": "a@b.co"}), headers=HEADERS
        )
        assert response.status_code == 201
        assert second.profiles() == []  # separate stores
        url = first.base_url

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/sandbox/config", timeout=2)


def test_sandbox_starts_with_the_given_config() -> None:
    config = SandboxConfig(revisions=("2030-01-15",))
    with Sandbox(config) as sandbox:
        response = httpx.post(
            f"{sandbox.base_url}{PATH}",
            json=body({"email": "a@b.co"}),
            headers={**HEADERS, "revision": "2030-01-15"},
        )

    assert response.status_code == 201


def test_command_line_options_become_a_config() -> None:
    args = build_parser().parse_args(
        [
            "--port=9000",
            "--burst=5",
            "--steady=50",
            "--steady-period=10",
            "--api-key=pk_a=profiles:read",
            "--fault-script=503,drop,pass",
            "--error-rate=0.1",
            "--seed=4",
        ]
    )
    config = config_from_args(args)

    assert args.port == 9000
    assert (config.rate_limits.burst_limit, config.rate_limits.steady_limit) == (5, 50)
    assert config.rate_limits.steady_period == 10
    assert config.api_keys == {"pk_a": ("profiles:read",)}
    assert config.faults.script == (503, "drop", "pass")
    assert (config.faults.error_rate, config.faults.seed) == (0.1, 4)
    assert config.revisions is None  # the default: facts.REVISION and later ones


def test_python_dash_m_serves_until_stopped() -> None:
    with Sandbox() as probe:  # a port that was free a moment ago
        port = probe.port
    process = subprocess.Popen(
        [sys.executable, "-m", "klaviyo_profiles.sandbox", "--port", str(port), "--burst", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        response = None
        while response is None and time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/sandbox/config", timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
        assert response is not None, "the sandbox did not come up"
        assert response.json()["config"]["rate_limits"]["burst_limit"] == 3
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_client_hanging_up_mid_body_is_not_logged_as_a_sandbox_failure(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    host, port = "127.0.0.1", sandbox.port
    caplog.set_level(logging.ERROR)
    with socket.create_connection((host, port), timeout=5) as raw:
        raw.sendall(
            f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/vnd.api+json\r\n"
            f"Content-Length: 5000\r\n\r\n".encode()
            + b'{"data": {"type": "profile", '
        )
    # Served after the hang-up, on the same single-threaded event loop.
    response = httpx.post(
        f"{sandbox.base_url}{PATH}", json=body({"email": "a@b.co"}), headers=HEADERS
    )
    assert response.status_code == 201

    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures]
    assert [p["attributes"]["email"] for p in sandbox.profiles()] == ["a@b.co"]
