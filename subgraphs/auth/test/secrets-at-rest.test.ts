import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generate, generateSecret } from 'otplib';
import pino from 'pino';
import { PrismaClient as OperatorClient } from '../../../prisma/operators/generated/client';
import {
  loadSecretKeys,
  REPO_ROOT,
  SecretBox,
  tenantSchemaName,
  type SecretKeyRing,
} from '@tradesage/shared';
import { createSecretRotation } from '../src/data';
import { createOperator } from '../src/operators';
import { OPERATOR, startAuthTestEnv, type AuthTestEnv } from './support';

const run = promisify(execFile);
const log = pino({ level: 'silent' });

const LOGIN = `mutation Login($input: LoginInput!) {
  login(input: $input) { accessToken user { id mfaEnabled } }
}`;
const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { user { id } }
}`;
const OPERATOR_LOGIN = `mutation O($e: String!, $p: String!, $t: String) {
  operatorLogin(email: $e, password: $p, totpCode: $t) { accessToken operator { id } }
}`;
const ENROLL = 'mutation { enrollTotp { secret otpauthUrl } }';
const CONFIRM = 'mutation C($c: String!) { confirmTotp(code: $c) { recoveryCodes } }';
/** The sealed format, and the key id it names. */
const SEALED = /^v1\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/;

let env: AuthTestEnv;
let keysDir: string;
let acme: { id: string; slug: string; schema: string };
const owner = { email: 'olivia@acme.test', password: 'owner password 2026', name: 'Olivia' };
const PASSWORD = 'a long user password';

let ipCounter = 10;
const freshIp = () => `198.51.100.${ipCounter++}`;
const errorCode = (response: Awaited<ReturnType<AuthTestEnv['call']>>) =>
  response.body.errors?.[0]?.extensions?.code;
/** A TOTP code for the current time step (offset 1: the next one, still within the drift window). */
const code = (secret: string, stepsAhead = 0) =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * stepsAhead });

/** A new key in the keys directory: 32 random bytes, base64, named by its id. */
function keyFile(keyId: string): void {
  fs.writeFileSync(path.join(keysDir, keyId), randomBytes(32).toString('base64'), { mode: 0o600 });
}

async function login(email: string, extra: Record<string, unknown> = {}, password = PASSWORD) {
  return env.call(
    LOGIN,
    { input: { tenantSlug: acme.slug, email, password, ...extra } },
    { ip: freshIp() },
  );
}

async function tokenOf(email: string, password = PASSWORD): Promise<string> {
  const response = await login(email, {}, password);
  expect(response.body.errors).toBeUndefined();
  return response.body.data.login.accessToken;
}

async function register(email: string): Promise<void> {
  await env.admin.query('UPDATE control.tenants SET self_registration = $2 WHERE id = $1', [
    acme.id,
    true,
  ]);
  const response = await env.call(
    REGISTER,
    { input: { tenantSlug: acme.slug, email, password: PASSWORD, name: email.split('@')[0] } },
    { ip: freshIp() },
  );
  await env.admin.query('UPDATE control.tenants SET self_registration = $2 WHERE id = $1', [
    acme.id,
    false,
  ]);
  expect(response.body.errors).toBeUndefined();
}

/** Starts enrolment through the API; returns the secret the app would show. */
async function enroll(token: string): Promise<string> {
  const response = await env.call(ENROLL, {}, { token });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.enrollTotp.secret;
}

async function confirm(token: string, secret: string): Promise<void> {
  const response = await env.call(CONFIRM, { c: await code(secret) }, { token });
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data.confirmTotp.recoveryCodes).toHaveLength(10);
}

/** The raw column, read with plain SQL. */
async function storedAccountSecret(email: string): Promise<string | null> {
  const { rows } = await env.admin.query(
    `SELECT totp_secret FROM "${acme.schema}".accounts WHERE email = $1`,
    [email],
  );
  return rows[0].totp_secret;
}

async function storedOperatorSecret(email: string): Promise<string | null> {
  const { rows } = await env.admin.query(
    'SELECT totp_secret FROM control.platform_operators WHERE email = $1',
    [email],
  );
  return rows[0].totp_secret;
}

/** Every stored TOTP secret of this test's database: operators' and the tenant's accounts'. */
async function everyStoredSecret(): Promise<string[]> {
  const { rows } = await env.admin.query(
    `SELECT totp_secret FROM control.platform_operators WHERE totp_secret IS NOT NULL
     UNION ALL SELECT totp_secret FROM "${acme.schema}".accounts WHERE totp_secret IS NOT NULL`,
  );
  return rows.map((row) => row.totp_secret);
}

function expectSealed(stored: string | null, secret: string, keyId: string): void {
  expect(stored).toMatch(SEALED);
  expect(SEALED.exec(stored!)![1]).toBe(keyId);
  expect(stored).not.toContain(secret);
  expect(stored).not.toContain(Buffer.from(secret).toString('base64url'));
}

function signInOperator(email: string, password: string, totpCode?: string) {
  return env.call(OPERATOR_LOGIN, { e: email, p: password, t: totpCode }, { ip: freshIp() });
}

/** A rotation pass in this process, with the keys the directory has now. */
function rotation() {
  const settings = { ...env.config, SECRETS_KEYS: '', SECRETS_KEYS_DIR: keysDir };
  const box = new SecretBox((): SecretKeyRing => loadSecretKeys(settings, log));
  return createSecretRotation(env.tenantDeps, box);
}

beforeAll(async () => {
  keysDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-secrets-keys-'));
  keyFile('2026-01');
  // The keys come from the directory alone (the test settings' own key is dropped).
  env = await startAuthTestEnv('auth_secrets', [], { SECRETS_KEYS: '', SECRETS_KEYS_DIR: keysDir });
  const created = await env.tenants.provisioner.create({
    slug: 'acme-secrets',
    name: 'Acme',
    plan: 'PRO',
    owner,
  });
  acme = {
    id: created.tenant.id,
    slug: created.tenant.slug,
    schema: tenantSchemaName(created.tenant.id),
  };
}, 120_000);

afterAll(async () => {
  await env?.close();
  if (keysDir) fs.rmSync(keysDir, { recursive: true, force: true });
});

describe('TOTP secrets at rest', () => {
  test("a user's secret is stored encrypted, pending and confirmed, and MFA works through the API", async () => {
    const token = await tokenOf(owner.email, owner.password);
    const secret = await enroll(token);
    const pending = await storedAccountSecret(owner.email);
    expectSealed(pending, secret, '2026-01');
    await confirm(token, secret);
    // Confirming turns the pending value on as it is.
    expect(await storedAccountSecret(owner.email)).toBe(pending);

    expect(errorCode(await login(owner.email, {}, owner.password))).toBe('MFA_REQUIRED');
    const signedIn = await login(owner.email, { totpCode: await code(secret, 1) }, owner.password);
    expect(signedIn.body.errors).toBeUndefined();
    expect(signedIn.body.data.login.user.mfaEnabled).toBe(true);
  });

  test("an operator's secret is stored encrypted, and operator MFA works through the API", async () => {
    const signedIn = await signInOperator(OPERATOR.email, OPERATOR.password);
    expect(signedIn.body.errors).toBeUndefined();
    const token = signedIn.body.data.operatorLogin.accessToken;
    const secret = await enroll(token);
    expectSealed(await storedOperatorSecret(OPERATOR.email), secret, '2026-01');
    await confirm(token, secret);
    expectSealed(await storedOperatorSecret(OPERATOR.email), secret, '2026-01');

    expect(errorCode(await signInOperator(OPERATOR.email, OPERATOR.password))).toBe('MFA_REQUIRED');
    const withCode = await signInOperator(OPERATOR.email, OPERATOR.password, await code(secret, 1));
    expect(withCode.body.errors).toBeUndefined();
  });

  test('a sealed secret copied into another account does not open there', async () => {
    const email = 'cody@acme.test';
    await register(email);
    const token = await tokenOf(email);
    const secret = await enroll(token);
    const sealed = await storedAccountSecret(email);
    // Another account of the tenant gets Cody's sealed value (as an attacker with write access
    // to the table might copy it): it does not decrypt there, so no code of Cody's passes.
    const other = 'mallory@acme.test';
    await register(other);
    await env.admin.query(
      `UPDATE "${acme.schema}".accounts SET totp_secret = $2, totp_enabled = true WHERE email = $1`,
      [other, sealed],
    );
    const refused = await login(other, { totpCode: await code(secret) });
    expect(refused.body.errors).toBeDefined();
    expect(refused.body.data?.login ?? null).toBeNull();
    // Cleared again, so that the rotation below has nothing unreadable.
    await env.admin.query(
      `UPDATE "${acme.schema}".accounts SET totp_secret = NULL, totp_enabled = false WHERE email = $1`,
      [other],
    );
  });
});

describe('key rotation', () => {
  // Each account below has used at most the current time step, so a code for the next one
  // still passes after the rotation.
  const legacy = { email: 'lee@acme.test', secret: generateSecret() };
  const confirmed = { email: 'rita@acme.test', secret: '' };
  const pending = { email: 'pat@acme.test', secret: '', token: '' };
  const operator2 = {
    email: 'second-ops@tradesage.test',
    password: 'second operator 2026',
    secret: '',
  };

  test('a pass re-encrypts every secret under the new active key (plaintext ones too), and MFA still works', async () => {
    // Written before encryption existed: plaintext in the column. It keeps working.
    await register(legacy.email);
    await env.admin.query(
      `UPDATE "${acme.schema}".accounts SET totp_secret = $2, totp_enabled = true WHERE email = $1`,
      [legacy.email, legacy.secret],
    );
    const legacyLogin = await login(legacy.email, { totpCode: await code(legacy.secret) });
    expect(legacyLogin.body.errors).toBeUndefined();

    await register(confirmed.email);
    const ritaToken = await tokenOf(confirmed.email);
    confirmed.secret = await enroll(ritaToken);
    await confirm(ritaToken, confirmed.secret);

    await register(pending.email);
    pending.token = await tokenOf(pending.email);
    pending.secret = await enroll(pending.token);

    const operatorDb = env.tenantDeps.platform.controlClient(
      (adapter) => new OperatorClient({ adapter }),
    );
    await createOperator(operatorDb, {
      email: operator2.email,
      name: 'Second',
      password: operator2.password,
    });
    const opToken = (await signInOperator(operator2.email, operator2.password)).body.data
      .operatorLogin.accessToken;
    operator2.secret = await enroll(opToken);
    await confirm(opToken, operator2.secret);

    const before = await everyStoredSecret();
    expect(before).toContain(legacy.secret);
    const outdated = before.filter((stored) => !stored.startsWith('v1.2026-06.')).length;

    // The new key is added to the directory; the newest name becomes the active key.
    keyFile('2026-06');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'scripts/secrets-rotate.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          DATABASE_URL: env.config.DATABASE_URL,
          REDIS_KEY_PREFIX: env.config.REDIS_KEY_PREFIX,
          SECRETS_KEYS: '',
          SECRETS_KEYS_DIR: keysDir,
        },
      },
    );
    expect(stdout).toContain('Active key: 2026-06 (configured: 2026-01, 2026-06)');
    expect(stdout).toContain(
      `Operators and 1 tenants: ${before.length} secrets, ${outdated} re-encrypted, 0 left`,
    );

    const after = await everyStoredSecret();
    expect(after).toHaveLength(before.length);
    for (const stored of after) expect(SEALED.exec(stored)?.[1]).toBe('2026-06');
    expectSealed(await storedAccountSecret(legacy.email), legacy.secret, '2026-06');

    // The running service had only the old key: it reads the new one from the directory.
    for (const account of [legacy, confirmed]) {
      const response = await login(account.email, { totpCode: await code(account.secret, 1) });
      expect(response.body.errors).toBeUndefined();
    }
    await confirm(pending.token, pending.secret);
    const operatorLogin = await signInOperator(
      operator2.email,
      operator2.password,
      await code(operator2.secret, 1),
    );
    expect(operatorLogin.body.errors).toBeUndefined();
  }, 180_000);

  test('a second pass re-encrypts nothing; a pass another replica holds the lock for is skipped', async () => {
    const stored = await everyStoredSecret();
    const report = await rotation().runPass();
    expect(report).toEqual({
      activeKeyId: '2026-06',
      tenants: 1,
      scanned: stored.length,
      reencrypted: 0,
      left: 0,
      failedTenants: [],
    });
    expect(await everyStoredSecret()).toEqual(stored);

    const lock = `${env.config.REDIS_KEY_PREFIX}lock:secrets-rotation`;
    await env.tenantDeps.redis.set(lock, 'another replica', 'EX', 60);
    try {
      expect(await rotation().runPass()).toBeNull();
    } finally {
      await env.tenantDeps.redis.del(lock);
    }
  });
});
