"""Exceptions raised by klaviyo-profiles.

Everything the library raises derives from :class:`KlaviyoError`::

    KlaviyoError
    ├── InvalidInputError (also a ValueError)   refused before anything was sent
    │   ├── UnknownFieldError                   a name the revision does not know
    │   └── PayloadTooLargeError                the body exceeds the endpoint's limit
    ├── ClientClosedError (also a RuntimeError) the client (or the original of a copy) is closed
    ├── BulkImportUnavailableError              the revision has no such bulk job operation
    ├── BulkImportJobTimeoutError               a job still running when the wait gave up
    ├── BulkImportJobCancelledError             a profile's job was cancelled
    ├── BulkImportRowError                      a job's import error for one profile
    ├── ListMembershipError                     a profile sent one by one was stored, but
    │                                           joining the lists is not confirmed
    ├── RateLimitWaitError                      the limiter's wait exceeds total_timeout
    ├── LimiterUnavailableError (also a         the shared limiter's Redis cannot be
    │   ConnectionError)                        reached as the limiter is created
    └── APIError
        ├── APIConnectionError                  no response (DNS, refused, reset, ...)
        │   └── APITimeoutError
        └── APIStatusError                      the server answered with an error status
            ├── BadRequestError                 400
            ├── AuthenticationError             401
            ├── PermissionDeniedError           403
            ├── NotFoundError                   404
            ├── ConflictError                   409
            ├── RequestTooLargeError            413
            ├── UnsupportedMediaTypeError       415
            ├── RateLimitError                  429, with ``retry_after``
            └── ServerError                     5xx

Example::

    try:
        client.create_or_update_profile(email="not-an-email")
    except klaviyo_profiles.BadRequestError as exc:
        for error in exc.errors:
            print(error.code, error.detail, error.pointer)
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs
import httpx

__all__ = [
    "LONGEST_RETRY_AFTER",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BulkImportJobCancelledError",
    "BulkImportJobTimeoutError",
    "BulkImportRowError",
    "BulkImportUnavailableError",
    "ClientClosedError",
    "ConflictError",
    "ErrorObject",
    "InvalidInputError",
    "KlaviyoError",
    "LimiterUnavailableError",
    "ListMembershipError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimitWaitError",
    "RequestTooLargeError",
    "ServerError",
    "UnknownFieldError",
    "UnsupportedMediaTypeError",
    "error_from_response",
    "parse_retry_after",
]

#: The longest ``Retry-After`` the library honours, in seconds: an hour. A server asking for
#: more (or for ``inf``) is waited for an hour, which no sleep function refuses and which no
#: rate limit window of Klaviyo's comes near.
LONGEST_RETRY_AFTER = 3600.0


class KlaviyoError(Exception):
    """Root of every exception this library raises.

    Every one pickles and unpickles (for multiprocessing and task queues); a request attached
    to it, directly or through its response, is pickled with its ``Authorization`` header
    replaced by ``[redacted]``, so a pickled error never carries the API key.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # The default rebuilds by calling the class with ``args``, which fails for classes
        # whose constructor takes keywords, and pickles ``__dict__`` as it is (the key too).
        state = {name: _redacted(value) for name, value in self.__dict__.items()}
        return (_restore, (type(self), self.args, state))


#: Request headers that carry credentials; never pickled as they are.
_SECRET_HEADERS = ("authorization", "proxy-authorization")


def _redacted(value: Any) -> Any:
    if isinstance(value, httpx.Request):
        return _redacted_request(value)
    if isinstance(value, httpx.Response):
        copied = copy.copy(value)  # httpx's pickling state: no stream, content kept
        request = getattr(value, "_request", None)
        copied._request = None if request is None else _redacted_request(request)
        copied.history = [_redacted(item) for item in value.history]
        return copied
    return value


def _redacted_request(request: httpx.Request) -> httpx.Request:
    copied = copy.copy(request)
    headers = request.headers.copy()
    for name in _SECRET_HEADERS:
        if name in headers:
            headers[name] = "[redacted]"
    copied.headers = headers
    return copied


