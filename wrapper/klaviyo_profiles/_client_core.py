"""What both clients hold and how they exchange one request, written once: the settings
(checked as the constructor and ``with_options`` take them), the headers and key each request
carries, the limiters, and one exchange as steps (a slot of the limiter, the request, the
answer finished into a result or a typed error, retried as the policy says).

The operations built on it (one upsert, a job's start, its polling, its import errors, many
profiles) are :class:`~klaviyo_profiles._base_client.BaseClient`'s.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from klaviyo_profile_import import facts
from klaviyo_profile_import.types import Unset
from typing_extensions import Self

from . import pacing
from ._effects import Acquire, Send, Steps
from ._generated import single_endpoint as endpoint
from ._requests import (
    WireBody,
    check_headers,
    job_from,
    rate_limit_headers,
    transport_error,
)
from ._server_budget import observe_answer
from ._version import __version__
from .auth import KlaviyoApiKeyAuth, redact_request
from .errors import APIStatusError, ClientClosedError, error_from_response
from .limiter_urls import shared_limiter
from .ratelimit import LimiterBackend, MemoryBackend, RateLimiter, RateLimits
from .result import BulkImportJob, ProfileResult, RateLimitInfo
from .retries import RetryPolicy, is_retryable, retry_steps
from .revision import check_revision
from .settings import (
    check_base_url,
    check_bulk_rate_limits,
    check_max_attempts,
    check_seconds,
    check_timeout,
    pacing_limits,
    with_max_retries,
)

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "ClientCore"]

#: Klaviyo's API host.
DEFAULT_BASE_URL = "https://a.klaviyo.com"
#: Always-on timeouts: users of other clients have seen calls hang forever without them.
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)

_logger = logging.getLogger("klaviyo_profiles")
_USER_AGENT = f"klaviyo-profiles/{__version__} (revision {facts.REVISION})"
_T = TypeVar("_T")
#: The keys of a request that ClientCore._built builds itself (``auth`` is always None).
_BUILT_HERE = frozenset({"method", "url", "headers", "content", "timeout", "auth"})
#: What a client's repr shows, by attribute: never the key, which its auth object masks.
_SHOWN = (("base_url", "base_url"), ("revision", "revision"), ("auth", "_auth"))


class ClientCore:
    """A client's settings and its one exchange (see the module); the operations are
    :class:`~klaviyo_profiles._base_client.BaseClient`'s."""

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
        # Caches of the hot path (see _endpoint_url and _built).
        self._parsed_url: tuple[str, httpx.URL] | None = None
        self._merged: tuple[httpx.Headers, list[tuple[bytes, bytes]], httpx.Headers] | None = None
        self._rate_limits = pacing_limits(rate_limits)
        self._limiter_backend = limiter_backend
        self._bulk_rate_limits = check_bulk_rate_limits(bulk_rate_limits)
        self._pace()

    def __repr__(self) -> str:
        # Whatever the constructor got to set: a traceback that shows its frames' locals
        # shows the client whose constructor refused a setting too.
        shown = {name: getattr(self, attribute, None) for name, attribute in _SHOWN}
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

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
        clone._merged = None
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
            # As httpx.Headers, whose repr masks the key, never a plain dict: the request
            # sits in frames' locals, which tracebacks captured with their locals show.
            key_header = {"Authorization": self._auth._header_value}
            if self._owns_http:
                # The other headers were set once on the pool this client owns.
                request["headers"] = httpx.Headers({**headers, **key_header})
            else:
                # Over the pool's headers (a caller's, or the original's for a copy): this
                # client's, then the call's (which never name one this client sets).
                request["headers"] = httpx.Headers({**self._headers, **headers, **key_header})
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

    def _endpoint_url(self, path: str) -> httpx.URL:
        """The single call's absolute URL, parsed once: httpx parses a URL given as text on
        every request (about 15 µs), and this one is the same for every call."""
        text = self.base_url + path
        parsed = self._parsed_url
        if parsed is None or parsed[0] != text:
            parsed = self._parsed_url = (text, httpx.URL(text))
        return parsed[1]

    def _built(self, pool: httpx.Client | httpx.AsyncClient, request: dict[str, Any]) -> Any:
        """The ``httpx.Request`` that ``pool.request(**request)`` would build, built here with
        the pool's headers and this client's merged once (and again whenever either changes)
        rather than on every call; ``None`` where the pool itself must build it: a request
        with query parameters or other settings, or a pool that adds cookies or parameters of
        its own. The same method, URL, headers in the same order, body and timeout, so the
        same bytes."""
        if not _BUILT_HERE.issuperset(request):
            return None
        if pool.params or pool.cookies:
            return None
        ours: httpx.Headers = request["headers"]
        raw = pool.headers.raw
        merged = self._merged
        if merged is not None and merged[0] is ours and merged[1] == raw:
            headers = merged[2]
        else:
            # httpx's own merge: the pool's headers, then ours replacing any of the same name.
            headers = httpx.Headers(pool.headers)
            headers.update(ours)
            if ours is self._send_headers:  # the same object on every call: kept
                self._merged = (ours, raw, headers)
        timeout = request.get("timeout")
        chosen = pool.timeout if timeout is None else httpx.Timeout(timeout)
        return httpx.Request(
            request["method"],
            request["url"],
            content=request.get("content"),
            headers=headers,
            extensions={"timeout": chosen.as_dict()},
        )

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
            info = RateLimitInfo.from_headers(rate_limit_headers(response.headers))
            observe_answer(limiter, info, time.perf_counter() - started)
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
            observe_answer(self._limiter, rate_limit, time.perf_counter() - started)
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
    except httpx.HTTPError as exc:
        # Every httpx failure (a transport's, an answer that cannot be decoded, too many
        # redirects...) as the library's error, its request redacted.
        raise transport_error(exc) from exc
    except RuntimeError:
        # httpx refuses a closed pool with a bare RuntimeError: closed while this call
        # waited (by another thread or task, or the original of a copy).
        check_open()
        raise
    return finish(response, number, started)
