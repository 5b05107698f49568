import { randomBytes } from 'node:crypto';
import { badUserInput, sha256Hex, type Config } from '@tradesage/shared';
import type { PrismaClient, TokenPurpose } from '../../../prisma/auth/generated/client';

/**
 * Single-use tokens sent by e-mail: `et1.<tenant id>.<secret>`. The tenant id says which schema
 * holds the hash; only sha256 of the whole token is stored.
 */
const EMAIL_TOKEN = /^et1\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

/** One message for every unusable token: unknown, used, expired or of another kind. */
export const invalidLink = () => badUserInput('This link is invalid or has expired');

export function tokenTenant(token: string): string {
  const match = EMAIL_TOKEN.exec(token.trim());
  if (!match) throw invalidLink();
  return match[1];
}

export function ttlSeconds(
  purpose: TokenPurpose,
  config: Pick<
    Config,
    'INVITATION_TTL_SECONDS' | 'EMAIL_VERIFICATION_TTL_SECONDS' | 'PASSWORD_RESET_TTL_SECONDS'
  >,
): number {
  switch (purpose) {
    case 'INVITATION':
      return config.INVITATION_TTL_SECONDS;
    case 'EMAIL_VERIFICATION':
      return config.EMAIL_VERIFICATION_TTL_SECONDS;
    case 'PASSWORD_RESET':
      return config.PASSWORD_RESET_TTL_SECONDS;
  }
}

/** A new token for the account; earlier unused tokens of the same purpose stop working. */
export async function issueEmailToken(
  db: PrismaClient,
  tenantId: string,
  accountId: string,
  purpose: TokenPurpose,
  ttl: number,
): Promise<string> {
  const token = `et1.${tenantId}.${randomBytes(32).toString('base64url')}`;
  const now = new Date();
  await db.$transaction([
    db.accountToken.updateMany({
      where: { accountId, purpose, usedAt: null },
      data: { usedAt: now },
    }),
    db.accountToken.create({
      data: {
        accountId,
        purpose,
        tokenHash: sha256Hex(token),
        expiresAt: new Date(now.getTime() + ttl * 1000),
      },
    }),
  ]);
  return token;
}

/**
 * Uses a token up: it must exist for this purpose, be unused and unexpired. The conditional
 * update makes it single-use even when two requests race. Returns the account id.
 */
export async function consumeEmailToken(
  db: PrismaClient,
  token: string,
  purpose: TokenPurpose,
): Promise<string> {
  const tokenHash = sha256Hex(token.trim());
  const found = await db.accountToken.findUnique({ where: { tokenHash } });
  if (!found || found.purpose !== purpose) throw invalidLink();
  const { count } = await db.accountToken.updateMany({
    where: { id: found.id, usedAt: null, expiresAt: { gt: new Date() } },
    data: { usedAt: new Date() },
  });
  if (count !== 1) throw invalidLink();
  return found.accountId;
}
