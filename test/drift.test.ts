import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  loadMigrations,
  MIGRATION_OWNERS,
  migrateSchema,
  REPO_ROOT,
  type Plane,
} from '@tradesage/shared';
import { createTestDatabase, testConfig, type TestDatabase } from '@tradesage/shared/testing';
import { checkDrift } from '../scripts/lib/drift';

const config = testConfig();
const schemaFile = (owner: string) => path.join(REPO_ROOT, 'prisma', owner, 'schema.prisma');
let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('ts_drift');
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe('drift check: migrations against the Prisma schemas', () => {
  test.each<Plane>(['control', 'tenant'])(
    'the %s plane matches its Prisma schemas exactly',
    async (plane) => {
      const schema = `drift_${plane}`;
      await migrateSchema(pool, schema, loadMigrations(config.PRISMA_DIR, plane));
      const differences = await checkDrift(pool, schema, MIGRATION_OWNERS[plane].map(schemaFile));
      expect(differences).toEqual([]);
    },
  );

  test('reports a Prisma field that no migration created', async () => {
    const schema = 'drift_fixture';
    await migrateSchema(pool, schema, loadMigrations(config.PRISMA_DIR, 'tenant'));
    // The fixture: the real auth schema with one field that no migration creates.
    const fixture = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ts-drift-')), 'schema.prisma');
    const auth = fs.readFileSync(schemaFile('auth'), 'utf8');
    const withExtraField = auth.replace(
      /model Account \{\n/,
      'model Account {\n  nickname String?\n',
    );
    expect(withExtraField).not.toBe(auth);
    fs.writeFileSync(fixture, withExtraField);
    const differences = await checkDrift(pool, schema, [
      fixture,
      schemaFile('user'),
      schemaFile('session'),
    ]);
    expect(differences).toEqual(['missing in database: column accounts.nickname text']);
  });

  test('reports database changes the Prisma schema does not know', async () => {
    const schema = 'drift_db_changes';
    await migrateSchema(pool, schema, loadMigrations(config.PRISMA_DIR, 'tenant'));
    await pool.query(`ALTER TABLE ${schema}.profiles ALTER COLUMN avatar_url SET NOT NULL`);
    await pool.query(`CREATE INDEX extra_idx ON ${schema}.login_history (device_type)`);
    await pool.query(`ALTER TABLE ${schema}.accounts ALTER COLUMN email TYPE varchar(320)`);
    // Index details Prisma would create differently: partial, covering, descending, hash.
    await pool.query(`DROP INDEX ${schema}.login_history_created_at_idx`);
    await pool.query(
      `CREATE INDEX login_history_created_at_idx ON ${schema}.login_history (created_at DESC) WHERE device_type = 'MOBILE'`,
    );
    await pool.query(`DROP INDEX ${schema}.login_history_user_id_created_at_idx`);
    await pool.query(
      `CREATE INDEX login_history_user_id_created_at_idx ON ${schema}.login_history USING btree (user_id, created_at) INCLUDE (ip_address)`,
    );
    await pool.query(`DROP INDEX ${schema}.account_tokens_account_id_idx`);
    await pool.query(
      `CREATE INDEX account_tokens_account_id_idx ON ${schema}.account_tokens USING hash (account_id)`,
    );
    await pool.query(
      `ALTER TABLE ${schema}.account_tokens DROP CONSTRAINT account_tokens_account_id_fkey`,
    );
    await pool.query(
      `ALTER TABLE ${schema}.account_tokens ADD CONSTRAINT account_tokens_account_id_fkey FOREIGN KEY (account_id) REFERENCES ${schema}.accounts (id) ON DELETE CASCADE ON UPDATE RESTRICT`,
    );
    const differences = await checkDrift(pool, schema, MIGRATION_OWNERS.tenant.map(schemaFile));
    expect(differences).toEqual([
      'missing in database: column accounts.email text NOT NULL',
      'missing in database: column profiles.avatar_url text',
      'missing in database: foreign key account_tokens_account_id_fkey: account_tokens (account_id) -> accounts (id) on delete CASCADE on update CASCADE',
      'missing in database: index account_tokens_account_id_idx: account_tokens (account_id)',
      'missing in database: index login_history_created_at_idx: login_history (created_at)',
      'missing in database: index login_history_user_id_created_at_idx: login_history (user_id, created_at)',
      'not in Prisma schema: column accounts.email character varying(320) NOT NULL',
      'not in Prisma schema: column profiles.avatar_url text NOT NULL',
      'not in Prisma schema: foreign key account_tokens_account_id_fkey: account_tokens (account_id) -> accounts (id) on delete CASCADE on update RESTRICT',
      'not in Prisma schema: index account_tokens_account_id_idx: account_tokens (account_id) using hash',
      'not in Prisma schema: index extra_idx: login_history (device_type)',
      "not in Prisma schema: index login_history_created_at_idx: login_history (created_at DESC) where (device_type = 'MOBILE'::text)",
      'not in Prisma schema: index login_history_user_id_created_at_idx: login_history (user_id, created_at) include (ip_address)',
    ]);
  });
});
