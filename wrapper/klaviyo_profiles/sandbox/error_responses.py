"""JSON:API error documents in the shape Klaviyo answers with."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

# Titles are short, fixed per code, as Klaviyo's are; the detail carries the specifics.
_TITLES: dict[str, str] = {
    "invalid": "Invalid input.",
    "parse_error": "Malformed request.",
    "not_authenticated": "Authentication credentials were not provided.",
    "authentication_failed": "Incorrect authentication credentials.",
    "permission_denied": "You do not have permission to perform this action.",
    "not_found": "Not found.",
    "method_not_allowed": "Method not allowed.",
    "duplicate_profile": "Conflict.",
    "payload_too_large": "Request entity too large.",
    "unsupported_media_type": "Unsupported media type.",
    "throttled": "Request was throttled.",
    "error": "A server error occurred.",
}


class ErrorResponse(Exception):
    """One or more JSON:API errors that end a request with ``status``."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["detail"] if errors else str(status))
        self.status = status
        self.errors = errors

    @classmethod
    def single(
        cls,
        status: int,
        code: str,
        detail: str,
        *,
        pointer: str | None = None,
        parameter: str | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> ErrorResponse:
        """An ``ErrorResponse`` holding exactly one error object."""
        return cls(
            status,
            [error_object(status, code, detail, pointer=pointer, parameter=parameter, meta=meta)],
        )

    def document(self) -> dict[str, Any]:
        """The response body."""
        return {"errors": self.errors}


def throttled(retry_after: int) -> ErrorResponse:
    """The 429 for a request a rate window refused, saying when one would be admitted."""
    plural = "s" if retry_after != 1 else ""
    return ErrorResponse.single(
        429,
        "throttled",
        f"Request was throttled. Expected available in {retry_after} second{plural}.",
    )


def error_object(
    status: int,
    code: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One member of a JSON:API ``errors`` array, with a fresh id as Klaviyo gives each error."""
    error: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "status": status,
        "code": code,
        "title": _TITLES.get(code, "Error."),
        "detail": detail,
    }
    source: dict[str, str] = {}
    if pointer is not None:
        source["pointer"] = pointer
    if parameter is not None:
        source["parameter"] = parameter
    if source:
        error["source"] = source
    error["links"] = {}
    error["meta"] = dict(meta or {})
    return error


def json_pointer(path: Any) -> str:
    """RFC 6901 pointer for a sequence of keys and indexes (``[]`` is the document root)."""
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    return "/" + "/".join(parts) if parts else ""
