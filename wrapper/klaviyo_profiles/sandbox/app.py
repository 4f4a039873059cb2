"""The sandbox's Starlette application: Klaviyo's routes plus a sandbox-only admin surface.

The bulk profile import job routes (``POST /api/profile-bulk-import-jobs``, ``GET`` a job,
``GET`` its import errors) live in :mod:`.bulk_routes`; the jobs themselves in :mod:`.jobs`.

Order of checks on ``POST /api/profile-import`` (the first failing one answers):

1. ``Authorization`` (401), then the key's scopes (403);
2. rate limits of the key (429); every request that gets this far is counted once, whatever
   its outcome, as Klaviyo counts every authenticated request; a 429 itself is not counted;
3. ``revision`` header (400), content type (415), body size (413), JSON (400), query
   parameters (400), body schema, identifiers and formats (400, one error per problem);
4. injected faults (5xx or a dropped connection), decided before the store is touched;
5. the upsert (201, 200, 404 for an unknown ``id``, 409 ``duplicate_profile``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from klaviyo_profile_import import facts
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from . import validation
from .config import (
    BULK_OPERATIONS,
    SINGLE_OPERATION,
    SandboxConfig,
    faults_from,
    jobs_from,
    operation_rate_limits_from,
    rate_limits_from,
)
from .decoding import decode_body
from .errors import ApiError, throttled
from .faults import NO_FAULT, Fault, FaultInjector
from .jobs import JobQueue
from .ratelimit import Decision, RateLimiter
from .store import ProfileStore, StoredProfile

logger = logging.getLogger(__name__)

ADMIN_PREFIX = "/sandbox"
#: Scope that reading a profile back needs (the upsert needs ``facts.SCOPES``).
READ_SCOPES: tuple[str, ...] = ("profiles:read",)
_JSON = "application/json"
# Bytes of an over-limit body read and thrown away, so the client can finish sending and
# receive the 413 instead of a broken pipe.
_DRAIN_LIMIT = 16 * 1024 * 1024


def _other_path(path: str) -> str:
    return path[:-1] if path.endswith("/") else path + "/"


#: The revision's path, and the other spelling (with or without the trailing slash that
#: revisions before 2024-10-15 used), served too so older clients keep working.
PRIMARY_PATH = facts.PATH
ALTERNATE_PATH = _other_path(facts.PATH)


def accepted_media_types(path: str) -> tuple[str, ...]:
    """Body media types a path accepts: only the revision's own, plus plain JSON on the path
    with the trailing slash, which older revisions served with ``application/json``."""
    if path.endswith("/") and facts.MEDIA_TYPE != _JSON:
        return (facts.MEDIA_TYPE, _JSON)
    return (facts.MEDIA_TYPE,)


class _Dropped(Response):
    """Sends nothing: the connection is already closed and the client must see no response."""

    def __init__(self) -> None:
        super().__init__(status_code=599)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


#: Seconds between the job ticker's rounds (see :mod:`.jobs`): short enough that a round has
#: little to do at the default speeds, long enough to cost nothing when idle.
_JOB_TICK = 0.1
_CONFIG_SECTIONS = ("rate_limits", "operation_rate_limits", "faults", "jobs", "revisions")


@dataclass
class SandboxState:
    """Everything one running sandbox holds; shared by its routes and its Python API."""

    initial: SandboxConfig
    config: SandboxConfig = field(init=False)
    store: ProfileStore = field(default_factory=ProfileStore)
    limiter: RateLimiter = field(init=False)
    #: Windows of the bulk import operations, one limiter each, by operation id.
    operation_limiters: dict[str, RateLimiter] = field(init=False)
    faults: FaultInjector = field(init=False)
    jobs: JobQueue = field(init=False)
    log: deque[dict[str, Any]] = field(init=False)
    #: Open connections by client address; filled by the server's protocol class so that a
    #: route can close its own connection to simulate a dropped response.
    connections: dict[tuple[str, int], asyncio.BaseTransport] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.config = self.initial
        self.limiter = RateLimiter(self.initial.rate_limits)
        self.operation_limiters = {
            name: RateLimiter(self.initial.rate_limits_for(name)) for name in BULK_OPERATIONS
        }
        self.faults = FaultInjector(self.initial.faults)
        self.jobs = JobQueue(self.store, self.initial.jobs, tick=_JOB_TICK)
        self.log = deque(maxlen=self.initial.request_log_size)

    def limiter_for(self, operation_id: str) -> RateLimiter:
        """The limiter of one operation's windows."""
        if operation_id == SINGLE_OPERATION:
            return self.limiter
        return self.operation_limiters[operation_id]

    def reset(self) -> None:
        """Back to the state right after start: no profiles, no jobs, no log, fresh counters and
        the configuration the sandbox was started with."""
        with self.lock:
            self.jobs.clear()
            self.jobs.configure(self.initial.jobs)
            self.store.clear()
            self.log.clear()
            self.config = self.initial
            self.limiter.configure(self.initial.rate_limits)
            for name, limiter in self.operation_limiters.items():
                limiter.configure(self.initial.rate_limits_for(name))
            self.faults.configure(self.initial.faults)

    def update(self, changes: Mapping[str, Any]) -> SandboxConfig:
        """Apply ``{"rate_limits": {...}, "operation_rate_limits": {"<operation id>": {...}},
        "faults": {...}, "jobs": {...}, "revisions": [...]}`` (all optional)."""
        unknown = sorted(set(changes) - set(_CONFIG_SECTIONS))
        if unknown:
            raise ValueError(f"unknown config sections: {', '.join(unknown)}")
        with self.lock:
            config = self.config
            if "rate_limits" in changes:
                limits = rate_limits_from(changes["rate_limits"], config.rate_limits)
                config = replace(config, rate_limits=limits)
                self.limiter.configure(limits)
            if "operation_rate_limits" in changes:
                by_operation = operation_rate_limits_from(
                    changes["operation_rate_limits"], config.operation_rate_limits
                )
                config = replace(config, operation_rate_limits=by_operation)
                for name in changes["operation_rate_limits"]:
                    self.operation_limiters[name].configure(by_operation[name])
            if "jobs" in changes:
                jobs = jobs_from(changes["jobs"], config.jobs)
                config = replace(config, jobs=jobs)
                self.jobs.configure(jobs)
            if "faults" in changes:
                faults = faults_from(changes["faults"], config.faults)
                config = replace(config, faults=faults)
                self.faults.configure(faults)
            if "revisions" in changes:
                revisions = tuple(str(r) for r in changes["revisions"])
                bad = [r for r in revisions if not validation.REVISION_PATTERN.match(r)]
                if not revisions or bad:
                    raise ValueError(f"revisions must be YYYY-MM-DD[.suffix], got {bad or 'none'}")
                config = replace(config, revisions=revisions)
            self.config = config
            return config

    def record(self, entry: dict[str, Any]) -> None:
        """Add one entry to the request log."""
        with self.lock:
            self.log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first."""
        with self.lock:
            entries = list(self.log)
        return [_decoded(entry) for entry in entries]


# --------------------------------------------------------------------------------------------
# Rendering


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


_SUBSCRIPTIONS = "subscriptions"
# The channels of revisions whose spec lists no sparse fields to read them from.
_FALLBACK_SUBSCRIPTION_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "email": {
        "marketing": (
            "can_receive_email_marketing",
            "consent",
            "consent_timestamp",
            "last_updated",
            "method",
            "method_detail",
            "custom_method_detail",
            "double_optin",
            "suppression",
            "list_suppressions",
        )
    },
    "sms": {
        "marketing": (
            "can_receive_sms_marketing",
            "consent",
            "consent_timestamp",
            "method",
            "method_detail",
            "last_updated",
        ),
        "transactional": (
            "can_receive_sms_transactional",
            "consent",
            "consent_timestamp",
            "method",
            "method_detail",
            "last_updated",
        ),
    },
    "mobile_push": {"marketing": ("can_receive_push_marketing", "consent", "consent_timestamp")},
}


def _subscription_fields() -> dict[str, dict[str, tuple[str, ...]]]:
    """Channel -> kind -> fields, as the revision's ``fields[profile]`` values list them, so
    every channel the revision has (``whatsapp``, ``email.open_tracking``...) is answered."""
    channels: dict[str, dict[str, list[str]]] = {}
    for dotted in facts.SPARSE_FIELDS:
        parts = dotted.split(".")
        if len(parts) == 4 and parts[0] == _SUBSCRIPTIONS:
            channels.setdefault(parts[1], {}).setdefault(parts[2], []).append(parts[3])
    if not channels:
        return _FALLBACK_SUBSCRIPTION_FIELDS
    return {
        channel: {kind: tuple(names) for kind, names in kinds.items()}
        for channel, kinds in channels.items()
    }


def is_required_subscription_field(name: str) -> bool:
    """Whether every consent object must carry the field: its consent state and whether the
    profile can receive on the channel, the members Klaviyo's spec requires of each."""
    return name == "consent" or name.startswith("can_receive")


