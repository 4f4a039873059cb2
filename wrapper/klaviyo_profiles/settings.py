"""Checks of the clients' settings: base URL, timeouts, retries, pacing and per-call retry
overrides.

Each check returns the value to use or raises :class:`~klaviyo_profiles.InvalidInputError`
naming the setting, when the client is created (or, for per-call overrides, before the call
sends anything), so that a wrong setting never surfaces later as a socket error or a broken
URL.

Example::

    >>> check_timeout(5)
    Timeout(timeout=5)
    >>> check_base_url("https://a.klaviyo.com/", allow_insecure_http=False)
    'https://a.klaviyo.com'
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Mapping
from typing import Any

import httpx
from klaviyo_profile_import import facts

from .errors import InvalidInputError
from .ratelimit import RateLimits
from .retries import RetryPolicy

__all__ = [
    "LONGEST_SECONDS",
    "check_base_url",
    "check_bulk_rate_limits",
    "check_max_attempts",
    "check_max_retries",
    "check_seconds",
    "check_timeout",
    "pacing_limits",
    "with_max_retries",
]

_TIMEOUT_EXPECTED = (
    "a number of seconds greater than 0, an httpx.Timeout of such numbers, or None for no limit"
)


def check_base_url(base_url: object, allow_insecure_http: bool) -> str:
    """The base URL without a trailing slash.

    Refused: anything but an ``http(s)://host[:port][/path]`` string; a query string or a
    fragment (the endpoint path is appended, so either would break the URL); credentials
    (``user:pass@``), which would be sent on every request and shown wherever the URL is; and
    plain ``http`` off loopback unless ``allow_insecure_http``, since the key would travel in
    clear. The refused URL is not echoed, as it may carry a secret.
    """
    if not isinstance(base_url, (str, httpx.URL)):
        raise InvalidInputError(
            "base_url", "an http(s) URL string such as https://a.klaviyo.com", _got(base_url)
        )
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise InvalidInputError(
            "base_url", "an http(s) URL such as https://a.klaviyo.com", "got a malformed URL"
        ) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidInputError(
            "base_url",
            "an http(s) URL such as https://a.klaviyo.com",
            f"got scheme {url.scheme!r}" if url.scheme else "got no scheme",
        )
    if url.userinfo:
        raise InvalidInputError(
            "base_url",
            "a URL without user:password@ (the API key is the only credential sent)",
            "got credentials in the URL",
        )
    if url.query or str(base_url).rstrip().endswith("?"):
        raise InvalidInputError(
            "base_url", "a URL without a query string (the endpoint's path is appended)"
        )
    if url.fragment or "#" in str(base_url):
        raise InvalidInputError("base_url", "a URL without a #fragment")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise InvalidInputError(
            "base_url",
            "https, or http only on loopback (127.0.0.1, ::1, localhost)",
            "pass allow_insecure_http=True to send the API key over plain http anyway",
        )
    return str(url).rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: The most seconds any duration setting takes: a week. Far beyond any wait of this client
#: (``None`` is "no limit" where a limit is optional), and far below where the platform's
#: timers overflow (a socket timeout of 1e10 s fails, once the request is being sent).
LONGEST_SECONDS = 7 * 24 * 3600.0


def check_seconds(value: object, field: str, *, allow_zero: bool = False) -> float:
    """A finite number of seconds, greater than 0 (or at least 0 with ``allow_zero``), and at
    most :data:`LONGEST_SECONDS`.

    ``bool`` is refused although it is an ``int``: ``timeout=True`` is a mistake, not a second.
    """
    lowest = "at least 0" if allow_zero else "greater than 0"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(field, f"a number of seconds {lowest}", _got(value))
    try:
        seconds = float(value)
    except OverflowError:  # an int beyond any float
        seconds = math.inf
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
        raise InvalidInputError(field, f"a finite number of seconds {lowest}", f"got {value!r}")
    if seconds > LONGEST_SECONDS:
        raise InvalidInputError(
            field,
            f"at most {LONGEST_SECONDS:.0f} seconds (a week)",
            f"got {value!r}",
        )
    return seconds


def check_timeout(timeout: object, field: str = "timeout") -> httpx.Timeout:
    """An ``httpx.Timeout`` from seconds, an ``httpx.Timeout`` or ``None`` (no limit).

    Every phase given (connect, read, write, pool) must be a finite number of seconds greater
    than 0, or ``None`` for no limit on that phase: ``0`` would fail every request at once and
    a negative or NaN value ends in a socket error.
    """
    if timeout is None:
        return httpx.Timeout(None)
    if isinstance(timeout, httpx.Timeout):
        for phase in ("connect", "read", "write", "pool"):
            value = getattr(timeout, phase)
            if value is not None:
                check_seconds(value, f"{field}.{phase}")
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise InvalidInputError(field, _TIMEOUT_EXPECTED, _got(timeout))
    return httpx.Timeout(check_seconds(timeout, field))


def check_max_attempts(value: object, field: str = "max_attempts") -> int:
    """A whole number of attempts, at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(
            field, "a whole number of attempts, at least 1", _got(value, show=True)
        )
    return value


def check_max_retries(value: object) -> int:
    """A whole number of retries after the first attempt, at least 0 (openai-python's
    ``max_retries``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(
            "max_retries", "a whole number of retries, at least 0", _got(value, show=True)
        )
    return value


def with_max_retries(policy: RetryPolicy | None, max_retries: int | None) -> RetryPolicy | None:
    """``retry_policy`` with ``max_retries=`` applied: that many retries after the first
    attempt (openai-python's meaning), so ``max_attempts = max_retries + 1``; with retries
    off, a number above 0 turns them on with ``RetryPolicy()``'s other settings."""
    if max_retries is None:
        return policy
    retries = check_max_retries(max_retries)
    if policy is None:
        return None if retries == 0 else RetryPolicy(max_attempts=retries + 1)
    return policy.replace(max_attempts=retries + 1)


def pacing_limits(rate_limits: RateLimits | bool) -> RateLimits | None:
    """``rate_limits=`` as the windows to pace by (``None``: no pacing)."""
    if rate_limits is False:
        return None
    return RateLimits.from_facts() if rate_limits is True else rate_limits


def check_bulk_rate_limits(
    limits: RateLimits | Mapping[str, RateLimits] | None,
) -> dict[str, RateLimits]:
    """``bulk_rate_limits=`` as windows per bulk operation (the rest use their facts)."""
    operations = [name for name in facts.OPERATIONS if name != facts.OPERATION_ID]
    if limits is None:
        return {}
    if isinstance(limits, RateLimits):
        return dict.fromkeys(operations, limits)
    if isinstance(limits, Mapping) and all(
        name in operations and isinstance(value, RateLimits) for name, value in limits.items()
    ):
        return dict(limits)
    raise InvalidInputError(
        "bulk_rate_limits",
        "RateLimits, or a mapping of operation ids (" + ", ".join(operations) + ") to RateLimits",
        f"got {limits!r}",
    )


def _got(value: Any, *, show: bool = False) -> str:
    if show and isinstance(value, (int, float)):
        return f"got {value!r}"
    return f"got {type(value).__name__}"
