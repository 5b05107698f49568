import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, REPO_ROOT, type Config } from './config';
import type { Logger } from './logger';

/**
 * Application-level encryption of secrets at rest (AES-256-GCM). A sealed value reads
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts): it names its key, so keys can rotate,
 * and its associated data binds it to its owner (say, one account's row), so a value copied into
 * another row does not decrypt.
 */

const VERSION = 'v1';
/** Key ids appear in sealed values between dots, so they may not contain one. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const KEY_BYTES = 32;
const IV_BYTES = 12;
/** A 12-byte IV is 16 base64url characters, a 16-byte tag 22. */
const SEALED =
  /^v1\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;
/** Anything that starts like a versioned value is never taken for plaintext. */
const VERSIONED = /^v\d+\./;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Where development keys are kept, so restarts can still read what was sealed. Never used in production. */
export const DEV_SECRETS_DIR = path.join(REPO_ROOT, '.data', 'dev-secrets');

/** The keys of a process: every one decrypts, the active one encrypts. */
export interface SecretKeyRing {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

export type SecretBoxErrorReason = 'UNKNOWN_KEY' | 'MALFORMED' | 'UNSUPPORTED_VERSION' | 'REJECTED';

/** A stored value that cannot be opened. Its message names the key id, never a key or a secret. */
export class SecretBoxError extends Error {
  constructor(
    readonly reason: SecretBoxErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** Whether a stored value is in the sealed format (anything else is legacy plaintext). */
export function isSealed(stored: string): boolean {
  return VERSIONED.test(stored);
}

function parseKey(keyId: string, text: string, source: string): Buffer {
  if (!KEY_ID.test(keyId))
    throw new ConfigError([
      `${source}: key id ${JSON.stringify(keyId)} is not [A-Za-z0-9_-]{1,64}`,
    ]);
  const trimmed = text.trim();
  const key = BASE64.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES)
    throw new ConfigError([
      `${source}: key ${keyId} must be ${KEY_BYTES} random bytes in base64 (openssl rand -base64 32)`,
    ]);
  return key;
}

/** One key per regular file, named by its id; dot files (a Kubernetes volume's `..data`) are not keys. */
function keysFromDir(dir: string, source: string): [string, Buffer][] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => !name.startsWith('.') && fs.statSync(path.join(dir, name)).isFile())
    .map((name) => [name, parseKey(name, fs.readFileSync(path.join(dir, name), 'utf8'), source)]);
}

function keysFromEnv(value: string): [string, Buffer][] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const colon = entry.indexOf(':');
      if (colon < 1)
        throw new ConfigError(['SECRETS_KEYS: must be comma-separated <key id>:<base64 key>']);
      const keyId = entry.slice(0, colon);
      return [keyId, parseKey(keyId, entry.slice(colon + 1), 'SECRETS_KEYS')];
    });
}

function toRing(entries: [string, Buffer][], activeKeyId: string | undefined): SecretKeyRing {
  const keys = new Map<string, Buffer>();
  for (const [keyId, key] of entries) {
    const seen = keys.get(keyId);
    if (seen && !seen.equals(key))
      throw new ConfigError([
        `SECRETS_KEYS_DIR, SECRETS_KEYS: key ${keyId} is given twice, differently`,
      ]);
    keys.set(keyId, key);
  }
  const ids = [...keys.keys()].sort();
  const active = activeKeyId || ids.at(-1)!;
  if (!keys.has(active))
    throw new ConfigError([
      `SECRETS_ACTIVE_KEY: ${JSON.stringify(active)} is not among the configured keys (${ids.join(', ')})`,
    ]);
  return { activeKeyId: active, keys };
}

/**
 * The keys that seal secrets at rest: from SECRETS_KEYS and SECRETS_KEYS_DIR together. The active
 * key is SECRETS_ACTIVE_KEY, or else the last key id in sort order. Without configured keys,
 * development generates one once and keeps it under .data/dev-secrets; production refuses.
 */
