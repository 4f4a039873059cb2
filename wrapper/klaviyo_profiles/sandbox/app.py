"""The sandbox's Starlette application: Klaviyo's routes plus a sandbox-only admin surface.

The routes live in :mod:`.profile_routes` (Create or Update Profile, reading a profile back),
:mod:`.bulk_routes` (bulk profile import jobs and their admin routes) and :mod:`.admin_routes`;
what a running sandbox holds in :mod:`.state`. This module puts them together and answers what
no route does (unknown paths, wrong methods, clients that hang up mid-body).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from .admin_routes import admin_routes
from .bulk_routes import bulk_routes
from .config import SandboxConfig
from .error_responses import ErrorResponse
from .exchange import ADMIN_PREFIX, api_response
from .profile_routes import profile_routes
from .state import SandboxState


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(ADMIN_PREFIX + "/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid")
    error = ErrorResponse.single(exc.status_code, code, str(exc.detail))
    return api_response(exc.status_code, error.document(), exc.headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    # A client that hangs up before its body has arrived (killed, timed out) is ordinary
    # traffic for a server, not a fault of the sandbox: nothing to answer, nothing to log.
    # Nothing reached the store either, since no route acts before it has the whole body.
    return Response(status_code=499)


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """A fresh sandbox application; its state is ``app.state.sandbox`` (a ``SandboxState``)."""
    app = Starlette(
        routes=[*profile_routes(), *admin_routes(), *bulk_routes()],
        exception_handlers={HTTPException: _http_error, ClientDisconnect: _client_gone},
    )
    app.router.redirect_slashes = False
    app.state.sandbox = SandboxState(config or SandboxConfig())
    return app
