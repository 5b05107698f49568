import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  checksumOf,
  loadMigrations,
  MigrationChecksumError,
  MigrationFailedError,
  migrateSchema,
  migrateSchemaInTransaction,
  qualified,
  withTransaction,
} from '../src';
import { createTestDatabase, testConfig, type TestDatabase } from '../testing';

const config = testConfig();
let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('ts_migrations');
  pool = new pg.Pool({ connectionString: db.url, max: 6 });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
});

async function history(schema: string) {
  const { rows } = await pool.query<{
    migration_name: string;
    checksum: string;
    finished_at: Date | null;
  }>(
    `SELECT migration_name, checksum, finished_at FROM ${qualified(schema, '_prisma_migrations')} ORDER BY migration_name`,
  );
  return rows;
}

/** A throwaway copy of prisma/, so a test can edit migration files. */
function copyPrismaDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-prisma-'));
  fs.cpSync(config.PRISMA_DIR, dir, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}generated`),
  });
  return dir;
}

describe('migration runner', () => {
  const tenantMigrations = loadMigrations(config.PRISMA_DIR, 'tenant');

  test('loads every owner of a plane in timestamp order, with Prisma checksums', () => {
    expect([...new Set(tenantMigrations.map((m) => m.owner))].sort()).toEqual([
      'auth',
      'session',
      'user',
    ]);
    const names = tenantMigrations.map((m) => m.name);
    expect([...names].sort()).toEqual(names);
    for (const migration of tenantMigrations) {
      const file = path.join(
        config.PRISMA_DIR,
        migration.owner,
        'migrations',
        migration.name,
        'migration.sql',
      );
      expect(migration.checksum).toBe(checksumOf(fs.readFileSync(file)));
      expect(migration.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  test('applies each migration once and is idempotent', async () => {
    const first = await migrateSchema(pool, 'idempotent_one', tenantMigrations);
    expect(first.applied).toEqual(tenantMigrations.map((m) => m.name));
    const second = await migrateSchema(pool, 'idempotent_one', tenantMigrations);
    expect(second.applied).toEqual([]);
    expect(second.unknownApplied).toEqual([]);
    // An older release (fewer files) sees the newer migration as unknown, and applies nothing.
    const older = await migrateSchema(pool, 'idempotent_one', tenantMigrations.slice(0, -1));
    expect(older).toMatchObject({ applied: [], unknownApplied: [tenantMigrations.at(-1)!.name] });
    expect(second.alreadyApplied).toBe(tenantMigrations.length);
    const rows = await history('idempotent_one');
    expect(rows.map((r) => r.migration_name)).toEqual(tenantMigrations.map((m) => m.name));
    expect(rows.map((r) => r.checksum)).toEqual(tenantMigrations.map((m) => m.checksum));
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
  });

  test('history table has the columns Prisma Migrate uses', async () => {
    await migrateSchema(pool, 'prisma_columns', tenantMigrations);
    const { rows } = await pool.query<{
      column_name: string;
      data_type: string;
      is_nullable: string;
    }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = 'prisma_columns' AND table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(rows.map((r) => `${r.column_name} ${r.data_type} ${r.is_nullable}`)).toEqual([
      'id character varying NO',
      'checksum character varying NO',
      'finished_at timestamp with time zone YES',
      'migration_name character varying NO',
      'logs text YES',
      'rolled_back_at timestamp with time zone YES',
      'started_at timestamp with time zone NO',
      'applied_steps_count integer NO',
    ]);
  });

  test('two runners started at the same moment apply each migration exactly once', async () => {
    // Separate pools, so that the runners really are separate database sessions.
    const pools = [1, 2, 3].map(() => new pg.Pool({ connectionString: db.url, max: 2 }));
    try {
      const results = await Promise.all(
        pools.map((p) => migrateSchema(p, 'concurrent', tenantMigrations)),
      );
      const appliedByAll = results.flatMap((r) => r.applied).sort();
      expect(appliedByAll).toEqual(tenantMigrations.map((m) => m.name).sort());
      const rows = await history('concurrent');
      expect(rows.map((r) => r.migration_name)).toEqual(tenantMigrations.map((m) => m.name));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  test('refuses to run when an applied migration file has changed', async () => {
    const dir = copyPrismaDir();
    try {
      await migrateSchema(pool, 'changed_file', loadMigrations(dir, 'tenant'));
      const target = path.join(
        dir,
        'user',
        'migrations',
        '20261125000200_user_init',
        'migration.sql',
      );
      fs.appendFileSync(target, '\nCREATE INDEX "profiles_name_idx" ON "profiles"("name");\n');
      // A new, pending migration beside the edited one must not run either.
      const pending = path.join(dir, 'session', 'migrations', '20991231000000_pending');
      fs.mkdirSync(pending);
      fs.writeFileSync(
        path.join(pending, 'migration.sql'),
        'CREATE TABLE "pending_marker" ("id" INT);\n',
      );
      const changed = loadMigrations(dir, 'tenant');
      const error = await migrateSchema(pool, 'changed_file', changed).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationChecksumError);
      expect((error as Error).message).toContain('20261125000200_user_init');
      expect((error as Error).message).toContain('changed_file');
      // Nothing of the edited file ran.
      const { rowCount } = await pool.query(
        `SELECT 1 FROM pg_indexes WHERE schemaname = 'changed_file' AND indexname = 'profiles_name_idx'`,
      );
      expect(rowCount).toBe(0);
      const marker = await pool.query(
        `SELECT 1 FROM pg_tables WHERE schemaname = 'changed_file' AND tablename = 'pending_marker'`,
      );
      expect(marker.rowCount).toBe(0);
      expect((await history('changed_file')).map((r) => r.migration_name)).not.toContain(
        '20991231000000_pending',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failing migration is rolled back and not recorded; the fixed file then applies', async () => {
    const dir = copyPrismaDir();
    try {
      const broken = path.join(dir, 'session', 'migrations', '20991231000000_broken');
      fs.mkdirSync(broken);
      fs.writeFileSync(
        path.join(broken, 'migration.sql'),
        'CREATE TABLE "half" ("id" INT);\nSELECT * FROM "no_such_table";\n',
      );
      const error = await migrateSchema(pool, 'failing', loadMigrations(dir, 'tenant')).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MigrationFailedError);
      const rows = await history('failing');
      expect(rows.map((r) => r.migration_name)).not.toContain('20991231000000_broken');
      const { rowCount } = await pool.query(
        `SELECT 1 FROM pg_tables WHERE schemaname = 'failing' AND tablename = 'half'`,
      );
      expect(rowCount).toBe(0);
      fs.writeFileSync(path.join(broken, 'migration.sql'), 'CREATE TABLE "half" ("id" INT);\n');
      const retry = await migrateSchema(pool, 'failing', loadMigrations(dir, 'tenant'));
      expect(retry.applied).toEqual(['20991231000000_broken']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('runs inside a caller transaction, so a rollback leaves no schema behind', async () => {
    await withTransaction(pool, async (client) => {
      const result = await migrateSchemaInTransaction(client, 'in_tx', tenantMigrations);
      expect(result.applied).toHaveLength(tenantMigrations.length);
      throw new Error('abort');
    }).catch((error: Error) => expect(error.message).toBe('abort'));
    const { rowCount } = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'in_tx'`);
    expect(rowCount).toBe(0);
  });

  test('rejects a badly named migration folder', () => {
    const dir = copyPrismaDir();
    try {
      fs.mkdirSync(path.join(dir, 'auth', 'migrations', 'add_things'));
      expect(() => loadMigrations(dir, 'tenant')).toThrow(/must be named/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
