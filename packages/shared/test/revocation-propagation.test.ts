import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SessionStore } from '../src';
import {
  createTestRedis,
  GATE_PROBE_CACHE_TTL_MS,
  startGateProbe,
  testConfig,
  type GateProbe,
  type TestRedis,
} from '../testing';

/**
 * A session revoked in this process must be refused by the SessionGate of another process
 * (the gate probe) whose cache still holds it: the probe's cache lasts 10 minutes, so only the
 * `session.revoked` event on the bus can explain the refusal. Times are printed, never asserted.
 */
jest.setTimeout(30_000);

let testRedis: TestRedis;
let store: SessionStore;
let probe: GateProbe | undefined;

const tenantId = randomUUID();
const epochMs = () => performance.timeOrigin + performance.now();

beforeAll(async () => {
  testRedis = createTestRedis('revocation');
  store = new SessionStore(testRedis.redis, testRedis.prefix);
  probe = await startGateProbe(testRedis.prefix, { redisUrl: testConfig().REDIS_URL });
});

afterAll(async () => {
  await probe?.close();
  await testRedis?.close();
});

async function openSession(userId: string): Promise<string> {
  const { session } = await store.create({
    tenantId,
    userId,
    device: { type: 'DESKTOP' },
    ttlSeconds: 600,
  });
  return session.id;
}

/** Revokes a session the probe has warmed and returns how long its refusal took (ms). */
async function revokeAndWait(sessionId: string): Promise<number> {
  const before = epochMs();
  expect(await store.revoke(tenantId, sessionId, 'LOGOUT')).toMatchObject({ id: sessionId });
  const refusedAt = await probe!.refusedAt(sessionId);
  return refusedAt - before;
}

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

test('a revocation made here reaches the other process’s warm gate; other sessions stay live', async () => {
  expect(GATE_PROBE_CACHE_TTL_MS).toBeGreaterThanOrEqual(600_000);
  const revoked = await openSession('u-revoked');
  const kept = await openSession('u-kept');
  // Both are cached in the probe, which re-checks them continuously.
  await probe!.watch(tenantId, revoked);
  await probe!.watch(tenantId, kept);

  const propagationMs = await revokeAndWait(revoked);
  const { offsetMs, roundTripMs } = await probe!.clock(10);

  // The other session is still accepted, and its continuous re-check was never refused.
  await expect(probe!.watch(tenantId, kept)).resolves.toBeUndefined();
  expect(probe!.noticedAt(kept)).toBeUndefined();
  // A session opened after the revocation is accepted too (a cache miss, then cached).
  const later = await openSession('u-later');
  await expect(probe!.watch(tenantId, later)).resolves.toBeUndefined();
  // And the revoked one is refused on a fresh check.
  await expect(probe!.watch(tenantId, revoked)).rejects.toThrow(/session has ended/);
  probe!.unwatch(kept);
  probe!.unwatch(later);

  console.log(
    `revocation propagation to another process: ${fmt(propagationMs)} ` +
      `(clock offset estimate ${fmt(offsetMs)}, probe round trip ${fmt(roundTripMs)})`,
  );
});

test('twenty revocations in a row each reach the probe', async () => {
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const sessionId = await openSession(`u-${i % 5}`);
    await probe!.watch(tenantId, sessionId);
    samples.push(await revokeAndWait(sessionId));
  }
  expect(samples).toHaveLength(20);
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(
    `revocation propagation over ${sorted.length} revocations: ` +
      `p50 ${fmt(sorted[Math.ceil(sorted.length / 2) - 1])}, max ${fmt(sorted[sorted.length - 1])}`,
  );
});
