"""``KlaviyoProfiles`` and ``AsyncKlaviyoProfiles``: the clients people use.

Each client owns one connection pool (or uses the ``httpx`` client you pass), pins one API
revision, authenticates with a private API key, paces itself under Klaviyo's rate limits and
retries what is safe to retry. The request is built and the response parsed by the generated
endpoint module (``klaviyo_profile_import.api.profiles.create_or_update_profile``); the client
sends the request itself so that it can pace, time and retry each exchange.

Example::

    from klaviyo_profiles import KlaviyoProfiles

    with KlaviyoProfiles(api_key="pk_...") as client:
        result = client.create_or_update_profile(email="ada@example.com", first_name="Ada")
        result.created      # True on 201, False on 200
        result.profile_id   # "01J..."

        # many profiles: bulk import jobs where a null cannot matter, the single call where it
        # does; one outcome per profile, in input order
        outcomes = client.create_or_update_profiles(rows)
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import datetime as dt
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx
from klaviyo_profile_import import facts
from klaviyo_profile_import.arguments import ProfileAttributeArguments
from klaviyo_profile_import.types import UNSET, Unset
from typing_extensions import Self, Unpack

from . import _generated, bulk
from ._generated import ProfileUpsertQuery, payloads
from ._generated import single_endpoint as endpoint
from ._version import __version__
from .auth import KlaviyoApiKeyAuth, redact_request
from .body import check_text, prepare_request
from .bulk import (
    BulkImportErrorEntry,
    BulkImportJob,
    PreparedProfile,
    ProfileInput,
    ProfileOutcome,
    Via,
)
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BulkImportJobTimeoutError,
    InvalidInputError,
    KlaviyoError,
    error_from_response,
)
from .limiter_urls import shared_limiter
from .ratelimit import LimiterBackend, RateLimiter, RateLimits
from .result import ProfileResult, RateLimitInfo
from .retries import (
    RetryPolicy,
    acall_with_retries,
    call_with_retries,
    is_retryable,
    job_start_retryable,
)
from .revision import check_revision
from .settings import check_base_url, check_max_attempts, check_seconds, check_timeout

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "AsyncKlaviyoProfiles", "KlaviyoProfiles"]

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

#: Settings ``with_options`` can change.


class _BaseClient:
    """Settings shared by the sync and async clients."""

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
        self.retry_policy = retry_policy
        # Every request's headers but the key: the generated module's (revision, Content-Type)
        # and ours.
        self._headers: dict[str, str] = {
            **endpoint._get_kwargs(body=_WireBody({}), revision=self.revision)["headers"],  # type: ignore[arg-type]
            "Accept": facts.MEDIA_TYPE,
            "User-Agent": _USER_AGENT,
        }
        self._owns_http = False
        self._send_headers: httpx.Headers | None = None
        self._limiter: RateLimiter | None = None
        if rate_limits is not False:
            limits = RateLimits.from_facts() if rate_limits is True else rate_limits
            self._limiter = shared_limiter(self._auth.fingerprint, limits, backend=limiter_backend)
        # The bulk job operations have windows of their own: one limiter per operation, made
        # on first use, shared per key fingerprint and operation like the single call's.
        self._limiter_backend = limiter_backend
        self._bulk_paced = rate_limits is not False
        self._bulk_rate_limits = _check_bulk_rate_limits(bulk_rate_limits)
        self._operation_limiters: dict[str, RateLimiter] = {}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, revision={self.revision!r}, "
            f"auth={self._auth!r})"
        )

    def with_options(
        self,
        *,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        retry_policy: RetryPolicy | Unset | None = UNSET,
        revision: str | Unset = UNSET,
        base_url: str | Unset = UNSET,
        allow_insecure_http: bool = False,
    ) -> Self:
        """A copy with some settings changed, sharing this client's connection pool and key.

        Closing the copy leaves the pool open; close the original when done. Example::

            patient = client.with_options(timeout=120, retry_policy=RetryPolicy(max_attempts=8))
        """
        clone = copy.copy(self)
        clone._owns_http = False  # the pool stays the original's to close
        clone._send_headers = None  # rebuilt from the copy's own settings
        if not isinstance(base_url, Unset):
            clone.base_url = check_base_url(base_url, allow_insecure_http)
        if not isinstance(revision, Unset):
            clone.revision = check_revision(revision)
        clone._headers = {**self._headers, "revision": clone.revision}
        # The pool's defaults are the original's, so the copy always sends its own timeout.
        clone.timeout = self.timeout if isinstance(timeout, Unset) else check_timeout(timeout)
        clone._call_timeout = clone.timeout
        if not isinstance(retry_policy, Unset):
            clone.retry_policy = retry_policy
        return clone

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
        **options: Any,
    ) -> dict[str, Any]:
        """Check the input and let the generated module build the request (keyword arguments
        for ``httpx.Client.request``); raises ``InvalidInputError`` before any I/O."""
        call_timeout = self._call_timeout if isinstance(timeout, Unset) else check_timeout(timeout)
        headers = _check_headers(extra_headers)
        prepared = prepare_request(body=body, attributes=attributes, **options)
        # The generated module still names the path, the query parameters and the revision
        # and Content-Type headers; the body it is given is the checked wire document itself
        # (no second trip through the attrs models), sent as the exact bytes checked against
        # the payload limit rather than encoded again by httpx.
        query: dict[str, Any] = prepared.query
        request: dict[str, Any] = endpoint._get_kwargs(
            body=_WireBody(prepared.body),  # type: ignore[arg-type]  # duck-typed to_dict()
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
                # Over a caller's client's headers (its own ones still go out); the revision,
                # media type and key are this client's to set.
                request["headers"] = {
                    **headers,
                    **self._headers,
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
        if not self._bulk_paced:
            return None
        limiter = self._operation_limiters.get(operation)
        if limiter is None:
            limits = self._bulk_rate_limits.get(operation) or RateLimits.from_operation(operation)
            # Keyed by fingerprint and operation: each operation's windows are counted apart
            # from the others' and from Create or Update Profile's (a Redis key stays a plain
            # fingerprint-like name, so it reaches Redis as it is).
            limiter = shared_limiter(
                f"{self._auth.fingerprint}-{operation}", limits, backend=self._limiter_backend
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
        headers = _check_headers(extra_headers)
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
        request = _generated.job_request(bulk.BULK_OPERATION, self.revision, body=_WireBody({}))
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
        _check_job_id(job_id)
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
        response: httpx.Response,
        attempt: int,
        started: float,
        limiter: RateLimiter | None,
        expected: int,
    ) -> Any:
        """The decoded body of a bulk operation's answer, or the error it stands for."""
        redact_request(response.request)
        status = response.status_code
        if limiter is not None:
            limiter.record_flight(time.perf_counter() - started)
            limiter.observe(RateLimitInfo.from_headers(_rate_limit_headers(response.headers)))
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
        rate_limit = RateLimitInfo.from_headers(_rate_limit_headers(response.headers))
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


