/**
 * TLS for the connections the stack takes and makes: every service serving HTTPS (and so wss)
 * from certificate files, with client certificates required when asked (mTLS); the router's
 * client certificate towards the subgraphs; and the TLS options of Postgres and Redis
 * connections. Certificate files are watched: a valid replacement is used for new connections
 * without a restart, an invalid or half-written one is logged and the current one kept.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import type { Config } from './config';
import type { Logger } from './logger';

/** How often watched files are looked at (a stat; read only when it changed). */
const WATCH_INTERVAL_MS = 500;
/**
 * A reload waits this long after the last change seen, so that a certificate and its key
 * written one after the other are taken together. Not a guarantee: a reload that finds them
 * mismatched keeps the current pair, and the next change (the second file) reloads again.
 */
const RELOAD_DEBOUNCE_MS = 1_000;

type TlsSetting =
  | 'TLS_CERT_FILE'
  | 'TLS_KEY_FILE'
  | 'TLS_CA_FILE'
  | 'SUBGRAPH_TLS_CERT_FILE'
  | 'SUBGRAPH_TLS_KEY_FILE'
  | 'SUBGRAPH_TLS_CA_FILE'
  | 'DATABASE_TLS_CERT_FILE'
  | 'DATABASE_TLS_KEY_FILE'
  | 'DATABASE_TLS_CA_FILE'
  | 'REDIS_TLS_CERT_FILE'
  | 'REDIS_TLS_KEY_FILE'
  | 'REDIS_TLS_CA_FILE';

/** The certificate, key and CA settings of one kind of connection. */
const GROUPS = [
  { cert: 'TLS_CERT_FILE', key: 'TLS_KEY_FILE', ca: 'TLS_CA_FILE' },
  { cert: 'SUBGRAPH_TLS_CERT_FILE', key: 'SUBGRAPH_TLS_KEY_FILE', ca: 'SUBGRAPH_TLS_CA_FILE' },
  { cert: 'DATABASE_TLS_CERT_FILE', key: 'DATABASE_TLS_KEY_FILE', ca: 'DATABASE_TLS_CA_FILE' },
  { cert: 'REDIS_TLS_CERT_FILE', key: 'REDIS_TLS_KEY_FILE', ca: 'REDIS_TLS_CA_FILE' },
] as const satisfies readonly { cert: TlsSetting; key: TlsSetting; ca: TlsSetting }[];

export type TlsConfig = Pick<Config, TlsSetting | 'TLS_CLIENT_AUTH'>;

/**
 * What is wrong with the TLS settings, as ConfigError lines (loadConfig throws them): a
 * certificate without its key, a client CA with no TLS to use it on, TLS files for a Redis or
 * Postgres URL that turns TLS off and, in production, files that cannot be read.
 */
export function tlsConfigProblems(
  config: TlsConfig & Pick<Config, 'NODE_ENV' | 'REDIS_URL' | 'DATABASE_URL'>,
): string[] {
  const problems: string[] = [];
  for (const { cert, key } of GROUPS)
    if (Boolean(config[cert]) !== Boolean(config[key])) {
      const [set, unset] = config[cert] ? [cert, key] : [key, cert];
      problems.push(`${cert}, ${key}: set both or neither (${set} is set, ${unset} is not)`);
    }
  if (config.TLS_CLIENT_AUTH === 'require' && !config.TLS_CA_FILE)
    problems.push(
      'TLS_CA_FILE: TLS_CLIENT_AUTH=require needs the CA that signs client certificates',
    );
  if (config.TLS_CLIENT_AUTH === 'require' && !config.TLS_CERT_FILE)
    problems.push('TLS_CLIENT_AUTH: require needs TLS (TLS_CERT_FILE and TLS_KEY_FILE)');
  // A CA that verifies nothing would look like protection: say so instead of ignoring it.
  if (config.TLS_CA_FILE && config.TLS_CLIENT_AUTH !== 'require')
    problems.push('TLS_CA_FILE: only used with TLS_CLIENT_AUTH=require, which is not set');
  const redisFiles = ['REDIS_TLS_CA_FILE', 'REDIS_TLS_CERT_FILE'] as const;
  if (redisFiles.some((name) => config[name]) && !config.REDIS_URL.startsWith('rediss:'))
    problems.push('REDIS_URL: REDIS_TLS_* files are set, so it must be a rediss:// URL');
  const databaseFiles = ['DATABASE_TLS_CA_FILE', 'DATABASE_TLS_CERT_FILE'] as const;
  if (databaseFiles.some((name) => config[name]) && sslModeOf(config.DATABASE_URL) === 'disable')
    problems.push('DATABASE_URL: DATABASE_TLS_* files are set, but sslmode=disable');
  if (config.NODE_ENV === 'production')
    for (const group of GROUPS)
      for (const name of [group.cert, group.key, group.ca]) {
        const file = config[name];
        if (!file) continue;
        try {
          fs.accessSync(file, fs.constants.R_OK);
        } catch (error) {
          problems.push(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
        }
      }
  return problems;
}

function sslModeOf(connectionString: string): string | null {
  try {
    return new URL(connectionString).searchParams.get('sslmode');
  } catch {
    return null;
  }
}

/** A file a setting names, read; a failure says which setting. */
function readSetting(setting: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new Error(`${setting}: cannot read ${file}: ${(error as Error).message}`);
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Every certificate of a PEM file (a chain or a CA bundle), each parsed. Stricter than
 * OpenSSL, which skips a truncated last certificate of a CA bundle: a file caught mid-write
 * must not quietly drop a CA.
 */
function parseCertificates(setting: string, pem: Buffer): X509Certificate[] {
  const text = pem.toString('latin1');
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  const begun = text.split('-----BEGIN CERTIFICATE-----').length - 1;
  if (blocks.length === 0 || blocks.length !== begun)
    throw new Error(`${setting}: not a complete PEM certificate file`);
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new Error(`${setting}: unreadable certificate: ${(error as Error).message}`);
    }
  });
}

