import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { CronExpressionParser } from 'cron-parser';
import type { Redis } from 'ioredis';
import {
  AppError,
  dropTenantSchema,
  mapWithConcurrency,
  notFound,
  quoteIdent,
  tenantRoleGrants,
  type Config,
  withTransaction,
} from '@tradesage/shared';
import type { Tenant, TenantBackup } from '../../../prisma/tenant/generated/client';
import { unrecorded, type ChangeScope, type ControlPlaneDeps } from './control';

export function createS3Client(config: Config): S3Client {
  const options: S3ClientConfig = { region: config.S3_REGION };
  if (config.S3_ENDPOINT) {
    options.endpoint = config.S3_ENDPOINT;
    options.forcePathStyle = true; // S3-compatible stores (MinIO, s3rver) want path-style URLs.
  }
  if (config.S3_ACCESS_KEY_ID && config.S3_SECRET_ACCESS_KEY) {
    options.credentials = {
      accessKeyId: config.S3_ACCESS_KEY_ID,
      secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    };
  }
  return new S3Client(options);
}

/** Connection settings for pg_dump, pg_restore and psql: in the environment, so no password shows in `ps`. */
function libpqEnv(connectionString: string): NodeJS.ProcessEnv {
  const url = new URL(connectionString);
  return {
    ...process.env,
    PGHOST: url.hostname,
    PGPORT: url.port || '5432',
    PGUSER: decodeURIComponent(url.username),
    PGPASSWORD: decodeURIComponent(url.password),
    PGDATABASE: decodeURIComponent(url.pathname.slice(1)),
    PGSSLMODE: url.searchParams.get('sslmode') ?? process.env.PGSSLMODE ?? 'prefer',
  };
}

