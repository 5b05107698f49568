import {
  AppError,
  badUserInput,
  enforceLimit,
  forbidden,
  isUuid,
  notFound,
  parseInput,
  rolesAllow,
  TENANT_ROLES,
  type DataPlatform,
  type EventStream,
  type RequestContext,
  type SessionStore,
  type TenantClients,
  type TenantRole,
} from '@tradesage/shared';
import { z } from 'zod';
import type { Account, Prisma, PrismaClient } from '../../../prisma/auth/generated/client';
import { announceNewAccount, isUniqueViolation } from './new-accounts';
import type { AuditTrail } from './audit';

type TenantUser = Extract<RequestContext['principal'], { kind: 'user' }>;

export interface UserAdministrationDeps {
  clients: TenantClients<PrismaClient>;
  platform: Pick<DataPlatform, 'activeTenant'>;
  streams: Pick<EventStream, 'append'>;
  sessions: Pick<SessionStore, 'revokeAllForUser'>;
  audit: AuditTrail;
}

const inviteInput = z.object({
  email: z
    .string()
    .trim()
    .max(320, 'E-mail address is too long')
    .pipe(z.email('Not a valid e-mail address'))
    .transform((value) => value.toLowerCase()),
  name: z.string().trim().min(1, 'Name must not be empty').max(100, 'Name is too long'),
  role: z.enum(TENANT_ROLES),
});

const ownerOnly = () => forbidden('Only an OWNER may grant or revoke OWNER');
const lastOwner = () =>
  new AppError(
    'CONFLICT',
    'A tenant needs at least one active OWNER: make someone else OWNER first',
    { reason: 'LAST_OWNER' },
  );

/**
 * OWNER and ADMIN manage the tenant's users: invitations, roles and disabling. Roles live on the
 * account (here), so every new access token carries them.
 */
export class UserAdministration {
  constructor(private readonly deps: UserAdministrationDeps) {}

  async invite(ctx: RequestContext, caller: TenantUser, raw: unknown): Promise<Account> {
    const input = parseInput(inviteInput, raw);
    if (input.role === 'OWNER' && !rolesAllow(caller.roles, 'roles:assign:owner'))
      throw ownerOnly();
    const tenant = await this.deps.platform.activeTenant(caller.tenantId);
    const db = await this.db(caller);
    enforceLimit('maxUsers', await db.account.count(), tenant.limits);
    let account: Account;
    try {
      account = await db.account.create({
        data: { email: input.email, status: 'INVITED', roles: [input.role], emailVerified: false },
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError('CONFLICT', 'A user with this e-mail exists already', {
          field: 'email',
        });
      throw error;
    }
    // The mailer sends the link that sets the password (acceptInvitation).
    await announceNewAccount(
      { db, streams: this.deps.streams },
      caller.tenantId,
      account,
      input.name,
      'INVITATION',
    );
    await this.audit(db, caller, ctx, 'USER_INVITED', account.id, { role: input.role });
    return account;
  }

  async assignRole(ctx: RequestContext, caller: TenantUser, userId: string, role: string) {
    const granted = this.checkRole(caller, role);
    const db = await this.db(caller);
    const account = await this.target(db, userId);
    if (account.roles.includes(granted)) return account;
    const updated = await db.account.update({
      where: { id: account.id },
      data: { roles: { push: granted } },
    });
    await this.audit(db, caller, ctx, 'ROLE_CHANGED', account.id, { granted });
    return updated;
  }

  async revokeRole(ctx: RequestContext, caller: TenantUser, userId: string, role: string) {
    const revoked = this.checkRole(caller, role);
    const db = await this.db(caller);
    const updated = await db.$transaction(async (tx) => {
      const account = await this.target(tx as unknown as PrismaClient, userId);
      if (!account.roles.includes(revoked)) return null;
      if (revoked === 'OWNER') await this.assertAnotherOwner(tx, account.id);
      if (account.roles.length === 1)
        throw new AppError('CONFLICT', 'A user needs at least one role: grant another first', {
          reason: 'LAST_ROLE',
        });
      return tx.account.update({
        where: { id: account.id },
        data: { roles: account.roles.filter((r) => r !== revoked) },
      });
    });
    if (!updated) return this.target(db, userId);
    await this.audit(db, caller, ctx, 'ROLE_CHANGED', updated.id, { revoked });
    return updated;
  }

  /** Disables the account and ends all of its sessions at once; its e-mailed links die too. */
  async disable(ctx: RequestContext, caller: TenantUser, userId: string): Promise<Account> {
    if (userId === caller.userId) throw badUserInput('You cannot disable yourself');
    const db = await this.db(caller);
    const disabled = await db.$transaction(async (tx) => {
      const account = await this.target(tx as unknown as PrismaClient, userId);
      if (account.roles.includes('OWNER')) {
        if (!rolesAllow(caller.roles, 'roles:assign:owner'))
          throw forbidden('Only an OWNER may disable an OWNER');
        await this.assertAnotherOwner(tx, account.id);
      }
      await tx.accountToken.updateMany({
        where: { accountId: account.id, usedAt: null },
        data: { usedAt: new Date() },
      });
      return tx.account.update({ where: { id: account.id }, data: { status: 'DISABLED' } });
    });
    await this.deps.sessions.revokeAllForUser(caller.tenantId, disabled.id, 'USER_DISABLED');
    await this.audit(db, caller, ctx, 'USER_DISABLED', disabled.id, {});
    return disabled;
  }

  private checkRole(caller: TenantUser, role: string): TenantRole {
    if (!(TENANT_ROLES as readonly string[]).includes(role))
      throw badUserInput('Unknown role', { field: 'role' });
    if (role === 'OWNER' && !rolesAllow(caller.roles, 'roles:assign:owner')) throw ownerOnly();
    return role as TenantRole;
  }

  private db(caller: TenantUser) {
    return this.deps.clients.forTenant(caller.tenantId);
  }

  /** An account of the caller's tenant; another tenant's id finds nothing. */
  private async target(db: PrismaClient, userId: string): Promise<Account> {
    const account = isUuid(userId) ? await db.account.findUnique({ where: { id: userId } }) : null;
    if (!account) throw notFound('User not found');
    return account;
  }

  /**
   * Some other active OWNER exists. The owners' rows are locked for the rest of the
   * transaction, so two admins demoting the last two owners at once cannot both succeed.
   */
  private async assertAnotherOwner(tx: Prisma.TransactionClient, exceptId: string) {
    const owners = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text AS id FROM accounts
       WHERE 'OWNER'::"Role" = ANY(roles) AND status = 'ACTIVE'::"AccountStatus"
       FOR UPDATE`;
    if (!owners.some((owner) => owner.id !== exceptId)) throw lastOwner();
  }

  private async audit(
    db: PrismaClient,
    caller: TenantUser,
    ctx: RequestContext,
    type: 'USER_INVITED' | 'ROLE_CHANGED' | 'USER_DISABLED',
    subjectId: string,
    metadata: Record<string, unknown>,
  ) {
    await this.deps.audit.tenant(db, caller.tenantId, ctx, {
      type,
      actorId: caller.userId,
      subjectId,
      metadata,
    });
  }
}