/** A certificate (chain) and its private key, checked to belong together. */
function readKeyPair(
  certSetting: string,
  certFile: string,
  keySetting: string,
  keyFile: string,
): { cert: Buffer; key: Buffer; leaf: X509Certificate } {
  const cert = readSetting(certSetting, certFile);
  const key = readSetting(keySetting, keyFile);
  const [leaf] = parseCertificates(certSetting, cert);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(`${keySetting}: unreadable private key: ${(error as Error).message}`);
  }
  if (!leaf.checkPrivateKey(privateKey))
    throw new Error(`${keySetting}: the key does not belong to the certificate in ${certSetting}`);
  return { cert, key, leaf };
}

/** What a log line says of a certificate: never the key, only what identifies the certificate. */
function described(certificate: X509Certificate) {
  return {
    serial: certificate.serialNumber,
    subject: certificate.subject,
    validTo: certificate.validTo,
  };
}

/**
 * Calls `onChange` once the files have stopped changing for a moment. Polls (fs.watchFile)
 * rather than fs.watch: a file replaced by rename, or a Kubernetes secret volume swapping its
 * symlink, is then seen as well. Returns the function that stops watching.
 */
export function watchFiles(files: string[], onChange: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const changed = (now: fs.Stats, before: fs.Stats) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino)
      return;
    clearTimeout(timer);
    timer = setTimeout(onChange, RELOAD_DEBOUNCE_MS);
    timer.unref();
  };
  const unique = [...new Set(files)];
  for (const file of unique)
    fs.watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, changed);
  return () => {
    clearTimeout(timer);
    for (const file of unique) fs.unwatchFile(file, changed);
  };
}

/** How a service serves TLS (see serverTlsFromConfig). */
export interface ServerTlsSettings {
  certFile: string;
  keyFile: string;
  /** The CA that signs the client certificates accepted. */
  caFile?: string;
  clientAuth: 'off' | 'require';
}

/** The service's TLS settings, or undefined for plain HTTP. */
export function serverTlsFromConfig(config: TlsConfig): ServerTlsSettings | undefined {
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) return undefined;
  return {
    certFile: config.TLS_CERT_FILE,
    keyFile: config.TLS_KEY_FILE,
    caFile: config.TLS_CA_FILE,
    clientAuth: config.TLS_CLIENT_AUTH,
  };
}

interface ServerFiles {
  options: tls.SecureContextOptions;
  leaf: X509Certificate;
  /** The bytes read, to tell a real change from a touch. */
  raw: Buffer[];
}

function readServerFiles(settings: ServerTlsSettings): ServerFiles {
  const { cert, key, leaf } = readKeyPair(
    'TLS_CERT_FILE',
    settings.certFile,
    'TLS_KEY_FILE',
    settings.keyFile,
  );
  const ca = settings.caFile ? readSetting('TLS_CA_FILE', settings.caFile) : undefined;
  if (ca) parseCertificates('TLS_CA_FILE', ca);
  const options = { cert, key, ...(ca ? { ca } : {}) };
  // What OpenSSL refuses besides (an unsupported key type, say) fails here, not in the server.
  tls.createSecureContext(options);
  return { options, leaf, raw: ca ? [cert, key, ca] : [cert, key] };
}

