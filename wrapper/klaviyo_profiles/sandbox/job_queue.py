"""Bulk profile import jobs: what a job holds, and how the sandbox moves it along.

A job's progress is a function of the clock, computed when someone looks (lazy), not pushed by
a background task that owns it. Every route and every admin read calls
:meth:`JobQueue.advance` first, which applies, in order, each profile whose turn has come by
now. Why this rather than an asyncio task in the server loop or a worker thread that sleeps
between profiles:

* what a client observes (status, counts, timestamps) follows ``BulkJobConfig`` exactly,
  whatever the load on the machine: a busy loop delays a task, never the clock;
* correctness needs nothing running between requests, so the model is the same under
  ``Sandbox``, ``serve()`` or any ASGI test client, and a stopped server leaves no task behind;
* ordering against Create or Update Profile is exact: a single upsert arriving at time *t*
  sees every job profile due before *t* applied, and none due after.

The cost is that the request which observes progress does the work (about 0.13 ms a
profile); the routes run it off the event loop. So that a long gap between requests (a client
killed and restarted, say) does not leave one request a backlog of thousands of profiles, a
sandbox also has a daemon thread call ``advance`` every ``tick`` seconds while a job is
unfinished; it only keeps the backlog short, since what is due is still decided by the clock.

Scheduling: a job is ``queued`` until ``queue_delay`` has passed and one of ``concurrency``
workers is free (in creation order), then ``processing`` at ``profiles_per_second`` until all
its profiles are done (``complete``) or its cancel point is reached (``cancelled``).

Applying one profile follows Create or Update Profile with two differences, as Klaviyo
documents for bulk import: a ``null`` anywhere leaves the stored value unchanged, and a profile
the single endpoint would refuse on semantic grounds (bad email or phone, no identifier,
conflicting identifiers, unknown id) becomes an import error while the job goes on.
"""

from __future__ import annotations

import copy
import heapq
import math
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from . import validation
from .config import BulkJobConfig
from .error_responses import ErrorResponse, error_object
from .store import ProfileStore, new_profile_id

QUEUED = "queued"
PROCESSING = "processing"
COMPLETE = "complete"
CANCELLED = "cancelled"
#: Statuses after which a job never changes again.
FINAL_STATUSES = (COMPLETE, CANCELLED)

#: Where the profiles of a job are in its request body.
PROFILES_POINTER: tuple[str, ...] = ("data", "attributes", "profiles", "data")


def profile_pointer(index: int) -> str:
    """The JSON pointer of the profile at ``index`` in a job's request."""
    return "/" + "/".join((*PROFILES_POINTER, str(index)))