def _subscription_value(name: str) -> Any:
    # The sandbox models no consent; every channel reads as never subscribed.
    if name.startswith("can_receive"):
        return False
    if name == "consent":
        return "NEVER_SUBSCRIBED"
    if name in ("suppression", "list_suppressions"):
        return []
    return None


def _subscriptions() -> dict[str, Any]:
    return {
        channel: {
            kind: {name: _subscription_value(name) for name in names}
            for kind, names in kinds.items()
        }
        for channel, kinds in _subscription_fields().items()
    }


def _predictive_analytics() -> dict[str, Any]:
    names = [
        field.split(".", 1)[1]
        for field in facts.SPARSE_FIELDS
        if field.startswith("predictive_analytics.")
    ] or ["historic_clv", "predicted_clv", "total_clv", "churn_probability"]
    # No order history exists in a sandbox, so nothing can be predicted.
    return {name: None for name in names}


def _attributes(profile: StoredProfile, additional: Sequence[str]) -> dict[str, Any]:
    stored = profile.attributes
    attributes: dict[str, Any] = {}
    for name in facts.RESPONSE_ATTRIBUTES:
        if name == "created":
            attributes[name] = profile.created.isoformat()
        elif name == "updated":
            attributes[name] = profile.updated.isoformat()
        elif name == "location":
            location = stored.get("location") or {}
            attributes[name] = {
                **{key: location.get(key) for key in facts.LOCATION_FIELDS},
                **location,
            }
        elif name == "properties":
            attributes[name] = dict(stored.get("properties") or {})
        elif name == "subscriptions":
            if name in additional:
                attributes[name] = _subscriptions()
        elif name == "predictive_analytics":
            if name in additional:
                attributes[name] = _predictive_analytics()
        else:
            attributes[name] = stored.get(name)
    return attributes


