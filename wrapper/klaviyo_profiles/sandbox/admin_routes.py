"""The sandbox-only admin surface under ``/sandbox`` (no auth): stored profiles, the request
log, reset and configuration. The admin routes of bulk import jobs live in :mod:`.bulk_routes`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..pacing import reset_pacing
from .decoding import decode_body
from .error_responses import ErrorResponse
from .exchange import ADMIN_PREFIX, base_url_of, state_of
from .state import advance_jobs


async def admin_profiles(request: Request) -> Response:
    """``GET /sandbox/profiles``: every stored profile."""
    state = state_of(request)
    await advance_jobs(state)
    return JSONResponse({"profiles": [p.to_dict() for p in state.store.all()]})


async def admin_requests(request: Request) -> Response:
    """``GET /sandbox/requests``: the log of requests to the Klaviyo routes."""
    return JSONResponse({"requests": state_of(request).requests()})


async def admin_reset(request: Request) -> Response:
    """``POST /sandbox/reset``: back to the state right after start, with the client-side
    pacing of this process for the URL the request came to (``pacing.reset_pacing``)."""
    state = state_of(request)
    state.reset()
    reset_pacing(base_url_of(request))
    return JSONResponse({"config": state.config.to_dict()})


async def admin_config(request: Request) -> Response:
    """``GET /sandbox/config`` shows the configuration; ``PUT`` changes parts of it."""
    state = state_of(request)
    if request.method == "PUT":
        try:
            changes = decode_body(await request.body())
            if not isinstance(changes, dict):
                raise ValueError("send a JSON object")
            state.update(changes)
        except ErrorResponse as exc:
            return JSONResponse({"error": exc.errors[0]["detail"]}, status_code=400)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"config": state.config.to_dict()})


def admin_routes() -> list[Route]:
    """The admin routes for profiles, the request log, reset and configuration."""
    return [
        Route(f"{ADMIN_PREFIX}/profiles", admin_profiles, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/requests", admin_requests, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/reset", admin_reset, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/config", admin_config, methods=["GET", "PUT"]),
    ]
