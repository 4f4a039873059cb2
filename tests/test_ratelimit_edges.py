"""The core limiter at its edges: settings checked when made, a wait budget counted on the
clock, URLs shown with every credential masked, an SQLite file that cannot be used, and the
Redis limiter plugged in through a declared protocol with no import going the other way.

Waits run on a fake clock that only sleeping (and the store, where a test says so) advances,
so every assertion is about the limiter's decisions, not the machine's speed.
"""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from klaviyo_profiles import KlaviyoProfiles
from klaviyo_profiles.errors import LimiterUnavailableError, RateLimitWaitError
from klaviyo_profiles.limiter_urls import shared_limiter
from klaviyo_profiles.ratelimit import (
    LimiterProvider,
    MemoryBackend,
    RateLimiter,
    RateLimits,
    SQLiteBackend,
    limiter_for,
    redact_url,
)

PACKAGE = Path(__file__).resolve().parent.parent / "wrapper" / "klaviyo_profiles"

#: One request a second (and 100 in 100 s): every wait is for the burst window.
ONE_A_SECOND = RateLimits(
    burst_limit=1, burst_period=1.0, steady_limit=100, steady_period=100.0, safety_margin=0
)


class LateClock:
    """Time that passes when someone sleeps, and ``late`` seconds more on waking (a loop
    busy with other tasks); after each sleep a competitor takes the slot that came free."""

    def __init__(self, late: float) -> None:
        self.now = 1000.0
        self.late = late
        self.competitor: RateLimiter | None = None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late
        if self.competitor is not None:
            assert self.competitor._try_take() == 0.0

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


# -- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"burst_limit": 2.5},
        {"steady_limit": 750.0},
        {"burst_limit": True},
        {"safety_margin": float("nan")},
        {"safety_margin": float("inf")},
        {"safety_margin": "0.1"},
        {"burst_period": float("nan")},
    ],
    ids=repr,
)
def test_limits_that_are_not_whole_requests_or_finite_seconds_are_refused_when_made(
    change: dict[str, object],
) -> None:
    settings: dict[str, object] = {
        "burst_limit": 75,
        "burst_period": 1.0,
        "steady_limit": 750,
        "steady_period": 60.0,
        **change,
    }
    with pytest.raises(ValueError, match=next(iter(change))):
        RateLimits(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_wait", [float("nan"), "1", True])
def test_a_max_wait_that_is_not_a_number_is_refused_and_takes_no_slot(max_wait: object) -> None:
    clock = LateClock(0.0)
    limiter = RateLimiter(ONE_A_SECOND, clock=clock, sleep=clock.sleep)

    with pytest.raises(ValueError, match="max_wait"):
        limiter.acquire(max_wait=max_wait)  # type: ignore[arg-type]

    assert limiter.acquire(max_wait=0) == 0.0  # the slot is still free


# -- the wait budget is counted on the clock ---------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_wait_budget_is_counted_on_the_clock_not_as_the_sum_of_the_sleeps(mode: str) -> None:
    # Each sleep wakes half a second late and a competitor takes the slot meanwhile: after one
    # sleep of 1 s, 1.5 s of the 2 s budget are gone and the next wait (1 s) no longer fits.
    # Counted as sleeps alone, 1 s would still have looked left, and the call slept past it.
    clock = LateClock(0.5)
    limiter = RateLimiter(
        ONE_A_SECOND, clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep
    )
    clock.competitor = RateLimiter(ONE_A_SECOND, clock=clock)
    clock.competitor._bucket = limiter._bucket  # one store, two users
    assert limiter._try_take() == 0.0
    started = clock()

    with pytest.raises(RateLimitWaitError) as caught:
        if mode == "sync":
            limiter.acquire(max_wait=2.0)
        else:
            asyncio.run(limiter.acquire_async(max_wait=2.0))

    assert clock() - started <= 2.0  # refused before the budget ran out, not after
    assert caught.value.remaining == pytest.approx(2.0 - (clock() - started))
    assert caught.value.wait > caught.value.remaining


# -- URLs are shown with every credential masked -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "secrets"),
    [
        ("rediss://h:1/0?ssl_password=S3cretKeyPass", ["S3cretKeyPass"]),
        ("redis://h:1/0?ssl_keyfile=/k/S3cret.pem&db=2", ["S3cret"]),
        ("redis://h:1/0?pass%77ord=S3cret", ["S3cret"]),
        ("redis://h:1/0?PASSWORD=S3cret&username=Bobcat", ["S3cret", "Bobcat"]),
        ("redis://h:1/0?db=0;password=S3cret", ["S3cret"]),
        ("redis://h:1/0?S3cret", ["S3cret"]),
        ("redis://h:1/0?client_name=S3cret", ["S3cret"]),
    ],
)
def test_every_query_value_but_a_known_setting_is_masked(url: str, secrets: list[str]) -> None:
    shown = redact_url(url)
    assert all(secret not in shown for secret in secrets), shown


