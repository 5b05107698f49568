/**
 * Introspection and the Apollo Sandbox landing page: on in development, off in production
 * unless GRAPHQL_EXPLORATION=on. Only the router runs here: it answers introspection and the
 * landing page itself, without any subgraph.
 */
import { withRouter } from './support';

const INTROSPECTION = '{ __schema { queryType { name } } }';

const introspect = async (url: string) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: INTROSPECTION }),
  });
  return { status: response.status, body: (await response.json()) as any };
};

const landingPage = async (url: string) => {
  const response = await fetch(url, { headers: { accept: 'text/html' } });
  return { status: response.status, html: (await response.text()).includes('<html') };
};

test('production: introspection is refused and there is no landing page', async () => {
  await withRouter({ NODE_ENV: 'production' }, async (url) => {
    const result = await introspect(url);
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(result.body.errors[0].message).toMatch(/introspection/i);
    expect((await landingPage(url)).html).toBe(false);
  });
});

test('production with GRAPHQL_EXPLORATION=on, and development: both are served', async () => {
  const envs: Record<string, string>[] = [
    { NODE_ENV: 'production', GRAPHQL_EXPLORATION: 'on' },
    { NODE_ENV: 'development' },
  ];
  for (const env of envs) {
    await withRouter(env, async (url) => {
      const result = await introspect(url);
      expect([env, result.body.data]).toEqual([
        env,
        { __schema: { queryType: { name: 'Query' } } },
      ]);
      expect(await landingPage(url)).toEqual({ status: 200, html: true });
    });
  }
});