export function loadSecretKeys(
  config: Pick<Config, 'SECRETS_KEYS_DIR' | 'SECRETS_KEYS' | 'SECRETS_ACTIVE_KEY' | 'NODE_ENV'>,
  log: Logger,
  devKeysDir = DEV_SECRETS_DIR,
): SecretKeyRing {
  const entries: [string, Buffer][] = [];
  if (config.SECRETS_KEYS) entries.push(...keysFromEnv(config.SECRETS_KEYS));
  if (config.SECRETS_KEYS_DIR) {
    if (!fs.existsSync(config.SECRETS_KEYS_DIR))
      throw new ConfigError([`SECRETS_KEYS_DIR: ${config.SECRETS_KEYS_DIR} does not exist`]);
    entries.push(...keysFromDir(config.SECRETS_KEYS_DIR, 'SECRETS_KEYS_DIR'));
  }
  if (entries.length > 0) return toRing(entries, config.SECRETS_ACTIVE_KEY);
  if (config.NODE_ENV === 'production')
    throw new ConfigError([
      'SECRETS_KEYS_DIR or SECRETS_KEYS: no key to encrypt secrets at rest is configured, and production never generates one',
    ]);
  const existing = keysFromDir(devKeysDir, devKeysDir);
  if (existing.length > 0) return toRing(existing, config.SECRETS_ACTIVE_KEY);
  fs.mkdirSync(devKeysDir, { recursive: true, mode: 0o700 });
  const keyId = `dev-${new Date().toISOString().slice(0, 10)}`;
  // Written aside, then linked into place: services starting together never read half a key,
  // and only the first link wins (the others get EEXIST and read the winner's key).
  const aside = path.join(devKeysDir, `.${keyId}.${process.pid}.tmp`);
  fs.writeFileSync(aside, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600 });
  try {
    fs.linkSync(aside, path.join(devKeysDir, keyId));
    log.warn(
      { dir: devKeysDir },
      'generated a development key for secrets at rest; configure SECRETS_KEYS_DIR in production',
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(aside, { force: true });
  }
  return toRing(keysFromDir(devKeysDir, devKeysDir), config.SECRETS_ACTIVE_KEY);
}

/** What the cipher authenticates besides the text: the value's header and its owner. */
function associatedData(keyId: string, context: string): Buffer {
  if (!context) throw new Error('A sealed secret needs the context that names its owner');
  return Buffer.from(`${VERSION}.${keyId}\n${context}`, 'utf8');
}

/**
 * Seals and opens secrets with a key ring. Built with a loader, it can re-read the keys
 * (`reload`), and does so once by itself when it meets a key id it does not know: a key another
 * replica already uses may have reached this one's directory since it started.
 */
export class SecretBox {
  private ring: SecretKeyRing;
  private readonly loader?: () => SecretKeyRing;

  constructor(source: SecretKeyRing | (() => SecretKeyRing)) {
    this.loader = typeof source === 'function' ? source : undefined;
    this.ring = typeof source === 'function' ? source() : source;
  }

  get activeKeyId(): string {
    return this.ring.activeKeyId;
  }

  get keyIds(): string[] {
    return [...this.ring.keys.keys()].sort();
  }

  /** Re-reads the keys. On failure (say, a half-written file) it throws and keeps the old ones. */
  reload(): void {
    if (this.loader) this.ring = this.loader();
  }

  /** Encrypts under the active key, bound to `context` (which names the value's owner). */
  seal(plaintext: string, context: string): string {
    const { activeKeyId } = this.ring;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.ring.keys.get(activeKeyId)!, iv);
    cipher.setAAD(associatedData(activeKeyId, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      VERSION,
      activeKeyId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  /**
   * The plaintext of a stored value. A value not in the sealed format is legacy plaintext
   * (written before encryption) and comes back as it is; the rotation pass seals it.
   */
  open(stored: string, context: string): string {
    if (!isSealed(stored)) return stored;
    const match = SEALED.exec(stored);
    if (!match) {
      throw stored.startsWith(`${VERSION}.`)
        ? new SecretBoxError('MALFORMED', 'The stored secret is not a well-formed sealed value')
        : new SecretBoxError(
            'UNSUPPORTED_VERSION',
            `The stored secret is sealed in format ${stored.slice(0, stored.indexOf('.'))}, which this version cannot read`,
          );
    }
    const [, keyId, iv, tag, ciphertext] = match;
    let key = this.ring.keys.get(keyId);
    if (!key && this.loader) {
      try {
        this.reload();
      } catch {
        // The keys loaded before stay; the error below says which key is missing.
      }
      key = this.ring.keys.get(keyId);
    }
    if (!key)
      throw new SecretBoxError(
        'UNKNOWN_KEY',
        `The stored secret is sealed with key ${keyId}, which is not configured (SECRETS_KEYS_DIR or SECRETS_KEYS)`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(associatedData(keyId, context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretBoxError(
        'REJECTED',
        `The stored secret does not decrypt with key ${keyId}: it was altered, or belongs to another owner`,
      );
    }
  }

  /** The key id a stored value names; null for legacy plaintext. */
  keyIdOf(stored: string): string | null {
    return isSealed(stored) ? (SEALED.exec(stored)?.[1] ?? null) : null;
  }

  /** Whether a stored value is sealed under the active key (else the rotation pass re-seals it). */
  isCurrent(stored: string): boolean {
    return this.keyIdOf(stored) === this.ring.activeKeyId;
  }
}
