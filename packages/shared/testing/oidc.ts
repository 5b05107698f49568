/**
 * An OpenID provider for tests, standing in for Google. oidc-provider is ESM-only, so it runs
 * in a child process (oidc-provider-server.mjs); this side starts it and drives its login
 * pages over plain HTTP the way a browser would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export interface OidcTestAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
}

export interface OidcTestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /**
   * Follows an authorization URL like a browser would: GET it, complete login as `sub` (and
   * consent if needed), follow redirects with a cookie jar, and return the final redirect URL
   * pointing at one of the client's redirect_uris (containing code and state, or error). Does
   * not fetch that final URL.
   */
  authorize(authorizationUrl: string, sub: string): Promise<URL>;
  close(): Promise<void>;
}

export interface OidcProviderOptions {
  redirectUris: string[];
  accounts: OidcTestAccount[];
  clientId?: string;
  clientSecret?: string;
}

const SERVER_SCRIPT = path.join(__dirname, 'oidc-provider-server.mjs');
const START_TIMEOUT_MS = 20_000;
const MAX_STEPS = 20;

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcTestProvider> {
  const clientId = options.clientId ?? `test-client-${randomBytes(4).toString('hex')}`;
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('hex');
  const child = spawn(process.execPath, [SERVER_SCRIPT], {
    env: {
      ...process.env,
      OIDC_TEST_CLIENT_ID: clientId,
      OIDC_TEST_CLIENT_SECRET: clientSecret,
      OIDC_TEST_REDIRECT_URIS: options.redirectUris.join(','),
      OIDC_TEST_ACCOUNTS: JSON.stringify(options.accounts),
    },
    // stdin stays open so the child notices (stdin ends) if this process dies without close().
    stdio: ['pipe', 'pipe', 'pipe'],
  });

  let issuer: string;
  try {
    issuer = await waitForIssuer(child);
  } catch (error) {
    await stop(child);
    throw error;
  }

  return {
    issuer,
    clientId,
    clientSecret,
    authorize: (authorizationUrl, sub) =>
      authorize(issuer, options.redirectUris, authorizationUrl, sub),
    close: () => stop(child),
  };
}

/** Resolves with the issuer the child prints once it listens; rejects if it dies first. */
function waitForIssuer(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const onStdout = (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline === -1) return;
      try {
        const { issuer } = JSON.parse(stdout.slice(0, newline)) as { issuer: string };
        settle(() => resolve(issuer));
      } catch {
        settle(() => reject(new Error(`unexpected output from OIDC provider: ${stdout}`)));
      }
    };
    // Kept small: only the tail is interesting when startup fails.
    const onStderr = (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    };
    const onExit = (code: number | null, signal: string | null) =>
      settle(() =>
        reject(new Error(`OIDC provider exited (${signal ?? code}) before listening:\n${stderr}`)),
      );
    const timer = setTimeout(
      () => settle(() => reject(new Error(`OIDC provider did not start:\n${stderr}`))),
      START_TIMEOUT_MS,
    );
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      child.stdout!.off('data', onStdout);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining output so the child never blocks on a full pipe.
      child.stdout!.resume();
      finish();
    };
    const onError = (error: Error) => settle(() => reject(error));
    child.stdout!.on('data', onStdout);
    child.stderr!.on('data', onStderr);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }
  child.stdin?.destroy();
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** Whether `url` is one of the registered redirect URIs (any query). */
function isRedirectUri(url: URL, redirectUris: string[]): boolean {
  return redirectUris.some((uri) => {
    const registered = new URL(uri);
    return registered.origin === url.origin && registered.pathname === url.pathname;
  });
}

async function authorize(
  issuer: string,
  redirectUris: string[],
  authorizationUrl: string,
  sub: string,
): Promise<URL> {
  const origin = new URL(issuer).origin;
  const jar = new Map<string, string>();
  let url = new URL(authorizationUrl);
  let init: RequestInit = { method: 'GET' };

  for (let step = 0; step < MAX_STEPS; step++) {
    if (url.origin !== origin) throw new Error(`authorization left the provider for ${url.href}`);
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    storeCookies(jar, response.headers.getSetCookie());

    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      if (isRedirectUri(url, redirectUris)) return url;
      init = { method: 'GET' };
      continue;
    }

    const body = await response.text();
    if (response.status !== 200) {
      throw new Error(`${url.pathname} answered ${response.status}: ${body.slice(0, 500)}`);
    }
    // An interaction page: submit its form, as the user `sub` on the login step.
    const action = /<form[^>]*action="([^"]+)"/.exec(body)?.[1];
    if (!action) throw new Error(`no form on ${url.pathname}: ${body.slice(0, 500)}`);
    url = new URL(action, url);
    const form = new URLSearchParams(url.pathname.endsWith('/login') ? { login: sub } : {});
    init = {
      method: 'POST',
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    };
  }
  throw new Error(`authorization did not reach a redirect_uri within ${MAX_STEPS} steps`);
}

/** Keeps the jar in step with Set-Cookie headers; paths are ignored (one origin, one flow). */
function storeCookies(jar: Map<string, string>, setCookies: string[]): void {
  for (const header of setCookies) {
    const [pair, ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key, val = ''] = attribute.split('=');
      const k = key.trim().toLowerCase();
      return (
        (k === 'max-age' && Number(val) <= 0) ||
        (k === 'expires' && Date.parse(val.trim()) <= Date.now())
      );
    });
    if (expired || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}
