/**
 * The embedded stand-ins `npm start` uses outside production when PostgreSQL or Redis does not
 * answer: PGlite (PostgreSQL compiled to WebAssembly) served over the wire protocol on loopback,
 * and an in-process Redis. Both live in the one process that then runs every service.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from '@tradesage/shared';

/** The Redis URL that makes createRedis hand out the process's in-process Redis. */
export const IN_PROCESS_REDIS_URL = 'memory://tradesage';

/** What embedded PostgreSQL cannot do, each with the feature turned off because of it. */
export const EMBEDDED_POSTGRES_LIMITATIONS = [
  'tenant backups and restores are off: pg_dump and pg_restore cannot read PGlite (PostgreSQL 17 in WebAssembly, reachable only through this process)',
  'one database session: every service in this process shares one connection, so requests touching the database run one at a time',
  'the login role of a connection is ignored (PGlite has no authentication); tenant isolation still takes the tenant role (SET LOCAL ROLE) in every transaction, and row-level security applies',
];

export interface EmbeddedPostgres {
  /** postgres:// URL of the loopback socket server. */
  url: string;
  /** The directory the data is kept in. */
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts PGlite on `<dataDir>/pg` and serves it on a free loopback port. One process at a time
 * may open the data directory: PGlite has no locking of its own, and two writers would corrupt it.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
): Promise<EmbeddedPostgres> {
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = lockDataDir(dataDir);
  const pgDir = path.join(dataDir, 'pg');
  try {
    const started = Date.now();
    const fresh = !fs.existsSync(pgDir);
    const db = await PGlite.create(pgDir);
    // Two connections: one in use, one to spare while a dropped one is replaced. The pool that
    // uses it (DATABASE_SESSIONS=single) never opens more than one at a time.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    log.info(
      { dataDir: pgDir, ms: Date.now() - started, fresh },
      fresh ? 'created the embedded PostgreSQL' : 'opened the embedded PostgreSQL',
    );
    return {
      url: `postgres://postgres@${host}:${port}/postgres`,
      dataDir: pgDir,
      close: async () => {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/** Takes `<dataDir>/embedded.pid`, or fails naming the live process that holds it. */
function lockDataDir(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'embedded.pid');
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(fs.readFileSync(lockFile, 'utf8'));
      if (processAlive(holder))
        throw new Error(
          `${dataDir} is in use by process ${holder} (another npm start); stop it, or set EMBEDDED_DATA_DIR`,
        );
      fs.rmSync(lockFile, { force: true }); // left behind by a process that died
    }
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