def _rate_limit_headers(headers: httpx.Headers) -> dict[str, str]:
    # One pass over the raw headers instead of a lookup per name (each one a scan of all of
    # them); repeated headers are joined with ", " as httpx's own lookup does.
    found: dict[str, str] = {}
    for key, value in headers.raw:
        if key[:10].lower() == b"ratelimit-":
            name = key.decode("latin-1").lower()
            text = value.decode(headers.encoding)
            found[name] = f"{found[name]}, {text}" if name in found else text
    return found


def _check_headers(extra_headers: object) -> dict[str, str]:
    """``extra_headers=`` as a dict of str; the key header cannot be replaced through it."""
    if extra_headers is None:
        return {}
    if not isinstance(extra_headers, Mapping) or not all(
        isinstance(name, str) and isinstance(value, str) for name, value in extra_headers.items()
    ):
        raise InvalidInputError("extra_headers", "a mapping of header names to str values")
    if any(name.lower() == "authorization" for name in extra_headers):
        raise InvalidInputError(
            "extra_headers", "headers other than Authorization (the client sends the API key)"
        )
    return dict(extra_headers)


def _check_bulk_rate_limits(
    limits: RateLimits | Mapping[str, RateLimits] | None,
) -> dict[str, RateLimits]:
    """``bulk_rate_limits=`` as windows per bulk operation (the rest use their facts)."""
    operations = [name for name in facts.OPERATIONS if name != facts.OPERATION_ID]
    if limits is None:
        return {}
    if isinstance(limits, RateLimits):
        return dict.fromkeys(operations, limits)
    if isinstance(limits, Mapping) and all(
        name in operations and isinstance(value, RateLimits) for name, value in limits.items()
    ):
        return dict(limits)
    raise InvalidInputError(
        "bulk_rate_limits",
        "RateLimits, or a mapping of operation ids (" + ", ".join(operations) + ") to RateLimits",
        f"got {limits!r}",
    )


def _check_job_id(job_id: object) -> None:
    if not isinstance(job_id, str) or not job_id:
        raise InvalidInputError("job_id", "a job id (non-empty str)", f"got {job_id!r}")
    check_text(job_id, "job_id")


