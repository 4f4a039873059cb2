"""Retrying Create or Update Profile through rate limits and transient faults.

:func:`retry_steps` is the one retry loop: it runs one attempt at a time through
`tenacity <https://pypi.org/project/tenacity/>`_'s decision loop, which owns the retry, wait
and stop decisions and re-raising, and yields each wait for a driver to perform (both clients
drive it; :func:`call_with_retries` and :func:`acall_with_retries` drive it for a plain
function or coroutine). This module supplies what is specific to Klaviyo:

* **What is retried**: ``429`` (:class:`~klaviyo_profiles.errors.RateLimitError`), ``500``,
  ``502``, ``503`` and ``504`` (:class:`~klaviyo_profiles.errors.ServerError`), connection
  failures (:class:`~klaviyo_profiles.errors.APIConnectionError`) and timeouts
  (:class:`~klaviyo_profiles.errors.APITimeoutError`). Never any other 4xx, other 5xx, or
  input refused before sending (:class:`~klaviyo_profiles.errors.InvalidInputError`).
* **How long to wait**: exponential backoff, ``initial_backoff * 2 ** (attempt - 1)`` capped
  at ``max_backoff``, with *equal jitter* when ``jitter`` is on: half of that step is fixed
  and the other half uniformly random. Unlike full jitter it never retries at once, which
  matters when the cause is overload, while still spreading many clients apart. After a 429
  the wait is at least the server's ``Retry-After`` (even above ``max_backoff``, up to
  :data:`~klaviyo_profiles.errors.LONGEST_RETRY_AFTER`, an hour); tenacity
  supports this through a custom ``wait`` callable that sees the failed attempt's exception.
* **When to stop**: after ``max_attempts`` attempts, or when the next wait would end beyond
  the ``total_timeout`` budget (measured from the first attempt, waits and attempts
  included). The *last* error is then re-raised unchanged, so a 429 still carries
  ``retry_after``. The budget bounds when a new attempt may start; a request already sent
  is bounded by the client's request timeouts instead.
* **Logging**: each retry is logged on ``klaviyo_profiles.retries`` at INFO with the attempt
  number, error class, HTTP status and wait; giving up after a retryable error is logged at
  WARNING. Messages never include headers, bodies, error details or keys.

Retrying this endpoint is safe because it is an upsert keyed by the profile's identifiers:
repeating it cannot create a second profile. **The one ambiguity**: when a request that
created a profile succeeded on the server but its response was lost (a dropped connection
or a read timeout), the retry finds the profile and is answered ``200``, so the result says
``created=False`` for a profile this call did in fact create. ``result.attempts > 1`` tells
you this may have happened.

Example::

    policy = RetryPolicy(max_attempts=5, total_timeout=60)
    result = call_with_retries(lambda attempt: send_once(attempt), policy)
    quick = policy.replace(max_attempts=2)      # per-call override
"""

from __future__ import annotations

import functools
import logging
import math
import random
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import httpx

from ._effects import Await, Sleep, Steps, arun_plain, run_plain
from .errors import (
    LONGEST_RETRY_AFTER,
    APIConnectionError,
    APIStatusError,
    ClientClosedError,
    InvalidInputError,
    RateLimitError,
    RateLimitWaitError,
    ServerError,
)

__all__ = [
    "RETRYABLE_SERVER_STATUSES",
    "RetryEvent",
    "RetryPolicy",
    "acall_with_retries",
    "call_with_retries",
    "is_retryable",
    "job_may_exist",
    "job_start_retryable",
    "request_never_sent",
    "retry_steps",
    "tenacity_steps",
]

if TYPE_CHECKING:
    # tenacity is imported only when a first attempt has failed (see retry_steps).
    import tenacity
    from tenacity import RetryCallState

logger = logging.getLogger("klaviyo_profiles.retries")

T = TypeVar("T")

#: Server statuses that are worth another attempt (others, such as 501, will not change).
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})


class _Keep:
    """Marker for "leave this setting as it is" in :meth:`RetryPolicy.replace`."""

    def __repr__(self) -> str:
        return "KEEP"


