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
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import logging
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx
from klaviyo_profile_import import facts, payloads
from klaviyo_profile_import.api.profiles import create_or_update_profile as endpoint
from klaviyo_profile_import.arguments import ProfileAttributeArguments
from klaviyo_profile_import.models import ProfileUpsertQuery
from klaviyo_profile_import.types import UNSET, Unset
from typing_extensions import Self, Unpack

from ._version import __version__
from .auth import KlaviyoApiKeyAuth, redact_request
from .body import prepare_request
from .errors import APIConnectionError, APITimeoutError, InvalidInputError, error_from_response
from .ratelimit import LimiterBackend, RateLimiter, RateLimits, shared_limiter
from .result import ProfileResult, RateLimitInfo
from .retries import RetryPolicy, acall_with_retries, call_with_retries
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

    def _finish(self, response: httpx.Response, attempt: int, started: float) -> ProfileResult:
        # Sent: the request lives on in the result and in errors, where user code, pickles or
        # error trackers that serialise attributes could reach the key.
        redact_request(response.request)
        status = response.status_code
        rate_limit = RateLimitInfo.from_headers(_rate_limit_headers(response.headers))
        if self._limiter is not None:
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

        Raises:
            InvalidInputError: before sending, naming the field that cannot be sent.
            APIStatusError: a subclass per status family, with the parsed errors.
            APIConnectionError: no response arrived (``APITimeoutError`` for timeouts).
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

        def send(attempt: int) -> ProfileResult:
            if self._limiter is not None:
                self._limiter.acquire()
            started = time.perf_counter()
            try:
                response = self._http.request(**request)
            except httpx.TransportError as exc:
                raise _transport_error(exc) from exc
            return self._finish(response, attempt, started)

        policy = self._policy(max_attempts, total_timeout)
        if policy is None:
            return send(1)
        return call_with_retries(send, policy)

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

        async def send(attempt: int) -> ProfileResult:
            if self._limiter is not None:
                await self._limiter.acquire_async()
            started = time.perf_counter()
            try:
                response = await self._http.request(**request)
            except httpx.TransportError as exc:
                raise _transport_error(exc) from exc
            return self._finish(response, attempt, started)

        policy = self._policy(max_attempts, total_timeout)
        if policy is None:
            return await send(1)
        return await acall_with_retries(send, policy)

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
