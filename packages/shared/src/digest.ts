import { createHash } from 'node:crypto';

/**
 * sha256 as hex: how secrets that must be recognised but never kept are stored (refresh tokens,
 * e-mailed links, recovery codes), and the checksum Prisma gives migrations.
 */
export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}
