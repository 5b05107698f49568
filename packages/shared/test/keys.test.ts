import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import pino from 'pino';
import {
  AccessTokenIssuer,
  AppError,
  ConfigError,
  loadSigningKeys,
  publicJwks,
  TokenVerifier,
  type SigningKey,
} from '../src';
import { testConfig } from '../testing';

const log = pino({ level: 'silent' });
const config = testConfig();
const pem = (type: 'ed25519' | 'rsa' | 'ec') =>
  generateKeyPairSync(
    type as 'ed25519',
    type === 'rsa'
      ? ({ modulusLength: 2048 } as never)
      : type === 'ec'
        ? ({ namedCurve: 'P-256' } as never)
        : undefined,
  )
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ts-keys-'));
const user = {
  kind: 'user' as const,
  userId: 'u-1',
  tenantId: '8a6e0b1e-7c1f-4c55-9a0e-5a1c2b3d4e5f',
  tenantSlug: 'acme',
  roles: ['OWNER'],
  sessionId: 's-1',
};

/** Signing keys with one freshly generated key of that id. */
const keysWith = (kid: string, type: 'ed25519' | 'rsa' = 'ed25519') =>
  loadSigningKeys({ ...config, JWT_PRIVATE_KEYS: JSON.stringify([{ kid, pem: pem(type) }]) }, log);

async function configErrorOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe('signing keys', () => {
  test('a key directory: the newest key signs, every key verifies (rotation)', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '2026-01-01.pem'), pem('ed25519'));
    const before = await loadSigningKeys({ ...config, JWT_KEYS_DIR: dir }, log);
    const oldToken = (await new AccessTokenIssuer(before, config).issue(user)).token;
    expect(decodeProtectedHeader(oldToken)).toMatchObject({
      kid: '2026-01-01',
      alg: 'EdDSA',
      typ: 'at+jwt',
    });

    fs.writeFileSync(path.join(dir, '2026-06-01.pem'), pem('rsa'));
    const after = await loadSigningKeys({ ...config, JWT_KEYS_DIR: dir }, log);
    expect(after.map((k) => k.kid)).toEqual(['2026-01-01', '2026-06-01']);
    const newToken = (await new AccessTokenIssuer(after, config).issue(user)).token;
    expect(decodeProtectedHeader(newToken)).toMatchObject({ kid: '2026-06-01', alg: 'RS256' });

    const verifier = new TokenVerifier({
      jwks: publicJwks(after),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    });
    await expect(verifier.verify(oldToken)).resolves.toMatchObject({
      kind: 'user',
      userId: 'u-1',
      tenantId: user.tenantId,
    });
    await expect(verifier.verify(newToken)).resolves.toMatchObject({
      kind: 'user',
      roles: ['OWNER'],
    });
    // The JWKS carries public keys only.
    expect(JSON.stringify(publicJwks(after))).not.toMatch(/"d":/);

    // Retiring the old key (removing its file) ends its tokens; the new key's still verify.
    fs.rmSync(path.join(dir, '2026-01-01.pem'));
    const retired = new TokenVerifier({
      jwks: publicJwks(await loadSigningKeys({ ...config, JWT_KEYS_DIR: dir }, log)),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    });
    await expect(retired.verify(oldToken)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
    await expect(retired.verify(newToken)).resolves.toMatchObject({ kind: 'user' });
  });

  test('keys from JWT_PRIVATE_KEYS; an operator token has no tenant', async () => {
    const keys = await keysWith('env-1');
    const { token, expiresAt } = await new AccessTokenIssuer(keys, config).issue({
      kind: 'operator',
      operatorId: 'op-1',
      sessionId: 's-9',
    });
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(
      (config.JWT_ACCESS_TTL_SECONDS - 5) * 1000,
    );
    const verifier = new TokenVerifier({
      jwks: publicJwks(keys),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    });
    await expect(verifier.verify(token)).resolves.toEqual({
      kind: 'operator',
      operatorId: 'op-1',
      roles: ['PLATFORM_OPERATOR'],
      sessionId: 's-9',
      expiresAt: expiresAt.getTime(),
    });
  });

  test('production refuses to start without keys; development generates one and keeps it', async () => {
    expect(
      await configErrorOf(loadSigningKeys({ ...config, NODE_ENV: 'production' }, log, tmp())),
    ).toEqual([expect.stringMatching(/^JWT_KEYS_DIR or JWT_PRIVATE_KEYS: no signing key/)]);
    const devDir = path.join(tmp(), 'dev-keys');
    const first = await loadSigningKeys({ ...config, NODE_ENV: 'development' }, log, devDir);
    const again = await loadSigningKeys({ ...config, NODE_ENV: 'development' }, log, devDir);
    expect(first).toHaveLength(1);
    expect(again.map((k) => k.kid)).toEqual(first.map((k) => k.kid));
    expect(fs.statSync(path.join(devDir, `${first[0].kid}.pem`)).mode & 0o077).toBe(0);
  });

  test('unusable keys are refused at start-up, naming the setting', async () => {
    expect(
      await configErrorOf(loadSigningKeys({ ...config, JWT_PRIVATE_KEYS: 'not json' }, log)),
    ).toEqual([expect.stringMatching(/^JWT_PRIVATE_KEYS:/)]);
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'ec.pem'), pem('ec'));
    expect(await configErrorOf(loadSigningKeys({ ...config, JWT_KEYS_DIR: dir }, log))).toEqual([
      expect.stringMatching(/^JWT_KEYS_DIR: key ec is ec; use Ed25519 or RSA/),
    ]);
    fs.writeFileSync(path.join(dir, 'ec.pem'), 'garbage');
    expect(await configErrorOf(loadSigningKeys({ ...config, JWT_KEYS_DIR: dir }, log))).toEqual([
      expect.stringMatching(/^JWT_KEYS_DIR: key ec is not a PEM private key/),
    ]);
    expect(
      await configErrorOf(loadSigningKeys({ ...config, JWT_KEYS_DIR: '/nonexistent/keys' }, log)),
    ).toEqual(['JWT_KEYS_DIR: /nonexistent/keys does not exist']);
  });

  test('a verifier with a JWKS URL refetches on an unknown key id, so rotation needs no restart', async () => {
    let served: SigningKey[] = await keysWith('a');
    let fetches = 0;
    const server = http.createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(publicJwks(served)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
      const verifier = new TokenVerifier({
        jwksUrl: url,
        jwksCooldownMs: 0,
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
      });
      await verifier.verify((await new AccessTokenIssuer(served, config).issue(user)).token);
      await verifier.verify((await new AccessTokenIssuer(served, config).issue(user)).token);
      expect(fetches).toBe(1);
      served = [...served, ...(await keysWith('b'))];
      await expect(
        verifier.verify((await new AccessTokenIssuer(served, config).issue(user)).token),
      ).resolves.toMatchObject({ kind: 'user' });
      expect(fetches).toBe(2);
      // A token from a key nobody serves is refused, like any bad token.
      const stranger = await keysWith('zz');
      const refusal = await verifier
        .verify((await new AccessTokenIssuer(stranger, config).issue(user)).token)
        .catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(AppError);
      expect((refusal as AppError).extensions.code).toBe('UNAUTHENTICATED');
    } finally {
      server.close();
    }
  });
});
