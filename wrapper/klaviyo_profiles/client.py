"""``KlaviyoProfiles`` and ``AsyncKlaviyoProfiles``: the clients people use.

Each client owns one connection pool (or uses the ``httpx`` client you pass), pins one API
revision, authenticates with a private API key, paces itself under Klaviyo's rate limits and
retries what is safe to retry. The request is built and the response parsed by the generated
endpoint module (``klaviyo_profile_import.api.profiles.create_or_update_profile``); the client
sends the request itself so that it can pace, time and retry each exchange.

Each client is a thin shell over one core (``_base_client.BaseClient``): every public method
hands the operation's steps to the client's one driver, ``_run``, the only code that performs
I/O (blocking here, awaiting in the async client, whose shell lives in ``_async_client`` and
is imported from here). What to send, retry, wait for and record is decided once, for both.

Example::

    from klaviyo_profiles import KlaviyoProfiles

    with KlaviyoProfiles(api_key="pk_...") as client:
        result = client.create_or_update_profile(email="ada@example.com", first_name="Ada")
        result.created      # True on 201, False on 200
        result.profile_id   # "01J..."

        # many profiles: jobs where a null cannot matter, the single call where it does
        for outcome in client.iter_create_or_update_profiles(rows):  # in input order
            ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import (
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

from ._async_client import AsyncKlaviyoProfiles
from ._base_client import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, BaseClient, Body
from ._drivers import StopSignal, run_blocking
from ._effects import Steps
from ._pool import LazyPool
from .nulls import NullPolicy
from .ratelimit import LimiterBackend, RateLimits
from .result import BulkImportErrorEntry, BulkImportJob, BulkProgress, ProfileOutcome, ProfileResult
from .retries import RetryPolicy
from .sync_state import SyncState

if TYPE_CHECKING:
    from ._prepare import PreparedProfile, ProfileInput
    from ._routing import Via

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "AsyncKlaviyoProfiles", "Body", "KlaviyoProfiles"]

_T = TypeVar("_T")


class KlaviyoProfiles(BaseClient):
    """Synchronous client for Create or Update Profile.

    Args:
        api_key: a private API key; default ``$KLAVIYO_API_KEY``.
        base_url: default ``https://a.klaviyo.com``; no query, fragment or ``user:pass@``
            (refused, see :func:`~klaviyo_profiles.settings.check_base_url`); plain
            ``http://`` only on loopback unless ``allow_insecure_http=True``.
        revision: the API revision to pin; default the one the client was generated from.
        timeout: an ``httpx.Timeout`` or seconds (each a finite number above 0, at most a
            week: ``settings.LONGEST_SECONDS``), or ``None`` for no limit. Default
            ``DEFAULT_TIMEOUT``, or the timeout of ``http_client`` when you pass one. A
            per-call ``timeout=`` takes precedence over both.
        http_client: your own ``httpx.Client`` (transports, proxies, event hooks, headers,
            timeout): its settings apply except where this client needs its own (the
            ``revision``, ``Content-Type``, ``Accept`` and ``User-Agent`` headers, the API
            key, ``base_url``) or where you pass ``timeout=`` here. The client does not close
            it.
        default_headers: headers sent with every request (not ``Authorization``,
            ``revision``, ``Content-Type``, ``Accept`` or ``User-Agent``, which the client sets:
            ``InvalidInputError``).
        retry_policy: how to retry 429, 5xx and transport failures; ``None`` for one attempt.
        max_retries: retries after the first attempt (openai-python's meaning): the policy's
            ``max_attempts`` becomes ``max_retries + 1``; above 0 with ``retry_policy=None``,
            ``RetryPolicy()`` with that many.
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
        self._http = http_client or LazyPool(self.timeout, self._headers)

    def _run(
        self,
        steps: Steps[_T],
        emit: Callable[[Any], None] | None = None,
        stop: StopSignal | None = None,
    ) -> _T:
        """Perform what ``steps`` yield until they return: the one place this client does
        I/O (see :func:`~klaviyo_profiles._drivers.run_blocking`). ``emit`` takes what the
        steps emit (a streaming call's queue); ``stop`` ends them early (the queue's reader
        has gone)."""
        return run_blocking(self._send, steps, emit, stop)

    def _send(self, **request: Any) -> httpx.Response:
        """Send one request on the pool, built here where that gives the same request (see
        ``ClientCore._built``), else by the pool."""
        http = self._http
        pool = http.get() if isinstance(http, LazyPool) else http
        built = self._built(pool, request)
        if built is None:
            return pool.request(**request)  # type: ignore[no-any-return]
        return pool.send(built, auth=None)  # type: ignore[no-any-return]

    def _pages(
        self, walk: Iterator[Steps[list[BulkImportErrorEntry]]]
    ) -> Iterator[BulkImportErrorEntry]:
        for page in walk:
            yield from self._run(page)

    def _stream(self, steps: Steps[None]) -> Iterator[ProfileOutcome]:
        # The steps run in a worker thread; what they emit comes through a bounded queue.
        # Imported here, with the engine (see _base_client): single calls never load it.
        from ._streaming import thread_stream

        return thread_stream(self._run, steps)

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
        """A copy with the settings given changed (each as the constructor takes it), sharing
        this client's connection pool; closing the copy leaves the pool open, closing this
        client closes it for the copy too. ``default_headers`` are added to this client's;
        ``max_retries`` applies to the copy's retry policy. The pool itself (``http_client``)
        cannot change.

        Example::

            patient = client.with_options(timeout=120, max_retries=8)
            tagged = client.with_options(default_headers={"X-Team": "growth"})
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
        nulls: NullPolicy = "clear",
        **attributes: Unpack[ProfileAttributeArguments],
    ) -> ProfileResult:
        """Create a profile, or update the one its identifiers match.

        Give attributes as keywords (``email=``, ``first_name=``, ``kx=`` for ``_kx``,
        ``location={...}``, ``properties={...}``): a keyword left out leaves the stored value
        alone, ``None`` clears it, at every depth. Or pass ``body=``: a JSON:API dict (or the
        generated ``ProfileUpsertQuery``) sent exactly as given.

        ``nulls="omit"`` reads every ``None`` (and JSON null in ``body=``) given for a field
        as "not given", at every depth, so the stored value stays: for sources where NULL
        means unknown (database rows, a Pydantic model's unset fields). A ``None`` inside a
        list is one of the list's values, and is sent as it is. ``"clear"`` (default) is the
        endpoint's rule. ``UNSET`` is "not given" under both.

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
        return self._run(
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
        return self._run(
            self._start_job_steps(
                profiles, lists, max_attempts, total_timeout, timeout, extra_headers
            )
        )

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
        return self._run(
            self._read_job_steps(job_id, max_attempts, total_timeout, timeout, extra_headers)
        )

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
        return self._pages(self._error_page_walk(job_id, page_size, timeout, extra_headers))

    def wait_for_bulk_import_profiles_job(
        self,
        job_id: str,
        *,
        poll_interval: float = 1.0,
        max_poll_interval: float = 30.0,
        job_timeout: float | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timeout: float | Unset | None = UNSET,
    ) -> BulkImportJob:
        """Poll the job until it is ``complete`` or ``cancelled``, waiting ``poll_interval``
        seconds at first and half as long again each time, up to ``max_poll_interval``.

        ``job_timeout`` bounds the whole wait (``None``: no bound); each read is retried as
        the retry policy says and sent with ``extra_headers``. ``timeout=`` is the deprecated
        name of ``job_timeout=`` here (a ``DeprecationWarning``); it will bound each HTTP
        attempt, as in every other call (``with_options(timeout=...)`` does that now).

        Raises:
            BulkImportJobTimeoutError: still running after ``job_timeout`` seconds (it is
                not lost: wait again).

        Example::

            job = client.wait_for_bulk_import_profiles_job(job.id, job_timeout=600)
        """
        return self._run(
            self._wait_for_steps(
                job_id, poll_interval, max_poll_interval, job_timeout, timeout, extra_headers
            )
        )

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
        max_jobs: int = 4,
        nulls: NullPolicy = "clear",
        progress: Callable[[BulkProgress], None] | None = None,
        timeout: httpx.Timeout | float | Unset | None = UNSET,
        extra_headers: Mapping[str, str] | None = None,
        changed_only: SyncState | None = None,
    ) -> list[ProfileOutcome]:
        """Create or update many profiles, with exact null semantics; outcomes in input order.

        The list form of :meth:`iter_create_or_update_profiles` (for large inputs iterate
        that instead). A list or tuple is checked whole first (``InvalidInputError`` naming
        its index, before anything is sent); another iterable is read a window at a time, in
        a thread of its own.
        Profiles go in bulk import jobs, except those that must go through Create or Update
        Profile one by one: a null anywhere (a job would not clear it), every row of a
        profile named by more than one row of a window (a list is one window), and a row
        whose profile has an earlier row unfinished, which goes after it. ``via="single"``
        sends everything one by one; ``via="auto"`` (default) also does so when an input
        that ends within its first window has fewer than ``AUTO_BULK_MIN_PROFILES`` rows for
        jobs; ``via="bulk"`` uses jobs whatever the count.

        Jobs hold at most ``max_job_size`` profiles, up to ``max_jobs`` in flight; single
        calls run up to ``concurrency`` at once, while jobs are polled. Rows naming one stored
        profile by different identifiers (an email in one row, a phone number in another)
        are not known to be one profile, and are not ordered against each other: give them
        an identifier they all carry. With ``lists``, the profiles sent one by one join them
        through jobs naming each stored profile by its id alone (changing no field).

        ``nulls="omit"`` reads every null given for a field as "not given" (at every depth;
        a null inside a list is a value, sent as it is by either path); at ``"clear"``
        (default) the call logs at INFO how many rows go one by one because a null clears a
        field, and about how long that takes. ``progress`` is called with a ``BulkProgress`` as the
        counts change, from the thread or task that runs the call.

        ``timeout`` bounds each HTTP attempt and ``extra_headers`` go with every request, as
        for the single call; ``job_timeout`` bounds the wait for each job.

        A failure is an outcome, not an exception: ``ok=False`` with the error, always a
        ``KlaviyoError``. On a revision without bulk import jobs, ``via="auto"`` sends every
        profile one by one; ``via="bulk"`` and ``lists`` raise
        ``BulkImportUnavailableError`` before anything is sent.

        A job whose outcome is unknown (still running at ``job_timeout``: its rows are
        ``unsettled``; lost while followed; or a start that failed after the request may have
        left) may still apply its rows later, so the later rows of its profiles are held back:
        nothing is sent for them and each fails with ``RowHeldBackError``
        (``outcome.held_back``), and so does every row after them of those profiles. Send
        the held rows again, in input order, once that job has ended.

        An error of the input itself (iterating ``profiles`` raised) ends reading: every row
        read before it is still sent and settled, then the error is raised. An error raised
        by ``progress`` ends the call at once (nothing more is sent or waited for), and so
        does Ctrl-C (or cancelling the async call). Each is raised carrying ``.outcomes``:
        every outcome known when the call ended, in input order (those of rows after a row
        still in flight too; rows still in flight, or never sent, have none).

        ``changed_only`` (a :class:`~klaviyo_profiles.SyncState` of this client's key and base
        URL) sends a row only when its request (after ``nulls``; nulls included, so a row that
        newly clears a field is a change; with the pinned revision and ``lists``) differs from
        the last one applied to its profile through that state, or none was; a row whose
        identifiers changed is a new profile. An unchanged row is an outcome with
        ``skipped=True`` and nothing sent. The state records a row's request once its outcome
        is ``ok``, never before: a call that dies with a row in flight sends that row again
        next time.

        Example::

            outcomes = client.create_or_update_profiles(rows)
            failed = [o for o in outcomes if not o.ok]

            with SyncState.open("customers.state") as state:   # the next night's export
                outcomes = client.create_or_update_profiles(rows, changed_only=state)
                sent = sum(not o.skipped for o in outcomes)
        """
        return self._run(
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
    ) -> Iterator[ProfileOutcome]:
        """:meth:`create_or_update_profiles` as a stream: reads ``profiles`` (a generator of
        any length) a window at a time and yields each ``ProfileOutcome`` in input order as it
        settles, holding only the work in flight.

        Settings (and every profile of a list or tuple) are checked at the call; rows are
        read and sent as the iterator is consumed. A row of an iterator that cannot be sent
        is yielded with its ``InvalidInputError`` (nothing sent for it; no outcome of the rows
        in flight is lost). A slow early row (a job still running) holds back later outcomes,
        and reading pauses while too many wait. ``profiles`` is read in a thread of its own, so
        an input that pauses (a queue, a slow cursor) never holds back the rows it gave: after
        a second with nothing else to do, those are sent as they are. The call runs in a
        worker thread, which calls ``progress``; closing the iterator early stops it once the
        calls in flight end.
        ``timeout``, ``extra_headers`` and ``changed_only`` apply as in the list form.

        If iterating ``profiles`` raises, the rows read before are still sent and their
        outcomes yielded, then the error is raised. An error raised by ``progress`` ends the
        call at once: the outcomes already known are yielded first (in input order; rows
        still in flight have none), then the error is raised.

        Example::

            for outcome in client.iter_create_or_update_profiles(rows_from_database()):
                if not outcome.ok:
                    log_failure(outcome.index, outcome.error)
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
            )
        )

    def close(self) -> None:
        """Close the client: its connection pool if it created it (not a pool you passed as
        ``http_client=``, nor one it shares as a copy); later calls raise
        ``ClientClosedError``."""
        self._closed = True
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
