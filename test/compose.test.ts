/**
 * docker-compose.yml, docker/ and the Grafana dashboard, checked against the code without Docker:
 * each service gets the settings it needs and is probed, scraped and reached where it listens;
 * dependencies wait for what they need; MinIO, tokens and the tenant login line up; the dashboard
 * charts only metrics and labels the services really export.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import {
  createLogger,
  createMetrics,
  loadConfig,
  loadSecretKeys,
  loadSigningKeys,
  REPO_ROOT,
} from '@tradesage/shared';
import {
  DEPLOYED_SERVICES,
  environmentProblems,
  listeningPort,
  type DeployedService,
  type Env,
} from './support/deployment-env';
import { connectionParameters, parseIni, parseUserlist } from './support/pgbouncer-config';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target: string; read_only?: boolean })[];
  restart?: string;
  ports?: unknown[];
}

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
// Compose files share settings through YAML anchors and merge keys (`<<:`).
const compose = YAML.parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const services = compose.services;
const serviceNames = Object.keys(services);

function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** A service's environment as the process sees it; a bare name passes the host's value through. */
function environment(name: string): Env {
  const raw = service(name).environment ?? {};
  const entries: [string, string | undefined][] = Array.isArray(raw)
    ? raw.map((item) => {
        const at = item.indexOf('=');
        return at === -1 ? [item, undefined] : [item.slice(0, at), item.slice(at + 1)];
      })
    : Object.entries(raw).map(([key, value]) => [key, value === null ? undefined : String(value)]);
  return Object.fromEntries(entries);
}

const words = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : value.split(/\s+/);

function dependencies(name: string): Record<string, string> {
  const raw = service(name).depends_on ?? {};
  return Array.isArray(raw)
    ? Object.fromEntries(raw.map((target) => [target, 'service_started']))
    : Object.fromEntries(
        Object.entries(raw).map(([target, spec]) => [target, spec?.condition ?? 'service_started']),
      );
}

/**
 * Whether `from` starts only after `to` is healthy or done, directly or through others; with
 * `anyCondition`, whether it starts after `to` at all.
 */
function waitsFor(from: string, to: string, anyCondition = false): boolean {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const [target, condition] of Object.entries(dependencies(current))) {
      if ((condition === 'service_started' && !anyCondition) || seen.has(target)) continue;
      if (target === to) return true;
      seen.add(target);
      queue.push(target);
    }
  }
  return false;
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

function mounts(name: string): Mount[] {
  return (service(name).volumes ?? []).map((volume) => {
    if (typeof volume !== 'string')
      return {
        source: volume.source ?? '',
        target: volume.target,
        readOnly: Boolean(volume.read_only),
      };
    const [source, target, mode] = volume.split(':');
    return target === undefined
      ? { source: '', target: source, readOnly: false }
      : { source, target, readOnly: (mode ?? '').split(',').includes('ro') };
  });
}

