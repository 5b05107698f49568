/**
 * CHANGE TOGETHER WITH session-scripts.ts: these are its Lua scripts ported to TypeScript, for the
 * in-process Redis (in-process-redis.ts), whose Lua (fengari) has no cjson and only 32-bit
 * integers. Same keys, same arguments, same replies (JSON text, or touch's integer) and the same
 * messages on the same channels; test/in-process-redis.test.ts runs both on the same operations
 * and compares. Each function below is the Lua function or script of the same name.
 *
 * Atomicity is the caller's: the in-process Redis runs one script at a time.
 */
import type { Redis } from 'ioredis';
import { DEVICE_TYPES } from './devices';
import type { SessionScript } from './session-scripts';

/** A script as a command: KEYS[1], then ARGV; replies as Redis would. */
export type SessionScriptPort = (
  redis: Redis,
  key: string,
  argv: string[],
) => Promise<string | number>;

const INTERNAL = new Set(['refreshHash', 'lastSeenMs', 'expiresMs', 'deadlineMs']);
const KEEP_ROTATED = 32;

type Session = Record<string, string>;

/** The PRELUDE's locals: the scope's keys and the common arguments, and what has ended so far. */
class Run {
  readonly base: string;
  readonly channels: string;
  readonly now: number;
  readonly nowIso: string;
  readonly ended: { session: Session; reason: string }[] = [];

  constructor(
    readonly redis: Redis,
    /** KEYS[1], the scope's `sessions` sorted set. */
    readonly sessions: string,
    private readonly argv: string[],
  ) {
    this.base = argv[0];
    this.channels = argv[1];
    this.now = Number(argv[2]);
    this.nowIso = argv[3];
  }

  /** ARGV[n], counted from 1 as in Lua. */
  arg(n: number): string {
    return this.argv[n - 1];
  }

  /** tonumber(ARGV[n]). */
  num(n: number): number {
    return Number(this.argv[n - 1]);
  }

  /** ARGV[n] to the last. */
  rest(n: number): string[] {
    return this.argv.slice(n - 1);
  }

  /** cjson.encode of the reply: cjson writes an empty table, so no session ended, as `{}`. */
  reply(fields: Record<string, unknown>): string {
    return JSON.stringify({ ...fields, ended: this.ended.length > 0 ? this.ended : {} });
  }
}

/** string.format('%d', n). */
const int = (n: number): string => String(Math.trunc(n));

async function keepFor(run: Run, key: string, ttl: number): Promise<void> {
  const current = await run.redis.pttl(key);
  if (current < ttl) await run.redis.pexpire(key, int(ttl));
}

function snapshot(flat: string[]): Session {
  const session: Session = {};
  for (let i = 0; i < flat.length; i += 2)
    if (!INTERNAL.has(flat[i])) session[flat[i]] = flat[i + 1];
  return session;
}

/** HGETALL as Lua sees it: a flat field, value list. */
async function hgetall(run: Run, key: string): Promise<string[]> {
  return Object.entries(await run.redis.hgetall(key)).flat();
}

async function announce(run: Run, kind: string, session: Session): Promise<void> {
  await run.redis.publish(
    `${run.channels}session.event:${session.tenantId}`,
    JSON.stringify({
      type: kind,
      tenantId: session.tenantId,
      sessionId: session.id,
      userId: session.userId,
      at: run.nowIso,
      session,
    }),
  );
}

async function rescoreUser(run: Run, userId: string): Promise<void> {
  let latest: number | undefined;
  for (const other of await run.redis.zrange(`${run.base}user:${userId}:sessions`, 0, -1)) {
    const found = await run.redis.zscore(run.sessions, other);
    const score = found === null ? undefined : Number(found);
    if (score !== undefined && score > run.now && (latest === undefined || score > latest))
      latest = score;
  }
  if (latest !== undefined) await run.redis.zadd(`${run.base}users`, int(latest), userId);
  else await run.redis.zrem(`${run.base}users`, userId);
}

