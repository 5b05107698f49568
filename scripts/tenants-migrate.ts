/**
 * `npm run tenants:migrate [-- --concurrency N]`: applies pending tenant-plane migrations to every
 * tenant, with a progress bar, a per-tenant result, and an exit code that says whether all
 * succeeded. Re-running resumes: applied migrations are skipped.
 */
import { SingleBar } from 'cli-progress';
import { createLogger, DataPlatform, loadConfigOrExit, migrateAllTenants } from '@tradesage/shared';

function concurrencyArg(): number {
  const index = process.argv.indexOf('--concurrency');
  if (index === -1) return 8;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    console.error('--concurrency must be a whole number from 1 to 64');
    process.exit(2);
  }
  return value;
}

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const log = createLogger('tenants-migrate', config);
  const concurrency = concurrencyArg();
  const platform = new DataPlatform(
    { ...config, DB_POOL_MAX: Math.max(config.DB_POOL_MAX, concurrency) },
    log,
  );
  const bar = new SingleBar({
    format:
      'migrating tenants [{bar}] {value}/{total} | failed {failed} | ETA {eta_formatted} | {slug}',
    noTTYOutput: true,
    notTTYSchedule: 5_000,
  });
  let started = false;
  try {
    const results = await migrateAllTenants(platform, config, {
      concurrency,
      onProgress: ({ done, total, failed, last }) => {
        if (!started) {
          bar.start(total, 0, { failed: 0, slug: '' });
          started = true;
        }
        bar.update(done, { failed, slug: last.slug });
      },
    });
    if (started) bar.stop();
    const failures = results.filter((r) => !r.ok);
    const migrated = results.filter((r) => r.ok && r.applied.length > 0);
    for (const result of migrated) {
      console.log(`ok      ${result.slug}: ${result.applied.join(', ')} (${result.ms} ms)`);
    }
    for (const result of failures) console.log(`FAILED  ${result.slug}: ${result.error}`);
    console.log(
      `${results.length} tenants: ${migrated.length} migrated, ${results.length - migrated.length - failures.length} already up to date, ${failures.length} failed`,
    );
    if (failures.length)
      console.log('Fix the failures and run `npm run tenants:migrate` again; it resumes.');
    return failures.length ? 1 : 0;
  } finally {
    await platform.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
