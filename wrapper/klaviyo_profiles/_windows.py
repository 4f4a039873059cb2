"""The input of ``create_or_update_profiles`` and ``iter_create_or_update_profiles``: one
call's settings checked before any I/O (:func:`stream_options`), and its profiles read as
windows of checked rows (:class:`RowSource`). No I/O; the engine that carries a call out is
:mod:`klaviyo_profiles._hybrid`.

A list or tuple is one window, checked whole when the call is made (an ``InvalidInputError``
names the row). Any other iterable is read :data:`STREAM_WINDOW` rows at a time, and a row of
it that cannot be sent is kept as its ``InvalidInputError``, to become that row's outcome:
nothing of an iterator can be refused before earlier rows are sent, and raising would drop
the outcomes of the rows in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

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
    with the row's index, its encoded profile (the resource object as it would be sent) and
    its identity keys, for a row with no unfinished earlier row of its profile."""

    def __call__(self, index: int, encoded: bytes, identity: frozenset[str]) -> bool:
        """``True`` settles the row as ``ProfileOutcome(ok=True, via="none", skipped=True)``."""


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
_END: Any = object()


class RowSource:
    """The input, read as windows of checked rows. A list or tuple is checked whole now
    (raising ``InvalidInputError`` naming the first bad row); any other iterable lazily."""

    def __init__(self, profiles: Iterable[ProfileInput], nulls: NullPolicy, window: int) -> None:
        if isinstance(profiles, (str, bytes, Mapping)) or not isinstance(profiles, Iterable):
            raise InvalidInputError(
                "profiles", "an iterable of profiles", f"got {type(profiles).__name__}"
            )
        self._nulls = nulls
        self._size = window
        self._whole: list[_Read] | None = None
        self._rows: Iterator[ProfileInput] = iter(())
        self._peeked: Any = _END
        self._next_index = 0
        #: Every row has been read.
        self.exhausted = False
        #: What reading the input raised: no row is read after it (see :meth:`next_window`).
        self.error: Exception | None = None
        if isinstance(profiles, Sequence):
            self._whole = [
                (index, prepare_profile(profile, index=index, nulls=nulls))
                for index, profile in enumerate(profiles)
            ]
        else:
            self._rows = iter(profiles)

    def next_window(self) -> list[_Read]:
        """The next window's rows, in order; :attr:`exhausted` says whether more follow. An
        error the input raises ends it there: it is kept as :attr:`error`, for the caller to
        raise once the rows read before it are done."""
        if self._whole is not None:
            rows, self._whole = self._whole, []
            self.exhausted = True
            return rows
        rows = []
        while len(rows) < self._size:
            if self._peeked is not _END:
                profile, self._peeked = self._peeked, _END
            else:
                profile = self._next()
            if profile is _END:
                self.exhausted = True
                return rows
            index = self._next_index
            self._next_index += 1
            try:
                rows.append((index, prepare_profile(profile, index=index, nulls=self._nulls)))
            except InvalidInputError as exc:
                rows.append((index, exc))
        # One row ahead: whether the input ends with this window decides "auto" for a small
        # input.
        self._peeked = self._next()
        self.exhausted = self._peeked is _END
        return rows

    def _next(self) -> Any:
        if self.error is not None:
            return _END
        try:
            return next(self._rows, _END)
        except Exception as exc:  # the input's own error: raised once earlier rows are done
            self.error = exc
            return _END
