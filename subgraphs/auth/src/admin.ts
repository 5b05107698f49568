import {
  AppError,
  badUserInput,
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
import { announceNewAccount, createWithinLimit, isUniqueViolation } from './new-accounts';
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
    const tenant = await this.deps.platform.activeTenant(caller.tenantId);
    const db = await this.db(caller);
    // The stored roles decide, not the ones the caller's token may still claim.
    const actor = await db.account.findUnique({ where: { id: caller.userId } });
    requireAllowed(actor ?? undefined, 'users:invite');
    if (input.role === 'OWNER') requireAllowed(actor ?? undefined, 'roles:assign:owner', ownerOnly);
    let account: Account;
    try {
      account = await createWithinLimit(db, tenant.limits, {
        email: input.email,
        status: 'INVITED',
        roles: [input.role],
        emailVerified: false,
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
    const granted = asRole(role);
    const db = await this.db(caller);
    const result = await db.$transaction(async (tx) => {
      const { actor, target } = await lockParties(tx, caller.userId, userId);
      requireAllowed(actor, 'roles:assign');
      if (granted === 'OWNER') requireAllowed(actor, 'roles:assign:owner', ownerOnly);
      if (target.roles.includes(granted)) return { account: target, changed: false };
      const account = await tx.account.update({
        where: { id: target.id },
        data: { roles: [...target.roles, granted] },
      });
      return { account, changed: true };
    });
    if (result.changed)
      await this.audit(db, caller, ctx, 'ROLE_CHANGED', result.account.id, { granted });
    return result.account;
  }

  async revokeRole(ctx: RequestContext, caller: TenantUser, userId: string, role: string) {
    const revoked = asRole(role);
    const db = await this.db(caller);
    const result = await db.$transaction(async (tx) => {
      const { actor, target, activeOwners } = await lockParties(tx, caller.userId, userId);
      requireAllowed(actor, 'roles:assign');
      if (revoked === 'OWNER') requireAllowed(actor, 'roles:assign:owner', ownerOnly);
      if (!target.roles.includes(revoked)) return { account: target, changed: false };
      if (revoked === 'OWNER') assertAnotherOwner(activeOwners, target.id);
      if (target.roles.length === 1)
        throw new AppError('CONFLICT', 'A user needs at least one role: grant another first', {
          reason: 'LAST_ROLE',
        });
      const account = await tx.account.update({
        where: { id: target.id },
        data: { roles: target.roles.filter((r) => r !== revoked) },
      });
      return { account, changed: true };
    });
    if (result.changed)
      await this.audit(db, caller, ctx, 'ROLE_CHANGED', result.account.id, { revoked });
    return result.account;
  }

  /** Disables the account and ends all of its sessions at once; its e-mailed links die too. */
  async disable(ctx: RequestContext, caller: TenantUser, userId: string): Promise<Account> {
    if (userId === caller.userId) throw badUserInput('You cannot disable yourself');
    const db = await this.db(caller);
    const disabled = await db.$transaction(async (tx) => {
      const { actor, target, activeOwners } = await lockParties(tx, caller.userId, userId);
      requireAllowed(actor, 'users:disable');
      if (target.roles.includes('OWNER')) {
        requireAllowed(actor, 'roles:assign:owner', () =>
          forbidden('Only an OWNER may disable an OWNER'),
        );
        assertAnotherOwner(activeOwners, target.id);
      }
      await tx.accountToken.updateMany({
        where: { accountId: target.id, usedAt: null },
        data: { usedAt: new Date() },
      });
      return tx.account.update({ where: { id: target.id }, data: { status: 'DISABLED' } });
    });
    await this.deps.sessions.revokeAllForUser(caller.tenantId, disabled.id, 'USER_DISABLED');
    await this.audit(db, caller, ctx, 'USER_DISABLED', disabled.id, {});
    return disabled;
  }

  private db(caller: TenantUser) {
    return this.deps.clients.forTenant(caller.tenantId);
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

export interface Party {
  id: string;
  roles: TenantRole[];
  status: string;
}

/**
 * Locks, in one statement and in id order (so concurrent changes cannot deadlock), the acting
 * user's row, the target's row and every active OWNER's row, and reads them. Decisions are then
 * made on the stored roles, not on the roles an access token still claims, and no concurrent
 * change can slip in between the read and the write. Both ids must be UUIDs.
 */
export async function lockedParties(
  tx: Prisma.TransactionClient,
  actorId: string,
  targetId: string,
): Promise<{ actor?: Party; target?: Party; activeOwners: string[] }> {
  const rows = await tx.$queryRaw<Party[]>`
    SELECT id::text AS id, roles::text[] AS roles, status::text AS status FROM accounts
     WHERE id IN (${actorId}::uuid, ${targetId}::uuid)
        OR ('OWNER'::"Role" = ANY(roles) AND status = 'ACTIVE'::"AccountStatus")
     ORDER BY id
       FOR UPDATE`;
  return {
    actor: rows.find((row) => row.id === actorId),
    target: rows.find((row) => row.id === targetId),
    activeOwners: rows
      .filter((row) => row.status === 'ACTIVE' && row.roles.includes('OWNER'))
      .map((row) => row.id),
  };
}

/** lockedParties for a change to an existing account: NOT_FOUND without one, and its whole row. */
async function lockParties(tx: Prisma.TransactionClient, actorId: string, targetId: string) {
  if (!isUuid(targetId)) throw notFound('User not found');
  const { actor, target, activeOwners } = await lockedParties(tx, actorId, targetId);
  if (!target) throw notFound('User not found');
  const account = await tx.account.findUniqueOrThrow({ where: { id: target.id } });
  return { actor, target: account, activeOwners };
}

/** The acting user, as stored now, is active and allowed `permission`. */
function requireAllowed(
  actor: Pick<Party, 'roles' | 'status'> | undefined,
  permission: string,
  refusal: () => Error = () => forbidden(),
): void {
  if (!actor || actor.status !== 'ACTIVE') throw forbidden('Your account may not do this');
  if (!rolesAllow(actor.roles, permission)) throw refusal();
}

function asRole(role: string): TenantRole {
  if (!(TENANT_ROLES as readonly string[]).includes(role))
    throw badUserInput('Unknown role', { field: 'role' });
  return role as TenantRole;
}

/** Another active OWNER remains besides `exceptId`. */
function assertAnotherOwner(activeOwners: string[], exceptId: string): void {
  if (!activeOwners.some((id) => id !== exceptId)) throw lastOwner();
}
