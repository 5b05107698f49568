/**
 * `npm run secrets:rotate`: one re-encryption pass now, instead of waiting for the auth
 * subgraph's background pass. Every stored TOTP secret (operators', and every live tenant's
 * accounts') that is not under the active key is re-encrypted under it. Prints the counts and
 * exits 0 only when nothing is left under an older key or in plaintext.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeRedis,
  createLogger,
  createRedis,
  DataPlatform,
  loadConfigOrExit,
  loadSecretKeys,
  SecretBox,
} from '@tradesage/shared';
import { createSecretRotation } from '../subgraphs/auth/src/data';

/** How long to wait for a pass another replica is running (its lock lapses after 5 minutes). */
const WAIT_MS = 15 * 60_000;

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const log = createLogger('secrets-rotate', config);
  const box = new SecretBox(() => loadSecretKeys(config, log));
  const platform = new DataPlatform(config, log, 'tradesage-cli');
  const redis = createRedis(config, log);
  try {
    const rotation = createSecretRotation({ config, log, platform, redis }, box);
    const deadline = Date.now() + WAIT_MS;
    let report = await rotation.runPass();
    if (!report) console.log('Another pass is running; waiting for it to end…');
    while (!report) {
      if (Date.now() > deadline) throw new Error('Another pass kept running; try again later');
      await sleep(2_000);
      report = await rotation.runPass();
    }
    console.log(`Active key: ${report.activeKeyId} (configured: ${box.keyIds.join(', ')})`);
    console.log(
      `Operators and ${report.tenants} tenants: ${report.scanned} secrets, ${report.reencrypted} re-encrypted, ${report.left} left`,
    );
    for (const tenantId of report.failedTenants) console.log(`FAILED  tenant ${tenantId}`);
    const done = report.left === 0 && report.failedTenants.length === 0;
    if (!done)
      console.log(
        'Some secrets are not under the active key yet (the log says which): keep the older keys, fix the cause and run again.',
      );
    return done ? 0 : 1;
  } finally {
    await platform.close();
    await closeRedis(redis);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