def _check_page_size(page_size: object) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 100:
        raise InvalidInputError("page_size", "an integer from 1 to 100", f"got {page_size!r}")
    return page_size


def _errors_page(document: Any) -> tuple[list[BulkImportErrorEntry], str | None]:
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


def _may_have_errors(job: BulkImportJob) -> bool:
    # A finished job that counts no failure has no import errors to read: one request fewer
    # per job. A job that does not say reads them.
    return job.failed_count != 0


_Hybrid = bulk.HybridPlan


def _job_from(document: Any) -> BulkImportJob:
    try:
        return BulkImportJob.from_json(document)
    except ValueError:
        raise KlaviyoError("the answer names no bulk import job") from None


def _poll_timed_out(job_id: str, timeout: float | None) -> Callable[[Any], Any]:
    def timed_out(state: Any) -> Any:
        job = state.outcome.result() if state.outcome is not None else None
        raise BulkImportJobTimeoutError(job_id, job, timeout or 0.0)

    return timed_out


def _poll_settings(
    poll_interval: float,
    max_poll_interval: float,
    timeout: float | None,
    clock: Callable[[], float],
) -> dict[str, Any]:
    """tenacity settings that call ``get`` until the job is done, with growing waits.

    Waits start at ``poll_interval`` and grow by half each time up to ``max_poll_interval``
    (a job's processing time is unknown; early polls catch small jobs, later ones cost few
    requests of the operation's windows). The last wait is cut to end at the deadline so
    the job is read once more at ``timeout``.
    """
    import tenacity

    check_seconds(poll_interval, "poll_interval")
    check_seconds(max_poll_interval, "max_poll_interval")
    if timeout is not None:
        check_seconds(timeout, "timeout", allow_zero=True)
    deadline = math.inf if timeout is None else clock() + timeout
    backoff = tenacity.wait_exponential(
        multiplier=poll_interval,
        exp_base=1.5,
        min=poll_interval,
        max=max(poll_interval, max_poll_interval),
    )

    def wait(state: tenacity.RetryCallState) -> float:
        return max(0.0, min(backoff(state), deadline - clock()))

    def stop(state: tenacity.RetryCallState) -> bool:
        return clock() >= deadline

    return {
        "retry": tenacity.retry_if_result(lambda job: not job.done),
        "wait": wait,
        "stop": stop,
    }


def _budget(policy: RetryPolicy | None) -> Callable[[], float | None]:
    """What is left of the call's ``total_timeout`` when asked, for the limiter's wait: the
    wait counts against it (``timeout`` bounds each HTTP attempt only). ``None`` without a
    budget: the limiter then waits as long as it must, never longer than its hold cap."""
    if policy is None or policy.total_timeout is None:
        return lambda: None
    deadline = time.monotonic() + policy.total_timeout
    return lambda: deadline - time.monotonic()


class _WireBody:
    """Stands in for the generated model where only its ``to_dict()`` is read."""

    __slots__ = ("_wire",)

    def __init__(self, wire: dict[str, Any]) -> None:
        self._wire = wire

    def to_dict(self) -> dict[str, Any]:
        return self._wire


def _transport_error(exc: httpx.TransportError) -> APIConnectionError:
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    request = None
    with contextlib.suppress(RuntimeError):
        request = exc.request
        redact_request(request)  # the auth flow never resumed after a failed send
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"Request timed out ({detail}).", request=request)
    return APIConnectionError(f"Connection error ({detail}).", request=request)


