import { Counter } from 'prom-client';
import {
  isUuid,
  loadSecretKeys,
  requestLoader,
  SecretBox,
  type RequestContext,
  type SubgraphDeps,
} from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/auth/generated/client';
import { PrismaClient as OperatorClient } from '../../../prisma/operators/generated/client';
import { Accounts } from './accounts';
import { UserAdministration } from './admin';
import { AuditTrail } from './audit';
import { GoogleSignIn } from './google';
import { Mailer } from './mail';
import { Operators } from './operators';
import { PersonalData } from './privacy';
import { SecretRotation, type SecretRotationDeps } from './secrets';
import { SessionTokens } from './tokens';

/** Usage is keyed by tenant; each subgraph counts what it owns. */
export interface TenantUsageModel {
  tenantId: string;
}

export function createServices(deps: SubgraphDeps) {
  const { platform, config, log, redis, sessions, streams, signingKeys, metrics } = deps;
  if (!signingKeys?.length) throw new Error('The auth subgraph needs signing keys to issue tokens');
  // First of all: production without keys for secrets at rest refuses to start here.
  const secrets = new SecretBox(() => loadSecretKeys(config, log));
  const clients = platform.tenantClients((adapter) => new PrismaClient({ adapter }));
  const operatorDb = platform.controlClient((adapter) => new OperatorClient({ adapter }));
  const tokens = new SessionTokens(sessions, signingKeys, config);
  const audit = new AuditTrail(streams);
  const mailer = new Mailer(config, log);
  const accounts = new Accounts({ ...deps, clients, tokens, mailer, audit, secrets });
  const operators = new Operators({
    config,
    log,
    db: operatorDb,
    redis,
    sessions,
    tokens,
    audit,
    secrets,
  });
  const rotation = createSecretRotation(deps, secrets, {
    clients,
    operatorDb,
    reencryptedCounter: new Counter({
      name: 'secrets_reencrypted_total',
      help: 'TOTP secrets re-encrypted under the active key by the background pass',
      registers: [metrics.registry],
    }),
  });
  const google = new GoogleSignIn({
    config,
    log,
    redis,
    platform,
    sessions,
    audit,
    tenantDb: (tenantId) => clients.forTenant(tenantId),
  });
  const privacy = new PersonalData({ config, log, clients, platform, streams, sessions, audit });

  return {
    clients,
    sessions,
    tokens,
    accounts,
    operators,
    google,
    admin: new UserAdministration({ clients, platform, streams, sessions, audit }),
    /** exportMyData and eraseUser (docs/privacy.md). */
    privacy,
    /** The configured first operator exists before the first request can try to sign in. */
    prepare: () => operators.ensureBootstrapOperator(),
    rotation,
    start() {
      streams.consume('account.email', 'auth-mailer', (event) =>
        accounts.sendAccountMail(event.tenantId, event.accountId, event.kind),
      );
      streams.consume('user.erased', 'auth-erasure', (event) => privacy.forgetInStreams(event));
      rotation.start();
    },
    stop() {
      rotation.stop();
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

/**
 * The re-encryption of stored TOTP secrets under the active key: the subgraph's background pass,
 * and `npm run secrets:rotate`. Builds its own clients unless the subgraph's are given.
 */
export function createSecretRotation(
  deps: Pick<SubgraphDeps, 'platform' | 'config' | 'log' | 'redis'>,
  box: SecretBox,
  own: Partial<Pick<SecretRotationDeps, 'clients' | 'operatorDb' | 'reencryptedCounter'>> = {},
): SecretRotation {
  const { platform } = deps;
  return new SecretRotation({
    ...deps,
    box,
    clients: own.clients ?? platform.tenantClients((adapter) => new PrismaClient({ adapter })),
    operatorDb:
      own.operatorDb ?? platform.controlClient((adapter) => new OperatorClient({ adapter })),
    reencryptedCounter: own.reencryptedCounter,
  });
}
