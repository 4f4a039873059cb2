"""Which profile of ``create_or_update_profiles`` goes which way, and what became of each: pure
decisions, no I/O.

A profile goes in a bulk import job unless it must go through Create or Update Profile one by
one: a null anywhere (a job would leave the field unchanged), an identity shared with another
row (a job does not keep their order), a size over a job's per-profile limit. Rows that go one
by one are grouped by shared identity (:func:`identity_groups`): groups may run side by side,
the rows of one group in input order. The identity of a row is the one rule of
:mod:`klaviyo_profiles.identity`, read from :attr:`PreparedProfile.identity`.

Every decision here takes positions in the caller's input and prepared profiles, so a later
engine that takes its input in windows can route each window with the same functions.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from typing import Literal

from . import _generated
from ._prepare import BULK_OPERATION, PreparedProfile
from .errors import (
    BulkImportJobCancelledError,
    BulkImportRowError,
    InvalidInputError,
    KlaviyoError,
)
from .result import BulkImportErrorEntry, BulkImportJob, ProfileOutcome

__all__ = [
    "AUTO_BULK_MIN_PROFILES",
    "Via",
    "check_via",
    "errors_by_position",
    "failed_outcomes",
    "identity_groups",
    "job_outcome",
    "job_outcomes",
    "plan_routes",
    "plan_routes_pausing",
]

#: Under ``via="auto"``, fewer profiles than this that could go in a job are sent one by one
#: instead. A job costs a queue wait, processing and polling (on Klaviyo tens of seconds
#: before it completes, polled from one second upwards), while this many single calls fit
#: inside one steady window of Create or Update Profile (750 a minute) and take a few seconds
#: when paced at its burst rate; past it the single path's steady window starts to cost
#: whole minutes.
AUTO_BULK_MIN_PROFILES = 100


Via = Literal["auto", "bulk", "single"]


_VIAS = ("auto", "bulk", "single")


def check_via(via: object) -> Via:
    """``via`` checked: ``"auto"``, ``"bulk"`` or ``"single"``."""
    if via not in _VIAS:
        raise InvalidInputError("via", "'auto', 'bulk' or 'single'", f"got {via!r}")
    return via  # type: ignore[return-value]  # one of _VIAS


def plan_routes(prepared: Sequence[PreparedProfile], via: Via) -> tuple[list[int], list[int]]:
    """Split input positions into those sent in jobs and those sent one by one, in order.

    One by one: every profile under ``via="single"``; a profile with a null (a job would
    leave it unchanged); every profile whose identity shares a key with another's (their
    order matters and a job does not keep it, so all their rows go one by one, in input
    order); a profile too large for a job. Under ``"auto"``, everything when fewer than
    :data:`AUTO_BULK_MIN_PROFILES` could go in jobs, or when the revision has no bulk jobs.

    Raises:
        BulkImportUnavailableError: ``via="bulk"`` on a revision without bulk jobs.

    Example::

        plan_routes([prepare_profile(r) for r in rows], "auto")   # ([0, 2, ...], [1, ...])
    """
    planning = plan_routes_pausing(prepared, via, len(prepared) + 1)
    while True:
        try:
            next(planning)
        except StopIteration as planned:
            return planned.value  # type: ignore[no-any-return]


def plan_routes_pausing(
    prepared: Sequence[PreparedProfile], via: Via, every: int
) -> Generator[None, None, tuple[list[int], list[int]]]:
    """:func:`plan_routes`, pausing (yielding ``None``) after each ``every`` rows looked at:
    a caller that must let others run meanwhile (the async client's event loop, for a long
    input) does so at each pause; the routes are what it returns."""
    if via == "bulk":
        _generated.require()
    if via == "single" or not _generated.bulk_jobs_available():
        return [], list(range(len(prepared)))
    seen: dict[str, int] = {}
    for index, profile in enumerate(prepared, 1):
        for key in profile.identity:
            seen[key] = seen.get(key, 0) + 1
        if index % every == 0:
            yield None
    item_limit_bytes = _generated.operation(BULK_OPERATION).item_payload_limit_bytes
    bulk: list[int] = []
    single: list[int] = []
    for index, profile in enumerate(prepared):
        if (
            profile.has_null
            or any(seen[key] > 1 for key in profile.identity)
            or (item_limit_bytes is not None and profile.size > item_limit_bytes)
        ):
            single.append(index)
        else:
            bulk.append(index)
        if (index + 1) % every == 0:
            yield None
    if via == "auto" and len(bulk) < AUTO_BULK_MIN_PROFILES:
        return [], list(range(len(prepared)))
    return bulk, single


def identity_groups(prepared: Sequence[PreparedProfile], rows: Iterable[int]) -> list[list[int]]:
    """``rows`` grouped so that rows sharing an identity key (directly or through other rows)
    are in one group, each group in input order, groups ordered by their first row.

    Groups can be sent side by side; the rows of one group must go one after another.
    """
    parent: dict[int, int] = {}

    def root(row: int) -> int:
        while parent[row] != row:
            parent[row] = parent[parent[row]]
            row = parent[row]
        return row

    owner: dict[str, int] = {}
    ordered = list(rows)
    for row in ordered:
        parent[row] = row
        for key in prepared[row].identity:
            other = owner.setdefault(key, row)
            if other != row:
                a, b = root(other), root(row)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for row in ordered:
        groups.setdefault(root(row), []).append(row)
    return sorted(groups.values(), key=lambda group: group[0])


def job_outcome(job: BulkImportJob, row: int, entry: BulkImportErrorEntry | None) -> ProfileOutcome:
    """The outcome of input row ``row``, a profile of the finished ``job`` whose import error
    (if any) is ``entry``: failed with it (as :class:`BulkImportRowError`); else ok in a
    ``complete`` job, and failed with :class:`BulkImportJobCancelledError` in another."""
    error: KlaviyoError | None = None
    if entry is not None:
        error = BulkImportRowError(entry, job.id)
    elif job.status != "complete":
        error = BulkImportJobCancelledError(job.id)
    return ProfileOutcome(index=row, ok=error is None, via="bulk", job_id=job.id, error=error)


def job_outcomes(
    job: BulkImportJob, rows: Sequence[int], entries: Iterable[BulkImportErrorEntry]
) -> list[ProfileOutcome]:
    """The outcome of each input row (``rows[i]`` is the input position of the job's profile
    ``i``) of a finished job, given its import errors (see :func:`job_outcome`)."""
    by_position = errors_by_position(entries, len(rows))
    return [job_outcome(job, row, by_position.get(position)) for position, row in enumerate(rows)]


def errors_by_position(
    entries: Iterable[BulkImportErrorEntry], size: int
) -> dict[int, BulkImportErrorEntry]:
    """A job's import errors by the position of the profile each names (the first for each;
    those naming no profile of a job of ``size`` profiles are left out)."""
    by_position: dict[int, BulkImportErrorEntry] = {}
    for entry in entries:
        if entry.index is not None and 0 <= entry.index < size:
            by_position.setdefault(entry.index, entry)
    return by_position


def failed_outcomes(
    rows: Iterable[int], error: KlaviyoError, *, job_id: str | None = None
) -> list[ProfileOutcome]:
    """Every row failed with one error (its job could not start, or be followed)."""
    return [
        ProfileOutcome(index=row, ok=False, via="bulk", job_id=job_id, error=error) for row in rows
    ]