_KEEP: Any = _Keep()


def _at_least_one(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value!r}")


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not value >= 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """How persistently to retry.

    Attributes:
        max_attempts: attempts in all, the first included (``1`` disables retrying).
        total_timeout: seconds allowed from the first attempt to the start of the last one,
            waits included; ``None`` for no budget.
        initial_backoff: the first wait, in seconds, before jitter.
        max_backoff: the largest backoff step (a longer ``Retry-After`` is still honoured).
        jitter: equal jitter (half the step fixed, half random) when true; exact steps when
            false.

    Example::

        RetryPolicy(max_attempts=8, total_timeout=300)
        RetryPolicy().replace(max_attempts=1)      # no retries for one call
    """

    max_attempts: int = attrs.field(default=5, validator=_at_least_one)
    total_timeout: float | None = attrs.field(default=120.0, validator=_non_negative)
    initial_backoff: float = attrs.field(default=0.5, validator=_non_negative)
    max_backoff: float = attrs.field(default=30.0, validator=_non_negative)
    jitter: bool = True

    def replace(
        self,
        *,
        max_attempts: int | None = None,
        total_timeout: float | None = _KEEP,
        initial_backoff: float | None = None,
        max_backoff: float | None = None,
        jitter: bool | None = None,
    ) -> RetryPolicy:
        """A copy with the given settings changed; arguments left out (or ``None``, except
        for ``total_timeout`` where ``None`` means "no budget") keep their value.

        Example::

            policy.replace(max_attempts=2, total_timeout=None)
        """
        changes: dict[str, Any] = {}
        if max_attempts is not None:
            changes["max_attempts"] = max_attempts
        if total_timeout is not _KEEP:
            changes["total_timeout"] = total_timeout
        if initial_backoff is not None:
            changes["initial_backoff"] = initial_backoff
        if max_backoff is not None:
            changes["max_backoff"] = max_backoff
        if jitter is not None:
            changes["jitter"] = jitter
        return attrs.evolve(self, **changes)

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait after failed attempt number ``attempt`` (1-based), jitter applied.

        Example::

            RetryPolicy(initial_backoff=0.5, jitter=False).backoff(3) == 2.0
        """
        exponent = min(attempt - 1, 64)  # beyond this the cap applies anyway; avoids overflow
        step = min(self.max_backoff, self.initial_backoff * 2.0**exponent)
        if not self.jitter:
            return step
        uniform = (rng or random).uniform
        return step / 2 + uniform(0.0, step / 2)


@attrs.frozen
class RetryEvent:
    """What :func:`call_with_retries` passes to ``on_retry`` before each wait.

    Attributes:
        attempt: the number of the attempt that failed (1-based); the next is ``attempt + 1``.
        error: the exception it raised.
        wait: seconds until the next attempt.
    """

    attempt: int
    error: BaseException
    wait: float


def is_retryable(error: BaseException) -> bool:
    """Whether another attempt could succeed where this one failed.

    Example::

        is_retryable(rate_limit_error)      # True
        is_retryable(bad_request_error)     # False
    """
    if isinstance(error, RateLimitError):
        return True
    if isinstance(error, ServerError):
        return error.status_code in RETRYABLE_SERVER_STATUSES
    # APITimeoutError is a subclass of APIConnectionError.
    return isinstance(error, APIConnectionError)


#: Transport failures that happen before a request leaves: no connection was made or lent.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def request_never_sent(error: BaseException) -> bool:
    """Whether ``error`` (an :class:`~klaviyo_profiles.errors.APIConnectionError`) surely came
    before the request left: a failure to connect, or to get a pooled connection. After any
    other transport failure (a read timeout, a dropped connection) the server may have acted
    on the request.

    Example::

        request_never_sent(connect_error)    # True: nothing reached the server
    """
    return isinstance(error, APIConnectionError) and isinstance(error.__cause__, _NEVER_SENT)


def job_start_retryable(error: BaseException) -> bool:
    """Whether a bulk import job's start may be tried again: only where no job can have been
    created.

    A 429 is a refusal. A failure to connect (or to get a pooled connection) means nothing
    was sent. Anything after the request may have left (a read timeout, a dropped
    connection, a 5xx) could have created the job, so it is raised instead of repeated: a
    second attempt could import every profile twice, after a later one.
    """
    return isinstance(error, RateLimitError) or request_never_sent(error)


def job_may_exist(error: BaseException) -> bool:
    """Whether a bulk import job's start that failed with ``error`` may still have created the
    job (so that it may yet import its profiles): anything but a refusal before the request
    left (bad input, the client's own limiter or a closed client, a failure to connect) or a
    4xx answer.

    Example::

        job_may_exist(read_timeout_error)    # True: the server may have made the job
    """
    if isinstance(error, (InvalidInputError, RateLimitWaitError, ClientClosedError)):
        return False
    if isinstance(error, APIStatusError):
        return error.status_code >= 500
    return not request_never_sent(error)


def _log_fields(error: BaseException | None) -> tuple[str, str]:
    """Class name and status for logs: nothing from the body, headers or message."""
    if error is None:
        return "None", "-"
    status = str(error.status_code) if isinstance(error, APIStatusError) else "-"
    return type(error).__name__, status


class _Wait:
    """Backoff with jitter, and never less than a 429's ``Retry-After``."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy

    def __call__(self, state: RetryCallState) -> float:
        wait = self._policy.backoff(state.attempt_number)
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            # Capped here too, whoever built the error: time.sleep refuses a far-future
            # value and asyncio.sleep would never return.
            wait = max(wait, min(error.retry_after, LONGEST_RETRY_AFTER))
        return wait


class _Stop:
    """Stop at ``max_attempts`` or when the next wait would end past the time budget."""

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float], started: float) -> None:
        self._policy = policy
        self._clock = clock
        budget = policy.total_timeout
        self._deadline = math.inf if budget is None else started + budget

    def __call__(self, state: RetryCallState) -> bool:
        if state.attempt_number >= self._policy.max_attempts:
            reason = "attempts"
        elif self._clock() + state.upcoming_sleep > self._deadline:
            reason = "time budget"
        else:
            return False
        if self._policy.max_attempts == 1:
            return True  # retries are off: the error itself is the one signal, no "giving up"
        name, status = _log_fields(state.outcome.exception() if state.outcome else None)
        logger.warning(
            "giving up after attempt %d (%s exhausted): %s, status %s",
            state.attempt_number,
            reason,
            name,
            status,
        )
        return True


