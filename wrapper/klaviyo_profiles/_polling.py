"""Waiting for a bulk import job: when to read it again, when to give up. Written once, as
steps, for both clients; tenacity makes the decisions."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import attrs

from ._effects import Steps
from .errors import BulkImportJobTimeoutError
from .result import BulkImportJob
from .retries import tenacity_steps
from .settings import check_seconds

__all__ = ["Polling", "poll_settings", "poll_steps", "poll_timed_out"]


@attrs.frozen
class Polling:
    """How a job is waited for (checked when the wait starts, by :func:`poll_settings`).

    Attributes:
        interval: seconds before the first read again; each wait is half as long again.
        max_interval: the longest wait between two reads.
        timeout: seconds after which the wait gives up (``None``: never); the calls name it
            ``job_timeout=``.
    """

    interval: float = 1.0
    max_interval: float = 30.0
    timeout: float | None = None


def poll_timed_out(job_id: str, timeout: float | None) -> Callable[[Any], Any]:
    """tenacity's ``retry_error_callback`` for a wait that ran out: the timeout error, naming
    the job as last read."""

    def timed_out(state: Any) -> Any:
        job = state.outcome.result() if state.outcome is not None else None
        raise BulkImportJobTimeoutError(job_id, job, timeout or 0.0)

    return timed_out


def poll_settings(
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
        check_seconds(timeout, "job_timeout", allow_zero=True)
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


def poll_steps(
    read: Callable[[], Steps[BulkImportJob]],
    job_id: str,
    polling: Polling,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Steps[BulkImportJob]:
    """Read the job (``read()``: one read, as steps) until it is done, waiting as
    :func:`poll_settings` says; the settings are checked now, before any read.

    Raises:
        BulkImportJobTimeoutError: still running at ``polling.timeout``.
    """
    import tenacity

    settings = poll_settings(polling.interval, polling.max_interval, polling.timeout, clock)
    retrying = tenacity.Retrying(
        retry_error_callback=poll_timed_out(job_id, polling.timeout), **settings
    )
    return tenacity_steps(retrying, lambda _number: read())
