"""Waiting for a bulk import job: when to read it again, when to give up. Written once, as
steps, for both clients; tenacity makes the decisions.

A read the client's own limiter refuses (it would wait past the read's ``total_timeout``:
``RateLimitWaitError``, nothing sent) says nothing of the job: it is read again once the
limiter's hold has passed, within ``job_timeout``, and never fails the wait by itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import attrs

from ._effects import Steps
from .errors import BulkImportJobTimeoutError, RateLimitWaitError
from .result import BulkImportJob
from .retries import tenacity_steps
from .settings import check_seconds

__all__ = ["Polling", "check_polling", "poll_settings", "poll_steps", "poll_timed_out"]


@attrs.frozen
class Polling:
    """How a job is waited for (checked when the wait starts, by :func:`poll_settings`).

    Attributes:
        interval: seconds before the first read again; each wait is half as long again.
        max_interval: the longest wait between two reads.
        timeout: seconds after which the wait gives up (``None``: never); the calls name it
            ``job_timeout=``.
        since: when ``timeout`` counts from (``time.monotonic()``): the job's start, where the
            caller started the job; ``None``, when the wait starts.
    """

    interval: float = 1.0
    max_interval: float = 30.0
    timeout: float | None = None
    since: float | None = None


def check_polling(polling: Polling) -> Polling:
    """``polling`` as given, once its settings are checked (``InvalidInputError`` naming the
    argument): before anything is sent, even where the wait starts later."""
    check_seconds(polling.interval, "poll_interval")
    check_seconds(polling.max_interval, "max_poll_interval")
    if polling.timeout is not None:
        check_seconds(polling.timeout, "job_timeout", allow_zero=True)
    return polling


def poll_timed_out(
    job_id: str,
    timeout: float | None,
    last: Callable[[], BulkImportJob | None] | None = None,
) -> Callable[[Any], Any]:
    """tenacity's ``retry_error_callback`` for a wait that ran out: the timeout error, naming
    the job as last read (by the last attempt, or ``last()`` when that read was refused)."""

    def timed_out(state: Any) -> Any:
        job = state.outcome.result() if state.outcome is not None else None
        if job is None and last is not None:
            job = last()
        raise BulkImportJobTimeoutError(job_id, job, timeout or 0.0)

    return timed_out


def poll_settings(
    poll_interval: float,
    max_poll_interval: float,
    timeout: float | None,
    clock: Callable[[], float],
    *,
    since: float | None = None,
    hold: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """tenacity settings that call ``get`` until the job is done, with growing waits.

    Waits start at ``poll_interval`` and grow by half each time up to ``max_poll_interval``
    (a job's processing time is unknown; early polls catch small jobs, later ones cost few
    requests of the operation's windows). The last wait is cut to end at the deadline
    (``timeout`` after ``since``, or after now) so the job is read once more at it. A read
    that returns ``None`` (refused before sending) is made again, no sooner than ``hold()``
    seconds.
    """
    import tenacity

    check_polling(Polling(poll_interval, max_poll_interval, timeout))
    start = clock() if since is None else since
    deadline = math.inf if timeout is None else start + timeout
    backoff = tenacity.wait_exponential(
        multiplier=poll_interval,
        exp_base=1.5,
        min=poll_interval,
        max=max(poll_interval, max_poll_interval),
    )

    def wait(state: tenacity.RetryCallState) -> float:
        after = backoff(state) if hold is None else max(backoff(state), hold())
        return max(0.0, min(after, deadline - clock()))

    def stop(state: tenacity.RetryCallState) -> bool:
        return clock() >= deadline

    return {
        "retry": tenacity.retry_if_result(lambda job: job is None or not job.done),
        "wait": wait,
        "stop": stop,
    }


def poll_steps(
    read: Callable[[], Steps[BulkImportJob | float]],
    job_id: str,
    polling: Polling,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Steps[BulkImportJob]:
    """Read the job (``read()``: one read, as steps) until it is done, waiting as
    :func:`poll_settings` says; the settings are checked now, before any read. A read the
    limiter refused is made again later (see the module), and so is one that returns a
    number instead of the job (it failed only because retrying it would have waited past the
    deadline; the number is how long to hold off before reading again).

    Raises:
        BulkImportJobTimeoutError: still running at ``polling.timeout`` after
            ``polling.since`` (naming the job as last read).
    """
    import tenacity

    seen = _Seen()
    settings = poll_settings(
        polling.interval,
        polling.max_interval,
        polling.timeout,
        clock,
        since=polling.since,
        hold=seen.hold,
    )
    retrying = tenacity.Retrying(
        retry_error_callback=poll_timed_out(job_id, polling.timeout, seen.last), **settings
    )
    return tenacity_steps(retrying, lambda _number: _read_once(read, seen))


class _Seen:
    """What one wait has learnt: the job as last read, and how long the limiter's last
    refusal asked to hold off."""

    __slots__ = ("held", "job")

    def __init__(self) -> None:
        self.job: BulkImportJob | None = None
        self.held = 0.0

    def last(self) -> BulkImportJob | None:
        return self.job

    def hold(self) -> float:
        return self.held


def _read_once(read: Callable[[], Steps[BulkImportJob | float]], seen: _Seen) -> Steps[Any]:
    """One read: the job, or ``None`` when the limiter refused to wait for it (nothing was
    sent; what its hold asks beyond the read's budget is waited before the next) or the read
    said nothing of it (it returned how long to hold off instead)."""
    try:
        job = yield from read()
    except RateLimitWaitError as refused:
        seen.held = refused.wait - max(refused.remaining, 0.0)
        return None
    if not isinstance(job, BulkImportJob):
        seen.held = job
        return None
    seen.job, seen.held = job, 0.0
    return job
