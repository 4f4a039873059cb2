"""Pure functions around one exchange: checking per-call arguments, reading rate-limit headers
and job documents, turning transport failures into the library's errors. No I/O."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Mapping
from typing import Any

import httpx

from .auth import redact_request
from .body import check_text
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    InvalidInputError,
    KlaviyoError,
)
from .result import BulkImportErrorEntry, BulkImportJob

__all__ = [
    "CLIENT_HEADERS",
    "TRANSPORT_HEADERS",
    "WireBody",
    "check_headers",
    "check_job_id",
    "check_page_size",
    "errors_page",
    "job_from",
    "may_have_errors",
    "rate_limit_headers",
    "transport_error",
]

_logger = logging.getLogger("klaviyo_profiles")


def rate_limit_headers(headers: httpx.Headers) -> dict[str, str]:
    """The ``RateLimit-*`` headers of a response, by lower-case name."""
    # One pass over the raw headers instead of a lookup per name (each one a scan of all of
    # them); repeated headers are joined with ", " as httpx's own lookup does.
    found: dict[str, str] = {}
    for key, value in headers.raw:
        if key[:10].lower() == b"ratelimit-":
            name = key.decode("latin-1").lower()
            # ASCII reads the same in every encoding; httpx works out a response's encoding by
            # decoding all of its headers, which only other values need.
            text = value.decode("ascii") if value.isascii() else value.decode(headers.encoding)
            found[name] = f"{found[name]}, {text}" if name in found else text
    return found


#: Headers the client sets on every request, each with why: neither ``extra_headers=`` nor
#: ``default_headers=`` may carry them (a caller's ``http_client=`` headers of these names are
#: replaced instead, since every httpx client sets some of them).
CLIENT_HEADERS: dict[str, str] = {
    "authorization": "the client sends the API key: pass api_key=",
    "revision": "the client sends its pinned revision: pass revision=",
    "content-type": "the client sends the JSON:API media type",
    "accept": "the client asks for the JSON:API media type",
    "user-agent": "the client names itself and its revision",
}
#: Headers that describe the message or the connection rather than the request: the HTTP
#: transport writes them from the body and the URL, and one given by hand contradicts it (a
#: Content-Length that is not the body's makes the request fail once sent).
TRANSPORT_HEADERS: dict[str, str] = {
    "content-length": "the transport sets it from the body",
    "transfer-encoding": "the transport frames the body itself",
    "host": "the transport sets it from base_url",
    "connection": "the transport manages its connections",
    "keep-alive": "the transport manages its connections",
    "upgrade": "the transport manages its connections",
}
# RFC 9110 field names are tokens. A value is visible ASCII with spaces and tabs inside it
# (no line break or control character, no whitespace at either end, which the transport
# would refuse once sent, after every retry); httpx encodes values as ASCII, so any other
# character ends the call in a UnicodeEncodeError instead.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?")


def check_headers(headers: object, field: str = "extra_headers") -> dict[str, str]:
    """``extra_headers=`` (or ``default_headers=``, named by ``field``) as a dict of str,
    refused before any I/O (``InvalidInputError`` naming the header) when it is not a mapping
    of header names to str values, a name is not an HTTP token, a value holds anything but
    visible ASCII with spaces and tabs inside it, or a name is one the client sets itself
    (:data:`CLIENT_HEADERS`) or the transport does (:data:`TRANSPORT_HEADERS`)."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping) or not all(
        isinstance(name, str) and isinstance(value, str) for name, value in headers.items()
    ):
        raise InvalidInputError(field, "a mapping of header names to str values")
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise InvalidInputError(f"{field}[{name!r}]", "a header name (an HTTP token)")
        owner = "the client" if name.lower() in CLIENT_HEADERS else "the transport"
        instead = CLIENT_HEADERS.get(name.lower()) or TRANSPORT_HEADERS.get(name.lower())
        if instead is not None:
            raise InvalidInputError(
                f"{field}[{name!r}]",
                f"a header {owner} does not set itself (not "
                + ", ".join(sorted(CLIENT_HEADERS if owner == "the client" else TRANSPORT_HEADERS))
                + ")",
                instead,
            )
        if not _HEADER_VALUE.fullmatch(value):
            raise InvalidInputError(
                f"{field}[{name!r}]",
                "a header value of visible ASCII characters, with spaces or tabs only between "
                "them (no line break or control character; encode other text first, e.g. "
                "percent-encoded)",
            )
    return dict(headers)


def check_job_id(job_id: object) -> None:
    """Refuse, before any I/O, a job id that cannot name a job."""
    if not isinstance(job_id, str) or not job_id:
        raise InvalidInputError("job_id", "a job id (non-empty str)", f"got {job_id!r}")
    check_text(job_id, "job_id")


def check_page_size(page_size: object) -> int:
    """``page_size=`` of the import errors, checked (1 to 100)."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 100:
        raise InvalidInputError("page_size", "an integer from 1 to 100", f"got {page_size!r}")
    return page_size


def errors_page(document: Any) -> tuple[list[BulkImportErrorEntry], str | None]:
    """The entries of one page of import errors and the cursor of the next page, if any."""
    data = document.get("data") if isinstance(document, Mapping) else None
    items = data if isinstance(data, list) else []
    entries = [BulkImportErrorEntry.from_json(item) for item in items if item]
    links = document.get("links") if isinstance(document, Mapping) else None
    next_link = links.get("next") if isinstance(links, Mapping) else None
    if not isinstance(next_link, str) or not next_link:
        return entries, None
    # Only the cursor is taken from the link: the next request goes to this client's
    # base_url, so the key is never sent to a host a response names.
    cursor = httpx.URL(next_link).params.get("page[cursor]")
    if not cursor:
        _logger.warning("import errors page links to a next page without a page[cursor]")
    return entries, cursor or None


def may_have_errors(job: BulkImportJob) -> bool:
    """Whether a finished job's import errors are worth reading."""
    # A finished job that counts no failure has no import errors to read: one request fewer
    # per job. A job that does not say reads them.
    return job.failed_count != 0


def job_from(document: Any) -> BulkImportJob:
    """The job a decoded answer describes, or the error that it names none."""
    try:
        return BulkImportJob.from_json(document)
    except ValueError:
        raise KlaviyoError("the answer names no bulk import job") from None


class WireBody:
    """Stands in for the generated model where only its ``to_dict()`` is read."""

    __slots__ = ("_wire",)

    def __init__(self, wire: dict[str, Any]) -> None:
        self._wire = wire

    def to_dict(self) -> dict[str, Any]:
        """The wire document, as it is."""
        return self._wire


def transport_error(exc: httpx.HTTPError) -> APIError:
    """The library's error for an exchange httpx could not complete (its request redacted):
    :class:`APIConnectionError` (``APITimeoutError``) when no answer came, :class:`APIError`
    for any other httpx failure (an answer that cannot be decoded, too many redirects, an
    event hook's ``raise_for_status``)."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    request = None
    with contextlib.suppress(RuntimeError):
        request = exc.request
        redact_request(request)  # the auth flow never resumed after a failed send
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"Request timed out ({detail}).", request=request)
    if isinstance(exc, httpx.TransportError):
        return APIConnectionError(f"Connection error ({detail}).", request=request)
    return APIError(f"The exchange failed ({detail}).", request=request)
