"""Fixtures for the sandbox tests: plain httpx clients over loopback, and a conformance check.

Every response to the profile-import route that a test receives through the ``api`` or
``aapi`` clients is recorded and, at the end of the test, validated against Klaviyo's
published spec for the revision (``../shared/klaviyo-openapi/<revision>/apis/...``) with
openapi-core, on a copy converted to OpenAPI 3.1 so that ``nullable`` beside ``$ref`` counts.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from klaviyo_profile_import import facts
from klaviyo_profiles.sandbox import Sandbox
from sandbox_helpers import HEADERS
from werkzeug.datastructures import Headers, ImmutableMultiDict

OFFICIAL_SPEC = Path("klaviyo-openapi") / facts.REVISION / "apis" / "create_or_update_profile.json"
# The official file describes one operation; its server is Klaviyo's, which requests are
# presented as coming to.
SPEC_HOST = "https://a.klaviyo.com"


# --------------------------------------------------------------------------------------------
# Conformance against Klaviyo's published spec


class _SpecRequest:
    """openapi-core's request protocol, for an httpx request."""

    def __init__(self, request: httpx.Request) -> None:
        from openapi_core.datatypes import RequestParameters

        path = request.url.path
        # The file names the current path; the trailing-slash spelling is the same operation.
        self.path = path.rstrip("/") if path.rstrip("/") == facts.PATH.rstrip("/") else path
        self.host_url = SPEC_HOST
        self.method = request.method.lower()
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "")
        query = urlsplit(str(request.url)).query
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(query)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _SpecResponse:
    """openapi-core's response protocol, for an httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.data = response.content
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))


@pytest.fixture(scope="session")
def official_spec(shared_dir: Path) -> Any:
    """openapi-core's view of Klaviyo's file for the revision, converted to OpenAPI 3.1."""
    import spec_tools
    from openapi_core import OpenAPI

    path = shared_dir / OFFICIAL_SPEC
    if not path.is_file():
        pytest.skip(f"Klaviyo's spec for revision {facts.REVISION} is not in ../shared ({path})")
    return OpenAPI.from_dict(spec_tools.to_openapi31(spec_tools.load_document(path)))


@pytest.fixture(scope="session")
def _official_spec_or_none(request: pytest.FixtureRequest) -> Any:
    try:
        return request.getfixturevalue("official_spec")
    except pytest.skip.Exception:
        return None


@dataclass
class Exchanges:
    """Responses of the profile-import route seen during one test."""

    responses: list[httpx.Response] = field(default_factory=list)

    def record(self, response: httpx.Response) -> None:
        request = response.request
        # The file describes the POST of the route; other methods have no operation to check.
        if request.method == "POST" and request.url.path.rstrip("/") == facts.PATH.rstrip("/"):
            self.responses.append(response)


def conformance_errors(spec: Any, responses: list[httpx.Response]) -> list[str]:
    """One line per response that does not validate against ``spec``."""
    problems = []
    for response in responses:
        try:
            spec.validate_response(_SpecRequest(response.request), _SpecResponse(response))
        except Exception as exc:  # openapi-core raises several unrelated exception types
            causes = getattr(exc, "schema_errors", None) or [exc.__cause__ or exc]
            problems.append(
                f"{response.request.method} {response.request.url} -> {response.status_code}: "
                f"{exc}; {'; '.join(str(c)[:300] for c in causes)}\n"
                f"{json.dumps(response.json())[:600] if response.content else ''}"
            )
    return problems


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
    ) as client:
        yield client
