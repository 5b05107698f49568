/**
 * The session store's Lua scripts. Each runs atomically on the slot of one scope's keys: KEYS[1]
 * is the scope's `sessions` sorted set, ARGV[1] the scope's key prefix (every other key it
 * touches shares the `{t:<scope>}` hash tag, so the same slot), ARGV[2] the event-bus channel
 * prefix. Script arguments start at ARGV[3]. Scripts reply with JSON: `ended` lists the sessions
 * they ended, each with its reason.
 */
const PRELUDE = `
local base, channels = ARGV[1], ARGV[2]
local INTERNAL = { refreshHash = true, lastSeenMs = true, expiresMs = true, deadlineMs = true }
local DEVICE_TYPES = { 'DESKTOP', 'MOBILE', 'TABLET', 'OTHER' }
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

local function announce(kind, session, at)
  redis.call('PUBLISH', channels .. 'session.event:' .. session.tenantId, cjson.encode({
    type = kind, tenantId = session.tenantId, sessionId = session.id,
    userId = session.userId, at = at, session = session }))
end

-- Ends a session if it is still listed, so that each is ended, and announced, exactly once.
local function finish(id, reason, at)
  if redis.call('ZREM', KEYS[1], id) == 0 then return end
  for _, t in ipairs(DEVICE_TYPES) do redis.call('ZREM', base .. 'devices:' .. t, id) end
  local key = base .. 'session:' .. id
  local flat = redis.call('HGETALL', key)
  redis.call('DEL', key, key .. ':rotated')
  if #flat == 0 then return end
  local session = snapshot(flat)
  local userKey = base .. 'user:' .. session.userId .. ':sessions'
  redis.call('ZREM', userKey, id)
  if redis.call('ZCARD', userKey) == 0 then redis.call('ZREM', base .. 'users', session.userId) end
  local kind = 'REVOKED'
  if reason == 'EXPIRED' or reason == 'EVICTED' then kind = reason end
  announce(kind, session, at)
  redis.call('PUBLISH', channels .. 'session.revoked', cjson.encode({
    tenantId = session.tenantId, sessionId = id, userId = session.userId, reason = reason }))
  table.insert(ended, { session = session, reason = reason })
end

-- Activity (a refresh, a request): lastSeenAt moves, and the idle deadline with it.
local function extend(id, expiresMs, userId, deviceType, now, nowIso, idle, grace)
  local key = base .. 'session:' .. id
  local deadline = math.min(tonumber(expiresMs), now + idle)
  redis.call('HSET', key, 'lastSeenMs', int(now), 'lastSeenAt', nowIso, 'deadlineMs', int(deadline))
  redis.call('PEXPIRE', key, int(deadline - now + grace))
  redis.call('PEXPIRE', key .. ':rotated', int(deadline - now + grace))
  redis.call('ZADD', KEYS[1], 'XX', int(deadline), id)
  redis.call('ZADD', base .. 'devices:' .. deviceType, 'XX', int(deadline), id)
  redis.call('ZADD', base .. 'users', 'GT', int(deadline), userId)
  local ttl = deadline - now + grace
  for _, k in ipairs({ KEYS[1], base .. 'devices:' .. deviceType, base .. 'users',
      base .. 'user:' .. userId .. ':sessions' }) do keepFor(k, ttl) end
  return deadline
end
`;

/**
 * ARGV: id, userId, deviceType, now, nowIso, deadline, grace, maxSessions (0: none), policy,
 * day, peakTtlMs, loginWindowMs, then the hash's field/value pairs.
 */
const CREATE = `
local id, userId, deviceType = ARGV[3], ARGV[4], ARGV[5]
local now, nowIso, deadline, grace = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
local max, policy, day = tonumber(ARGV[10]), ARGV[11], ARGV[12]
local peakTtl, window = tonumber(ARGV[13]), tonumber(ARGV[14])
local userKey = base .. 'user:' .. userId .. ':sessions'
if max > 0 then
  local live = {}
  for _, other in ipairs(redis.call('ZRANGE', userKey, 0, -1)) do
    local score = redis.call('ZSCORE', KEYS[1], other)
    if not score then redis.call('ZREM', userKey, other)
    elseif tonumber(score) <= now then finish(other, 'EXPIRED', nowIso)
    else table.insert(live, other) end
  end
  if #live >= max then
    if policy == 'refuse' then return cjson.encode({ outcome = 'limit', ended = ended }) end
    for i = 1, #live - max + 1 do finish(live[i], 'EVICTED', nowIso) end
  end
end
local fields = {}
for i = 15, #ARGV do fields[#fields + 1] = ARGV[i] end
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
announce('CREATED', snapshot(fields), nowIso)
return cjson.encode({ outcome = 'created', ended = ended })
`;

/** ARGV: id, now, nowIso, idleMs, intervalMs, grace. Replies the remaining ms (0: ended). */
const TOUCH = `
local id, now, nowIso = ARGV[3], tonumber(ARGV[4]), ARGV[5]
local idle, interval, grace = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local v = redis.call('HMGET', base .. 'session:' .. id, 'deadlineMs', 'lastSeenMs', 'expiresMs', 'userId', 'deviceType')
if not v[1] or tonumber(v[1]) <= now then return 0 end
if now - tonumber(v[2]) < interval then return tonumber(v[1]) - now end
return extend(id, v[3], v[4], v[5], now, nowIso, idle, grace) - now
`;

/**
 * ARGV: id, presented hash, next hash, now, nowIso, idleMs, grace. The presented token is the
 * current one: rotate. One already rotated: reuse, so the session ends. Anything else: invalid.
 */
const ROTATE = `
local id, presented, nextHash = ARGV[3], ARGV[4], ARGV[5]
local now, nowIso, idle, grace = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
local key = base .. 'session:' .. id
local v = redis.call('HMGET', key, 'refreshHash', 'deadlineMs', 'expiresMs', 'userId', 'deviceType')
if not v[1] then return cjson.encode({ outcome = 'invalid', ended = ended }) end
if tonumber(v[2]) <= now then
  finish(id, 'EXPIRED', nowIso)
  return cjson.encode({ outcome = 'invalid', ended = ended })
end
if v[1] == presented then
  redis.call('HSET', key, 'refreshHash', nextHash)
  redis.call('SADD', key .. ':rotated', presented)
  extend(id, v[3], v[4], v[5], now, nowIso, idle, grace)
  local session = snapshot(redis.call('HGETALL', key))
  announce('REFRESHED', session, nowIso)
  return cjson.encode({ outcome = 'rotated', ended = ended, session = session })
end
if redis.call('SISMEMBER', key .. ':rotated', presented) == 1 then
  finish(id, 'REFRESH_REUSE', nowIso)
  return cjson.encode({ outcome = 'reused', ended = ended })
end
return cjson.encode({ outcome = 'invalid', ended = ended })
`;

/** ARGV: reason, nowIso, then the ids of the sessions to end. */
const END = `
for i = 5, #ARGV do finish(ARGV[i], ARGV[3], ARGV[4]) end
return cjson.encode({ ended = ended })
`;

/** ARGV: now, nowIso, batch. Ends up to `batch` sessions past their deadline. */
const SWEEP = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[3], 'LIMIT', 0, tonumber(ARGV[5]))
for _, id in ipairs(ids) do finish(id, 'EXPIRED', ARGV[4]) end
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
  tsSessionSweep: PRELUDE + SWEEP,
};

export type SessionScript = keyof typeof SESSION_SCRIPTS;