def _before_sleep(
    on_retry: Callable[[RetryEvent], None] | None,
) -> Callable[[RetryCallState], None]:
    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        name, status = _log_fields(error)
        logger.info(
            "attempt %d failed: %s, status %s; retrying in %.2f s",
            state.attempt_number,
            name,
            status,
            state.upcoming_sleep,
        )
        if on_retry is not None and error is not None:
            on_retry(RetryEvent(state.attempt_number, error, state.upcoming_sleep))

    return before_sleep


def _settings(
    policy: RetryPolicy,
    on_retry: Callable[[RetryEvent], None] | None,
    clock: Callable[[], float],
    started: float,
    retry_if: Callable[[BaseException], bool],
) -> dict[str, Any]:
    import tenacity

    return {
        "retry": tenacity.retry_if_exception(retry_if),
        "wait": _Wait(policy),
        "stop": _Stop(policy, clock, started),
        "before_sleep": _before_sleep(on_retry),
        # Re-raise the last error itself rather than tenacity's RetryError wrapper.
        "reraise": True,
    }


def retry_steps(
    attempt: Callable[[int], Steps[T]],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[RetryEvent], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    retry_if: Callable[[BaseException], bool] = is_retryable,
) -> Steps[T]:
    """The retry loop, as steps: ``attempt(number)`` until it returns, retried as the policy
    allows, each wait yielded as a :class:`~klaviyo_profiles._effects.Sleep`.

    This is the one retry loop of the library: the clients drive it, and
    :func:`call_with_retries` / :func:`acall_with_retries` are thin drivers over it.
    """
    started = clock()
    # Fast path: most calls succeed at once, and setting up tenacity costs more than the
    # attempt's own bookkeeping, so the first attempt runs outside it. Only a retryable
    # failure enters tenacity, which replays that failure as its attempt 1: the same waits,
    # stops, logs and on_retry events as if tenacity had run it.
    try:
        return (yield from attempt(1))
    except Exception as error:
        if not retry_if(error):
            raise
        first = error
    import tenacity

    retrying = tenacity.Retrying(**_settings(policy, on_retry, clock, started, retry_if))
    return (yield from tenacity_steps(retrying, attempt, first=first))


