"""What both clients decide, written once: settings, requests, responses, and every operation
as steps (generators that yield effects and never perform I/O; see ``_effects``).

A call flows: a public method of a shell (``client.py``) -> one ``*_steps`` method here, which
checks the input before anything is sent and returns the steps -> the shell's ``_run``, which
performs what they yield (acquire the limiter, send, sleep, start and wait for sub-tasks) and
hands back results or errors -> the steps decide (retry through ``retries.retry_steps``, poll
through ``_polling``, orchestrate many profiles through ``_hybrid``).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import logging
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import httpx
from klaviyo_profile_import import facts
from klaviyo_profile_import.types import UNSET, Unset
from typing_extensions import Self

from . import _generated, pacing
from ._effects import Acquire, Send, Steps, collected
from ._generated import ProfileUpsertQuery, payloads
from ._generated import single_endpoint as endpoint
from ._hybrid import stream_options, stream_steps
from ._polling import Polling, poll_steps
from ._prepare import BULK_OPERATION, PreparedProfile, ProfileInput, prepare_job
from ._requests import (
    WireBody,
    check_headers,
    check_job_id,
    check_page_size,
    errors_page,
    job_from,
    may_have_errors,
    rate_limit_headers,
    transport_error,
)
from ._version import __version__
from .auth import KlaviyoApiKeyAuth, redact_request
from .body import prepare_request
from .errors import APIStatusError, ClientClosedError, InvalidInputError, error_from_response
from .limiter_urls import shared_limiter
from .nulls import check_null_policy, omit_nulls_in_body
from .ratelimit import LimiterBackend, MemoryBackend, RateLimiter, RateLimits
from .result import (
    BulkImportErrorEntry,
    BulkImportJob,
    BulkProgress,
    ProfileOutcome,
    ProfileResult,
    RateLimitInfo,
)
from .retries import RetryPolicy, is_retryable, job_start_retryable, retry_steps
from .revision import _caller_stacklevel, check_revision
from .settings import (
    check_base_url,
    check_bulk_rate_limits,
    check_max_attempts,
    check_seconds,
    check_timeout,
    pacing_limits,
    with_max_retries,
)

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "BaseClient", "Body"]

#: Klaviyo's API host.
DEFAULT_BASE_URL = "https://a.klaviyo.com"
#: Always-on timeouts: users of other clients have seen calls hang forever without them.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)

_logger = logging.getLogger("klaviyo_profiles")
_USER_AGENT = f"klaviyo-profiles/{__version__} (revision {facts.REVISION})"
_T = TypeVar("_T")

#: What ``body=`` accepts: the request document as the generated TypedDict (a typo in a key
#: is a type error) or the generated attrs model. Any other ``Mapping`` is accepted at run time
#: and checked before sending (``cast(Body, document)`` for one built dynamically).
Body = payloads.ProfileUpsertQuery | ProfileUpsertQuery


class BaseClient:
    """Everything the sync and async clients decide: settings, request building, response
    finishing, and every operation as steps. The shells add a connection pool and one driver,
    ``_run``, that performs the steps' effects (see :mod:`klaviyo_profiles._effects`)."""

    # Set by the shells: an httpx.Client or httpx.AsyncClient.
    _http: Any

    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str,
        revision: str | None,
        timeout: httpx.Timeout | float | Unset | None,
        http_timeout: httpx.Timeout | None,
        retry_policy: RetryPolicy | None,
        rate_limits: RateLimits | bool,
        limiter_backend: LimiterBackend | None,
        allow_insecure_http: bool,
        today: dt.date | None,
        bulk_rate_limits: RateLimits | Mapping[str, RateLimits] | None = None,
        default_headers: Mapping[str, str] | None = None,
        max_retries: int | None = None,
    ) -> None:
        self._auth = KlaviyoApiKeyAuth(api_key)  # type: ignore[arg-type]  # checked inside
        self.base_url = check_base_url(base_url, allow_insecure_http)
        self.revision = check_revision(revision, today=today)
        # Precedence: a per-call timeout=, then this client's timeout=, then the timeout of a
        # caller's http_client= (its settings are the caller's choice), then DEFAULT_TIMEOUT.
        # _call_timeout is what each request must carry: None leaves the pool's own.
        self._call_timeout: httpx.Timeout | None = None
        if not isinstance(timeout, Unset):
            self.timeout = check_timeout(timeout)
            if http_timeout is not None:
                self._call_timeout = self.timeout
        else:
            self.timeout = http_timeout if http_timeout is not None else DEFAULT_TIMEOUT
        self.retry_policy = with_max_retries(retry_policy, max_retries)
        # Every request's headers but the key: the caller's default_headers, the generated
        # module's (revision, Content-Type) and ours.
        self._headers: dict[str, str] = {
            **check_headers(default_headers, "default_headers"),
            **endpoint._get_kwargs(body=WireBody({}), revision=self.revision)["headers"],  # type: ignore[arg-type]
            "Accept": facts.MEDIA_TYPE,
            "User-Agent": _USER_AGENT,
        }
        self._owns_http = False
        self._closed = False
        self._send_headers: httpx.Headers | None = None
        self._rate_limits = pacing_limits(rate_limits)
        self._limiter_backend = limiter_backend
        self._bulk_rate_limits = check_bulk_rate_limits(bulk_rate_limits)
        self._pace()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, revision={self.revision!r}, "
            f"auth={self._auth!r})"
        )

    def _pace(self) -> None:
        """Take this client's limiters for its key and settings: the single call's now; the
        bulk job operations', which have windows of their own, on first use (one per
        operation, shared per key and operation like the single call's). Taken again at the
        next call after ``pacing.reset_pacing`` (a sandbox reset)."""
        self._pacing_generation = pacing.generation
        self._pacing_key = self._auth.fingerprint
        self._operation_limiters: dict[str, RateLimiter] = {}
        limits = self._rate_limits
        if limits is None:
            self._limiter: RateLimiter | None = None
            return
        backend = self._limiter_backend
        limiter = shared_limiter(self._pacing_key, limits, backend=backend)
        scope = pacing.limiter_scope(self.base_url)
        # Only this process's memory can be forgotten from here: windows in shared storage
        # (SQLite, Redis) are other processes' too, and keep their keys.
        if scope and isinstance(limiter.backend, MemoryBackend):
            self._pacing_key += scope
            limiter = shared_limiter(self._pacing_key, limits, backend=backend)
        self._limiter = limiter

    def _copy(
        self,
        *,
        api_key: str | Unset,
        base_url: str | Unset,
        allow_insecure_http: bool,
        revision: str | Unset,
        timeout: httpx.Timeout | float | Unset | None,
        retry_policy: RetryPolicy | Unset | None,
        max_retries: int | None,
        default_headers: Mapping[str, str] | None,
        rate_limits: RateLimits | bool | Unset,
        limiter_backend: LimiterBackend | Unset | None,
        bulk_rate_limits: RateLimits | Mapping[str, RateLimits] | Unset | None,
    ) -> Self:
        """``with_options``: a copy with some settings changed, sharing this client's
        connection pool (closing the copy leaves it open); every setting is checked as the
        constructor checks it."""
        clone = copy.copy(self)
        clone._owns_http = False  # the pool stays the original's to close
        clone._closed = False
        clone._send_headers = None  # rebuilt from the copy's own settings
        if not isinstance(api_key, Unset):
            clone._auth = KlaviyoApiKeyAuth(api_key)
        if not isinstance(base_url, Unset):
            clone.base_url = check_base_url(base_url, allow_insecure_http)
        if not isinstance(revision, Unset):
            clone.revision = check_revision(revision)
        # Added to this client's: the pool was made with them and sends them anyway.
        added = check_headers(default_headers, "default_headers")
        clone._headers = {**self._headers, **added, "revision": clone.revision}
        # The pool's defaults are the original's, so the copy always sends its own timeout.
        clone.timeout = self.timeout if isinstance(timeout, Unset) else check_timeout(timeout)
        clone._call_timeout = clone.timeout
        policy = self.retry_policy if isinstance(retry_policy, Unset) else retry_policy
        clone.retry_policy = with_max_retries(policy, max_retries)
        if not isinstance(rate_limits, Unset):
            clone._rate_limits = pacing_limits(rate_limits)
        if not isinstance(limiter_backend, Unset):
            clone._limiter_backend = limiter_backend
        if not isinstance(bulk_rate_limits, Unset):
            clone._bulk_rate_limits = check_bulk_rate_limits(bulk_rate_limits)
        clone._pace()
        return clone

    def _check_open(self) -> None:
        """Refuse, before any I/O, to work for a closed client (or a copy whose pool its
        original closed)."""
        if self._closed:
            raise ClientClosedError(type(self).__name__)
        if self._http.is_closed:
            raise ClientClosedError(type(self).__name__, pool_only=not self._owns_http)

    def _policy(self, max_attempts: int | None, total_timeout: float | None) -> RetryPolicy | None:
        if max_attempts is None and total_timeout is None:
            return self.retry_policy  # no per-call override: no copy
        if max_attempts is not None:
            check_max_attempts(max_attempts)
        if total_timeout is not None:
            check_seconds(total_timeout, "total_timeout", allow_zero=True)
        if self.retry_policy is None:
            if max_attempts is None and total_timeout is None:
                return None
            policy = RetryPolicy()
        else:
            policy = self.retry_policy
        return policy.replace(
            max_attempts=policy.max_attempts if max_attempts is None else max_attempts,
            total_timeout=policy.total_timeout if total_timeout is None else total_timeout,
        )

    def _request(
        self,
        body: Body | None,
        attributes: Mapping[str, Any],
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        nulls: object = "clear",
        **options: Any,
    ) -> dict[str, Any]:
        """Check the input and let the generated module build the request (keyword arguments
        for ``httpx.Client.request``); raises ``InvalidInputError`` before any I/O."""
        call_timeout = self._call_timeout if isinstance(timeout, Unset) else check_timeout(timeout)
        headers = check_headers(extra_headers)
        # nulls="omit": a None or JSON null anywhere in the profile is read as "not given".
        wire_filter = omit_nulls_in_body if check_null_policy(nulls) == "omit" else None
        prepared = prepare_request(
            body=body, attributes=attributes, wire_filter=wire_filter, **options
        )
        # The generated module still names the path, the query parameters and the revision
        # and Content-Type headers; the body it is given is the checked wire document itself
        # (no second trip through the attrs models), sent as the exact bytes checked against
        # the payload limit rather than encoded again by httpx.
        query: dict[str, Any] = prepared.query
        request: dict[str, Any] = endpoint._get_kwargs(
            body=WireBody(prepared.body),  # type: ignore[arg-type]  # duck-typed to_dict()
            revision=self.revision,
            **query,
        )
        del request["json"]
        request["content"] = prepared.content
        if not request["params"]:
            # An empty params= still makes httpx parse and rebuild the URL.
            del request["params"]
        request["url"] = self.base_url + request["url"]
        return self._dress(request, headers, call_timeout)

    def _dress(
        self,
        request: dict[str, Any],
        headers: dict[str, str],
        call_timeout: httpx.Timeout | None,
    ) -> dict[str, Any]:
        """Add the headers, the key and the timeout to a request built by a generated module."""
        # The key is added here rather than by an httpx.Auth flow on every request. auth=None
        # keeps an auth set on a caller's http_client from replacing it, as before.
        if headers:
            if self._owns_http:
                # The other headers were set once on the pool this client owns.
                request["headers"] = {**headers, "Authorization": self._auth._header_value}
            else:
                # Over the pool's headers (a caller's, or the original's for a copy): this
                # client's, then the call's (which never name one this client sets).
                request["headers"] = {
                    **self._headers,
                    **headers,
                    "Authorization": self._auth._header_value,
                }
        else:
            request["headers"] = self._prebuilt_headers()
        if call_timeout is not None:
            request["timeout"] = call_timeout
        request["auth"] = None
        return request

    def _prebuilt_headers(self) -> httpx.Headers:
        """This client's request headers as one httpx.Headers, built on first use: httpx
        copies it into each request instead of normalising a dict on every call. It holds the
        key; httpx masks it in every repr and this client never shows it."""
        headers = self._send_headers
        if headers is None:
            key_header = {"Authorization": self._auth._header_value}
            # A pool this client owns already carries the other headers.
            headers = httpx.Headers(
                key_header if self._owns_http else {**self._headers, **key_header}
            )
            self._send_headers = headers
        return headers

    # -- bulk import jobs ---------------------------------------------------------------

    def _operation_limiter(self, operation: str) -> RateLimiter | None:
        if self._rate_limits is None:
            return None
        if self._pacing_generation != pacing.generation:
            self._pace()
        limiter = self._operation_limiters.get(operation)
        if limiter is None:
            limits = self._bulk_rate_limits.get(operation) or RateLimits.from_operation(operation)
            # Keyed by fingerprint and operation: each operation's windows are counted apart
            # from the others' and from Create or Update Profile's (a Redis key stays a plain
            # fingerprint-like name, so it reaches Redis as it is).
            limiter = shared_limiter(
                f"{self._pacing_key}-{operation}", limits, backend=self._limiter_backend
            )
            self._operation_limiters[operation] = limiter
        return limiter

    def _job_request(
        self,
        request: dict[str, Any],
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        """A request built by a bulk operation's generated module, made ready to send."""
        call_timeout = self._call_timeout if isinstance(timeout, Unset) else check_timeout(timeout)
        headers = check_headers(extra_headers)
        if not request.get("params"):
            request.pop("params", None)
        request["url"] = self.base_url + request["url"]
        return self._dress(request, headers, call_timeout)

    def _start_job_request(
        self,
        content: bytes,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        # Raises BulkImportUnavailableError, before any I/O, on a revision without jobs.
        request = _generated.job_request(BULK_OPERATION, self.revision, body=WireBody({}))
        # The exact bytes checked against the limits are the bytes sent.
        del request["json"]
        request["content"] = content
        return self._job_request(request, timeout, extra_headers)

    def _read_job_request(
        self,
        job_id: str,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        check_job_id(job_id)
        request = _generated.job_request(
            _generated.GET_BULK_IMPORT_PROFILES_JOB, self.revision, job_id=job_id
        )
        return self._job_request(request, timeout, extra_headers)

    def _errors_page_request(
        self,
        job_id: str,
        page_size: int,
        cursor: str | None,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        request = _generated.job_request(
            _generated.GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB,
            self.revision,
            job_id=job_id,
            pagesize=page_size,
            pagecursor=UNSET if cursor is None else cursor,
        )
        return self._job_request(request, timeout, extra_headers)

    def _finish_json(
        self,
        limiter: RateLimiter | None,
        expected: int,
        response: httpx.Response,
        attempt: int,
        started: float,
    ) -> Any:
        """The decoded body of a bulk operation's answer, or the error it stands for."""
        redact_request(response.request)
        status = response.status_code
        if limiter is not None:
            limiter.record_flight(time.perf_counter() - started)
            limiter.observe(RateLimitInfo.from_headers(rate_limit_headers(response.headers)))
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug(
                "%s %s -> %s in %.0f ms (attempt %d)",
                response.request.method,
                response.request.url.path,
                status,
                (time.perf_counter() - started) * 1000,
                attempt,
            )
        if status != expected:
            error = error_from_response(response)
            if limiter is not None and status == 429:
                limiter.penalize(getattr(error, "retry_after", None))
            raise error
        try:
            return response.json()
        except ValueError:
            raise APIStatusError(
                f"{status} answer that is not JSON",
                response=response,
                body=response.text,
                errors=[],
            ) from None

    def _finish(self, response: httpx.Response, attempt: int, started: float) -> ProfileResult:
        # Sent: the request lives on in the result and in errors, where user code, pickles or
        # error trackers that serialise attributes could reach the key.
        redact_request(response.request)
        status = response.status_code
        rate_limit = RateLimitInfo.from_headers(rate_limit_headers(response.headers))
        if self._limiter is not None:
            self._limiter.record_flight(time.perf_counter() - started)
            self._limiter.observe(rate_limit)
        if _logger.isEnabledFor(logging.DEBUG):
            _logger.debug(
                "POST %s -> %s in %.0f ms (attempt %d)",
                response.request.url.path,
                status,
                (time.perf_counter() - started) * 1000,
                attempt,
            )
        if status != 201 and status != 200:
            error = error_from_response(response)
            if self._limiter is not None and status == 429:
                self._limiter.penalize(getattr(error, "retry_after", None))
            raise error
        # Decoded once; the typed model is built from it on first access of result.profile.
        raw: Any
        try:
            raw = response.json()
        except ValueError:
            raw = None
        data = raw.get("data") if isinstance(raw, dict) else None
        profile_id = data.get("id") if isinstance(data, dict) else None
        return ProfileResult(
            created=status == 201,
            status_code=status,
            profile_id=str(profile_id) if profile_id is not None else None,
            raw=raw,
            rate_limit=rate_limit,
            attempts=attempt,
            response=response,
        )

    # -- operations, as steps -------------------------------------------------------------

    def _exchange(
        self,
        request: dict[str, Any],
        finish: Callable[[httpx.Response, int, float], _T],
        limiter: RateLimiter | None,
        policy: RetryPolicy | None,
        retry_if: Callable[[BaseException], bool] = is_retryable,
    ) -> Steps[_T]:
        """One request, retried as ``policy`` says (``None``: one attempt)."""
        self._check_open()
        # The limiter's wait counts against total_timeout (each HTTP attempt is bounded by
        # the timeout instead): decided here, from one deadline for the whole call.
        deadline = (
            None
            if policy is None or policy.total_timeout is None
            else time.monotonic() + policy.total_timeout
        )
        attempt = functools.partial(_attempt, request, finish, limiter, deadline, self._check_open)
        if policy is None:
            return attempt(1)
        return retry_steps(attempt, policy, retry_if=retry_if)

    def _upsert_steps(
        self,
        body: Body | None,
        attributes: Mapping[str, Any],
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        **options: Any,
    ) -> Steps[ProfileResult]:
        """Create or Update Profile; the input is checked now, before any I/O."""
        request = self._request(body, attributes, **options)
        policy = self._policy(max_attempts, total_timeout)
        if self._pacing_generation != pacing.generation:
            self._pace()
        return self._exchange(request, self._finish, self._limiter, policy)

    def _job_steps(
        self,
        request: dict[str, Any],
        operation: str,
        expected: int,
        finish: Callable[..., _T],
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        retry_if: Callable[[BaseException], bool] = is_retryable,
    ) -> Steps[_T]:
        """One request of a bulk job operation, paced by that operation's own limiter."""
        limiter = self._operation_limiter(operation)
        policy = self._policy(max_attempts, total_timeout)
        bound = functools.partial(finish, limiter, expected)
        return self._exchange(request, bound, limiter, policy, retry_if)

    def _start_job_steps(
        self,
        profiles: Sequence[ProfileInput | PreparedProfile],
        lists: Sequence[str] = (),
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Steps[BulkImportJob]:
        """Start one job: checked and built now; its start is retried only where no job can
        have been created (``retries.job_start_retryable``)."""
        job = prepare_job(profiles, lists)
        request = self._start_job_request(job.content, timeout, extra_headers)
        return self._job_steps(
            request,
            BULK_OPERATION,
            202,
            self._finish_job,
            max_attempts,
            total_timeout,
            job_start_retryable,
        )

    def _read_job_steps(
        self,
        job_id: str,
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Steps[BulkImportJob]:
        """Read a job once (retried as the retry policy says: reading is safe to repeat)."""
        request = self._read_job_request(job_id, timeout, extra_headers)
        return self._job_steps(
            request,
            _generated.GET_BULK_IMPORT_PROFILES_JOB,
            200,
            self._finish_job,
            max_attempts,
            total_timeout,
        )

    def _wait_for_steps(
        self,
        job_id: str,
        poll_interval: float,
        max_poll_interval: float,
        job_timeout: float | None,
        timeout: float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> Steps[BulkImportJob]:
        """``wait_for_bulk_import_profiles_job``, whose ``timeout=`` is the deprecated name
        of ``job_timeout=`` (the whole wait) until it takes the meaning it has everywhere
        else (each HTTP attempt)."""
        if not isinstance(timeout, Unset):
            if job_timeout is not None:
                raise InvalidInputError(
                    "timeout",
                    "job_timeout= alone (timeout= is its deprecated name here)",
                    "got both",
                )
            warnings.warn(
                "wait_for_bulk_import_profiles_job(timeout=...) is deprecated: pass "
                "job_timeout= for the whole wait (timeout= will bound each HTTP attempt, as "
                "in every other call)",
                DeprecationWarning,
                stacklevel=_caller_stacklevel(),
            )
            job_timeout = timeout
        return self._wait_job_steps(
            job_id, poll_interval, max_poll_interval, job_timeout, UNSET, extra_headers
        )

    def _wait_job_steps(
        self,
        job_id: str,
        poll_interval: float,
        max_poll_interval: float,
        job_timeout: float | None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Steps[BulkImportJob]:
        """Read a job until it is done (see ``_polling``); arguments checked now."""
        _generated.require(_generated.GET_BULK_IMPORT_PROFILES_JOB)
        check_job_id(job_id)
        self._check_open()
        # Checked now: a bad timeout or header is refused before the first read.
        call_timeout = UNSET if isinstance(timeout, Unset) else check_timeout(timeout)
        headers = check_headers(extra_headers)
        polling = Polling(poll_interval, max_poll_interval, job_timeout)
        return poll_steps(
            lambda: self._read_job_steps(job_id, None, None, call_timeout, headers),
            job_id,
            polling,
        )

    def _error_page_walk(
        self,
        job_id: str,
        page_size: int,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> Iterator[Steps[list[BulkImportErrorEntry]]]:
        """A job's import errors as one steps per page, lazily; arguments checked now."""
        _generated.require(_generated.GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB)
        check_job_id(job_id)
        size = check_page_size(page_size)
        self._check_open()
        if not isinstance(timeout, Unset):
            check_timeout(timeout)
        check_headers(extra_headers)
        return self._error_pages(job_id, size, timeout, extra_headers)

    def _error_pages(
        self,
        job_id: str,
        page_size: int,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> Iterator[Steps[list[BulkImportErrorEntry]]]:
        # Each page's steps, once run, say where the next page starts; the caller runs them
        # before asking for the next (Iterator and AsyncIterator alike, see the shells).
        current: str | None = None
        seen: set[str] = set()
        while True:
            cursor = _Cursor(current)
            yield self._error_page_steps(job_id, page_size, cursor, timeout, extra_headers)
            if not cursor.read:
                raise RuntimeError("each page's steps must run before the next page is asked for")
            current = cursor.next
            # Bounded: a server that links back to a page already read ends the walk.
            if current is None or current in seen:
                return
            seen.add(current)

    def _error_page_steps(
        self,
        job_id: str,
        page_size: int,
        cursor: _Cursor,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> Steps[list[BulkImportErrorEntry]]:
        request = self._errors_page_request(
            job_id, page_size, cursor.current, timeout, extra_headers
        )
        document = yield from self._job_steps(
            request, _generated.GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB, 200, self._finish_json
        )
        entries, cursor.next = errors_page(document)
        cursor.read = True
        return entries

    def _settle_job_steps(
        self,
        job_id: str,
        polling: Polling,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Steps[tuple[BulkImportJob, list[BulkImportErrorEntry]]]:
        """Wait for a job, then read its import errors if it counts any."""
        job = yield from self._wait_job_steps(
            job_id, polling.interval, polling.max_interval, polling.timeout, timeout, extra_headers
        )
        entries: list[BulkImportErrorEntry] = []
        if may_have_errors(job):
            for page in self._error_page_walk(job_id, 100, timeout, extra_headers):
                entries.extend((yield from page))
        return job, entries

    def _stream_steps(
        self,
        profiles: Iterable[ProfileInput],
        via: object,
        lists: Sequence[str],
        max_job_size: int | None,
        poll_interval: float,
        max_poll_interval: float,
        job_timeout: float | None,
        concurrency: int,
        max_jobs: int,
        nulls: object,
        progress: Callable[[BulkProgress], None] | None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Steps[None]:
        """``iter_create_or_update_profiles``: the settings (and every profile of a list or
        tuple) checked now, before any I/O; then the windowed engine, over this client's
        operations (each request with ``timeout`` and ``extra_headers``), each outcome
        emitted in input order."""
        self._check_open()
        call_timeout = UNSET if isinstance(timeout, Unset) else check_timeout(timeout)
        headers = check_headers(extra_headers)
        options = stream_options(
            via=via,
            lists=lists,
            max_job_size=max_job_size,
            concurrency=concurrency,
            max_jobs=max_jobs,
            nulls=nulls,
            progress=progress,
        )
        check_seconds(poll_interval, "poll_interval")
        check_seconds(max_poll_interval, "max_poll_interval")
        if job_timeout is not None:
            check_seconds(job_timeout, "job_timeout", allow_zero=True)
        polling = Polling(poll_interval, max_poll_interval, job_timeout)
        return stream_steps(_Operations(self, call_timeout, headers), profiles, options, polling)

    def _many_steps(
        self,
        profiles: Iterable[ProfileInput],
        via: object,
        lists: Sequence[str],
        max_job_size: int | None,
        poll_interval: float,
        max_poll_interval: float,
        job_timeout: float | None,
        concurrency: int,
        max_jobs: int,
        nulls: object,
        progress: Callable[[BulkProgress], None] | None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Steps[list[ProfileOutcome]]:
        """``create_or_update_profiles``: the streaming engine, its outcomes kept in a list."""
        return collected(
            self._stream_steps(
                profiles,
                via,
                lists,
                max_job_size,
                poll_interval,
                max_poll_interval,
                job_timeout,
                concurrency,
                max_jobs,
                nulls,
                progress,
                timeout,
                extra_headers,
            )
        )

    def _finish_job(
        self,
        limiter: RateLimiter | None,
        expected: int,
        response: httpx.Response,
        attempt: int,
        started: float,
    ) -> BulkImportJob:
        return job_from(self._finish_json(limiter, expected, response, attempt, started))


def _attempt(
    request: dict[str, Any],
    finish: Callable[[httpx.Response, int, float], _T],
    limiter: RateLimiter | None,
    deadline: float | None,
    check_open: Callable[[], None],
    number: int,
) -> Steps[_T]:
    """Attempt ``number`` of one exchange: a slot of the limiter (within what is left of
    the call's deadline), the request, then ``finish`` on the response."""
    if limiter is not None:
        yield Acquire(limiter, None if deadline is None else deadline - time.monotonic())
    started = time.perf_counter()
    try:
        response = yield Send(request)
    except httpx.TransportError as exc:
        raise transport_error(exc) from exc
    except RuntimeError:
        # httpx refuses a closed pool with a bare RuntimeError: closed while this call
        # waited (by another thread or task, or the original of a copy).
        check_open()
        raise
    return finish(response, number, started)


class _Cursor:
    """Where one page of import errors starts, and (once read) where the next one does."""

    __slots__ = ("current", "next", "read")

    def __init__(self, current: str | None) -> None:
        self.current = current
        self.next: str | None = None
        self.read = False


class _Operations:
    """A client's operations as :func:`~klaviyo_profiles._hybrid.stream_steps` calls them
    (``HybridOperations``): handed in, so the engine never imports a client."""

    __slots__ = ("_client", "_headers", "_timeout")

    def __init__(
        self,
        client: BaseClient,
        timeout: httpx.Timeout | Unset = UNSET,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self._timeout = timeout
        self._headers = headers

    def upsert_steps(self, body: payloads.ProfileUpsertQuery) -> Steps[ProfileResult]:
        return self._client._upsert_steps(
            body, {}, timeout=self._timeout, extra_headers=self._headers
        )

    def start_job_steps(
        self, profiles: Sequence[PreparedProfile], lists: Sequence[str]
    ) -> Steps[BulkImportJob]:
        return self._client._start_job_steps(
            profiles, lists, timeout=self._timeout, extra_headers=self._headers
        )

    def settle_job_steps(
        self, job_id: str, polling: Polling
    ) -> Steps[tuple[BulkImportJob, list[BulkImportErrorEntry]]]:
        return self._client._settle_job_steps(job_id, polling, self._timeout, self._headers)
