/**
 * `npm run bench:migrate-all -- --tenants 1000 [--concurrency 8]`: the total time to take one
 * new tenant-plane migration to every tenant, as a release does.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { DataPlatform, migrateAllTenants } from '@tradesage/shared';
import {
  createTestDatabase,
  createTestTenant,
  migrateControlPlane,
  testConfig,
} from '@tradesage/shared/testing';
import { formatMs, numericArg, summarize, runBenchmark } from './lib/stats';

async function main(): Promise<void> {
  const count = numericArg('tenants', 200);
  const concurrency = numericArg('concurrency', 8);
  const db = await createTestDatabase('ts_bench_migrate');
  const admin = new pg.Pool({ connectionString: db.url, max: 4 });
  const prismaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-bench-migrate-'));
  const base = testConfig({ DATABASE_URL: db.url });
  const platform = new DataPlatform(
    { ...base, DB_POOL_MAX: concurrency },
    pino({ level: 'silent' }),
  );
  try {
    await migrateControlPlane(admin, base);
    for (let i = 0; i < count; i++) {
      await createTestTenant(admin, base, `bench-${i}`);
      if ((i + 1) % 200 === 0) process.stderr.write(`  created ${i + 1}/${count} tenants\n`);
    }
    fs.cpSync(base.PRISMA_DIR, prismaDir, {
      recursive: true,
      filter: (src) => !src.includes('generated'),
    });
    const dir = path.join(prismaDir, 'session', 'migrations', '20991231000000_bench_new_table');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'migration.sql'),
      'CREATE TABLE "bench_new_table" ("id" UUID NOT NULL PRIMARY KEY, "at" TIMESTAMPTZ NOT NULL DEFAULT now());\n' +
        'CREATE INDEX "bench_new_table_at_idx" ON "bench_new_table"("at");\n',
    );
    const started = performance.now();
    const results = await migrateAllTenants(
      platform,
      { ...base, PRISMA_DIR: prismaDir },
      { concurrency },
    );
    const total = performance.now() - started;
    const failed = results.filter((r) => !r.ok).length;
    const perTenant = summarize(results.map((r) => r.ms));
    console.log(`migrate-all: one new migration to ${count} tenants, concurrency ${concurrency}`);
    console.log(`  total ${(total / 1000).toFixed(2)} s  (${failed} failed)  target < 60 s`);
    console.log(
      `  per tenant p50 ${formatMs(perTenant.p50)}  p95 ${formatMs(perTenant.p95)}  p99 ${formatMs(perTenant.p99)}`,
    );
  } finally {
    await platform.close();
    await admin.end();
    await db.drop();
    fs.rmSync(prismaDir, { recursive: true, force: true });
  }
}

runBenchmark(main);
