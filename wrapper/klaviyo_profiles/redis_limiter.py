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
the server's feedback (a 429's ``Retry-After`` held for the whole account, the budget
``RateLimit-Remaining`` reports when something outside the fleet uses the account), and
pyrate-limiter's bucket loses its script when Redis restarts. So the request log is kept with
redis-py and one Lua script (:data:`~klaviyo_profiles._redis_script.TAKE`), which in one atomic
step reads Redis's own ``TIME``, applies any hold or server budget the fleet has been told
about, counts every window (the same sliding-window log as the local backends) and records
the request; its reply carries the
entries other processes added, so each process keeps a copy of the fleet's log for the longest
window (:class:`~klaviyo_profiles._fleet_log.FleetLog`). Host clocks are only used for
durations (how long to sleep), never compared with each other.

What lives in Redis, for prefix ``klaviyo-profiles``, key fingerprint ``3f2a9c01e4b5d6a7`` and
Klaviyo's 2026-07-15 limits (the braces keep the keys in one Redis Cluster slot)::

    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:log      sorted set: one entry per
                                                                   request, scored by server time
    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:hold     nothing starts before this
    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:pace     hash: the server's budgets,
                                                                   end1, left1, end2, left2...
    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:members  sorted set: processes seen
    klaviyo-profiles:{3f2a9c01e4b5d6a7:75per1s-750per60s}:flight   longest time in flight lately

Every key expires (the log, member list and flight a second after the longest window, a hold or
a pace when it ends); the API key itself never reaches Redis, only its fingerprint.

Failure behaviour (decided here, documented in docs/fleet.md, "When Redis fails"):

