"""Constants and small helpers shared by the sandbox tests (imported as a top-level module)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from klaviyo_profile_import import facts
from werkzeug.datastructures import Headers, ImmutableMultiDict

KEY = "pk_sandbox_test_key"
HEADERS = {
    "Authorization": f"Klaviyo-API-Key {KEY}",
    "revision": facts.REVISION,
    "Content-Type": facts.MEDIA_TYPE,
    "Accept": facts.MEDIA_TYPE,
}
PATH = facts.PATH


def body(attributes: dict[str, Any], **data: Any) -> dict[str, Any]:
    """A profile-import request body."""
    return {"data": {"type": "profile", "attributes": attributes, **data}}


@dataclass
class Exchanges:
    """Responses of the profile-import route seen during one test."""

    responses: list[httpx.Response] = field(default_factory=list)

    def record(self, response: httpx.Response) -> None:
        request = response.request
        # The file describes the POST of the route; other methods have no operation to check.
        if request.method == "POST" and request.url.path.rstrip("/") == facts.PATH.rstrip("/"):
            self.responses.append(response)


OFFICIAL_SPEC = Path(facts.REVISION) / "apis" / "create_or_update_profile.json"
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
