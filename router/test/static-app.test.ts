/**
 * The React app's built files, served by the router at `/` (STATIC_DIR): cache headers, the
 * single-page fallback, and the API untouched.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRouter } from '../src/server';
import { routerConfig } from './support';

test('index.html revalidates, fingerprinted assets are immutable, app routes fall back to index.html', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html><body>TradeSage</body></html>',
  );
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'assets', 'index-3f9a1c2b.js'), 'console.log(1)');
  const router = await startRouter(await routerConfig({ STATIC_DIR: dir }), { port: 0 });
  const origin = new URL(router.url).origin;
  const get = (pathname: string, accept = 'text/html') =>
    fetch(`${origin}${pathname}`, { headers: { accept } });
  try {
    const home = await get('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('cache-control')).toBe('no-cache');
    expect(await home.text()).toContain('TradeSage');

    const asset = await get('/assets/index-3f9a1c2b.js', '*/*');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');

    const route = await get('/settings/sessions');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('TradeSage');

    expect((await get('/assets/missing-00000000.js', '*/*')).status).toBe(404);
    expect((await get('/nothing-here', 'application/json')).status).toBe(404);

    const api = await fetch(router.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await api.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await get('/healthz', '*/*')).status).toBe(200);
  } finally {
    await router.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
