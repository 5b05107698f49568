/**
 * `npm start`: applies the control-plane migrations, then runs the four subgraphs and the router.
 *
 * External mode (PostgreSQL and Redis answer): each service is a process of its own, with
 * prefixed logs. Embedded mode (outside production, when either does not answer and
 * EMBEDDED_FALLBACK is `auto`): PGlite stands in for PostgreSQL and an in-process Redis for
 * Redis, and every service runs in this one process, since neither can be shared between
 * processes. Ctrl-C (SIGINT) or SIGTERM stops everything cleanly.
 */
import path from 'node:path';
import { concurrently } from 'concurrently';
import {
  createLogger,
  loadConfigOrExit,
  REPO_ROOT,
  stopOnSignals,
  SUBGRAPH_NAMES,
  type Config,
  type Logger,
  type RunningService,
  startSubgraph,
  type SubgraphDefinition,
} from '@tradesage/shared';
import {
  ensureDatabase,
  migrateControl,
  missingServices,
  prepareFirstOperator,
  printStartupSummary,
  SERVICE_ENTRY_POINTS,
  waitUntilReady,
  type FirstOperator,
  type MissingService,
} from './lib/bootstrap';
import {
  EMBEDDED_POSTGRES_LIMITATIONS,
  IN_PROCESS_REDIS_URL,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from './lib/embedded';

/** What stands in for each missing service; production and EMBEDDED_FALLBACK=off allow nothing. */
function refuseMissing(config: Config, missing: MissingService[], log: Logger): void {
  const fallback = config.NODE_ENV !== 'production' && config.EMBEDDED_FALLBACK === 'auto';
  if (missing.length === 0 || fallback) return;
  for (const { service, url, variable, error } of missing)
    log.error({ url, error }, `${service} does not answer at ${url}: start it, or set ${variable}`);
  throw new Error(
    `Cannot start: ${missing.map(({ service }) => service).join(' and ')} not reachable` +
      (config.NODE_ENV === 'production'
        ? ' (production never falls back to embedded services)'
        : ''),
  );
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // A developer's terminal gets readable logs unless LOG_FORMAT says otherwise.
  if (!process.env.LOG_FORMAT && config.NODE_ENV !== 'production') config.LOG_FORMAT = 'pretty';
  const log = createLogger('start', config);
  // Everything the stack needs must answer before anything starts; each missing one is named.
  const missing = await missingServices(config);
  refuseMissing(config, missing, log);
  const embedPostgres = missing.some(({ service }) => service === 'PostgreSQL');
  const embedRedis = missing.some(({ service }) => service === 'Redis');
  for (const { service, url, variable } of missing)
    log.warn(
      { url },
      `${service} does not answer at ${url} (${variable}): using an embedded stand-in; set EMBEDDED_FALLBACK=off to make this an error`,
    );

  let embedded: EmbeddedPostgres | undefined;
  const limitations: string[] = [];
  if (embedPostgres) {
    embedded = await startEmbeddedPostgres(config.EMBEDDED_DATA_DIR, log);
    Object.assign(config, {
      DATABASE_URL: embedded.url,
      DATABASE_SESSIONS: 'single',
      BACKUPS: 'off',
    } satisfies Partial<Config>);
    limitations.push(...EMBEDDED_POSTGRES_LIMITATIONS);
  }
  if (embedRedis) {
    config.REDIS_URL = IN_PROCESS_REDIS_URL;
    limitations.push(
      'Redis is in this process: sessions, rate limits, caches and events last until it stops, and no second process can join',
    );
  }
  try {
    if (!embedPostgres && config.NODE_ENV !== 'production') await ensureDatabase(config, log);
    await migrateControl(config, log);
    const operator = await prepareFirstOperator(config);
    const summary = (mode: string) =>
      printStartupSummary(config, { mode, operator, limitations, dataDir: embedded?.dataDir });
    if (embedded || embedRedis) {
      const stack = await runInProcess(config, log, embedded);
      stopOnSignals(stack, log);
      summary(
        `embedded, one process (${[
          embedPostgres ? 'PostgreSQL: PGlite' : 'PostgreSQL: external',
          embedRedis ? 'Redis: in-process' : 'Redis: external',
        ].join(', ')})`,
      );
      return;
    }
    await runProcesses(config, log, operator, () => summary('external (PostgreSQL and Redis)'));
    process.exit(0);
  } catch (error) {
    await embedded?.close();
    throw error;
  }
}

/** Embedded mode: every service in this process, sharing its database session and Redis. */
async function runInProcess(
  config: Config,
  log: Logger,
  embedded: EmbeddedPostgres | undefined,
): Promise<RunningService> {
  const entry = (name: keyof typeof SERVICE_ENTRY_POINTS) =>
    path.join(REPO_ROOT, SERVICE_ENTRY_POINTS[name]);
  const started: RunningService[] = [];
  const stop = async () => {
    // The router first, so nothing new reaches the subgraphs while they drain.
    for (const service of started.reverse()) await service.stop();
    await embedded?.close();
  };
  try {
    for (const name of SUBGRAPH_NAMES) {
      const { definition } = (await import(entry(name))) as {
        definition: SubgraphDefinition<unknown>;
      };
      started.push(await startSubgraph(definition, { config }));
    }
    const { startRouter } = (await import(entry('router'))) as {
      startRouter: (config: Config) => Promise<RunningService>;
    };
    const router = await startRouter(config);
    started.push(router);
    return { url: router.url, port: router.port, stop };
  } catch (error) {
    log.error({ err: error }, 'start-up failed; stopping what started');
    await stop().catch(() => undefined);
    throw error;
  }
}

/** External mode: each service a process of its own, as in a deployment. */
async function runProcesses(
  config: Config,
  log: Logger,
  operator: FirstOperator | undefined,
  onReady: () => void,
): Promise<void> {
  const env = {
    ...process.env,
    LOG_FORMAT: config.LOG_FORMAT,
    ...(operator?.password
      ? {
          BOOTSTRAP_OPERATOR_EMAIL: operator.email,
          BOOTSTRAP_OPERATOR_PASSWORD: operator.password,
        }
      : {}),
  };
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
  log.info('starting the router and the four subgraphs');
  const stopped = result.then(
    () => undefined,
    () => undefined,
  );
  if (await waitUntilReady(config, stopped)) onReady();
  await result;
}

main().catch((error: unknown) => {
  // concurrently rejects with the close events when a service failed; a real error has a message.
  if (error instanceof Error) console.error(error.message);
  process.exit(1);
});
