/**
 * `npm run bench:provision -- --tenants 1000`: provisioning time per tenant (p50/p95/p99), the
 * ratio of the last 100 tenants' median to the first 100's (does it slow down as tenants pile
 * up?), and the cost of the database isolation layer on a simple tenant query.
 */
import { performance } from 'node:perf_hooks';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import pino from 'pino';
import { DataPlatform, EventBus } from '@tradesage/shared';
import { createTestDatabase, migrateControlPlane, testConfig } from '@tradesage/shared/testing';
import { Redis } from 'ioredis';
import { PrismaClient as AuthClient } from '../prisma/auth/generated/client';
import { PrismaClient as ControlClient } from '../prisma/tenant/generated/client';
import { TenantProvisioner } from '../subgraphs/tenant/src/provisioning';
import { formatMs, numericArg, summarize, runBenchmark } from './lib/stats';

async function main(): Promise<void> {
  const count = numericArg('tenants', 200);
  const queries = numericArg('queries', 2000);
  const db = await createTestDatabase('ts_bench_provision');
  const admin = new pg.Pool({ connectionString: db.url, max: 2 });
  const config = testConfig({ DATABASE_URL: db.url, REDIS_KEY_PREFIX: `bench:${Date.now()}:` });
  const log = pino({ level: 'silent' });
  const platform = new DataPlatform(config, log);
  const redis = new Redis(config.REDIS_URL);
  const bus = new EventBus(redis, config.REDIS_KEY_PREFIX, log);
  const control = platform.controlClient((adapter) => new ControlClient({ adapter }));
  try {
    await migrateControlPlane(admin, config);
    const provisioner = new TenantProvisioner({ config, log, platform, control, bus });
    const times: number[] = [];
    const tenants: { id: string; schemaName: string; ownerId: string }[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const { tenant, owner } = await provisioner.create({
        slug: `bench-${i}`,
        name: `Bench ${i}`,
        plan: 'FREE',
        owner: { email: `owner${i}@bench.test`, name: `Owner ${i}` },
      });
      times.push(performance.now() - started);
      tenants.push({ id: tenant.id, schemaName: tenant.schemaName, ownerId: owner.id });
      if ((i + 1) % 100 === 0) process.stderr.write(`  provisioned ${i + 1}/${count}\n`);
    }
    const all = summarize(times);
    const window = Math.min(100, Math.floor(count / 2));
    const first = summarize(times.slice(0, window));
    const last = summarize(times.slice(-window));
    console.log(
      `provisioning ${count} tenants (schema, role, every tenant-plane migration, owner), one at a time`,
    );
    console.log(
      `  p50 ${formatMs(all.p50)}  p95 ${formatMs(all.p95)}  p99 ${formatMs(all.p99)}  mean ${formatMs(all.mean)}`,
    );
    console.log(
      `  median of last ${window} / first ${window}: ${(last.p50 / first.p50).toFixed(2)} ` +
        `(${formatMs(last.p50)} / ${formatMs(first.p50)})`,
    );

    // Isolation overhead: the same Prisma read through the tenant-scoped pool (SET ROLE and
    // search_path on every checkout) and through a plain pool with the schema only.
    const target = tenants[Math.floor(tenants.length / 2)];
    const scoped = platform
      .tenantClients((adapter) => new AuthClient({ adapter }))
      .forLocation({ schemaName: target.schemaName, connectionUrl: null });
    const plain = new AuthClient({ adapter: new PrismaPg(admin, { schema: target.schemaName }) });
    const scopedMs: number[] = [];
    const plainMs: number[] = [];
    for (let i = -200; i < queries; i++) {
      let t = performance.now();
      await scoped.account.findUnique({ where: { id: target.ownerId } });
      const s = performance.now() - t;
      t = performance.now();
      await plain.account.findUnique({ where: { id: target.ownerId } });
      const p = performance.now() - t;
      if (i >= 0) {
        scopedMs.push(s);
        plainMs.push(p);
      }
    }
    await plain.$disconnect();
    const withLayer = summarize(scopedMs);
    const without = summarize(plainMs);
    console.log(`isolation layer on a point read (${queries} reads):`);
    console.log(
      `  with tenant role   p50 ${formatMs(withLayer.p50)}  p95 ${formatMs(withLayer.p95)}`,
    );
    console.log(`  schema only        p50 ${formatMs(without.p50)}  p95 ${formatMs(without.p95)}`);
    console.log(
      `  overhead: p50 ${(withLayer.p50 / without.p50).toFixed(2)}x (+${formatMs(withLayer.p50 - without.p50)})`,
    );
  } finally {
    await bus.close();
    redis.disconnect();
    await platform.close();
    await admin.end();
    await db.drop();
  }
}

runBenchmark(main);
