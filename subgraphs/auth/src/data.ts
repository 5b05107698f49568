import type { SubgraphDeps } from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/auth/generated/client';

/** Usage is keyed by tenant; each subgraph counts what it owns. */
export interface TenantUsageModel {
  tenantId: string;
}

export function createServices({ platform }: SubgraphDeps) {
  const clients = platform.tenantClients((adapter) => new PrismaClient({ adapter }));
  return {
    clients,
    /** Operators may count a suspended tenant's users too. */
    async countUsers(tenantId: string) {
      const db = await clients.forTenant(tenantId, { includeSuspended: true });
      return db.account.count();
    },
    async account(tenantId: string, id: string) {
      const db = await clients.forTenant(tenantId);
      return db.account.findUnique({ where: { id } });
    },
  };
}

export type AuthServices = ReturnType<typeof createServices>;
