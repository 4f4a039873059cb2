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
    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:flight   longest time in flight lately

Every key expires (the log, member list and flight a second after the longest window, a hold or
a pace when it ends); the API key itself never reaches Redis, only its fingerprint.

Failure behaviour (decided here, documented in the README's "Running a fleet"):

* **Redis unreachable when the limiter is created** (the first client for a key in a process):
  :class:`LimiterUnavailableError` by default, so a misconfigured fleet fails at start rather
  than overrunning the account. With ``on_unavailable="local"`` the process logs a warning and
  paces locally (below) until Redis answers. A limiter made later for a Redis this process
  has already reached (a bulk operation's, made on first use) meets an outage as a running
  one does: it paces locally.
* **Redis lost mid-run**: no request fails because of it. The process logs one warning and
  paces alone at its share of the limits (``fallback_share``, by default one over the number
  of processes Redis last saw sending), seeded with its own recent requests, still obeying the
  server's ``RateLimit-Remaining`` and 429s locally. It tries Redis again every
  ``reconnect_interval`` seconds; once back, it writes its recent requests into the fleet's log
  (idempotently, so nothing is counted twice) and paces fleet-wide again.
* **Redis restarted empty**: a process that finds itself missing from the member list while it
  has recent requests re-sends them before taking a slot, so the windows are whole again.
* **Garbage in the keys**: whatever another process wrote is input (see :data:`_TAKE`): a key
  of the wrong type or a number that does not parse is deleted, a hold, pace or log entry
  further ahead than :meth:`~klaviyo_profiles.ratelimit.RateLimiter.hold_cap` is clamped to
  it; one warning per process.
* **Time in flight**: each process reports its longest time in flight to ``flight``; every
  window is lengthened by the longest any process reported within the last steady window, so
  that a slow request of one process cannot share a server window with a fast one of another.
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
from urllib.parse import unquote_plus, urlsplit

import attrs
from pyrate_limiter import AbstractBucket, InMemoryBucket, Rate, RateItem

from .errors import InvalidInputError, LimiterUnavailableError
from .ratelimit import LIMITER_URL_ENV, LimiterProvider, RateLimiter, RateLimits, redact_url
from .result import RateLimitInfo

__all__ = ["LIMITER_URL_ENV", "LimiterUnavailableError", "RedisBackend", "RedisRateLimiter"]

_logger = logging.getLogger("klaviyo_profiles.ratelimit")

_SCHEMES = ("redis", "rediss", "unix")
_OUR_QUERY = ("prefix", "on_unavailable", "fallback_share")
_SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SAFE_PREFIX = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_URL_FIELD = "limiter_backend.url"
_UNPARSABLE = (
    "this one cannot be read (it is not shown: it may hold a password); percent-encode "
    "reserved characters in a user name or password: # as %23, / as %2F, ? as %3F, @ as %40, "
    ": as %3A, % as %25"
)


def _redact(url: str) -> str:
    """The URL with every credential masked (see :func:`~klaviyo_profiles.ratelimit.redact_url`)."""
    return redact_url(url)


def _parses(url: str) -> bool:
    """Whether ``url`` comes apart the way redis-py will take it apart: no ``#`` (a password
    holding one would be cut there), a port that is a number, a socket path for unix://."""
    if "#" in url:
        return False
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when the "port" is part of a password
    except ValueError:
        return False
    if parts.scheme == "unix":
        return bool(parts.path)
    return True


def _check_url(instance: object, attribute: object, value: str) -> None:
    if not isinstance(value, str) or urlsplit(value).scheme not in _SCHEMES:
        shown = _redact(value) if isinstance(value, str) else type(value).__name__
        raise InvalidInputError(
            _URL_FIELD, "a redis://, rediss:// or unix:// URL", f"got {shown!r}"
        )
    if not _parses(value):
        raise InvalidInputError(_URL_FIELD, "a redis://, rediss:// or unix:// URL", _UNPARSABLE)


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
class RedisBackend(LimiterProvider):
    """The request log lives in Redis, shared by every process that uses the same server.

    Give it to a client (``limiter_backend=``) or to ``limiter_for``, or name it by URL
    (``$KLAVIYO_LIMITER_URL``, ``--limiter``): each of those makes a :class:`RedisRateLimiter`,
    because the backend is a :class:`~klaviyo_profiles.ratelimit.LimiterProvider`.
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
        and ``fallback_share`` (the rest of the query is redis-py's).

        The URL reaches redis-py as it was written, less those three: taken apart and put
        together again, ``unix:///run/redis.sock`` would come back as ``unix:/run/redis.sock``,
        which redis-py refuses.
        """
        _check_url(None, None, uri)
        base, _, query = uri.partition("?")
        ours: dict[str, str] = {}
        rest: list[str] = []
        for piece in query.split("&") if query else []:
            name, _, value = piece.partition("=")
            if unquote_plus(name) in _OUR_QUERY:
                ours[unquote_plus(name)] = unquote_plus(value)
            elif piece:
                rest.append(piece)
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
        return cls(base + ("?" + "&".join(rest) if rest else ""), **options)

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

    # -- LimiterProvider: limiter_for asks the backend for its limiter -------------------

    def create_limiter(self, limits: RateLimits, key: str) -> RedisRateLimiter:
        """A limiter for the fingerprint ``key`` that counts in Redis."""
        return RedisRateLimiter(limits, backend=self, key=key)

    def keys(self, key: str, limits: RateLimits) -> list[str]:
        """The Redis keys for fingerprint ``key`` and ``limits``: log, hold, pace, members,
        flight."""
        if not _SAFE_KEY.match(key):
            # Not a fingerprint as the clients make them: never let it reach Redis as text.
            key = hashlib.sha256(key.encode()).hexdigest()[:16]
        tag = (
            f"{limits.burst_limit}per{limits.burst_period:g}s-"
            f"{limits.steady_limit}per{limits.steady_period:g}s"
        )
        base = f"{self.prefix}:{{{key}:{tag}}}"
        return [f"{base}:{name}" for name in ("log", "hold", "pace", "members", "flight")]

    def connection_options(self) -> dict[str, Any]:
        return {
            "socket_connect_timeout": self.connect_timeout,
            "socket_timeout": self.timeout,
            "health_check_interval": 0,
        }


# One atomic step on Redis's clock. Replies are strings where they carry fractions, because
# Redis turns Lua numbers into integers. Reply: {status, wait_ms, fleet, server_ms, repaired}
# where status is 1 (taken or feedback applied), 0 (wait wait_ms) or -1 (this process has
# recent requests Redis no longer knows: call again with them), and repaired is 1 when a value
# another process wrote had to be dropped or clamped.
#
# Every value read back from Redis is input: a key of the wrong type is deleted, a number that
# does not parse is ignored (its key deleted), and a moment or span further ahead than cap_ms
# (RateLimiter.hold_cap) is clamped to it, so that no client ever waits on garbage.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function ms(x) return string.format('%.3f', x) end
local log, hold, pace, members, flight = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local take = ARGV[1] == '1'
local proc, entry = ARGV[2], ARGV[3]
local hold_ms = tonumber(ARGV[4])
local remaining, reset_ms = tonumber(ARGV[5]), tonumber(ARGV[6])
local expect_known = ARGV[7] == '1'
local ttl = tonumber(ARGV[8])
local cap = tonumber(ARGV[9])
local own_flight, flight_cap = tonumber(ARGV[10]), tonumber(ARGV[11])
local nrates = tonumber(ARGV[12])
local steady_limit = tonumber(ARGV[11 + 2 * nrates])
local at = 13 + 2 * nrates
local nreplay = tonumber(ARGV[at])
local repaired = 0

local function expect_type(key, kind)
    local found = redis.call('TYPE', key)['ok']
    if found ~= 'none' and found ~= kind then
        redis.call('DEL', key)
        repaired = 1
    end
end
expect_type(log, 'zset')
expect_type(members, 'zset')
expect_type(hold, 'string')
expect_type(pace, 'hash')
expect_type(flight, 'string')
-- a number, or nil for what is no number (NaN included)
local function number(value)
    local n = tonumber(value)
    if n == nil or n ~= n then return nil end
    return n
end

local h = redis.call('GET', hold)
if h then
    local n = number(h)
    if n == nil then
        redis.call('DEL', hold)
        repaired = 1
    elseif n > now + cap then
        redis.call('SET', hold, ms(now + cap), 'PX', math.ceil(cap) + 1)
        repaired = 1
    end
end
local p = redis.call('HMGET', pace, 'until', 'interval', 'next')
if p[1] or p[2] or p[3] then
    local u, iv, nx = number(p[1] or '0'), number(p[2] or '0'), number(p[3] or '0')
    if u == nil or iv == nil or nx == nil or iv < 0 then
        redis.call('DEL', pace)
        repaired = 1
    elseif u > now + cap or iv > cap or nx > now + cap then
        redis.call('HSET', pace, 'until', ms(math.min(u, now + cap)),
            'interval', ms(math.min(iv, cap)), 'next', ms(math.min(nx, now + cap)))
        redis.call('PEXPIRE', pace, math.ceil(cap) + 1)
        repaired = 1
    end
end
if redis.call('ZREMRANGEBYSCORE', log, '(' .. ms(now + cap), '+inf') > 0 then repaired = 1 end
if redis.call('ZREMRANGEBYSCORE', members, '(' .. ms(now + cap), '+inf') > 0 then
    repaired = 1
end

-- Time in flight: every window is lengthened by the longest any process of the fleet saw
-- lately, so that arrivals fit the windows whoever sent the slow request.
local shared_flight = number(redis.call('GET', flight) or '0')
if shared_flight == nil or shared_flight < 0 then
    shared_flight = 0
    repaired = 1
end
shared_flight = math.min(shared_flight, flight_cap)
local extra = 0
if own_flight > shared_flight then
    redis.call('SET', flight, ms(own_flight), 'PX', ttl)
else
    extra = shared_flight - own_flight
end
local longest = tonumber(ARGV[12 + 2 * nrates]) + extra

if take and nreplay == 0 and expect_known and not redis.call('ZSCORE', members, proc) then
    return {-1, '0', 0, ms(now), repaired}
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
    local current = number(redis.call('GET', hold) or '0') or 0
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
            p = redis.call('HMGET', pace, 'until', 'interval')
            local p_until = tonumber(p[1] or '0')
            if now < p_until then interval = math.max(interval, tonumber(p[2] or '0')) end
            local new_until = math.max(p_until, now + reset_ms)
            redis.call('HSET', pace, 'until', ms(new_until), 'interval', ms(interval))
            redis.call('PEXPIRE', pace, math.ceil(new_until - now) + 1)
        end
    end
end
if not take then return {1, '0', fleet, ms(now), repaired} end

local gate = tonumber(redis.call('GET', hold) or '0')
p = redis.call('HMGET', pace, 'until', 'interval', 'next')
local p_until = tonumber(p[1] or '0')
if now < p_until then gate = math.max(gate, tonumber(p[3] or '0')) end
if now < gate then return {0, ms(gate - now), fleet, ms(now), repaired} end

local wait = 0
for i = 0, nrates - 1 do
    local limit = tonumber(ARGV[13 + 2 * i])
    local period = tonumber(ARGV[14 + 2 * i]) + extra
    local start = '(' .. ms(now - period)
    local count = redis.call('ZCOUNT', log, start, '+inf')
    if count >= limit then
        -- the request whose leaving the window makes room for one more
        local first = redis.call('ZRANGEBYSCORE', log, start, '+inf', 'WITHSCORES',
            'LIMIT', count - limit, 1)
        wait = math.max(wait, tonumber(first[2]) + period - now)
    end
end
if wait > 0 then return {0, ms(wait), fleet, ms(now), repaired} end

redis.call('ZADD', log, ms(now), entry)
redis.call('PEXPIRE', log, ttl)
if now < p_until then
    local next_slot = math.max(tonumber(p[3] or '0'), now) + tonumber(p[2] or '0')
    redis.call('HSET', pace, 'next', ms(next_slot))
end
return {1, '0', fleet, ms(now), repaired}
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


#: Backends this process has reached once (see RedisRateLimiter.__init__).
_reached: set[RedisBackend] = set()


def _client(module: Any, backend: RedisBackend) -> Any:
    """A redis-py client (``module`` is ``redis`` or ``redis.asyncio``) for the backend's URL;
    a URL redis-py cannot read is refused naming the setting, never showing the URL."""
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    retry = (AsyncRetry if module.__name__ == "redis.asyncio" else Retry)(NoBackoff(), 0)
    try:
        return module.Redis.from_url(backend.url, retry=retry, **backend.connection_options())
    except (ValueError, TypeError):
        # redis-py's message may quote the URL, or part of it.
        raise InvalidInputError(_URL_FIELD, "a URL redis-py can read", _UNPARSABLE) from None


class RedisRateLimiter(RateLimiter):
    """A :class:`~klaviyo_profiles.ratelimit.RateLimiter` whose windows, 429 holds and pace
    live in Redis; made by :func:`~klaviyo_profiles.ratelimit.limiter_for` for a
    :class:`RedisBackend`.

    The async path (``acquire_async``) talks to Redis through ``redis.asyncio`` and never
    blocks the event loop; creating the limiter checks once, synchronously, that Redis
    answers (at most ``connect_timeout``), so create clients at start-up.
    """

    backend: RedisBackend

    def __init__(self, limits: RateLimits, *, backend: RedisBackend, key: str) -> None:
        import redis

        super().__init__(limits, backend=backend, key=key)
        self._full_limits = limits
        self._rate_args: tuple[float, list[str]] = (-1.0, [])  # (margin, script arguments)
        self._keys = backend.keys(key, limits)
        self._member = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._sequence = itertools.count()
        self._recent: deque[tuple[float, str]] = deque()  # (monotonic, log entry) per request
        self._fleet_size = 1
        self._shared = True  # False while pacing locally
        self._retry_at = -math.inf
        self._replay_due = False
        self._repair_logged = False
        self._observation: tuple[int, float] | None = None  # (remaining, reset deadline)
        self._tasks: set[asyncio.Task[None]] = set()
        self._redis_error: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._sync = _client(redis, backend)
        self._sync_script = self._sync.register_script(_TAKE)
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        try:
            self._sync.ping()
        except self._redis_error as exc:
            where = _redact(backend.url)
            # Only the first limiter a process makes for this Redis refuses to start: a later
            # one (a bulk operation's, made on first use mid-run) meets an outage like any
            # limiter that was already running, and paces locally through it.
            if backend.on_unavailable == "error" and backend not in _reached:
                self._sync.close()
                raise LimiterUnavailableError(
                    f"cannot reach the Redis limiter at {where} ({type(exc).__name__}: {exc}); "
                    "start Redis, fix the URL, or choose on_unavailable='local' (in a URL: "
                    "?on_unavailable=local) to pace locally until it answers"
                ) from None
            self._go_local(exc)
        else:
            _reached.add(backend)

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

    async def _try_take_async(self, within: float | None = None) -> float:
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
            margin = self.flight_margin()
        remaining, reset_ms = -1, 0.0
        if observation is not None:
            remaining, reset_ms = observation[0], max(0.0, (observation[1] - now) * 1000)
        hold_ms = max(0.0, (self._blocked_until - now) * 1000)
        rate_args = self._rates_for(margin)
        longest_ms = int(rate_args[-1])
        return [
            "1" if take else "0",
            self._member,
            entry,
            f"{hold_ms:.3f}",
            str(remaining),
            f"{reset_ms:.3f}",
            "1" if expect_known else "0",
            str(longest_ms + 1000),
            f"{self.hold_cap() * 1000:.3f}",
            f"{margin * 1000:.3f}",
            f"{self._full_limits.burst_period * 1000:.3f}",
            str(len(rate_args) // 2),
            *rate_args,
            str(len(replay_args) // 2),
            *replay_args,
        ]

    def _rates_for(self, margin: float) -> list[str]:
        """The windows as script arguments (limit, interval in ms; shortest first), each
        lengthened by ``margin``; rebuilt only when the margin changes."""
        built, arguments = self._rate_args
        if built != margin:
            rates = sorted(self._full_limits.rates(margin), key=lambda rate: rate.interval)
            arguments = [str(part) for rate in rates for part in (rate.limit, rate.interval)]
            self._rate_args = (margin, arguments)
        return arguments

    def _settle(self, reply: Any, args: list[str]) -> float | None:
        """Act on the script's reply; ``None`` means call again (with the replay)."""
        status, wait_ms, fleet = int(reply[0]), float(reply[1]), int(reply[2])
        if int(reply[4]) and not self._repair_logged:
            self._repair_logged = True
            _logger.warning(
                "the Redis limiter at %s held a value no client of this library writes (a "
                "key of another type, a number that does not parse, or a time too far "
                "ahead); it was dropped or clamped to %.0f s",
                _redact(self.backend.url),
                self.hold_cap(),
            )
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
        # As long as a window lengthened by the most time in flight may still count them.
        limits = self._full_limits
        horizon = now - limits.longest_period - limits.burst_period
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
            share = self.backend.fallback_share or 1 / self._fleet_size
            limits = _share_of(self._full_limits, share)
            margin = self.flight_margin()
            # Built before any state changes: whatever fails here leaves the limiter whole.
            bucket = InMemoryBucket(limits.rates(margin))
            self._forget_recent(now)
            # Start from this process's own recent requests, so that its share of each
            # window already counts what it sent there.
            bucket.items = sorted(
                (RateItem(entry, round(moment * 1000)) for moment, entry in self._recent),
                key=lambda item: item.timestamp,
            )
            self._shared = False
            self.limits = limits
            self._bucket = bucket
            self._margin = margin
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

            client = _client(redis.asyncio, self.backend)
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
        reset = min(max(0.0, info.reset), self.hold_cap())
        with self._lock:
            self._observation = (info.remaining, time.monotonic() + reset)
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
