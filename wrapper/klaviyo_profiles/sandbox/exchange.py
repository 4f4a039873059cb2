"""HTTP plumbing every route of the sandbox shares: its paths, reading a body, the request log
entry, JSON:API responses, a dropped connection, and the 500 a bug answers with."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from klaviyo_profile_import import facts
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .decoding import decode_body
from .error_responses import ErrorResponse
from .state import SandboxState

ADMIN_PREFIX = "/sandbox"
_JSON = "application/json"
#: Bytes of an over-limit body read and thrown away, so the client can finish sending and
#: receive the 413 instead of a broken pipe; also the most a route with no stated limit reads.
DRAIN_LIMIT = 16 * 1024 * 1024


def other_path(path: str) -> str:
    """The other spelling of ``path``: with the trailing slash when it has none, and without
    it when it has one."""
    return path[:-1] if path.endswith("/") else path + "/"


#: The revision's path, and the other spelling (with or without the trailing slash that
#: revisions before 2024-10-15 used), served too so older clients keep working.
PRIMARY_PATH = facts.PATH
ALTERNATE_PATH = other_path(facts.PATH)


def accepted_media_types(path: str) -> tuple[str, ...]:
    """Body media types a path accepts: only the revision's own, plus plain JSON on the path
    with the trailing slash, which older revisions served with ``application/json``."""
    if path.endswith("/") and facts.MEDIA_TYPE != _JSON:
        return (facts.MEDIA_TYPE, _JSON)
    return (facts.MEDIA_TYPE,)


class DroppedResponse(Response):
    """Sends nothing: the connection is already closed and the client must see no response."""

    def __init__(self) -> None:
        super().__init__(status_code=599)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


def api_response(
    status: int, document: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON:API answer in the revision's media type."""
    return Response(
        json.dumps(document, separators=(",", ":")),
        status_code=status,
        media_type=facts.MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def state_of(request: Request) -> SandboxState:
    """The state of the sandbox serving ``request``."""
    state: SandboxState = request.app.state.sandbox
    return state


def base_url_of(request: Request) -> str:
    """The sandbox's own base URL as the client reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def _log_headers(request: Request) -> dict[str, str]:
    # The API key is a secret: the log keeps every header but that one.
    return {k: v for k, v in request.headers.items() if k.lower() != "authorization"}


def log_entry(request: Request, operation_id: str, started: float) -> dict[str, Any]:
    """A request log entry for ``request`` to ``operation_id``, arrived at ``started``; the
    route fills in its body, status and fault."""
    return {
        "method": request.method,
        "path": request.url.path,
        "query": str(request.url.query),
        "headers": _log_headers(request),
        "body": None,
        "status": None,
        "fault": None,
        "operation": operation_id,
        "time": datetime.fromtimestamp(started, timezone.utc).isoformat(),
    }


async def read_body(request: Request, limit: int) -> tuple[bytes, bool]:
    """The body up to ``limit`` bytes, and whether it went past the limit (the rest is read and
    thrown away, up to a drain limit)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > DRAIN_LIMIT:
            break
    return b"".join(chunks), size > limit


async def drop_connection(state: SandboxState, request: Request) -> Response:
    """Close the connection ``request`` came on, as a lost response; the route returns what
    this answers (a :class:`DroppedResponse`)."""
    client = request.scope.get("client")
    transport = state.connections.get((client[0], client[1])) if client else None
    if transport is None:
        # Served by something other than Sandbox/serve(): the best remaining approximation
        # of a lost response is an aborted one.
        raise RuntimeError("sandbox: cannot reach this connection to drop it")
    transport.close()
    # Let the server notice the closed connection before the route returns.
    for _ in range(3):
        await asyncio.sleep(0)
    return DroppedResponse()


def internal_error() -> ErrorResponse:
    """The 500 a route answers when the sandbox itself fails."""
    return ErrorResponse.single(
        500, "error", "The sandbox failed to handle the request; nothing was changed."
    )


def loose_json(body: bytes) -> Any:
    """A body as the request log keeps it: decoded when it is acceptable JSON, else as text."""
    # Text for anything refused, so that a body however deep never makes the log unreadable.
    try:
        return decode_body(body)
    except ErrorResponse:
        return body.decode("utf-8", errors="replace")
