import type { SubgraphDeps } from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/auth/generated/client';

export function createServices({ platform }: SubgraphDeps) {
  const clients = platform.tenantClients((adapter) => new PrismaClient({ adapter }));
  return {
    clients,
    async account(tenantId: string, id: string) {
      const db = await clients.forTenant(tenantId);
      return db.account.findUnique({ where: { id } });
    },
  };
}

export type AuthServices = ReturnType<typeof createServices>;
