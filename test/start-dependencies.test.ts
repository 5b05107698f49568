/**
 * `npm start` names a missing PostgreSQL or Redis before it starts anything, and exits non-zero,
 * in production, and in development with EMBEDDED_FALLBACK=off (by default, development falls
 * back to embedded stand-ins: e2e/embedded.test.ts).
 */
import { freePort, testConfig } from '@tradesage/shared/testing';
import { runStartScript } from '../e2e/support/stack';

/** Runs scripts/start.ts with these settings until it exits: its exit code and output. */
async function start(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const run = runStartScript({
    ...(process.env as Record<string, string>),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    ...env,
  });
  const code = await run.exited;
  return { code, output: run.output() };
}

test.each([
  ['development with EMBEDDED_FALLBACK=off', { NODE_ENV: 'development', EMBEDDED_FALLBACK: 'off' }],
  [
    'production, even with EMBEDDED_FALLBACK=auto',
    { NODE_ENV: 'production', EMBEDDED_FALLBACK: 'auto' },
  ],
])(
  '%s: with neither PostgreSQL nor Redis answering, both are named and nothing starts',
  async (_, mode) => {
    const [pgPort, redisPort] = [await freePort(), await freePort()];
    const { code, output } = await start({
      ...mode,
      DATABASE_URL: `postgresql://postgres:secret-password@127.0.0.1:${pgPort}/tradesage`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    });
    expect(code).toBe(1);
    expect(output).toContain(
      `PostgreSQL does not answer at postgresql://postgres:***@127.0.0.1:${pgPort}/tradesage: start it, or set DATABASE_URL`,
    );
    expect(output).toContain(
      `Redis does not answer at redis://127.0.0.1:${redisPort}: start it, or set REDIS_URL`,
    );
    expect(output).not.toContain('secret-password');
    expect(output).not.toMatch(
      /listening|applied control-plane migration|embedded stand-in|PGlite/,
    );
  },
);

test('in production, a missing Redis alone is a start-up error too', async () => {
  const redisPort = await freePort();
  const { code, output } = await start({
    NODE_ENV: 'production',
    DATABASE_URL: testConfig().DATABASE_URL,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  });
  expect(code).toBe(1);
  expect(output).toContain(`Redis does not answer at redis://127.0.0.1:${redisPort}`);
  expect(output).not.toContain('PostgreSQL does not answer');
  expect(output).not.toMatch(/listening/);
});