def _sparse_tree(fields: Sequence[str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for dotted in fields:
        parts = dotted.split(".")
        node = tree
        for part in parts[:-1]:
            child = node.get(part)
            if child is True:
                break
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True
    return tree


def _select(value: Any, tree: Mapping[str, Any], path: tuple[str, ...] = ()) -> Any:
    if not isinstance(value, dict):
        return value
    selected: dict[str, Any] = {}
    if len(path) == 3 and path[0] == _SUBSCRIPTIONS:
        # A consent object answered in part still carries the members the spec requires.
        selected = {k: v for k, v in value.items() if is_required_subscription_field(k)}
    for key, wanted in tree.items():
        if key in value:
            selected[key] = (
                value[key] if wanted is True else _select(value[key], wanted, (*path, key))
            )
    return selected


def render_profile(
    profile: StoredProfile,
    base_url: str,
    *,
    additional: Sequence[str] = (),
    fields: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON:API document for one profile, as the profile endpoints answer."""
    attributes = _attributes(profile, additional)
    if fields:
        tree = _sparse_tree(fields)
        tree.pop("id", None)  # the resource id always comes back, outside the attributes
        attributes = _select(attributes, tree)
    self_link = f"{base_url}/api/profiles/{profile.id}/"

    def relationship(name: str) -> dict[str, Any]:
        return {
            "links": {
                "self": f"{base_url}/api/profiles/{profile.id}/relationships/{name}/",
                "related": f"{base_url}/api/profiles/{profile.id}/{name}/",
            }
        }

    return {
        "data": {
            "type": "profile",
            "id": profile.id,
            "attributes": attributes,
            "relationships": {name: relationship(name) for name in ("lists", "segments")},
            "links": {"self": self_link},
        },
        "links": {"self": self_link},
    }


def _api_response(
    status: int, document: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(document, separators=(",", ":")),
        status_code=status,
        media_type=facts.MEDIA_TYPE,
        headers=dict(headers or {}),
    )


# --------------------------------------------------------------------------------------------
# Routes


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


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


async def _read_body(request: Request, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > _DRAIN_LIMIT:
            break
    return b"".join(chunks), size > limit


def _query_lists(request: Request) -> tuple[list[str], list[str]]:
    additional = validation.parse_list_parameter(
        request.query_params, validation.ADDITIONAL_FIELDS_PARAMETER, facts.ADDITIONAL_FIELDS
    )
    fields = validation.parse_list_parameter(
        request.query_params, validation.SPARSE_FIELDS_PARAMETER, facts.SPARSE_FIELDS
    )
    return additional, fields


async def _drop_connection(state: SandboxState, request: Request) -> Response:
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
    return _Dropped()


async def advance_jobs(state: SandboxState) -> None:
    """Bring bulk import jobs up to now before a request is handled, so that it sees every
    job profile due before it arrived (see :mod:`.jobs`); off the event loop when there is
    work, as a long stretch of profiles would otherwise hold up every other connection."""
    if state.jobs.busy:
        await run_in_threadpool(state.jobs.advance)


async def profile_import(request: Request) -> Response:
    """``POST /api/profile-import``: create or update one profile."""
    state = _state(request)
    config = state.config
    started = time.time()
    body, too_large = await _read_body(request, config.payload_limit_bytes)
    entry = log_entry(request, SINGLE_OPERATION, started)
    decision: Decision | None = None
    fault: Fault = NO_FAULT
    faulty = state.faults.applies_to(SINGLE_OPERATION)
    try:
        await advance_jobs(state)
        if faulty and state.faults.latency:
            await asyncio.sleep(state.faults.latency)
        key = validation.api_key_from(request.headers.get("authorization"))
        validation.check_scopes(key, config.api_keys, facts.SCOPES)
        decision = state.limiter.check(key)
        if decision is not None and not decision.allowed:
            raise throttled(decision.retry_after)
        validation.check_revision(request.headers.get("revision"), config.revisions)
        validation.check_content_type(
            request.headers.get("content-type"), accepted_media_types(request.url.path)
        )
        if too_large:
            raise ApiError.single(
                413,
                "payload_too_large",
                f"The body exceeds the limit of {config.payload_limit_bytes} bytes.",
            )
        document = validation.parse_json(body)
        entry["body"] = document
        additional, fields = _query_lists(request)
        data = validation.validate_body(document)
        fault = state.faults.next() if faulty else NO_FAULT
        entry["fault"] = fault.name
        if fault.drop:
            state.record(entry)
            return await _drop_connection(state, request)
        if fault.status is not None:
            raise ApiError.single(
                fault.status, "error", "The server failed to handle the request (injected)."
            )
        base_url = _base_url(request)

        def answer(profile: StoredProfile, created: bool) -> Response:
            # Rendered before the store commits: an answer that cannot be made changes nothing.
            document_out = render_profile(profile, base_url, additional=additional, fields=fields)
            return _api_response(201 if created else 200, document_out)

        result = state.store.upsert(data, answer)
        assert result.answer is not None
        if fault.drop_after_commit:
            entry["status"] = result.answer.status_code
            state.record(entry)
            return await _drop_connection(state, request)
        response = result.answer
    except ApiError as error:
        response = _api_response(error.status, error.document())
    except Exception:  # a bug must answer a JSON:API 500, never drop the socket
        logger.exception("sandbox: unexpected failure on %s", request.url.path)
        response = _api_response(500, _internal_error().document())
    if entry["body"] is None and not too_large and body:
        entry["body"] = _loose_json(body)
    if decision is not None:
        response.headers.update(decision.headers())
    entry["status"] = response.status_code
    state.record(entry)
    return response


def _decoded(entry: dict[str, Any]) -> dict[str, Any]:
    """A log entry as read: a body kept as bytes (bulk jobs) decoded, like every other one."""
    if "body_bytes" not in entry:
        return entry
    shown = {name: value for name, value in entry.items() if name != "body_bytes"}
    # It passed the strict decoder when it was received, so the standard one reads it alike.
    shown["body"] = json.loads(entry["body_bytes"])
    return shown


def _internal_error() -> ApiError:
    return ApiError.single(
        500, "error", "The sandbox failed to handle the request; nothing was changed."
    )


def _loose_json(body: bytes) -> Any:
    # The log keeps what was sent: decoded when the body is acceptable JSON, else as text (so
    # a refused body, however deep, never makes the log itself unreadable).
    try:
        return decode_body(body)
    except ApiError:
        return body.decode("utf-8", errors="replace")


async def get_profile(request: Request) -> Response:
    """``GET /api/profiles/{id}``: one profile, in the shape the upsert answers with."""
    state = _state(request)
    config = state.config
    try:
        key = validation.api_key_from(request.headers.get("authorization"))
        validation.check_scopes(key, config.api_keys, READ_SCOPES)
        validation.check_revision(request.headers.get("revision"), config.revisions)
        additional, fields = _query_lists(request)
        profile_id = request.path_params["profile_id"]
        await advance_jobs(state)
        profile = state.store.get(profile_id)
        if profile is None:
            raise ApiError.single(404, "not_found", f"No profile with id {profile_id!r} exists.")
        return _api_response(
            200,
            render_profile(profile, _base_url(request), additional=additional, fields=fields),
        )
    except ApiError as error:
        return _api_response(error.status, error.document())
    except Exception:  # a bug must answer a JSON:API 500, never drop the socket
        logger.exception("sandbox: unexpected failure on %s", request.url.path)
        return _api_response(500, _internal_error().document())


# --------------------------------------------------------------------------------------------
# Admin surface (sandbox only, no auth)


async def admin_profiles(request: Request) -> Response:
    """``GET /sandbox/profiles``: every stored profile."""
    state = _state(request)
    await advance_jobs(state)
    return JSONResponse({"profiles": [p.to_dict() for p in state.store.all()]})


async def admin_requests(request: Request) -> Response:
    """``GET /sandbox/requests``: the log of requests to the Klaviyo routes."""
    return JSONResponse({"requests": _state(request).requests()})


async def admin_reset(request: Request) -> Response:
    """``POST /sandbox/reset``: back to the state right after start."""
    state = _state(request)
    state.reset()
    return JSONResponse({"config": state.config.to_dict()})


async def admin_config(request: Request) -> Response:
    """``GET /sandbox/config`` shows the configuration; ``PUT`` changes parts of it."""
    state = _state(request)
    if request.method == "PUT":
        try:
            changes = decode_body(await request.body())
            if not isinstance(changes, dict):
                raise ValueError("send a JSON object")
            state.update(changes)
        except ApiError as exc:
            return JSONResponse({"error": exc.errors[0]["detail"]}, status_code=400)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"config": state.config.to_dict()})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(ADMIN_PREFIX + "/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid")
    error = ApiError.single(exc.status_code, code, str(exc.detail))
    return _api_response(exc.status_code, error.document(), exc.headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    # A client that hangs up before its body has arrived (killed, timed out) is ordinary
    # traffic for a server, not a fault of the sandbox: nothing to answer, nothing to log.
    # Nothing reached the store either, since no route acts before it has the whole body.
    return Response(status_code=499)


def create_app(config: SandboxConfig | None = None) -> Starlette:
    """A fresh sandbox application; its state is ``app.state.sandbox`` (a ``SandboxState``)."""
    routes = [
        Route(PRIMARY_PATH, profile_import, methods=["POST"]),
        Route(ALTERNATE_PATH, profile_import, methods=["POST"]),
        Route("/api/profiles/{profile_id}", get_profile, methods=["GET"]),
        Route("/api/profiles/{profile_id}/", get_profile, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/profiles", admin_profiles, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/requests", admin_requests, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/reset", admin_reset, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/config", admin_config, methods=["GET", "PUT"]),
    ]
    from .bulk_routes import bulk_routes  # imports this module

    routes += bulk_routes()
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, ClientDisconnect: _client_gone},
    )
    app.router.redirect_slashes = False
    app.state.sandbox = SandboxState(config or SandboxConfig())
    return app
