import type { SubgraphDeps } from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/session/generated/client';

/** A session as the resolvers return it: the Redis record, shaped for the schema. */
export interface SessionModel {
  id: string;
  current: boolean;
  device: {
    type: 'DESKTOP' | 'MOBILE' | 'TABLET' | 'OTHER';
    os: string | null;
    browser: string | null;
    name: string | null;
  };
  ipAddress: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

/** Usage is keyed by tenant; each subgraph counts what it owns. */
export interface TenantUsageModel {
  tenantId: string;
}

export function createServices({ platform, sessions }: SubgraphDeps) {
  return {
    /** Durable login history, in each tenant's schema. */
    loginHistory: platform.tenantClients((adapter) => new PrismaClient({ adapter })),
    /** Live sessions, in Redis. */
    sessions,
    platform,
  };
}

export type SessionServices = ReturnType<typeof createServices>;
