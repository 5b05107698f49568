import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { qualified, REPO_ROOT, tenantRoleName } from '@tradesage/shared';
import {
  createTestDatabase,
  createTestTenant,
  migrateControlPlane,
  testConfig,
  type TestDatabase,
  type TestTenant,
} from '@tradesage/shared/testing';

const run = promisify(execFile);
let db: TestDatabase;
let admin: pg.Pool;
let prismaDir: string;
const tenants: TestTenant[] = [];
const NEW_MIGRATION = '20991231000000_add_watchlists';

beforeAll(async () => {
  db = await createTestDatabase('ts_migrate_all');
  admin = new pg.Pool({ connectionString: db.url, max: 4 });
  const config = testConfig({ DATABASE_URL: db.url });
  await migrateControlPlane(admin, config);
  for (let i = 0; i < 50; i++) tenants.push(await createTestTenant(admin, config, `tenant-${i}`));
  // A release with one new tenant-plane migration.
  prismaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-migrate-all-'));
  fs.cpSync(config.PRISMA_DIR, prismaDir, {
    recursive: true,
    filter: (src) => !src.includes('generated'),
  });
  const dir = path.join(prismaDir, 'session', 'migrations', NEW_MIGRATION);
  fs.mkdirSync(dir);
  fs.writeFileSync(
    path.join(dir, 'migration.sql'),
    'CREATE TABLE "watchlists" ("id" UUID NOT NULL PRIMARY KEY, "name" TEXT NOT NULL);\n',
  );
}, 120_000);

afterAll(async () => {
  await admin.end();
  await db.drop();
  fs.rmSync(prismaDir, { recursive: true, force: true });
});

async function migrateAll(): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/tenants-migrate.ts', '--concurrency', '8'],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, DATABASE_URL: db.url, PRISMA_DIR: prismaDir, LOG_LEVEL: 'warn' },
      },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

async function hasNewMigration(tenant: TestTenant): Promise<boolean> {
  const { rowCount } = await admin.query(
    `SELECT 1 FROM ${qualified(tenant.schemaName, '_prisma_migrations')} WHERE migration_name = $1`,
    [NEW_MIGRATION],
  );
  return rowCount === 1;
}

test('migrate-all over 50 tenants with one failing completes the other 49, and a re-run finishes the last', async () => {
  const broken = tenants[17];
  // This tenant already has a table of that name, so the new migration fails there.
  await admin.query(`CREATE TABLE ${qualified(broken.schemaName, 'watchlists')} ("id" INT)`);

  const first = await migrateAll();
  expect(first.code).toBe(1);
  expect(first.output).toContain('50 tenants: 49 migrated, 0 already up to date, 1 failed');
  expect(first.output).toMatch(/FAILED {2}tenant-17: .*watchlists/);
  const migrated = await Promise.all(tenants.map(hasNewMigration));
  expect(migrated.filter(Boolean)).toHaveLength(49);
  expect(migrated[17]).toBe(false);

  // The tenant's role can use the new table (default privileges), and only its own.
  const client = await admin.connect();
  try {
    await client.query(`SET ROLE ${tenantRoleName(tenants[3].schemaName)}`);
    await client.query(`SELECT * FROM ${qualified(tenants[3].schemaName, 'watchlists')}`);
    await expect(
      client.query(`SELECT * FROM ${qualified(tenants[4].schemaName, 'watchlists')}`),
    ).rejects.toThrow(/permission denied/);
  } finally {
    await client.query('RESET ROLE');
    client.release();
  }

  await admin.query(`DROP TABLE ${qualified(broken.schemaName, 'watchlists')}`);
  const second = await migrateAll();
  expect(second.code).toBe(0);
  expect(second.output).toContain('50 tenants: 1 migrated, 49 already up to date, 0 failed');
  expect(await hasNewMigration(broken)).toBe(true);
}, 120_000);
