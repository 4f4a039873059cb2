"""Fixtures for the command-line tests: a sandbox on loopback and ways to run the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from cli_helpers import SECRET_KEY
from klaviyo_profiles.sandbox import RateLimitConfig, Sandbox, SandboxConfig


@pytest.fixture(scope="module")
def module_sandbox() -> Iterator[Sandbox]:
    """One sandbox per test module, with no rate limits (the tests are about the CLI)."""
    config = SandboxConfig(
        rate_limits=RateLimitConfig(enabled=False),
        request_log_size=50_000,
    )
    with Sandbox(config) as sb:
        yield sb


@pytest.fixture
def sandbox(module_sandbox: Sandbox) -> Sandbox:
    """The module's sandbox, emptied for this test."""
    module_sandbox.reset()
    return module_sandbox


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment with the API key set (for subprocesses and in-process runs alike)."""
    monkeypatch.setenv("KLAVIYO_API_KEY", SECRET_KEY)
    env = dict(os.environ)
    env["KLAVIYO_API_KEY"] = SECRET_KEY
    # Plain output: subprocess pipes are not terminals anyway; keep widths stable.
    env["COLUMNS"] = "200"
    env.pop("FORCE_COLOR", None)
    return env
