import type { SubgraphDeps } from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/user/generated/client';

export function createServices({ platform }: SubgraphDeps) {
  const clients = platform.tenantClients((adapter) => new PrismaClient({ adapter }));
  return {
    clients,
    async profile(tenantId: string, userId: string) {
      const db = await clients.forTenant(tenantId);
      return db.profile.findUnique({ where: { userId } });
    },
  };
}

export type UserServices = ReturnType<typeof createServices>;
