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

from ._server_budget import MOST

__all__ = ["TAKE", "GarbledReplyError", "Reply", "parse_reply"]

# Arguments (ARGV):
#  1 take ('1' or '0': feedback only)       2 member (this process)      3 entry (its name)
#  4 hold_ms                                5 remaining (-1: none)       6 reset_ms
#  7 since (score, or '' for the whole window)
#  8 known_from, 9 known_count: the log must hold known_count entries scored known_from or
#    later (0: nothing to check)
# 10 ttl_ms    11 cap_ms (log, pace, members, flight)    12 hold_cap_ms
# 13 own flight_ms    14 flight cap_ms    15 read limit (entries returned at most)
# 16 observed_ms: how long ago the remaining budget was read from an answer (dated back by
#    what the answer's own time in flight exceeded own_flight)
# 17 nrates, then (limit, interval_ms) pairs shortest first; then nreplay, (age_ms, name) pairs
# The pace hash holds the budgets the server reported (``_server_budget``), ordered by end:
# end1, left1, end2, left2, ... (end in ms on Redis's clock; at most ``most`` of them).
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
local observed_ms = tonumber(ARGV[16])
local nrates = tonumber(ARGV[17])
local steady_limit = tonumber(ARGV[16 + 2 * nrates])
local base_longest = tonumber(ARGV[17 + 2 * nrates])
local at = 18 + 2 * nrates
local nreplay = tonumber(ARGV[at])
local most = __MOST__
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
-- The server's budgets, {end, left} ordered by end: a field that is not endN or leftN of a
-- pair, or a value that does not parse, drops them all; an end beyond the cap is clamped.
local budgets = {}
local budgets_changed = false
local fields = redis.call('HGETALL', pace)
if #fields > 0 then
    local read, count = {}, 0
    for i = 1, #fields, 2 do
        read[fields[i]] = number(fields[i + 1])
        count = count + 1
    end
    local whole = count % 2 == 0 and count <= 2 * most
    for i = 1, count / 2 do
        local e, l = read['end' .. i], read['left' .. i]
        if not whole or e == nil or l == nil then
            whole = false
            break
        end
        if e > now + cap then
            e = now + cap
            repaired = 1
            budgets_changed = true
        end
        budgets[i] = {e, l}
    end
    if whole then
        table.sort(budgets, function(a, b) return a[1] < b[1] end)
    else
        redis.call('DEL', pace)
        budgets = {}
        repaired = 1
    end
end
local function expire_budgets()
    while #budgets > 0 and budgets[1][1] <= now do
        table.remove(budgets, 1)
        budgets_changed = true
    end
end
expire_budgets()
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
-- A remaining budget below the fleet's own count: at most that many more until the reset,
-- less the fleet's requests the server may not have counted when it answered (those since
-- the answer was read and within the longest time in flight before it).
local function add_budget(e, l)
    l = math.max(0, l)
    for i = 1, #budgets do
        if budgets[i][1] >= e and budgets[i][2] <= l then return end
    end
    local kept = {}
    for i = 1, #budgets do
        if budgets[i][1] > e or budgets[i][2] < l then kept[#kept + 1] = budgets[i] end
    end
    kept[#kept + 1] = {e, l}
    table.sort(kept, function(a, b) return a[1] < b[1] end)
    while #kept > most do
        local closest = 1
        for i = 2, #kept - 1 do
            if kept[i + 1][1] - kept[i][1] < kept[closest + 1][1] - kept[closest][1] then
                closest = i
            end
        end
        kept[closest + 1][2] = math.min(kept[closest][2], kept[closest + 1][2])
        table.remove(kept, closest)
    end
    budgets = kept
    budgets_changed = true
end
if remaining >= 0 and reset_ms > 0 then
    local used = redis.call('ZCOUNT', log, '(' .. ms(now - longest), '+inf')
    if remaining < steady_limit - used then
        if remaining <= 0 then
            hold_for(math.min(reset_ms, cap))
        else
            local in_flight = redis.call('ZCOUNT', log,
                '(' .. ms(now - observed_ms - own_flight - extra), '+inf')
            add_budget(now + math.min(reset_ms, cap), remaining - in_flight)
        end
    end
end
local function save_budgets()
    if not budgets_changed then return end
    redis.call('DEL', pace)
    if #budgets == 0 then return end
    local args = {}
    for i = 1, #budgets do
        args[#args + 1] = 'end' .. i
        args[#args + 1] = ms(budgets[i][1])
        args[#args + 1] = 'left' .. i
        args[#args + 1] = tostring(budgets[i][2])
    end
    redis.call('HSET', pace, unpack(args))
    redis.call('PEXPIRE', pace, math.ceil(budgets[#budgets][1] - now) + 1)
end

local function fresh()
    local from = since
    if from == '' then from = ms(now - longest) end
    return redis.call('ZRANGEBYSCORE', log, '(' .. from, '+inf', 'WITHSCORES',
        'LIMIT', 0, read_limit)
end
if lost or not take then save_budgets() end
if lost then return {-1, '0', fleet, ms(now), repaired, {}} end
if not take then return {1, '0', fleet, ms(now), repaired, fresh()} end

local gate = tonumber(redis.call('GET', hold) or '0')
for i = 1, #budgets do
    if budgets[i][2] <= 0 then gate = math.max(gate, budgets[i][1]) end
end
if now < gate then
    save_budgets()
    return {0, ms(gate - now), fleet, ms(now), repaired, fresh()}
end

local wait = 0
for i = 0, nrates - 1 do
    local limit = tonumber(ARGV[18 + 2 * i])
    local period = tonumber(ARGV[19 + 2 * i]) + extra
    local start = '(' .. ms(now - period)
    local count = redis.call('ZCOUNT', log, start, '+inf')
    if count >= limit then
        -- the request whose leaving the window makes room for one more
        local first = redis.call('ZRANGEBYSCORE', log, start, '+inf', 'WITHSCORES',
            'LIMIT', count - limit, 1)
        wait = math.max(wait, tonumber(first[2]) + period - now)
    end
end
if wait > 0 then
    save_budgets()
    return {0, ms(wait), fleet, ms(now), repaired, fresh()}
end

redis.call('ZADD', log, ms(now), entry)
redis.call('PEXPIRE', log, ttl)
for i = 1, #budgets do
    budgets[i][2] = budgets[i][2] - 1
    budgets_changed = true
end
save_budgets()
return {1, '0', fleet, ms(now), repaired, fresh()}
""".replace("__MOST__", str(MOST))


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
