import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import {
  ConfigError,
  isSealed,
  loadSecretKeys,
  SecretBox,
  SecretBoxError,
  type SecretKeyRing,
} from '../src';
import { testConfig } from '../testing';

const log = pino({ level: 'silent' });
const config = testConfig();
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const CONTEXT = 'auth.accounts.totp_secret:tenant-a:account-1';
const SEALED = /^v1\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/;

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ts-secrets-'));
const newKey = () => randomBytes(32).toString('base64');
const ring = (active: string, ...ids: string[]): SecretKeyRing => ({
  activeKeyId: active,
  keys: new Map([active, ...ids].map((id) => [id, randomBytes(32)])),
});

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function configProblems(fn: () => unknown): string[] {
  const error = errorOf(fn);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

/** Replaces one base64url character of a sealed value's part `index` (2 iv, 3 tag, 4 text). */
function tamper(sealed: string, index: number): string {
  const parts = sealed.split('.');
  const part = parts[index];
  parts[index] = (part[0] === 'A' ? 'B' : 'A') + part.slice(1);
  return parts.join('.');
}

describe('SecretBox', () => {
  test('round trip: a versioned value that names its key, fresh every time', () => {
    const box = new SecretBox(ring('k1'));
    const sealed = box.seal(SECRET, CONTEXT);
    expect(sealed).toMatch(SEALED);
    expect(SEALED.exec(sealed)![1]).toBe('k1');
    expect(sealed).not.toContain(SECRET);
    expect(box.open(sealed, CONTEXT)).toBe(SECRET);
    // A random IV per value: sealing twice never gives the same text.
    expect(box.seal(SECRET, CONTEXT)).not.toBe(sealed);
    expect(box.keyIdOf(sealed)).toBe('k1');
    expect(box.isCurrent(sealed)).toBe(true);
    expect(isSealed(sealed)).toBe(true);
    expect(box.open(box.seal('', CONTEXT), CONTEXT)).toBe('');
  });

  test('a value opened for another owner (other associated data) fails', () => {
    const box = new SecretBox(ring('k1'));
    const sealed = box.seal(SECRET, CONTEXT);
    for (const other of [
      'auth.accounts.totp_secret:tenant-a:account-2',
      'auth.accounts.totp_secret:tenant-b:account-1',
      'control.platform_operators.totp_secret:account-1',
    ]) {
      const error = errorOf(() => box.open(sealed, other));
      expect(error).toBeInstanceOf(SecretBoxError);
      expect(error).toMatchObject({ reason: 'REJECTED' });
      expect((error as Error).message).not.toContain(SECRET);
    }
    expect(() => box.seal(SECRET, '')).toThrow(/context/);
  });

  test('a tampered value fails: its IV, tag, ciphertext, or the key it names', () => {
    const box = new SecretBox(ring('k1', 'k2'));
    const sealed = box.seal(SECRET, CONTEXT);
    for (const altered of [
      tamper(sealed, 2),
      tamper(sealed, 3),
      tamper(sealed, 4),
      sealed.replace('v1.k1.', 'v1.k2.'),
      sealed.slice(0, -2),
    ])
      expect(errorOf(() => box.open(altered, CONTEXT))).toMatchObject({
        name: 'SecretBoxError',
        reason: expect.stringMatching(/^(REJECTED|MALFORMED)$/),
      });
    expect(errorOf(() => box.open('v1.k1.not-a-value', CONTEXT))).toMatchObject({
      reason: 'MALFORMED',
    });
    expect(errorOf(() => box.open('v2.k1.a.b.c', CONTEXT))).toMatchObject({
      reason: 'UNSUPPORTED_VERSION',
      message: expect.stringContaining('format v2'),
    });
  });

  test('a value sealed with a key this box does not have fails with a clear error', () => {
    const sealed = new SecretBox(ring('old-key')).seal(SECRET, CONTEXT);
    const error = errorOf(() => new SecretBox(ring('new-key')).open(sealed, CONTEXT));
    expect(error).toBeInstanceOf(SecretBoxError);
    expect(error).toMatchObject({
      reason: 'UNKNOWN_KEY',
      message:
        'The stored secret is sealed with key old-key, which is not configured (SECRETS_KEYS_DIR or SECRETS_KEYS)',
    });
  });

  test('legacy plaintext passes through, and is never current', () => {
    const box = new SecretBox(ring('k1'));
    expect(isSealed(SECRET)).toBe(false);
    expect(box.open(SECRET, CONTEXT)).toBe(SECRET);
    expect(box.keyIdOf(SECRET)).toBeNull();
    expect(box.isCurrent(SECRET)).toBe(false);
  });

  test('every key decrypts, the active one encrypts; older values are not current', () => {
    const keys = ring('k1', 'k2');
    const before = new SecretBox(keys);
    const sealed = before.seal(SECRET, CONTEXT);
    const after = new SecretBox({ ...keys, activeKeyId: 'k2' });
    expect(after.isCurrent(sealed)).toBe(false);
    expect(after.open(sealed, CONTEXT)).toBe(SECRET);
    const resealed = after.seal(after.open(sealed, CONTEXT), CONTEXT);
    expect(after.keyIdOf(resealed)).toBe('k2');
    expect(after.isCurrent(resealed)).toBe(true);
  });
});

describe('loadSecretKeys', () => {
  test('a key directory: every file a key named by its id, the last name active unless one is chosen', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '2026-01'), `${newKey()}\n`);
    fs.writeFileSync(path.join(dir, '2026-06'), newKey());
    // A Kubernetes secret volume's bookkeeping is not a key.
    fs.mkdirSync(path.join(dir, '..2026_06_01'));
    fs.writeFileSync(path.join(dir, '.hidden'), 'not a key');
    const keys = loadSecretKeys({ ...config, SECRETS_KEYS_DIR: dir }, log);
    expect([...keys.keys.keys()].sort()).toEqual(['2026-01', '2026-06']);
    expect(keys.activeKeyId).toBe('2026-06');
    expect(
      loadSecretKeys({ ...config, SECRETS_KEYS_DIR: dir, SECRETS_ACTIVE_KEY: '2026-01' }, log)
        .activeKeyId,
    ).toBe('2026-01');
    expect(
      configProblems(() =>
        loadSecretKeys({ ...config, SECRETS_KEYS_DIR: dir, SECRETS_ACTIVE_KEY: '2027-01' }, log),
      ),
    ).toEqual([
      'SECRETS_ACTIVE_KEY: "2027-01" is not among the configured keys (2026-01, 2026-06)',
    ]);
  });

  test('SECRETS_KEYS as <id>:<base64> pairs, beside a directory', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'b'), newKey());
    const keys = loadSecretKeys(
      { ...config, SECRETS_KEYS: `a:${newKey()}, c:${newKey()}`, SECRETS_KEYS_DIR: dir },
      log,
    );
    expect([...keys.keys.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(keys.activeKeyId).toBe('c');
  });

  test('unusable keys are refused at start-up, naming the setting and never the key', () => {
    const short = randomBytes(16).toString('base64');
    const problems = configProblems(() =>
      loadSecretKeys({ ...config, SECRETS_KEYS: `k1:${short}` }, log),
    );
    expect(problems).toEqual([
      'SECRETS_KEYS: key k1 must be 32 random bytes in base64 (openssl rand -base64 32)',
    ]);
    expect(problems.join()).not.toContain(short);
    expect(
      configProblems(() => loadSecretKeys({ ...config, SECRETS_KEYS: newKey() }, log)),
    ).toEqual(['SECRETS_KEYS: must be comma-separated <key id>:<base64 key>']);
    expect(
      configProblems(() => loadSecretKeys({ ...config, SECRETS_KEYS: `a.b:${newKey()}` }, log)),
    ).toEqual(['SECRETS_KEYS: key id "a.b" is not [A-Za-z0-9_-]{1,64}']);
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'k1'), 'not base64!');
    expect(configProblems(() => loadSecretKeys({ ...config, SECRETS_KEYS_DIR: dir }, log))).toEqual(
      ['SECRETS_KEYS_DIR: key k1 must be 32 random bytes in base64 (openssl rand -base64 32)'],
    );
    const missing = path.join(dir, 'missing');
    expect(
      configProblems(() => loadSecretKeys({ ...config, SECRETS_KEYS_DIR: missing }, log)),
    ).toEqual([`SECRETS_KEYS_DIR: ${missing} does not exist`]);
  });

  test('production refuses to start without keys; development generates one and keeps it', () => {
    expect(
      configProblems(() => loadSecretKeys({ ...config, NODE_ENV: 'production' }, log, tmp())),
    ).toEqual([expect.stringMatching(/^SECRETS_KEYS_DIR or SECRETS_KEYS: no key/)]);
    const devDir = path.join(tmp(), 'dev-secrets');
    const first = loadSecretKeys({ ...config, NODE_ENV: 'development' }, log, devDir);
    const again = loadSecretKeys({ ...config, NODE_ENV: 'development' }, log, devDir);
    expect(first.keys.size).toBe(1);
    expect(again.activeKeyId).toBe(first.activeKeyId);
    expect(again.keys.get(again.activeKeyId)).toEqual(first.keys.get(first.activeKeyId));
    expect(fs.readdirSync(devDir)).toEqual([first.activeKeyId]);
    expect(fs.statSync(path.join(devDir, first.activeKeyId)).mode & 0o077).toBe(0);
    // What development sealed, a restart still opens.
    const sealed = new SecretBox(first).seal(SECRET, CONTEXT);
    expect(new SecretBox(again).open(sealed, CONTEXT)).toBe(SECRET);
  });

  test('a box built from the directory re-reads it for a key it does not know yet', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '2026-01'), newKey());
    const settings = { ...config, SECRETS_KEYS_DIR: dir };
    const running = new SecretBox(() => loadSecretKeys(settings, log));
    // Another replica already has the new key, and seals with it.
    fs.writeFileSync(path.join(dir, '2026-06'), newKey());
    const sealed = new SecretBox(() => loadSecretKeys(settings, log)).seal(SECRET, CONTEXT);
    expect(running.activeKeyId).toBe('2026-01');
    expect(running.open(sealed, CONTEXT)).toBe(SECRET);
    expect(running.activeKeyId).toBe('2026-06');
    // A failed re-read keeps the keys it had.
    fs.writeFileSync(path.join(dir, 'broken'), 'half a key');
    expect(() => running.reload()).toThrow(ConfigError);
    expect(running.keyIds).toEqual(['2026-01', '2026-06']);
  });
});
