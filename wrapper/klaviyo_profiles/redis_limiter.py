"""Pacing shared by a fleet of processes on several hosts, through Redis.

Klaviyo counts requests per account. Processes on one host can share a budget through
:class:`~klaviyo_profiles.ratelimit.SQLiteBackend`; a fleet on several hosts shares it through
one Redis with :class:`RedisBackend`::

    backend = RedisBackend("redis://redis.internal:6379/0")
    client = KlaviyoProfiles(limiter_backend=backend)          # or AsyncKlaviyoProfiles
    # or without code: KLAVIYO_LIMITER_URL=redis://redis.internal:6379/0

Why a script of our own rather than a library's Redis bucket: pyrate-limiter's ``RedisBucket``
and ``limits``' Redis storage both stamp requests with the *caller's* clock, so hosts whose
clocks disagree by a second can together overrun a one-second window; neither has a place for
the server's feedback (a 429's ``Retry-After`` held for the whole account, a slower pace when
``RateLimit-Remaining`` runs low), and pyrate-limiter's bucket loses its script when Redis
restarts. So the request log is kept with redis-py and one Lua script (:data:`_TAKE`), which
in one atomic step reads Redis's own ``TIME``, applies any hold or pace the fleet has been
told about, counts every window (the same sliding-window log as the local backends) and
records the request. Host clocks are only used for durations (how long to sleep), never
compared with each other.

What lives in Redis, for prefix ``klaviyo-profiles``, key fingerprint ``3f2a9c01e4b5d6a7`` and
Klaviyo's 2026-07-15 limits (the braces keep the keys in one Redis Cluster slot)::

    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:log      sorted set: one entry per
                                                                   request, scored by server time
    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:hold     nothing starts before this
    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:pace     hash: until, interval, next
    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:members  sorted set: processes seen

Every key expires (the log and member list a second after the longest window, a hold or a pace
when it ends); the API key itself never reaches Redis, only its fingerprint.

Failure behaviour (decided here, documented in the README's "Running a fleet"):

* **Redis unreachable when the limiter is created** (the first client for a key in a process):
  :class:`LimiterUnavailableError` by default, so a misconfigured fleet fails at start rather
  than overrunning the account. With ``on_unavailable="local"`` the process logs a warning and
  paces locally (below) until Redis answers.
* **Redis lost mid-run**: no request fails because of it. The process logs one warning and
  paces alone at its share of the limits (``fallback_share``, by default one over the number
  of processes Redis last saw sending), seeded with its own recent requests, still obeying the
  server's ``RateLimit-Remaining`` and 429s locally. It tries Redis again every
  ``reconnect_interval`` seconds; once back, it writes its recent requests into the fleet's log
  (idempotently, so nothing is counted twice) and paces fleet-wide again.
* **Redis restarted empty**: a process that finds itself missing from the member list while it
  has recent requests re-sends them before taking a slot, so the windows are whole again.
* **Clock differences**: windows, holds and paces are measured on Redis's clock only. If the
  Redis host's own clock steps backwards, entries from the "future" still count (the windows
  count everything newer than their start), so a step can slow the fleet but not overrun it.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import logging
import math
import os
import re
import secrets
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs
from pyrate_limiter import AbstractBucket, InMemoryBucket, Rate, RateItem

from .errors import InvalidInputError, KlaviyoError
from .ratelimit import LIMITER_URL_ENV, RateLimiter, RateLimits
from .result import RateLimitInfo

__all__ = ["LIMITER_URL_ENV", "LimiterUnavailableError", "RedisBackend", "RedisRateLimiter"]

_logger = logging.getLogger("klaviyo_profiles.ratelimit")

_SCHEMES = ("redis", "rediss", "unix")
_OUR_QUERY = ("prefix", "on_unavailable", "fallback_share")
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SAFE_PREFIX = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class LimiterUnavailableError(KlaviyoError, ConnectionError):
    """The shared limiter's storage could not be reached when the limiter was created.

    The message names the server with any password removed.
    """


def _redact(url: str) -> str:
    """The URL without its password (user names stay: they help find the right server)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def _check_url(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or urlsplit(value).scheme not in _SCHEMES:
        shown = _redact(value) if isinstance(value, str) else type(value).__name__
        raise InvalidInputError(
            "limiter_backend.url", "a redis://, rediss:// or unix:// URL", f"got {shown!r}"
        )


def _check_prefix(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _SAFE_PREFIX.match(value):
        raise InvalidInputError(
            "limiter_backend.prefix",
            "1 to 64 characters among letters, digits and _ . : -",
            f"got {value!r}",
        )


def _check_choice(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in ("error", "local"):
        raise InvalidInputError(
            "limiter_backend.on_unavailable", "'error' or 'local'", f"got {value!r}"
        )


def _check_share(instance: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not (isinstance(value, (int, float)) and 0 < value <= 1):
        raise InvalidInputError(
            "limiter_backend.fallback_share", "a number in (0, 1], or None", f"got {value!r}"
        )


def _check_seconds(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (isinstance(value, (int, float)) and 0 < value < math.inf):
        raise InvalidInputError(
            f"limiter_backend.{attribute.name}", "a positive number of seconds", f"got {value!r}"
        )


@attrs.frozen(repr=False)
class RedisBackend:
    """The request log lives in Redis, shared by every process that uses the same server.

    Give it to a client (``limiter_backend=``) or to ``shared_limiter``, or name it by URL
    (``$KLAVIYO_LIMITER_URL``, ``--limiter``): each of those makes a :class:`RedisRateLimiter`.
    A plain ``RateLimiter(limits, backend=RedisBackend(...))`` would only use the local log.

    Example::

        RedisBackend("redis://redis.internal:6379/0")
        RedisBackend("rediss://:secret@redis.internal:6380/2", prefix="shop-eu")
        backend_from_uri("redis://localhost:6379/0?prefix=shop-eu&on_unavailable=local")

    Attributes:
        url: where Redis is (``redis://``, ``rediss://`` or ``unix://``, as redis-py reads it).
        prefix: the first part of every key, to keep several applications apart.
        on_unavailable: ``"error"`` (default) raises :class:`LimiterUnavailableError` when
            Redis cannot be reached as the limiter is created; ``"local"`` logs a warning and
            paces locally until Redis answers.
        fallback_share: the share of the limits one process uses while Redis is unreachable;
            ``None`` means one over the number of processes Redis last saw sending (1 when it
            was never reached: set it, e.g. ``0.25`` for four processes, with ``"local"``).
        connect_timeout: seconds to wait for a connection to Redis.
        timeout: seconds to wait for an answer from Redis.
        reconnect_interval: seconds between attempts to reach Redis again after losing it.
    """

    url: str = attrs.field(validator=_check_url)
    prefix: str = attrs.field(default="klaviyo-profiles", validator=_check_prefix)
    on_unavailable: Literal["error", "local"] = attrs.field(
        default="error", validator=_check_choice
    )
    fallback_share: float | None = attrs.field(default=None, validator=_check_share)
    connect_timeout: float = attrs.field(default=0.5, validator=_check_seconds)
    timeout: float = attrs.field(default=1.0, validator=_check_seconds)
    reconnect_interval: float = attrs.field(default=1.0, validator=_check_seconds)

    def __repr__(self) -> str:
        return (
            f"RedisBackend({_redact(self.url)!r}, prefix={self.prefix!r}, "
            f"on_unavailable={self.on_unavailable!r})"
        )

    @classmethod
    def from_url(cls, uri: str) -> RedisBackend:
        """Build a backend from a URL whose query may also set ``prefix``, ``on_unavailable``
        and ``fallback_share`` (the rest of the query is redis-py's)."""
        _check_url(None, None, uri)  # type: ignore[arg-type]
        parts = urlsplit(uri)
        query = parse_qsl(parts.query, keep_blank_values=True)
        ours = {name: value for name, value in query if name in _OUR_QUERY}
        rest = [(name, value) for name, value in query if name not in _OUR_QUERY]
        options: dict[str, Any] = {}
        if "prefix" in ours:
            options["prefix"] = ours["prefix"]
        if "on_unavailable" in ours:
            options["on_unavailable"] = ours["on_unavailable"]
        if "fallback_share" in ours:
            try:
                options["fallback_share"] = float(ours["fallback_share"])
            except ValueError:
                raise InvalidInputError(
                    "limiter_backend.fallback_share",
                    "a number in (0, 1]",
                    f"got {ours['fallback_share']!r}",
                ) from None
        return cls(urlunsplit(parts._replace(query=urlencode(rest))), **options)

    # -- LimiterBackend: the local log used while Redis is out of reach -------------------

    @property
    def blocking(self) -> bool:
        # The async path talks to Redis with redis.asyncio (RedisRateLimiter overrides it).
        return False

    def now(self) -> float:
        """The local clock, used only for local pacing and durations; windows in Redis are
        measured on Redis's clock."""
        return time.monotonic()

    def open_bucket(self, key: str, rates: list[Rate]) -> AbstractBucket:
        return InMemoryBucket(rates)

    def leak(self, bucket: AbstractBucket, now: float) -> None:
        bucket.leak(int(now * 1000))

    # -- the hook shared_limiter uses ---------------------------------------------------

    def create_limiter(self, limits: RateLimits, key: str) -> RedisRateLimiter:
        """A limiter for the fingerprint ``key`` that counts in Redis."""
        return RedisRateLimiter(limits, backend=self, key=key)

    def keys(self, key: str, limits: RateLimits) -> list[str]:
        """The Redis keys for fingerprint ``key`` and ``limits``: log, hold, pace, members."""
        if not _SAFE_KEY.match(key):
            # Not a fingerprint as the clients make them: never let it reach Redis as text.
            key = hashlib.sha256(key.encode()).hexdigest()[:16]
        tag = (
            f"{limits.burst_limit}per{limits.burst_period:g}s-"
            f"{limits.steady_limit}per{limits.steady_period:g}s"
        )
        base = f"{self.prefix}:{{{key}:{tag}}}"
        return [f"{base}:log", f"{base}:hold", f"{base}:pace", f"{base}:members"]

    def connection_options(self) -> dict[str, Any]:
        return {
            "socket_connect_timeout": self.connect_timeout,
            "socket_timeout": self.timeout,
            "health_check_interval": 0,
        }


# One atomic step on Redis's clock. Replies are strings where they carry fractions, because
# Redis turns Lua numbers into integers. Reply: {status, wait_ms, fleet, server_ms} where
# status is 1 (taken or feedback applied), 0 (wait wait_ms) or -1 (this process has recent
# requests Redis no longer knows: call again with them).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function ms(x) return string.format('%.3f', x) end
local log, hold, pace, members = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local take = ARGV[1] == '1'
local proc, entry = ARGV[2], ARGV[3]
local hold_ms = tonumber(ARGV[4])
local remaining, reset_ms = tonumber(ARGV[5]), tonumber(ARGV[6])
local expect_known = ARGV[7] == '1'
local ttl = tonumber(ARGV[8])
local nrates = tonumber(ARGV[9])
local steady_limit = tonumber(ARGV[8 + 2 * nrates])
local longest = tonumber(ARGV[9 + 2 * nrates])
local at = 10 + 2 * nrates
local nreplay = tonumber(ARGV[at])

if take and nreplay == 0 and expect_known and not redis.call('ZSCORE', members, proc) then
    return {-1, '0', 0, ms(now)}
end
for i = 1, nreplay do
    redis.call('ZADD', log, 'NX', ms(now - tonumber(ARGV[at + 2 * i - 1])), ARGV[at + 2 * i])
end
redis.call('ZREMRANGEBYSCORE', log, '-inf', '(' .. ms(now - longest))
redis.call('ZADD', members, ms(now), proc)
redis.call('ZREMRANGEBYSCORE', members, '-inf', '(' .. ms(now - longest))
redis.call('PEXPIRE', members, ttl)
local fleet = redis.call('ZCARD', members)

local function hold_for(span)
    local current = tonumber(redis.call('GET', hold) or '0')
    if now + span > current then
        redis.call('SET', hold, ms(now + span), 'PX', math.ceil(span) + 1)
    end
end
if hold_ms > 0 then hold_for(hold_ms) end
if remaining >= 0 and reset_ms > 0 then
    local used = redis.call('ZCOUNT', log, '(' .. ms(now - longest), '+inf')
    if remaining < steady_limit - used then
        if remaining <= 0 then
            hold_for(reset_ms)
        else
            local interval = reset_ms / remaining
            local p = redis.call('HMGET', pace, 'until', 'interval')
            local p_until = tonumber(p[1] or '0')
            if now < p_until then interval = math.max(interval, tonumber(p[2] or '0')) end
            local new_until = math.max(p_until, now + reset_ms)
            redis.call('HSET', pace, 'until', ms(new_until), 'interval', ms(interval))
            redis.call('PEXPIRE', pace, math.ceil(new_until - now) + 1)
        end
    end
end
if not take then return {1, '0', fleet, ms(now)} end

local gate = tonumber(redis.call('GET', hold) or '0')
local p = redis.call('HMGET', pace, 'until', 'interval', 'next')
local p_until = tonumber(p[1] or '0')
if now < p_until then gate = math.max(gate, tonumber(p[3] or '0')) end
if now < gate then return {0, ms(gate - now), fleet, ms(now)} end

local wait = 0
for i = 0, nrates - 1 do
    local limit = tonumber(ARGV[10 + 2 * i])
    local period = tonumber(ARGV[11 + 2 * i])
    local start = '(' .. ms(now - period)
    local count = redis.call('ZCOUNT', log, start, '+inf')
    if count >= limit then
        -- the request whose leaving the window makes room for one more
        local first = redis.call('ZRANGEBYSCORE', log, start, '+inf', 'WITHSCORES',
            'LIMIT', count - limit, 1)
        wait = math.max(wait, tonumber(first[2]) + period - now)
    end
end
if wait > 0 then return {0, ms(wait), fleet, ms(now)} end

redis.call('ZADD', log, ms(now), entry)
redis.call('PEXPIRE', log, ttl)
if now < p_until then
    local next_slot = math.max(tonumber(p[3] or '0'), now) + tonumber(p[2] or '0')
    redis.call('HSET', pace, 'next', ms(next_slot))
end
return {1, '0', fleet, ms(now)}
"""


async def _close_on_shutdown(client: Any) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await client.aclose()


def _share_of(limits: RateLimits, share: float) -> RateLimits:
    """``limits`` scaled down to ``share`` of each window, never below one request."""
    burst = max(1, math.floor(limits.burst_limit * share))
    steady = max(burst + 1, math.floor(limits.steady_limit * share))
    try:
        return attrs.evolve(limits, burst_limit=burst, steady_limit=steady)
    except ValueError:  # pragma: no cover - only for windows of nearly equal length
        return attrs.evolve(limits, burst_limit=1, steady_limit=2)


class RedisRateLimiter(RateLimiter):
    """A :class:`~klaviyo_profiles.ratelimit.RateLimiter` whose windows, 429 holds and pace
    live in Redis; made by :func:`~klaviyo_profiles.ratelimit.shared_limiter` for a
    :class:`RedisBackend`.

    The async path (``acquire_async``) talks to Redis through ``redis.asyncio`` and never
    blocks the event loop; creating the limiter checks once, synchronously, that Redis
    answers (at most ``connect_timeout``), so create clients at start-up.
    """

    backend: RedisBackend

    def __init__(self, limits: RateLimits, *, backend: RedisBackend, key: str) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        super().__init__(limits, backend=backend, key=key)
        self._full_limits = limits
        rates = sorted(limits.rates(), key=lambda rate: rate.interval)
        self._rate_args = [str(part) for rate in rates for part in (rate.limit, rate.interval)]
        self._longest_ms = rates[-1].interval
        self._keys = backend.keys(key, limits)
        self._member = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._sequence = itertools.count()
        self._recent: deque[tuple[float, str]] = deque()  # (monotonic, log entry) per request
        self._fleet_size = 1
        self._shared = True  # False while pacing locally
        self._retry_at = -math.inf
        self._replay_due = False
        self._observation: tuple[int, float] | None = None  # (remaining, reset deadline)
        self._tasks: set[asyncio.Task[None]] = set()
        self._redis_error: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._sync = redis.Redis.from_url(
            backend.url, retry=Retry(NoBackoff(), 0), **backend.connection_options()
        )
        self._sync_script = self._sync.register_script(_TAKE)
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        try:
            self._sync.ping()
        except self._redis_error as exc:
            where = _redact(backend.url)
            if backend.on_unavailable == "error":
                self._sync.close()
                raise LimiterUnavailableError(
                    f"cannot reach the Redis limiter at {where} ({type(exc).__name__}: {exc}); "
                    "start Redis, fix the URL, or choose on_unavailable='local' (in a URL: "
                    "?on_unavailable=local) to pace locally until it answers"
                ) from None
            self._go_local(exc)

    def __repr__(self) -> str:
        return f"RedisRateLimiter({self._full_limits!r}, backend={self.backend!r})"

    @property
    def shared(self) -> bool:
        """Whether the limiter is counting in Redis now (``False`` while pacing locally)."""
        return self._shared

    # -- taking a slot ---------------------------------------------------------------------

    def _try_take(self) -> float:
        held = self._local_hold()
        if held > 0:
            return held
        if self._redis_due():
            for _ in range(2):  # a second time only to re-send what Redis lost
                args = self._args(take=True)
                try:
                    reply = self._sync_script(keys=self._keys, args=args)
                except self._redis_error as exc:
                    self._go_local(exc)
                    break
                wait = self._settle(reply, args)
                if wait is not None:
                    return wait
        return RateLimiter._try_take(self)

    async def _try_take_async(self) -> float:
        held = self._local_hold()
        if held > 0:
            return held
        if self._redis_due():
            for _ in range(2):
                args = self._args(take=True)
                try:
                    reply = await (await self._async_script())(keys=self._keys, args=args)
                except self._redis_error as exc:
                    self._go_local(exc)
                    break
                wait = self._settle(reply, args)
                if wait is not None:
                    return wait
        return RateLimiter._try_take(self)

    def _local_hold(self) -> float:
        # A 429 this process saw holds it even if Redis lost the hold (a restart, say).
        return self._blocked_until - time.monotonic()

    def _redis_due(self) -> bool:
        return self._shared or time.monotonic() >= self._retry_at

    def _args(self, *, take: bool) -> list[str]:
        now = time.monotonic()
        with self._lock:
            self._forget_recent(now)
            observation, self._observation = self._observation, None
            replay = self._recent if self._replay_due else ()
            replay_args = [
                part for moment, entry in replay for part in (f"{(now - moment) * 1000:.3f}", entry)
            ]
            expect_known = bool(self._recent) and not self._replay_due
            entry = f"{self._member}:{next(self._sequence)}"
        remaining, reset_ms = -1, 0.0
        if observation is not None:
            remaining, reset_ms = observation[0], max(0.0, (observation[1] - now) * 1000)
        hold_ms = max(0.0, (self._blocked_until - now) * 1000)
        return [
            "1" if take else "0",
            self._member,
            entry,
            f"{hold_ms:.3f}",
            str(remaining),
            f"{reset_ms:.3f}",
            "1" if expect_known else "0",
            str(self._longest_ms + 1000),
            str(len(self._rate_args) // 2),
            *self._rate_args,
            str(len(replay_args) // 2),
            *replay_args,
        ]

    def _settle(self, reply: Any, args: list[str]) -> float | None:
        """Act on the script's reply; ``None`` means call again (with the replay)."""
        status, wait_ms, fleet = int(reply[0]), float(reply[1]), int(reply[2])
        now = time.monotonic()
        with self._lock:
            if status == -1:
                self._replay_due = True
                return None
            self._replay_due = False
            self._fleet_size = max(1, fleet)
            if not self._shared:
                self._shared = True
                self.limits = self._full_limits
                _logger.warning(
                    "the Redis limiter at %s answers again; pacing with the fleet",
                    _redact(self.backend.url),
                )
            if status == 1 and args[0] == "1":
                self._recent.append((now, args[2]))
                return 0.0
        return max(wait_ms, 1.0) / 1000 if status == 0 else 0.0

    def _forget_recent(self, now: float) -> None:
        horizon = now - self._longest_ms / 1000
        while self._recent and self._recent[0][0] < horizon:
            self._recent.popleft()

    def _record_sent(self, now: float) -> None:
        # A request sent while pacing locally: Redis hears of it on reconnection.
        super()._record_sent(now)
        self._recent.append((now, f"{self._member}:{next(self._sequence)}"))

    def _go_local(self, exc: BaseException) -> None:
        """Pace alone at this process's share until Redis answers again."""
        now = time.monotonic()
        with self._lock:
            self._retry_at = now + self.backend.reconnect_interval
            self._replay_due = True
            if not self._shared:
                return
            self._shared = False
            share = self.backend.fallback_share or 1 / self._fleet_size
            self.limits = _share_of(self._full_limits, share)
            bucket = InMemoryBucket(self.limits.rates())
            self._forget_recent(now)
            # Start from this process's own recent requests, so that its share of each
            # window already counts what it sent there.
            bucket.items = sorted(
                (RateItem(entry, round(moment * 1000)) for moment, entry in self._recent),
                key=lambda item: item.timestamp,
            )
            self._bucket = bucket
            self._sent = deque(moment for moment, _ in self._recent)
            _logger.warning(
                "the Redis limiter at %s is unreachable (%s); pacing locally at %d/%gs and "
                "%d/%gs until it answers",
                _redact(self.backend.url),
                type(exc).__name__,
                self.limits.burst_limit,
                self.limits.burst_period,
                self.limits.steady_limit,
                self.limits.steady_period,
            )

    async def _async_script(self) -> Any:
        """The script on this event loop's own ``redis.asyncio`` client (its connections
        belong to the loop that opened them)."""
        loop = asyncio.get_running_loop()
        entry = self._async.get(loop)
        if entry is None:
            import redis.asyncio
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            client = redis.asyncio.Redis.from_url(
                self.backend.url, retry=Retry(NoBackoff(), 0), **self.backend.connection_options()
            )
            # Closed when the loop shuts down: asyncio.run() and runners close the loop's
            # async generators first, which runs this one's ``finally``. Without it the
            # connections would outlive their loop and be reported unclosed.
            closer = _close_on_shutdown(client)
            await closer.__anext__()
            entry = (client.register_script(_TAKE), closer)
            self._async[loop] = entry
        return entry[0]

    # -- feedback ----------------------------------------------------------------------

    def observe(self, info: RateLimitInfo | None) -> None:
        """Share the server's ``RateLimit-Remaining`` with the fleet (see the base class).

        The observation rides on this process's next request to Redis; a zero budget is
        sent at once, because it holds the whole fleet.
        """
        if not self._shared:
            super().observe(info)
            return
        if info is None or info.remaining is None or info.reset is None:
            return
        with self._lock:
            self._observation = (info.remaining, time.monotonic() + max(0.0, info.reset))
        if info.remaining <= 0:
            self._publish()

    def penalize(self, retry_after: float | None) -> None:
        """After a 429: hold this process and, through Redis, the whole fleet."""
        super().penalize(retry_after)
        if self._shared:
            self._publish()

    def _publish(self) -> None:
        """Send pending feedback to Redis now: from an event loop as a task, otherwise on
        this thread (sync clients)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            args = self._args(take=False)
            try:
                self._settle(self._sync_script(keys=self._keys, args=args), args)
            except self._redis_error as exc:
                self._go_local(exc)
            return
        task = loop.create_task(self._publish_async())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish_async(self) -> None:
        args = self._args(take=False)
        try:
            script = await self._async_script()
            self._settle(await script(keys=self._keys, args=args), args)
        except self._redis_error as exc:
            self._go_local(exc)

    def close(self) -> None:
        """Close the connections to Redis."""
        super().close()
        self._sync.close()
        self._async.clear()