def _restore(cls: type[KlaviyoError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InvalidInputError(KlaviyoError, ValueError):
    """The input cannot be sent as it is; nothing went over the network.

    Attributes:
        field: where the problem is, as a dotted path (``"location.latitude"``,
            ``"properties.signup_date"``), or ``"body"`` for the document as a whole.
        expected: what would have been accepted.
    """

    def __init__(self, field: str, expected: str, detail: str | None = None) -> None:
        self.field = field
        self.expected = expected
        message = f"{field}: expected {expected}"
        if detail:
            message = f"{message}; {detail}"
        super().__init__(message)


class UnknownFieldError(InvalidInputError):
    """A field name that the pinned revision does not have.

    Attributes:
        suggestion: the closest valid name, if one is close enough.
        valid: every name accepted at that place.
    """

    def __init__(self, field: str, valid: Sequence[str], suggestion: str | None) -> None:
        self.suggestion = suggestion
        self.valid = tuple(valid)
        hint = f"did you mean {suggestion!r}?" if suggestion else None
        super().__init__(field, "one of " + ", ".join(self.valid), hint)
        self.args = (f"unknown field {field!r}" + (f"; {hint}" if hint else ""),)

    def __str__(self) -> str:
        return str(self.args[0])


class PayloadTooLargeError(InvalidInputError):
    """The JSON body is larger than the endpoint accepts."""

    def __init__(self, size: int, limit: int, *, at_least: bool = False) -> None:
        self.size = size
        self.limit = limit
        got = f"got at least {size} bytes" if at_least else f"got {size} bytes"
        super().__init__("body", f"at most {limit} bytes of JSON", got)


class ClientClosedError(KlaviyoError, RuntimeError):
    """The client was closed, or, for a copy made with ``with_options``, the connection pool
    it shares was closed (by its original, or by you for an ``http_client=`` you passed);
    nothing was sent. A ``RuntimeError`` too, which is what httpx raises for a closed pool.

    Attributes:
        client: the class of the client (``"KlaviyoProfiles"``...).
    """

    def __init__(self, client: str, *, pool_only: bool = False) -> None:
        self.client = client
        if pool_only:
            message = (
                f"the connection pool of this {client} has been closed (by the client it was "
                "copied from with with_options, or, for an http_client= you passed, by you)"
            )
        else:
            message = f"this {client} has been closed"
        super().__init__(message + "; nothing was sent: use a client that is open")


class BulkImportUnavailableError(KlaviyoError):
    """The revision the client was generated for has no such bulk import job operation, so
    nothing was sent. Create or Update Profile serves every profile one by one, as
    ``create_or_update_profiles(via="auto")`` does by itself on such a revision.

    Attributes:
        operation: the operation asked for (``"bulk_import_profiles"``...).
        revision: the revision that lacks it.
    """

    def __init__(self, operation: str, revision: str) -> None:
        self.operation = operation
        self.revision = revision
        super().__init__(
            f"revision {revision} has no bulk profile import job operation {operation}: "
            "send the profiles with create_or_update_profile, or with "
            "create_or_update_profiles(via='auto'), which sends them one by one"
        )


class JobAsRead(Protocol):
    """What an error holds of a bulk import job: a
    :class:`~klaviyo_profiles.result.BulkImportJob` (declared by what it offers, as that
    module builds on this one)."""

    @property
    def id(self) -> str:
        """The job's id."""

    @property
    def status(self) -> str:
        """``"queued"``, ``"processing"``, ``"complete"``, ``"cancelled"`` or the server's own."""

    @property
    def total_count(self) -> int | None:
        """Profiles in the job."""

    @property
    def completed_count(self) -> int | None:
        """Profiles processed so far."""

    @property
    def failed_count(self) -> int | None:
        """Profiles that failed."""

    @property
    def done(self) -> bool:
        """Whether the job has finished."""


class BulkImportJobTimeoutError(KlaviyoError):
    """The job had not finished when the wait for it gave up (``job_timeout``, counted by
    ``create_or_update_profiles`` and ``iter_create_or_update_profiles`` from the job's start,
    by ``wait_for_bulk_import_profiles_job`` from the call).

    The job is not lost and may still import its profiles: wait for ``job_id`` again (an
    outcome holding this error is ``unsettled``, not failed: do not send its row again
    before the job has ended).

    Attributes:
        job_id: the job's id.
        job: the job as last read (a :class:`~klaviyo_profiles.result.BulkImportJob`).
    """

    def __init__(self, job_id: str, job: JobAsRead | None, timeout: float) -> None:
        self.job_id = job_id
        self.job = job
        self.timeout = timeout
        status = job.status if job is not None else "unknown"
        super().__init__(
            f"bulk import job {job_id} still {status} after {timeout:g} s; "
            "wait for it again to see it finish"
        )


class BulkImportJobCancelledError(KlaviyoError):
    """A profile's job was cancelled before it reported an outcome for the profile.

    Attributes:
        job_id: the cancelled job.
    """

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(
            f"bulk import job {job_id} was cancelled; the profile may not have been imported"
        )


class ImportErrorAsRead(Protocol):
    """What an error holds of a job's import error for one profile: a
    :class:`~klaviyo_profiles.result.BulkImportErrorEntry` (declared by what it offers, as
    that module builds on this one)."""

    @property
    def index(self) -> int | None:
        """The profile's position in the job's request."""

    @property
    def original_payload(self) -> Any:
        """The profile resource object as it was sent."""

    def describe(self) -> str:
        """``invalid: Invalid email address (profile 7 of the job)``."""


class BulkImportRowError(KlaviyoError):
    """A bulk import job ran, and reported an import error for this profile (it was not
    imported); raise it, or read the server's words from ``entry``.

    Attributes:
        entry: the job's import error for the profile
            (:class:`~klaviyo_profiles.result.BulkImportErrorEntry`: ``code``, ``detail``,
            ``pointer``, ``original_payload``).
        job_id: the job.

    Example::

        for outcome in client.create_or_update_profiles(rows):
            if isinstance(outcome.error, BulkImportRowError):
                print(outcome.index, outcome.error.entry.code, outcome.error.entry.detail)
    """

    def __init__(self, entry: ImportErrorAsRead, job_id: str | None = None) -> None:
        self.entry = entry
        self.job_id = job_id
        where = f"bulk import job {job_id}" if job_id else "a bulk import job"
        super().__init__(f"{where} did not import the profile: {entry.describe()}")


class ListMembershipError(KlaviyoError):
    """A profile ``create_or_update_profiles`` sent one by one was created or updated (the
    outcome's ``result`` is the answer), but joining ``lists`` did not happen, or is not
    confirmed: only the list membership is in question, never the profile's fields.

    Such a profile joins the lists through a bulk import job that names it by its id only
    (it carries no value, so it can never set one back); this error says why that job did
    not confirm it.

    Attributes:
        lists: the list ids.
        job_id: the job that was to add it (``None`` when none could be made).
        reason: what happened, in words.
    """

    def __init__(self, lists: Sequence[str], reason: str, job_id: str | None = None) -> None:
        self.lists = tuple(lists)
        self.job_id = job_id
        self.reason = reason
        names = ", ".join(self.lists)
        super().__init__(
            f"the profile was created or updated, but its membership of lists {names} is not "
            f"confirmed: {reason}"
        )


class RateLimitWaitError(KlaviyoError):
    """The rate limiter would hold the request longer than the call's ``total_timeout``
    leaves; raised as soon as the limiter says so, with nothing sent.

    Attributes:
        wait: seconds the limiter said the request would still have to wait.
        remaining: seconds that were left of ``total_timeout``.
    """

    def __init__(self, wait: float, remaining: float) -> None:
        self.wait = wait
        self.remaining = remaining
        super().__init__(
            f"the rate limiter would hold this request {wait:.1f} s more, beyond the "
            f"{max(0.0, remaining):.1f} s left of total_timeout; nothing was sent (raise "
            "total_timeout, or send later)"
        )


class LimiterUnavailableError(KlaviyoError, ConnectionError):
    """The shared limiter's storage could not be reached when the limiter was created.

    The message names the server with any credential masked.
    """


class APIError(KlaviyoError):
    """A request was attempted and did not succeed.

    Attributes:
        request: the request that was sent (its ``Authorization`` header is masked in reprs).
    """

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APIConnectionError(APIError):
    """No HTTP response arrived: the connection failed or was dropped."""

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, write, read or waiting for a pooled connection)."""

    def __init__(
        self, message: str = "Request timed out.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message, request=request)


@attrs.frozen
class ErrorObject:
    """One entry of a JSON:API ``errors`` list.

    ``pointer`` is ``source.pointer`` (a JSON Pointer into the request body) and ``parameter``
    is ``source.parameter`` (a query parameter name); ``meta`` holds anything else the server
    attached, such as ``duplicate_profile_id`` on a conflict.
    """

    code: str | None = None
    title: str | None = None
    detail: str | None = None
    status: int | None = None
    id: str | None = None
    pointer: str | None = None
    parameter: str | None = None
    meta: Mapping[str, Any] = attrs.field(factory=dict)

    @classmethod
    def from_json(cls, value: Any) -> ErrorObject:
        """Build from one decoded error object, tolerating missing or odd-typed members."""
        if not isinstance(value, Mapping):
            return cls(detail=str(value))
        raw_source = value.get("source")
        source: Mapping[str, Any] = raw_source if isinstance(raw_source, Mapping) else {}
        status = value.get("status")
        try:
            status_code = int(status) if status is not None else None
        except (TypeError, ValueError):
            status_code = None
        meta = value.get("meta")
        return cls(
            code=_str_or_none(value.get("code")),
            title=_str_or_none(value.get("title")),
            detail=_str_or_none(value.get("detail")),
            status=status_code,
            id=_str_or_none(value.get("id")),
            pointer=_str_or_none(source.get("pointer")),
            parameter=_str_or_none(source.get("parameter")),
            meta=dict(meta) if isinstance(meta, Mapping) else {},
        )

    def describe(self) -> str:
        """``invalid: Invalid email address (at /data/attributes/email)``."""
        text = self.detail or self.title or "no detail given"
        if self.code:
            text = f"{self.code}: {text}"
        where = self.pointer or (f"parameter {self.parameter}" if self.parameter else None)
        return f"{text} (at {where})" if where else text


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


class APIStatusError(APIError):
    """The server answered with a status outside 2xx.

    Attributes:
        status_code: the HTTP status.
        errors: the parsed JSON:API error objects (empty if the body had none).
        body: the decoded JSON body, or the raw text if it was not JSON.
        response: the ``httpx.Response``.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: Any,
        errors: Sequence[ErrorObject],
    ) -> None:
        super().__init__(message, request=response.request if _has_request(response) else None)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.errors = list(errors)


