"""The input of ``create_or_update_profiles`` and ``iter_create_or_update_profiles``: one
call's settings checked before any I/O (:func:`stream_options`), and its profiles read as
windows of checked rows (:class:`RowSource`). No I/O; the engine that carries a call out is
:mod:`klaviyo_profiles._hybrid`.

A list or tuple is one window, checked whole when the call is made (an ``InvalidInputError``
names the row). Any other iterable is read in a thread of its own, at most a window ahead of
the coordinator, which takes what has arrived (up to :data:`STREAM_WINDOW` rows at a time), so
an input that pauses never holds back rows it gave. A row of it that cannot be sent is kept
as its ``InvalidInputError``, to become that row's outcome: nothing of an iterator can be
refused before earlier rows are sent, and raising would drop the outcomes of the rows in
flight.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Protocol

import attrs
from klaviyo_profile_import import facts

from . import _generated
from ._prepare import BulkChunker, PreparedProfile, ProfileInput, check_lists, prepare_profile
from ._routing import Via, check_via
from .errors import InvalidInputError
from .nulls import NullPolicy, check_null_policy
from .result import BulkProgress

__all__ = ["STREAM_WINDOW", "RowSource", "SkipRow", "StreamOptions", "stream_options"]

_logger = logging.getLogger("klaviyo_profiles")

#: Rows of an iterator input read, checked and routed at a time. Rows of one profile within
#: a window all go one by one, in order, with no wait for a job; a repeat further apart waits
#: for the earlier row's job. Also the first window decides ``AUTO_BULK_MIN_PROFILES``.
STREAM_WINDOW = 1_000


class SkipRow(Protocol):
    """Whether a checked row needs nothing sent: called by the coordinator, in input order,
    for every row it routes, with the row's index, its encoded profile (the resource object as
    it would be sent) and its identity keys; ``blocked``: an earlier row of its profile is
    unfinished, so the row is sent whatever the answer (after that row)."""

    def __call__(
        self, index: int, encoded: bytes, identity: frozenset[str], *, blocked: bool
    ) -> bool:
        """``True`` settles an unblocked row as ``ProfileOutcome(ok=True, via="none",
        skipped=True)``."""


@attrs.frozen
class StreamOptions:
    """One call's settings, checked (see :func:`stream_options`)."""

    via: Via = "auto"
    lists: tuple[str, ...] = ()
    max_job_size: int | None = None
    concurrency: int = 8
    max_jobs: int = 4
    nulls: NullPolicy = "clear"
    progress: Callable[[BulkProgress], None] | None = None
    skip: SkipRow | None = None
    window: int = STREAM_WINDOW


def _positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(name, "a positive integer", f"got {value!r}")
    return value


def stream_options(
    *,
    via: object = "auto",
    lists: Sequence[str] = (),
    max_job_size: int | None = None,
    concurrency: int = 8,
    max_jobs: int = 4,
    nulls: object = "clear",
    progress: Callable[[BulkProgress], None] | None = None,
) -> StreamOptions:
    """Every setting of one call checked before any I/O (``InvalidInputError`` naming it, or
    ``BulkImportUnavailableError`` when what was asked for needs jobs the revision lacks)."""
    checked_via = check_via(via)
    checked_lists = check_lists(lists)
    _positive(concurrency, "concurrency")
    _positive(max_jobs, "max_jobs")
    if max_job_size is not None:
        _positive(max_job_size, "max_job_size")
    policy = check_null_policy(nulls)
    if progress is not None and not callable(progress):
        raise InvalidInputError("progress", "a callable or None", f"got {progress!r}")
    if checked_via == "bulk" or checked_lists:
        _generated.require()  # nothing is sent when what was asked for needs jobs
    if _generated.bulk_jobs_available():
        # Checks max_job_size, and that the lists leave room for profiles in a job.
        BulkChunker(lists=checked_lists, max_items=max_job_size)
    elif checked_via == "auto":
        _logger.warning(
            "revision %s has no bulk import jobs (%s): every profile goes one by one "
            "through Create or Update Profile",
            facts.REVISION,
            ", ".join(_generated.missing_job_operations()),
        )
    return StreamOptions(
        via=checked_via,
        lists=checked_lists,
        max_job_size=max_job_size,
        concurrency=concurrency,
        max_jobs=max_jobs,
        nulls=policy,
        progress=progress,
    )


#: A row as read: checked and encoded, or the error that refused it.
_Read = tuple[int, PreparedProfile | InvalidInputError]


