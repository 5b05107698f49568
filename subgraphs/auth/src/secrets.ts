import { randomUUID } from 'node:crypto';
import type { Counter } from 'prom-client';
import {
  AppError,
  mapWithConcurrency,
  qualified,
  type Config,
  type DataPlatform,
  type Logger,
  type Redis,
  type SecretBox,
  type TenantClients,
} from '@tradesage/shared';
import type { PrismaClient } from '../../../prisma/auth/generated/client';
import type { PrismaClient as OperatorClient } from '../../../prisma/operators/generated/client';

/**
 * What a sealed TOTP secret is bound to. A tenant's account ids are unique only within its
 * schema, so the tenant is part of an account's context.
 */
export const accountSecretContext = (tenantId: string, accountId: string) =>
  `auth.accounts.totp_secret:${tenantId}:${accountId}`;
export const operatorSecretContext = (operatorId: string) =>
  `control.platform_operators.totp_secret:${operatorId}`;

/** Rows per query while walking a table. */
const BATCH_SIZE = 200;
/** Tenants walked at once. */
const TENANT_CONCURRENCY = 4;
/** The pass lock's lifetime, renewed as the pass goes on; a dead replica's lock lapses after it. */
const LOCK_TTL_SECONDS = 300;

export interface RotationReport {
  activeKeyId: string;
  /** Tenants whose accounts were walked (ACTIVE and SUSPENDED ones). */
  tenants: number;
  /** Stored TOTP secrets looked at, operators' and accounts'. */
  scanned: number;
  /** Of those, re-encrypted under the active key by this pass (legacy plaintext included). */
  reencrypted: number;
  /** Still not under the active key afterwards: unreadable, or rewritten meanwhile under another key. */
  left: number;
  /** Tenants whose walk failed part-way or entirely (their numbers above may be partial). */
  failedTenants: string[];
}

/** A pass ends early when the service stops; its progress so far stays. */
class PassStopped extends Error {}

/** One table of stored secrets, walked in id order. */
interface SecretRows<Row extends { id: string; totpSecret: string | null }> {
  owner: string;
  page(afterId: string | undefined): Promise<Row[]>;
  context(row: Row): string;
  /** Writes `sealed` only if the row still holds what was read (false: it changed meanwhile). */
  replace(row: Row, sealed: string): Promise<boolean>;
  current(id: string): Promise<string | null>;
}

export interface SecretRotationDeps {
  config: Pick<Config, 'REDIS_KEY_PREFIX' | 'CONTROL_SCHEMA' | 'SECRETS_ROTATION_INTERVAL_SECONDS'>;
  log: Logger;
  redis: Redis;
  platform: DataPlatform;
  clients: TenantClients<PrismaClient>;
  operatorDb: OperatorClient;
  box: SecretBox;
  /** Counts re-encrypted secrets (the auth subgraph's `secrets_reencrypted_total`). */
  reencryptedCounter?: Counter;
}

/**
 * Re-encrypts every stored TOTP secret that is not under the active key, operators' and every
 * live tenant's accounts', in batches. Safe beside sign-ins and other replicas: each write is
 * conditional on the value read, and a Redis lock lets one replica run a pass at a time.
 */
export class SecretRotation {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RotationReport | null> | undefined;
  private stopped = false;

  constructor(private readonly deps: SecretRotationDeps) {}

