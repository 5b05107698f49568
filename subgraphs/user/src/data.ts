import { isUuid, type SubgraphDeps } from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/user/generated/client';

/** A user as this subgraph knows it: the profile, with defaults when none is stored. */
export interface UserModel {
  id: string;
  tenantId: string;
  name: string;
  avatarUrl: string | null;
}

export function createServices({ platform, streams }: SubgraphDeps) {
  const clients = platform.tenantClients((adapter) => new PrismaClient({ adapter }));
  return {
    clients,
    /** Every new account gets its profile (idempotent: the stream delivers at least once). */
    start() {
      streams.consume('account.created', 'user-profiles', async ({ tenantId, accountId, name }) => {
        const db = await clients.forTenant(tenantId, { includeSuspended: true });
        await db.profile.upsert({
          where: { userId: accountId },
          create: { userId: accountId, name },
          update: {},
        });
      });
    },
    /**
     * A user of the tenant, or null when the id is not one of its users. `withDefaults` is for
     * the caller themself, who exists (the token says so) even before a profile is stored.
     */
    async user(tenantId: string, userId: string, withDefaults = false): Promise<UserModel | null> {
      if (!isUuid(userId)) return null;
      const db = await clients.forTenant(tenantId);
      const profile = await db.profile.findUnique({ where: { userId } });
      if (!profile && !withDefaults) return null;
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
