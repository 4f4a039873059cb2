"""The Redis limiter's one Lua script (:data:`TAKE`) and the checked reading of its reply.

One atomic step on Redis's clock: repair whatever another writer left in the keys, check that
the log still holds what this process knows of it, re-send requests Redis lost, apply the
server's feedback (a 429's hold, a low ``RateLimit-Remaining``), and take a slot or say how
long to wait; the reply carries the log entries added since this process last read it.

Every value read back from Redis is input: a key of the wrong type is deleted, a number that
does not parse is ignored (its key deleted), a log entry "in the future" is counted from now,
and a pace further ahead than the window cap (``RateLimiter.hold_cap`` before any
``Retry-After``) or a hold further ahead than that plus an hour (the longest ``Retry-After``
honoured) is clamped to it, so that no client waits on garbage longer than the limits allow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs

__all__ = ["TAKE", "GarbledReplyError", "Reply", "parse_reply"]

# Arguments (ARGV):
#  1 take ('1' or '0': feedback only)       2 member (this process)      3 entry (its name)
#  4 hold_ms                                5 remaining (-1: none)       6 reset_ms
#  7 since (score, or '' for the whole window)
#  8 known_from, 9 known_count: the log must hold known_count entries scored known_from or
#    later (0: nothing to check)
# 10 ttl_ms    11 cap_ms (log, pace, members, flight)    12 hold_cap_ms
# 13 own flight_ms    14 flight cap_ms    15 read limit (entries returned at most)
# 16 nrates, then (limit, interval_ms) pairs shortest first; then nreplay, (age_ms, name) pairs
# Reply: {status, wait_ms, fleet, now_ms, repaired, {name, score, ...}} where status is 1
# (taken, or feedback applied), 0 (wait wait_ms) or -1 (the log lost entries this process
# knows: call again restoring them; feedback was applied, nothing taken).
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function ms(x) return string.format('%.3f', x) end
local log, hold, pace, members, flight = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local take = ARGV[1] == '1'
local proc, entry = ARGV[2], ARGV[3]
local hold_ms = tonumber(ARGV[4])
local remaining, reset_ms = tonumber(ARGV[5]), tonumber(ARGV[6])
local since = ARGV[7]
local known_from, known_count = tonumber(ARGV[8]), tonumber(ARGV[9])
local ttl = tonumber(ARGV[10])
local cap, hold_cap = tonumber(ARGV[11]), tonumber(ARGV[12])
local own_flight, flight_cap = tonumber(ARGV[13]), tonumber(ARGV[14])
local read_limit = tonumber(ARGV[15])
local nrates = tonumber(ARGV[16])
local steady_limit = tonumber(ARGV[15 + 2 * nrates])
local base_longest = tonumber(ARGV[16 + 2 * nrates])
local at = 17 + 2 * nrates
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
    elseif n > now + hold_cap then
        redis.call('SET', hold, ms(now + hold_cap), 'PX', math.ceil(hold_cap) + 1)
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
-- No request is ever stamped later than now: one "in the future" (written by another hand, or
-- before Redis's clock stepped back) counts from now, for one window at most.
local ahead = redis.call('ZRANGEBYSCORE', log, '(' .. ms(now), '+inf')
for i = 1, #ahead do
    redis.call('ZADD', log, 'XX', ms(now), ahead[i])
    repaired = 1
end
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
local longest = base_longest + extra

-- Lost: entries this process read are gone (restarted empty, failed over, the key deleted or
-- replaced). Checked before this call writes anything to the log.
local lost = known_count > 0 and known_from >= now - base_longest
    and redis.call('ZCOUNT', log, ms(known_from), '+inf') < known_count

if not lost then
    for i = 1, nreplay do
        redis.call('ZADD', log, 'NX', ms(now - tonumber(ARGV[at + 2 * i - 1])), ARGV[at + 2 * i])
    end
    if nreplay > 0 then redis.call('PEXPIRE', log, ttl) end
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
if hold_ms > 0 then hold_for(math.min(hold_ms, hold_cap)) end
if remaining >= 0 and reset_ms > 0 then
    local used = redis.call('ZCOUNT', log, '(' .. ms(now - longest), '+inf')
    if remaining < steady_limit - used then
        if remaining <= 0 then
            hold_for(math.min(reset_ms, cap))
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

local function fresh()
    local from = since
    if from == '' then from = ms(now - longest) end
    return redis.call('ZRANGEBYSCORE', log, '(' .. from, '+inf', 'WITHSCORES',
        'LIMIT', 0, read_limit)
end
if lost then return {-1, '0', fleet, ms(now), repaired, {}} end
if not take then return {1, '0', fleet, ms(now), repaired, fresh()} end

local gate = tonumber(redis.call('GET', hold) or '0')
p = redis.call('HMGET', pace, 'until', 'interval', 'next')
local p_until = tonumber(p[1] or '0')
if now < p_until then gate = math.max(gate, tonumber(p[3] or '0')) end
if now < gate then return {0, ms(gate - now), fleet, ms(now), repaired, fresh()} end

local wait = 0
for i = 0, nrates - 1 do
    local limit = tonumber(ARGV[17 + 2 * i])
    local period = tonumber(ARGV[18 + 2 * i]) + extra
    local start = '(' .. ms(now - period)
    local count = redis.call('ZCOUNT', log, start, '+inf')
    if count >= limit then
        -- the request whose leaving the window makes room for one more
        local first = redis.call('ZRANGEBYSCORE', log, start, '+inf', 'WITHSCORES',
            'LIMIT', count - limit, 1)
        wait = math.max(wait, tonumber(first[2]) + period - now)
    end
end
if wait > 0 then return {0, ms(wait), fleet, ms(now), repaired, fresh()} end

redis.call('ZADD', log, ms(now), entry)
redis.call('PEXPIRE', log, ttl)
if now < p_until then
    local next_slot = math.max(tonumber(p[3] or '0'), now) + tonumber(p[2] or '0')
    redis.call('HSET', pace, 'next', ms(next_slot))
end
return {1, '0', fleet, ms(now), repaired, fresh()}
"""