def _timestamp(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


def without_nulls(value: Any) -> Any:
    """``value`` with every ``null`` member removed, at any depth, as a bulk job ignores them.

    An object left empty only because its members were null goes too, so that sending
    ``{"location": {"city": null}}`` changes nothing rather than merging an empty object.
    List items are values, not fields, and stay as sent.
    """
    if not isinstance(value, dict):
        return value
    kept: dict[str, Any] = {}
    for name, member in value.items():
        if member is None:
            continue
        if isinstance(member, dict) and member:
            stripped = without_nulls(member)
            if not stripped:
                continue
            kept[name] = stripped
        else:
            kept[name] = member
    return kept


@dataclass(frozen=True)
class ImportErrorRecord:
    """One profile of a job that could not be imported."""

    id: str
    index: int
    code: str
    title: str
    detail: str
    original_payload: Any

    @property
    def pointer(self) -> str:
        """Where the profile is in the job's request."""
        return profile_pointer(self.index)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view for the admin surface."""
        return {
            "id": self.id,
            "index": self.index,
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
            "pointer": self.pointer,
            "original_payload": copy.deepcopy(self.original_payload),
        }


@dataclass
class Job:
    """A bulk profile import job as the sandbox holds it (read copies through ``JobQueue``)."""

    id: str
    #: The profile resource objects as sent, in request order (empty in copies).
    profiles: list[Any]
    #: How many profiles the job was given.
    total: int
    lists: list[str]
    created: float
    #: When the queue delay is over and the job may start.
    ready_at: float
    expires: float
    #: Profiles after which the job ends ``cancelled`` (``None``: it runs to the end).
    cancel_at: int | None = None
    status: str = QUEUED
    started: float | None = None
    finished: float | None = None
    processed: int = 0
    errors: list[ImportErrorRecord] = field(default_factory=list)
    # Progress since (base_time, base_count) at the speed then in force; rebased on changes.
    base_time: float = 0.0
    base_count: int = 0

    @property
    def failed(self) -> int:
        """How many of the processed profiles could not be imported."""
        return len(self.errors)

    @property
    def stop_at(self) -> int:
        """The count of processed profiles at which the job ends."""
        return self.total if self.cancel_at is None else min(self.cancel_at, self.total)

    @property
    def done(self) -> bool:
        """Whether the job has ended (``complete`` or ``cancelled``)."""
        return self.status in FINAL_STATUSES

    def attributes(self) -> dict[str, Any]:
        """The job's attributes as the job routes answer them."""
        return {
            "status": self.status,
            "created_at": _timestamp(self.created),
            "total_count": self.total,
            "completed_count": self.processed,
            "failed_count": self.failed,
            "completed_at": _timestamp(self.finished),
            "expires_at": _timestamp(self.expires),
            "started_at": _timestamp(self.started),
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary for the admin surface (profiles and errors left out)."""
        return {"id": self.id, **self.attributes(), "lists": list(self.lists)}


class JobQueue:
    """Thread-safe bulk import jobs of one sandbox, applied to its ``ProfileStore``."""

    def __init__(
        self,
        store: ProfileStore,
        config: BulkJobConfig,
        clock: Callable[[], float] = time.time,
        *,
        tick: float | None = None,
    ) -> None:
        self._tick = tick
        self._ticker: threading.Thread | None = None
        self._closed = threading.Event()
        self._store = store
        self._config = config
        self._clock = clock
        # Reentrant: advance() runs inside the other methods that hold it.
        self._lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._queued: list[Job] = []
        self._running: list[Job] = []
        self._free_at: list[float] = [-math.inf] * config.concurrency

    @property
    def config(self) -> BulkJobConfig:
        """The settings in force."""
        return self._config

    @property
    def busy(self) -> bool:
        """Whether any job has yet to end (when not, ``advance`` has nothing to do)."""
        return bool(self._queued or self._running)

    def configure(self, config: BulkJobConfig) -> None:
        """New settings; progress made so far stands, and jobs go on at the new speed."""
        with self._lock:
            now = self._clock()
            self._advance(now)
            for job in self._running:
                job.base_time, job.base_count = now, job.processed
            # Jobs running keep their workers; the free ones are what the new count leaves.
            free = max(0, config.concurrency - len(self._running))
            kept = sorted(self._free_at)[:free]
            self._free_at = kept + [now] * (free - len(kept))
            heapq.heapify(self._free_at)
            self._config = config
            self._advance(now)

    def clear(self) -> None:
        """Forget every job."""
        with self._lock:
            self._jobs.clear()
            self._queued.clear()
            self._running.clear()
            self._free_at = [-math.inf] * self._config.concurrency
            heapq.heapify(self._free_at)

    def submit(self, profiles: Sequence[Any], lists: Sequence[str], *, cancel: bool) -> Job:
        """Queue a job for ``profiles`` (validated resource objects) and return a copy of it.

        ``cancel`` makes it end ``cancelled`` once ``cancel_after`` of it is processed.
        """
        with self._lock:
            now = self._clock()
            self._advance(now)
            config = self._config
            job = Job(
                id=new_profile_id(),
                profiles=list(profiles),
                total=len(profiles),
                lists=list(lists),
                created=now,
                ready_at=now + config.queue_delay,
                expires=now + config.expires_after,
                cancel_at=math.floor(len(profiles) * config.cancel_after) if cancel else None,
            )
            self._jobs[job.id] = job
            self._queued.append(job)
            self._advance(now)
            self._start_ticker()
            return self._copy(job)

    def close(self) -> None:
        """Stop the ticker thread (the sandbox is stopping); reads still advance the jobs."""
        self._closed.set()
        ticker = self._ticker
        if ticker is not None and ticker is not threading.current_thread():
            ticker.join(5.0)

    def reopen(self) -> None:
        """Let the ticker run again after ``close`` (the sandbox is starting again)."""
        with self._lock:
            self._closed.clear()
            self._ticker = None
            if self.busy:
                self._start_ticker()

    def _start_ticker(self) -> None:
        if self._tick is None or self._closed.is_set():
            return
        if self._ticker is not None and self._ticker.is_alive():
            return
        self._ticker = threading.Thread(
            target=self._run_ticker, name="klaviyo-sandbox-jobs", daemon=True
        )
        self._ticker.start()

    def _run_ticker(self) -> None:
        assert self._tick is not None
        # Ends once no job is unfinished; the next submit starts another. Bounded by the jobs.
        while not self._closed.wait(self._tick):
            with self._lock:
                if not self.busy:
                    self._ticker = None
                    return
                self._advance(self._clock())

    def get(self, job_id: str) -> Job | None:
        """A copy of one job as of now (without its profiles), or ``None``."""
        with self._lock:
            self.advance()
            job = self._jobs.get(job_id)
            return self._copy(job) if job is not None else None

    def all(self) -> list[Job]:
        """Copies of every job as of now (without their profiles), oldest first."""
        with self._lock:
            self.advance()
            return [self._copy(job) for job in self._jobs.values()]

    def errors(self, job_id: str) -> list[ImportErrorRecord] | None:
        """The import errors of one job so far, by index, or ``None`` for an unknown job."""
        with self._lock:
            self.advance()
            job = self._jobs.get(job_id)
            return list(job.errors) if job is not None else None

    def cancel(self, job_id: str) -> Job | None:
        """End a job now as ``cancelled`` (one that has ended stays as it is)."""
        with self._lock:
            now = self._clock()
            self._advance(now)
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if not job.done:
                if job in self._queued:
                    self._queued.remove(job)
                else:
                    self._running.remove(job)
                    self._release(now)
                self._end(job, CANCELLED, now)
                self._advance(now)
            return self._copy(job)

    def finish(self) -> None:
        """Run every job to its end now, whatever the configured speed (for tests and demos)."""
        with self._lock:
            now = self._clock()
            for job in [*self._running, *self._queued]:
                self._process(job, job.stop_at)
                if job.started is None:
                    job.started = now
                self._end(job, CANCELLED if job.cancel_at is not None else COMPLETE, now)
            self._queued.clear()
            self._running.clear()
            self._free_at = [now] * self._config.concurrency

    def advance(self) -> None:
        """Apply every profile whose turn has come by now."""
        if not self.busy:
            return
        with self._lock:
            self._advance(self._clock())

    # ---- internals (lock held)

    def _advance(self, now: float) -> None:
        speed = self._config.profiles_per_second
        progressed = True
        while progressed:
            progressed = False
            for job in list(self._running):
                due = job.base_count + math.floor((now - job.base_time) * speed + 1e-9)
                self._process(job, min(due, job.stop_at))
                if job.processed >= job.stop_at:
                    end = job.base_time + (job.stop_at - job.base_count) / speed
                    finished = min(max(end, job.started or end), now)
                    self._end(job, CANCELLED if job.cancel_at is not None else COMPLETE, finished)
                    self._running.remove(job)
                    self._release(finished)
                    progressed = True
            while self._queued and self._free_at:
                job = self._queued[0]
                start = max(job.ready_at, self._free_at[0])
                if start > now:
                    break
                heapq.heappop(self._free_at)
                self._queued.pop(0)
                job.status, job.started = PROCESSING, start
                job.base_time, job.base_count = start, 0
                self._running.append(job)
                progressed = True

    @staticmethod
    def _end(job: Job, status: str, when: float) -> None:
        job.status, job.finished = status, when
        # An ended job needs its profiles no more (import errors keep their own), and a
        # sync of 200,000 rows would otherwise hold every one of them until a reset.
        job.profiles = []

    def _release(self, when: float) -> None:
        # A worker freed by a job is free again unless the count has since been lowered.
        if len(self._free_at) + len(self._running) < self._config.concurrency:
            heapq.heappush(self._free_at, when)

    def _process(self, job: Job, upto: int) -> None:
        while job.processed < upto:
            index = job.processed
            error = self._apply(job.profiles[index])
            if error is not None:
                job.errors.append(
                    ImportErrorRecord(
                        id=str(uuid.uuid4()),
                        index=index,
                        code=str(error["code"]),
                        title=str(error["title"]),
                        detail=str(error["detail"]),
                        original_payload=job.profiles[index],
                    )
                )
            job.processed += 1

    def _apply(self, profile: Mapping[str, Any]) -> dict[str, Any] | None:
        """Apply one profile; the error object it fails with, or ``None``."""
        data = without_nulls(profile)
        problems = validation.semantic_problems(data)
        if not problems:
            try:
                self._store.upsert(data)
                return None
            except ErrorResponse as error:
                problems = error.errors
        first = problems[0]
        detail = "; ".join(str(problem["detail"]) for problem in problems)
        return error_object(int(first["status"]), str(first["code"]), detail)

    @staticmethod
    def _copy(job: Job) -> Job:
        snapshot = copy.copy(job)
        snapshot.profiles = []
        snapshot.errors = list(job.errors)
        snapshot.lists = list(job.lists)
        return snapshot
