"""What the engine of :mod:`klaviyo_profiles._hybrid` moves around: the operations a client
hands in (:class:`HybridOperations`), a row being admitted (:class:`Row`), a row sent one by
one (:class:`Single`), the profiles of one job (:class:`Chunk`), and the sub-tasks' steps
(:func:`single_steps`, :func:`settle_steps`). No I/O, and no decision: the coordinator in
``_hybrid`` decides.
"""

from __future__ import annotations

import bisect
import json
from array import array
from collections.abc import Sequence
from typing import Protocol, cast

from klaviyo_profile_import import facts

from ._effects import Steps
from ._generated import payloads as _payloads
from ._polling import Polling
from ._prepare import BulkChunker, PreparedProfile
from ._routing import job_outcome
from .errors import InvalidInputError, KlaviyoError
from .result import BulkImportErrorEntry, BulkImportJob, ProfileOutcome, ProfileResult

__all__ = [
    "Chunk",
    "HybridOperations",
    "Row",
    "Single",
    "settle_steps",
    "single_bound",
    "single_path_time",
    "single_steps",
]


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


class Row:
    """A row of the window being admitted: only what sending it needs."""

    __slots__ = ("bulk", "encoded", "error", "identity", "index")

    def __init__(
        self,
        index: int,
        encoded: bytes = b"",
        identity: frozenset[str] = frozenset(),
        *,
        bulk: bool = False,
        error: InvalidInputError | None = None,
    ) -> None:
        self.index = index
        self.encoded = encoded
        self.identity = identity
        self.bulk = bulk
        self.error = error


class Single:
    """A row sent one by one: waiting for earlier rows of its profile, ready, or sending."""

    __slots__ = ("blockers", "encoded", "index", "keys")

    def __init__(self, index: int, encoded: bytes, keys: tuple[int, ...], blockers: set[int]):
        self.index = index
        self.encoded = encoded
        self.keys = keys
        self.blockers = blockers


class Chunk:
    """The profiles of one job: input rows (a job of rows) or stored profiles to add to the
    lists (a membership job), from being filled to settled."""

    __slots__ = (
        "chunker",
        "cursor",
        "encoded",
        "errors",
        "failure",
        "ids",
        "job",
        "job_id",
        "keys",
        "member_rows",
        "rows",
        "ticket",
    )

    def __init__(self, ticket: int, chunker: BulkChunker[bytes]) -> None:
        self.ticket = ticket
        self.chunker: BulkChunker[bytes] | None = chunker
        #: Input rows, in job order (a job of rows): one int each.
        self.rows = array("q")
        #: Their identity keys (hashes), sorted once the chunk is sealed.
        self.keys = array("q")
        #: Membership: the input rows of each member, and each member's position by its id.
        self.member_rows: list[list[int]] = []
        self.ids: dict[str, int] = {}
        self.encoded: list[bytes] | None = None
        self.job_id: str | None = None
        self.job: BulkImportJob | None = None
        self.errors: dict[int, BulkImportErrorEntry] = {}
        self.failure: KlaviyoError | None = None
        #: Rows of a settled job handed on so far.
        self.cursor = 0

    @property
    def settled(self) -> bool:
        return self.job is not None or self.failure is not None

    def holds(self, key: int) -> bool:
        """Whether a row of this sealed chunk has identity key ``key``."""
        position = bisect.bisect_left(self.keys, key)
        return position < len(self.keys) and self.keys[position] == key

    def outcome(self, position: int) -> ProfileOutcome:
        """The outcome of the row at ``position`` of a settled job of rows."""
        row = self.rows[position]
        if self.failure is not None or self.job is None:
            return ProfileOutcome(
                index=row, ok=False, via="bulk", job_id=self.job_id, error=self.failure
            )
        return job_outcome(self.job, row, self.errors.get(position))


def single_bound(concurrency: int) -> int:
    """Rows on the single path at once (waiting, ready or sending) before reading pauses: a
    few hundred, so that rows waiting for a job do not stop the reader (the ``import``
    command's figure), and at least four per concurrent call."""
    return max(4 * concurrency, 256)


def single_steps(ops: HybridOperations, encoded: bytes) -> Steps[ProfileResult | KlaviyoError]:
    """One row through Create or Update Profile; its error is returned, not raised."""
    body = cast(_payloads.ProfileUpsertQuery, {"data": json.loads(encoded)})
    try:
        return (yield from ops.upsert_steps(body))
    except KlaviyoError as exc:
        return exc


def settle_steps(
    ops: HybridOperations, job_id: str, polling: Polling
) -> Steps[tuple[BulkImportJob, list[BulkImportErrorEntry]] | KlaviyoError]:
    """A started job, settled; an error that kept it from being followed is returned."""
    try:
        return (yield from ops.settle_job_steps(job_id, polling))
    except KlaviyoError as exc:
        return exc


def single_path_time(rows: int) -> str:
    """About how long ``rows`` single calls take at the pinned revision's steady rate."""
    limit, period = facts.STEADY_LIMIT, facts.STEADY_PERIOD_SECONDS
    seconds = rows * period / limit
    if seconds < 1:
        took = "under a second"
    elif seconds < 90:
        took = f"about {seconds:.0f} s"
    elif seconds < 90 * 60:
        took = f"about {seconds / 60:.0f} min"
    else:
        took = f"about {seconds / 3600:.1f} h"
    rate = f"{limit} a minute" if period == 60 else f"{limit} per {period} s"
    return f"{took} at {rate}"
