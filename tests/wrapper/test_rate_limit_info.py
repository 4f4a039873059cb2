"""``RateLimitInfo.from_headers``: the server has applied the request by the time its headers
are read, so a header the client cannot use is ignored rather than raised."""

from __future__ import annotations

import httpx
import pytest
from klaviyo_profiles._requests import rate_limit_headers
from klaviyo_profiles.result import RateLimitInfo


def test_well_formed_headers_are_read() -> None:
    info = RateLimitInfo.from_headers(
        {"ratelimit-limit": "750", "ratelimit-remaining": "749, 74;w=1", "ratelimit-reset": "60"}
    )
    assert info == RateLimitInfo(limit=750, remaining=749, reset=60.0)


@pytest.mark.parametrize("figure", ["inf", "-inf", "nan", "1e400", "Infinity", "lots"])
def test_a_limit_or_remaining_that_is_not_a_finite_number_is_ignored(figure: str) -> None:
    info = RateLimitInfo.from_headers(
        {"ratelimit-limit": figure, "ratelimit-remaining": figure, "ratelimit-reset": "30"}
    )
    assert info == RateLimitInfo(limit=None, remaining=None, reset=30.0)


@pytest.mark.parametrize("figure", ["inf", "nan", "1e400"])
def test_a_reset_that_is_not_a_finite_number_is_ignored(figure: str) -> None:
    info = RateLimitInfo.from_headers({"ratelimit-remaining": "5", "ratelimit-reset": figure})
    assert info == RateLimitInfo(limit=None, remaining=5, reset=None)


def test_headers_with_nothing_readable_give_none() -> None:
    assert RateLimitInfo.from_headers({"ratelimit-limit": "nan", "ratelimit-reset": "inf"}) is None


def test_rate_limit_headers_read_each_value_as_httpx_does_whatever_its_bytes() -> None:
    headers = httpx.Headers(
        [
            (b"RateLimit-Limit", b"750"),
            (b"RateLimit-Reset", "60 \u00f1".encode("latin-1")),  # not ASCII, not UTF-8
            (b"RateLimit-Reset", b"30"),
            (b"X-Other", "\u00e9".encode()),
        ]
    )
    assert rate_limit_headers(headers) == {
        "ratelimit-limit": headers["ratelimit-limit"],
        "ratelimit-reset": headers["ratelimit-reset"],
    }
