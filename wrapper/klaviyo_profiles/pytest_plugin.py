"""pytest plugin of klaviyo-profiles: the ``klaviyo_sandbox`` fixture.

Installed packages register it automatically (entry point ``pytest11``). One sandbox server is
started per test session, on first use, and every test that asks for ``klaviyo_sandbox`` gets it
freshly reset: no profiles, an empty request log, fresh rate-limit windows and the starting
configuration. Override the ``klaviyo_sandbox_config`` fixture (session scope) to start it with
other settings::

    @pytest.fixture(scope="session")
    def klaviyo_sandbox_config():
        from klaviyo_profiles.sandbox import SandboxConfig, RateLimitConfig
        return SandboxConfig(rate_limits=RateLimitConfig(burst_limit=5))

The sandbox is imported only when a test uses the fixture, so the plugin costs nothing, and
needs nothing, where the ``sandbox`` extra is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from klaviyo_profiles.sandbox import Sandbox, SandboxConfig


@pytest.fixture(scope="session")
def klaviyo_sandbox_config() -> SandboxConfig | None:
    """Settings the session's sandbox starts with (``None``: the defaults)."""
    return None


@pytest.fixture(scope="session")
def klaviyo_sandbox_server(
    klaviyo_sandbox_config: SandboxConfig | None,
) -> Iterator[Sandbox]:
    """The session's running sandbox, not reset between tests."""
    try:
        from klaviyo_profiles.sandbox import Sandbox
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        pytest.skip(f"the klaviyo-profiles[sandbox] extra is not installed ({exc})")
    with Sandbox(klaviyo_sandbox_config) as sandbox:
        yield sandbox


@pytest.fixture
def klaviyo_sandbox(klaviyo_sandbox_server: Sandbox) -> Sandbox:
    """A running sandbox (``.base_url``), reset to its starting state for this test."""
    klaviyo_sandbox_server.reset()
    return klaviyo_sandbox_server
