"""pytest plugin of klaviyo-profiles: the ``klaviyo_sandbox`` fixture, and clients bound to it.

Installed packages register it automatically (entry point ``pytest11``). One sandbox server is
started per test session, on first use, and every test that asks for ``klaviyo_sandbox`` gets it
freshly reset: no profiles, an empty request log, fresh rate-limit windows and the starting
configuration. The reset also forgets this process's client-side pacing for the sandbox's
base URL (:func:`klaviyo_profiles.pacing.reset_pacing`), so a client made by a test, or kept
from an earlier one, starts with fresh windows too: a test that spent the budget never holds
the next one back.

Fixtures:

* ``klaviyo_sandbox``: the running sandbox (``.base_url``, ``.profiles()``, ``.requests()``),
  reset for this test.
* ``klaviyo_client`` / ``async_klaviyo_client``: a :class:`~klaviyo_profiles.KlaviyoProfiles`
  / :class:`~klaviyo_profiles.AsyncKlaviyoProfiles` bound to that sandbox, with a key it
  accepts, closed after the test (the async one needs an async test plugin:
  pytest-asyncio, or anyio's).
* ``klaviyo_sandbox_config`` (session): override it to start the sandbox with other settings::

    @pytest.fixture(scope="session")
    def klaviyo_sandbox_config():
        from klaviyo_profiles.sandbox import SandboxConfig, RateLimitConfig
        return SandboxConfig(rate_limits=RateLimitConfig(burst_limit=5))

The sandbox is imported only when a test uses a fixture, so the plugin needs nothing where
the ``sandbox`` extra is not installed; a test that uses one there errors with the line to
install it (a suite that skipped them would pass having tested nothing).
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .client import AsyncKlaviyoProfiles, KlaviyoProfiles
from .extras import MissingExtraError, require_extra

if TYPE_CHECKING:
    from klaviyo_profiles.sandbox import Sandbox, SandboxConfig

#: The key the client fixtures use when the sandbox accepts any key.
SANDBOX_API_KEY = "pk_klaviyo_sandbox_fixture_key"

# pytest-asyncio (strict mode) runs only the async fixtures it is told about; anyio's plugin
# and pytest-asyncio's auto mode run plain ones.
_async_fixture: Callable[..., Any] = pytest.fixture
if importlib.util.find_spec("pytest_asyncio") is not None:
    import pytest_asyncio

    _async_fixture = pytest_asyncio.fixture


@pytest.fixture(scope="session")
def klaviyo_sandbox_config() -> SandboxConfig | None:
    """Settings the session's sandbox starts with (``None``: the defaults)."""
    return None


@pytest.fixture(scope="session")
def klaviyo_sandbox_server(
    klaviyo_sandbox_config: SandboxConfig | None,
) -> Iterator[Sandbox]:
    """The session's running sandbox, not reset between tests."""
    missing: MissingExtraError | None = None
    try:
        require_extra("sandbox", "the klaviyo_sandbox fixture")
    except MissingExtraError as error:
        missing = error
    if missing is not None:
        # Outside the except block: the message is the whole report, said once.
        pytest.fail(str(missing), pytrace=False)
    from klaviyo_profiles.sandbox import Sandbox

    with Sandbox(klaviyo_sandbox_config) as sandbox:
        yield sandbox


@pytest.fixture
def klaviyo_sandbox(klaviyo_sandbox_server: Sandbox) -> Sandbox:
    """A running sandbox (``.base_url``), reset to its starting state for this test, with
    this process's client-side pacing for it."""
    klaviyo_sandbox_server.reset()
    return klaviyo_sandbox_server


def _client_options(sandbox: Sandbox) -> dict[str, Any]:
    keys = sandbox.config.api_keys
    # A sandbox that accepts only some keys: the first of them.
    api_key = next(iter(keys)) if keys else SANDBOX_API_KEY
    return {"api_key": api_key, "base_url": sandbox.base_url}


@pytest.fixture
def klaviyo_client(klaviyo_sandbox: Sandbox) -> Iterator[KlaviyoProfiles]:
    """A :class:`~klaviyo_profiles.KlaviyoProfiles` bound to ``klaviyo_sandbox``, with fresh
    pacing; change it with ``klaviyo_client.with_options(...)``."""
    with KlaviyoProfiles(**_client_options(klaviyo_sandbox)) as client:
        yield client


@_async_fixture
async def async_klaviyo_client(klaviyo_sandbox: Sandbox) -> AsyncIterator[AsyncKlaviyoProfiles]:
    """An :class:`~klaviyo_profiles.AsyncKlaviyoProfiles` bound to ``klaviyo_sandbox``, with
    fresh pacing, closed in the test's event loop."""
    async with AsyncKlaviyoProfiles(**_client_options(klaviyo_sandbox)) as client:
        yield client
