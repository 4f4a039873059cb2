"""Server-side rate limits: a burst and a steady fixed window per API key.

A window opens with the first request that finds no open window and lasts its period; within
it at most ``limit`` requests are admitted. A request is admitted only when both windows have
room, and only an admitted request is counted, so a request answered 429 never uses up quota
and no request is counted twice.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .config import RateLimitConfig


@dataclass
class _Window:
    start: float
    count: int


@dataclass(frozen=True)
class WindowDecision:
    """The outcome for one request, with the numbers its response headers report."""

    allowed: bool
    #: Steady window: its limit, what is left after this request, whole seconds until it resets.
    limit: int
    remaining: int
    reset: int
    #: Whole seconds until a request would be admitted (0 when allowed).
    retry_after: int

    def headers(self) -> dict[str, str]:
        """``RateLimit-*`` headers for an admitted request, ``Retry-After`` for a refused one."""
        if not self.allowed:
            return {"Retry-After": str(self.retry_after)}
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def _whole_seconds(seconds: float) -> int:
    # Clients wait at least this long, so round up, and never tell them "0".
    return max(1, math.ceil(seconds - 1e-9))


class WindowCounter:
    """Thread-safe fixed-window counters, keyed by API key."""

    def __init__(
        self, config: RateLimitConfig, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._burst: dict[str, _Window] = {}
        self._steady: dict[str, _Window] = {}

    @property
    def config(self) -> RateLimitConfig:
        """The limits in force."""
        return self._config

    def configure(self, config: RateLimitConfig) -> None:
        """New limits; every window starts afresh."""
        with self._lock:
            self._config = config
            self._burst.clear()
            self._steady.clear()

    def reset(self) -> None:
        """Forget every counter."""
        self.configure(self._config)

    def check(self, key: str) -> WindowDecision | None:
        """Admit and count one request of ``key``, or refuse it; ``None`` when limits are off."""
        config = self._config
        if not config.enabled:
            return None
        with self._lock:
            now = self._clock()
            burst = self._open(self._burst, key, now, config.burst_period)
            steady = self._open(self._steady, key, now, config.steady_period)
            steady_left = steady.start + config.steady_period - now
            waits = []
            if burst.count >= config.burst_limit:
                waits.append(burst.start + config.burst_period - now)
            if steady.count >= config.steady_limit:
                waits.append(steady_left)
            if waits:
                return WindowDecision(
                    allowed=False,
                    limit=config.steady_limit,
                    remaining=0,
                    reset=_whole_seconds(steady_left),
                    retry_after=_whole_seconds(max(waits)),
                )
            burst.count += 1
            steady.count += 1
            return WindowDecision(
                allowed=True,
                limit=config.steady_limit,
                remaining=config.steady_limit - steady.count,
                reset=_whole_seconds(steady_left),
                retry_after=0,
            )

    @staticmethod
    def _open(windows: dict[str, _Window], key: str, now: float, period: float) -> _Window:
        window = windows.get(key)
        if window is None or now >= window.start + period:
            window = _Window(start=now, count=0)
            windows[key] = window
        return window