def test_the_settings_that_hold_no_secret_stay_readable() -> None:
    url = "redis://h:1/2?db=2&prefix=shop.eu&socket_timeout=1.5&on_unavailable=local"
    assert redact_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "redis://app:pa/ss@h:1/0",
        "redis://:pa?ss@h:1/0",
        "rediss+tls://app:pa/ss@h:1/0",
        "http://app:pa?ss@h",
        "redis://app:pa/ss@h:1/0?db=1",
    ],
)
def test_a_password_holding_a_slash_or_question_mark_is_never_shown(url: str) -> None:
    shown = redact_url(url)
    assert "pa" not in shown and "ss" not in shown, shown


# -- an SQLite file that cannot be used ---------------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _truncated(path: Path) -> None:
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("create table filler(a)")
        connection.executemany("insert into filler values (?)", [(i,) for i in range(5000)])
    connection.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 17])


def _lock_is_a_directory(path: Path) -> None:
    Path(f"{path}.lock").mkdir()


@pytest.mark.parametrize("spoil", [_garbage, _truncated, _lock_is_a_directory])
def test_an_sqlite_file_that_cannot_be_used_is_one_typed_error_before_anything_is_sent(
    tmp_path: Path, spoil: object
) -> None:
    path = tmp_path / "limits.sqlite"
    spoil(path)  # type: ignore[operator]

    with pytest.raises(LimiterUnavailableError) as caught:
        KlaviyoProfiles(
            api_key="pk_" + "5" * 32,
            base_url="http://127.0.0.1:9",
            limiter_backend=SQLiteBackend(path),
        )

    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


# -- the Redis limiter is a declared plugin ----------------------------------------------------


@attrs.frozen
class _Provider(LimiterProvider):
    """A backend that brings its own limiter, as the Redis one does."""

    made: list[RateLimits] = attrs.field(factory=list, eq=False, hash=False)

    @property
    def blocking(self) -> bool:
        return False

    def now(self) -> float:
        return MemoryBackend().now()

    def open_bucket(self, key: str, rates: list[object]) -> object:
        return MemoryBackend().open_bucket(key, rates)  # type: ignore[arg-type]

    def leak(self, bucket: object, now: float) -> None:
        MemoryBackend().leak(bucket, now)  # type: ignore[arg-type]

    def create_limiter(self, limits: RateLimits, key: str) -> RateLimiter:
        self.made.append(limits)
        return RateLimiter(limits, backend=MemoryBackend(), key=key)


def test_a_backend_that_is_a_limiter_provider_makes_the_limiter_once() -> None:
    provider = _Provider()
    limits = RateLimits(3, 1.0, 5, 10.0)

    first = limiter_for("provided", limits, backend=provider)  # type: ignore[arg-type]
    again = shared_limiter("provided", limits, backend=provider)  # type: ignore[arg-type]

    assert first is again
    assert provider.made == [limits]


def test_the_core_limiter_refuses_a_url_naming_where_urls_are_read() -> None:
    with pytest.raises(TypeError, match="limiter_urls"):
        limiter_for("k", RateLimits(3, 1.0, 5, 10.0), backend="memory")  # type: ignore[arg-type]


def _imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (functions included), relative ones
    resolved within the package."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "klaviyo_profiles." if node.level else ""
            names.add(base + (node.module or ""))
    return names


def test_the_core_limiter_imports_neither_the_redis_plugin_nor_the_urls_nor_redis() -> None:
    core = _imported(PACKAGE / "ratelimit.py")
    plugin = _imported(PACKAGE / "redis_limiter.py") | _imported(PACKAGE / "_fleet_log.py")

    assert not {n for n in core if "redis" in n or "limiter_urls" in n}
    assert "klaviyo_profiles.limiter_urls" not in plugin


def test_importing_the_package_loads_no_redis_plugin_nor_pyrate_limiters_buckets() -> None:
    code = (
        "import sys, klaviyo_profiles; "
        "print(sorted(m for m in sys.modules if m.startswith(('redis', 'pyrate_limiter', "
        "'klaviyo_profiles.redis_limiter'))))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert output.stdout.strip() == "[]", output.stderr