async function finish(run: Run, id: string, reason: string): Promise<void> {
  const { redis, base } = run;
  const score = await redis.zscore(run.sessions, id);
  if (score === null) return;
  if (Number(score) <= run.now) reason = 'EXPIRED';
  await redis.zrem(run.sessions, id);
  for (const type of DEVICE_TYPES) await redis.zrem(`${base}devices:${type}`, id);
  const key = `${base}session:${id}`;
  const flat = await hgetall(run, key);
  await redis.del(key, `${key}:rotated`);
  if (flat.length === 0) return;
  const session = snapshot(flat);
  await redis.zrem(`${base}user:${session.userId}:sessions`, id);
  await rescoreUser(run, session.userId);
  const kind = reason === 'EXPIRED' || reason === 'EVICTED' ? reason : 'REVOKED';
  await announce(run, kind, session);
  await redis.publish(
    `${run.channels}session.revoked`,
    JSON.stringify({ tenantId: session.tenantId, sessionId: id, userId: session.userId, reason }),
  );
  run.ended.push({ session, reason });
}

async function extend(
  run: Run,
  id: string,
  expiresMs: string | null,
  userId: string | null,
  deviceType: string | null,
  idle: number,
  grace: number,
): Promise<number> {
  const { redis, base, now } = run;
  const key = `${base}session:${id}`;
  const deadline = Math.min(Number(expiresMs), now + idle);
  const ttl = deadline - now + grace;
  await redis.hset(
    key,
    'lastSeenMs',
    int(now),
    'lastSeenAt',
    run.nowIso,
    'deadlineMs',
    int(deadline),
  );
  await redis.pexpire(key, int(ttl));
  await redis.pexpire(`${key}:rotated`, int(ttl));
  await redis.zadd(run.sessions, 'XX', int(deadline), id);
  await redis.zadd(`${base}devices:${deviceType}`, 'XX', int(deadline), id);
  await redis.zadd(`${base}users`, 'GT', int(deadline), `${userId}`);
  for (const k of [
    run.sessions,
    `${base}devices:${deviceType}`,
    `${base}users`,
    `${base}user:${userId}:sessions`,
  ])
    await keepFor(run, k, ttl);
  return deadline;
}

async function create(run: Run): Promise<string> {
  const { redis, base, now } = run;
  const [id, userId, deviceType] = [run.arg(5), run.arg(6), run.arg(7)];
  const [deadline, grace, max, policy] = [run.num(8), run.num(9), run.num(10), run.arg(11)];
  const [day, peakTtl, window, authenticatedAt] = [
    run.arg(12),
    run.num(13),
    run.num(14),
    run.num(15),
  ];
  const userKey = `${base}user:${userId}:sessions`;
  const notBefore = Number((await redis.get(`${base}user:${userId}:not-before`)) ?? '0');
  if (authenticatedAt > 0 && authenticatedAt < notBefore) return run.reply({ outcome: 'stale' });
  if (max > 0) {
    const live: string[] = [];
    for (const other of await redis.zrange(userKey, 0, -1)) {
      const score = await redis.zscore(run.sessions, other);
      if (score === null) await redis.zrem(userKey, other);
      else if (Number(score) <= now) await finish(run, other, 'EXPIRED');
      else live.push(other);
    }
    if (live.length >= max) {
      if (policy === 'refuse') return run.reply({ outcome: 'limit', current: live.length });
      for (const other of live.slice(0, live.length - max + 1)) await finish(run, other, 'EVICTED');
    }
  }
  const fields = run.rest(16);
  const key = `${base}session:${id}`;
  await redis.hset(key, ...fields);
  await redis.pexpire(key, int(deadline - now + grace));
  await redis.zadd(run.sessions, int(deadline), id);
  await redis.zadd(`${base}devices:${deviceType}`, int(deadline), id);
  await redis.zadd(userKey, int(now), id);
  await redis.zadd(`${base}users`, 'GT', int(deadline), userId);
  await redis.zremrangebyscore(`${base}logins`, '-inf', int(now - window));
  await redis.zadd(`${base}logins`, int(now), id);
  await keepFor(run, `${base}logins`, window);
  for (const k of [run.sessions, `${base}devices:${deviceType}`, `${base}users`, userKey])
    await keepFor(run, k, deadline - now + grace);
  const current = await redis.zcount(run.sessions, `(${int(now)}`, '+inf');
  const peak = `${base}peak:${day}`;
  if (current > Number((await redis.get(peak)) ?? '0'))
    await redis.set(peak, current, 'PX', int(peakTtl));
  await announce(run, 'CREATED', snapshot(fields));
  return run.reply({ outcome: 'created' });
}

