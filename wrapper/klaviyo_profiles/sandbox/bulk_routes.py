"""The bulk profile import job routes of the sandbox, and their admin counterparts.

Order of checks on ``POST /api/profile-bulk-import-jobs`` (the first failing one answers;
nothing is queued unless all pass):

1. ``Authorization`` (401), the operation's scopes (403), its own rate limit windows (429);
2. ``revision`` (400), content type (415), body over ``payload_limit_bytes`` (413), JSON (400),
   query parameters (400), the job envelope (400), more than ``item_limit`` profiles (400),
   profiles over ``item_payload_limit_bytes`` (413), each profile against the Create or Update
   Profile schema (400, pointers such as ``/data/attributes/profiles/data/7/attributes/foo``);
3. injected faults (5xx, a dropped connection before or after the job is queued, a job that
   ends ``cancelled``);
4. the job is queued: 202 with the job.

Klaviyo documents the limits (10,000 profiles, 5 MB a request, 100 KB a profile, all read here
from ``facts.OPERATIONS``) but not the status it answers for each. The sandbox's choice: a body
too large in bytes is 413, as Create or Update Profile answers; one oversized profile is also a
size problem, so 413, pointing at the profile; too many profiles is a problem of the document's
content, not its size, so 400, pointing at the profile array. An empty profile array is 400 too.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from klaviyo_profile_import import facts
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import validation
from .config import BulkJobConfig
from .error_responses import ErrorResponse, error_object, json_pointer, throttled
from .exchange import (
    ADMIN_PREFIX,
    DRAIN_LIMIT,
    DroppedResponse,
    api_response,
    base_url_of,
    drop_connection,
    internal_error,
    log_entry,
    loose_json,
    other_path,
    read_body,
    state_of,
)
from .faults import NO_FAULT, Fault
from .job_queue import PROFILES_POINTER, ImportErrorRecord, Job, profile_pointer
from .state import SandboxState, advance_jobs
from .windows import WindowDecision

logger = logging.getLogger(__name__)

CREATE_JOB = "bulk_import_profiles"
GET_JOB = "get_bulk_import_profiles_job"
LIST_ERRORS = "get_errors_for_bulk_import_profiles_job"

JOB_TYPE = "profile-bulk-import-job"
ERROR_TYPE = "import-error"
JOB_FIELDS: tuple[str, ...] = (
    "completed_at",
    "completed_count",
    "created_at",
    "expires_at",
    "failed_count",
    "id",
    "started_at",
    "status",
    "total_count",
)
REQUIRED_JOB_ATTRIBUTES: tuple[str, ...] = ("status", "created_at", "total_count")
ERROR_FIELDS: tuple[str, ...] = (
    "code",
    "detail",
    "id",
    "original_payload",
    "source",
    "source.pointer",
    "title",
)
LIST_FIELDS: tuple[str, ...] = ("created", "id", "name", "opt_in_process", "updated")
JOB_FIELDS_PARAMETER = f"fields[{JOB_TYPE}]"
ERROR_FIELDS_PARAMETER = f"fields[{ERROR_TYPE}]"
PAGE_SIZE_PARAMETER = "page[size]"
PAGE_CURSOR_PARAMETER = "page[cursor]"
#: Page size bounds and default of the import-errors listing, as the spec states them.
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


# Where each route is served when the revision does not say (links of a revision that can
# start jobs but not read them).
_CANONICAL_PATHS = {
    CREATE_JOB: "/api/profile-bulk-import-jobs",
    GET_JOB: "/api/profile-bulk-import-jobs/{job_id}",
    LIST_ERRORS: "/api/profile-bulk-import-jobs/{job_id}/import-errors",
}
_PATH_PARAMETER = re.compile(r"\{[^/{}]*\}")


def _path(operation_id: str) -> str:
    """The operation's path as the revision spells it (trailing slash included), with its
    parameter named ``job_id`` whatever the revision calls it."""
    operation = facts.OPERATIONS.get(operation_id)
    path = _CANONICAL_PATHS[operation_id] if operation is None else operation.path
    return _PATH_PARAMETER.sub("{job_id}", path)


def _encoded_size(value: Any) -> int:
    # The client's own spacing is not the profile's size; compact UTF-8 JSON is, and it is the
    # smallest honest encoding, so no profile is refused for how its sender formatted it.
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Rendering


def job_url(base_url: str, job_id: str) -> str:
    """The absolute URL of one job."""
    return base_url + _path(GET_JOB).replace("{job_id}", job_id)


def render_job(
    job: Job, base_url: str, *, fields: Sequence[str] = (), include_lists: bool = False
) -> dict[str, Any]:
    """The JSON:API document for one job, as the job routes answer."""
    url = job_url(base_url, job.id)
    attributes = job.attributes()
    if fields:
        # A job answered in part still carries the attributes the spec requires of it.
        wanted = {*fields, *REQUIRED_JOB_ATTRIBUTES}
        attributes = {name: value for name, value in attributes.items() if name in wanted}
    document: dict[str, Any] = {
        "data": {
            "type": JOB_TYPE,
            "id": job.id,
            "attributes": attributes,
            "relationships": {
                "lists": {
                    "data": [{"type": "list", "id": list_id} for list_id in job.lists],
                    "links": {
                        "self": f"{url}/relationships/lists",
                        "related": f"{url}/lists",
                    },
                },
                "import-errors": {"links": {"related": f"{url}/import-errors"}},
            },
            "links": {"self": url},
        },
        "links": {"self": url},
    }
    if include_lists:
        # Lists are not modelled: each is answered by its id alone.
        document["included"] = [
            {
                "type": "list",
                "id": list_id,
                "attributes": {},
                "links": {"self": f"{base_url}/api/lists/{list_id}"},
            }
            for list_id in job.lists
        ]
    return document


def render_import_error(record: ImportErrorRecord, fields: Sequence[str] = ()) -> dict[str, Any]:
    """One member of the import-errors listing."""
    attributes: dict[str, Any] = {
        "code": record.code,
        "title": record.title,
        "detail": record.detail,
        "source": {"pointer": record.pointer},
        "original_payload": record.original_payload,
    }
    if fields:
        wanted = {name.split(".", 1)[0] for name in fields}
        attributes = {name: value for name, value in attributes.items() if name in wanted}
    return {"type": ERROR_TYPE, "id": record.id, "attributes": attributes}


def encode_cursor(offset: int) -> str:
    """An opaque page cursor for the error at ``offset``."""
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset in a cursor from :func:`encode_cursor`; a 400 for anything else."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind == "o" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ErrorResponse.single(
        400,
        "invalid",
        f"{PAGE_CURSOR_PARAMETER} is not a cursor this listing gave out.",
        parameter=PAGE_CURSOR_PARAMETER,
    )


def _page_size(query: Mapping[str, str]) -> int:
    raw = query.get(PAGE_SIZE_PARAMETER)
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if raw.strip().isdigit() and 1 <= int(raw) <= MAX_PAGE_SIZE:
        return int(raw)
    raise ErrorResponse.single(
        400,
        "invalid",
        f"{PAGE_SIZE_PARAMETER} must be a whole number from 1 to {MAX_PAGE_SIZE}, got {raw!r}.",
        parameter=PAGE_SIZE_PARAMETER,
    )


def _page_url(request: Request, cursor: str | None) -> str:
    url = request.url.remove_query_params(PAGE_CURSOR_PARAMETER)
    if cursor is not None:
        url = url.include_query_params(**{PAGE_CURSOR_PARAMETER: cursor})
    return str(url)


# --------------------------------------------------------------------------------------------
# The job request


def check_job_request(document: Any, config: BulkJobConfig) -> tuple[list[Any], list[str]]:
    """The profiles and list ids of a job request; ``ErrorResponse`` (400 or 413) when it cannot
    start a job. CPU-bound for large jobs (about 60 microseconds a profile)."""
    profiles, lists = _envelope(document)
    if config.item_limit is not None and len(profiles) > config.item_limit:
        raise ErrorResponse.single(
            400,
            "invalid",
            f"A job takes at most {config.item_limit} profiles; this request has {len(profiles)}.",
            pointer=json_pointer(PROFILES_POINTER),
        )
    if not profiles:
        raise ErrorResponse.single(
            400,
            "invalid",
            "A job needs at least one profile.",
            pointer=json_pointer(PROFILES_POINTER),
        )
    oversized = [
        error_object(
            413,
            "payload_too_large",
            f"Profile {index} is {size} bytes; a profile may take at most "
            f"{config.item_payload_limit_bytes} bytes.",
            pointer=profile_pointer(index),
        )
        for index, profile in enumerate(profiles)
        if config.item_payload_limit_bytes is not None
        and (size := _encoded_size(profile)) > config.item_payload_limit_bytes
    ]
    if oversized:
        raise ErrorResponse(413, oversized)
    errors: list[dict[str, Any]] = []
    for index, profile in enumerate(profiles):
        errors.extend(validation.profile_schema_errors(profile, (*PROFILES_POINTER, index)))
    if errors:
        raise ErrorResponse(400, errors)
    return profiles, lists


def unknown_member_errors(
    value: Mapping[str, Any], known: Sequence[str], path: Sequence[str | int]
) -> list[dict[str, Any]]:
    """One 400 per member of ``value`` (at ``path``) that the job request does not define."""
    return [
        error_object(
            400,
            "invalid",
            f"{name!r} is not a valid field for the resource {JOB_TYPE!r}.",
            pointer=json_pointer([*path, name]),
        )
        for name in value
        if name not in known
    ]


def _envelope(document: Any) -> tuple[list[Any], list[str]]:
    def fail(detail: str, path: Sequence[str | int]) -> ErrorResponse:
        return ErrorResponse.single(400, "invalid", detail, pointer=json_pointer(path))

    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        raise fail("'data' is required and must be an object.", ["data"])
    errors = unknown_member_errors(document, ("data",), [])
    data: dict[str, Any] = document["data"]
    errors += unknown_member_errors(data, ("type", "attributes", "relationships"), ["data"])
    if data.get("type") != JOB_TYPE:
        errors.append(
            error_object(400, "invalid", f"'type' must be {JOB_TYPE!r}.", pointer="/data/type")
        )
    attributes = data.get("attributes")
    profiles: Any = None
    if not isinstance(attributes, dict):
        errors.append(
            error_object(
                400,
                "invalid",
                "'attributes' is required and must be an object.",
                pointer="/data/attributes",
            )
        )
    else:
        errors += unknown_member_errors(attributes, ("profiles",), ["data", "attributes"])
        container = attributes.get("profiles")
        if isinstance(container, dict):
            errors += unknown_member_errors(
                container, ("data",), ["data", "attributes", "profiles"]
            )
            profiles = container.get("data")
        if not isinstance(profiles, list):
            errors.append(
                error_object(
                    400,
                    "invalid",
                    "'profiles' must be an object whose 'data' is an array.",
                    pointer=json_pointer(PROFILES_POINTER),
                )
            )
    lists: list[str] = []
    relationships = data.get("relationships")
    if relationships is not None:
        lists, problems = _lists(relationships)
        errors += problems
    if errors:
        raise ErrorResponse(400, errors)
    assert isinstance(profiles, list)
    return profiles, lists


def _lists(relationships: Any) -> tuple[list[str], list[dict[str, Any]]]:
    base = ["data", "relationships"]
    if not isinstance(relationships, dict):
        return [], [
            error_object(
                400, "invalid", "'relationships' must be an object.", pointer=json_pointer(base)
            )
        ]
    errors = unknown_member_errors(relationships, ("lists",), base)
    lists_member = relationships.get("lists")
    if lists_member is None:
        return [], errors
    items = lists_member.get("data") if isinstance(lists_member, dict) else None
    if not isinstance(items, list):
        errors.append(
            error_object(
                400,
                "invalid",
                "'lists' must be an object whose 'data' is an array.",
                pointer=json_pointer([*base, "lists"]),
            )
        )
        return [], errors
    ids: list[str] = []
    for index, item in enumerate(items):
        pointer = json_pointer([*base, "lists", "data", index])
        if (
            not isinstance(item, dict)
            or item.get("type") != "list"
            or not isinstance(item.get("id"), str)
            or set(item) - {"type", "id"}
        ):
            errors.append(
                error_object(
                    400,
                    "invalid",
                    'Each list is {"type": "list", "id": "<list id>"}.',
                    pointer=pointer,
                )
            )
        else:
            ids.append(item["id"])
    return ids, errors


# --------------------------------------------------------------------------------------------
# Routes


@dataclass
class _Exchange:
    """One request to a job route as its handler sees it: the body read, and its log entry."""

    entry: dict[str, Any]
    body: bytes = b""
    #: The body went past the route's limit (``body`` holds only what fit).
    too_large: bool = False


_Handler = Callable[[Request, SandboxState, _Exchange], Awaitable[Response]]


async def _serve(
    request: Request, operation_id: str, handler: _Handler, *, body_limit: int | None = None
) -> Response:
    """What every job route shares: reading the body, auth, the operation's windows, the
    revision, the request log, and error documents."""
    state = state_of(request)
    started = time.time()
    body, too_large = b"", False
    if body_limit is not None:
        # Read first, so that even a refused request is answered rather than cut off mid-body.
        body, too_large = await read_body(request, body_limit)
    entry = log_entry(request, operation_id, started)
    exchange = _Exchange(entry, body, too_large)
    decision: WindowDecision | None = None
    served: str | None = None
    try:
        await advance_jobs(state)
        if state.faults.applies_to(operation_id) and state.faults.latency:
            await asyncio.sleep(state.faults.latency)
        config = state.config
        key = validation.api_key_from(request.headers.get("authorization"))
        validation.check_scopes(key, config.api_keys, facts.OPERATIONS[operation_id].scopes)
        decision = state.limiter_for(operation_id).check(key)
        if decision is not None and not decision.allowed:
            raise throttled(decision.retry_after)
        served = validation.check_revision(request.headers.get("revision"), config.revisions)
        response = await handler(request, state, exchange)
    except ErrorResponse as error:
        response = api_response(error.status, error.document())
    except Exception:  # a bug must answer a JSON:API 500, never drop the socket
        logger.exception("sandbox: unexpected failure on %s", request.url.path)
        response = api_response(500, internal_error().document())
    if isinstance(response, DroppedResponse):  # the handler has logged the request already
        return response
    if not too_large and body and "body_bytes" not in entry:
        entry["body"] = loose_json(body)
    if decision is not None:
        response.headers.update(decision.headers())
    if served is not None:
        response.headers[validation.SERVED_REVISION_HEADER] = served
    entry["status"] = response.status_code
    state.record(entry)
    return response


def _draw_fault(state: SandboxState, operation_id: str, entry: dict[str, Any]) -> Fault:
    fault = state.faults.next() if state.faults.applies_to(operation_id) else NO_FAULT
    entry["fault"] = fault.name
    if fault.status is not None:
        raise ErrorResponse.single(
            fault.status, "error", "The server failed to handle the request (injected)."
        )
    return fault


async def _dropped(state: SandboxState, request: Request, entry: dict[str, Any]) -> Response:
    state.record(entry)
    return await drop_connection(state, request)


async def create_job(request: Request) -> Response:
    """``POST /api/profile-bulk-import-jobs``: queue a job (202)."""
    limit = state_of(request).config.jobs.payload_limit_bytes
    body_limit = DRAIN_LIMIT if limit is None else limit  # None: no limit stated
    return await _serve(request, CREATE_JOB, _create_job, body_limit=body_limit)


async def _create_job(request: Request, state: SandboxState, exchange: _Exchange) -> Response:
    entry = exchange.entry
    jobs_config = state.config.jobs
    validation.check_content_type(request.headers.get("content-type"), (facts.MEDIA_TYPE,))
    if exchange.too_large:
        raise ErrorResponse.single(
            413,
            "payload_too_large",
            f"The body exceeds the limit of {jobs_config.payload_limit_bytes} bytes.",
        )
    document = validation.parse_json(exchange.body)
    # Kept as sent and decoded when the log is read: a job's body as bytes is a fifth of its
    # size as Python objects, which adds up over a large sync.
    entry["body_bytes"] = exchange.body
    fields = validation.parse_list_parameter(request.query_params, JOB_FIELDS_PARAMETER, JOB_FIELDS)
    profiles, lists = await run_in_threadpool(check_job_request, document, jobs_config)
    fault = _draw_fault(state, CREATE_JOB, entry)
    if fault.drop:
        return await _dropped(state, request, entry)
    job = await run_in_threadpool(state.jobs.submit, profiles, lists, cancel=fault.cancel)
    response = api_response(202, render_job(job, base_url_of(request), fields=fields))
    if fault.drop_after_commit:
        entry["status"] = 202
        return await _dropped(state, request, entry)
    return response


async def get_job(request: Request) -> Response:
    """``GET /api/profile-bulk-import-jobs/{job_id}``: one job as of now."""
    return await _serve(request, GET_JOB, _get_job)


async def _get_job(request: Request, state: SandboxState, exchange: _Exchange) -> Response:
    entry = exchange.entry
    query = request.query_params
    fields = validation.parse_list_parameter(query, JOB_FIELDS_PARAMETER, JOB_FIELDS)
    validation.parse_list_parameter(query, "fields[list]", LIST_FIELDS)
    include = validation.parse_list_parameter(query, "include", ("lists",))
    fault = _draw_fault(state, GET_JOB, entry)
    if fault.drop or fault.drop_after_commit:
        return await _dropped(state, request, entry)
    job_id = request.path_params["job_id"]
    # Off the loop: reading a job may first apply the profiles that came due since.
    job = await run_in_threadpool(state.jobs.get, job_id)
    if job is None:
        raise ErrorResponse.single(
            404, "not_found", f"No bulk import job with id {job_id!r} exists."
        )
    document = render_job(job, base_url_of(request), fields=fields, include_lists=bool(include))
    return api_response(200, document)


async def list_errors(request: Request) -> Response:
    """``GET /api/profile-bulk-import-jobs/{id}/import-errors``: one page of import errors."""
    return await _serve(request, LIST_ERRORS, _list_errors)


async def _list_errors(request: Request, state: SandboxState, exchange: _Exchange) -> Response:
    entry = exchange.entry
    query = request.query_params
    size = _page_size(query)
    cursor = query.get(PAGE_CURSOR_PARAMETER)
    offset = decode_cursor(cursor) if cursor is not None else 0
    fields = validation.parse_list_parameter(query, ERROR_FIELDS_PARAMETER, ERROR_FIELDS)
    fault = _draw_fault(state, LIST_ERRORS, entry)
    if fault.drop or fault.drop_after_commit:
        return await _dropped(state, request, entry)
    job_id = request.path_params["job_id"]
    records = await run_in_threadpool(state.jobs.errors, job_id)
    if records is None:
        raise ErrorResponse.single(
            404, "not_found", f"No bulk import job with id {job_id!r} exists."
        )
    page = records[offset : offset + size]
    following = offset + size if offset + size < len(records) else None
    previous = max(0, offset - size) if offset > 0 else None
    document = {
        "data": [render_import_error(record, fields) for record in page],
        "links": {
            "self": str(request.url),
            "next": _page_url(request, encode_cursor(following)) if following is not None else None,
            "prev": _page_url(request, encode_cursor(previous)) if previous is not None else None,
        },
    }
    return api_response(200, document)


# --------------------------------------------------------------------------------------------
# Admin surface (sandbox only, no auth)


def job_view(state: SandboxState, job_id: str) -> dict[str, Any] | None:
    """One job with its import errors, as ``GET /sandbox/jobs/{id}`` shows it."""
    job = state.jobs.get(job_id)
    if job is None:
        return None
    return {**job.to_dict(), "errors": [record.to_dict() for record in job.errors]}


async def admin_jobs(request: Request) -> Response:
    """``GET /sandbox/jobs``: every bulk import job, oldest first, without its errors."""
    state = state_of(request)
    jobs = await run_in_threadpool(state.jobs.all)
    return JSONResponse({"jobs": [job.to_dict() for job in jobs]})


async def admin_job(request: Request) -> Response:
    """``GET /sandbox/jobs/{job_id}``: one job with its import errors."""
    view = await run_in_threadpool(job_view, state_of(request), request.path_params["job_id"])
    if view is None:
        return JSONResponse({"error": "no such job"}, status_code=404)
    return JSONResponse({"job": view})


async def admin_cancel_job(request: Request) -> Response:
    """``POST /sandbox/jobs/{job_id}/cancel``: end a job now as ``cancelled``."""
    state = state_of(request)
    job = await run_in_threadpool(state.jobs.cancel, request.path_params["job_id"])
    if job is None:
        return JSONResponse({"error": "no such job"}, status_code=404)
    return JSONResponse({"job": job.to_dict()})


async def admin_finish_jobs(request: Request) -> Response:
    """``POST /sandbox/jobs/finish``: run every job to its end now."""
    state = state_of(request)
    await run_in_threadpool(state.jobs.finish)
    jobs = await run_in_threadpool(state.jobs.all)
    return JSONResponse({"jobs": [job.to_dict() for job in jobs]})


def bulk_routes() -> list[Route]:
    """The job routes the revision has (each path also with the other trailing-slash spelling)
    and their admin routes."""
    routes: list[Route] = []
    for operation_id, endpoint in (
        (CREATE_JOB, create_job),
        (GET_JOB, get_job),
        (LIST_ERRORS, list_errors),
    ):
        if operation_id not in facts.OPERATIONS:
            continue  # the revision has no such operation: nor does its sandbox
        path = _path(operation_id)
        method = "POST" if endpoint is create_job else "GET"
        routes.append(Route(path, endpoint, methods=[method]))
        routes.append(Route(other_path(path), endpoint, methods=[method]))
    routes += [
        Route(f"{ADMIN_PREFIX}/jobs", admin_jobs, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/jobs/finish", admin_finish_jobs, methods=["POST"]),
        Route(f"{ADMIN_PREFIX}/jobs/{{job_id}}", admin_job, methods=["GET"]),
        Route(f"{ADMIN_PREFIX}/jobs/{{job_id}}/cancel", admin_cancel_job, methods=["POST"]),
    ]
    return routes
