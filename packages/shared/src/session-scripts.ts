/*
 * CHANGE TOGETHER WITH session-scripts-in-process.ts, which ports these scripts to TypeScript for
 * the in-process Redis (whose Lua has no cjson): the same keys, arguments, replies and messages.
 * test/in-process-redis.test.ts runs both on the same operations and compares.
 */
import { DEVICE_TYPES } from './devices';

/**
 * The session store's Lua scripts. Each runs atomically on the slot of one scope's keys: KEYS[1]
 * is the scope's `sessions` sorted set, and every other key a script touches is named from
 * ARGV[1], the scope's key prefix, so it shares the `{t:<scope>}` hash tag and the slot (Redis
 * Cluster runs such a script on the one node that has them). ARGV[2] is the event-bus channel
 * prefix, ARGV[3] now (ms) and ARGV[4] now (ISO-8601); each script's own arguments follow.
 * Scripts that end sessions reply with JSON whose `ended` lists them, each with its reason.
 */
const PRELUDE = `
local base, channels, now, nowIso = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local INTERNAL = { refreshHash = true, lastSeenMs = true, expiresMs = true, deadlineMs = true }
local DEVICE_TYPES = { ${DEVICE_TYPES.map((type) => `'${type}'`).join(', ')} }
-- Spent refresh-token hashes kept per session to recognise reuse; an older token is just invalid.
local KEEP_ROTATED = 32
local ended = {}

-- Millisecond timestamps exceed what Lua's default number format prints exactly.
local function int(n) return string.format('%d', n) end

-- Index keys outlive their newest member by the grace period and then go, so nothing is left
-- behind by a tenant that stops signing in (or is deleted), even if no sweep ever runs.
local function keepFor(key, ttl)
  local current = redis.call('PTTL', key)
  if current < ttl then redis.call('PEXPIRE', key, int(ttl)) end
end

local function snapshot(flat)
  local session = {}
  for i = 1, #flat, 2 do
    if not INTERNAL[flat[i]] then session[flat[i]] = flat[i + 1] end
  end
  return session
end

local function announce(kind, session)
  redis.call('PUBLISH', channels .. 'session.event:' .. session.tenantId, cjson.encode({
    type = kind, tenantId = session.tenantId, sessionId = session.id,
    userId = session.userId, at = nowIso, session = session }))
end

-- A user's score in 'users' is the latest deadline of their live sessions (none: not listed).
local function rescoreUser(userId)
  local latest = nil
  for _, other in ipairs(redis.call('ZRANGE', base .. 'user:' .. userId .. ':sessions', 0, -1)) do
    local score = tonumber(redis.call('ZSCORE', KEYS[1], other))
    if score and score > now and (not latest or score > latest) then latest = score end
  end
  if latest then redis.call('ZADD', base .. 'users', int(latest), userId)
  else redis.call('ZREM', base .. 'users', userId) end
end

-- Ends a session if it is still listed, so that each is ended, and announced, exactly once.
-- One already past its deadline has expired, whatever ends it.
local function finish(id, reason)
  local score = redis.call('ZSCORE', KEYS[1], id)
  if not score then return end
  if tonumber(score) <= now then reason = 'EXPIRED' end
  redis.call('ZREM', KEYS[1], id)
  for _, t in ipairs(DEVICE_TYPES) do redis.call('ZREM', base .. 'devices:' .. t, id) end
  local key = base .. 'session:' .. id
  local flat = redis.call('HGETALL', key)
  redis.call('DEL', key, key .. ':rotated')
  if #flat == 0 then return end
  local session = snapshot(flat)
  redis.call('ZREM', base .. 'user:' .. session.userId .. ':sessions', id)
  rescoreUser(session.userId)
  local kind = 'REVOKED'
  if reason == 'EXPIRED' or reason == 'EVICTED' then kind = reason end
  announce(kind, session)
  redis.call('PUBLISH', channels .. 'session.revoked', cjson.encode({
    tenantId = session.tenantId, sessionId = id, userId = session.userId, reason = reason }))
  table.insert(ended, { session = session, reason = reason })
end

-- Activity (a refresh, a request): lastSeenAt moves, and the idle deadline with it.
local function extend(id, expiresMs, userId, deviceType, idle, grace)
  local key = base .. 'session:' .. id
  local deadline = math.min(tonumber(expiresMs), now + idle)
  local ttl = deadline - now + grace
  redis.call('HSET', key, 'lastSeenMs', int(now), 'lastSeenAt', nowIso, 'deadlineMs', int(deadline))
  redis.call('PEXPIRE', key, int(ttl))
  redis.call('PEXPIRE', key .. ':rotated', int(ttl))
  redis.call('ZADD', KEYS[1], 'XX', int(deadline), id)
  redis.call('ZADD', base .. 'devices:' .. deviceType, 'XX', int(deadline), id)
  redis.call('ZADD', base .. 'users', 'GT', int(deadline), userId)
  for _, k in ipairs({ KEYS[1], base .. 'devices:' .. deviceType, base .. 'users',
      base .. 'user:' .. userId .. ':sessions' }) do keepFor(k, ttl) end
  return deadline
end
`;

