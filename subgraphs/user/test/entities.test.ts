import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import {
  migrateControlPlane,
  SessionStore,
  startSubgraph,
  type RunningService,
} from '@tradesage/shared';
import {
  createTestDatabase,
  createTestSigner,
  createTestTenant,
  postGraphQL,
  testConfig,
  uniqueName,
  type TestDatabase,
  type TestSigner,
  type TestTenant,
} from '@tradesage/shared/testing';
import { definition as authDefinition } from '../../auth/src/server';
import { definition as userDefinition } from '../src/server';

let db: TestDatabase;
let admin: pg.Pool;
let signer: TestSigner;
let user: RunningService;
let auth: RunningService;
let alpha: TestTenant;
let beta: TestTenant;
const alphaIds: string[] = [];
const redisPrefix = `${uniqueName('entities')}:`;
let redis: Redis;

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id } }
}`;

/** Every statement sent to Postgres while `run` runs, whatever client or pool sends it. */
async function statementsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = [];
  const original = pg.Client.prototype.query;
  const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
    this: pg.Client,
    ...args: unknown[]
  ) {
    const [first] = args;
    statements.push(typeof first === 'string' ? first : ((first as { text?: string })?.text ?? ''));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as never);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return statements;
}

/** The owner's token, for a session opened in the store (tokens of unknown sessions are refused). */
async function tokenOf(tenant: TestTenant): Promise<string> {
  const { session } = await new SessionStore(redis, redisPrefix).create({
    tenantId: tenant.id,
    userId: tenant.owner.id,
    device: { type: 'DESKTOP' },
    ttlSeconds: 600,
  });
  return signer.sign({
    sub: tenant.owner.id,
    tid: tenant.id,
    tslug: tenant.slug,
    roles: ['OWNER'],
    sid: session.id,
  });
}

beforeAll(async () => {
  db = await createTestDatabase('entities');
  admin = new pg.Pool({ connectionString: db.url, max: 3 });
  signer = await createTestSigner(testConfig());
  const config = testConfig({
    DATABASE_URL: db.url,
    REDIS_KEY_PREFIX: redisPrefix,
    JWT_PRIVATE_KEYS: signer.privateKeys,
    USER_PORT: '0',
    AUTH_PORT: '0',
    // The database itself stands in for a replica: sessions are marked only where one exists.
    DATABASE_REPLICA_URLS: db.url,
  });
  await migrateControlPlane(admin, config);
  redis = new Redis(config.REDIS_URL);
  alpha = await createTestTenant(admin, config, 'alpha-entities');
  beta = await createTestTenant(admin, config, 'beta-entities');
  for (let i = 0; i < 99; i++) {
    const id = randomUUID();
    alphaIds.push(id);
    await admin.query(
      `INSERT INTO ${alpha.schemaName}.profiles (user_id, name, email) VALUES ($1, $2, $3)`,
      [id, `User ${i}`, `u${i}@alpha.test`],
    );
    await admin.query(
      `INSERT INTO ${alpha.schemaName}.accounts (id, email, roles) VALUES ($1, $2, ARRAY['VIEWER']::"${alpha.schemaName}"."Role"[])`,
      [id, `u${i}@alpha.test`],
    );
  }
  alphaIds.push(alpha.owner.id);
  user = await startSubgraph(userDefinition, { config });
  auth = await startSubgraph(authDefinition, { config });
}, 120_000);

afterAll(async () => {
  await user?.stop();
  await auth?.stop();
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await admin?.end();
  await db?.drop();
});

describe('entity resolution with DataLoader', () => {
  test.each([
    ['user', 'profiles', () => user.url],
    ['auth', 'accounts', () => auth.url],
  ])(
    'the %s subgraph resolves 100 User references with one query of %s',
    async (_name, table, url) => {
      const token = await tokenOf(alpha);
      const representations = alphaIds.map((id) => ({ __typename: 'User', id }));
      let response: Awaited<ReturnType<typeof postGraphQL>> | undefined;
      const statements = await statementsDuring(async () => {
        response = await postGraphQL(
          url(),
          ENTITIES,
          { representations },
          {
            authorization: `Bearer ${token}`,
          },
        );
      });
      expect(response!.body.errors).toBeUndefined();
      expect(response!.body.data._entities.map((e: { id: string }) => e.id)).toEqual(alphaIds);
      expect(statements.filter((sql) => sql.includes(`"${table}"`))).toHaveLength(1);
    },
  );

  test.each([
    ['user', () => user.url],
    ['auth', () => auth.url],
  ])(
    "tenant B's token with tenant A's user ids, straight to the %s subgraph, gets no data",
    async (_name, url) => {
      const response = await postGraphQL(
        url(),
        ENTITIES,
        { representations: alphaIds.slice(0, 10).map((id) => ({ __typename: 'User', id })) },
        { authorization: `Bearer ${await tokenOf(beta)}` },
      );
      expect(response.body.data._entities).toEqual(Array(10).fill(null));
    },
  );
});

describe('read-your-writes marks', () => {
  /** The session id inside a token (its `sid` claim). */
  const sessionOf = (token: string) =>
    (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sid: string }).sid;
  const marked = async (token: string) =>
    (await redis.exists(`${redisPrefix}rw:user:${sessionOf(token)}`)) === 1;

  test("a mutation marks the caller's session (its lists then read the primary); a query does not", async () => {
    const reader = await tokenOf(alpha);
    const read = await postGraphQL(user.url, '{ users(first: 5) { totalCount } }', undefined, {
      authorization: `Bearer ${reader}`,
    });
    expect(read.body.errors).toBeUndefined();
    expect(await marked(reader)).toBe(false);

    const writer = await tokenOf(alpha);
    const wrote = await postGraphQL(
      user.url,
      'mutation { updateProfile(input: { name: "Marked Owner" }) { name } }',
      undefined,
      { authorization: `Bearer ${writer}` },
    );
    expect(wrote.body.errors).toBeUndefined();
    expect(await marked(writer)).toBe(true);
    expect(await marked(reader)).toBe(false);
  });
});
