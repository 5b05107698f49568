import { SessionStore, type SubgraphDeps } from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/session/generated/client';

export function createServices({ platform, redis, config }: SubgraphDeps) {
  return {
    /** Durable login history, in each tenant's schema. */
    loginHistory: platform.tenantClients((adapter) => new PrismaClient({ adapter })),
    /** Live sessions, in Redis. */
    sessions: new SessionStore(redis, config.REDIS_KEY_PREFIX),
    platform,
  };
}

export type SessionServices = ReturnType<typeof createServices>;
