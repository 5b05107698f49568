import { enforceLimit, type EventStream, type TenantLimits } from '@tradesage/shared';
import { Prisma, type Account, type PrismaClient } from '../../../prisma/auth/generated/client';

/** Accounts that take a seat of maxUsers: every one but the disabled (disabling frees a seat). */
export const SEATED = { status: { not: 'DISABLED' as const } };

/**
 * Creates an account within the tenant's maxUsers. A transaction-scoped advisory lock on the
 * tenant's schema makes count-then-insert atomic, so parallel requests cannot pass the limit.
 */
export function createWithinLimit(
  db: PrismaClient,
  limits: TenantLimits,
  data: Prisma.AccountCreateInput,
): Promise<Account> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':accounts'))`;
    enforceLimit('maxUsers', await tx.account.count({ where: SEATED }), limits);
    return tx.account.create({ data });
  });
}

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
    // The e-mail first: if the profile event then fails, the mailer finds no account and sends
    // nothing, whereas a profile made for a taken-back account would haunt the user list.
    await deps.streams.append('account.email', { tenantId, accountId: account.id, kind: mail });
    await deps.streams.append('account.created', {
      tenantId,
      accountId: account.id,
      email: account.email,
      name,
    });
  } catch (error) {
    await deps.db.account.delete({ where: { id: account.id } });
    throw error;
  }
}
