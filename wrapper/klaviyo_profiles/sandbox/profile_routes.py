"""Klaviyo's single-profile routes: ``POST /api/profile-import`` and ``GET /api/profiles/{id}``.

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
import logging
import time

from klaviyo_profile_import import facts
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import validation
from .config import SINGLE_OPERATION
from .error_responses import ErrorResponse, throttled
from .exchange import (
    ALTERNATE_PATH,
    PRIMARY_PATH,
    accepted_media_types,
    api_response,
    base_url_of,
    drop_connection,
    internal_error,
    log_entry,
    loose_json,
    read_body,
    state_of,
)
from .faults import NO_FAULT, Fault
from .rendering import render_profile
from .state import advance_jobs
from .store import StoredProfile
from .windows import WindowDecision

logger = logging.getLogger(__name__)

#: Scope that reading a profile back needs (the upsert needs ``facts.SCOPES``).
READ_SCOPES: tuple[str, ...] = ("profiles:read",)


def _query_lists(request: Request) -> tuple[list[str], list[str]]:
    additional = validation.parse_list_parameter(
        request.query_params, validation.ADDITIONAL_FIELDS_PARAMETER, facts.ADDITIONAL_FIELDS
    )
    fields = validation.parse_list_parameter(
        request.query_params, validation.SPARSE_FIELDS_PARAMETER, facts.SPARSE_FIELDS
    )
    return additional, fields


async def profile_import(request: Request) -> Response:
    """``POST /api/profile-import``: create or update one profile."""
    state = state_of(request)
    config = state.config
    started = time.time()
    body, too_large = await read_body(request, config.payload_limit_bytes)
    entry = log_entry(request, SINGLE_OPERATION, started)
    decision: WindowDecision | None = None
    served: str | None = None
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
        served = validation.check_revision(request.headers.get("revision"), config.revisions)
        validation.check_content_type(
            request.headers.get("content-type"), accepted_media_types(request.url.path)
        )
        if too_large:
            raise ErrorResponse.single(
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
            return await drop_connection(state, request)
        if fault.status is not None:
            raise ErrorResponse.single(
                fault.status, "error", "The server failed to handle the request (injected)."
            )
        base_url = base_url_of(request)

        def answer(profile: StoredProfile, created: bool) -> Response:
            # Rendered before the store commits: an answer that cannot be made changes nothing.
            document_out = render_profile(profile, base_url, additional=additional, fields=fields)
            return api_response(201 if created else 200, document_out)

        result = state.store.upsert(data, answer)
        assert result.answer is not None
        if fault.drop_after_commit:
            entry["status"] = result.answer.status_code
            state.record(entry)
            return await drop_connection(state, request)
        response = result.answer
    except ErrorResponse as error:
        response = api_response(error.status, error.document())
    except Exception:  # a bug must answer a JSON:API 500, never drop the socket
        logger.exception("sandbox: unexpected failure on %s", request.url.path)
        response = api_response(500, internal_error().document())
    if entry["body"] is None and not too_large and body:
        entry["body"] = loose_json(body)
    if decision is not None:
        response.headers.update(decision.headers())
    if served is not None:
        response.headers[validation.SERVED_REVISION_HEADER] = served
    entry["status"] = response.status_code
    state.record(entry)
    return response


async def get_profile(request: Request) -> Response:
    """``GET /api/profiles/{id}``: one profile, in the shape the upsert answers with."""
    state = state_of(request)
    config = state.config
    try:
        key = validation.api_key_from(request.headers.get("authorization"))
        validation.check_scopes(key, config.api_keys, READ_SCOPES)
        served = validation.check_revision(request.headers.get("revision"), config.revisions)
        additional, fields = _query_lists(request)
        profile_id = request.path_params["profile_id"]
        await advance_jobs(state)
        profile = state.store.get(profile_id)
        if profile is None:
            raise ErrorResponse.single(
                404, "not_found", f"No profile with id {profile_id!r} exists."
            )
        response = api_response(
            200,
            render_profile(profile, base_url_of(request), additional=additional, fields=fields),
        )
        response.headers[validation.SERVED_REVISION_HEADER] = served
        return response
    except ErrorResponse as error:
        return api_response(error.status, error.document())
    except Exception:  # a bug must answer a JSON:API 500, never drop the socket
        logger.exception("sandbox: unexpected failure on %s", request.url.path)
        return api_response(500, internal_error().document())


def profile_routes() -> list[Route]:
    """The upsert (on both spellings of its path) and reading a profile back."""
    return [
        Route(PRIMARY_PATH, profile_import, methods=["POST"]),
        Route(ALTERNATE_PATH, profile_import, methods=["POST"]),
        Route("/api/profiles/{profile_id}", get_profile, methods=["GET"]),
        Route("/api/profiles/{profile_id}/", get_profile, methods=["GET"]),
    ]
