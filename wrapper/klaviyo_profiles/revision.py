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
import logging
import re
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
_logger = logging.getLogger("klaviyo_profiles")


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


def check_revision(revision: str | None, *, today: dt.date | None = None) -> str:
    """Validate the revision to pin (default: the generated one) and warn once where due."""
    pinned = facts.REVISION if revision is None else revision
    status = revision_status(pinned, today=today)
    if pinned != facts.REVISION and _first_time("mismatch", pinned):
        warnings.warn(
            f"revision {pinned} differs from {facts.REVISION}, the revision this client was "
            "generated from; fields may not match. Regenerate with scripts/update_revision.py.",
            RevisionMismatchWarning,
            stacklevel=3,
        )
    if status.state == "retired" and _first_time("retired", pinned):
        message = (
            f"API revision {pinned} was retired on {status.retired_on.isoformat()}; Klaviyo may "
            "reject or reinterpret requests. Move to a current revision."
        )
        _logger.error(message)
        warnings.warn(message, RevisionRetiredWarning, stacklevel=3)
    elif status.state == "deprecated" and _first_time("deprecated", pinned):
        warnings.warn(
            f"API revision {pinned} is deprecated since {status.deprecated_on.isoformat()} and "
            f"retires on {status.retired_on.isoformat()}.",
            RevisionDeprecatedWarning,
            stacklevel=3,
        )
    return pinned