* **Redis unreachable when the limiter is created** (the first client for a key in a process,
  or a server there that does not answer as Redis does):
  :class:`LimiterUnavailableError` by default, so a misconfigured fleet fails at start rather
  than overrunning the account. With ``on_unavailable="local"`` the process logs a warning and
  paces locally (below) until Redis answers. A limiter made later for a Redis this process
  has already reached (a bulk operation's, made on first use) meets an outage as a running
  one does: it paces locally.
* **Redis lost mid-run** (unreachable, or something else answering on its port): no request
  fails because of it. The process logs one warning and paces alone at its share
  (``fallback_share``, by default one over the number of processes Redis last saw sending)
  of what *remains* of the fleet's windows: its local windows start holding that share of
  every entry of its copy of the log and of the time since it last read it, counted as full.
  It still obeys the server's ``RateLimit-Remaining`` and 429s locally, and tries Redis again
  every ``reconnect_interval`` seconds; once back, it writes its own recent requests into the
  fleet's log (idempotently, so nothing is counted twice) and paces fleet-wide again.
* **Redis lost its log** (restarted empty, failed over to an empty replica, the ``log`` key
  deleted, expired or replaced): Redis holds fewer entries than a process's copy knows of. The
  first process to notice puts back every entry it knows (under their own names: a second
  process putting back the same ones adds nothing), and counts the time it was connected
  without reading the log as full, stamped now (not the time it paced alone: every process
  puts back what it sent alone); after an idle process notices, the fleet may wait up to one
  steady window.
* **Garbage in the keys**: whatever another process wrote is input (see the script): a key of
  the wrong type or a number that does not parse is deleted, a log entry "in the future" is
  counted from now, a budget ending further ahead than the window cap (the longest window plus
  a burst period) is clamped to it, and a hold to that cap plus an hour (the longest
  ``Retry-After`` honoured, the same for every process); one warning per process.
* **A slow or wrong Redis**: creating the limiter waits at most ``connect_timeout`` to connect
  and as long for the answer; an async acquire waits no longer than its caller's budget
  (``total_timeout``); a sync one at most ``timeout`` more, after which Redis counts as
  unreachable. A URL setting redis-py takes no setting for is an ``InvalidInputError``.
* **Time in flight**: each process reports its longest time in flight to ``flight``; every
  window is lengthened by the longest any process reported within the last steady window, so
  that a slow request of one process cannot share a server window with a fast one of another.
* **Clock differences**: windows, holds and paces are measured on Redis's clock only. If the
  Redis host's own clock steps backwards, entries from the "future" count from now, for a
  whole window, so a step can slow the fleet but not overrun it.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, Literal
from urllib.parse import unquote_plus, urlsplit

import attrs
from pyrate_limiter import AbstractBucket, InMemoryBucket, Rate, RateItem

from ._fleet_log import FleetLog, share_of
from ._redis_script import TAKE, GarbledReplyError, Reply, parse_reply
from .errors import InvalidInputError, LimiterUnavailableError, RateLimitWaitError
from .ratelimit import (
    _LONGEST_RETRY_AFTER,
    LIMITER_URL_ENV,
    LimiterProvider,
    RateLimiter,
    RateLimits,
    redact_url,
)
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


async def _close_on_shutdown(client: Any) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await client.aclose()


#: Backends this process has reached once (see RedisRateLimiter.__init__).
_reached: set[RedisBackend] = set()

#: What else a server that is not Redis (another service on the port) makes redis-py raise.
_GARBLED = (GarbledReplyError, ValueError, TypeError, IndexError, KeyError, AttributeError)

_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

#: Seconds an async acquire with no budget left still waits for Redis's answer (a round trip
#: on a network), so that ``max_wait=0`` means "if there is room now".
_LEAST_ANSWER = 0.05


def _client(module: Any, backend: RedisBackend, *, timeout: float | None = None) -> Any:
    """A redis-py client (``module`` is ``redis`` or ``redis.asyncio``) for the backend's URL,
    its settings checked by building one connection (no I/O); a URL redis-py cannot read is
    refused naming the setting, never showing the URL."""
    import redis
    from redis.asyncio.retry import Retry as AsyncRetry
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    retry = (AsyncRetry if module.__name__ == "redis.asyncio" else Retry)(NoBackoff(), 0)
    options = backend.connection_options()
    if timeout is not None:
        options["socket_timeout"] = timeout
    try:
        client = module.Redis.from_url(backend.url, retry=retry, **options)
        pool = client.connection_pool
        pool.connection_class(**pool.connection_kwargs)
    except TypeError as exc:
        # A query parameter redis-py passes on as a setting no connection takes.
        raise InvalidInputError(_URL_FIELD, "a URL redis-py can read", _unknown(exc)) from None
    except (ValueError, redis.RedisError):
        # redis-py's message may quote the URL, or part of it.
        raise InvalidInputError(_URL_FIELD, "a URL redis-py can read", _UNPARSABLE) from None
    return client


def _unknown(exc: TypeError) -> str:
    named = re.search(r"argument '([^']*)'", str(exc))
    name = named.group(1) if named else ""
    if _SETTING_NAME.fullmatch(name) and name not in ("password", "username"):
        shown = f"redis-py takes no setting {name!r} (names are case-sensitive)"
    else:
        shown = "a query parameter redis-py takes no setting for (not shown)"
    return f"{shown}; the URL is not shown, as it may hold a password"


def _rejoin_message(backend: RedisBackend) -> str:
    return f"the Redis limiter at {_redact(backend.url)} answers again; pacing with the fleet"


@attrs.frozen
class _Call:
    """One call of the script: its arguments and what they carried."""

    args: list[str | bytes]
    take: bool
    entry: str
    whole: bool  # the reply reads the whole window (after writing past entries)
    restoring: bool
    replaying: bool


class RedisRateLimiter(RateLimiter):
    """A :class:`~klaviyo_profiles.ratelimit.RateLimiter` whose windows, 429 holds and pace
    live in Redis; made by :func:`~klaviyo_profiles.ratelimit.limiter_for` for a
    :class:`RedisBackend`.

    The async path (``acquire_async``) talks to Redis through ``redis.asyncio`` and never
    blocks the event loop, nor waits on Redis past the caller's ``max_wait``; creating the
    limiter checks once, synchronously, that Redis answers (at most ``connect_timeout`` to
    connect and as long again for the answer), so create clients at start-up.
    """

    backend: RedisBackend

    def __init__(self, limits: RateLimits, *, backend: RedisBackend, key: str) -> None:
        import redis

        super().__init__(limits, backend=backend, key=key)
        self._full_limits = limits
        self._rate_args: tuple[float, list[str], list[tuple[int, float]]] = (-1.0, [], [])
        self._keys = backend.keys(key, limits)
        self._member = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._sequence = itertools.count()
        self._recent: deque[tuple[float, str]] = deque()  # (monotonic, log entry) per request
        self._fleet = FleetLog(limits)
        self._fleet_size = 1
        self._shared = True  # False while pacing locally
        self._retry_at = -math.inf
        self._replay_due = False  # re-send this process's requests (after pacing alone)
        self._restore_due = False  # the log lost entries: put back everything known
        self._repair_logged = False
        # (remaining, reset deadline, read at) of the latest answer, for the next script call
        self._observation: tuple[int, float, float] | None = None
        self._share = 1.0  # of the server's remaining budget, while pacing alone
        self._tasks: set[asyncio.Task[None]] = set()
        self._redis_error: tuple[type[Exception], ...] = (redis.RedisError, OSError, *_GARBLED)
        self._sync = _client(redis, backend)
        self._sync_script = self._sync.register_script(TAKE)
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )
        try:
            self._probe(redis)
        except self._redis_error as exc:
            where = _redact(backend.url)
            # Only the first limiter a process makes for this Redis refuses to start: a later
            # one (a bulk operation's, made on first use mid-run) meets an outage like any
            # limiter that was already running, and paces locally through it.
            if backend.on_unavailable == "error" and backend not in _reached:
                self._sync.close()
                raise LimiterUnavailableError(
                    f"cannot reach the Redis limiter at {where} ({_reason(exc)}); start "
                    "Redis, fix the URL, or choose "
                    "on_unavailable='local' (in a URL: ?on_unavailable=local) to pace locally "
                    "until it answers"
                ) from None
            self._go_local(exc)
        else:
            _reached.add(backend)

    def _probe(self, redis: Any) -> None:
        """Ask Redis once, within ``connect_timeout`` for the connection and as much for the
        answer (the client's own ``timeout`` is for a Redis that is known to answer)."""
        probe = _client(redis, self.backend, timeout=self.backend.connect_timeout)
        try:
            if probe.ping() is not True:
                raise GarbledReplyError("PING was not answered PONG")
        finally:
            probe.close()

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
            for _ in range(2):  # a second time only to restore what Redis lost
                call = self._args(take=True)
                try:
                    reply = parse_reply(self._sync_script(keys=self._keys, args=call.args))
                except self._redis_error as exc:
                    self._go_local(exc)
                    break
                wait = self._settle(reply, call)
                if wait is not None:
                    return wait
            else:  # pragma: no cover - a restoring call never reports a loss
                return self._full_limits.burst_period
        return RateLimiter._try_take(self)

    async def _try_take_async(self, within: float | None = None) -> float:
        held = self._local_hold()
        if held > 0:
            return held
        if self._redis_due():
            for _ in range(2):
                call = self._args(take=True)
                try:
                    script = await self._async_script()
                    raw = await self._within(script(keys=self._keys, args=call.args), within)
                    reply = parse_reply(raw)
                except self._redis_error as exc:
                    self._go_local(exc)
                    break
                wait = self._settle(reply, call)
                if wait is not None:
                    return wait
            else:  # pragma: no cover - a restoring call never reports a loss
                return self._full_limits.burst_period
        return RateLimiter._try_take(self)

    async def _within(self, request: Awaitable[Any], within: float | None) -> Any:
        """Redis's answer, or :class:`RateLimitWaitError` once ``within`` seconds (what is
        left of the caller's budget) have passed without one: a slow Redis must not hold a
        call past its ``total_timeout`` (only when that is shorter than ``timeout``, after
        which Redis counts as unreachable). A spent budget still gets one brief question
        (:data:`_LEAST_ANSWER`): asking whether there is room is not waiting for it."""
        if within is None or within >= self.backend.timeout:
            return await request
        task = asyncio.ensure_future(request)
        done, _ = await asyncio.wait({task}, timeout=max(within, _LEAST_ANSWER))
        if task in done:
            return task.result()
        task.cancel()  # redis-py drops the connection whose answer it no longer reads
        with contextlib.suppress(asyncio.CancelledError, *self._redis_error):
            await task
        raise RateLimitWaitError(self.backend.timeout, within)

    def _local_hold(self) -> float:
        # A 429 this process saw holds it even if Redis lost the hold (a restart, say).
        return self._blocked_until - time.monotonic()

    def _redis_due(self) -> bool:
        return self._shared or time.monotonic() >= self._retry_at

    def _window_cap(self) -> float:
        """The longest a pace or a log entry can hold anyone: the longest window and a burst
        period, in seconds (a hold may add the longest Retry-After honoured)."""
        return self._full_limits.longest_period + self._full_limits.burst_period

    def _args(self, *, take: bool) -> _Call:
        now = time.monotonic()
        with self._lock:
            self._forget_recent(now)
            observation, self._observation = self._observation, None
            entry = f"{self._member}:{next(self._sequence)}"
            margin = self.flight_margin()
            rate_args, rates = self._rates_for(margin)
            restoring, replaying = self._restore_due, self._replay_due
            # This process's own requests go only with a restoration or a replay (rare): built
            # on every call they would cost a pass over a window's worth of entries each time.
            if restoring:
                unseen = self._fleet.unseen(now, rates)
                replay = self._fleet.entries(now, self._own(), unseen, self._unseen_names())
                known_from, known_count = 0.0, 0
            else:
                replay = self._own() if replaying else []
                known_from, known_count = self._fleet.check(now, rates[-1][1] * 1000)
            whole = restoring or replaying
            since = "" if whole else self._fleet.since()
        remaining, reset_ms, observed_ms = -1, 0.0, 0.0
        if observation is not None:
            remaining, reset_ms = observation[0], max(0.0, (observation[1] - now) * 1000)
            observed_ms = max(0.0, (now - observation[2]) * 1000)
        hold_ms = max(0.0, (self._blocked_until - now) * 1000)
        cap_ms = self._window_cap() * 1000
        limits = self._full_limits
        replay_args: list[str | bytes] = [
            part
            for moment, name in replay
            for part in (f"{max(0.0, (now - moment) * 1000):.3f}", name)
        ]
        args: list[str | bytes] = [
            "1" if take else "0",
            self._member,
            entry,
            f"{hold_ms:.3f}",
            str(remaining),
            f"{reset_ms:.3f}",
            since,
            f"{known_from:.3f}",
            str(known_count),
            str(int(rates[-1][1] * 1000) + 1000),
            f"{cap_ms:.3f}",
            f"{cap_ms + _LONGEST_RETRY_AFTER * 1000:.3f}",
            f"{margin * 1000:.3f}",
            f"{limits.burst_period * 1000:.3f}",
            str(4 * limits.steady_limit + 100),
            f"{observed_ms:.3f}",
            str(len(rate_args) // 2),
            *rate_args,
            str(len(replay_args) // 2),
            *replay_args,
        ]
        return _Call(args, take, entry, whole, restoring, replaying)

    def _own(self) -> list[tuple[float, bytes]]:
        """This process's recent requests as ``(moment, name)`` (under ``self._lock``)."""
        return [(moment, name.encode()) for moment, name in self._recent]

    def _unseen_names(self) -> Iterator[bytes]:
        while True:
            yield f"{self._member}:u{next(self._sequence)}".encode()

    def _rates_for(self, margin: float) -> tuple[list[str], list[tuple[int, float]]]:
        """The windows as script arguments (limit, interval in ms; shortest first) and as
        ``(limit, seconds)``, each lengthened by ``margin``; rebuilt only when it changes."""
        built, arguments, rates = self._rate_args
        if built != margin:
            ordered = sorted(self._full_limits.rates(margin), key=lambda rate: rate.interval)
            arguments = [str(part) for rate in ordered for part in (rate.limit, rate.interval)]
            rates = [(rate.limit, rate.interval / 1000) for rate in ordered]
            self._rate_args = (margin, arguments, rates)
        return arguments, rates

    def _settle(self, reply: Reply, call: _Call) -> float | None:
        """Act on the script's reply; ``None`` means call again (restoring the log)."""
        if reply.repaired and not self._repair_logged:
            self._repair_logged = True
            _logger.warning(
                "the Redis limiter at %s held a value no client of this library writes (a "
                "key of another type, a number that does not parse, or a time too far "
                "ahead); it was dropped or clamped (holds to %.0f s, the rest to %.0f s)",
                _redact(self.backend.url),
                self._window_cap() + _LONGEST_RETRY_AFTER,
                self._window_cap(),
            )
        now = time.monotonic()
        with self._lock:
            self._fleet_size = max(1, reply.fleet)
            if reply.status == -1:
                if not self._restore_due:
                    _logger.warning(
                        "the Redis limiter at %s lost requests this process knows of "
                        "(restarted empty, failed over, or its log was deleted); putting them "
                        "back, and counting what this process could not see as sent",
                        _redact(self.backend.url),
                    )
                self._restore_due = True
                return None
            self._fleet.read(reply.entries, reply.now_ms, now, whole=call.whole)
            if call.restoring:
                self._restore_due = False
            if call.replaying:
                self._replay_due = False
            if not self._shared:
                self._shared = True
                self.limits = self._full_limits
                _logger.warning(_rejoin_message(self.backend))
            if reply.status == 1 and call.take:
                self._recent.append((now, call.entry))
                return 0.0
        return max(reply.wait_ms, 1.0) / 1000 if reply.status == 0 else 0.0

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
        """Pace alone at this process's share of what remains of the fleet's windows until
        Redis answers again."""
        now = time.monotonic()
        with self._lock:
            self._retry_at = now + self.backend.reconnect_interval
            self._replay_due = True
            if not self._shared:
                return
            self._fleet.alone(now)
            fleet = max(self._fleet_size, self._fleet.senders(now))
            share = self.backend.fallback_share or 1 / fleet
            limits = share_of(self._full_limits, share)
            margin = self.flight_margin()
            # Built before any state changes: whatever fails here leaves the limiter whole.
            bucket = InMemoryBucket(limits.rates(margin))
            self._forget_recent(now)
            _, rates = self._rates_for(margin)
            everything = self._fleet.entries(
                now, self._own(), self._fleet.unseen(now, rates), self._unseen_names()
            )
            # This process's share of every window the fleet used, counted as its own.
            seeded = self._fleet.seed(share, everything)
            bucket.items = sorted(
                (
                    RateItem(name.decode(errors="replace"), round(moment * 1000))
                    for moment, name in seeded
                ),
                key=lambda item: item.timestamp,
            )
            self._shared = False
            self._share = share
            self.limits = limits
            self._bucket = bucket
            self._margin = margin
            self._sent = deque(sorted(moment for moment, _ in seeded))
            _logger.warning(
                "the Redis limiter at %s is unreachable (%s); pacing locally at %d/%gs and "
                "%d/%gs of what the fleet left until it answers",
                _redact(self.backend.url),
                _reason(exc, detail=False),
                limits.burst_limit,
                limits.burst_period,
                limits.steady_limit,
                limits.steady_period,
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
            entry = (client.register_script(TAKE), closer)
            self._async[loop] = entry
        return entry[0]

    # -- feedback ----------------------------------------------------------------------

    def observe(self, info: RateLimitInfo | None, flight: float | None = None) -> None:
        """Share the server's ``RateLimit-Remaining`` with the fleet (see the base class).

        The observation rides on this process's next request to Redis; a zero budget is
        sent at once, because it holds the whole fleet. While pacing alone, this process
        counts only its share of what the server says remains, as it does of the windows.
        """
        if info is None or info.remaining is None or info.reset is None:
            return
        if not self._shared:
            share = math.floor(info.remaining * self._share + 1e-9)
            super().observe(attrs.evolve(info, remaining=min(info.remaining, share)), flight)
            return
        reset = min(max(0.0, info.reset), self._window_cap())
        with self._lock:
            now = time.monotonic()
            # The script counts against the budget the fleet's requests let go within the
            # margin before the answer was read; a slower answer may have been outrun by more,
            # so the reading is dated back by what its own flight exceeds the margin.
            margin = self.flight_margin()
            beyond = self._unheard_window(flight) - margin
            self._observation = (info.remaining, now + reset, now - beyond)
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
            call = self._args(take=False)
            try:
                self._settle(parse_reply(self._sync_script(keys=self._keys, args=call.args)), call)
            except self._redis_error as exc:
                self._go_local(exc)
            return
        task = loop.create_task(self._publish_async())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish_async(self) -> None:
        call = self._args(take=False)
        try:
            script = await self._async_script()
            self._settle(parse_reply(await script(keys=self._keys, args=call.args)), call)
        except self._redis_error as exc:
            self._go_local(exc)

    def close(self) -> None:
        """Close the connections to Redis."""
        super().close()
        self._sync.close()
        self._async.clear()


def _reason(exc: BaseException, *, detail: bool = True) -> str:
    """Why Redis could not be used, in one line: the error, or that what answered is not
    Redis (another service on the port) when redis-py could not make sense of the answer."""
    if isinstance(exc, _GARBLED):
        return "what answers there does not answer as Redis does"
    if not detail:
        return type(exc).__name__
    return f"{type(exc).__name__}: " + " ".join(str(exc).split())[:200]
