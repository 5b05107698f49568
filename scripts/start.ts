/**
 * `npm start`: applies the control-plane migrations, then runs the four subgraphs and the router
 * with prefixed logs. Ctrl-C (SIGINT) or SIGTERM stops them all cleanly.
 */
import { concurrently } from 'concurrently';
import { createLogger, loadConfigOrExit, REPO_ROOT, SUBGRAPH_NAMES } from '@tradesage/shared';
import {
  ensureDatabase,
  migrateControl,
  missingServices,
  SERVICE_ENTRY_POINTS,
} from './lib/bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger('start', config);
  // Everything the stack needs must answer before anything starts; each missing one is named.
  const missing = await missingServices(config);
  if (missing.length > 0) {
    for (const { service, url, variable, error } of missing)
      log.error(
        { url, error },
        `${service} does not answer at ${url}: start it, or set ${variable}`,
      );
    throw new Error(
      `Cannot start: ${missing.map(({ service }) => service).join(' and ')} not reachable`,
    );
  }
  if (config.NODE_ENV !== 'production') await ensureDatabase(config, log);
  await migrateControl(config, log);

  const env = { LOG_FORMAT: config.NODE_ENV === 'production' ? 'json' : 'pretty', ...process.env };
  // Paths are relative to cwd (REPO_ROOT), so no quoting is needed whatever the checkout path.
  const node = (file: string) => `node --import tsx ${file}`;
  const { result } = concurrently(
    [
      ...SUBGRAPH_NAMES.map((name) => ({
        name,
        command: node(SERVICE_ENTRY_POINTS[name]),
        env,
      })),
      { name: 'router', command: node(SERVICE_ENTRY_POINTS.router), env },
    ],
    {
      prefix: 'name',
      prefixColors: ['blue', 'magenta', 'green', 'yellow', 'cyan'],
      killOthersOn: ['failure'],
      cwd: REPO_ROOT,
    },
  );
  log.info(
    { router: `http://${config.HOST}:${config.ROUTER_PORT}/graphql` },
    'starting the router and the four subgraphs',
  );
  await result;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    // concurrently rejects with the close events when a service failed; a real error has a message.
    if (error instanceof Error) console.error(error.message);
    process.exit(1);
  },
);
