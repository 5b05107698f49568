/**
 * Redis stops for about 5 s under light load, then starts again, empty (it runs without
 * persistence), as docs/operations.md "Redis lost or restarted empty" describes: every session is
 * gone, so clients sign in again.
 */
import {
  createLoadUsers,
  reportFault,
  runFault,
  startFaultStack,
  type FaultStack,
} from './support';

let faults: FaultStack;

beforeAll(async () => {
  faults = await startFaultStack('faults_redis');
}, 180_000);

afterAll(async () => {
  await faults?.close();
});

test('redis-outage: the stack survives Redis stopping for 5 s and recovers by itself', async () => {
  const { stack, redis } = faults;
  const users = await createLoadUsers(stack, 'redis', 5);
  const result = await runFault(faults, {
    name: 'redis-outage',
    users,
    inject: () => redis.stop(),
    downMs: 5_000,
    restore: () => redis.start(),
  });
  reportFault(result);
});
