"""``create_or_update_profiles``, written once: the plan of one call (:class:`HybridPlan`) and
the engine that carries it out as steps (:func:`hybrid_steps`), for both clients.

The engine never performs I/O and never imports a client: the client hands in its operations
(:class:`HybridOperations`: one upsert, a job's start, a job's settling, each as steps) and its
driver performs what the steps yield. Sub-tasks (a group of rows sent one by one, a job being
settled) return their outcomes; only the coordinating steps record them, in the caller's
thread or task, so no outcome is written from two threads.

The list API is the case of one window holding every profile: each is checked before anything
is sent. A streaming engine can take the input in windows and reuse the same operations, the
same routing (``_routing``) and the same identity rule (``identity``) per window.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol, TypeVar, cast

import attrs
from klaviyo_profile_import import facts

from . import _generated
from ._effects import Spawn, Steps, TaskHandle, Wait
from ._generated import payloads as _payloads
from ._polling import Polling
from ._prepare import (
    BulkChunker,
    PreparedProfile,
    ProfileInput,
    check_lists,
    chunk_profiles,
    prepare_profiles,
    stored_membership,
)
from ._routing import (
    check_via,
    failed_outcomes,
    identity_groups,
    job_outcomes,
    plan_routes,
)
from .errors import InvalidInputError, KlaviyoError
from .result import (
    BulkImportErrorEntry,
    BulkImportJob,
    ProfileOutcome,
    ProfileResult,
)

__all__ = ["HybridOperations", "HybridPlan", "hybrid_steps", "side_by_side"]

T = TypeVar("T")
_logger = logging.getLogger("klaviyo_profiles")


class HybridOperations(Protocol):
    """What the engine asks of a client, each as steps (never performed here)."""

    def upsert_steps(self, body: _payloads.ProfileUpsertQuery) -> Steps[ProfileResult]:
        """Create or Update Profile for one checked body."""

    def start_job_steps(
        self, profiles: Sequence[PreparedProfile], lists: Sequence[str]
    ) -> Steps[BulkImportJob]:
        """Start one job (raising ``InvalidInputError`` before any I/O, as the public call)."""

    def settle_job_steps(
        self, job_id: str, polling: Polling
    ) -> Steps[tuple[BulkImportJob, list[BulkImportErrorEntry]]]:
        """Wait for a job to finish, then read its import errors if it counts any."""


class _MembershipUnknownError(KlaviyoError):
    """A row sent one by one could not be added to the lists: the answer named no profile."""

    def __init__(self) -> None:
        super().__init__(
            "the profile was created or updated, but the answer named no profile id, so it was "
            "not added to the lists (a job naming it by the row's identifiers could set back "
            "one that a later row changed)"
        )


class HybridPlan:
    """The state of one ``create_or_update_profiles`` call: the checked profiles, where each
    goes, and the outcomes as they arrive (recorded by :func:`hybrid_steps` from one thread
    or task; the lock stays for other users of this class)."""

    def __init__(
        self,
        profiles: Iterable[ProfileInput],
        via: object,
        lists: Sequence[str],
        max_job_size: int | None,
        concurrency: int,
    ) -> None:
        checked_via = check_via(via)
        self.lists = check_lists(lists)
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidInputError("concurrency", "a positive integer", f"got {concurrency!r}")
        if isinstance(profiles, (str, bytes, Mapping)) or not isinstance(profiles, Iterable):
            raise InvalidInputError(
                "profiles", "an iterable of profiles", f"got {type(profiles).__name__}"
            )
        if checked_via == "bulk" or self.lists:
            _generated.require()  # nothing is sent when what was asked for needs jobs
        if _generated.bulk_jobs_available():
            BulkChunker(lists=self.lists, max_items=max_job_size)  # checks max_job_size now
        self.max_job_size = max_job_size
        self.concurrency = concurrency
        self.prepared = list(prepare_profiles(profiles))
        self.bulk_rows, self.single_rows = plan_routes(self.prepared, checked_via)
        if checked_via == "auto" and not _generated.bulk_jobs_available():
            _logger.warning(
                "revision %s has no bulk import jobs (%s): every profile goes one by one "
                "through Create or Update Profile",
                facts.REVISION,
                ", ".join(_generated.missing_job_operations()),
            )
        # With lists: one identifier-only profile per stored profile the rows sent one by one
        # reached, and those rows (see membership_chunks).
        self._members: list[tuple[PreparedProfile, tuple[int, ...]]] = []
        self._outcomes: list[ProfileOutcome | None] = [None] * len(self.prepared)
        self._lock = threading.Lock()

    def chunks(self) -> Iterator[list[int]]:
        """The input positions of each job, in order."""
        if not self.bulk_rows:  # no chunker: a revision without jobs has no limits for one
            return iter(())
        return chunk_profiles(
            self.bulk_rows,
            size=lambda row: self.prepared[row].size,
            lists=self.lists,
            max_items=self.max_job_size,
        )

    def job_profiles(self, rows: Sequence[int]) -> list[PreparedProfile]:
        """The prepared profiles at ``rows``."""
        return [self.prepared[row] for row in rows]

    def single_groups(self) -> list[list[int]]:
        """The rows sent one by one, grouped by shared identity (see :func:`identity_groups`)."""
        return identity_groups(self.prepared, self.single_rows)

    def body(self, row: int) -> _payloads.ProfileUpsertQuery:
        """The Create or Update Profile body of ``row`` (checked already)."""
        return cast(_payloads.ProfileUpsertQuery, self.prepared[row].body)

    def record(self, outcomes: Iterable[ProfileOutcome], *, membership: bool = False) -> None:
        """Keep these outcomes (with ``membership``: those of a job adding the rows sent one
        by one to the lists, by member, see :meth:`membership_chunks`)."""
        if membership:
            self._add_membership(outcomes)
            return
        with self._lock:
            for outcome in outcomes:
                self._outcomes[outcome.index] = outcome

    def job_done(
        self,
        job: BulkImportJob,
        rows: Sequence[int],
        entries: Iterable[BulkImportErrorEntry],
        *,
        membership: bool = False,
    ) -> None:
        """Keep the outcomes of a finished job."""
        self.record(job_outcomes(job, rows, entries), membership=membership)

    def job_failed(
        self,
        rows: Sequence[int],
        error: KlaviyoError,
        job_id: str | None,
        *,
        membership: bool = False,
    ) -> None:
        """Every row of a job that could not be started or followed failed with ``error``."""
        self.record(failed_outcomes(rows, error, job_id=job_id), membership=membership)

    def _add_membership(self, outcomes: Iterable[ProfileOutcome]) -> None:
        # ``outcomes`` are by member (see membership_chunks); each counts for the member's
        # rows. A row sent one by one stays "single"; joining the lists failing makes it fail.
        with self._lock:
            for outcome in outcomes:
                if outcome.ok:
                    continue
                for row in self._members[outcome.index][1]:
                    self._fail_row(row, outcome.error, outcome.job_id)

    def _fail_row(
        self, row: int, error: KlaviyoError | BulkImportErrorEntry | None, job_id: str | None
    ) -> None:
        current = self._outcomes[row]
        if current is not None and current.ok:
            self._outcomes[row] = attrs.evolve(current, ok=False, job_id=job_id, error=error)

    def membership_chunks(self) -> Iterator[list[int]]:
        """With ``lists``, once every row sent one by one has its outcome: the profiles those
        rows reached, in jobs that add them to the lists, as member numbers (see
        :meth:`membership_profiles`).

        One member per stored profile (by the id each answer named), built by
        :func:`stored_membership`, so that no job sets back an identifier a later row
        changed or cleared. A row whose answer named no profile fails instead.
        """
        if not self.lists:
            return iter(())
        by_profile: dict[str, list[int]] = {}
        with self._lock:
            for row in self.single_rows:
                outcome = self._outcomes[row]
                if outcome is None or not outcome.ok:
                    continue
                profile_id = outcome.result.profile_id if outcome.result is not None else None
                if profile_id:
                    by_profile.setdefault(profile_id, []).append(row)
                else:
                    self._fail_row(row, _MembershipUnknownError(), None)
            self._members = []
            for profile_id, rows in by_profile.items():
                results = [self._result(row) for row in rows]
                self._members.append((stored_membership(profile_id, results), tuple(rows)))
        return chunk_profiles(
            range(len(self._members)),
            size=lambda member: self._members[member][0].size,
            lists=self.lists,
            max_items=self.max_job_size,
        )

    def _result(self, row: int) -> ProfileResult:
        outcome = self._outcomes[row]
        assert outcome is not None and outcome.result is not None  # checked by the caller
        return outcome.result

    def membership_profiles(self, members: Sequence[int]) -> list[PreparedProfile]:
        """The identifier-only profiles of ``members`` (numbers from :meth:`membership_chunks`)."""
        return [self._members[member][0] for member in members]

    def outcomes(self) -> list[ProfileOutcome]:
        """Every outcome, in input order."""
        with self._lock:
            missing = [row for row, outcome in enumerate(self._outcomes) if outcome is None]
            if missing:  # pragma: no cover - every path records an outcome
                raise AssertionError(f"no outcome for rows {missing[:10]}")
            return [outcome for outcome in self._outcomes if outcome is not None]


def hybrid_steps(
    ops: HybridOperations, plan: HybridPlan, polling: Polling
) -> Steps[list[ProfileOutcome]]:
    """Carry out ``plan``: start its jobs (one request at a time), send the rows that go one
    by one while the jobs are settled, then add those rows' profiles to the lists, if any.
    Returns every outcome, in input order."""
    jobs: list[tuple[str, list[int]]] = []
    for rows in plan.chunks():
        try:
            job = yield from ops.start_job_steps(plan.job_profiles(rows), plan.lists)
        except KlaviyoError as exc:
            plan.record(failed_outcomes(rows, exc))
        else:
            jobs.append((job.id, rows))
    # The rows sent one by one share no identity with any row in a job, so they go while
    # the jobs are processed.
    singles = [_single_steps(ops, plan, group) for group in plan.single_groups()]
    settles = [_settle_steps(ops, job_id, rows, polling) for job_id, rows in jobs]
    for outcomes in (yield from side_by_side(singles, limit=plan.concurrency, beside=settles)):
        plan.record(outcomes)
    for members in plan.membership_chunks():
        try:
            job = yield from ops.start_job_steps(plan.membership_profiles(members), plan.lists)
        except KlaviyoError as exc:
            plan.job_failed(members, exc, None, membership=True)
        else:
            plan.record((yield from _settle_steps(ops, job.id, members, polling)), membership=True)
    return plan.outcomes()


def _single_steps(
    ops: HybridOperations, plan: HybridPlan, group: list[int]
) -> Steps[list[ProfileOutcome]]:
    """The rows of one identity group, one after another, in input order."""
    outcomes: list[ProfileOutcome] = []
    for row in group:
        try:
            result = yield from ops.upsert_steps(plan.body(row))
        except KlaviyoError as exc:
            outcomes.append(ProfileOutcome(index=row, ok=False, via="single", error=exc))
        else:
            outcomes.append(ProfileOutcome(index=row, ok=True, via="single", result=result))
    return outcomes


def _settle_steps(
    ops: HybridOperations, job_id: str, rows: list[int], polling: Polling
) -> Steps[list[ProfileOutcome]]:
    """The outcomes of a started job's rows, once it is settled (or could not be)."""
    try:
        job, entries = yield from ops.settle_job_steps(job_id, polling)
    except KlaviyoError as exc:
        return failed_outcomes(rows, exc, job_id=job_id)
    return job_outcomes(job, rows, entries)


