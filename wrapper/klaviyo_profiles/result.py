"""What a successful upsert returns: :class:`ProfileResult` and :class:`RateLimitInfo`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import httpx
from klaviyo_profile_import.models import PostProfileResponse

__all__ = ["ProfileResult", "RateLimitInfo"]


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
            parsed at all (``raw`` still has it).
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
    profile: PostProfileResponse | None
    raw: Any
    rate_limit: RateLimitInfo | None
    attempts: int
    response: httpx.Response = attrs.field(repr=False)

    @property
    def attributes(self) -> dict[str, Any]:
        """The profile's attributes as plain JSON values (empty if the body had none)."""
        data = self.raw.get("data") if isinstance(self.raw, Mapping) else None
        attributes = data.get("attributes") if isinstance(data, Mapping) else None
        return dict(attributes) if isinstance(attributes, Mapping) else {}
