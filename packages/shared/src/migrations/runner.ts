import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent } from '../db/identifiers';
import { qualified, withTransaction } from '../db/sql';
import type { Migration } from './catalog';

export class MigrationChecksumError extends Error {
  constructor(
    readonly schema: string,
    readonly migration: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `Migration ${migration} was already applied to schema ${schema}, but its file has changed ` +
        `(recorded checksum ${expected}, file checksum ${actual}). Applied migrations must never be ` +
        `edited: restore the file and add a new migration instead.`,
    );
    this.name = 'MigrationChecksumError';
  }
}

export class MigrationFailedError extends Error {
  constructor(
    readonly schema: string,
    readonly migration: string,
    override readonly cause: unknown,
  ) {
    super(
      `Migration ${migration} failed on schema ${schema} and was rolled back: ${(cause as Error).message}`,
    );
    this.name = 'MigrationFailedError';
  }
}

export interface MigrationResult {
  schema: string;
  applied: string[];
  alreadyApplied: number;
  /**
   * Applied to the schema but not among the files: a newer release ran here, or a file was
   * renamed. Not an error (old replicas keep running during a rolling deploy), but worth a warning.
   */
  unknownApplied: string[];
}

const HISTORY_TABLE = '_prisma_migrations';

/** Same columns and types as the table Prisma Migrate keeps, so its tooling reads our history. */
function historyTableDdl(schema: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(schema, HISTORY_TABLE)} (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

/**
 * Takes the schema's migration lock for the rest of the transaction, creates the schema and
 * history table if needed, and checks every applied migration against its file. Returns the
 * migrations still to apply. Must run inside a transaction.
 */
async function lockAndPlan(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[],
): Promise<{ pending: Migration[]; alreadyApplied: number; unknownApplied: string[] }> {
  // A transaction-scoped lock: released by COMMIT or ROLLBACK, and safe behind PgBouncer.
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `tradesage:migrate:${schema}`,
  ]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  await client.query(historyTableDdl(schema));
  const { rows } = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at FROM ${qualified(schema, HISTORY_TABLE)}
      WHERE rolled_back_at IS NULL`,
  );
  const applied = new Map(rows.map((row) => [row.migration_name, row]));
  for (const row of rows) {
    if (row.finished_at === null) {
      throw new Error(
        `Migration ${row.migration_name} is recorded as started but never finished on schema ${schema}. ` +
          `Resolve it by hand before running migrations again.`,
      );
    }
  }
  const pending: Migration[] = [];
  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (!row) pending.push(migration);
    else if (row.checksum !== migration.checksum) {
      throw new MigrationChecksumError(schema, migration.name, row.checksum, migration.checksum);
    }
  }
  const known = new Set(migrations.map((m) => m.name));
  const unknownApplied = rows.map((row) => row.migration_name).filter((name) => !known.has(name));
  return { pending, alreadyApplied: migrations.length - pending.length, unknownApplied };
}

async function applyOne(
  client: pg.ClientBase,
  schema: string,
  migration: Migration,
): Promise<void> {
  // Migration files are written without schema names; the search_path aims them at this schema.
  await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
  try {
    await client.query(migration.sql);
  } catch (error) {
    throw new MigrationFailedError(schema, migration.name, error);
  }
  await client.query(
    `INSERT INTO ${qualified(schema, HISTORY_TABLE)}
       (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
    [randomUUID(), migration.checksum, migration.name],
  );
}

/**
 * Applies every pending migration to one schema, each in its own transaction under the schema's
 * advisory lock. Idempotent, and safe when several runners start at once: a runner that waited
 * for the lock re-reads the history and skips what the other one applied.
 */
export async function migrateSchema(
  pool: pg.Pool,
  schema: string,
  migrations: readonly Migration[],
): Promise<MigrationResult> {
  const applied: string[] = [];
  let alreadyApplied = 0;
  let unknownApplied: string[] = [];
  for (;;) {
    const next = await withTransaction(pool, async (client) => {
      const plan = await lockAndPlan(client, schema, migrations);
      if (applied.length === 0) ({ alreadyApplied, unknownApplied } = plan);
      const migration = plan.pending[0];
      if (migration) await applyOne(client, schema, migration);
      return migration;
    });
    if (!next) return { schema, applied, alreadyApplied, unknownApplied };
    applied.push(next.name);
  }
}

/**
 * Applies every pending migration inside the caller's open transaction, so that provisioning
 * can create a schema, migrate it and seed it atomically.
 */
export async function migrateSchemaInTransaction(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly Migration[],
): Promise<MigrationResult> {
  const plan = await lockAndPlan(client, schema, migrations);
  for (const migration of plan.pending) await applyOne(client, schema, migration);
  return {
    schema,
    applied: plan.pending.map((m) => m.name),
    alreadyApplied: plan.alreadyApplied,
    unknownApplied: plan.unknownApplied,
  };
}
