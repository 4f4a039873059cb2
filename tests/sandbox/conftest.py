"""Fixtures for the sandbox tests: plain httpx clients over loopback, and a conformance check.

Every response to the profile-import route that a test receives through the ``api`` or
``aapi`` clients is recorded and, at the end of the test, validated against Klaviyo's
published spec for the revision (its facts: ``tests/klaviyo_spec/<revision>/apis/...``) with
openapi-core, on a copy converted to OpenAPI 3.1 so that ``nullable`` beside ``$ref`` counts.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import Sandbox
from sandbox_helpers import HEADERS, OFFICIAL_SPEC, Exchanges, conformance_errors


@pytest.fixture(scope="session")
def official_spec(klaviyo_specs: Path) -> Any:
    """openapi-core's view of Klaviyo's file for the revision, converted to OpenAPI 3.1."""
    import spec_tools
    from openapi_core import OpenAPI

    path = klaviyo_specs / OFFICIAL_SPEC
    if not path.is_file():
        pytest.fail(
            f"Klaviyo's spec for revision {facts.REVISION} is not in tests/klaviyo_spec: "
            "run scripts/vendor_klaviyo_spec.py"
        )
    return OpenAPI.from_dict(spec_tools.to_openapi31(spec_tools.load_document(path)))


@pytest.fixture(scope="session")
def _official_spec_or_none(request: pytest.FixtureRequest) -> Any:
    try:
        return request.getfixturevalue("official_spec")
    except pytest.skip.Exception:
        return None


@pytest.fixture
def exchanges(_official_spec_or_none: Any) -> Iterator[Exchanges]:
    """Recorded responses; validated against Klaviyo's spec when the test ends."""
    recorded = Exchanges()
    yield recorded
    if _official_spec_or_none is not None:
        problems = conformance_errors(_official_spec_or_none, recorded.responses)
        assert not problems, "responses that break Klaviyo's spec:\n" + "\n".join(problems)


# --------------------------------------------------------------------------------------------
# Clients


@pytest.fixture
def sandbox(klaviyo_sandbox: Sandbox) -> Sandbox:
    """The plugin's sandbox, reset for this test."""
    return klaviyo_sandbox


ClientFactory = Callable[..., httpx.Client]
# One TLS context for every test client: each httpx client otherwise builds its own and reads
# the CA bundle (30-60 ms on a busy 2-core machine, more than most tests take). The clients
# speak plain HTTP to loopback, so it is never used for a connection.
_TLS = ssl.create_default_context()


@pytest.fixture
def client_for(exchanges: Exchanges) -> Iterator[ClientFactory]:
    """Make recording httpx clients for any sandbox: ``client_for(sb, revision=None)`` drops a
    default header, ``client_for(sb, revision="x")`` replaces it."""
    clients: list[httpx.Client] = []

    def hook(response: httpx.Response) -> None:
        response.read()
        exchanges.record(response)

    def make(sandbox: Sandbox, **overrides: str | None) -> httpx.Client:
        headers = {**HEADERS}
        for name, value in overrides.items():
            headers.pop(name, None)
            if value is not None:
                headers[name] = value
        client = httpx.Client(
            base_url=sandbox.base_url,
            headers=headers,
            timeout=10.0,
            event_hooks={"response": [hook]},
            verify=_TLS,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(sandbox: Sandbox, client_for: ClientFactory) -> httpx.Client:
    """An httpx client with valid auth, revision and content type, recording responses."""
    return client_for(sandbox)


@pytest.fixture
async def aapi(sandbox: Sandbox, exchanges: Exchanges) -> AsyncIterator[httpx.AsyncClient]:
    """The asynchronous counterpart of ``api``."""

    async def hook(response: httpx.Response) -> None:
        await response.aread()
        exchanges.record(response)

    async with httpx.AsyncClient(
        base_url=sandbox.base_url,
        headers=HEADERS,
        timeout=10.0,
        event_hooks={"response": [hook]},
        limits=httpx.Limits(max_connections=50),
        verify=_TLS,
    ) as client:
        yield client
