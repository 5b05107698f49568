/**
 * A PgBouncer of the test's own (Debian's `pgbouncer`), on a free loopback port, in front of the
 * local PostgreSQL. Tests run the stack through it to show that nothing relies on session state
 * across transactions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './ports';
import { until } from './wait';

export interface PgBouncerOptions {
  /** The PostgreSQL that PgBouncer forwards to. */
  upstream: { host: string; port: number };
  /** Logins clients may use (trust: the upstream decides). */
  users: string[];
  poolMode?: 'session' | 'transaction' | 'statement';
  /** Server connections per database/user pair. */
  poolSize?: number;
}

export interface TestPgBouncer {
  port: number;
  /** A URL through PgBouncer for a database and login. */
  url(database: string, user?: string): string;
  /** `SHOW <what>` on PgBouncer's admin console (POOLS, STATS, CONFIG…), as rows. */
  show(what: string): Promise<Record<string, unknown>[]>;
  /** Everything PgBouncer logged. */
  log(): string;
  close(): Promise<void>;
}

export async function startPgBouncer(options: PgBouncerOptions): Promise<TestPgBouncer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-pgbouncer-'));
  const port = await freePort();
  const admin = 'pgbouncer_admin';
  const users = [...new Set([...options.users, admin])];
  fs.writeFileSync(
    path.join(dir, 'userlist.txt'),
    users.map((user) => `"${user}" ""`).join('\n') + '\n',
  );
  fs.writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${options.upstream.host} port=${options.upstream.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      `unix_socket_dir =`,
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      `admin_users = ${admin}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 5}`,
      'max_client_conn = 500',
      // Settings node-pg sends at start-up; PgBouncer must pass them on, not refuse the client.
      'ignore_startup_parameters = extra_float_digits,options',
      'server_reset_query =',
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root; as root (CI), it drops to the postgres user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) fs.chmodSync(dir, 0o777);
  // Debian installs it in /usr/sbin, which a non-root PATH may lack.
  const binary = fs.existsSync('/usr/sbin/pgbouncer') ? '/usr/sbin/pgbouncer' : 'pgbouncer';
  const child: ChildProcess = spawn(
    binary,
    [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = (database: string, user = 'postgres') =>
    `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const logFile = path.join(dir, 'pgbouncer.log');
  const log = () => output + (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const show = async (what: string) => {
    // The admin console speaks only the simple query protocol.
    const client = new pg.Client({ connectionString: url('pgbouncer', admin) });
    await client.connect();
    try {
      const result = await client.query(`SHOW ${what}`);
      return result.rows as Record<string, unknown>[];
    } finally {
      await client.end();
    }
  };
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`pgbouncer exited: ${log()}`);
        return show('VERSION').then(
          () => true,
          () => false,
        );
      },
      'pgbouncer answering',
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { port, url, show, log, close };
}