class RowSource:
    """The input, read as windows of checked rows. A list or tuple is checked whole now
    (raising ``InvalidInputError`` naming the first bad row), or with ``check_now=False`` by
    the first :meth:`fill` (the async client's: never in its event loop), and is one window.
    Any other
    iterable is read by :meth:`fill`, in a thread beside the coordinator, so that an input
    that keeps it waiting (a slow cursor, a queue) never holds back rows already read: the
    coordinator takes what has arrived (:meth:`take`) and sends it.

    The first window is handed over whole (its size, and whether the input ends within it,
    decide ``via="auto"`` for a small input), unless the coordinator gives up waiting for it
    (:meth:`hurry`). An error the input raises ends it there: it is kept as :attr:`error`,
    for the coordinator to raise once the rows read before it are done.
    """

    def __init__(
        self,
        profiles: Iterable[ProfileInput],
        nulls: NullPolicy,
        window: int,
        *,
        check_now: bool = True,
    ) -> None:
        if isinstance(profiles, (str, bytes, Mapping)) or not isinstance(profiles, Iterable):
            raise InvalidInputError(
                "profiles", "an iterable of profiles", f"got {type(profiles).__name__}"
            )
        self._nulls = nulls
        self._size = window
        self._whole: list[_Read] | None = None
        # A list or tuple to check in the reader's thread (check_now=False), first thing.
        self._pending: Sequence[ProfileInput] | None = None
        self._rows: Iterator[ProfileInput] | None = None
        # Rows read and not yet taken; appended by the reader's thread, taken by the
        # coordinator's (a deque's append and popleft are atomic).
        self._arrived: collections.deque[_Read] = collections.deque()
        self._next_index = 0
        # Set by the reader once its last row is in _arrived: read before _arrived.
        self._ended = False
        self._stopped = False
        self._first = True
        #: The input ended within its first window (known once that window is taken).
        self.only = False
        #: What iterating the input raised: no row is read after it.
        self.error: Exception | None = None
        if isinstance(profiles, Sequence):
            if check_now:
                self._whole = self._checked(profiles)
            else:
                self._pending = profiles
        else:
            self._rows = iter(profiles)

    def _checked(self, profiles: Sequence[ProfileInput]) -> list[_Read]:
        """Every row of a list or tuple, checked (``InvalidInputError`` naming the first bad
        one)."""
        return [
            (index, prepare_profile(profile, index=index, nulls=self._nulls))
            for index, profile in enumerate(profiles)
        ]

    @property
    def exhausted(self) -> bool:
        """Every row has been read and taken."""
        if self._whole is not None:
            return not self._whole
        if self._pending is not None:
            return False
        return self._ended and not self._arrived

    def _limit(self) -> int:
        # One row beyond the first window tells whether the input ends within it.
        return self._size + 1 if self._first else self._size

    def wants_reader(self) -> bool:
        """Whether :meth:`fill` has rows to read and room to put them."""
        return self._pending is not None or (
            self._rows is not None
            and not self._ended
            and not self._stopped
            and len(self._arrived) < self._limit()
        )

    def ready(self) -> bool:
        """Whether :meth:`take` would hand over rows now."""
        if self._whole is not None:
            return bool(self._whole)
        ended = self._ended
        if self._first:
            return ended or len(self._arrived) >= self._limit()
        return bool(self._arrived)

    def take(self) -> list[_Read]:
        """The rows read so far, in order, at most a window (none until the first window
        is complete, the input has ended, or :meth:`hurry` was called)."""
        if self._whole is not None:
            whole, self._whole = self._whole, []
            self._first, self.only = False, True
            return whole
        if not self.ready():
            return []
        if self._first:
            self._first = False
            self.only = self._ended and len(self._arrived) <= self._size
        rows: list[_Read] = []
        while self._arrived and len(rows) < self._size:
            rows.append(self._arrived.popleft())
        return rows

    def hurry(self) -> None:
        """Stop waiting for a whole first window: what has arrived may be taken as it is
        (the input is not known to end within it)."""
        self._first = False

    def close(self) -> None:
        """The call has ended: the reader reads no further row."""
        self._stopped = True

    def fill(self) -> None:
        """Read rows until a window waits to be taken, the input ends or raises, or the call
        ends; the coordinator may take rows meanwhile. Blocking: run in a thread beside the
        coordinator (``Offload``). A list or tuple left to check is
        checked whole instead (its ``InvalidInputError`` raised here)."""
        pending = self._pending
        if pending is not None:
            self._whole = self._checked(pending)
            self._pending = None
            return
        rows = self._rows
        if rows is None:
            return
        while not self._stopped:
            if len(self._arrived) >= self._limit():
                return
            try:
                profile = next(rows)
            except StopIteration:
                break
            except Exception as exc:  # the input's own error: raised once earlier rows are done
                self.error = exc
                break
            if self._stopped:  # the call ended while the input kept this waiting
                return
            index = self._next_index
            self._next_index += 1
            try:
                read: PreparedProfile | InvalidInputError = prepare_profile(
                    profile, index=index, nulls=self._nulls
                )
            except InvalidInputError as exc:
                read = exc
            self._arrived.append((index, read))
        else:
            return
        self._ended = True
