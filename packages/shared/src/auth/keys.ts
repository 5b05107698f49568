import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, type JSONWebKeySet, type JWK } from 'jose';
import { z } from 'zod';
import { ConfigError, REPO_ROOT, type Config } from '../config';
import type { Logger } from '../logger';

export interface SigningKey {
  kid: string;
  alg: 'EdDSA' | 'RS256';
  privateKey: KeyObject;
  publicJwk: JWK;
}

const KID = /^[A-Za-z0-9._-]{1,64}$/;
/** Where development keys are kept, so restarts keep issued tokens valid. Never used in production. */
export const DEV_KEYS_DIR = path.join(REPO_ROOT, '.data', 'dev-keys');

async function toSigningKey(kid: string, pem: string, source: string): Promise<SigningKey> {
  if (!KID.test(kid))
    throw new ConfigError([`${source}: key id ${JSON.stringify(kid)} is not [A-Za-z0-9._-]{1,64}`]);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new ConfigError([
      `${source}: key ${kid} is not a PEM private key (${(error as Error).message})`,
    ]);
  }
  const type = privateKey.asymmetricKeyType;
  if (type !== 'ed25519' && type !== 'rsa') {
    throw new ConfigError([`${source}: key ${kid} is ${type}; use Ed25519 or RSA`]);
  }
  const alg = type === 'ed25519' ? 'EdDSA' : 'RS256';
  const publicJwk = { ...(await exportJWK(createPublicKey(privateKey))), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

async function keysFromDir(dir: string, source: string): Promise<SigningKey[]> {
  if (!fs.existsSync(dir)) return [];
  const files = fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.pem'))
    .sort();
  return Promise.all(
    files.map((file) =>
      toSigningKey(
        file.slice(0, -'.pem'.length),
        fs.readFileSync(path.join(dir, file), 'utf8'),
        source,
      ),
    ),
  );
}

const envKeys = z.array(z.object({ kid: z.string(), pem: z.string() }));

/**
 * The access-token signing keys, oldest first: the last one signs, all of them verify.
 * Without configured keys, development generates an Ed25519 key once and keeps it under
 * .data/dev-keys; production refuses to start.
 */
export async function loadSigningKeys(
  config: Pick<Config, 'JWT_KEYS_DIR' | 'JWT_PRIVATE_KEYS' | 'NODE_ENV'>,
  log: Logger,
  devKeysDir = DEV_KEYS_DIR,
): Promise<SigningKey[]> {
  const keys: SigningKey[] = [];
  if (config.JWT_PRIVATE_KEYS) {
    let parsed: z.infer<typeof envKeys>;
    try {
      parsed = envKeys.parse(JSON.parse(config.JWT_PRIVATE_KEYS));
    } catch {
      throw new ConfigError(['JWT_PRIVATE_KEYS: must be a JSON array of {"kid", "pem"}']);
    }
    keys.push(
      ...(await Promise.all(parsed.map((k) => toSigningKey(k.kid, k.pem, 'JWT_PRIVATE_KEYS')))),
    );
  }
  if (config.JWT_KEYS_DIR) {
    if (!fs.existsSync(config.JWT_KEYS_DIR))
      throw new ConfigError([`JWT_KEYS_DIR: ${config.JWT_KEYS_DIR} does not exist`]);
    keys.push(...(await keysFromDir(config.JWT_KEYS_DIR, 'JWT_KEYS_DIR')));
  }
  if (keys.length > 0) return keys.sort((a, b) => a.kid.localeCompare(b.kid));
  if (config.NODE_ENV === 'production') {
    throw new ConfigError([
      'JWT_KEYS_DIR or JWT_PRIVATE_KEYS: no signing key is configured, and production never generates one',
    ]);
  }
  const existing = await keysFromDir(devKeysDir, devKeysDir);
  if (existing.length > 0) return existing;
  fs.mkdirSync(devKeysDir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const kid = `dev-${new Date().toISOString().slice(0, 10)}`;
  // Written aside, then linked into place: services starting together never read half a key,
  // and only the first link wins (the others get EEXIST and read the winner's key).
  const aside = path.join(devKeysDir, `.${kid}.${process.pid}.tmp`);
  fs.writeFileSync(aside, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  try {
    fs.linkSync(aside, path.join(devKeysDir, `${kid}.pem`));
    log.warn(
      { dir: devKeysDir },
      'generated a development signing key; configure JWT_KEYS_DIR in production',
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(aside, { force: true });
  }
  return keysFromDir(devKeysDir, devKeysDir);
}

export function publicJwks(keys: readonly SigningKey[]): JSONWebKeySet {
  return { keys: keys.map((key) => key.publicJwk) };
}
