import { createHmac } from 'node:crypto';
import {
  AppError,
  badUserInput,
  connection,
  decodeCursor,
  forbidden,
  isUuid,
  notFound,
  pageSize,
  rolesAllow,
  type Config,
  type DataPlatform,
  type DataSubject,
  type DurableEvents,
  type EventStream,
  type Logger,
  type RequestContext,
  type SessionStore,
  type TenantClients,
  type TenantUser,
} from '@tradesage/shared';
import type { Account, PrismaClient } from '../../../prisma/auth/generated/client';
import { lockedParties } from './admin';
import type { AuditTrail } from './audit';

/** Stands in for PSEUDONYM_KEY outside production only. */
const DEVELOPMENT_KEY = 'tradesage development pseudonym key: never used in production';

/** Audit entries per page of an export (the trail is kept as long as the tenant, so it is paged). */
export const EXPORT_AUDIT_PAGE = { default: 100, max: 200 };
/** The e-mailed links an export lists, newest first. */
export const EXPORTED_EMAIL_LINKS = 100;

/**
 * An erased user's pseudonym: HMAC-SHA256 of the tenant and user ids under PSEUDONYM_KEY, laid
 * out as a UUID (version 8, RFC 9562's custom format) so that it fits the audit trail's id
 * columns. The same user always gets the same pseudonym, so the trail stays linkable; without
 * the key, nobody can tell whose it is, even knowing the user's former id.
 */
export function pseudonymOf(key: string, tenantId: string, userId: string): string {
  const bytes = createHmac('sha256', key)
    .update(`tradesage:user:${tenantId}:${userId}`)
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
}

/** The account part of an export: the stored account, in the caller's tenant. */
export interface ExportedAccountModel extends Account {
  tenantId: string;
}

export interface ErasureResult {
  userId: string;
  pseudonym: string;
  erasedAt: Date;
}

export interface PersonalDataDeps {
  config: Pick<Config, 'PSEUDONYM_KEY' | 'NODE_ENV'>;
  log: Logger;
  clients: TenantClients<PrismaClient>;
  platform: Pick<DataPlatform, 'activeTenant'>;
  streams: Pick<EventStream, 'append' | 'remove'>;
  sessions: Pick<SessionStore, 'revokeAllForUser'>;
  audit: AuditTrail;
}

const lastOwner = () =>
  new AppError(
    'CONFLICT',
    'A tenant needs at least one active OWNER: make someone else OWNER first',
    { reason: 'LAST_OWNER' },
  );

/**
 * What the auth subgraph holds about a user, for the user (exportMyData), and erasure
 * (eraseUser): the account goes, the audit trail keeps the user's entries under a pseudonym, and
 * the other subgraphs hear of it through the durable `user.erased` event (docs/privacy.md).
 */
export class PersonalData {
  constructor(private readonly deps: PersonalDataDeps) {
    if (!deps.config.PSEUDONYM_KEY && deps.config.NODE_ENV === 'production')
      deps.log.warn('PSEUDONYM_KEY is not set: eraseUser answers SERVICE_UNAVAILABLE until it is');
  }

