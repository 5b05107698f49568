/**
 * `npm start` on a machine with neither PostgreSQL nor Redis: both settings point at ports where
 * nothing listens, so the stack falls back to PGlite and an in-process Redis, in one process.
 * Through the router only: the generated first operator (from the start-up summary) creates a
 * tenant, its owner accepts the e-mailed invitation, signs in and reads `Me`. Then the stack is
 * stopped and started again on the same data directory, and everything is still there.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createTestSigner,
  freePort,
  signInSettings,
  startSmtpCapture,
  testConfig,
  until,
  waitForOk,
  type SmtpCapture,
  type TestSigner,
} from '@tradesage/shared/testing';
import { codes, graphql, operation, runStartScript } from './support/stack';

const SLUG = 'embedded-desk';
const OWNER = {
  email: 'owner@embedded.test',
  name: 'Olive Owner',
  password: 'olive long password',
};

interface EmbeddedRun {
  child: ChildProcess;
  routerUrl: string;
  output(): string;
  /** SIGTERM, as Ctrl-C would; resolves with the exit code. */
  stop(): Promise<number | null>;
}

let smtp: SmtpCapture;
let signer: TestSigner;
let dataDir: string;
let unused: { postgres: string; redis: string };
let running: EmbeddedRun | undefined;
let operatorLogin: { email: string; password: string };
let tenantId: string;