def tenacity_steps(
    retrying: tenacity.Retrying,
    attempt: Callable[[int], Steps[T]],
    *,
    first: Exception | None = None,
) -> Steps[T]:
    """Run ``attempt`` under ``retrying``'s own decisions (``Retrying.iter``: retry, wait,
    stop, callbacks, re-raising), yielding each wait as a ``Sleep`` instead of sleeping.
    ``first``, if given, is replayed as attempt 1's failure.

    The same decision loop runs ``tenacity.Retrying`` and ``AsyncRetrying``; here it runs
    under either driver, so retrying and polling are written once for both clients.
    """
    import tenacity

    retrying.begin()
    state = tenacity.RetryCallState(retrying, fn=None, args=(), kwargs={})
    while True:
        action = retrying.iter(state)
        if isinstance(action, tenacity.DoAttempt):
            try:
                if first is not None:
                    replayed, first = first, None
                    raise replayed
                result = yield from attempt(state.attempt_number)
            # Exception only: GeneratorExit and cancellation are the driver's to propagate.
            except Exception:
                state.set_exception(sys.exc_info())  # type: ignore[arg-type]
            else:
                state.set_result(result)
        elif isinstance(action, tenacity.DoSleep):
            state.prepare_for_next_attempt()
            yield Sleep(float(action))
        else:
            return action  # type: ignore[no-any-return]


def _now(send: Callable[[int], T], number: int) -> Steps[T]:
    return send(number)
    yield  # pragma: no cover - makes this a generator: a plain call, no effect


def _awaited(send: Callable[[int], Awaitable[T]], number: int) -> Steps[T]:
    result: T = yield Await(send(number))
    return result


def call_with_retries(
    send: Callable[[int], T],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[RetryEvent], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    retry_if: Callable[[BaseException], bool] = is_retryable,
) -> T:
    """Call ``send(attempt_number)`` until it returns, retrying as the policy allows.

    ``send`` performs one request and raises this library's errors; its argument is the
    1-based attempt number, so the caller can record how many attempts a result took.
    ``retry_if`` decides which errors are retried (default :func:`is_retryable`; a request
    that must never be repeated once it may have reached the server narrows it).
    ``sleep`` and ``clock`` exist for tests.

    Example::

        def send(attempt: int) -> ProfileResult:
            limiter.acquire()
            return do_request(attempt)

        result = call_with_retries(send, RetryPolicy())
    """
    steps = retry_steps(
        functools.partial(_now, send), policy, on_retry=on_retry, clock=clock, retry_if=retry_if
    )
    return run_plain(steps, sleep)


async def acall_with_retries(
    send: Callable[[int], Awaitable[T]],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[RetryEvent], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.monotonic,
    retry_if: Callable[[BaseException], bool] = is_retryable,
) -> T:
    """The coroutine form of :func:`call_with_retries`; waits with ``sleep`` (default
    ``asyncio.sleep``).

    Example::

        async def send(attempt: int) -> ProfileResult:
            await limiter.acquire_async()
            return await do_request(attempt)

        result = await acall_with_retries(send, RetryPolicy())
    """
    steps = retry_steps(
        functools.partial(_awaited, send),
        policy,
        on_retry=on_retry,
        clock=clock,
        retry_if=retry_if,
    )
    # Imported where it is used: a coroutine runs in an event loop, so asyncio is loaded by
    # then, and programs that never use one do not import it with this module.
    import asyncio

    return await arun_plain(steps, sleep if sleep is not None else asyncio.sleep)