  private key(): string {
    const key = this.deps.config.PSEUDONYM_KEY;
    if (key) return key;
    if (this.deps.config.NODE_ENV === 'production')
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'Erasure is not set up on this deployment (PSEUDONYM_KEY)',
        { reason: 'PSEUDONYM_KEY_MISSING' },
      );
    return DEVELOPMENT_KEY;
  }

  // ------------------------------------------------------------------------------ export

  /** The caller's stored account (null only if it was erased while the request ran). */
  async account(
    subject: DataSubject,
    load: (tenantId: string, id: string) => Promise<Account | null> | null,
  ): Promise<ExportedAccountModel> {
    const account = await load(subject.tenantId, subject.userId);
    if (!account) throw notFound('Account not found');
    return { ...account, tenantId: subject.tenantId };
  }

  async recoveryCodesLeft(account: ExportedAccountModel): Promise<number> {
    const db = await this.deps.clients.forTenant(account.tenantId);
    return db.recoveryCode.count({ where: { accountId: account.id, usedAt: null } });
  }

  /** The account's e-mailed links (only their hashes are stored), newest first. */
  async emailLinks(account: ExportedAccountModel) {
    const db = await this.deps.clients.forTenant(account.tenantId);
    return db.accountToken.findMany({
      where: { accountId: account.id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: EXPORTED_EMAIL_LINKS,
    });
  }

  /**
   * The audit entries that name the caller, as actor or subject, newest first, with the same
   * (time, id) cursor as auditLog. Where a request came from (address, user agent) is shown only
   * for the caller's own requests: an administrator's, acting on the caller, is theirs.
   */
  async auditEvents(subject: DataSubject, first: number, after?: string | null) {
    const size = pageSize(first, EXPORT_AUDIT_PAGE.default, EXPORT_AUDIT_PAGE.max);
    const cursor = after ? decodeCursor(after, 2) : null;
    const at = cursor ? new Date(cursor[0]) : null;
    if (cursor && (Number.isNaN(at!.getTime()) || !isUuid(cursor[1])))
      throw badUserInput('Invalid cursor', { field: 'after' });
    const db = await this.deps.clients.forTenant(subject.tenantId);
    const me = subject.userId;
    const rows = await db.auditEvent.findMany({
      where: {
        AND: [
          { OR: [{ actorId: me }, { subjectId: me }] },
          ...(cursor ? [{ OR: [{ at: { lt: at! } }, { at: at!, id: { lt: cursor[1] } }] }] : []),
        ],
      },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: size + 1,
    });
    const shown = rows.map((row) =>
      row.actorId === me || (row.actorId === null && row.subjectId === me)
        ? row
        : { ...row, ipAddress: null, userAgent: null },
    );
    return connection(shown, size, (event) => [event.at.toISOString(), event.id]);
  }

  // ----------------------------------------------------------------------------- erasure

  /**
   * Erases a user: an OWNER any user of the tenant (themselves included), anyone else only
   * themselves where the tenant allows it (selfErasure), never the last active OWNER. In one
   * transaction the account goes (its e-mailed links, recovery codes, MFA secret and Google
   * link with it), the erasure is recorded by pseudonym, and the user's audit entries take the
   * pseudonym; then every session ends and `user.erased` tells the other subgraphs. Erasing an erased user again gives the
   * same answer and repeats the last two steps, so a retry after a failure between them heals.
   */
  async erase(ctx: RequestContext, caller: TenantUser, userId: string): Promise<ErasureResult> {
    const self = userId === caller.userId;
    const tenant = await this.deps.platform.activeTenant(caller.tenantId);
    // An OWNER may erase anyone, themselves included; anyone else only themselves, and only
    // where the tenant allows it.
    const refusal = () =>
      forbidden(
        self
          ? 'This tenant does not let users erase themselves: ask an OWNER'
          : 'Only an OWNER may erase another user',
      );
    const allowedBy = (roles: readonly string[]) =>
      rolesAllow(roles, 'users:erase') || (self && tenant.selfErasure);
    // The token's roles refuse early; the stored ones decide, below.
    if (!allowedBy(caller.roles)) throw refusal();
    if (!isUuid(userId)) throw notFound('User not found');
    const pseudonym = pseudonymOf(this.key(), caller.tenantId, userId);
    const db = await this.deps.clients.forTenant(caller.tenantId);
    const { erasedAt } = await db.$transaction(async (tx) => {
      const { actor, target, activeOwners } = await lockedParties(tx, caller.userId, userId);
      // A self-erasure that is repeated finds no actor: the account is gone already.
      const stored = actor?.status === 'ACTIVE' ? actor.roles : [];
      if (!allowedBy(stored)) throw refusal();
      if (!target) {
        const erased = await tx.erasedAccount.findUnique({ where: { pseudonym } });
        if (erased) return erased;
        throw notFound('User not found');
      }
      if (
        target.status === 'ACTIVE' &&
        target.roles.includes('OWNER') &&
        !activeOwners.some((id) => id !== target.id)
      )
        throw lastOwner();
      // First, so that the audit trail's trigger accepts the pseudonym (docs/privacy.md).
      const erased = await tx.erasedAccount.create({ data: { pseudonym } });
      await tx.account.delete({ where: { id: target.id } });
      // Where a request came from is the erased user's only when they made it.
      await tx.$executeRaw`
        UPDATE audit_events
           SET actor_id = CASE WHEN actor_id = ${userId}::uuid THEN ${pseudonym}::uuid ELSE actor_id END,
               subject_id = CASE WHEN subject_id = ${userId}::uuid THEN ${pseudonym}::uuid ELSE subject_id END,
               ip_address = CASE WHEN actor_id = ${userId}::uuid
                                   OR (actor_id IS NULL AND subject_id = ${userId}::uuid)
                                 THEN NULL ELSE ip_address END,
               user_agent = CASE WHEN actor_id = ${userId}::uuid
                                   OR (actor_id IS NULL AND subject_id = ${userId}::uuid)
                                 THEN NULL ELSE user_agent END
         WHERE actor_id = ${userId}::uuid OR subject_id = ${userId}::uuid`;
      await this.deps.audit.tenant(tx, caller.tenantId, self ? {} : ctx, {
        type: 'USER_ERASED',
        actorId: self ? pseudonym : caller.userId,
        subjectId: pseudonym,
        metadata: { self },
      });
      return erased;
    });
    await this.deps.sessions.revokeAllForUser(caller.tenantId, userId, 'USER_ERASED');
    await this.deps.streams.append('user.erased', {
      tenantId: caller.tenantId,
      userId,
      pseudonym,
      erasedAt: erasedAt.toISOString(),
    });
    return { userId, pseudonym, erasedAt };
  }

  /**
   * The auth subgraph's share of `user.erased`: the copies of the user's data that wait in
   * Redis streams until they are trimmed go now (account.created carries the e-mail and name,
   * activity the addresses).
   */
  async forgetInStreams(event: DurableEvents['user.erased']): Promise<void> {
    const { tenantId, userId } = event;
    await this.deps.streams.remove(
      'account.created',
      (entry) => entry.tenantId === tenantId && entry.accountId === userId,
    );
    await this.deps.streams.remove(
      'activity',
      (entry) => entry.tenantId === tenantId && entry.userId === userId,
    );
  }
}
