import type { RequestContext } from '@tradesage/shared';
import type { PrismaClient as TenantClient } from '../../../prisma/auth/generated/client';
import type { PrismaClient as OperatorClient } from '../../../prisma/operators/generated/client';

/** What the audit trail records. Role changes come from the user-administration mutations. */
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
  | 'ROLE_CHANGED';

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

/**
 * Appends to the audit trails: a tenant's own (in its schema, through its role, which may insert
 * but not change or delete) and the operators' (control plane).
 */
export const audit = {
  async tenant(db: TenantClient, ctx: Origin, entry: AuditEntry): Promise<void> {
    await db.auditEvent.create({ data: auditRow(ctx, entry) });
  },
  async operator(db: OperatorClient, ctx: Origin, entry: AuditEntry): Promise<void> {
    await db.operatorAuditEvent.create({ data: auditRow(ctx, entry) });
  },
};
