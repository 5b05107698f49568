import { randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import { AppError, badUserInput, sha256Hex } from '@tradesage/shared';

/** TOTP (RFC 6238, 30 s steps, 6 digits) with one step of clock drift either way. */
const EPOCH_TOLERANCE_SECONDS = 30;
const RECOVERY_CODE_COUNT = 10;

const RECOVERY_CODE = /^[a-z0-9]{5}-[a-z0-9]{5}$/;
const TOTP_CODE = /^\d{6}$/;

export const hashRecoveryCode = (code: string) => sha256Hex(code.trim().toLowerCase());

/**
 * One account's MFA state, wherever it is kept (tenant accounts and operators have their own
 * tables). The two conditional updates are what make codes single-use under concurrency.
 */
export interface MfaAccount {
  /** `totpSecret` as stored: encrypted (see `openSecret`), or plaintext from before encryption. */
  load(): Promise<{ label: string; totpEnabled: boolean; totpSecret: string | null }>;
  /** The plaintext of a stored secret; decrypted only when a TOTP code is to be checked. */
  openSecret(stored: string): string;
  /** Keeps a new secret, not yet in force (encrypted at rest). */
  savePendingSecret(secret: string): Promise<void>;
  /**
   * Turns TOTP on, records the confirming step and replaces the recovery codes, all at once;
   * false (and nothing changed) if the stored pending secret is no longer `stored`.
   */
  enable(stored: string, step: number, recoveryCodeHashes: string[]): Promise<boolean>;
  /** Records the step if it is newer than the last accepted one; false means a replay. */
  advanceTotpStep(step: number): Promise<boolean>;
  /** Marks an unused recovery code used; false if there was none. */
  consumeRecoveryCode(codeHash: string): Promise<boolean>;
}

/** What checking a code at sign-in needs of an account. */
type SignInMfa = Pick<MfaAccount, 'openSecret' | 'advanceTotpStep' | 'consumeRecoveryCode'>;

/** Sign-in needs a second factor that was not given. */
const mfaRequired = () =>
  new AppError('MFA_REQUIRED', 'Enter the code from your authenticator app');

const alreadyOn = () => new AppError('CONFLICT', 'Two-factor authentication is already on');

/** Starts enrolment: a new secret, in force only once a code from it is confirmed. */
export async function enrollTotp(account: MfaAccount) {
  const { label, totpEnabled } = await account.load();
  if (totpEnabled) throw alreadyOn();
  const secret = generateSecret();
  await account.savePendingSecret(secret);
  return { secret, otpauthUrl: generateURI({ issuer: 'TradeSage', label, secret }) };
}

/** Confirms enrolment with a code from the app; returns the recovery codes, shown this once. */
export async function confirmTotp(account: MfaAccount, code: string) {
  const { totpEnabled, totpSecret: stored } = await account.load();
  if (totpEnabled) throw alreadyOn();
  if (!stored) throw badUserInput('Start with enrollTotp');
  const secret = account.openSecret(stored);
  const step = await totpStep(secret, code);
  if (step === null) throw badUserInput('The code is not valid', { field: 'code' });
  const recoveryCodes = newRecoveryCodes();
  const hashes = recoveryCodes.map(hashRecoveryCode);
  if (await account.enable(stored, step, hashes)) return { recoveryCodes };
  // Re-encrypted under a new key meanwhile (key rotation): the same secret, stored anew.
  const again = await account.load();
  if (
    !again.totpEnabled &&
    again.totpSecret &&
    account.openSecret(again.totpSecret) === secret &&
    (await account.enable(again.totpSecret, step, hashes))
  )
    return { recoveryCodes };
  // A second enrolment racing this one replaced the secret: the code proved the old one.
  throw new AppError('CONFLICT', 'Enrolment changed meanwhile; start again with enrollTotp');
}

async function totpStep(secret: string, code: string): Promise<number | null> {
  if (!TOTP_CODE.test(code.trim())) return null;
  const result = await verify({
    secret,
    token: code.trim(),
    epochTolerance: EPOCH_TOLERANCE_SECONDS,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/**
 * A second factor at sign-in: a TOTP code (never twice) or an unused recovery code. The secret
 * is decrypted only for a TOTP code, so recovery codes work even when its key is missing.
 */
export async function verifySecondFactor(
  stored: string,
  code: string,
  account: SignInMfa,
): Promise<boolean> {
  const candidate = code.trim().toLowerCase();
  if (RECOVERY_CODE.test(candidate))
    return account.consumeRecoveryCode(hashRecoveryCode(candidate));
  const step = await totpStep(account.openSecret(stored), candidate);
  return step !== null && account.advanceTotpStep(step);
}

/**
 * The second step of a password sign-in whose password was right. Without TOTP it passes. With
 * TOTP and no code: MFA_REQUIRED, and the attempt is given back without clearing earlier
 * failures (which still count against guessing the code). A wrong code is a failed sign-in:
 * `onWrongCode` records it, then UNAUTHENTICATED.
 */
export async function passSecondFactor(options: {
  /** The account as stored (its secret encrypted). */
  record: { totpEnabled: boolean; totpSecret: string | null };
  code: string | null | undefined;
  account: SignInMfa;
  forgiveAttempt: () => Promise<void>;
  onWrongCode: () => Promise<void>;
}): Promise<void> {
  const { record, code, account } = options;
  if (!record.totpEnabled || !record.totpSecret) return;
  if (!code) {
    await options.forgiveAttempt();
    throw mfaRequired();
  }
  if (!(await verifySecondFactor(record.totpSecret, code, account))) {
    await options.onWrongCode();
    throw new AppError('UNAUTHENTICATED', 'Invalid authentication code');
  }
}

/** Fresh recovery codes, `xxxxx-xxxxx` from an unambiguous alphabet; store only their hashes. */
function newRecoveryCodes(): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}
