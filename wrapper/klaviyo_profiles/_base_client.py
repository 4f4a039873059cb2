"""What both clients decide, written once: every operation as steps (generators that yield
effects and never perform I/O; see ``_effects``), over the settings and the one exchange of
:class:`~klaviyo_profiles._client_core.ClientCore`.

A call flows: a public method of a shell (``client.py``) -> one ``*_steps`` method here, which
checks the input before anything is sent and returns the steps -> the shell's driver, which
performs what they yield (acquire the limiter, send, sleep, start and wait for sub-tasks) and
hands back results or errors -> the steps decide (retry through ``retries.retry_steps``, poll
through ``_polling``, orchestrate many profiles through ``_hybrid``).

The modules of jobs and many profiles (``_prepare``, ``_polling``, ``_hybrid``) are imported by
the operations that use them, not with this module: a program that makes single calls never
loads them (they cost more to import than the rest of the client).
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import httpx
from klaviyo_profile_import.types import UNSET, Unset

from . import _generated, pacing
from ._client_core import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, ClientCore
from ._effects import Sleep, Steps, collected
from ._generated import ProfileUpsertQuery, payloads
from ._generated import single_endpoint as endpoint
from ._requests import (
    WireBody,
    check_headers,
    check_job_id,
    check_page_size,
    errors_page,
    may_have_errors,
)
from .body import prepare_request
from .errors import InvalidInputError, KlaviyoError, RateLimitError, RateLimitWaitError
from .nulls import check_null_policy, omit_nulls_in_body
from .result import (
    BulkImportErrorEntry,
    BulkImportJob,
    BulkProgress,
    ProfileOutcome,
    ProfileResult,
)
from .retries import is_retryable, job_start_retryable
from .revision import _caller_stacklevel
from .settings import check_timeout

if TYPE_CHECKING:
    from ._polling import Polling
    from ._prepare import PreparedProfile, ProfileInput

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "BaseClient", "Body"]

_T = TypeVar("_T")

#: What ``body=`` accepts: the request document as the generated TypedDict (a typo in a key
#: is a type error) or the generated attrs model. Any other ``Mapping`` is accepted at run time
#: and checked before sending (``cast(Body, document)`` for one built dynamically).
Body = payloads.ProfileUpsertQuery | ProfileUpsertQuery


class BaseClient(ClientCore):
    """Everything the sync and async clients decide: request building and every operation as
    steps, over :class:`~klaviyo_profiles._client_core.ClientCore`'s settings and exchange.
    The shells add a connection pool and one driver, ``_run``, that performs the steps'
    effects (see :mod:`klaviyo_profiles._effects`)."""

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
        request["url"] = self._endpoint_url(request["url"])
        return self._dress(request, headers, call_timeout)

    # -- bulk import jobs ---------------------------------------------------------------

    def _start_job_request(
        self,
        content: bytes,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        # Raises BulkImportUnavailableError, before any I/O, on a revision without jobs.
        request = _generated.job_request(
            _generated.BULK_IMPORT_PROFILES, self.revision, body=WireBody({})
        )
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

    # -- operations, as steps -------------------------------------------------------------

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
        from ._prepare import prepare_job

        job = prepare_job(profiles, lists)
        request = self._start_job_request(job.content, timeout, extra_headers)
        return self._job_steps(
            request,
            _generated.BULK_IMPORT_PROFILES,
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
        from ._polling import Polling

        polling = Polling(poll_interval, max_poll_interval, job_timeout)
        return self._wait_job_steps(job_id, polling, UNSET, extra_headers)

    def _wait_job_steps(
        self,
        job_id: str,
        polling: Polling,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Steps[BulkImportJob]:
        """Read a job until it is done (see ``_polling``); arguments checked now."""
        from ._polling import check_polling, poll_steps

        _generated.require(_generated.GET_BULK_IMPORT_PROFILES_JOB)
        check_job_id(job_id)
        self._check_open()
        # Checked now: a bad timeout or header is refused before the first read.
        call_timeout = UNSET if isinstance(timeout, Unset) else check_timeout(timeout)
        headers = check_headers(extra_headers)
        check_polling(polling)
        if polling.timeout is None:
            return poll_steps(
                lambda: self._read_job_steps(job_id, None, None, call_timeout, headers),
                job_id,
                polling,
            )
        # One deadline for the wait and for every read's retries (a 429's Retry-After too).
        since = time.monotonic() if polling.since is None else polling.since
        deadline = since + polling.timeout
        return poll_steps(
            lambda: self._read_job_before(job_id, deadline, call_timeout, headers),
            job_id,
            attrs.evolve(polling, since=since),
        )

    def _read_job_before(
        self,
        job_id: str,
        deadline: float,
        timeout: httpx.Timeout | Unset,
        headers: Mapping[str, str] | None,
    ) -> Steps[BulkImportJob | float]:
        """One read of a job whose wait ends at ``deadline`` (``time.monotonic()``): its
        retries end by then. Where it failed and retrying would have waited past the
        deadline, that read says nothing of the job: the seconds the answer asked to hold off
        are returned instead, and the wait ends at the deadline with
        ``BulkImportJobTimeoutError`` (the rows unsettled), not with the read's error."""
        policy = self.retry_policy
        left = max(deadline - time.monotonic(), 0.0)
        if policy is None or (policy.total_timeout is not None and policy.total_timeout <= left):
            # Retries off, or the read's own budget ends first: the read as it always is.
            return (yield from self._read_job_steps(job_id, None, None, timeout, headers))
        try:
            return (yield from self._read_job_steps(job_id, None, left, timeout, headers))
        except KlaviyoError as exc:
            hold = _retry_after(exc)
            if (
                not is_retryable(exc)
                or time.monotonic() + max(policy.max_backoff, hold) <= deadline
            ):
                raise
            return hold

    def _error_page_walk(
        self,
        job_id: str,
        page_size: int,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
        *,
        patient: bool = False,
    ) -> Iterator[Steps[list[BulkImportErrorEntry]]]:
        """A job's import errors as one steps per page, lazily; arguments checked now.
        ``patient``: a page read the limiter refused is read again once its hold has passed
        (see :func:`_unrefused`)."""
        _generated.require(_generated.GET_ERRORS_FOR_BULK_IMPORT_PROFILES_JOB)
        check_job_id(job_id)
        size = check_page_size(page_size)
        self._check_open()
        if not isinstance(timeout, Unset):
            check_timeout(timeout)
        check_headers(extra_headers)
        return self._error_pages(job_id, size, timeout, extra_headers, patient)

    def _error_pages(
        self,
        job_id: str,
        page_size: int,
        timeout: httpx.Timeout | float | Unset | None,
        extra_headers: Mapping[str, str] | None,
        patient: bool,
    ) -> Iterator[Steps[list[BulkImportErrorEntry]]]:
        # Each page's steps, once run, say where the next page starts; the caller runs them
        # before asking for the next (Iterator and AsyncIterator alike, see the shells).
        current: str | None = None
        seen: set[str] = set()
        while True:
            cursor = _Cursor(current)
            page = functools.partial(
                self._error_page_steps, job_id, page_size, cursor, timeout, extra_headers
            )
            yield _unrefused(page) if patient else page()
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
        """Wait for a job, then read its import errors if it counts any. Neither fails
        because the client's own limiter would not wait within a read's budget: the read is
        made again later (the job's end is what the wait is for; its errors must be read)."""
        job = yield from self._wait_job_steps(job_id, polling, timeout, extra_headers)
        entries: list[BulkImportErrorEntry] = []
        if may_have_errors(job):
            pages = self._error_page_walk(job_id, 100, timeout, extra_headers, patient=True)
            for page in pages:
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
        changed_only: object = None,
        check_now: bool = True,
    ) -> Steps[None]:
        """``iter_create_or_update_profiles``: the settings (and every profile of a list or
        tuple, unless ``check_now`` is false: then by the steps, in the input's reader, before
        anything is sent) checked now, before any I/O; then the windowed engine, over this
        client's operations (each request with ``timeout`` and ``extra_headers``), each
        outcome emitted in input order. With ``changed_only``, rows found unchanged are
        settled with nothing sent (see ``_changed_only``)."""
        from ._hybrid import stream_options, stream_steps
        from ._polling import Polling, check_polling

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
        polling = check_polling(Polling(poll_interval, max_poll_interval, job_timeout))
        operations = _Operations(self, call_timeout, headers)
        if changed_only is None:
            return stream_steps(operations, profiles, options, polling, check_now=check_now)
        # Imported here: the sync state brings sqlite3, which a client that never re-syncs
        # does not need to load.
        from ._changed_only import ChangeTracker, check_state

        fingerprint = self._auth.fingerprint
        state = check_state(changed_only, fingerprint=fingerprint, base_url=self.base_url)
        tracker = ChangeTracker(state, self.revision, options.lists)
        options = attrs.evolve(options, skip=tracker.skip)
        return tracker.steps(
            stream_steps(operations, profiles, options, polling, check_now=check_now)
        )

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
        changed_only: object = None,
        check_now: bool = True,
    ) -> Steps[list[ProfileOutcome]]:
        """``create_or_update_profiles``: the streaming engine, its outcomes kept in a list
        (and on an exception that ends it, as ``.outcomes``)."""
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
                changed_only,
                check_now,
            ),
            keep_as="outcomes",
        )


def _retry_after(error: KlaviyoError) -> float:
    """What a 429 asks to wait before another attempt (0 for any other error)."""
    if isinstance(error, RateLimitError) and error.retry_after is not None:
        return error.retry_after
    return 0.0


def _unrefused(make: Callable[[], Steps[_T]]) -> Steps[_T]:
    """The steps ``make()`` builds, built and run again while the client's own limiter
    refuses to wait within their budget (``RateLimitWaitError``: nothing was sent), after the
    hold it asked for beyond that budget: for reads that are safe to repeat and must be made."""
    while True:
        try:
            return (yield from make())
        except RateLimitWaitError as refused:
            yield Sleep(refused.wait - max(refused.remaining, 0.0))


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
