/** `npm run migrate:control`: applies the control-plane migrations to the control schema. */
import { createLogger, loadConfigOrExit } from '@tradesage/shared';
import { migrateControl } from './lib/bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger('migrate', config);
  const target = process.argv[2] ?? 'control';
  if (target !== 'control')
    throw new Error(`Unknown migration target ${target}; expected "control"`);
  const result = await migrateControl(config, log);
  log.info(
    { schema: result.schema, applied: result.applied, alreadyApplied: result.alreadyApplied },
    'control plane is up to date',
  );
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
