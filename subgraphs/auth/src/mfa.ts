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
  load(): Promise<{ label: string; totpEnabled: boolean; totpSecret: string | null }>;
  /** Keeps a new secret, not yet in force. */
  savePendingSecret(secret: string): Promise<void>;
  /**
   * Turns TOTP on with `secret`, records the confirming step and replaces the recovery codes,
   * all at once; false (and nothing changed) if the pending secret is no longer `secret`.
   */
  enable(secret: string, step: number, recoveryCodeHashes: string[]): Promise<boolean>;
  /** Records the step if it is newer than the last accepted one; false means a replay. */
  advanceTotpStep(step: number): Promise<boolean>;
  /** Marks an unused recovery code used; false if there was none. */
  consumeRecoveryCode(codeHash: string): Promise<boolean>;
}

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
  const { totpEnabled, totpSecret } = await account.load();
  if (totpEnabled) throw alreadyOn();
  if (!totpSecret) throw badUserInput('Start with enrollTotp');
  const step = await totpStep(totpSecret, code);
  if (step === null) throw badUserInput('The code is not valid', { field: 'code' });
  const recoveryCodes = newRecoveryCodes();
  // A second enrolment racing this one replaced the secret: the code proved the old one.
  if (!(await account.enable(totpSecret, step, recoveryCodes.map(hashRecoveryCode))))
    throw new AppError('CONFLICT', 'Enrolment changed meanwhile; start again with enrollTotp');
  return { recoveryCodes };
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

/** A second factor at sign-in: a TOTP code (never twice) or an unused recovery code. */
export async function verifySecondFactor(
  secret: string,
  code: string,
  account: Pick<MfaAccount, 'advanceTotpStep' | 'consumeRecoveryCode'>,
): Promise<boolean> {
  const candidate = code.trim().toLowerCase();
  if (RECOVERY_CODE.test(candidate))
    return account.consumeRecoveryCode(hashRecoveryCode(candidate));
  const step = await totpStep(secret, candidate);
  return step !== null && account.advanceTotpStep(step);
}

/**
 * The second step of a password sign-in whose password was right. Without TOTP it passes. With
 * TOTP and no code: MFA_REQUIRED, and the attempt is given back without clearing earlier
 * failures (which still count against guessing the code). A wrong code is a failed sign-in:
 * `onWrongCode` records it, then UNAUTHENTICATED.
 */
export async function passSecondFactor(options: {
  record: { totpEnabled: boolean; totpSecret: string | null };
  code: string | null | undefined;
  account: Pick<MfaAccount, 'advanceTotpStep' | 'consumeRecoveryCode'>;
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