/** Resolves with the exit code; collects stderr for the error message. */
function finished(child: ChildProcess, name: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${name} exited with code ${code}: ${stderr.trim()}`)),
    );
  });
}

/** A pass-through stream that computes the sha256 and size of what flows through it. */
function digestStream() {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, result: () => ({ checksum: hash.digest('hex'), size }) };
}

/**
 * Renames a schema in pg_restore's SQL output. Only SQL lines change, never COPY data, so a
 * row that happens to contain the schema name is restored as it was. The tenant role's name
 * (`<schema>_rw`) does not match, since the name must end at a word boundary.
 */
function renameSchemaInSql(from: string, to: string): Transform {
  const pattern = new RegExp(`\\b${from}\\b`, 'g');
  let inCopyData = false;
  let rest = '';
  // A multibyte character may be split across chunks; the decoder carries it over.
  const decoder = new StringDecoder('utf8');
  const rewrite = (line: string): string => {
    if (inCopyData) {
      if (line === '\\.') inCopyData = false;
      return line;
    }
    if (/^COPY .* FROM stdin;$/.test(line)) inCopyData = true;
    return line.replace(pattern, to);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const lines = (rest + decoder.write(chunk)).split('\n');
      rest = lines.pop() ?? '';
      callback(null, lines.map(rewrite).join('\n') + (lines.length ? '\n' : ''));
    },
    flush(callback) {
      rest += decoder.end();
      callback(null, rest ? rewrite(rest) : '');
    },
  });
}

/**
 * Tenant backups: `pg_dump -Fc -n <schema>` streamed into an S3 multipart upload (never held
 * in memory), with its sha256 and size recorded; retention keeps the last N; restore checks
 * the checksum, rebuilds the schema under another name and swaps it in, in one transaction.
 */
/** BACKUPS=off: refuses, saying why, rather than failing inside pg_dump. */
function assertBackupsOn(config: Config): void {
  if (config.BACKUPS === 'off')
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      'Backups and restores are turned off on this deployment (BACKUPS=off)',
      { reason: 'BACKUPS_OFF' },
    );
}

export class TenantBackups {
  constructor(private readonly deps: ControlPlaneDeps & { s3: S3Client }) {}

  private bin(name: string): string {
    return this.deps.config.PG_BIN_DIR ? path.join(this.deps.config.PG_BIN_DIR, name) : name;
  }

  private async tenantWithCluster(tenantId: string) {
    const tenant = await this.deps.control.tenant.findUnique({
      where: { id: tenantId },
      include: { cluster: true },
    });
    if (!tenant) throw notFound('Tenant not found');
    return { tenant, url: tenant.cluster.connectionUrl ?? this.deps.config.DATABASE_URL };
  }

  /**
   * Records a RUNNING backup and starts it; `done` settles when it has COMPLETED or FAILED.
   * `final` is the purge's last backup of a deleted tenant; `scope` commits the RUNNING row
   * (with an operator's audit entry, when an operator asked for the backup).
   */
  async start(
    tenantId: string,
    options: { final?: boolean; scope?: ChangeScope } = {},
  ): Promise<{ backup: TenantBackup; done: Promise<TenantBackup> }> {
    assertBackupsOn(this.deps.config);
    const { tenant, url } = await this.tenantWithCluster(tenantId);
    const allowed = options.final ? ['DELETED'] : ['ACTIVE', 'SUSPENDED'];
    if (!allowed.includes(tenant.status) || tenant.purgedAt) {
      throw new AppError('CONFLICT', `Cannot back up a tenant that is ${tenant.status}`);
    }
    const scope = options.scope ?? unrecorded(this.deps.control);
    const backup = await scope.commit(async (tx) => {
      const created = await tx.tenantBackup.create({ data: { tenantId, status: 'RUNNING' } });
      scope.about(tenantId, { backupId: created.id });
      return created;
    });
    const done = this.run(tenant, url, backup);
    return { backup, done };
  }

  /** Backs a tenant up and waits for the result. */
  async backup(tenantId: string, options: { final?: boolean } = {}): Promise<TenantBackup> {
    return (await this.start(tenantId, options)).done;
  }

  private async run(tenant: Tenant, url: string, backup: TenantBackup): Promise<TenantBackup> {
    const key = `tenants/${tenant.id}/${backup.id}.dump`;
    const { config, control, s3, log } = this.deps;
    try {
      const dump = spawn(
        this.bin('pg_dump'),
        ['--format=custom', '--no-owner', '--no-privileges', '--schema', tenant.schemaName],
        { env: libpqEnv(url), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const digest = digestStream();
      const exited = finished(dump, 'pg_dump');
      dump.stdout!.pipe(digest.stream);
      const upload = new Upload({
        client: s3,
        params: {
          Bucket: config.S3_BUCKET,
          Key: key,
          Body: digest.stream,
          ContentType: 'application/octet-stream',
        },
        partSize: 5 * 1024 * 1024,
        queueSize: 2,
      });
      await Promise.all([exited, upload.done()]).catch((error: unknown) => {
        // An upload that failed leaves pg_dump blocked on a full pipe, holding its snapshot.
        dump.kill();
        throw error;
      });
      const { checksum, size } = digest.result();
      const completed = await control.tenantBackup.update({
        where: { id: backup.id },
        data: {
          status: 'COMPLETED',
          objectKey: key,
          checksum,
          sizeBytes: BigInt(size),
          completedAt: new Date(),
        },
      });
      log.info({ tenantId: tenant.id, backupId: backup.id, size }, 'tenant backup completed');
      await this.applyRetention(tenant.id);
      return completed;
    } catch (error) {
      log.error({ err: error, tenantId: tenant.id, backupId: backup.id }, 'tenant backup failed');
      await s3
        .send(new DeleteObjectCommand({ Bucket: config.S3_BUCKET, Key: key }))
        .catch(() => undefined);
      return control.tenantBackup.update({
        where: { id: backup.id },
        data: { status: 'FAILED', completedAt: new Date() },
      });
    }
  }

  /** Keeps the newest BACKUP_RETENTION_COUNT completed backups of a tenant. */
  async applyRetention(tenantId: string): Promise<void> {
    const { control, s3, config } = this.deps;
    const old = await control.tenantBackup.findMany({
      where: { tenantId, status: 'COMPLETED' },
      orderBy: { createdAt: 'desc' },
      skip: config.BACKUP_RETENTION_COUNT,
    });
    for (const backup of old) {
      if (backup.objectKey)
        await s3.send(new DeleteObjectCommand({ Bucket: config.S3_BUCKET, Key: backup.objectKey }));
      await control.tenantBackup.delete({ where: { id: backup.id } });
    }
  }

  /**
   * Restores a backup over its tenant. The download is checked against the recorded sha256
   * first; a corrupted backup is refused and nothing changes. The schema is rebuilt under a
   * scratch name and swapped in within one transaction, so the tenant never sees half a restore.
   * The swap commits in the tenant's database, so `scope` only learns which tenant it was.
   */
  async restore(backupId: string, scope?: ChangeScope): Promise<Tenant> {
    const { control, s3, config, log } = this.deps;
    assertBackupsOn(config);
    const backup = await control.tenantBackup.findUnique({ where: { id: backupId } });
    if (!backup) throw notFound('Backup not found');
    scope?.about(backup.tenantId);
    if (backup.status !== 'COMPLETED' || !backup.objectKey || !backup.checksum) {
      throw new AppError(
        'CONFLICT',
        `Backup is ${backup.status}; only a completed backup can be restored`,
      );
    }
    const { tenant, url } = await this.tenantWithCluster(backup.tenantId);
    if (tenant.status === 'DELETED' || tenant.status === 'PROVISIONING') {
      throw new AppError('CONFLICT', `Cannot restore a tenant that is ${tenant.status}`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tradesage-restore-'));
    const file = path.join(dir, 'backup.dump');
    try {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: config.S3_BUCKET, Key: backup.objectKey }),
      );
      const digest = digestStream();
      await pipeline(object.Body as Readable, digest.stream, fs.createWriteStream(file));
      if (digest.result().checksum !== backup.checksum) {
        log.error({ backupId, tenantId: tenant.id }, 'backup failed its checksum; not restored');
        throw new AppError('CONFLICT', 'The backup failed its checksum and was not restored');
      }

      const schema = tenant.schemaName;
      const scratch = `${schema}_restore`;
      const parked = `${schema}_replaced`;
      const swap = [
        `ALTER SCHEMA ${quoteIdent(schema)} RENAME TO ${quoteIdent(parked)}`,
        `ALTER SCHEMA ${quoteIdent(scratch)} RENAME TO ${quoteIdent(schema)}`,
        `DROP SCHEMA ${quoteIdent(parked)} CASCADE`,
        ...tenantRoleGrants(schema),
      ]
        .map((statement) => `${statement};\n`)
        .join('');
      const env = libpqEnv(url);
      const restore = spawn(
        this.bin('pg_restore'),
        ['--no-owner', '--no-privileges', '--file=-', file],
        {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const psql = spawn(
        this.bin('psql'),
        ['--no-psqlrc', '--quiet', '--single-transaction', '--set=ON_ERROR_STOP=1', '--file=-'],
        { env, stdio: ['pipe', 'ignore', 'pipe'] },
      );
      const restored = finished(restore, 'pg_restore');
      const applied = finished(psql, 'psql');
      await pipeline(
        restore.stdout!,
        renameSchemaInSql(schema, scratch),
        async function* (source: AsyncIterable<Buffer | string>) {
          for await (const chunk of source) yield chunk;
          // Only a complete restore is swapped in. If pg_restore failed, this throws, psql's
          // input ends without a COMMIT, and its single transaction rolls back.
          await restored;
          // Still inside psql's single transaction: the swap commits with the restored data.
          yield `\nSET search_path TO public;\n${swap}`;
        },
        psql.stdin!,
      ).catch((error: unknown) => {
        psql.kill();
        throw error;
      });
      await Promise.all([restored, applied]);
      log.info({ backupId, tenantId: tenant.id }, 'tenant restored');
      this.deps.platform.directory.invalidate(tenant.id);
      return tenant;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

/**
 * The daily backup of every tenant, on BACKUP_CRON (UTC). Every replica keeps the timer, and a
 * Redis lock per scheduled run lets exactly one of them do the work.
 */
export class BackupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: ControlPlaneDeps & { backups: TenantBackups; redis: Redis }) {
    // Fails at start-up, naming the variable, rather than at 3 a.m.
    this.nextRun(new Date());
  }

  private nextRun(after: Date): Date {
    try {
      return CronExpressionParser.parse(this.deps.config.BACKUP_CRON, {
        tz: 'UTC',
        currentDate: after,
      })
        .next()
        .toDate();
    } catch (error) {
      throw new Error(`BACKUP_CRON is not a valid cron expression: ${(error as Error).message}`);
    }
  }

  start(): void {
    // Purges wait too: each needs its final backup first.
    if (this.stopped || this.deps.config.BACKUPS === 'off') return;
    const at = this.nextRun(new Date());
    // setTimeout holds at most ~24.8 days; a shorter wait that re-plans is fine.
    const wait = Math.min(at.getTime() - Date.now(), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.runSlot(at)
        .catch((error: unknown) => this.deps.log.error({ err: error }, 'scheduled backups failed'))
        .finally(() => this.start());
    }, wait);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Runs the backups of one scheduled slot, unless another replica already took it. */
  async runSlot(slot: Date): Promise<'ran' | 'skipped'> {
    const { redis, config, control, backups, log } = this.deps;
    const key = `${config.REDIS_KEY_PREFIX}lock:scheduled-backups:${slot.toISOString()}`;
    const taken = await redis.set(key, process.pid.toString(), 'EX', 7 * 24 * 3600, 'NX');
    if (taken !== 'OK') return 'skipped';
    const tenants = await control.tenant.findMany({
      where: { status: { in: ['ACTIVE', 'SUSPENDED'] } },
      select: { id: true },
    });
    const results = await mapWithConcurrency(tenants, 2, (tenant) => backups.backup(tenant.id));
    const failed = results.filter((backup) => backup.status !== 'COMPLETED').length;
    const purged = await this.purgeDeleted();
    log.info(
      { slot: slot.toISOString(), tenants: tenants.length, failed, purged },
      'scheduled backups finished',
    );
    return 'ran';
  }

  /**
   * Purges deleted tenants whose retention has passed: a final backup, then the schema and the
   * role are dropped. A tenant whose final backup fails is kept for the next round.
   */
  async purgeDeleted(now = new Date()): Promise<number> {
    const { control, backups, log } = this.deps;
    const due = await control.tenant.findMany({
      where: { status: 'DELETED', purgedAt: null, purgeAfter: { lte: now } },
      include: { cluster: true },
    });
    let purged = 0;
    for (const tenant of due) {
      const final = await backups.backup(tenant.id, { final: true });
      if (final.status !== 'COMPLETED') {
        log.error({ tenantId: tenant.id }, 'final backup failed; the tenant is not purged');
        continue;
      }
      const pool = this.deps.platform.poolFor({ connectionUrl: tenant.cluster.connectionUrl });
      await withTransaction(pool, (client) => dropTenantSchema(client, tenant.schemaName));
      await control.tenant.update({ where: { id: tenant.id }, data: { purgedAt: new Date() } });
      log.info({ tenantId: tenant.id, backupId: final.id }, 'deleted tenant purged');
      purged++;
    }
    return purged;
  }
}
