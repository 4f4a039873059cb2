"""What one running sandbox holds (profiles, jobs, windows, faults, the request log), shared by
its routes and its Python API."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from starlette.concurrency import run_in_threadpool

from . import validation
from .config import (
    BULK_OPERATIONS,
    SINGLE_OPERATION,
    SandboxConfig,
    faults_from,
    jobs_from,
    operation_rate_limits_from,
    rate_limits_from,
)
from .faults import FaultInjector
from .job_queue import JobQueue
from .store import ProfileStore
from .windows import WindowCounter

#: Seconds between the job ticker's rounds (see :mod:`.job_queue`): short enough that a round has
#: little to do at the default speeds, long enough to cost nothing when idle.
_JOB_TICK = 0.1
_CONFIG_SECTIONS = ("rate_limits", "operation_rate_limits", "faults", "jobs", "revisions")


@dataclass
class SandboxState:
    """Everything one running sandbox holds; shared by its routes and its Python API."""

    initial: SandboxConfig
    config: SandboxConfig = field(init=False)
    store: ProfileStore = field(default_factory=ProfileStore)
    limiter: WindowCounter = field(init=False)
    #: Windows of the bulk import operations, one limiter each, by operation id.
    operation_limiters: dict[str, WindowCounter] = field(init=False)
    faults: FaultInjector = field(init=False)
    jobs: JobQueue = field(init=False)
    log: deque[dict[str, Any]] = field(init=False)
    #: Open connections by client address; filled by the server's protocol class so that a
    #: route can close its own connection to simulate a dropped response.
    connections: dict[tuple[str, int], asyncio.BaseTransport] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.config = self.initial
        self.limiter = WindowCounter(self.initial.rate_limits)
        self.operation_limiters = {
            name: WindowCounter(self.initial.rate_limits_for(name)) for name in BULK_OPERATIONS
        }
        self.faults = FaultInjector(self.initial.faults)
        self.jobs = JobQueue(self.store, self.initial.jobs, tick=_JOB_TICK)
        self.log = deque(maxlen=self.initial.request_log_size)

    def limiter_for(self, operation_id: str) -> WindowCounter:
        """The limiter of one operation's windows."""
        if operation_id == SINGLE_OPERATION:
            return self.limiter
        return self.operation_limiters[operation_id]

    def reset(self) -> None:
        """Back to the state right after start: no profiles, no jobs, no log, fresh counters and
        the configuration the sandbox was started with."""
        with self.lock:
            self.jobs.clear()
            self.jobs.configure(self.initial.jobs)
            self.store.clear()
            self.log.clear()
            self.config = self.initial
            self.limiter.configure(self.initial.rate_limits)
            for name, limiter in self.operation_limiters.items():
                limiter.configure(self.initial.rate_limits_for(name))
            self.faults.configure(self.initial.faults)

    def update(self, changes: Mapping[str, Any]) -> SandboxConfig:
        """Apply ``{"rate_limits": {...}, "operation_rate_limits": {"<operation id>": {...}},
        "faults": {...}, "jobs": {...}, "revisions": [...] or None}`` (all optional)."""
        unknown = sorted(set(changes) - set(_CONFIG_SECTIONS))
        if unknown:
            raise ValueError(f"unknown config sections: {', '.join(unknown)}")
        with self.lock:
            config = self.config
            if "rate_limits" in changes:
                limits = rate_limits_from(changes["rate_limits"], config.rate_limits)
                config = replace(config, rate_limits=limits)
                self.limiter.configure(limits)
            if "operation_rate_limits" in changes:
                by_operation = operation_rate_limits_from(
                    changes["operation_rate_limits"], config.operation_rate_limits
                )
                config = replace(config, operation_rate_limits=by_operation)
                for name in changes["operation_rate_limits"]:
                    self.operation_limiters[name].configure(by_operation[name])
            if "jobs" in changes:
                jobs = jobs_from(changes["jobs"], config.jobs)
                config = replace(config, jobs=jobs)
                self.jobs.configure(jobs)
            if "faults" in changes:
                faults = faults_from(changes["faults"], config.faults)
                config = replace(config, faults=faults)
                self.faults.configure(faults)
            if "revisions" in changes and changes["revisions"] is None:
                config = replace(config, revisions=None)
            elif "revisions" in changes:
                revisions = tuple(str(r) for r in changes["revisions"])
                bad = [r for r in revisions if not validation.REVISION_PATTERN.match(r)]
                if not revisions or bad:
                    raise ValueError(f"revisions must be YYYY-MM-DD[.suffix], got {bad or 'none'}")
                config = replace(config, revisions=revisions)
            self.config = config
            return config

    def record(self, entry: dict[str, Any]) -> None:
        """Add one entry to the request log."""
        with self.lock:
            self.log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        """The request log, oldest first."""
        with self.lock:
            entries = list(self.log)
        return [_decoded(entry) for entry in entries]


def _decoded(entry: dict[str, Any]) -> dict[str, Any]:
    """A log entry as read: a body kept as bytes (bulk jobs) decoded, like every other one."""
    if "body_bytes" not in entry:
        return entry
    shown = {name: value for name, value in entry.items() if name != "body_bytes"}
    # It passed the strict decoder when it was received, so the standard one reads it alike.
    shown["body"] = json.loads(entry["body_bytes"])
    return shown


async def advance_jobs(state: SandboxState) -> None:
    """Bring bulk import jobs up to now before a request is handled, so that it sees every
    job profile due before it arrived (see :mod:`.job_queue`); off the event loop when there is
    work, as a long stretch of profiles would otherwise hold up every other connection."""
    if state.jobs.busy:
        await run_in_threadpool(state.jobs.advance)
