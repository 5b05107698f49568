import { isUuid, requestLoader, type RequestContext, type SubgraphDeps } from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/auth/generated/client';
import { PrismaClient as OperatorClient } from '../../../prisma/operators/generated/client';
import { Accounts } from './accounts';
import { UserAdministration } from './admin';
import { AuditTrail } from './audit';
import { GoogleSignIn } from './google';
import { Mailer } from './mail';
import { Operators } from './operators';
import { SessionTokens } from './tokens';

/** Usage is keyed by tenant; each subgraph counts what it owns. */
export interface TenantUsageModel {
  tenantId: string;
}

export function createServices(deps: SubgraphDeps) {
  const { platform, config, log, redis, sessions, streams, signingKeys } = deps;
  if (!signingKeys?.length) throw new Error('The auth subgraph needs signing keys to issue tokens');
  const clients = platform.tenantClients((adapter) => new PrismaClient({ adapter }));
  const operatorDb = platform.controlClient((adapter) => new OperatorClient({ adapter }));
  const tokens = new SessionTokens(sessions, signingKeys, config);
  const audit = new AuditTrail(streams);
  const mailer = new Mailer(config, log);
  const accounts = new Accounts({ ...deps, clients, tokens, mailer, audit });
  const operators = new Operators({ config, log, db: operatorDb, redis, sessions, tokens, audit });
  const google = new GoogleSignIn({
    config,
    log,
    redis,
    platform,
    sessions,
    audit,
    tenantDb: (tenantId) => clients.forTenant(tenantId),
  });

  return {
    clients,
    sessions,
    tokens,
    accounts,
    operators,
    google,
    admin: new UserAdministration({ clients, platform, streams, sessions, audit }),
    /** The configured first operator exists before the first request can try to sign in. */
    prepare: () => operators.ensureBootstrapOperator(),
    start() {
      streams.consume('account.email', 'auth-mailer', (event) =>
        accounts.sendAccountMail(event.tenantId, event.accountId, event.kind),
      );
    },
    stop() {
      mailer.close();
    },
    /**
     * Operators may count a suspended tenant's users too. A tenant still PROVISIONING has none
     * yet (its schema may not exist, or be what a run that died left), nor has a DELETED one
     * (its schema is gone), and an error here would null the operators' whole tenant list.
     */
    async countUsers(tenantId: string) {
      const location = await platform.directory.lookup(tenantId);
      if (location?.status !== 'ACTIVE' && location?.status !== 'SUSPENDED') return 0;
      const db = await clients.forTenant(tenantId, { includeSuspended: true });
      return db.account.count();
    },
    /** An account of the caller's tenant, batched per request (one query per batch). */
    account(ctx: RequestContext, tenantId: string, id: string) {
      if (!isUuid(id)) return null;
      return requestLoader(
        ctx,
        `accounts:${tenantId}`,
        async (ids) =>
          (await clients.forTenant(tenantId)).account.findMany({ where: { id: { in: [...ids] } } }),
        (account) => account.id,
      ).load(id);
    },
  };
}

export type AuthServices = ReturnType<typeof createServices>;
