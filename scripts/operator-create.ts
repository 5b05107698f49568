/**
 * `npm run operator:create -- --email ops@example.com --name "Ops"`: creates a platform operator.
 * The password comes from OPERATOR_PASSWORD, or is generated and printed once.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createLogger, DataPlatform, loadConfigOrExit } from '@tradesage/shared';
import { PrismaClient } from '../prisma/operators/generated/client';
import { createOperator } from '../subgraphs/auth/src/operators';
import { migrateControl } from './lib/bootstrap';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, name: { type: 'string' } },
  });
  if (!values.email || !values.name)
    throw new Error('Usage: npm run operator:create -- --email <address> --name <name>');
  const config = loadConfigOrExit();
  const log = createLogger('operator-create', config);
  await migrateControl(config, log);
  const generated = process.env.OPERATOR_PASSWORD
    ? undefined
    : randomBytes(18).toString('base64url');
  const platform = new DataPlatform(config, log, 'tradesage-cli');
  try {
    const db = platform.controlClient((adapter) => new PrismaClient({ adapter }));
    const operator = await createOperator(db, {
      email: values.email,
      name: values.name,
      password: process.env.OPERATOR_PASSWORD ?? generated!,
    });
    if (!operator) throw new Error(`An operator with e-mail ${values.email} exists already`);
    console.log(`Created operator ${operator.email} (${operator.id}).`);
    if (generated) console.log(`Password (shown once): ${generated}`);
  } finally {
    await platform.close();
  }
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
