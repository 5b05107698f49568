import {
  badUserInput,
  connection,
  decodeCursor,
  isUuid,
  pageSize,
  type EventStream,
  type RequestContext,
} from '@tradesage/shared';
import type { PrismaClient as TenantClient } from '../../../prisma/auth/generated/client';
import type { PrismaClient as OperatorClient } from '../../../prisma/operators/generated/client';

/** What the audit trail records. */
export type AuditEventType =
  | 'REGISTERED'
  | 'LOGIN_SUCCEEDED'
  | 'LOGIN_FAILED'
  | 'LOGOUT'
  | 'REFRESH_REUSE'
  | 'PASSWORD_CHANGED'
  | 'PASSWORD_RESET'
  | 'EMAIL_VERIFIED'
  | 'INVITATION_ACCEPTED'
  | 'MFA_ENABLED'
  | 'GOOGLE_LINKED'
  | 'ROLE_CHANGED'
  | 'USER_INVITED'
  | 'USER_DISABLED'
  /** Recorded with the erased user's pseudonym as subject (eraseUser; docs/privacy.md). */
  | 'USER_ERASED';

export interface AuditEntry {
  type: AuditEventType;
  actorId?: string | null;
  subjectId?: string | null;
  metadata?: Record<string, unknown>;
}

/** The row both trails store: the entry, and where the request came from. */
function auditRow(ctx: Pick<RequestContext, 'clientIp' | 'userAgent'>, entry: AuditEntry) {
  return {
    type: entry.type,
    actorId: entry.actorId ?? null,
    subjectId: entry.subjectId ?? null,
    metadata: (entry.metadata ?? {}) as object,
    ipAddress: ctx.clientIp ?? null,
    userAgent: ctx.userAgent ?? null,
  };
}

type Origin = Pick<RequestContext, 'clientIp' | 'userAgent'>;

/** Entries that also belong in the user's own activity feed (the user subgraph keeps it). */
const ACTIVITY: Partial<Record<AuditEventType, string>> = {
  LOGIN_SUCCEEDED: 'LOGIN',
  LOGIN_FAILED: 'LOGIN_FAILED',
  PASSWORD_CHANGED: 'PASSWORD_CHANGED',
  PASSWORD_RESET: 'PASSWORD_RESET',
  EMAIL_VERIFIED: 'EMAIL_VERIFIED',
  MFA_ENABLED: 'MFA_ENABLED',
  GOOGLE_LINKED: 'GOOGLE_LINKED',
  ROLE_CHANGED: 'ROLE_CHANGED',
  USER_DISABLED: 'USER_DISABLED',
};

/**
 * Appends to the audit trails: a tenant's own (in its schema, through its role, which may insert
 * but not change or delete) and the operators' (control plane). What concerns a user also goes
 * to their activity feed, as an event: the auth subgraph never writes the user subgraph's tables.
 */
export class AuditTrail {
  constructor(private readonly streams: Pick<EventStream, 'append'>) {}

  /** `db` may be a transaction's client, when the entry must commit with the change it records. */
  async tenant(
    db: Pick<TenantClient, 'auditEvent'>,
    tenantId: string,
    ctx: Origin,
    entry: AuditEntry,
  ): Promise<void> {
    const row = await db.auditEvent.create({ data: auditRow(ctx, entry) });
    const activity = ACTIVITY[entry.type];
    if (activity && entry.subjectId)
      await this.streams.append('activity', {
        id: row.id,
        tenantId,
        userId: entry.subjectId,
        type: activity,
        at: row.at.toISOString(),
        ipAddress: row.ipAddress,
        metadata: entry.metadata ?? {},
      });
  }

  async operator(db: OperatorClient, ctx: Origin, entry: AuditEntry): Promise<void> {
    await db.operatorAuditEvent.create({ data: auditRow(ctx, entry) });
  }
}

export interface SignInTrailArgs {
  /** Entries by or about this operator only. */
  operatorId?: string | null;
  first?: number | null;
  after?: string | null;
}

/**
 * The operators' sign-in trail (operator_audit_events), newest first, for operators. Their
 * actions on tenants are the tenant subgraph's trail (operatorAuditEvents): each subgraph
 * answers for the table it owns. Cursors carry the entry's id, and Prisma compares with the
 * cursor entry's time inside Postgres, in microseconds (a JavaScript date has milliseconds), so
 * no entry is lost or repeated between pages.
 */
export async function operatorSignInTrail(db: OperatorClient, args: SignInTrailArgs) {
  const { operatorId } = args;
  if (operatorId && !isUuid(operatorId))
    throw badUserInput('operatorId must be an operator id (a UUID)', { field: 'operatorId' });
  const size = pageSize(args.first, 50);
  const after = args.after ? decodeCursor(args.after, 1)[0] : null;
  if (after !== null && !isUuid(after)) throw badUserInput('Invalid cursor', { field: 'after' });
  const where = operatorId ? { OR: [{ actorId: operatorId }, { subjectId: operatorId }] } : {};
  const rows = await db.operatorAuditEvent.findMany({
    // The cursor entry is left out by id: `skip: 1` would drop another one when it does not
    // match this filter.
    where: after ? { AND: [where, { id: { not: after } }] } : where,
    orderBy: [{ at: 'desc' }, { id: 'desc' }],
    take: size + 1,
    ...(after ? { cursor: { id: after } } : {}),
  });
  return connection(rows, size, (event) => [event.id]);
}
