/**
 * One-shot of docker-compose.yml: makes sure a development key for secrets at rest exists in the
 * directory it is given (a volume the auth service mounts as SECRETS_KEYS_DIR). It runs before
 * auth starts, so auth never generates a key of its own inside its container, and the volume
 * keeps the key across restarts and re-created containers, so the TOTP secrets it sealed stay
 * readable. An existing key is kept. Development only: production keys come from a secret store.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// The `node` user of the service image; the key is readable by it alone.
const SERVICE_UID = 1000;
const SERVICE_GID = 1000;

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node dev-secrets-key.mjs <keys-dir>');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });
// SECRETS_KEYS_DIR's convention: every regular file not starting with a dot is a key, named by
// its key id (no dots in it); the last id in sort order encrypts.
const existing = fs
  .readdirSync(dir)
  .filter((name) => !name.startsWith('.') && fs.statSync(path.join(dir, name)).isFile());
if (existing.length > 0) {
  console.log(`secrets key already present: ${existing.join(', ')}`);
} else {
  const keyId = `dev-${new Date().toISOString().slice(0, 10)}`;
  // Written aside under a dot name (not a key), then renamed: auth never reads half a key.
  const aside = path.join(dir, `.${keyId}.tmp`);
  fs.writeFileSync(aside, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  // Run as root in compose (a fresh volume belongs to root); elsewhere (the tests) leave ownership.
  if (process.getuid?.() === 0) fs.chownSync(aside, SERVICE_UID, SERVICE_GID);
  fs.renameSync(aside, path.join(dir, keyId));
  console.log(`generated development secrets key ${keyId}`);
}