/**
 * ARGV from 5: id, userId, deviceType, deadline, grace, maxSessions (0: none), policy, day,
 * peakTtlMs, loginWindowMs, authenticatedAt (0: unknown), then the hash's field/value pairs.
 * Refused ('stale') when the credentials were checked before a user-wide revocation.
 */
const CREATE = `
local id, userId, deviceType = ARGV[5], ARGV[6], ARGV[7]
local deadline, grace, max, policy = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11]
local day, peakTtl, window, authenticatedAt = ARGV[12], tonumber(ARGV[13]), tonumber(ARGV[14]), tonumber(ARGV[15])
local userKey = base .. 'user:' .. userId .. ':sessions'
local notBefore = tonumber(redis.call('GET', base .. 'user:' .. userId .. ':not-before') or '0')
if authenticatedAt > 0 and authenticatedAt < notBefore then
  return cjson.encode({ outcome = 'stale', ended = ended })
end
if max > 0 then
  local live = {}
  for _, other in ipairs(redis.call('ZRANGE', userKey, 0, -1)) do
    local score = redis.call('ZSCORE', KEYS[1], other)
    if not score then redis.call('ZREM', userKey, other)
    elseif tonumber(score) <= now then finish(other, 'EXPIRED')
    else table.insert(live, other) end
  end
  if #live >= max then
    if policy == 'refuse' then
      return cjson.encode({ outcome = 'limit', current = #live, ended = ended })
    end
    for i = 1, #live - max + 1 do finish(live[i], 'EVICTED') end
  end
end
local fields = {}
for i = 16, #ARGV do fields[#fields + 1] = ARGV[i] end
local key = base .. 'session:' .. id
redis.call('HSET', key, unpack(fields))
redis.call('PEXPIRE', key, int(deadline - now + grace))
redis.call('ZADD', KEYS[1], int(deadline), id)
redis.call('ZADD', base .. 'devices:' .. deviceType, int(deadline), id)
redis.call('ZADD', userKey, int(now), id)
redis.call('ZADD', base .. 'users', 'GT', int(deadline), userId)
redis.call('ZREMRANGEBYSCORE', base .. 'logins', '-inf', int(now - window))
redis.call('ZADD', base .. 'logins', int(now), id)
keepFor(base .. 'logins', window)
for _, k in ipairs({ KEYS[1], base .. 'devices:' .. deviceType, base .. 'users', userKey }) do
  keepFor(k, deadline - now + grace)
end
local current = redis.call('ZCOUNT', KEYS[1], '(' .. int(now), '+inf')
local peak = base .. 'peak:' .. day
if current > tonumber(redis.call('GET', peak) or '0') then
  redis.call('SET', peak, current, 'PX', int(peakTtl))
end
announce('CREATED', snapshot(fields))
return cjson.encode({ outcome = 'created', ended = ended })
`;

