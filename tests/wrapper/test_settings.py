"""Client settings that cannot work are refused when the client is created (or, for per-call
overrides, before the call sends anything), naming the setting and never echoing a secret."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest
from klaviyo_profiles import AsyncKlaviyoProfiles, InvalidInputError, KlaviyoProfiles
from klaviyo_profiles.settings import LONGEST_SECONDS, check_timeout
from wire_recorder import API_KEY, Recorder


def refused_setting(**settings: Any) -> InvalidInputError:
    for cls in (KlaviyoProfiles, AsyncKlaviyoProfiles):
        with pytest.raises(InvalidInputError) as caught:
            cls(api_key=API_KEY, **{"base_url": "http://127.0.0.1:9", **settings})
    return caught.value


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:9/?token=abc",
        "http://127.0.0.1:9/proxy?x=1",
        "http://127.0.0.1:9/?",
        "http://127.0.0.1:9/#part",
        "https://a.klaviyo.com#",
    ],
)
def test_base_url_with_a_query_or_fragment_is_refused(base_url: str) -> None:
    error = refused_setting(base_url=base_url)
    assert error.field == "base_url"


@pytest.mark.parametrize(
    "base_url",
    ["http://user:hunter2@127.0.0.1:9", "https://admin@a.klaviyo.com", "http://:pw@[::1]"],
)
def test_base_url_with_credentials_is_refused_without_echoing_them(base_url: str) -> None:
    error = refused_setting(base_url=base_url)
    assert error.field == "base_url"
    assert "hunter2" not in str(error) and "admin" not in str(error) and "pw" not in str(error)


@pytest.mark.parametrize("base_url", [5, None, b"http://127.0.0.1:9", "ftp://127.0.0.1", "::"])
def test_base_url_that_is_not_an_http_url_is_refused(base_url: Any) -> None:
    assert refused_setting(base_url=base_url).field == "base_url"


def test_base_url_with_a_path_is_kept_without_its_trailing_slash() -> None:
    with KlaviyoProfiles(api_key=API_KEY, base_url="http://127.0.0.1:9/proxy/") as client:
        assert client.base_url == "http://127.0.0.1:9/proxy"
        assert "proxy" in repr(client)


@pytest.mark.parametrize(
    ("timeout", "field"),
    [
        (0, "timeout"),
        (0.0, "timeout"),
        (-1, "timeout"),
        (math.nan, "timeout"),
        (math.inf, "timeout"),
        ("5", "timeout"),
        (True, "timeout"),
        ([5], "timeout"),
        (httpx.Timeout(0), "timeout.connect"),
        (httpx.Timeout(5, read=-1), "timeout.read"),
        (httpx.Timeout(5, pool=math.nan), "timeout.pool"),
        (1e10, "timeout"),
        (10**400, "timeout"),
        (LONGEST_SECONDS + 1, "timeout"),
        (httpx.Timeout(5, read=1e12), "timeout.read"),
    ],
)
def test_timeouts_that_cannot_work_are_refused(timeout: Any, field: str) -> None:
    assert refused_setting(timeout=timeout).field == field


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        (5, httpx.Timeout(5)),
        (0.25, httpx.Timeout(0.25)),
        (httpx.Timeout(5, connect=None), httpx.Timeout(5, connect=None)),
        (None, httpx.Timeout(None)),
        (LONGEST_SECONDS, httpx.Timeout(LONGEST_SECONDS)),
    ],
)
def test_usable_timeouts_are_taken_as_httpx_timeouts(timeout: Any, expected: httpx.Timeout) -> None:
    assert check_timeout(timeout) == expected
    with KlaviyoProfiles(api_key=API_KEY, base_url="http://127.0.0.1:9", timeout=timeout) as made:
        assert made.timeout == expected


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": "3"}, "max_attempts"),
        ({"max_attempts": 2.5}, "max_attempts"),
        ({"max_attempts": True}, "max_attempts"),
        ({"total_timeout": -1}, "total_timeout"),
        ({"total_timeout": math.nan}, "total_timeout"),
        ({"total_timeout": "60"}, "total_timeout"),
        ({"total_timeout": 1e10}, "total_timeout"),
        ({"timeout": 1e10}, "timeout"),
    ],
)
def test_per_call_retry_overrides_are_checked_before_sending(
    client: KlaviyoProfiles, recorder: Recorder, override: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        client.create_or_update_profile(email="ada@example.com", **override)
    assert caught.value.field == field
    assert recorder.requests == []


def test_a_timeout_beyond_a_week_is_refused_before_anything_is_sent(
    client: KlaviyoProfiles, recorder: Recorder
) -> None:
    # A socket timeout above about 1e10 s overflows the platform's timers once sending.
    with pytest.raises(InvalidInputError, match="timeout"):
        client.with_options(timeout=1e20)
    rows = [{"email": f"u{i}@example.com"} for i in range(3)]
    with pytest.raises(InvalidInputError, match="timeout"):
        client.iter_create_or_update_profiles(iter(rows), timeout=1e20)
    with pytest.raises(InvalidInputError, match="job_timeout"):
        client.create_or_update_profiles(rows, job_timeout=1e10)
    with pytest.raises(InvalidInputError, match="poll_interval"):
        client.create_or_update_profiles(rows, poll_interval=1e10)
    assert recorder.requests == []
