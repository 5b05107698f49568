import type { EventStream } from '@tradesage/shared';
import { Prisma, type Account, type PrismaClient } from '../../../prisma/auth/generated/client';

/** A unique constraint refused the row (an e-mail taken at the same moment, say). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/**
 * Tells the other services about a new account: the user service makes its profile, and the
 * mailer sends its first e-mail (verification or invitation). If either cannot be queued the
 * account is half made, so it is taken back and the error goes on: a retry starts clean.
 */
export async function announceNewAccount(
  deps: { db: PrismaClient; streams: Pick<EventStream, 'append'> },
  tenantId: string,
  account: Account,
  name: string,
  mail: 'EMAIL_VERIFICATION' | 'INVITATION',
): Promise<void> {
  try {
    await deps.streams.append('account.created', {
      tenantId,
      accountId: account.id,
      email: account.email,
      name,
    });
    await deps.streams.append('account.email', { tenantId, accountId: account.id, kind: mail });
  } catch (error) {
    await deps.db.account.delete({ where: { id: account.id } });
    throw error;
  }
}
