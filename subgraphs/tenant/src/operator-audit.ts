import { isIP } from 'node:net';
import {
  badUserInput,
  clientErrorCode,
  connection,
  decodeCursor,
  isUuid,
  pageSize,
  parseInput,
  type Logger,
  type RequestContext,
} from '@tradesage/shared';
import { z } from 'zod';
import {
  OperatorActionOutcome,
  OperatorActionType,
  type Prisma,
  type PrismaClient,
} from '../../../prisma/tenant/generated/client';
import { unrecorded, type ChangeScope } from './control';

/**
 * The operators' audit trail of the tenant lifecycle: who (the operator id of the verified
 * token) did what (the action and its input, never a secret) to which tenant, when, with what
 * outcome (a failure keeps its error code), from which request (x-request-id, address, agent).
 *
 * Why here, and not in the auth subgraph's operator_audit_events: that table is the auth
 * subgraph's, and no subgraph writes another's tables. An event for the auth subgraph to store
 * would make the record eventually consistent, and lost with a Redis that comes back empty.
 * Instead the tenant subgraph, which owns the tenant tables, keeps its own append-only
 * `operator_actions` and commits each SUCCEEDED entry in the same control-plane transaction as
 * the change, so no change is made without its entry. The exception is restoreTenant: its swap
 * commits in the tenant's own database (maybe another cluster), so its entry follows the restore.
 */

/** Entries per page unless the caller asks for another number (clamped to 1–100). */
const DEFAULT_PAGE = 20;

/** Free text an operator typed (a suspension reason, a name) is kept, but not without limit. */
const MAX_TEXT = 500;

export type InputSummary = Record<string, unknown>;

/** A string as recorded: cut to a length that keeps the trail small. */
export function clip(value: string, max = MAX_TEXT): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/**
 * The tenant an action names, when it could be one (a UUID). An id that is not one is kept in
 * the input summary instead, clipped, and the entry has no tenant.
 */
function target(id: string | null | undefined): { tenantId: string | null; input: InputSummary } {
  if (id === null || id === undefined) return { tenantId: null, input: {} };
  return isUuid(id) ? { tenantId: id, input: {} } : { tenantId: null, input: { id: clip(id, 64) } };
}

/** What one operator request asks for: the action, the tenant it names (if any), its input. */
export interface OperatorRequest {
  action: OperatorActionType;
  /** The tenant id as the caller gave it; learnt later (createTenant, restore) through `about`. */
  tenantId?: string | null;
  input?: InputSummary;
}

const filterSchema = z
  .object({
    tenantId: z.string().refine(isUuid, 'tenantId must be a tenant id (a UUID)').nullish(),
    operatorId: z.string().refine(isUuid, 'operatorId must be an operator id (a UUID)').nullish(),
    action: z.enum(OperatorActionType).nullish(),
    outcome: z.enum(OperatorActionOutcome).nullish(),
    // The DateTime scalar has parsed these already; strings are for callers inside the service.
    from: z.coerce.date<Date | string>().nullish(),
    to: z.coerce.date<Date | string>().nullish(),
  })
  .refine((filter) => !filter.from || !filter.to || filter.from < filter.to, {
    message: 'from must be before to',
    path: ['to'],
  });
export type OperatorAuditFilter = z.input<typeof filterSchema>;

export class OperatorAuditTrail {
  constructor(
    private readonly deps: {
      control: PrismaClient;
      log: Logger;
    },
  ) {}