/** An HTTPS server's TLS: its options, and `watch`, which keeps its certificate current. */
export interface ServerTls {
  /** Options for https.createServer: the certificate, and client certificates when required. */
  options: tls.TlsOptions;
  /** The certificate now served (serial, subject, expiry), for the start-up log. */
  certificate: ReturnType<typeof described>;
  /** Reloads the server's certificate, key and CA when their files change; returns the stop. */
  watch(server: tls.Server, log: Logger): () => void;
}

/**
 * Reads the service's certificate files (a start-up error, naming the setting, when they are
 * missing or do not fit together) and gives what an HTTPS server is made with.
 */
export function serverTls(settings: ServerTlsSettings): ServerTls {
  let current = readServerFiles(settings);
  const clientCertificates = settings.clientAuth === 'require';
  return {
    options: {
      ...current.options,
      // Without a certificate from the CA, the handshake fails: no request is read at all.
      ...(clientCertificates ? { requestCert: true, rejectUnauthorized: true } : {}),
    },
    certificate: described(current.leaf),
    watch(server, log) {
      const files = [
        settings.certFile,
        settings.keyFile,
        ...(settings.caFile ? [settings.caFile] : []),
      ];
      return watchFiles(files, () => {
        let next: ServerFiles;
        try {
          next = readServerFiles(settings);
          if (next.raw.every((bytes, i) => bytes.equals(current.raw[i]))) return;
          // New connections get the new context; open ones keep the one they shook hands with.
          server.setSecureContext(next.options);
        } catch (error) {
          log.error(
            { err: error, certificate: described(current.leaf) },
            'TLS files not usable; still serving the current certificate',
          );
          return;
        }
        current = next;
        log.info({ certificate: described(next.leaf) }, 'TLS certificate reloaded');
      });
    },
  };
}

/** Client-side TLS files: a CA bundle to verify the server with, and a client certificate. */
export interface ClientTlsSettings {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** The router's TLS towards the subgraphs, or undefined when nothing is set (system CAs). */
export function subgraphTlsFromConfig(config: TlsConfig): ClientTlsSettings | undefined {
  const settings = {
    caFile: config.SUBGRAPH_TLS_CA_FILE,
    certFile: config.SUBGRAPH_TLS_CERT_FILE,
    keyFile: config.SUBGRAPH_TLS_KEY_FILE,
  };
  return settings.caFile || settings.certFile ? settings : undefined;
}

/**
 * Client TLS options that follow their files: `secureContext` is always the latest valid one,
 * and `version` counts reloads, so that connection factories can rebuild what they cache. Only
 * new connections see a new context; open ones keep the one they connected with. Verification is
 * never turned off: the CA bundle (or the system's) and the server's name are always checked.
 */
export class ReloadingClientTls {
  private current: { context: tls.SecureContext; raw: Buffer[]; leaf?: X509Certificate };
  private generation = 0;
  private readonly stopWatching: () => void;

  constructor(
    private readonly settings: ClientTlsSettings,
    private readonly names: { ca: string; cert: string; key: string },
    private readonly log: Logger,
  ) {
    this.current = this.read();
    const files = [settings.caFile, settings.certFile, settings.keyFile].filter(
      (file): file is string => Boolean(file),
    );
    this.stopWatching = watchFiles(files, () => this.reload());
  }

  /** The router's client TLS towards the subgraphs (SUBGRAPH_TLS_*), if any is configured. */
  static forSubgraphs(config: TlsConfig, log: Logger): ReloadingClientTls | undefined {
    const settings = subgraphTlsFromConfig(config);
    return settings
      ? new ReloadingClientTls(
          settings,
          {
            ca: 'SUBGRAPH_TLS_CA_FILE',
            cert: 'SUBGRAPH_TLS_CERT_FILE',
            key: 'SUBGRAPH_TLS_KEY_FILE',
          },
          log,
        )
      : undefined;
  }

  get secureContext(): tls.SecureContext {
    return this.current.context;
  }

  /** Goes up by one with every reload that took effect. */
  get version(): number {
    return this.generation;
  }

  close(): void {
    this.stopWatching();
  }

