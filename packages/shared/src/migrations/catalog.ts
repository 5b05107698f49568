import { sha256Hex } from '../digest';
import fs from 'node:fs';
import path from 'node:path';

/** Control-plane tables live in the control schema; tenant-plane tables in each tenant's schema. */
export type Plane = 'control' | 'tenant';

/**
 * The migration owners of each plane (folders under prisma/). Each is a subgraph's, except
 * `operators`: the auth subgraph's control-plane tables (platform operators and their sign-in).
 */
export const MIGRATION_OWNERS: Record<Plane, readonly string[]> = {
  control: ['tenant', 'operators'],
  tenant: ['auth', 'user', 'session'],
};

export interface Migration {
  owner: string;
  /** The folder name, `<timestamp>_<name>`; it is also the `migration_name` Prisma records. */
  name: string;
  sql: string;
  /** sha256 of the file, hex, as Prisma computes it. */
  checksum: string;
}

const MIGRATION_DIR = /^\d{14}_[a-z0-9_]+$/;

export function checksumOf(sql: string | Buffer): string {
  return sha256Hex(sql);
}

/**
 * Reads `prisma/<owner>/migrations/<timestamp>_<name>/migration.sql` for every owner of a plane,
 * ordered by timestamp. Names must be unique across owners, since they share one history table.
 */
export function loadMigrations(prismaDir: string, plane: Plane): Migration[] {
  const migrations: Migration[] = [];
  for (const owner of MIGRATION_OWNERS[plane]) {
    const dir = path.join(prismaDir, owner, 'migrations');
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (!MIGRATION_DIR.test(entry.name)) {
        throw new Error(
          `Migration folder ${path.join(dir, entry.name)} must be named <14-digit timestamp>_<snake_name>`,
        );
      }
      const file = path.join(dir, entry.name, 'migration.sql');
      const bytes = fs.readFileSync(file);
      migrations.push({
        owner,
        name: entry.name,
        sql: bytes.toString('utf8'),
        checksum: checksumOf(bytes),
      });
    }
  }
  migrations.sort((a, b) => a.name.localeCompare(b.name));
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].name === migrations[i - 1].name) {
      throw new Error(
        `Migration ${migrations[i].name} exists for both ${migrations[i - 1].owner} and ${migrations[i].owner}`,
      );
    }
  }
  return migrations;
}

/** An owner's `prisma/<owner>/provision.sql`: one statement that seeds a new tenant's schema. */
export interface ProvisionScript {
  owner: string;
  sql: string;
}

/** The provisioning scripts of the tenant-plane owners, in owner order. */
export function loadProvisionScripts(prismaDir: string): ProvisionScript[] {
  return MIGRATION_OWNERS.tenant
    .map((owner) => ({ owner, file: path.join(prismaDir, owner, 'provision.sql') }))
    .filter(({ file }) => fs.existsSync(file))
    .map(({ owner, file }) => ({ owner, sql: fs.readFileSync(file, 'utf8') }));
}