/** Runs `npm start` (scripts/start.ts) with nothing on the database and Redis ports. */
async function startEmbedded(): Promise<EmbeddedRun> {
  const ports = {
    ROUTER_PORT: await freePort(),
    AUTH_PORT: await freePort(),
    TENANT_PORT: await freePort(),
    USER_PORT: await freePort(),
    SESSION_PORT: await freePort(),
  };
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'development',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    DATABASE_URL: unused.postgres,
    REDIS_URL: unused.redis,
    EMBEDDED_DATA_DIR: dataDir,
    ...signInSettings({ signer, smtp }),
    ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
  };
  for (const name of ['AUTH', 'TENANT', 'USER', 'SESSION'])
    env[`${name}_SUBGRAPH_URL`] = `http://127.0.0.1:${env[`${name}_PORT`]}/graphql`;
  const { child, output, exited } = runStartScript(env);
  const run: EmbeddedRun = {
    child,
    routerUrl: `http://127.0.0.1:${ports.ROUTER_PORT}/graphql`,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  try {
    await until(
      () => output().includes('TradeSage is running') || child.exitCode !== null,
      'the start-up summary',
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    await waitForOk(`http://127.0.0.1:${ports.ROUTER_PORT}/readyz`, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- output ---\n${output()}`);
  }
  return run;
}

/** The start-up summary block: its rows by label (a label may repeat). */
function summaryRows(output: string): [string, string][] {
  const block = output.slice(output.indexOf('TradeSage is running'));
  return block
    .split('\n')
    .slice(1)
    .filter((line) => line.startsWith('  '))
    .map((line) => {
      const [, label, value] = /^ {2}(\S+)\s+(.*)$/.exec(line)!;
      return [label, value];
    });
}

beforeAll(async () => {
  smtp = await startSmtpCapture();
  signer = await createTestSigner(testConfig());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-embedded-'));
  unused = {
    postgres: `postgres://postgres@127.0.0.1:${await freePort()}/tradesage`,
    redis: `redis://127.0.0.1:${await freePort()}`,
  };
  running = await startEmbedded();
}, 180_000);

afterAll(async () => {
  await running?.stop();
  await smtp?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

test('the start-up summary gives the mode, the URLs and the generated first operator', async () => {
  const rows = summaryRows(running!.output());
  const row = (label: string) => rows.filter(([name]) => name === label).map(([, value]) => value);
  const [credentials] = row('operator');
  const [, email, password] = /^(\S+) \/ (\S+) \(created now/.exec(credentials)!;
  operatorLogin = { email, password };
  expect(row('mode')).toEqual(['embedded, one process (PostgreSQL: PGlite, Redis: in-process)']);
  expect(row('router')).toEqual([running!.routerUrl]);
  expect(row('Sandbox')).toEqual([`${running!.routerUrl} (open it in a browser)`]);
  expect(row('data')).toEqual([path.join(dataDir, 'pg')]);
  expect(password.length).toBeGreaterThanOrEqual(20);
  // Each limitation is named, with the feature it turns off.
  expect(row('limited').join('\n')).toMatch(/backups and restores are off/);
  expect(row('limited').join('\n')).toMatch(/Redis is in this process/);
  // Both missing services were named with their settings before falling back.
  expect(running!.output()).toContain(`PostgreSQL does not answer at ${unused.postgres}`);
  expect(running!.output()).toContain(`Redis does not answer at ${unused.redis}`);

  // The Sandbox: the router's landing page for a browser.
  const page = await fetch(running!.routerUrl, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/sandbox/i);
});

test('operator → create tenant → owner accepts the invitation and signs in → Me, through the router', async () => {
  const url = running!.routerUrl;
  const signedIn = await graphql(url, operation('OperatorLogin'), undefined, operatorLogin);
  expect(codes(signedIn)).toEqual([]);
  const operatorToken: string = signedIn.body.data.operatorLogin.accessToken;

  const created = await graphql(url, operation('CreateTenant'), operatorToken, {
    input: {
      slug: SLUG,
      name: 'Embedded Desk',
      plan: 'PRO',
      owner: { email: OWNER.email, name: OWNER.name },
    },
  });
  expect(codes(created)).toEqual([]);
  expect(created.body.data.createTenant).toMatchObject({
    tenant: { slug: SLUG, status: 'ACTIVE' },
    owner: { email: OWNER.email, roles: ['OWNER'] },
  });
  tenantId = created.body.data.createTenant.tenant.id;

  const mail = await smtp.waitFor((m) => m.to.includes(OWNER.email));
  const token = new URL(mail.links[0]).searchParams.get('token');
  const accepted = await graphql(
    url,
    'mutation Accept($token: String!, $password: String!) { acceptInvitation(token: $token, password: $password) }',
    undefined,
    { token, password: OWNER.password },
  );
  expect(accepted.body).toEqual({ data: { acceptInvitation: true } });

  const owner = await ownerSignIn(url);
  const me = await graphql(url, operation('Me'), owner);
  expect(codes(me)).toEqual([]);
  expect(me.body.data.me).toMatchObject({ email: OWNER.email, name: OWNER.name, roles: ['OWNER'] });

  // Only the feature embedded PostgreSQL cannot do is off, with a reason the client can read.
  const backup = await graphql(url, operation('BackupTenant'), operatorToken, { id: tenantId });
  expect(codes(backup)).toEqual(['SERVICE_UNAVAILABLE']);
  expect(backup.body.errors[0].extensions.reason).toBe('BACKUPS_OFF');
});

test('stopped and started again on the same data directory, the tenant, owner and operator are kept', async () => {
  expect(await running!.stop()).toBe(0);
  expect(fs.existsSync(path.join(dataDir, 'embedded.pid'))).toBe(false);
  running = await startEmbedded();
  // No operator was created this time, so no credentials are shown.
  expect(summaryRows(running.output()).map(([label]) => label)).not.toContain('operator');

  const url = running.routerUrl;
  const me = await graphql(url, operation('Me'), await ownerSignIn(url));
  expect(codes(me)).toEqual([]);
  expect(me.body.data.me).toMatchObject({ email: OWNER.email, roles: ['OWNER'] });
  const operator = await graphql(url, operation('OperatorLogin'), undefined, operatorLogin);
  expect(codes(operator)).toEqual([]);
}, 180_000);

async function ownerSignIn(url: string): Promise<string> {
  const login = await graphql(url, operation('Login'), undefined, {
    input: { tenantSlug: SLUG, email: OWNER.email, password: OWNER.password },
  });
  expect(codes(login)).toEqual([]);
  return login.body.data.login.accessToken;
}