def side_by_side(
    steps: Sequence[Steps[T]], *, limit: int, beside: Sequence[Steps[T]] = ()
) -> Steps[list[T]]:
    """Run ``beside`` all at once and ``steps`` at most ``limit`` at a time, as sub-tasks; the
    results of ``steps`` then of ``beside``, in the order given.

    With ``limit == 1``, or one task in all, everything runs here, one after another (no
    sub-task, no thread). A sub-task's exception is raised here when its result is taken;
    the driver then stops the others.
    """
    total = len(steps) + len(beside)
    results: list[Any] = []
    if limit == 1 or total <= 1:
        for one in (*steps, *beside):
            results.append((yield from one))
        return results
    results = [None] * total
    width = min(limit, len(steps)) + len(beside)
    running: dict[TaskHandle, int] = {}
    for position, one in enumerate(beside, start=len(steps)):
        running[(yield Spawn(one, width))] = position
    waiting = iter(enumerate(steps))
    for position, one in itertools.islice(waiting, limit):
        running[(yield Spawn(one, width))] = position
    while running:
        finished: list[TaskHandle] = yield Wait(tuple(running))
        for handle in finished:
            results[running.pop(handle)] = handle.result()
            for position, one in itertools.islice(waiting, 1):
                running[(yield Spawn(one, width))] = position
    return results
