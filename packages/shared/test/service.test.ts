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
});
