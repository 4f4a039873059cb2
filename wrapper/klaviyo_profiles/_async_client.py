"""``AsyncKlaviyoProfiles``: the client of :mod:`klaviyo_profiles.client` for asyncio, the
same shell as ``KlaviyoProfiles`` over the same core with an awaiting driver (imported from
``klaviyo_profiles`` or ``klaviyo_profiles.client``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from klaviyo_profile_import.arguments import ProfileAttributeArguments
from klaviyo_profile_import.types import UNSET, Unset
from typing_extensions import Self, Unpack

from ._base_client import DEFAULT_BASE_URL, BaseClient, Body
from ._drivers import run_awaiting
from ._effects import Steps
from ._pool import AsyncLazyPool
from .nulls import NullPolicy
from .ratelimit import LimiterBackend, RateLimits
from .result import BulkImportErrorEntry, BulkImportJob, BulkProgress, ProfileOutcome, ProfileResult
from .retries import RetryPolicy
from .sync_state import SyncState

if TYPE_CHECKING:
    from ._prepare import PreparedProfile, ProfileInput
    from ._routing import Via

__all__ = ["AsyncKlaviyoProfiles"]

_T = TypeVar("_T")


class AsyncKlaviyoProfiles(BaseClient):
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
        default_headers: Mapping[str, str] | None = None,
        retry_policy: RetryPolicy | None = RetryPolicy(),  # noqa: B008 - immutable
        max_retries: int | None = None,
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
            default_headers=default_headers,
            max_retries=max_retries,
        )
        self._owns_http = http_client is None
        # The pool this client makes is made by its first request (see _pool).
        self._http = http_client or AsyncLazyPool(self.timeout, self._headers)

    async def _run(
        self, steps: Steps[_T], emit: Callable[[Any], Awaitable[None]] | None = None
    ) -> _T:
        """Perform what ``steps`` yield until they return, awaiting each effect: the one
        place this client does I/O (see :func:`~klaviyo_profiles._drivers.run_awaiting`)."""
        return await run_awaiting(self._send, steps, emit)

    def _send(self, **request: Any) -> Awaitable[httpx.Response]:
        """Send one request on the pool (its coroutine), built here where that gives the same
        request (see ``ClientCore._built``), else by the pool."""
        http = self._http
        pool = http.get() if isinstance(http, AsyncLazyPool) else http
        built = self._built(pool, request)
        if built is None:
            return pool.request(**request)  # type: ignore[no-any-return]
        return pool.send(built, auth=None)  # type: ignore[no-any-return]

    async def _pages(
        self, walk: Iterator[Steps[list[BulkImportErrorEntry]]]
    ) -> AsyncIterator[BulkImportErrorEntry]:
        for page in walk:
            for entry in await self._run(page):
                yield entry

    def _stream(self, steps: Steps[None]) -> AsyncIterator[ProfileOutcome]:
        # The steps run in a task; what they emit comes through a bounded queue.
        # Imported here, with the engine (see _base_client): single calls never load it.
        from ._streaming import task_stream

        return task_stream(self._run, steps)

    def with_options(
        self,
        *,
        api_key: str | Unset = UNSET,
        base_url: str | Unset = UNSET,
        allow_insecure_http: bool = False,
        revision: str | Unset = UNSET,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        retry_policy: RetryPolicy | Unset | None = UNSET,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        rate_limits: RateLimits | bool | Unset = UNSET,
        limiter_backend: LimiterBackend | Unset | None = UNSET,
        bulk_rate_limits: RateLimits | Mapping[str, RateLimits] | Unset | None = UNSET,
    ) -> Self:
        """A copy with the settings given changed, sharing this client's connection pool
        (see the sync client).

        Example::

            patient = client.with_options(timeout=120, max_retries=8)
        """
        return self._copy(
            api_key=api_key,
            base_url=base_url,
            allow_insecure_http=allow_insecure_http,
            revision=revision,
            timeout=timeout,
            retry_policy=retry_policy,
            max_retries=max_retries,
            default_headers=default_headers,
            rate_limits=rate_limits,
            limiter_backend=limiter_backend,
            bulk_rate_limits=bulk_rate_limits,
        )

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
        nulls: NullPolicy = "clear",
        **attributes: Unpack[ProfileAttributeArguments],
    ) -> ProfileResult:
        """Create a profile, or update the one its identifiers match (see the sync client)."""
        return await self._run(
            self._upsert_steps(
                body,
                attributes,
                max_attempts,
                total_timeout,
                id=id,
                meta=meta,
                patch_properties=patch_properties,
                patch_identifiers=patch_identifiers,
                additional_fields=additional_fields,
                fields=fields,
                timeout=timeout,
                extra_headers=extra_headers,
                nulls=nulls,
            )
        )

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
        return await self._run(
            self._start_job_steps(
                profiles, lists, max_attempts, total_timeout, timeout, extra_headers
            )
        )

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
        return await self._run(
            self._read_job_steps(job_id, max_attempts, total_timeout, timeout, extra_headers)
        )

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
        return self._pages(self._error_page_walk(job_id, page_size, timeout, extra_headers))

    async def wait_for_bulk_import_profiles_job(
        self,
        job_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        job_timeout: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | Unset | None = UNSET,
    ) -> BulkImportJob:
        """Poll the job until it is ``complete`` or ``cancelled`` (see the sync client;
        ``timeout=`` is the deprecated name of ``job_timeout=`` here).

        Example::

            job = await client.wait_for_bulk_import_profiles_job(job.id, job_timeout=600)
        """
        return await self._run(
            self._wait_for_steps(
                job_id, poll_interval, max_poll_interval, job_timeout, timeout, extra_headers
            )
        )

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
        max_jobs: int = 4,
        nulls: NullPolicy = "clear",
        progress: Callable[[BulkProgress], None] | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        changed_only: SyncState | None = None,
    ) -> list[ProfileOutcome]:
        """Create or update many profiles, outcomes in input order (see the sync client;
        ``changed_only`` too). The input is read and checked in a thread, never in the event
        loop.

        Example::

            outcomes = await client.create_or_update_profiles(rows)
        """
        return await self._run(
            self._many_steps(
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
                changed_only,
                # A list's rows are checked off the event loop, before anything is sent.
                check_now=False,
            )
        )

    def iter_create_or_update_profiles(
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
        max_jobs: int = 4,
        nulls: NullPolicy = "clear",
        progress: Callable[[BulkProgress], None] | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        changed_only: SyncState | None = None,
    ) -> AsyncIterator[ProfileOutcome]:
        """Each outcome in input order as it settles, reading ``profiles`` a window at a time
        (see the sync client); the call runs in a task, which calls ``progress``. Settings
        are checked at the call; the rows of a list or tuple are checked in a thread, never
        in the event loop, when iteration starts (the first step raises their
        ``InvalidInputError``, before anything is sent).

        Example::

            async for outcome in client.iter_create_or_update_profiles(rows()):
                ...
        """
        return self._stream(
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
                changed_only,
                # A list's rows are checked off the event loop, before anything is sent.
                check_now=False,
            )
        )

    async def aclose(self) -> None:
        """Close the client (see the sync client's ``close``)."""
        self._closed = True
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
