import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type pg from 'pg';
import S3rver from 's3rver';
import { AppError, qualified, type SubgraphDeps } from '@tradesage/shared';
import { PrismaClient as AuthClient } from '../../../prisma/auth/generated/client';
import { createS3Client, type TenantBackups } from '../src/backups';
import type { TenantServices } from '../src/data';
import { startTenantServiceEnv, type TenantServiceEnv } from './support';

let admin: pg.Pool;
let s3rver: S3rver;
let s3Dir: string;
let s3: S3Client;
let deps: SubgraphDeps;
let services: TenantServices;
let backups: TenantBackups;
let env: TenantServiceEnv;
const bucket = 'tenant-backups-test';

beforeAll(async () => {
  s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-s3rver-'));
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: s3Dir, silent: true });
  const { port } = (await s3rver.run()) as unknown as { port: number };
  env = await startTenantServiceEnv('ts_backups', {
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    BACKUP_RETENTION_COUNT: '2',
  });
  ({ admin, deps, services } = env);
  backups = services.backups;
  s3 = createS3Client(deps.config);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  s3.destroy();
  await s3rver.close();
  fs.rmSync(s3Dir, { recursive: true, force: true });
  await env.close();
});

/** Every row of every table in the schema, as JSON, in a stable order. */
async function snapshot(schema: string): Promise<Record<string, unknown[]>> {
  const tables = await admin.query<{ tablename: string }>(
    'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
    [schema],
  );
  const result: Record<string, unknown[]> = {};
  for (const { tablename } of tables.rows) {
    const { rows } = await admin.query(
      `SELECT to_jsonb(t) AS row FROM ${qualified(schema, tablename)} t ORDER BY 1`,
    );
    result[tablename] = rows.map((r) => r.row);
  }
  return result;
}

async function objectBytes(key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

test('backup then restore gives back the tenant row for row; a corrupted backup is refused', async () => {
  const { tenant } = await services.provisioner.create({
    slug: 'backed-up',
    name: 'Backed Up',
    plan: 'PRO',
    owner: { email: 'owner@backed.test', name: 'Owner' },
  });
  const accounts = await deps.platform
    .tenantClients((adapter) => new AuthClient({ adapter }))
    .forTenant(tenant.id);
  // Awkward data: the schema's own name, tabs, newlines, backslashes, quotes, unicode.
  for (let i = 0; i < 50; i++) {
    await accounts.account.create({
      data: {
        email: `user${i}+${tenant.schemaName}@backed.test`,
        passwordHash: `a\tb\nc\\d'"é ${i}`,
        roles: ['TRADER'],
      },
    });
  }
  // Far more than one 64 KiB chunk of multibyte text, so characters straddle chunk boundaries.
  for (let i = 0; i < 3; i++) {
    await accounts.account.create({
      data: { email: `big${i}@backed.test`, passwordHash: `${'é€😀ß'.repeat(20_000)}${i}` },
    });
  }
  const before = await snapshot(tenant.schemaName);
  expect(before.accounts).toHaveLength(54);

  const backup = await backups.backup(tenant.id);
  expect(backup.status).toBe('COMPLETED');
  const bytes = await objectBytes(backup.objectKey!);
  expect(backup.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
  expect(Number(backup.sizeBytes)).toBe(bytes.length);

  // Change the tenant's data after the backup.
  await accounts.account.deleteMany({ where: { email: { startsWith: 'user1' } } });
  await accounts.account.create({ data: { email: 'after-backup@backed.test' } });
  expect(await snapshot(tenant.schemaName)).not.toEqual(before);

  const restored = await backups.restore(backup.id);
  expect(restored.id).toBe(tenant.id);
  expect(await snapshot(tenant.schemaName)).toEqual(before);
  // Only one schema of that tenant remains, and the tenant's role works on it again.
  const schemas = await admin.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [
    `${tenant.schemaName}%`,
  ]);
  expect(schemas.rows.map((r) => r.nspname)).toEqual([tenant.schemaName]);
  expect(await accounts.account.count()).toBe(54);

  // Corrupt the stored object: the restore is refused and the data stays as it is.
  await accounts.account.create({ data: { email: 'kept@backed.test' } });
  const current = await snapshot(tenant.schemaName);
  const corrupted = Buffer.from(bytes);
  corrupted[Math.floor(corrupted.length / 2)] ^= 0xff;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: backup.objectKey!, Body: corrupted }));
  const refusal = await backups.restore(backup.id).catch((e: unknown) => e);
  expect(refusal).toBeInstanceOf(AppError);
  expect((refusal as AppError).extensions.code).toBe('CONFLICT');
  expect((refusal as AppError).message).toMatch(/checksum/);
  expect(await snapshot(tenant.schemaName)).toEqual(current);
}, 60_000);

test('retention keeps the newest backups and deletes the rest from S3', async () => {
  const { tenant } = await services.provisioner.create({
    slug: 'retained',
    name: 'Retained',
    plan: 'FREE',
    owner: { email: 'owner@retained.test', name: 'Owner' },
  });
  const made = [];
  for (let i = 0; i < 3; i++) made.push(await backups.backup(tenant.id));
  const kept = await services.control.tenantBackup.findMany({
    where: { tenantId: tenant.id },
    orderBy: { createdAt: 'asc' },
  });
  expect(kept.map((b) => b.id)).toEqual([made[1].id, made[2].id]);
  await expect(
    s3.send(new HeadObjectCommand({ Bucket: bucket, Key: made[0].objectKey! })),
  ).rejects.toThrow();
  await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: made[2].objectKey! }));
}, 60_000);

test('the purge takes a final backup of a deleted tenant past retention, then drops its schema and role', async () => {
  const { tenant } = await services.provisioner.create({
    slug: 'to-purge',
    name: 'To Purge',
    plan: 'FREE',
    owner: { email: 'owner@purge.test', name: 'Owner' },
  });
  await services.transition(tenant.id, 'delete');
  const exists = async () =>
    (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [tenant.schemaName]))
      .rowCount;
  // Not yet due: nothing happens.
  expect(await services.scheduler.purgeDeleted()).toBe(0);
  expect(await exists()).toBe(1);

  const later = new Date(Date.now() + 31 * 86_400_000);
  expect(await services.scheduler.purgeDeleted(later)).toBe(1);
  expect(await exists()).toBe(0);
  const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
    `${tenant.schemaName}_rw`,
  ]);
  expect(role.rowCount).toBe(0);
  const row = await services.control.tenant.findUniqueOrThrow({
    where: { id: tenant.id },
    include: { backups: true },
  });
  expect(row.purgedAt).toBeInstanceOf(Date);
  expect(row.backups.map((b) => b.status)).toEqual(['COMPLETED']);
  await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: row.backups[0].objectKey! }));
  // Purged once only.
  expect(await services.scheduler.purgeDeleted(later)).toBe(0);
}, 60_000);

test('a scheduled backup slot runs on one replica only', async () => {
  const slot = new Date(Date.UTC(2030, 0, 1, 3));
  const replicas = [1, 2, 3].map(() => services.scheduler);
  const outcomes = await Promise.all(replicas.map((scheduler) => scheduler.runSlot(slot)));
  expect(outcomes.sort()).toEqual(['ran', 'skipped', 'skipped']);
}, 60_000);
