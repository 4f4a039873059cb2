"""What calls return: :class:`ProfileResult` and :class:`RateLimitInfo` for the single call,
:class:`BulkImportJob` and :class:`BulkImportErrorEntry` for bulk import jobs,
:class:`ProfileOutcome` for each profile of ``create_or_update_profiles`` (and
:class:`BulkProgress`, what its ``progress=`` callback is given), and :func:`profile_position`,
which reads a profile's place in a job from an error's pointer."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Mapping
from typing import Any, Final, Literal, cast

import attrs
import httpx

from ._generated import PostProfileResponse, PostProfileResponseDataAttributes
from .errors import BulkImportJobTimeoutError, KlaviyoError, RowHeldBackError

__all__ = [
    "PROFILE_POINTER",
    "BulkImportErrorEntry",
    "BulkImportJob",
    "BulkProgress",
    "JobStatus",
    "ProfileOutcome",
    "ProfileResult",
    "RateLimitInfo",
    "profile_position",
]

_logger = logging.getLogger("klaviyo_profiles")
#: ``ProfileResult.profile`` has not been built yet.
_UNPARSED: Final[Any] = object()


@attrs.frozen
class RateLimitInfo:
    """The steady-window budget the server reported with a response.

    Read from the ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` headers
    (``reset`` is in seconds from now). A header the server left out, or sent with no finite
    number in it (``inf``, ``nan``, ``1e400``, text), is ``None``.
    """

    limit: int | None
    remaining: int | None
    reset: float | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitInfo | None:
        """Parse the headers; ``None`` when none of the three is present or readable."""
        limit = _number(headers.get("ratelimit-limit"))
        remaining = _number(headers.get("ratelimit-remaining"))
        reset = _number(headers.get("ratelimit-reset"))
        if limit is None and remaining is None and reset is None:
            return None
        return cls(
            limit=None if limit is None else int(limit),
            remaining=None if remaining is None else int(remaining),
            reset=reset,
        )


def _number(value: str | None) -> float | None:
    """A header's figure, or ``None`` when it is absent, unreadable or not finite: the
    request was applied by then, so a header the client cannot use is ignored, not raised."""
    if value is None:
        return None
    try:
        number = float(value)  # the usual answer: one figure
    except ValueError:
        # Some servers send a list ("750, 750;w=60"); the first figure is the one that
        # applies. (A value float() reads has neither separator, so both ways agree.)
        head = value.split(",")[0].split(";")[0].strip()
        try:
            number = float(head)
        except ValueError:
            return None
    # inf, nan and 1e400 (inf once read) would make int() raise.
    return number if math.isfinite(number) else None


@attrs.frozen
class ProfileResult:
    """The outcome of a successful Create or Update Profile call.

    Attributes:
        created: ``True`` when the server created a profile (201), ``False`` when it updated
            one (200).
        status_code: the HTTP status.
        profile_id: the profile's id, read from the raw JSON so it is there even when the body
            strays from the spec.
        profile: the response parsed into the generated model, or ``None`` if it could not be
            parsed at all (``raw`` still has it). Built from ``raw`` on first access, so calls
            that never read it do not pay for it; a body that cannot be parsed is logged as a
            warning on that first access, not during the call.
        raw: the decoded JSON body (``None`` if the body was not JSON).
        rate_limit: the steady-window budget reported by the server, if any.
        attempts: how many requests it took (more than one when retries happened).
        response: the ``httpx.Response`` of the final attempt.

    Example::

        result = client.create_or_update_profile(email="ada@example.com")
        print("created" if result.created else "updated", result.profile_id)
    """

    created: bool
    status_code: int
    profile_id: str | None
    raw: Any
    rate_limit: RateLimitInfo | None
    attempts: int
    response: httpx.Response = attrs.field(repr=False)
    # Derived from ``raw``, so left out of equality; given (as ``profile=``) or built on first
    # access of ``profile``.
    _profile: PostProfileResponse | None = attrs.field(
        default=_UNPARSED, alias="profile", eq=False, repr=False
    )

    @property
    def profile(self) -> PostProfileResponse | None:
        """The response as the generated ``PostProfileResponse`` (see the class docstring)."""
        if self._profile is _UNPARSED:
            # Frozen to callers; this cache is the one write, and a race only parses twice.
            object.__setattr__(self, "_profile", _parse_profile(self.raw, self.status_code))
        return self._profile

    @property
    def attributes(self) -> PostProfileResponseDataAttributes:
        """The profile's attributes as plain JSON values, typed by the TypedDict generated
        from the response schema (empty if the body had none).

        Read them with ``.get``: ``result.attributes.get("first_name")`` is ``str | None``
        (``None`` when the profile has none), with no ``Unset`` to narrow away; nested
        objects are TypedDicts too (``location``, ``subscriptions``).
        """
        data = self.raw.get("data") if isinstance(self.raw, Mapping) else None
        attributes = data.get("attributes") if isinstance(data, Mapping) else None
        # The JSON as decoded; the TypedDict only describes it (no copy per key, no check).
        return cast(
            PostProfileResponseDataAttributes,
            dict(attributes) if isinstance(attributes, Mapping) else {},
        )


def _parse_profile(raw: Any, status_code: int) -> PostProfileResponse | None:
    # The exceptions the generated parser treats as "does not fit the model".
    try:
        return PostProfileResponse.from_dict(raw)
    except (ValueError, TypeError, KeyError, AttributeError):
        _logger.warning(
            "%s response could not be parsed into the model; see result.raw", status_code
        )
        return None


# -- bulk import jobs -----------------------------------------------------------------------

JobStatus = Literal["queued", "processing", "complete", "cancelled"]
_FINAL_STATUSES = frozenset({"complete", "cancelled"})


def _timestamp(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    # Imported on first use: few calls read a job, and dateutil adds to every import.
    from dateutil.parser import isoparse

    try:
        return isoparse(value)
    except (ValueError, OverflowError):
        return None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@attrs.frozen
class BulkImportJob:
    """A bulk profile import job as the server last described it.

    Attributes:
        id: the job's id (poll it with ``get_bulk_import_profiles_job``).
        status: ``"queued"``, ``"processing"``, ``"complete"`` or ``"cancelled"`` (another
            value the server adds is kept as it came).
        total_count: profiles in the job.
        completed_count: profiles processed so far.
        failed_count: profiles that failed (their errors: ``get_errors_for_...``).
        created_at, started_at, completed_at, expires_at: when those happened (``None``
            until they do).
        raw: the decoded JSON document.

    Example::

        job = client.bulk_import_profiles(profiles)
        job = client.wait_for_bulk_import_profiles_job(job.id)
        job.done, job.status, job.failed_count
    """

    id: str
    status: str
    total_count: int | None
    completed_count: int | None
    failed_count: int | None
    created_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    expires_at: dt.datetime | None
    raw: Any = attrs.field(repr=False, eq=False)

    @property
    def done(self) -> bool:
        """Whether the job has finished (``complete`` or ``cancelled``)."""
        return self.status in _FINAL_STATUSES

    @classmethod
    def from_json(cls, document: Any) -> BulkImportJob:
        """Build from a decoded job document (``{"data": {...}}``).

        Raises:
            ValueError: the document names no job id.
        """
        data = document.get("data") if isinstance(document, Mapping) else None
        if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
            raise ValueError("the response names no bulk import job")
        attributes = data.get("attributes")
        if not isinstance(attributes, Mapping):
            attributes = {}
        status = attributes.get("status")
        return cls(
            id=data["id"],
            status=status if isinstance(status, str) else "unknown",
            total_count=_count(attributes.get("total_count")),
            completed_count=_count(attributes.get("completed_count")),
            failed_count=_count(attributes.get("failed_count")),
            created_at=_timestamp(attributes.get("created_at")),
            started_at=_timestamp(attributes.get("started_at")),
            completed_at=_timestamp(attributes.get("completed_at")),
            expires_at=_timestamp(attributes.get("expires_at")),
            raw=document,
        )


#: A profile's place in a job's request, as error pointers name it
#: (``/data/attributes/profiles/data/7``, or a member inside it).
PROFILE_POINTER = re.compile(r"^/data/attributes/profiles/data/(\d+)(?:/|$)")


def profile_position(pointer: str | None) -> int | None:
    """The 0-based position in a job's request of the profile ``pointer`` names, if any.

    Example::

        profile_position("/data/attributes/profiles/data/7/attributes/email")   # 7
        profile_position("/data/attributes/lists")                              # None
    """
    match = PROFILE_POINTER.match(pointer) if pointer else None
    return int(match.group(1)) if match else None


@attrs.frozen
class BulkImportErrorEntry:
    """One profile that failed inside a job.

    Attributes:
        index: the profile's 0-based position in the job's request (from ``pointer``), or
            ``None`` when the pointer names none.
        code, title, detail: what went wrong, as the server says it.
        pointer: ``source.pointer`` (``/data/attributes/profiles/data/7``).
        original_payload: the profile resource object as it was sent.
        raw: the decoded error resource.

    Example::

        for entry in client.get_errors_for_bulk_import_profiles_job(job.id):
            print(entry.index, entry.code, entry.detail)
    """

    index: int | None
    code: str | None
    title: str | None
    detail: str | None
    pointer: str | None
    original_payload: Any = attrs.field(repr=False)
    raw: Any = attrs.field(repr=False, eq=False)

    @classmethod
    def from_json(cls, resource: Any) -> BulkImportErrorEntry:
        """Build from one decoded ``import-error`` resource, tolerating odd members."""
        attributes = resource.get("attributes") if isinstance(resource, Mapping) else None
        if not isinstance(attributes, Mapping):
            attributes = {}
        source = attributes.get("source")
        pointer = source.get("pointer") if isinstance(source, Mapping) else None
        pointer = pointer if isinstance(pointer, str) else None
        return cls(
            index=profile_position(pointer),
            code=_text(attributes.get("code")),
            title=_text(attributes.get("title")),
            detail=_text(attributes.get("detail")),
            pointer=pointer,
            original_payload=attributes.get("original_payload"),
            raw=resource,
        )

    def describe(self) -> str:
        """``invalid: Invalid email address (profile 7 of the job)``."""
        text = self.detail or self.title or "no detail given"
        if self.code:
            text = f"{self.code}: {text}"
        return text if self.index is None else f"{text} (profile {self.index} of the job)"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# -- many profiles --------------------------------------------------------------------------


@attrs.frozen
class ProfileOutcome:
    """What became of one profile given to ``create_or_update_profiles`` (or yielded by
    ``iter_create_or_update_profiles``).

    Attributes:
        index: its position in the input.
        ok: whether it was created or updated (and, with ``lists=``, added to them).
        via: ``"bulk"`` (in a job), ``"single"`` (Create or Update Profile) or ``"none"``
            (nothing was sent: refused before sending, or skipped).
        job_id: the job it went in (for a row sent one by one with ``lists=``: the job that
            added it to the lists; ``None`` otherwise).
        result: the single call's result (``None`` for the bulk path, or when the call
            failed). A row sent one by one whose list membership failed keeps it: the profile
            was stored.
        error: why it failed, always an exception (a :class:`~klaviyo_profiles.KlaviyoError`
            that can be raised): the single call's error;
            :class:`~klaviyo_profiles.BulkImportRowError` with the job's import error for it;
            the error that kept its job from starting;
            :class:`~klaviyo_profiles.BulkImportJobCancelledError` (its job ended before
            importing it); :class:`~klaviyo_profiles.BulkImportJobTimeoutError` (its job was
            still running when ``job_timeout`` ran out: see :attr:`unsettled`);
            :class:`~klaviyo_profiles.ListMembershipError` (stored, but joining the lists is
            not confirmed); :class:`~klaviyo_profiles.RowHeldBackError` (nothing sent: an
            earlier row of its profile is in a job whose outcome is unknown, see
            :attr:`held_back`); an :class:`~klaviyo_profiles.InvalidInputError` for a row of
            an iterator input that could not be sent.
        skipped: ``True`` when the row needed nothing sent (``ok`` is ``True``, ``via`` is
            ``"none"``).

    Example::

        for outcome in client.create_or_update_profiles(rows):
            if not outcome.ok:
                print(outcome.index, outcome.error)
    """

    index: int
    ok: bool
    via: Literal["bulk", "single", "none"]
    job_id: str | None = None
    result: ProfileResult | None = attrs.field(default=None, repr=False)
    error: KlaviyoError | None = None
    skipped: bool = False

    @property
    def unsettled(self) -> bool:
        """Whether what became of the profile is not known yet: its bulk import job was
        accepted and was still running when the wait for it (``job_timeout``) gave up. Not a
        failure (``ok`` is ``False`` because nothing confirmed it): the job, named by
        ``job_id`` and by the ``BulkImportJobTimeoutError`` in ``error``, may still import it.
        Wait for the job and read its import errors instead of sending the row again (which
        could apply it twice, after a later row of the same profile)."""
        return isinstance(self.error, BulkImportJobTimeoutError)

    @property
    def held_back(self) -> bool:
        """Whether nothing was sent for the row because an earlier row of its profile is in a
        job whose outcome is unknown (:class:`~klaviyo_profiles.RowHeldBackError`: the job
        timed out, could not be followed, or its start is in doubt). A failure (counted as
        ``failed``): send the row again, in input order with the other held rows, once that
        job has ended; sending it now could let the job apply the earlier row after it."""
        return isinstance(self.error, RowHeldBackError)


@attrs.frozen
class BulkProgress:
    """How far a ``create_or_update_profiles`` or ``iter_create_or_update_profiles`` call is,
    as its ``progress=`` callback is given it (counts of rows, each only growing).

    Attributes:
        read: rows read from the input.
        single: rows sent one by one (Create or Update Profile calls started).
        in_jobs: rows in bulk import jobs the server accepted.
        confirmed: rows whose outcome is ``ok`` (skipped rows included).
        failed: rows whose outcome is not ``ok`` (unsettled rows left out).
        unsettled: rows whose job was still running when its wait gave up
            (``ProfileOutcome.unsettled``): neither confirmed nor failed.

    Example::

        def show(progress: BulkProgress) -> None:
            print(f"{progress.done}/{progress.read} done, {progress.failed} failed")
    """

    read: int = 0
    single: int = 0
    in_jobs: int = 0
    confirmed: int = 0
    failed: int = 0
    unsettled: int = 0

    @property
    def done(self) -> int:
        """Rows with an outcome (``confirmed + failed + unsettled``)."""
        return self.confirmed + self.failed + self.unsettled