/** ARGV from 5: id, idleMs, intervalMs, grace. Replies (an integer) the remaining ms, 0 if ended. */
const TOUCH = `
local id, idle, interval, grace = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local v = redis.call('HMGET', base .. 'session:' .. id, 'deadlineMs', 'lastSeenMs', 'expiresMs', 'userId', 'deviceType')
if not v[1] or tonumber(v[1]) <= now then return 0 end
if now - tonumber(v[2]) < interval then return tonumber(v[1]) - now end
return extend(id, v[3], v[4], v[5], idle, grace) - now
`;

/**
 * ARGV from 5: id, presented hash, next hash, idleMs, grace. The presented token is the current
 * one: rotate. One of the last KEEP_ROTATED spent: reuse, so the session ends. Else: invalid.
 */
const ROTATE = `
local id, presented, nextHash = ARGV[5], ARGV[6], ARGV[7]
local idle, grace = tonumber(ARGV[8]), tonumber(ARGV[9])
local key = base .. 'session:' .. id
local v = redis.call('HMGET', key, 'refreshHash', 'deadlineMs', 'expiresMs', 'userId', 'deviceType')
if not v[1] then return cjson.encode({ outcome = 'invalid', ended = ended }) end
if tonumber(v[2]) <= now then
  finish(id, 'EXPIRED')
  return cjson.encode({ outcome = 'invalid', ended = ended })
end
if v[1] == presented then
  redis.call('HSET', key, 'refreshHash', nextHash)
  redis.call('LPUSH', key .. ':rotated', presented)
  redis.call('LTRIM', key .. ':rotated', 0, KEEP_ROTATED - 1)
  extend(id, v[3], v[4], v[5], idle, grace)
  local session = snapshot(redis.call('HGETALL', key))
  announce('REFRESHED', session)
  return cjson.encode({ outcome = 'rotated', ended = ended, session = session })
end
if redis.call('LPOS', key .. ':rotated', presented) then
  finish(id, 'REFRESH_REUSE')
  return cjson.encode({ outcome = 'reused', ended = ended })
end
return cjson.encode({ outcome = 'invalid', ended = ended })
`;

/** ARGV from 5: reason, then the ids of the sessions to end. */
const END = `
for i = 6, #ARGV do finish(ARGV[i], ARGV[5]) end
return cjson.encode({ ended = ended })
`;

/**
 * ARGV from 5: userId, reason, the id of a session to keep ('' for none), notBeforeTtlMs. Ends
 * the user's sessions and, in the same step, refuses sign-ins whose credentials were checked
 * before now (one in flight during a password reset must not survive it).
 */
const END_USER = `
local userId, reason, keep = ARGV[5], ARGV[6], ARGV[7]
for _, id in ipairs(redis.call('ZRANGE', base .. 'user:' .. userId .. ':sessions', 0, -1)) do
  if id ~= keep then finish(id, reason) end
end
redis.call('SET', base .. 'user:' .. userId .. ':not-before', int(now), 'PX', tonumber(ARGV[8]))
return cjson.encode({ ended = ended })
`;

/** ARGV from 5: batch. Ends up to `batch` sessions past their deadline. */
const SWEEP = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', int(now), 'LIMIT', 0, tonumber(ARGV[5]))
for _, id in ipairs(ids) do finish(id, 'EXPIRED') end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local nextDeadline = false
if first[2] then nextDeadline = tonumber(first[2]) end
return cjson.encode({ ended = ended, swept = #ids, next = nextDeadline })
`;

export const SESSION_SCRIPTS = {
  tsSessionCreate: PRELUDE + CREATE,
  tsSessionTouch: PRELUDE + TOUCH,
  tsSessionRotate: PRELUDE + ROTATE,
  tsSessionEnd: PRELUDE + END,
  tsSessionEndUser: PRELUDE + END_USER,
  tsSessionSweep: PRELUDE + SWEEP,
};

export type SessionScript = keyof typeof SESSION_SCRIPTS;
