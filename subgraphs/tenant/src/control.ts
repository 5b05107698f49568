import type { Config, DataPlatform, Logger } from '@tradesage/shared';
import type { Prisma, PrismaClient } from '../../../prisma/tenant/generated/client';

/** What every part of the tenant service that works on the control plane is given. */
export interface ControlPlaneDeps {
  config: Config;
  log: Logger;
  platform: DataPlatform;
  /** The control-plane Prisma client (the tenant subgraph owns the control schema). */
  control: PrismaClient;
}

/**
 * How a change to the control plane commits. An operator's action commits its audit entry in
 * the same transaction (operator-audit.ts); work nobody asked for (the scheduler, the purge,
 * a tenant OWNER's settings) commits on its own.
 */
export interface ChangeScope {
  /** Names the tenant the change is about, and what came of it, before the commit. */
  about(tenantId: string, details?: Record<string, unknown>): void;
  /** Runs `change` in one control-plane transaction; everything in it must go through `tx`. */
  commit<R>(change: (tx: Prisma.TransactionClient) => Promise<R>): Promise<R>;
}

/** A scope that records nothing: the change alone, in its own transaction. */
export function unrecorded(control: PrismaClient): ChangeScope {
  return {
    about: () => undefined,
    commit: (change) => control.$transaction(change),
  };
}