async function touch(run: Run): Promise<number> {
  const [id, idle, interval, grace] = [run.arg(5), run.num(6), run.num(7), run.num(8)];
  const [deadline, lastSeen, expires, userId, deviceType] = await run.redis.hmget(
    `${run.base}session:${id}`,
    'deadlineMs',
    'lastSeenMs',
    'expiresMs',
    'userId',
    'deviceType',
  );
  if (deadline === null || Number(deadline) <= run.now) return 0;
  if (run.now - Number(lastSeen) < interval) return Number(deadline) - run.now;
  return (await extend(run, id, expires, userId, deviceType, idle, grace)) - run.now;
}

async function rotate(run: Run): Promise<string> {
  const { redis } = run;
  const [id, presented, nextHash] = [run.arg(5), run.arg(6), run.arg(7)];
  const [idle, grace] = [run.num(8), run.num(9)];
  const key = `${run.base}session:${id}`;
  const [current, deadline, expires, userId, deviceType] = await redis.hmget(
    key,
    'refreshHash',
    'deadlineMs',
    'expiresMs',
    'userId',
    'deviceType',
  );
  if (current === null) return run.reply({ outcome: 'invalid' });
  if (Number(deadline) <= run.now) {
    await finish(run, id, 'EXPIRED');
    return run.reply({ outcome: 'invalid' });
  }
  if (current === presented) {
    await redis.hset(key, 'refreshHash', nextHash);
    await redis.lpush(`${key}:rotated`, presented);
    await redis.ltrim(`${key}:rotated`, 0, KEEP_ROTATED - 1);
    await extend(run, id, expires, userId, deviceType, idle, grace);
    const session = snapshot(await hgetall(run, key));
    await announce(run, 'REFRESHED', session);
    return run.reply({ outcome: 'rotated', session });
  }
  // LPOS (which ioredis-mock lacks): whether the token is one of those kept.
  if ((await redis.lrange(`${key}:rotated`, 0, -1)).includes(presented)) {
    await finish(run, id, 'REFRESH_REUSE');
    return run.reply({ outcome: 'reused' });
  }
  return run.reply({ outcome: 'invalid' });
}

async function end(run: Run): Promise<string> {
  for (const id of run.rest(6)) await finish(run, id, run.arg(5));
  return run.reply({});
}

async function endUser(run: Run): Promise<string> {
  const [userId, reason, keep] = [run.arg(5), run.arg(6), run.arg(7)];
  for (const id of await run.redis.zrange(`${run.base}user:${userId}:sessions`, 0, -1))
    if (id !== keep) await finish(run, id, reason);
  await run.redis.set(`${run.base}user:${userId}:not-before`, int(run.now), 'PX', run.num(8));
  return run.reply({});
}

async function sweep(run: Run): Promise<string> {
  const ids = await run.redis.zrangebyscore(
    run.sessions,
    '-inf',
    int(run.now),
    'LIMIT',
    0,
    run.num(5),
  );
  for (const id of ids) await finish(run, id, 'EXPIRED');
  const first = await run.redis.zrange(run.sessions, 0, 0, 'WITHSCORES');
  const next = first[1] === undefined ? false : Number(first[1]);
  return run.reply({ swept: ids.length, next });
}

const port =
  (script: (run: Run) => Promise<string | number>): SessionScriptPort =>
  (redis, key, argv) =>
    script(new Run(redis, key, argv));

export const IN_PROCESS_SESSION_SCRIPTS: Record<SessionScript, SessionScriptPort> = {
  tsSessionCreate: port(create),
  tsSessionTouch: port(touch),
  tsSessionRotate: port(rotate),
  tsSessionEnd: port(end),
  tsSessionEndUser: port(endUser),
  tsSessionSweep: port(sweep),
};
