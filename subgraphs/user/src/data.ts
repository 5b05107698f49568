import type { SubgraphDeps } from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/user/generated/client';

/** A user as this subgraph knows it: the profile, with defaults when none is stored. */
export interface UserModel {
  id: string;
  tenantId: string;
  name: string;
  avatarUrl: string | null;
}

export function createServices({ platform }: SubgraphDeps) {
  const clients = platform.tenantClients((adapter) => new PrismaClient({ adapter }));
  return {
    clients,
    async user(tenantId: string, userId: string): Promise<UserModel> {
      const db = await clients.forTenant(tenantId);
      const profile = await db.profile.findUnique({ where: { userId } });
      return {
        id: userId,
        tenantId,
        name: profile?.name ?? '',
        avatarUrl: profile?.avatarUrl ?? null,
      };
    },
  };
}

export type UserServices = ReturnType<typeof createServices>;
