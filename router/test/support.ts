import { createTestSigner, testConfig, uniqueName } from '@tradesage/shared/testing';
import type { Config } from '@tradesage/shared';
import { startRouter } from '../src/server';

/**
 * The configuration of a router alone (no subgraphs: it answers introspection, the landing
 * page, persisted-query lookups and static files itself), with its own Redis key prefix.
 */
export async function routerConfig(env: Record<string, string> = {}): Promise<Config> {
  const signer = await createTestSigner(testConfig());
  return testConfig({
    REDIS_KEY_PREFIX: `${uniqueName('router')}:`,
    JWT_JWKS: signer.jwks,
    ...env,
  });
}

/** Runs `run` against a router started with `env`, and stops it afterwards. */
export async function withRouter(
  env: Record<string, string>,
  run: (url: string) => Promise<void>,
): Promise<void> {
  const router = await startRouter(await routerConfig(env), { port: 0 });
  try {
    await run(router.url);
  } finally {
    await router.stop();
  }
}
