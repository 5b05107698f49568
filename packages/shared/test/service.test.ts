import { parse } from 'graphql';
import { allow, startSubgraph, type SubgraphDefinition } from '../src';
import { freePort, testConfig } from '../testing';

/** A one-field subgraph: enough to exercise the HTTP shell every service shares. */
const definition: SubgraphDefinition<Record<string, never>> = {
  name: 'auth',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { ping: String! boom: String! }
  `),
  resolvers: {
    Query: {
      ping: () => 'pong',
      boom: () => {
        throw new Error('relation "t_abc.accounts" does not exist at /srv/app/secret.ts:12');
      },
    },
  },
  permissions: { Query: { ping: allow, boom: allow } },
  createServices: () => ({}),
};

async function post(url: string, query: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as any;
}

describe('service HTTP shell', () => {
  test('/readyz reports unreachable Postgres and Redis by name, while /healthz stays up', async () => {
    const unused = await freePort();
    const service = await startSubgraph(definition, {
      port: 0,
      config: testConfig({
        DATABASE_URL: `postgres://postgres@127.0.0.1:${unused}/none`,
        REDIS_URL: `redis://127.0.0.1:${unused}`,
      }),
    });
    try {
      const base = service.url.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({
        status: 'not ready',
        checks: { postgres: 'unavailable', redis: 'unavailable' },
      });
    } finally {
      await service.stop();
    }
  });

  test('/readyz is ready when Postgres and Redis answer', async () => {
    const service = await startSubgraph(definition, {
      port: 0,
      config: testConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    });
    try {
      const ready = await fetch(service.url.replace(/\/graphql$/, '/readyz'));
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: unknown }).checks).toEqual({
        postgres: 'ok',
        redis: 'ok',
      });
      expect((await post(service.url, '{ ping }')).data).toEqual({ ping: 'pong' });
    } finally {
      await service.stop();
    }
  });

  test('in production, internal errors reach clients without SQL, paths or stack traces', async () => {
    const service = await startSubgraph(definition, {
      port: 0,
      config: testConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        JWT_JWKS: JSON.stringify({
          keys: [
            {
              kty: 'OKP',
              crv: 'Ed25519',
              x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
              kid: 'k',
            },
          ],
        }),
      }),
    });
    try {
      const body = await post(service.url, '{ boom }');
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].message).toBe('Internal server error');
      expect(body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      const text = JSON.stringify(body);
      for (const leak of ['t_abc', 'relation', '/srv/app', 'stacktrace', '.ts:']) {
        expect(text).not.toContain(leak);
      }
      // Introspection is off in production.
      const introspection = await post(service.url, '{ __schema { types { name } } }');
      expect(introspection.data).toBeUndefined();
      expect(introspection.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    } finally {
      await service.stop();
    }
  });

  test('in production, a service with nothing to verify tokens with refuses to start', async () => {
    const error = await startSubgraph(definition, {
      port: 0,
      config: testConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      }),
    }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/JWT_JWKS_URL: nothing to verify access tokens with/);
  });

  test('a service with signing keys publishes their public half at /.well-known/jwks.json', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const pem = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const service = await startSubgraph(definition, {
      port: 0,
      config: testConfig({
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        JWT_PRIVATE_KEYS: JSON.stringify([{ kid: 'k-2026', pem }]),
      }),
    });
    try {
      const response = await fetch(service.url.replace(/\/graphql$/, '/.well-known/jwks.json'));
      expect(response.status).toBe(200);
      const body = (await response.json()) as { keys: Record<string, unknown>[] };
      expect(body.keys).toEqual([
        expect.objectContaining({ kid: 'k-2026', alg: 'EdDSA', kty: 'OKP', use: 'sig' }),
      ]);
      expect(body.keys[0]).not.toHaveProperty('d');
    } finally {
      await service.stop();
    }
  });
});
