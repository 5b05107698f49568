/**
 * Generates every owner's Prisma client, offline. The Prisma CLI insists on a schema-engine
 * binary it would download; generate never runs it, so a stub that explains itself stands in.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATION_OWNERS, REPO_ROOT } from '@tradesage/shared';

const prismaDir = path.join(REPO_ROOT, 'prisma');
const owners = [...MIGRATION_OWNERS.control, ...MIGRATION_OWNERS.tenant];
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY:
    process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? path.join(prismaDir, 'schema-engine-stub.sh'),
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const prismaCli = path.join(REPO_ROOT, 'node_modules', 'prisma', 'build', 'index.js');

for (const owner of owners) {
  const schema = path.join(prismaDir, owner, 'schema.prisma');
  if (!fs.existsSync(schema)) throw new Error(`Missing Prisma schema for ${owner}: ${schema}`);
  execFileSync(process.execPath, [prismaCli, 'generate', '--schema', schema], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  console.log(`prisma: generated the ${owner} client`);
}
