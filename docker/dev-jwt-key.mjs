/**
 * One-shot of docker-compose.yml: makes sure a development token-signing key exists in the
 * directory it is given (a volume the auth service mounts as JWT_KEYS_DIR). It runs before auth
 * starts, so auth never generates a key of its own, and the volume keeps the key across restarts,
 * so issued tokens stay valid. An existing key is kept. Development only: production keys come
 * from a secret store.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// The `node` user of the service image; the key is readable by it alone.
const SERVICE_UID = 1000;
const SERVICE_GID = 1000;

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node dev-jwt-key.mjs <keys-dir>');
  process.exit(2);
}
fs.mkdirSync(dir, { recursive: true });
const existing = fs.readdirSync(dir).filter((file) => file.endsWith('.pem'));
if (existing.length > 0) {
  console.log(`signing key already present: ${existing.join(', ')}`);
} else {
  // The file name is the key id (JWT_KEYS_DIR's convention); the newest name signs.
  const file = path.join(dir, `dev-${new Date().toISOString().slice(0, 10)}.pem`);
  const { privateKey } = generateKeyPairSync('ed25519');
  fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  // Run as root in compose (a fresh volume belongs to root); elsewhere (the tests) leave ownership.
  if (process.getuid?.() === 0) fs.chownSync(file, SERVICE_UID, SERVICE_GID);
  console.log(`generated development signing key ${path.basename(file)}`);
}