  private read() {
    const { caFile, certFile, keyFile } = this.settings;
    const ca = caFile ? readSetting(this.names.ca, caFile) : undefined;
    if (ca) parseCertificates(this.names.ca, ca);
    const pair =
      certFile && keyFile
        ? readKeyPair(this.names.cert, certFile, this.names.key, keyFile)
        : undefined;
    const context = tls.createSecureContext({
      ...(ca ? { ca } : {}),
      ...(pair ? { cert: pair.cert, key: pair.key } : {}),
    });
    const raw = [ca, pair?.cert, pair?.key].map((bytes) => bytes ?? Buffer.alloc(0));
    return { context, raw, leaf: pair?.leaf };
  }

  private reload(): void {
    let next: ReloadingClientTls['current'];
    try {
      next = this.read();
    } catch (error) {
      this.log.error({ err: error }, 'client TLS files not usable; keeping the current ones');
      return;
    }
    if (next.raw.every((bytes, i) => bytes.equals(this.current.raw[i]))) return;
    this.current = next;
    this.generation += 1;
    this.log.info(
      { certificate: next.leaf ? described(next.leaf) : undefined },
      'client TLS files reloaded',
    );
  }
}

/** A CA bundle and client certificate for a connection, read once (Postgres, Redis). */
export interface ClientTlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function readClientFiles(
  settings: ClientTlsSettings,
  names: { ca: string; cert: string; key: string },
): ClientTlsFiles | undefined {
  const { caFile, certFile, keyFile } = settings;
  if (!caFile && !certFile) return undefined;
  const ca = caFile ? readSetting(names.ca, caFile) : undefined;
  if (ca) parseCertificates(names.ca, ca);
  const pair =
    certFile && keyFile ? readKeyPair(names.cert, certFile, names.key, keyFile) : undefined;
  return { ...(ca ? { ca } : {}), ...(pair ? { cert: pair.cert, key: pair.key } : {}) };
}

/**
 * The TLS files for Postgres connections (DATABASE_TLS_*), read at start-up; undefined when
 * none is set, and the URL's own `sslmode` decides alone.
 */
export function postgresTls(
  config: Partial<
    Pick<Config, 'DATABASE_TLS_CA_FILE' | 'DATABASE_TLS_CERT_FILE' | 'DATABASE_TLS_KEY_FILE'>
  >,
): ClientTlsFiles | undefined {
  return readClientFiles(
    {
      caFile: config.DATABASE_TLS_CA_FILE,
      certFile: config.DATABASE_TLS_CERT_FILE,
      keyFile: config.DATABASE_TLS_KEY_FILE,
    },
    { ca: 'DATABASE_TLS_CA_FILE', cert: 'DATABASE_TLS_CERT_FILE', key: 'DATABASE_TLS_KEY_FILE' },
  );
}

/**
 * A pg pool's connection options with the TLS files applied. node-pg lets the URL's ssl
 * parameters (`sslmode`, `sslrootcert`, …) replace an `ssl` option given beside it, so with
 * files they are taken out of the URL and TLS is on with full verification (verify-full: the
 * CA, or the system's, and the host name), whatever the URL's `sslmode` says, except `disable`.
 */
export function postgresConnection(
  connectionString: string,
  files: ClientTlsFiles | undefined,
): { connectionString: string; ssl?: tls.ConnectionOptions } {
  if (!files || sslModeOf(connectionString) === 'disable') return { connectionString };
  const url = new URL(connectionString);
  for (const name of [...url.searchParams.keys()])
    if (name.startsWith('ssl')) url.searchParams.delete(name);
  return {
    connectionString: url.toString(),
    ssl: { ...files },
  };
}

/**
 * ioredis `tls` options from REDIS_TLS_* (read at start-up), for a rediss:// URL; undefined
 * when none is set (a rediss:// URL then verifies against the system's CAs).
 */
export function redisTls(
  config: Partial<Pick<Config, 'REDIS_TLS_CA_FILE' | 'REDIS_TLS_CERT_FILE' | 'REDIS_TLS_KEY_FILE'>>,
): tls.ConnectionOptions | undefined {
  const files = readClientFiles(
    {
      caFile: config.REDIS_TLS_CA_FILE,
      certFile: config.REDIS_TLS_CERT_FILE,
      keyFile: config.REDIS_TLS_KEY_FILE,
    },
    { ca: 'REDIS_TLS_CA_FILE', cert: 'REDIS_TLS_CERT_FILE', key: 'REDIS_TLS_KEY_FILE' },
  );
  return files && { ...files };
}
