import type { EventStream, RequestContext } from '@tradesage/shared';
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
  | 'USER_DISABLED';

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

  async tenant(db: TenantClient, tenantId: string, ctx: Origin, entry: AuditEntry): Promise<void> {
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