  /** Every interval: re-read the keys (a new active key is picked up) and run a pass. */
  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) =>
        this.deps.log.error({ err: error }, 'secrets re-encryption pass failed'),
      );
    }, this.deps.config.SECRETS_ROTATION_INTERVAL_SECONDS * 1000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    try {
      this.deps.box.reload();
    } catch (error) {
      this.deps.log.error(
        { err: error },
        'could not re-read the secrets keys; keeping those loaded',
      );
    }
    try {
      await this.runPass();
    } catch (error) {
      // Stopping closes the connections under a running pass: no error worth a log line.
      if (!this.stopped) throw error;
    }
  }

  /** One pass; null when another replica (or this one) is running one now. */
  runPass(): Promise<RotationReport | null> {
    if (this.running) return Promise.resolve(null);
    this.running = this.lockedPass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async lockedPass(): Promise<RotationReport | null> {
    const { redis, config, log } = this.deps;
    const key = `${config.REDIS_KEY_PREFIX}lock:secrets-rotation`;
    const token = randomUUID();
    if ((await redis.set(key, token, 'EX', LOCK_TTL_SECONDS, 'NX')) !== 'OK') return null;
    const keepLock = async () => {
      if (this.stopped) throw new PassStopped();
      await redis.expire(key, LOCK_TTL_SECONDS);
    };
    try {
      const report = await this.pass(keepLock);
      this.deps.reencryptedCounter?.inc(report.reencrypted);
      const level = report.left || report.failedTenants.length ? 'warn' : 'info';
      log[level]({ ...report }, 'secrets re-encryption pass');
      return report;
    } finally {
      // Another pass may hold the key if this one outlived its lock; only our own is removed.
      // Both holding it at once is harmless (every write is conditional), so a check-then-delete
      // is enough.
      if ((await redis.get(key).catch(() => null)) === token) await redis.del(key).catch(() => 0);
    }
  }

  private async pass(keepLock: () => Promise<void>): Promise<RotationReport> {
    const { box, platform, clients, config } = this.deps;
    const report: RotationReport = {
      activeKeyId: box.activeKeyId,
      tenants: 0,
      scanned: 0,
      reencrypted: 0,
      left: 0,
      failedTenants: [],
    };
    await this.walk(this.operatorRows(), report, keepLock);
    // Suspended tenants too: they may be resumed after the old key is gone.
    const { rows } = await platform.controlPool.query<{ id: string }>(
      `SELECT id FROM ${qualified(config.CONTROL_SCHEMA, 'tenants')}
        WHERE status IN ('ACTIVE', 'SUSPENDED') ORDER BY created_at, id`,
    );
    await mapWithConcurrency(rows, TENANT_CONCURRENCY, async ({ id }) => {
      try {
        const db = await clients.forTenant(id, { includeSuspended: true });
        await this.walk(this.accountRows(id, db), report, keepLock);
        report.tenants++;
      } catch (error) {
        if (error instanceof PassStopped || this.stopped) throw new PassStopped();
        // Deleted since the list was read: none of its secrets will be read again.
        if (error instanceof AppError && error.extensions.code === 'NOT_FOUND') return;
        report.failedTenants.push(id);
        this.deps.log.error({ err: error, tenantId: id }, 'could not re-encrypt tenant secrets');
      }
    });
    return report;
  }

  private async walk<Row extends { id: string; totpSecret: string | null }>(
    rows: SecretRows<Row>,
    report: RotationReport,
    keepLock: () => Promise<void>,
  ): Promise<void> {
    const { box, log } = this.deps;
    let after: string | undefined;
    for (;;) {
      await keepLock();
      const batch = await rows.page(after);
      for (const row of batch) {
        const stored = row.totpSecret!;
        report.scanned++;
        if (box.isCurrent(stored)) continue;
        const context = rows.context(row);
        let sealed: string;
        try {
          sealed = box.seal(box.open(stored, context), context);
        } catch (error) {
          report.left++;
          log.warn(
            { owner: rows.owner, id: row.id, reason: (error as Error).message },
            'secret not re-encrypted',
          );
          continue;
        }
        if (await rows.replace(row, sealed)) {
          report.reencrypted++;
        } else {
          // Changed meanwhile: fine if it was cleared or re-sealed under the active key.
          const now = await rows.current(row.id);
          if (now !== null && !box.isCurrent(now)) report.left++;
        }
      }
      if (batch.length < BATCH_SIZE) return;
      after = batch.at(-1)!.id;
    }
  }

  private operatorRows(): SecretRows<{ id: string; totpSecret: string | null }> {
    const db = this.deps.operatorDb;
    return {
      owner: 'operators',
      page: (after) =>
        db.platformOperator.findMany({
          where: { totpSecret: { not: null }, ...(after ? { id: { gt: after } } : {}) },
          orderBy: { id: 'asc' },
          take: BATCH_SIZE,
          select: { id: true, totpSecret: true },
        }),
      context: (row) => operatorSecretContext(row.id),
      replace: async (row, sealed) =>
        (
          await db.platformOperator.updateMany({
            where: { id: row.id, totpSecret: row.totpSecret },
            data: { totpSecret: sealed },
          })
        ).count === 1,
      current: async (id) =>
        (await db.platformOperator.findUnique({ where: { id }, select: { totpSecret: true } }))
          ?.totpSecret ?? null,
    };
  }

  private accountRows(
    tenantId: string,
    db: PrismaClient,
  ): SecretRows<{ id: string; totpSecret: string | null; updatedAt: Date }> {
    return {
      owner: `tenant ${tenantId}`,
      page: (after) =>
        db.account.findMany({
          where: { totpSecret: { not: null }, ...(after ? { id: { gt: after } } : {}) },
          orderBy: { id: 'asc' },
          take: BATCH_SIZE,
          select: { id: true, totpSecret: true, updatedAt: true },
        }),
      context: (row) => accountSecretContext(tenantId, row.id),
      replace: async (row, sealed) =>
        (
          await db.account.updateMany({
            where: { id: row.id, totpSecret: row.totpSecret },
            // A new key is no change to the account: its updatedAt stays.
            data: { totpSecret: sealed, updatedAt: row.updatedAt },
          })
        ).count === 1,
      current: async (id) =>
        (await db.account.findUnique({ where: { id }, select: { totpSecret: true } }))
          ?.totpSecret ?? null,
    };
  }
}