def _has_request(response: httpx.Response) -> bool:
    try:
        response.request  # noqa: B018 - the property raises when no request is attached
    except RuntimeError:
        return False
    return True


class BadRequestError(APIStatusError):
    """400: the server found the request invalid."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or not valid."""


class PermissionDeniedError(APIStatusError):
    """403: the API key lacks a scope the call needs (``profiles:write``)."""


class NotFoundError(APIStatusError):
    """404: no such resource."""


class ConflictError(APIStatusError):
    """409: the identifiers given belong to different profiles.

    ``duplicate_profile_id`` is the id of the other profile when the server names it.
    """

    @property
    def duplicate_profile_id(self) -> str | None:
        for error in self.errors:
            value = error.meta.get("duplicate_profile_id")
            if value:
                return str(value)
        return None


class RequestTooLargeError(APIStatusError):
    """413: the server refused the body as too large."""


class UnsupportedMediaTypeError(APIStatusError):
    """415: the server does not accept the body's content type for this revision."""


class RateLimitError(APIStatusError):
    """429: too many requests.

    Attributes:
        retry_after: seconds to wait before trying again, from the ``Retry-After`` header
            (``None`` if the server did not say or said nothing readable), at most
            :data:`LONGEST_RETRY_AFTER` (an hour).
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: Any,
        errors: Sequence[ErrorObject],
    ) -> None:
        super().__init__(message, response=response, body=body, errors=errors)
        self.retry_after = parse_retry_after(response.headers.get("retry-after"))


class ServerError(APIStatusError):
    """5xx: the server failed."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    415: UnsupportedMediaTypeError,
    429: RateLimitError,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), from 0 up to
    :data:`LONGEST_RETRY_AFTER`; ``None`` when absent or unreadable (``nan`` too)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        from datetime import datetime, timezone
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), LONGEST_RETRY_AFTER)


def error_from_response(response: httpx.Response) -> APIStatusError:
    """The exception for a non-2xx response, with its JSON:API errors parsed.

    Bodies that are empty, not JSON, or JSON without an ``errors`` list still give a useful
    message built from the status line.
    """
    body: Any
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = response.text
    errors: list[ErrorObject] = []
    if isinstance(body, Mapping) and isinstance(body.get("errors"), list):
        errors = [ErrorObject.from_json(item) for item in body["errors"]]
    status = response.status_code
    if errors:
        summary = "; ".join(error.describe() for error in errors)
    elif isinstance(body, str) and body.strip():
        summary = _shorten(body.strip())
    elif body is not None:
        summary = _shorten(json.dumps(body))
    else:
        summary = response.reason_phrase or "no body"
    message = f"{status} {summary}"
    cls = _STATUS_CLASSES.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else APIStatusError
    return cls(message, response=response, body=body, errors=errors)


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