class KlaviyoProfiles(_BaseClient):
    """Synchronous client for Create or Update Profile.

    Args:
        api_key: a private API key; default ``$KLAVIYO_API_KEY``.
        base_url: default ``https://a.klaviyo.com``; no query, fragment or ``user:pass@``
            (refused, see :func:`~klaviyo_profiles.settings.check_base_url`); plain
            ``http://`` only on loopback unless ``allow_insecure_http=True``.
        revision: the API revision to pin; default the one the client was generated from.
        timeout: an ``httpx.Timeout`` or seconds (each a finite number above 0), or ``None``
            for no limit. Default ``DEFAULT_TIMEOUT``, or the timeout of ``http_client`` when
            you pass one. A per-call ``timeout=`` takes precedence over both.
        http_client: your own ``httpx.Client`` (transports, proxies, event hooks, headers,
            timeout): its settings apply except where this client needs its own (the
            ``revision``, ``Content-Type``, ``Accept`` and ``User-Agent`` headers, the API
            key, ``base_url``) or where you pass ``timeout=`` here. The client does not close
            it.
        retry_policy: how to retry 429, 5xx and transport failures; ``None`` for one attempt.
        rate_limits: ``True`` (Klaviyo's limits for the revision), your own ``RateLimits``, or
            ``False`` to send without pacing.
        limiter_backend: share the limiter across processes (see ``ratelimit``).
        today: the date used for revision lifecycle warnings (tests).
        bulk_rate_limits: windows for the bulk import job operations, which Klaviyo limits
            apart from Create or Update Profile: one ``RateLimits`` for each of them, or a
            mapping of operation id to ``RateLimits``; default each operation's own
            (``facts.OPERATIONS``). ``rate_limits=False`` turns their pacing off too.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        revision: str | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        http_client: httpx.Client | None = None,
        retry_policy: RetryPolicy | None = RetryPolicy(),  # noqa: B008 - immutable
        rate_limits: RateLimits | bool = True,
        limiter_backend: LimiterBackend | None = None,
        allow_insecure_http: bool = False,
        today: dt.date | None = None,
        bulk_rate_limits: RateLimits | Mapping[str, RateLimits] | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            revision=revision,
            timeout=timeout,
            http_timeout=None if http_client is None else http_client.timeout,
            retry_policy=retry_policy,
            rate_limits=rate_limits,
            limiter_backend=limiter_backend,
            allow_insecure_http=allow_insecure_http,
            today=today,
            bulk_rate_limits=bulk_rate_limits,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout, headers=self._headers)

    def create_or_update_profile(
        self,
        *,
        body: Body | None = None,
        id: str | Unset | None = UNSET,
        meta: Mapping[str, Any] | Unset | None = UNSET,
        patch_properties: Mapping[str, Any] | Unset | None = UNSET,
        patch_identifiers: Mapping[str, Any] | Unset | None = UNSET,
        additional_fields: Sequence[str] | None = None,
        fields: Sequence[str] | None = None,
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        **attributes: Unpack[ProfileAttributeArguments],
    ) -> ProfileResult:
        """Create a profile, or update the one its identifiers match.

        Give attributes as keywords (``email=``, ``first_name=``, ``kx=`` for ``_kx``,
        ``location={...}``, ``properties={...}``): a keyword left out leaves the stored value
        alone, ``None`` clears it, at every depth. Or pass ``body=``: a JSON:API dict (or the
        generated ``ProfileUpsertQuery``) sent exactly as given.

        ``additional_fields`` (e.g. ``["subscriptions"]``) and ``fields`` (sparse fieldset)
        shape the response. ``max_attempts`` / ``total_timeout`` override the retry policy
        for this call, ``timeout`` the client's timeout for each attempt (``None``: no
        limit), and ``extra_headers`` are sent with it (any but ``Authorization``).

        The wait for the rate limiter counts against ``total_timeout``: a wait the limiter
        announces beyond what is left of it raises ``RateLimitWaitError`` at once.

        Raises:
            InvalidInputError: before sending, naming the field that cannot be sent.
            APIStatusError: a subclass per status family, with the parsed errors.
            APIConnectionError: no response arrived (``APITimeoutError`` for timeouts).
            RateLimitWaitError: the limiter would hold the request past ``total_timeout``;
                nothing was sent.
        """
        request = self._request(
            body,
            attributes,
            id=id,
            meta=meta,
            patch_properties=patch_properties,
            patch_identifiers=patch_identifiers,
            additional_fields=additional_fields,
            fields=fields,
            timeout=timeout,
            extra_headers=extra_headers,
        )

        policy = self._policy(max_attempts, total_timeout)
        left = _budget(policy)

        def send(attempt: int) -> ProfileResult:
            if self._limiter is not None:
                self._limiter.acquire(max_wait=left())
            started = time.perf_counter()
            try:
                response = self._http.request(**request)
            except httpx.TransportError as exc:
                raise _transport_error(exc) from exc
            return self._finish(response, attempt, started)

        if policy is None:
            return send(1)
        return call_with_retries(send, policy)

    # -- bulk import jobs -------------------------------------------------------------------

    def bulk_import_profiles(
        self,
        profiles: Sequence[ProfileInput | PreparedProfile],
        *,
        lists: Sequence[str] = (),
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> BulkImportJob:
        """Start ONE bulk import job for ``profiles`` (and add them to ``lists``).

        Each profile takes any form ``create_or_update_profile`` takes (or a
        ``PreparedProfile``) and must hold no null: a job leaves a field given as null
        unchanged, so such a profile is refused (send it with ``create_or_update_profile``,
        or use ``create_or_update_profiles``, which routes it). The job's start is paced by
        the operation's own windows and retried only where no job can have been created (a
        429, a failure to connect); a timeout or 5xx after sending raises instead, so a job
        is never started twice.

        Raises:
            InvalidInputError: before sending: no profile, more than the operation's
                ``item_limit``, a null, a profile or body over the byte limits, a bad field.
            APIStatusError, APIConnectionError: the job may not have started (see above).
            BulkImportUnavailableError: the revision has no bulk import jobs (nothing sent).

        Example::

            job = client.bulk_import_profiles([{"email": "ada@example.com"}], lists=["Y6nRLr"])
            job = client.wait_for_bulk_import_profiles_job(job.id)
        """
        job = bulk.prepare_job(profiles, lists)
        request = self._start_job_request(job.content, timeout, extra_headers)
        document = self._send_job_request(
            request, bulk.BULK_OPERATION, 202, max_attempts, total_timeout, job_start_retryable
        )
        return _job_from(document)

    def get_bulk_import_profiles_job(
        self,
        job_id: str,
        *,
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> BulkImportJob:
        """Read a job's status and counts (paced by the operation's windows; retried as the
        retry policy says: reading is safe to repeat).

        Example::

            job = client.get_bulk_import_profiles_job("01JOB...")
            job.status, job.completed_count, job.failed_count
        """
        request = self._read_job_request(job_id, timeout, extra_headers)
        document = self._send_job_request(
            request, "get_bulk_import_profiles_job", 200, max_attempts, total_timeout
        )
        return _job_from(document)

    def get_errors_for_bulk_import_profiles_job(
        self,
        job_id: str,
        *,
        page_size: int = 100,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Iterator[BulkImportErrorEntry]:
        """The job's import errors (profiles that failed), page by page as iterated.

        ``entry.index`` is the profile's position in the job's request. Arguments are
        checked at the call; requests go out as the iterator is read.

        Example::

            for entry in client.get_errors_for_bulk_import_profiles_job(job.id):
                print(entry.index, entry.code, entry.detail)
        """
        _generated.require(_generated.GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB)
        _check_job_id(job_id)
        size = _check_page_size(page_size)
        return self._error_pages(job_id, size, timeout, extra_headers)

    def _error_pages(
        self,
        job_id: str,
        page_size: int,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> Iterator[BulkImportErrorEntry]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            request = self._errors_page_request(job_id, page_size, cursor, timeout, extra_headers)
            document = self._send_job_request(
                request, "get_errors_for_bulk_import_profiles_job", 200, None, None
            )
            entries, cursor = _errors_page(document)
            yield from entries
            # Bounded: a server that links back to a page already read ends the walk.
            if cursor is None or cursor in seen:
                return
            seen.add(cursor)

    def wait_for_bulk_import_profiles_job(
        self,
        job_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        timeout: float | None = None,
    ) -> BulkImportJob:
        """Poll the job until it is ``complete`` or ``cancelled``, waiting ``poll_interval``
        seconds at first and half as long again each time, up to ``max_poll_interval``.

        Raises:
            BulkImportJobTimeoutError: still running after ``timeout`` seconds (it is not
                lost: wait again).

        Example::

            job = client.wait_for_bulk_import_profiles_job(job.id, timeout=600)
        """
        import tenacity

        _generated.require(_generated.GET_BULK_IMPORT_PROFILES_JOB)
        _check_job_id(job_id)
        settings = _poll_settings(poll_interval, max_poll_interval, timeout, time.monotonic)
        retrying = tenacity.Retrying(
            retry_error_callback=_poll_timed_out(job_id, timeout), **settings
        )
        job: BulkImportJob = retrying(self.get_bulk_import_profiles_job, job_id)
        return job

    def _send_job_request(
        self,
        request: dict[str, Any],
        operation: str,
        expected: int,
        max_attempts: int | None,
        total_timeout: float | None,
        retry_if: Callable[[BaseException], bool] = is_retryable,
    ) -> Any:
        limiter = self._operation_limiter(operation)

        policy = self._policy(max_attempts, total_timeout)
        left = _budget(policy)

        def send(attempt: int) -> Any:
            if limiter is not None:
                limiter.acquire(max_wait=left())
            started = time.perf_counter()
            try:
                response = self._http.request(**request)
            except httpx.TransportError as exc:
                raise _transport_error(exc) from exc
            return self._finish_json(response, attempt, started, limiter, expected)

        if policy is None:
            return send(1)
        return call_with_retries(send, policy, retry_if=retry_if)

    def create_or_update_profiles(
        self,
        profiles: Iterable[ProfileInput],
        *,
        via: Via = "auto",
        lists: Sequence[str] = (),
        max_job_size: int | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        job_timeout: float | None = None,
        concurrency: int = 8,
    ) -> list[ProfileOutcome]:
        """Create or update many profiles, with exact null semantics; outcomes in input order.

        Every profile is checked first (``InvalidInputError`` naming its index, before
        anything is sent). Then profiles go in bulk import jobs, except those that must go
        through Create or Update Profile one by one: a profile with a null anywhere (a job
        would not clear it), and every row of a profile whose identifiers appear in more
        than one row (their order matters; they are sent in input order). ``via="single"``
        sends everything one by one; ``via="auto"`` (default) also does so when fewer than
        ``AUTO_BULK_MIN_PROFILES`` could go in jobs; ``via="bulk"`` uses jobs whatever the
        count (nulls and repeated rows still go one by one).

        Jobs hold at most ``max_job_size`` profiles (default the operation's limit). Single
        calls run up to ``concurrency`` at once, each group of rows sharing an identity in
        order. With ``lists``, a job also adds the profiles sent one by one to them (a job
        holding only their identifiers, which changes no field).

        A failure is an outcome, not an exception: ``ok=False`` with the error (the single
        call's, the job's import error for the profile, or what kept its job from starting).

        On a revision without bulk import jobs, ``via="auto"`` sends every profile one by one
        (and logs one warning saying so); ``via="bulk"`` and ``lists`` raise
        ``BulkImportUnavailableError`` before anything is sent.

        Example::

            outcomes = client.create_or_update_profiles(rows)
            failed = [o for o in outcomes if not o.ok]
        """
        plan = _Hybrid(profiles, via, lists, max_job_size, concurrency)
        jobs: list[tuple[str, list[int]]] = []
        for rows in plan.chunks():
            try:
                job = self.bulk_import_profiles(plan.job_profiles(rows), lists=plan.lists)
            except KlaviyoError as exc:
                plan.record(bulk.failed_outcomes(rows, exc))
            else:
                jobs.append((job.id, rows))
        # The rows sent one by one share no identity with any row in a job, so they go
        # while the jobs are processed.
        groups = plan.single_groups()
        if concurrency == 1 or len(groups) <= 1:
            for group in groups:
                self._send_group(plan, group)
        else:
            with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
                for future in [pool.submit(self._send_group, plan, group) for group in groups]:
                    future.result()
        for job_id, rows in jobs:
            self._settle_job(plan, job_id, rows, poll_interval, max_poll_interval, job_timeout)
        for rows in plan.membership_chunks():
            try:
                job = self.bulk_import_profiles(plan.membership_profiles(rows), lists=plan.lists)
            except KlaviyoError as exc:
                plan.job_failed(rows, exc, None, membership=True)
            else:
                self._settle_job(
                    plan,
                    job.id,
                    rows,
                    poll_interval,
                    max_poll_interval,
                    job_timeout,
                    membership=True,
                )
        return plan.outcomes()

    def _send_group(self, plan: _Hybrid, group: list[int]) -> None:
        for row in group:
            try:
                result = self.create_or_update_profile(body=plan.body(row))
            except KlaviyoError as exc:
                plan.record([ProfileOutcome(index=row, ok=False, via="single", error=exc)])
            else:
                plan.record([ProfileOutcome(index=row, ok=True, via="single", result=result)])

    def _settle_job(
        self,
        plan: _Hybrid,
        job_id: str,
        rows: list[int],
        poll_interval: float,
        max_poll_interval: float,
        job_timeout: float | None,
        *,
        membership: bool = False,
    ) -> None:
        try:
            job = self.wait_for_bulk_import_profiles_job(
                job_id,
                poll_interval=poll_interval,
                max_poll_interval=max_poll_interval,
                timeout=job_timeout,
            )
            entries = (
                list(self.get_errors_for_bulk_import_profiles_job(job_id))
                if _may_have_errors(job)
                else []
            )
        except KlaviyoError as exc:
            plan.job_failed(rows, exc, job_id, membership=membership)
        else:
            plan.job_done(job, rows, entries, membership=membership)

    def close(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncKlaviyoProfiles(_BaseClient):
    """Asynchronous client for Create or Update Profile; see :class:`KlaviyoProfiles`.

    Example::

        async with AsyncKlaviyoProfiles() as client:
            result = await client.create_or_update_profile(email="ada@example.com")
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        revision: str | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = RetryPolicy(),  # noqa: B008 - immutable
        rate_limits: RateLimits | bool = True,
        limiter_backend: LimiterBackend | None = None,
        allow_insecure_http: bool = False,
        today: dt.date | None = None,
        bulk_rate_limits: RateLimits | Mapping[str, RateLimits] | None = None,
    ) -> None:
        super().__init__(
            api_key,
            base_url=base_url,
            revision=revision,
            timeout=timeout,
            http_timeout=None if http_client is None else http_client.timeout,
            retry_policy=retry_policy,
            rate_limits=rate_limits,
            limiter_backend=limiter_backend,
            allow_insecure_http=allow_insecure_http,
            today=today,
            bulk_rate_limits=bulk_rate_limits,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout, headers=self._headers)

    async def create_or_update_profile(
        self,
        *,
        body: Body | None = None,
        id: str | Unset | None = UNSET,
        meta: Mapping[str, Any] | Unset | None = UNSET,
        patch_properties: Mapping[str, Any] | Unset | None = UNSET,
        patch_identifiers: Mapping[str, Any] | Unset | None = UNSET,
        additional_fields: Sequence[str] | None = None,
        fields: Sequence[str] | None = None,
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        **attributes: Unpack[ProfileAttributeArguments],
    ) -> ProfileResult:
        """Create a profile, or update the one its identifiers match (see the sync client)."""
        request = self._request(
            body,
            attributes,
            id=id,
            meta=meta,
            patch_properties=patch_properties,
            patch_identifiers=patch_identifiers,
            additional_fields=additional_fields,
            fields=fields,
            timeout=timeout,
            extra_headers=extra_headers,
        )

        policy = self._policy(max_attempts, total_timeout)
        left = _budget(policy)

        async def send(attempt: int) -> ProfileResult:
            if self._limiter is not None:
                await self._limiter.acquire_async(max_wait=left())
            started = time.perf_counter()
            try:
                response = await self._http.request(**request)
            except httpx.TransportError as exc:
                raise _transport_error(exc) from exc
            return self._finish(response, attempt, started)

        if policy is None:
            return await send(1)
        return await acall_with_retries(send, policy)

    # -- bulk import jobs -------------------------------------------------------------------

    async def bulk_import_profiles(
        self,
        profiles: Sequence[ProfileInput | PreparedProfile],
        *,
        lists: Sequence[str] = (),
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> BulkImportJob:
        """Start ONE bulk import job (see the sync client).

        Example::

            job = await client.bulk_import_profiles([{"email": "ada@example.com"}])
        """
        job = bulk.prepare_job(profiles, lists)
        request = self._start_job_request(job.content, timeout, extra_headers)
        document = await self._send_job_request(
            request, bulk.BULK_OPERATION, 202, max_attempts, total_timeout, job_start_retryable
        )
        return _job_from(document)

    async def get_bulk_import_profiles_job(
        self,
        job_id: str,
        *,
        max_attempts: int | None = None,
        total_timeout: float | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> BulkImportJob:
        """Read a job's status and counts (see the sync client).

        Example::

            job = await client.get_bulk_import_profiles_job("01JOB...")
        """
        request = self._read_job_request(job_id, timeout, extra_headers)
        document = await self._send_job_request(
            request, "get_bulk_import_profiles_job", 200, max_attempts, total_timeout
        )
        return _job_from(document)

    def get_errors_for_bulk_import_profiles_job(
        self,
        job_id: str,
        *,
        page_size: int = 100,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[BulkImportErrorEntry]:
        """The job's import errors, page by page as iterated (see the sync client).

        Example::

            async for entry in client.get_errors_for_bulk_import_profiles_job(job.id):
                print(entry.index, entry.detail)
        """
        _generated.require(_generated.GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB)
        _check_job_id(job_id)
        size = _check_page_size(page_size)
        return self._error_pages(job_id, size, timeout, extra_headers)

    async def _error_pages(
        self,
        job_id: str,
        page_size: int,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> AsyncIterator[BulkImportErrorEntry]:
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            request = self._errors_page_request(job_id, page_size, cursor, timeout, extra_headers)
            document = await self._send_job_request(
                request, "get_errors_for_bulk_import_profiles_job", 200, None, None
            )
            entries, cursor = _errors_page(document)
            for entry in entries:
                yield entry
            if cursor is None or cursor in seen:
                return
            seen.add(cursor)

    async def wait_for_bulk_import_profiles_job(
        self,
        job_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        timeout: float | None = None,
    ) -> BulkImportJob:
        """Poll the job until it is ``complete`` or ``cancelled`` (see the sync client).

        Example::

            job = await client.wait_for_bulk_import_profiles_job(job.id, timeout=600)
        """
        import tenacity

        _generated.require(_generated.GET_BULK_IMPORT_PROFILES_JOB)
        _check_job_id(job_id)
        settings = _poll_settings(poll_interval, max_poll_interval, timeout, time.monotonic)
        retrying = tenacity.AsyncRetrying(
            retry_error_callback=_poll_timed_out(job_id, timeout), **settings
        )
        job: BulkImportJob = await retrying(self.get_bulk_import_profiles_job, job_id)
        return job

    async def _send_job_request(
        self,
        request: dict[str, Any],
        operation: str,
        expected: int,
        max_attempts: int | None,
        total_timeout: float | None,
        retry_if: Callable[[BaseException], bool] = is_retryable,
    ) -> Any:
        limiter = self._operation_limiter(operation)

        policy = self._policy(max_attempts, total_timeout)
        left = _budget(policy)

        async def send(attempt: int) -> Any:
            if limiter is not None:
                await limiter.acquire_async(max_wait=left())
            started = time.perf_counter()
            try:
                response = await self._http.request(**request)
            except httpx.TransportError as exc:
                raise _transport_error(exc) from exc
            return self._finish_json(response, attempt, started, limiter, expected)

        if policy is None:
            return await send(1)
        return await acall_with_retries(send, policy, retry_if=retry_if)

    async def create_or_update_profiles(
        self,
        profiles: Iterable[ProfileInput],
        *,
        via: Via = "auto",
        lists: Sequence[str] = (),
        max_job_size: int | None = None,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        job_timeout: float | None = None,
        concurrency: int = 8,
    ) -> list[ProfileOutcome]:
        """Create or update many profiles, outcomes in input order (see the sync client).

        Example::

            outcomes = await client.create_or_update_profiles(rows)
        """
        plan = _Hybrid(profiles, via, lists, max_job_size, concurrency)
        jobs: list[tuple[str, list[int]]] = []
        for rows in plan.chunks():
            try:
                job = await self.bulk_import_profiles(plan.job_profiles(rows), lists=plan.lists)
            except KlaviyoError as exc:
                plan.record(bulk.failed_outcomes(rows, exc))
            else:
                jobs.append((job.id, rows))
        gate = asyncio.Semaphore(concurrency)

        async def send_group(group: list[int]) -> None:
            async with gate:
                for row in group:
                    try:
                        result = await self.create_or_update_profile(body=plan.body(row))
                    except KlaviyoError as exc:
                        outcome = ProfileOutcome(index=row, ok=False, via="single", error=exc)
                    else:
                        outcome = ProfileOutcome(index=row, ok=True, via="single", result=result)
                    plan.record([outcome])

        # The rows sent one by one share no identity with any row in a job, so they go
        # while the jobs are processed.
        await asyncio.gather(
            *(send_group(group) for group in plan.single_groups()),
            *(
                self._settle_job(plan, job_id, rows, poll_interval, max_poll_interval, job_timeout)
                for job_id, rows in jobs
            ),
        )
        for rows in plan.membership_chunks():
            try:
                job = await self.bulk_import_profiles(
                    plan.membership_profiles(rows), lists=plan.lists
                )
            except KlaviyoError as exc:
                plan.job_failed(rows, exc, None, membership=True)
            else:
                await self._settle_job(
                    plan,
                    job.id,
                    rows,
                    poll_interval,
                    max_poll_interval,
                    job_timeout,
                    membership=True,
                )
        return plan.outcomes()

    async def _settle_job(
        self,
        plan: _Hybrid,
        job_id: str,
        rows: list[int],
        poll_interval: float,
        max_poll_interval: float,
        job_timeout: float | None,
        *,
        membership: bool = False,
    ) -> None:
        try:
            job = await self.wait_for_bulk_import_profiles_job(
                job_id,
                poll_interval=poll_interval,
                max_poll_interval=max_poll_interval,
                timeout=job_timeout,
            )
            entries = (
                [entry async for entry in self.get_errors_for_bulk_import_profiles_job(job_id)]
                if _may_have_errors(job)
                else []
            )
        except KlaviyoError as exc:
            plan.job_failed(rows, exc, job_id, membership=membership)
        else:
            plan.job_done(job, rows, entries, membership=membership)

    async def aclose(self) -> None:
        """Close the connection pool (only if this client created it)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