  /**
   * Runs one action and records it exactly once. `work` makes its change through the scope's
   * `commit`, which writes the SUCCEEDED entry in the change's own transaction. If `work` fails
   * before that commit, nothing changed and a FAILED entry with the error's code is written; if it
   * fails after (announcing the change), the change stands and so does its entry. Work that never
   * commits through the scope (a restore) is recorded once it has returned. Only operators'
   * requests are recorded: an OWNER changing their own tenant's settings is no operator action.
   */
  async run<T>(
    ctx: RequestContext,
    request: OperatorRequest,
    work: (scope: ChangeScope) => Promise<T>,
  ): Promise<T> {
    const { principal } = ctx;
    if (principal.kind !== 'operator') return work(unrecorded(this.deps.control));
    const named = target(request.tenantId);
    const entry = {
      operatorId: principal.operatorId,
      action: request.action,
      tenantId: named.tenantId,
      input: { ...named.input, ...request.input } as Prisma.InputJsonObject,
      details: {} as Record<string, unknown>,
      requestId: ctx.requestId,
      // Only a real address fits the inet column; a forwarded header can hold anything.
      ipAddress: ctx.clientIp && isIP(ctx.clientIp) ? ctx.clientIp : null,
      userAgent: ctx.userAgent ?? null,
    };
    const row = (outcome: OperatorActionOutcome, errorCode: string | null = null) => ({
      ...entry,
      details: entry.details as Prisma.InputJsonObject,
      outcome,
      errorCode,
    });
    let committed = false;
    const scope: ChangeScope = {
      about: (tenantId, details = {}) => {
        entry.tenantId = tenantId;
        Object.assign(entry.details, details);
      },
      commit: async (change) => {
        if (committed) throw new Error('An operator action commits once');
        const result = await this.deps.control.$transaction(async (tx) => {
          const value = await change(tx);
          await tx.operatorAction.create({ data: row('SUCCEEDED') });
          return value;
        });
        committed = true;
        return result;
      },
    };

    let result: T;
    try {
      result = await work(scope);
    } catch (error) {
      if (!committed) {
        const { code } = clientErrorCode(error as { message: string });
        await this.deps.control.operatorAction
          .create({ data: row('FAILED', code) })
          .catch((recordError: unknown) =>
            this.deps.log.error(
              { err: recordError, entry: row('FAILED', code) },
              'could not record a failed operator action',
            ),
          );
      }
      throw error;
    }
    if (!committed) {
      // The change committed elsewhere (a restore's swap): the entry follows it. Should it not
      // be written, the log line keeps the whole entry, and the operator still gets the result.
      await this.deps.control.operatorAction
        .create({ data: row('SUCCEEDED') })
        .catch((recordError: unknown) =>
          this.deps.log.error(
            { err: recordError, entry: row('SUCCEEDED') },
            'could not record an operator action',
          ),
        );
    }
    return result;
  }

  /** The trail, newest first, filtered; cursors carry the id of the last entry seen. */
  async list(args: {
    filter?: OperatorAuditFilter | null;
    first?: number | null;
    after?: string | null;
  }) {
    const filter = parseInput(filterSchema, args.filter ?? {});
    const size = pageSize(args.first, DEFAULT_PAGE);
    const after = args.after ? cursorId(args.after) : null;
    const where: Prisma.OperatorActionWhereInput = {
      ...(filter.tenantId ? { tenantId: filter.tenantId } : {}),
      ...(filter.operatorId ? { operatorId: filter.operatorId } : {}),
      ...(filter.action ? { action: filter.action } : {}),
      ...(filter.outcome ? { outcome: filter.outcome } : {}),
      ...(filter.from || filter.to
        ? {
            at: {
              ...(filter.from ? { gte: filter.from } : {}),
              ...(filter.to ? { lt: filter.to } : {}),
            },
          }
        : {}),
    };
    // Prisma's cursor compares with the cursor entry's (at, id) inside Postgres, in microseconds
    // (a JavaScript date has milliseconds), so no entry is skipped or repeated between pages.
    // The cursor entry is left out by id rather than by `skip: 1`, which would drop another
    // entry when the cursor's does not match this filter.
    const rows = await this.deps.control.operatorAction.findMany({
      where: after ? { AND: [where, { id: { not: after } }] } : where,
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: size + 1,
      ...(after ? { cursor: { id: after } } : {}),
    });
    return connection(rows, size, (event) => [event.id]);
  }
}

/** The entry id in a trail cursor; entries are never deleted, so it always names one. */
function cursorId(cursor: string): string {
  const [id] = decodeCursor(cursor, 1);
  if (!isUuid(id)) throw badUserInput('Invalid cursor', { field: 'after' });
  return id;
}
