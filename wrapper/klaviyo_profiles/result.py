"""What a successful upsert returns: :class:`ProfileResult` and :class:`RateLimitInfo`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Final, cast

import attrs
import httpx

from ._generated import PostProfileResponse, PostProfileResponseDataAttributes

__all__ = ["ProfileResult", "RateLimitInfo"]

_logger = logging.getLogger("klaviyo_profiles")
#: ``ProfileResult.profile`` has not been built yet.
_UNPARSED: Final[Any] = object()


@attrs.frozen
class RateLimitInfo:
    """The steady-window budget the server reported with a response.

    Read from the ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` headers
    (``reset`` is in seconds from now). A header the server left out is ``None``.
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
    if value is None:
        return None
    # Some servers send a list ("750, 750;w=60"); the first figure is the one that applies.
    head = value.split(",")[0].split(";")[0].strip()
    try:
        return float(head)
    except ValueError:
        return None


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
