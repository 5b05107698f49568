import { createHash, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';

/** TOTP (RFC 6238, 30 s steps, 6 digits) with one step of clock drift either way. */
const EPOCH_TOLERANCE_SECONDS = 30;
export const RECOVERY_CODE_COUNT = 10;

const RECOVERY_CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/;
const TOTP_CODE = /^\d{6}$/;

export const hashRecoveryCode = (code: string) =>
  createHash('sha256').update(code.trim().toLowerCase()).digest('hex');

/**
 * Where an account's MFA state lives. Accounts and operators keep it in their own tables; the
 * two conditional updates are what make codes single-use under concurrency.
 */
export interface MfaStore {
  /** Records the step if it is newer than the last accepted one; false means a replay. */
  advanceTotpStep(step: number): Promise<boolean>;
  /** Marks an unused recovery code used; false if there was none. */
  consumeRecoveryCode(codeHash: string): Promise<boolean>;
}

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, label: string): string {
  return generateURI({ issuer: 'TradeSage', label, secret });
}

/** Checks a TOTP code against a secret without recording it (enrolment confirmation). */
export async function totpStep(secret: string, code: string): Promise<number | null> {
  if (!TOTP_CODE.test(code.trim())) return null;
  const result = await verify({
    secret,
    token: code.trim(),
    epochTolerance: EPOCH_TOLERANCE_SECONDS,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/** A second factor at sign-in: a TOTP code (never twice) or an unused recovery code. */
export async function verifySecondFactor(
  secret: string,
  code: string,
  store: MfaStore,
): Promise<boolean> {
  const candidate = code.trim().toLowerCase();
  if (RECOVERY_CODE.test(candidate)) return store.consumeRecoveryCode(hashRecoveryCode(candidate));
  const step = await totpStep(secret, candidate);
  return step !== null && store.advanceTotpStep(step);
}

/** Fresh recovery codes, `xxxxx-xxxxx` from an unambiguous alphabet; store only their hashes. */
export function newRecoveryCodes(): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}
