/**
 * GraphQL Code Generator: typed resolvers for every subgraph, in federation mode, and typed
 * documents for the registered client operations (schema/operations). `npm run codegen` writes
 * `subgraphs/<name>/src/generated/resolvers.ts` and `schema/operations/generated.ts`; a test
 * fails when either is stale.
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
    MyDataExport: '@tradesage/shared#DataSubject',
    ExportedAccount: '../privacy#ExportedAccountModel',
    ExportedEmailLink:
      '../../../../prisma/auth/generated/client#AccountToken as ExportedEmailLinkModel',
  },
  tenant: {
    Tenant: '../data#TenantModel',
    TenantBackup: '../data#TenantBackupModel',
    TenantUsage: '../data#TenantUsageModel',
    OperatorAuditEvent:
      '../../../../prisma/tenant/generated/client#OperatorAction as OperatorActionModel',
  },
  user: {
    User: '../data#UserModel',
    ActivityEntry: '../../../../prisma/user/generated/client#Activity as ActivityModel',
    MyDataExport: '@tradesage/shared#DataSubject',
    ExportedProfile: '../../../../prisma/user/generated/client#Profile as ExportedProfileModel',
  },
  session: {
    Session: '../data#SessionModel',
    User: '../data#UserReference',
    SessionEvent: '../data#SessionEventModel',
    SessionAnalytics: '../data#SessionAnalyticsModel',
    TenantUsage: '../data#TenantUsageModel',
    MyDataExport: '@tradesage/shared#DataSubject',
  },
};

/** Where outputs go; the freshness test points this at a scratch folder and compares. */
const OUT_DIR = process.env.CODEGEN_OUT_DIR ?? '.';

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    // Client operations against the public API schema (the supergraph without its @inaccessible
    // parts), as TypedDocumentNodes a client (Apollo Client, the e2e tests) can use as they are.
    [`${OUT_DIR}/schema/operations/generated.ts`]: {
      schema: 'schema/api.graphql',
      documents: 'schema/operations/**/*.graphql',
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        onlyOperationTypes: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown' },
        useTypeImports: true,
      },
    },
    ...Object.fromEntries(
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
  },
};

export default config;