/** The one URL a service's healthcheck requests. */
function healthcheckUrl(name: string): URL {
  const check = service(name).healthcheck;
  const urls = words(check?.test)
    .join(' ')
    .match(/https?:\/\/[^\s'"`)]+/g);
  expect(urls).toHaveLength(1);
  return new URL(urls![0]);
}

/** The paths every service's HTTP shell serves (packages/shared/src/http/service.ts). */
const servedPaths = [
  ...read('packages/shared/src/http/service.ts').matchAll(/app\.get\(\s*'([^']+)'/g),
].map((match) => match[1]);

const prometheus = YAML.parse(read('docker/prometheus.yml')) as {
  scrape_configs: {
    job_name: string;
    metrics_path?: string;
    scheme?: string;
    static_configs?: { targets: string[] }[];
  }[];
};
const scrapeTargets = prometheus.scrape_configs.flatMap((job) =>
  (job.static_configs ?? []).flatMap((group) =>
    group.targets.map((target) => ({
      target,
      path: job.metrics_path ?? '/metrics',
      scheme: job.scheme ?? 'http',
    })),
  ),
);

describe.each(DEPLOYED_SERVICES)('docker-compose.yml: %s', (name: DeployedService) => {
  const env = environment(name);

  test('its environment has every setting it needs, and valid ones', () => {
    expect(environmentProblems(name, env)).toEqual([]);
  });

  test('its healthcheck asks a path it serves, on the port it listens on', () => {
    const url = healthcheckUrl(name);
    expect(['127.0.0.1', 'localhost']).toContain(url.hostname);
    expect(Number(url.port)).toBe(listeningPort(name, env));
    expect(['/healthz', '/readyz']).toContain(url.pathname);
    expect(servedPaths).toContain(url.pathname);
  });

  test('Prometheus scrapes its /metrics where it listens', () => {
    const scraped = scrapeTargets.filter(
      (target) => target.target === `${name}:${listeningPort(name, env)}`,
    );
    expect(scraped).toHaveLength(1);
    expect(scraped[0]).toMatchObject({ path: '/metrics', scheme: 'http' });
    expect(servedPaths).toContain('/metrics');
  });

  test('it runs its own entry point with tsx, which `npm prune --omit=dev` keeps', () => {
    const command = words(service(name).command);
    expect(command.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
    const entry = command[3];
    expect(entry).toBe(
      name === 'router' ? 'router/src/server.ts' : `subgraphs/${name}/src/server.ts`,
    );
    const source = read(entry);
    if (name !== 'router') expect(source).toContain(`name: '${name}'`);
    const rootPackage = JSON.parse(read('package.json')) as {
      dependencies?: Record<string, string>;
    };
    expect(rootPackage.dependencies).toHaveProperty('tsx');
  });

  test('it starts after the control-plane migration has succeeded', () => {
    const migrations = serviceNames.filter((other) =>
      words(service(other).command).includes('scripts/migrate.ts'),
    );
    expect(migrations).toHaveLength(1);
    expect(dependencies(name)[migrations[0]]).toBe('service_completed_successfully');
  });

  test('it verifies tokens with keys of its own, or a JWKS that is there before it starts', () => {
    if (env.JWT_KEYS_DIR || env.JWT_PRIVATE_KEYS || env.JWT_JWKS) return;
    const url = new URL(env.JWT_JWKS_URL ?? '');
    const publisher = url.hostname as DeployedService;
    expect(DEPLOYED_SERVICES).toContain(publisher);
    const publisherEnv = environment(publisher);
    // A service publishes the keys it signs with (subgraph.ts, router/src/server.ts).
    expect(Boolean(publisherEnv.JWT_KEYS_DIR || publisherEnv.JWT_PRIVATE_KEYS)).toBe(true);
    expect(Number(url.port)).toBe(listeningPort(publisher, publisherEnv));
    expect(servedPaths).toContain(url.pathname);
    expect(dependencies(name)[publisher]).toBe('service_healthy');
  });
});

describe('docker-compose.yml: the whole stack', () => {
  test("the router's subgraph URLs are the subgraphs' service names and ports", () => {
    const env = environment('router');
    const config = loadConfig(env);
    for (const subgraph of ['auth', 'tenant', 'user', 'session'] as const) {
      const url = new URL(
        config[`${subgraph.toUpperCase()}_SUBGRAPH_URL` as keyof typeof config] as string,
      );
      expect({ subgraph, host: url.hostname, path: url.pathname }).toEqual({
        subgraph,
        host: subgraph,
        path: '/graphql',
      });
      expect(Number(url.port)).toBe(listeningPort(subgraph, environment(subgraph)));
    }
  });

  test('every dependency exists, with a valid condition the target can meet, and no cycles', () => {
    const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
    for (const name of serviceNames) {
      for (const [target, condition] of Object.entries(dependencies(name))) {
        expect({ name, target, exists: serviceNames.includes(target) }).toEqual({
          name,
          target,
          exists: true,
        });
        expect(conditions).toContain(condition);
        const dependency = service(target);
        if (condition === 'service_healthy') {
          expect({ target, healthcheck: words(dependency.healthcheck?.test).length > 0 }).toEqual({
            target,
            healthcheck: true,
          });
          expect(dependency.healthcheck?.disable).not.toBe(true);
        }
        // A service that restarts never counts as completed.
        if (condition === 'service_completed_successfully')
          expect({ target, restart: dependency.restart ?? 'no' }).toEqual({
            target,
            restart: 'no',
          });
      }
      expect({ name, cycle: waitsFor(name, name, true) }).toEqual({ name, cycle: false });
    }
  });

  test('every long-running service has a healthcheck', () => {
    const longRunning = serviceNames.filter(
      (name) => (service(name).restart ?? 'no') !== 'no' || service(name).ports !== undefined,
    );
    expect(longRunning).toEqual(expect.arrayContaining([...DEPLOYED_SERVICES]));
    for (const name of longRunning)
      expect({ name, healthcheck: words(service(name).healthcheck?.test).length > 0 }).toEqual({
        name,
        healthcheck: true,
      });
  });

  test('a service waits for every other service its settings point at', () => {
    for (const name of serviceNames) {
      for (const [key, value] of Object.entries(environment(name))) {
        if (!value || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
        const host = new URL(value).hostname;
        if (host === name || !serviceNames.includes(host)) continue;
        expect({ name, key, waits: waitsFor(name, host) }).toEqual({ name, key, waits: true });
      }
    }
  });

  test('the services log in to the Postgres that compose creates, tenant login included', () => {
    const postgres = environment('postgres');
    const initScripts = mounts('postgres').filter((mount) =>
      mount.target.startsWith('/docker-entrypoint-initdb.d/'),
    );
    expect(initScripts).toHaveLength(1);
    const script = read(initScripts[0].source);
    expect(script).toMatch(/CREATE ROLE :"role" LOGIN NOINHERIT PASSWORD :'password'/);
    expect(script).toContain('role="$TENANT_DB_USER"');
    expect(script).toContain('password="$TENANT_DB_PASSWORD"');
    for (const name of [...DEPLOYED_SERVICES, 'migrate']) {
      const config = loadConfig(environment(name));
      const url = new URL(config.DATABASE_URL);
      // Postgres itself, or PgBouncer in front of it (which passes the logins on: see below).
      expect(['postgres', 'pgbouncer']).toContain(url.hostname);
      expect({ name, user: url.username }).toEqual({
        name,
        user: postgres.POSTGRES_USER ?? 'postgres',
      });
      expect(decodeURIComponent(url.password)).toBe(postgres.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
      // The login the init script creates (with a password: TCP logins need one).
      expect(config.TENANT_DB_USER).toBe(postgres.TENANT_DB_USER);
      expect(config.TENANT_DB_PASSWORD).toBe(postgres.TENANT_DB_PASSWORD);
    }
    expect(postgres.TENANT_DB_PASSWORD).toBeTruthy();
  });

  test("the tenant service's S3 endpoint and bucket are MinIO's, and the bucket is created", () => {
    const env = environment('tenant');
    const config = loadConfig(env);
    const endpoint = new URL(config.S3_ENDPOINT ?? '');
    const minio = environment(endpoint.hostname);
    const serverArgs = words(service(endpoint.hostname).command);
    const address = serverArgs[serverArgs.indexOf('--address') + 1];
    const apiPort = serverArgs.includes('--address') ? Number(address.split(':').pop()) : 9000;
    expect(Number(endpoint.port)).toBe(apiPort);
    expect(minio.MINIO_ROOT_USER).toBe(config.S3_ACCESS_KEY_ID);
    expect(minio.MINIO_ROOT_PASSWORD).toBe(config.S3_SECRET_ACCESS_KEY);

    // The one-shot `mc mb <alias>/<bucket>`, with the alias from MC_HOST_<alias>.
    const creators = serviceNames.filter((name) => service(name).image?.startsWith('minio/mc'));
    expect(creators).toHaveLength(1);
    const creator = creators[0];
    const command = [...words(service(creator).entrypoint), ...words(service(creator).command)];
    const made = command
      .join(' ')
      .match(/\bmb\b(?:\s+--?[\w-]+)*\s+([\w-]+)\/([a-z0-9][a-z0-9.-]+)/);
    expect(made).not.toBeNull();
    const [, alias, bucket] = made!;
    expect(bucket).toBe(config.S3_BUCKET);
    const host = new URL(environment(creator)[`MC_HOST_${alias}`] ?? '');
    expect(host.origin).toBe(endpoint.origin);
    expect(decodeURIComponent(host.username)).toBe(config.S3_ACCESS_KEY_ID);
    expect(decodeURIComponent(host.password)).toBe(config.S3_SECRET_ACCESS_KEY);
    expect(dependencies('tenant')[creator]).toBe('service_completed_successfully');
    expect(dependencies(creator)[endpoint.hostname]).toBe('service_healthy');
  });

  /**
   * Checks that auth reads a key directory (the setting) from a named volume it mounts read-only,
   * filled by exactly one one-shot that runs the given script on it; returns the volume and maker.
   */
  function keyVolumeOfAuth(setting: string, scriptName: string) {
    const keysDir = environment('auth')[setting];
    expect(keysDir).toBeTruthy();
    const mount = mounts('auth').find((candidate) => candidate.target === keysDir);
    expect(mount).toMatchObject({ readOnly: true });
    expect(Object.keys(compose.volumes ?? {})).toContain(mount!.source);
    const makers = Object.entries(dependencies('auth'))
      .filter(([, condition]) => condition === 'service_completed_successfully')
      .map(([target]) => target)
      .filter((target) => mounts(target).some((other) => other.source === mount!.source));
    expect(makers).toHaveLength(1);
    const maker = makers[0];
    const script = mounts(maker).find((other) => other.source.endsWith(scriptName));
    expect(script).toBeDefined();
    const makerDir = mounts(maker).find((other) => other.source === mount!.source)!.target;
    expect(words(service(maker).command)).toEqual(['node', script!.target, makerDir]);
    return { mount: mount!, maker };
  }

  test('auth signs with a key a one-shot made, in a volume it mounts read-only', () => {
    keyVolumeOfAuth('JWT_KEYS_DIR', 'dev-jwt-key.mjs');
  });

  test('the key script makes a key that loadSigningKeys accepts, once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-compose-keys-'));
    try {
      const script = path.join(REPO_ROOT, 'docker/dev-jwt-key.mjs');
      execFileSync(process.execPath, [script, dir], { stdio: 'pipe' });
      const log = createLogger('compose-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
      const config = { JWT_KEYS_DIR: dir, NODE_ENV: 'production' as const };
      const first = await loadSigningKeys(config, log);
      expect(first).toHaveLength(1);
      expect(first[0].alg).toBe('EdDSA');
      execFileSync(process.execPath, [script, dir], { stdio: 'pipe' });
      const second = await loadSigningKeys(config, log);
      expect(second.map((key) => key.publicJwk)).toEqual(first.map((key) => key.publicJwk));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('auth seals secrets at rest with a key a one-shot made, in a volume that outlives it', () => {
    // A named volume, not the container's own .data/dev-secrets: re-creating auth keeps the key.
    const { mount, maker } = keyVolumeOfAuth('SECRETS_KEYS_DIR', 'dev-secrets-key.mjs');
    // Only auth holds it.
    for (const name of serviceNames.filter((other) => other !== 'auth' && other !== maker))
      expect({
        name,
        mounts: mounts(name).some((other) => other.source === mount.source),
      }).toEqual({ name, mounts: false });
  });

  test('the secrets key script makes a key that loadSecretKeys accepts in production, once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-compose-secrets-'));
    try {
      const script = path.join(REPO_ROOT, 'docker/dev-secrets-key.mjs');
      execFileSync(process.execPath, [script, dir], { stdio: 'pipe' });
      const log = createLogger('compose-test', { LOG_LEVEL: 'silent', LOG_FORMAT: 'json' });
      const config = { SECRETS_KEYS_DIR: dir, NODE_ENV: 'production' as const };
      const first = loadSecretKeys(config, log);
      expect(first.keys.size).toBe(1);
      execFileSync(process.execPath, [script, dir], { stdio: 'pipe' });
      const second = loadSecretKeys(config, log);
      expect(second.activeKeyId).toBe(first.activeKeyId);
      expect(second.keys.get(second.activeKeyId)).toEqual(first.keys.get(first.activeKeyId));
      // Nothing but the key is left in the directory.
      expect(fs.readdirSync(dir)).toEqual([first.activeKeyId]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Prometheus scrapes compose services only, with the config it is given', () => {
    expect(scrapeTargets.length).toBeGreaterThan(0);
    for (const { target } of scrapeTargets) expect(serviceNames).toContain(target.split(':')[0]);
    const servers = serviceNames.filter((name) =>
      service(name).image?.startsWith('prom/prometheus'),
    );
    expect(servers).toHaveLength(1);
    expect(mounts(servers[0])).toContainEqual({
      source: './docker/prometheus.yml',
      target: '/etc/prometheus/prometheus.yml',
      readOnly: true,
    });
  });

  test('promtool accepts docker/prometheus.yml', () => {
    // promtool comes from Debian's prometheus package (.ci/run installs it).
    const output = execFileSync(
      'promtool',
      ['check', 'config', path.join(REPO_ROOT, 'docker/prometheus.yml')],
      { encoding: 'utf8', stdio: 'pipe' },
    );
    expect(output).toContain('SUCCESS');
  });

  test('the Dockerfile runs as a non-root user with a Postgres client as new as the server', () => {
    const dockerfile = read('Dockerfile');
    const stages = dockerfile.split(/^FROM /m);
    const runtime = stages[stages.length - 1];
    const users = [...runtime.matchAll(/^USER\s+(\S+)/gm)].map((match) => match[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users[users.length - 1]);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    // Tenant backups run pg_dump, which refuses a server newer than itself.
    const serverMajor = service('postgres').image?.match(/^postgres:(\d+)/)?.[1];
    expect(serverMajor).toBeDefined();
    expect(runtime).toContain(`postgresql-client-${serverMajor}`);
  });
});

// --- PgBouncer ----------------------------------------------------------------------------------

describe('docker-compose.yml: PgBouncer', () => {
  const pgbouncer = 'pgbouncer';
  const postgres = environment('postgres');

  /** A file the pgbouncer service mounts (read-only), as it reads it. */
  function mounted(target: string): string {
    const mount = mounts(pgbouncer).find((candidate) => candidate.target === target);
    expect({ target, mount }).toEqual({
      target,
      mount: expect.objectContaining({ readOnly: true }),
    });
    return read(mount!.source);
  }

  /** PgBouncer's settings, from the file its command names, and its logins, from its auth_file. */
  function configuration(): {
    settings: Record<string, string>;
    databases: Record<string, string>;
    users: Map<string, string>;
  } {
    const command = [...words(service(pgbouncer).entrypoint), ...words(service(pgbouncer).command)];
    expect(command).toHaveLength(2);
    expect(command[0]).toMatch(/(^|\/)pgbouncer$/);
    const ini = parseIni(mounted(command[1]));
    const settings = ini.pgbouncer ?? {};
    return {
      settings,
      databases: ini.databases ?? {},
      users: parseUserlist(mounted(settings.auth_file)),
    };
  }

  test('a pinned image runs the mounted settings, in transaction mode', () => {
    const image = service(pgbouncer).image ?? '';
    expect(image).toMatch(/^[\w./-]+:[\w.-]+$/);
    expect(image).not.toMatch(/:latest$/);
    const { settings } = configuration();
    expect(settings.pool_mode).toBe('transaction');
    // TCP only, in a container; and passwords checked (the userlist has them).
    expect(settings.unix_socket_dir).toBe('');
    expect(['scram-sha-256', 'md5']).toContain(settings.auth_type);
  });

  test('it ignores the startup parameters it would refuse (extra_float_digits, options)', () => {
    const ignored = configuration().settings.ignore_startup_parameters.split(',');
    expect(ignored.map((parameter) => parameter.trim())).toEqual(
      expect.arrayContaining(['extra_float_digits', 'options']),
    );
  });

  test('its pools hold every service pool, within what Postgres allows', () => {
    const { settings, users } = configuration();
    const [poolSize, maxDb, maxClients] = [
      settings.default_pool_size,
      settings.max_db_connections,
      settings.max_client_conn,
    ].map(Number);
    for (const value of [poolSize, maxDb, maxClients]) expect(Number.isInteger(value)).toBe(true);
    // Each login has a pool of default_pool_size; all of them fit in max_db_connections, which
    // leaves Postgres's (default) max_connections room for `migrate` and psql.
    expect(poolSize * users.size).toBeLessThanOrEqual(maxDb);
    expect(maxDb).toBeLessThan(100);
    // Each service has a service pool and a tenant pool of DB_POOL_MAX connections.
    const clients = DEPLOYED_SERVICES.reduce(
      (sum, name) => sum + 2 * loadConfig(environment(name)).DB_POOL_MAX,
      0,
    );
    expect(maxClients).toBeGreaterThanOrEqual(clients);
  });

  test("every service's DATABASE_URL is PgBouncer, on a database it forwards to Postgres", () => {
    const { settings, databases } = configuration();
    for (const name of DEPLOYED_SERVICES) {
      const url = new URL(loadConfig(environment(name)).DATABASE_URL);
      expect({ name, host: url.hostname, port: url.port }).toEqual({
        name,
        host: pgbouncer,
        port: settings.listen_port,
      });
      // PgBouncer serves no TLS here.
      expect({ name, query: url.search }).toEqual({ name, query: '' });
      const database = decodeURIComponent(url.pathname.slice(1));
      const entry = databases[database] ?? databases['*'];
      expect({ name, database, entry }).toEqual({ name, database, entry: expect.any(String) });
      const upstream = connectionParameters(entry);
      expect(upstream).toEqual({ host: 'postgres', port: '5432', dbname: postgres.POSTGRES_DB });
      expect(service(upstream.host).image).toMatch(/^postgres:/);
    }
  });

  test('it accepts the logins the services use, with the passwords Postgres has for them', () => {
    const { users } = configuration();
    for (const name of DEPLOYED_SERVICES) {
      const config = loadConfig(environment(name));
      const url = new URL(config.DATABASE_URL);
      const logins = [
        // The service login: Postgres's superuser, with POSTGRES_PASSWORD.
        [decodeURIComponent(url.username), decodeURIComponent(url.password)],
        // The tenant login, which the init script creates with its password.
        [config.TENANT_DB_USER, config.TENANT_DB_PASSWORD],
      ];
      for (const [user, password] of logins)
        expect({ name, user, password: users.get(user!) }).toEqual({ name, user, password });
    }
    expect(users.get(postgres.POSTGRES_USER ?? 'postgres')).toBe(postgres.POSTGRES_PASSWORD);
    expect(users.get(postgres.TENANT_DB_USER!)).toBe(postgres.TENANT_DB_PASSWORD);
  });

  test('it is checked on its own port, starts once Postgres is healthy, and the services after it', () => {
    const { settings } = configuration();
    const check = words(service(pgbouncer).healthcheck?.test);
    expect(check).toContain('pg_isready');
    expect(check.join(' ')).toContain(`-h 127.0.0.1 -p ${settings.listen_port}`);
    expect(dependencies(pgbouncer).postgres).toBe('service_healthy');
    for (const name of DEPLOYED_SERVICES)
      expect({ name, condition: dependencies(name)[pgbouncer] }).toEqual({
        name,
        condition: 'service_healthy',
      });
    // Published on the loopback only, like everything else.
    expect(service(pgbouncer).ports).toEqual([
      `127.0.0.1:${settings.listen_port}:${settings.listen_port}`,
    ]);
  });

  test('`migrate` goes straight to Postgres, after it is healthy', () => {
    const url = new URL(loadConfig(environment('migrate')).DATABASE_URL);
    expect(url.host).toBe('postgres:5432');
    expect(dependencies('migrate').postgres).toBe('service_healthy');
  });
});

// --- Grafana -----------------------------------------------------------------------------------

interface Target {
  expr?: string;
  datasource?: { uid?: string };
}
interface Panel {
  type: string;
  title?: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: {
    list: { name: string; datasource?: { uid?: string }; query?: string | { query?: string } }[];
  };
}

const grafanaName = serviceNames.find((name) => service(name).image?.startsWith('grafana/'));
const DASHBOARD_FILE = 'helm/tradesage/dashboards/tradesage.json';
const dashboard = JSON.parse(read(DASHBOARD_FILE)) as Dashboard;
const allPanels = (panels: Panel[]): Panel[] =>
  panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
const panels = allPanels(dashboard.panels);
const expressions = panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr ?? '' })),
);

interface MetricInfo {
  type: string;
  labels: Set<string>;
}

/** The metrics the services' own code defines (prom-client constructors), with their labels. */
function definedMetrics(): Map<string, MetricInfo> {
  const metrics = new Map<string, MetricInfo>();
  const roots = [
    'packages/shared/src',
    'router/src',
    ...fs.readdirSync(path.join(REPO_ROOT, 'subgraphs')).map((name) => `subgraphs/${name}/src`),
  ];
  const files = roots.flatMap((root) =>
    (fs.readdirSync(path.join(REPO_ROOT, root), { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !file.includes('generated'))
      .map((file) => path.join(root, file)),
  );
  for (const file of files) {
    for (const match of read(file).matchAll(
      /new (Counter|Gauge|Histogram|Summary)\b[^(]*\(\{([\s\S]*?)\}\)/g,
    )) {
      const name = match[2].match(/name: '([^']+)'/)?.[1];
      if (!name) continue;
      const labels = match[2].match(/labelNames: \[([^\]]*)\]/)?.[1] ?? '';
      metrics.set(name, {
        type: match[1].toLowerCase(),
        labels: new Set([...labels.matchAll(/'([^']+)'/g)].map((label) => label[1])),
      });
    }
  }
  return metrics;
}

/** Every metric a service exports: its own, and prom-client's defaults as the services keep them. */
async function exportedMetrics(): Promise<Map<string, MetricInfo>> {
  const metrics = definedMetrics();
  const { registry } = createMetrics('compose-test');
  for (const metric of await registry.getMetricsAsJSON()) {
    const labels = new Set(metric.values.flatMap((value) => Object.keys(value.labels)));
    metrics.set(metric.name, {
      type: String(metric.type),
      labels: new Set([...labels, ...(metrics.get(metric.name)?.labels ?? [])]),
    });
  }
  registry.clear();
  return metrics;
}

/** Series names (histograms and summaries have suffixed series) and the labels they carry. */
function seriesOf(metrics: Map<string, MetricInfo>): Map<string, Set<string>> {
  // Every series has the service's default label and Prometheus's target labels.
  const common = ['service', 'job', 'instance'];
  const series = new Map<string, Set<string>>();
  for (const [name, { type, labels }] of metrics) {
    const all = [...labels, ...common];
    if (type === 'histogram') {
      series.set(`${name}_bucket`, new Set([...all, 'le']));
      series.set(`${name}_sum`, new Set(all));
      series.set(`${name}_count`, new Set(all));
    } else if (type === 'summary') {
      series.set(name, new Set([...all, 'quantile']));
      series.set(`${name}_sum`, new Set(all));
      series.set(`${name}_count`, new Set(all));
    } else series.set(name, new Set(all));
  }
  return series;
}

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names and label names a PromQL expression uses. */
function promqlNames(expr: string): { metrics: string[]; labels: string[] } {
  const labels = new Set<string>();
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  rest = rest.replace(/\{([^}]*)\}/g, (_, inner: string) => {
    for (const match of inner.matchAll(/([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)/g)) labels.add(match[1]);
    return ' ';
  });
  rest = rest.replace(
    /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g,
    (_, inner: string) => {
      for (const label of inner.split(',').map((part) => part.trim())) if (label) labels.add(label);
      return ' ';
    },
  );
  rest = rest.replace(/\[[^\]]*\]/g, ' ');
  const metrics = new Set<string>();
  for (const match of rest.matchAll(/(?<![\w.$])([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    if (match[2] || PROMQL_KEYWORDS.has(match[1].toLowerCase())) continue;
    metrics.add(match[1]);
  }
  return { metrics: [...metrics], labels: [...labels] };
}

describe('Grafana: provisioning and the dashboard', () => {
  const provisioningDir = path.join(REPO_ROOT, 'docker/grafana/provisioning');
  const yamlFiles = (dir: string) =>
    fs
      .readdirSync(path.join(provisioningDir, dir))
      .filter((file) => /\.ya?ml$/.test(file))
      .map((file) => YAML.parse(fs.readFileSync(path.join(provisioningDir, dir, file), 'utf8')));
  const datasources = yamlFiles('datasources').flatMap(
    (file: { datasources?: { uid: string; type: string; url: string }[] }) =>
      file.datasources ?? [],
  );
  const providers = yamlFiles('dashboards').flatMap(
    (file: { providers?: { options?: { path?: string } }[] }) => file.providers ?? [],
  );

  test('Grafana mounts the provisioning and the Helm chart dashboards read-only', () => {
    expect(grafanaName).toBeDefined();
    const grafanaMounts = mounts(grafanaName!);
    expect(grafanaMounts).toContainEqual({
      source: './docker/grafana/provisioning',
      target: '/etc/grafana/provisioning',
      readOnly: true,
    });
    const dashboards = grafanaMounts.find(
      (mount) => mount.source === `./${path.dirname(DASHBOARD_FILE)}`,
    );
    expect(dashboards).toMatchObject({ readOnly: true });
    // The provider loads the directory the dashboards are mounted at.
    expect(providers.map((provider) => provider.options?.path)).toContain(dashboards!.target);
  });

  test('the Prometheus datasource points at the Prometheus service', () => {
    const prometheusSources = datasources.filter((source) => source.type === 'prometheus');
    expect(prometheusSources).toHaveLength(1);
    const url = new URL(prometheusSources[0].url);
    expect(service(url.hostname).image).toMatch(/^prom\/prometheus:/);
    expect(url.port).toBe('9090');
    expect(dependencies(grafanaName!)[url.hostname]).toBe('service_healthy');
  });

  test('every panel and query uses the provisioned datasource', () => {
    const uids = new Set(datasources.map((source) => source.uid));
    const used = [
      ...panels.filter((panel) => panel.type !== 'row').map((panel) => panel.datasource?.uid),
      ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.datasource?.uid)),
      ...(dashboard.templating?.list ?? []).map((variable) => variable.datasource?.uid),
    ];
    expect(used.length).toBeGreaterThan(0);
    for (const uid of used) expect(uids).toContain(uid);
  });

  test('the dashboard has a uid, a title and queries', () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(expressions.length).toBeGreaterThan(0);
    for (const { panel, expr } of expressions)
      expect({ panel, expr: expr.trim() !== '' }).toEqual({ panel, expr: true });
  });

  test('every metric and label a query uses is one the services export', async () => {
    const series = seriesOf(await exportedMetrics());
    const queries = [
      ...expressions,
      // Template variables: label_values(<selector>, <label>).
      ...(dashboard.templating?.list ?? []).flatMap((variable) => {
        const query =
          typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
        const match = query.match(/^label_values\((.+),\s*(\w+)\s*\)$/);
        return match ? [{ panel: `$${variable.name}`, expr: `${match[1]} by (${match[2]})` }] : [];
      }),
    ];
    for (const { panel, expr } of queries) {
      const { metrics, labels } = promqlNames(expr);
      expect({ panel, metrics: metrics.length > 0 }).toEqual({ panel, metrics: true });
      const unknown = metrics.filter((metric) => !series.has(metric));
      expect({ panel, unknown }).toEqual({ panel, unknown: [] });
      const available = new Set(metrics.flatMap((metric) => [...series.get(metric)!]));
      const missingLabels = labels.filter((label) => !available.has(label));
      expect({ panel, missingLabels }).toEqual({ panel, missingLabels: [] });
    }
  });

  test("every metric the services' code defines has a panel", () => {
    const defined = [...definedMetrics().keys()];
    // The ones every service defines (metrics.ts) and the router's own, at least.
    expect(defined).toEqual(
      expect.arrayContaining(['graphql_requests_total', 'subgraph_fetch_duration_seconds']),
    );
    const used = expressions.flatMap(({ expr }) => promqlNames(expr).metrics);
    const uncharted = defined.filter(
      (name) => !used.some((series) => series === name || series.startsWith(`${name}_`)),
    );
    expect(uncharted).toEqual([]);
  });

  test('promtool parses every query', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-dashboard-'));
    try {
      // Grafana's variables replaced by values Prometheus accepts.
      const rules = {
        groups: [
          {
            name: 'dashboard',
            rules: expressions.map(({ expr }, index) => ({
              record: `dashboard:query_${index}`,
              expr: expr.replace(/\$__rate_interval|\$__interval/g, '1m').replace(/\$\w+/g, '.*'),
            })),
          },
        ],
      };
      const file = path.join(dir, 'rules.yml');
      fs.writeFileSync(file, YAML.stringify(rules));
      const output = execFileSync('promtool', ['check', 'rules', file], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
      expect(output).toContain('SUCCESS');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
