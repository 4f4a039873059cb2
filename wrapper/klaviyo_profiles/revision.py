"""Revision pinning and Klaviyo's revision lifecycle.

Every request names an API revision (``revision: 2026-07-15``). Klaviyo's published policy: a
revision is stable for one year after its release date, deprecated during the second year, and
retired two years after release. This module checks the format of a revision, tells where it is
in that lifecycle, and warns once per process when the pinned revision is deprecated
(:class:`RevisionDeprecatedWarning`) or retired (:class:`RevisionRetiredWarning`, also logged
at ERROR), or differs from the revision the models were generated from
(:class:`RevisionMismatchWarning`).

Example::

    >>> revision_status("2025-04-15", today=datetime.date(2026, 11, 28)).state
    'deprecated'
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import threading
import warnings
from typing import Literal

import attrs
from klaviyo_profile_import import facts

from .errors import InvalidInputError

__all__ = [
    "RevisionDeprecatedWarning",
    "RevisionMismatchWarning",
    "RevisionRetiredWarning",
    "RevisionStatus",
    "RevisionWarning",
    "check_revision",
    "revision_status",
]

_FORMAT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(\.[A-Za-z0-9_-]+)?$")


class RevisionWarning(UserWarning):
    """Base of the warnings about the pinned revision."""


class RevisionMismatchWarning(RevisionWarning):
    """The pinned revision is not the one the models were generated from."""


class RevisionDeprecatedWarning(RevisionWarning):
    """The pinned revision is in its deprecated year: plan the move to a newer one."""


class RevisionRetiredWarning(RevisionWarning):
    """The pinned revision is past retirement: Klaviyo may refuse it."""


@attrs.frozen
class RevisionStatus:
    """Where a revision stands on a given day."""

    revision: str
    released: dt.date
    deprecated_on: dt.date
    retired_on: dt.date
    state: Literal["stable", "deprecated", "retired"]


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_revision(revision: str) -> dt.date:
    """The release date of ``revision`` (``YYYY-MM-DD`` with an optional ``.suffix``)."""
    match = _FORMAT.match(revision) if isinstance(revision, str) else None
    if match is None:
        raise InvalidInputError(
            "revision", "a date YYYY-MM-DD with an optional .suffix", f"got {revision!r}"
        )
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidInputError("revision", "a real calendar date", f"got {revision!r}") from None


def revision_status(revision: str, *, today: dt.date | None = None) -> RevisionStatus:
    """The lifecycle state of ``revision`` on ``today`` (default: the current UTC date)."""
    released = parse_revision(revision)
    today = today or dt.datetime.now(dt.timezone.utc).date()
    deprecated_on = _add_years(released, 1)
    retired_on = _add_years(released, 2)
    state: Literal["stable", "deprecated", "retired"]
    if today >= retired_on:
        state = "retired"
    elif today >= deprecated_on:
        state = "deprecated"
    else:
        state = "stable"
    return RevisionStatus(revision, released, deprecated_on, retired_on, state)


_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def _first_time(kind: str, revision: str) -> bool:
    with _warned_lock:
        if (kind, revision) in _warned:
            return False
        _warned.add((kind, revision))
        return True


#: What to do about an old revision, for those who installed the package and for those
#: working in a clone (who regenerate).
_UPGRADE = (
    "Upgrade the package (pip install --upgrade klaviyo-profiles) for a client generated for "
    "a current revision; in a clone of the project, python scripts/update_revision.py "
    "regenerates it."
)


def _caller_stacklevel() -> int:
    """The ``stacklevel`` for ``warnings.warn`` called here that names the first frame
    outside this package: the user's line that created the client, however deep the
    library's own calls go (the clients' constructors, ``with_options``, the CLI)."""
    level = 2  # 1 is check_revision itself, which calls warnings.warn
    frame = sys._getframe(2)
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        "klaviyo_profiles"
    ):
        frame = frame.f_back
        level += 1
    return level


def check_revision(revision: str | None, *, today: dt.date | None = None) -> str:
    """Validate the revision to pin (default: the generated one) and warn once where due.

    Each event is one warning (a ``RevisionWarning`` subclass, which applications can filter
    or turn into errors), pointing at the caller's line, not a log record as well.
    """
    pinned = facts.REVISION if revision is None else revision
    status = revision_status(pinned, today=today)
    if pinned != facts.REVISION and _first_time("mismatch", pinned):
        warnings.warn(
            f"revision {pinned} differs from {facts.REVISION}, the revision this client was "
            f"generated from; fields may not match. {_UPGRADE}",
            RevisionMismatchWarning,
            stacklevel=_caller_stacklevel(),
        )
    if status.state == "retired" and _first_time("retired", pinned):
        warnings.warn(
            f"API revision {pinned} was retired on {status.retired_on.isoformat()}; Klaviyo may "
            f"reject or reinterpret requests. {_UPGRADE}",
            RevisionRetiredWarning,
            stacklevel=_caller_stacklevel(),
        )
    elif status.state == "deprecated" and _first_time("deprecated", pinned):
        warnings.warn(
            f"API revision {pinned} is deprecated since {status.deprecated_on.isoformat()} and "
            f"retires on {status.retired_on.isoformat()}. {_UPGRADE}",
            RevisionDeprecatedWarning,
            stacklevel=_caller_stacklevel(),
        )
    return pinned
