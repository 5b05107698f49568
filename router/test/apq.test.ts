/**
 * Automatic persisted queries with the cache in Redis: a query registered at one router replica
 * is known to another.
 */
import { createHash } from 'node:crypto';
import type { RunningService } from '@tradesage/shared';
import { startRouter } from '../src/server';
import { routerConfig } from './support';

const QUERY = '{ __typename }';
const persistedQuery = {
  version: 1,
  sha256Hash: createHash('sha256').update(QUERY).digest('hex'),
};

async function post(url: string, body: Record<string, unknown>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as {
    data?: unknown;
    errors?: { message: string; extensions: Record<string, unknown> }[];
  };
}

test('a hash unknown everywhere is PersistedQueryNotFound; registered at one replica, it works at another', async () => {
  const config = await routerConfig();
  const routers: RunningService[] = [];
  try {
    for (let i = 0; i < 2; i++) routers.push(await startRouter(config, { port: 0 }));
    const [first, second] = routers;
    const unknown = await post(second.url, { extensions: { persistedQuery } });
    // Apollo Client retries with the full query on this message.
    expect(unknown.errors?.[0].message).toBe('PersistedQueryNotFound');

    const registered = await post(first.url, { query: QUERY, extensions: { persistedQuery } });
    expect(registered).toEqual({ data: { __typename: 'Query' } });
    const byHash = await post(second.url, { extensions: { persistedQuery } });
    expect(byHash).toEqual({ data: { __typename: 'Query' } });

    const mismatch = await post(first.url, {
      query: '{ __schema { queryType { name } } }',
      extensions: { persistedQuery },
    });
    expect(mismatch.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  } finally {
    for (const router of routers) await router.stop();
  }
});
