import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { badUserInput } from './errors';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** The password policy, enforced the same way wherever a password is set. */
export function assertPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw badUserInput(`Password must be at least ${PASSWORD_MIN_LENGTH} characters long`, {
      field: 'password',
    });
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw badUserInput(`Password must be at most ${PASSWORD_MAX_LENGTH} characters long`, {
      field: 'password',
    });
  }
}

/** argon2id with the library's defaults (64 MiB, 3 passes), which meet OWASP's recommendation. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export function verifyPassword(hash: string, password: string): Promise<boolean> {
  return argon2.verify(hash, password).catch(() => false);
}

/** Made once per process, on first use: the hash a missing account's password is checked against. */
let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against the account's hash, or, when there is no account (or no password),
 * against a dummy hash that never matches: argon2 runs either way, so the time taken does not
 * tell whether the account exists.
 */
export async function verifyPasswordOrDummy(
  hash: string | null | undefined,
  password: string,
): Promise<boolean> {
  if (hash) return verifyPassword(hash, password);
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await dummyHash, password);
  return false;
}