class GarbledReplyError(Exception):
    """What answered is not Redis running :data:`TAKE` (another server on the port, say)."""


@attrs.frozen
class Reply:
    """The script's reply, checked."""

    status: int
    wait_ms: float
    fleet: int
    now_ms: float
    repaired: bool
    entries: tuple[tuple[bytes, float], ...]


def _finite(value: Any) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(number)
    return number


def _name(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(type(value).__name__)


def parse_reply(raw: Any) -> Reply:
    """``raw`` (what redis-py returned) as a :class:`Reply`.

    Raises:
        GarbledReplyError: it is not the shape :data:`TAKE` replies with.
    """
    try:
        if not isinstance(raw, (list, tuple)) or len(raw) != 6:
            raise TypeError(type(raw).__name__)
        status, wait, fleet, now, repaired, entries = raw
        if not isinstance(entries, Sequence) or isinstance(entries, (bytes, str)):
            raise TypeError(type(entries).__name__)
        if len(entries) % 2:
            raise ValueError(len(entries))
        reply = Reply(
            status=int(status),
            wait_ms=_finite(wait),
            fleet=int(fleet),
            now_ms=_finite(now),
            repaired=bool(int(repaired)),
            entries=tuple(
                (_name(entries[i]), _finite(entries[i + 1])) for i in range(0, len(entries), 2)
            ),
        )
    except (TypeError, ValueError, OverflowError) as exc:
        raise GarbledReplyError(f"not a reply of the limiter's script ({exc})") from None
    if reply.status not in (-1, 0, 1) or reply.wait_ms < 0 or reply.fleet < 0:
        raise GarbledReplyError("not a reply of the limiter's script (values out of range)")
    return reply
