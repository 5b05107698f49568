/**
 * `npm run bench:data-layer`: the per-query cost of a cached tenant Prisma client against raw
 * `pg` for the same query on the same pool, and the heap cost of each cached tenant client.
 * Options: --iterations N (default 3000), --clients N (default 200).
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import pino from 'pino';
import { DataPlatform, qualified } from '@tradesage/shared';
import {
  createTestDatabase,
  createTestTenant,
  migrateControlPlane,
  testConfig,
} from '@tradesage/shared/testing';
import { PrismaClient as AuthClient } from '../prisma/auth/generated/client';
import { formatMs, numericArg, summarize, type Summary, runBenchmark } from './lib/stats';

const gc = (globalThis as { gc?: () => void }).gc;

function row(label: string, s: Summary): string {
  return `${label.padEnd(38)} p50 ${formatMs(s.p50)}  p95 ${formatMs(s.p95)}  p99 ${formatMs(s.p99)}  mean ${formatMs(s.mean)}`;
}

function heapUsed(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const iterations = numericArg('iterations', 3000);
  const clientCount = numericArg('clients', 200);
  const db = await createTestDatabase('ts_bench');
  const admin = new pg.Pool({ connectionString: db.url, max: 2 });
  const config = testConfig({
    DATABASE_URL: db.url,
    TENANT_CLIENT_CACHE_MAX: String(clientCount + 10),
  });
  const platform = new DataPlatform(config, pino({ level: 'silent' }));
  try {
    await migrateControlPlane(admin, config);
    const tenant = await createTestTenant(admin, config, 'bench-tenant');
    const accounts = platform.tenantClients((adapter) => new AuthClient({ adapter }));
    const client = await accounts.forTenant(tenant.id);
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      ids.push(
        (await client.account.create({ data: { email: `user${i}@bench.test`, roles: ['TRADER'] } }))
          .id,
      );
    }
    const pool = platform.controlPool;
    const table = qualified(tenant.schemaName, 'accounts');
    const rawSql = `SELECT id, email, password_hash, email_verified, status, roles, created_at, updated_at FROM ${table} WHERE id = $1 LIMIT 1`;

    // The isolation layer alone: the same SQL in the tenant's scope (a transaction that takes the
    // tenant's role and search_path, then COMMIT), unqualified as a tenant's raw SQL would be.
    const scoped = platform.tenantSessionPool(await platform.activeTenant(tenant.id));
    const scopedSql = rawSql.replace(table, 'accounts');
    const raw: number[] = [];
    const prisma: number[] = [];
    const scope: number[] = [];
    // Interleave the two, so that machine noise lands on both alike; warm up first.
    for (let i = -200; i < iterations; i++) {
      const id = ids[Math.abs(i) % ids.length];
      let start = performance.now();
      await pool.query(rawSql, [id]);
      const rawMs = performance.now() - start;
      start = performance.now();
      await (await accounts.forTenant(tenant.id)).account.findUnique({ where: { id } });
      const prismaMs = performance.now() - start;
      start = performance.now();
      await scoped.query(scopedSql, [id]);
      const scopeMs = performance.now() - start;
      if (i >= 0) {
        raw.push(rawMs);
        prisma.push(prismaMs);
        scope.push(scopeMs);
      }
    }
    const rawSummary = summarize(raw);
    const prismaSummary = summarize(prisma);
    const scopeSummary = summarize(scope);

    // Heap per cached client: build and connect one client per tenant, measure the retained heap.
    const heapTenants = [];
    for (let i = 0; i < clientCount; i++)
      heapTenants.push(await createTestTenant(admin, config, `heap-${i}`));
    const heapBefore = heapUsed();
    for (const heapTenant of heapTenants) {
      const c = await accounts.forTenant(heapTenant.id);
      await c.$queryRaw`SELECT 1`;
    }
    const heapAfter = heapUsed();
    const perClient = (heapAfter - heapBefore) / clientCount;

    console.log(
      `data layer benchmark: ${iterations} point reads by primary key, 1 tenant, 200 rows`,
    );
    console.log(row('raw pg (pool.query)', rawSummary));
    console.log(row('tenant client (forTenant+findUnique)', prismaSummary));
    console.log(row('tenant scope only (scoped pool.query)', scopeSummary));
    console.log(
      `isolation layer (scope / raw pg):      p50 ${(scopeSummary.p50 / rawSummary.p50).toFixed(2)}x  ` +
        `+${(scopeSummary.p50 - rawSummary.p50).toFixed(3)} ms`,
    );
    console.log(
      `ratio tenant client / raw pg:          p50 ${(prismaSummary.p50 / rawSummary.p50).toFixed(2)}x  ` +
        `p95 ${(prismaSummary.p95 / rawSummary.p95).toFixed(2)}x  mean ${(prismaSummary.mean / rawSummary.mean).toFixed(2)}x`,
    );
    console.log(
      `heap per cached tenant client:         ${(perClient / 1024).toFixed(1)} KiB ` +
        `(${clientCount} clients${gc ? '' : ', run with --expose-gc for a stable number'})`,
    );
  } finally {
    await platform.close();
    await admin.end();
    await db.drop();
  }
}

runBenchmark(main);
