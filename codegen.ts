/**
 * GraphQL Code Generator: typed resolvers for every subgraph, in federation mode.
 * `npm run codegen` writes `subgraphs/<name>/src/generated/resolvers.ts`; CI checks it is fresh.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const SUBGRAPHS = ['auth', 'tenant', 'user', 'session'] as const;

/** Resolver parents are the data-layer types, not the GraphQL output types. */
const MAPPERS: Record<(typeof SUBGRAPHS)[number], Record<string, string>> = {
  auth: {
    User: '../../../../prisma/auth/generated/client#Account as AccountModel',
    Operator: '../../../../prisma/operators/generated/client#PlatformOperator as OperatorModel',
    AuditEvent: '../../../../prisma/auth/generated/client#AuditEvent as AuditEventModel',
    TenantUsage: '../data#TenantUsageModel',
  },
  tenant: {
    Tenant: '../data#TenantModel',
    TenantBackup: '../data#TenantBackupModel',
    TenantUsage: '../data#TenantUsageModel',
  },
  user: {
    User: '../data#UserModel',
    ActivityEntry: '../../../../prisma/user/generated/client#Activity as ActivityModel',
  },
  session: {
    Session: '../data#SessionModel',
    User: '../data#UserReference',
    SessionEvent: '../data#SessionEventModel',
    SessionAnalytics: '../data#SessionAnalyticsModel',
    TenantUsage: '../data#TenantUsageModel',
  },
};

/** Where outputs go; the freshness test points this at a scratch folder and compares. */
const OUT_DIR = process.env.CODEGEN_OUT_DIR ?? '.';

const config: CodegenConfig = {
  overwrite: true,
  generates: Object.fromEntries(
    SUBGRAPHS.map((name) => [
      `${OUT_DIR}/subgraphs/${name}/src/generated/resolvers.ts`,
      {
        schema: `subgraphs/${name}/src/schema.graphql`,
        plugins: ['typescript', 'typescript-resolvers'],
        config: {
          federation: true,
          useIndexSignature: true,
          contextType: `../context#Context`,
          mappers: MAPPERS[name],
          scalars: { DateTime: 'Date | string', JSON: 'unknown' },
          enumsAsTypes: true,
          avoidOptionals: false,
        },
      },
    ]),
  ),
};

export default config;
