/**
 * TLS with real servers and a throwaway CA (openssl): a subgraph that requires client
 * certificates, certificate reloads without a restart, and the TLS options of Postgres and Redis
 * connections. Nothing of TLS is mocked.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import tls from 'node:tls';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import pino from 'pino';
import {
  allow,
  ConfigError,
  createMetrics,
  createRedis,
  closeRedis,
  DataPlatform,
  loadConfig,
  serverTls,
  serverTlsFromConfig,
  startGraphQLService,
  startSubgraph,
  type SubgraphDefinition,
} from '../src';
import {
  createTestPki,
  postOverTls as post,
  settled,
  testConfig,
  until,
  type TestPki,
} from '../testing';

const POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki?.remove());

const read = (file: string) => fs.readFileSync(file);

/** A pino logger whose lines a test can read. */
function capturedLog() {
  const lines: { level: number; msg: string; err?: { message: string } }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** Why a promise failed, or a failure of the test when it did not. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

/** The serial of the certificate a new connection is shown. */
function peerSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      {
        host: '127.0.0.1',
        port,
        ca: read(pki.ca),
        cert: read(pki.client.cert),
        key: read(pki.client.key),
      },
      () => {
        resolve(socket.getPeerCertificate().serialNumber);
        socket.end();
      },
    );
    socket.once('error', reject);
  });
}

const ping: SubgraphDefinition<Record<string, never>> = {
  name: 'user',
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
    type Query { ping: String! }
  `),
  resolvers: { Query: { ping: () => 'pong' } },
  permissions: { Query: { ping: allow } },
  createServices: () => ({}),
};

describe('configuration', () => {
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    return [];
  };

  test('a certificate without its key, or a key without its certificate, names both settings', () => {
    // Empty is unset (charts render optional values so): plain HTTP, no problem.
    expect(problemsOf({ TLS_CERT_FILE: '', TLS_KEY_FILE: '', TLS_CA_FILE: '' })).toEqual([]);
    expect(
      serverTlsFromConfig(loadConfig({ TLS_CERT_FILE: '', TLS_KEY_FILE: '' })),
    ).toBeUndefined();
    expect(problemsOf({ TLS_CERT_FILE: pki.server.cert })).toEqual([
      'TLS_CERT_FILE, TLS_KEY_FILE: set both or neither (TLS_CERT_FILE is set, TLS_KEY_FILE is not)',
    ]);
    expect(problemsOf({ SUBGRAPH_TLS_KEY_FILE: pki.client.key })).toEqual([
      'SUBGRAPH_TLS_CERT_FILE, SUBGRAPH_TLS_KEY_FILE: set both or neither (SUBGRAPH_TLS_KEY_FILE is set, SUBGRAPH_TLS_CERT_FILE is not)',
    ]);
  });

  test('client authentication needs a CA and TLS; a CA without it is refused, not ignored', () => {
    expect(problemsOf({ TLS_CLIENT_AUTH: 'require' })).toEqual([
      'TLS_CA_FILE: TLS_CLIENT_AUTH=require needs the CA that signs client certificates',
      'TLS_CLIENT_AUTH: require needs TLS (TLS_CERT_FILE and TLS_KEY_FILE)',
    ]);
    const server = { TLS_CERT_FILE: pki.server.cert, TLS_KEY_FILE: pki.server.key };
    expect(problemsOf({ ...server, TLS_CA_FILE: pki.ca })).toEqual([
      'TLS_CA_FILE: only used with TLS_CLIENT_AUTH=require, which is not set',
    ]);
    expect(problemsOf({ ...server, TLS_CA_FILE: pki.ca, TLS_CLIENT_AUTH: 'require' })).toEqual([]);
  });

  test('Redis and Postgres TLS files need URLs that use TLS', () => {
    expect(problemsOf({ REDIS_TLS_CA_FILE: pki.ca })).toEqual([
      'REDIS_URL: REDIS_TLS_* files are set, so it must be a rediss:// URL',
    ]);
    expect(problemsOf({ REDIS_TLS_CA_FILE: pki.ca, REDIS_URL: 'rediss://cache:6380' })).toEqual([]);
    expect(
      problemsOf({ DATABASE_TLS_CA_FILE: pki.ca, DATABASE_URL: `${POSTGRES}?sslmode=disable` }),
    ).toEqual(['DATABASE_URL: DATABASE_TLS_* files are set, but sslmode=disable']);
  });

  test('in production, TLS files that cannot be read fail start-up, each named', () => {
    const missing = path.join(pki.dir, 'missing.pem');
    const env = {
      NODE_ENV: 'production',
      TLS_CERT_FILE: missing,
      TLS_KEY_FILE: pki.server.key,
      DATABASE_TLS_CA_FILE: `${missing}.ca`,
    };
    expect(problemsOf(env)).toEqual([
      `TLS_CERT_FILE: cannot read ${missing} (ENOENT)`,
      `DATABASE_TLS_CA_FILE: cannot read ${missing}.ca (ENOENT)`,
    ]);
    // Elsewhere the settings load, and the service that reads the file names the setting.
    expect(problemsOf({ ...env, NODE_ENV: 'development' })).toEqual([]);
    expect(() =>
      serverTls({ certFile: missing, keyFile: pki.server.key, clientAuth: 'off' }),
    ).toThrow(`TLS_CERT_FILE: cannot read ${missing}`);
  });

  test('a key that does not belong to the certificate is a start-up error', () => {
    expect(() =>
      serverTls({ certFile: pki.server.cert, keyFile: pki.client.key, clientAuth: 'off' }),
    ).toThrow('TLS_KEY_FILE: the key does not belong to the certificate in TLS_CERT_FILE');
  });
});

describe('a subgraph that requires client certificates', () => {
  test('answers the holder of a certificate from its CA, and refuses a caller without one or with another CA’s', async () => {
    const service = await startSubgraph(ping, {
      port: 0,
      config: testConfig({
        DATABASE_URL: POSTGRES,
        TLS_CERT_FILE: pki.server.cert,
        TLS_KEY_FILE: pki.server.key,
        TLS_CA_FILE: pki.ca,
        TLS_CLIENT_AUTH: 'require',
      }),
    });
    try {
      expect(service.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
      const query = { query: '{ ping }' };
      const ca = read(pki.ca);
      const router = { ca, cert: read(pki.client.cert), key: read(pki.client.key) };
      expect(await post(service.url, query, router)).toEqual({
        status: 200,
        body: { data: { ping: 'pong' } },
      });

      // TLS 1.3: the client's handshake ends first, then the server's alert closes the socket.
      const anonymous = await failure(post(service.url, query, { ca }));
      expect(anonymous.message).toMatch(/certificate required|ECONNRESET|socket hang up/);
      const intruder = await failure(
        post(service.url, query, {
          ca,
          cert: read(pki.untrusted.cert),
          key: read(pki.untrusted.key),
        }),
      );
      expect(intruder.message).toMatch(/unknown ca|ECONNRESET|socket hang up/);
      // Refused at the handshake; the service itself goes on answering its router.
      expect((await post(service.url, query, router)).status).toBe(200);
      // And a client that does not trust the service's CA refuses it (verification stays on).
      const unverified = await failure(
        post(service.url, query, { cert: router.cert, key: router.key }),
      );
      expect(unverified.message).toMatch(/self-signed certificate in certificate chain/);
    } finally {
      await service.stop();
    }
  });
});

describe('certificate reloads', () => {
  test('a replaced certificate is served to new connections without a restart; a half-written one is refused and the current one kept', async () => {
    // The service's own copies, which the test replaces as a deploy tool would.
    const dir = fs.mkdtempSync(path.join(pki.dir, 'live-'));
    const certFile = path.join(dir, 'tls.crt');
    const keyFile = path.join(dir, 'tls.key');
    fs.copyFileSync(pki.server.cert, certFile);
    fs.copyFileSync(pki.server.key, keyFile);
    const { log, lines } = capturedLog();
    const service = await startGraphQLService({
      name: 'reload test',
      host: '127.0.0.1',
      port: 0,
      production: false,
      exploration: false,
      log,
      metrics: createMetrics('tls-reload-test'),
      readiness: {},
      apollo: {
        schema: buildSubgraphSchema({
          typeDefs: parse('type Query { ping: String! }'),
          resolvers: { Query: { ping: () => 'pong' } },
        }),
      },
      context: async () => ({}),
      tls: { certFile, keyFile, caFile: pki.ca, clientAuth: 'require' },
    });
    try {
      const first = pki.serialOf(pki.server.cert);
      expect(await peerSerial(service.port)).toBe(first);

      const second = pki.issue('server-2');
      fs.writeFileSync(keyFile, read(second.key));
      fs.writeFileSync(certFile, read(second.cert));
      const secondSerial = pki.serialOf(second.cert);
      expect(secondSerial).not.toBe(first);
      expect(
        await settled(
          () => peerSerial(service.port),
          (s) => s === secondSerial,
        ),
      ).toBe(secondSerial);
      expect(lines.some((line) => line.msg === 'TLS certificate reloaded')).toBe(true);
      // Requests still work over the new certificate.
      const client = { ca: read(pki.ca), cert: read(pki.client.cert), key: read(pki.client.key) };
      expect((await post(service.url, { query: '{ ping }' }, client)).body).toEqual({
        data: { ping: 'pong' },
      });

      // Caught mid-write: the third certificate's key in place, its certificate cut short.
      const third = pki.issue('server-3');
      const thirdCert = read(third.cert);
      fs.writeFileSync(keyFile, read(third.key));
      fs.writeFileSync(certFile, thirdCert.subarray(0, Math.floor(thirdCert.length / 2)));
      await until(
        () => lines.some((line) => line.msg.startsWith('TLS files not usable')),
        'the refused reload',
      );
      const refused = lines.find((line) => line.msg.startsWith('TLS files not usable'))!;
      expect(refused.err?.message).toBe('TLS_CERT_FILE: not a complete PEM certificate file');
      expect(await peerSerial(service.port)).toBe(secondSerial);

      // The write completes: the third certificate is served.
      fs.writeFileSync(certFile, thirdCert);
      const thirdSerial = pki.serialOf(third.cert);
      expect(
        await settled(
          () => peerSerial(service.port),
          (s) => s === thirdSerial,
        ),
      ).toBe(thirdSerial);
    } finally {
      await service.stop();
    }
  });
});

/**
 * A TLS front for the local Postgres, which has no TLS itself: it answers the client's
 * SSLRequest with 'S', does the handshake (requiring a client certificate from the test CA) and
 * then relays the plain protocol. `clients` are the certificates clients presented.
 */
async function postgresTlsFront(): Promise<{ port: number; clients: string[]; close(): void }> {
  const clients: string[] = [];
  const secureContext = tls.createSecureContext({
    cert: read(pki.server.cert),
    key: read(pki.server.key),
    ca: read(pki.ca),
  });
  const server = net.createServer((socket) => {
    socket.once('data', (request) => {
      // SSLRequest: length 8, code 80877103.
      if (request.length !== 8 || request.readUInt32BE(4) !== 80877103) return socket.destroy();
      socket.write('S');
      const secure = new tls.TLSSocket(socket, {
        isServer: true,
        secureContext,
        requestCert: true,
        rejectUnauthorized: true,
      });
      secure.on('error', () => socket.destroy());
      secure.once('secure', () => {
        clients.push(secure.getPeerCertificate().subject.CN as string);
        const upstream = net.connect(5432, '127.0.0.1');
        upstream.on('error', () => secure.destroy());
        secure.pipe(upstream).pipe(secure);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    clients,
    close: () => server.close(),
  };
}

describe('Postgres TLS', () => {
  const silent = pino({ level: 'silent' });

  test("sslmode=require, or a CA file, reaches pg: the local server's refusal says it has no SSL", async () => {
    const settings: Record<string, string>[] = [
      { DATABASE_URL: `${POSTGRES}?sslmode=require` },
      { DATABASE_URL: POSTGRES, DATABASE_TLS_CA_FILE: pki.ca },
    ];
    for (const env of settings) {
      const platform = new DataPlatform(testConfig(env), silent);
      try {
        const error = await failure(platform.controlPool.query('SELECT 1'));
        expect(error.message).toBe('The server does not support SSL connections');
      } finally {
        await platform.close();
      }
    }
  });

  test('with the CA and client certificate, pools verify the server and present the certificate', async () => {
    const front = await postgresTlsFront();
    // sslmode in the URL too: node-pg would let it replace the files' options (it does not).
    const url = `postgres://postgres@127.0.0.1:${front.port}/postgres?sslmode=require`;
    const platform = new DataPlatform(
      testConfig({
        DATABASE_URL: url,
        DATABASE_TLS_CA_FILE: pki.ca,
        DATABASE_TLS_CERT_FILE: pki.client.cert,
        DATABASE_TLS_KEY_FILE: pki.client.key,
      }),
      silent,
    );
    try {
      const { rows } = await platform.controlPool.query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
      expect(front.clients).toEqual(['router']);
    } finally {
      await platform.close();
      front.close();
    }
  });
});

describe('Redis TLS', () => {
  test('a rediss:// URL makes createRedis shake hands with the CA: the plain local Redis never completes it', async () => {
    const { log, lines } = capturedLog();
    const redis = createRedis(
      testConfig({ REDIS_URL: 'rediss://127.0.0.1:6379', REDIS_TLS_CA_FILE: pki.ca }),
      log,
    );
    try {
      expect(redis.options.tls?.ca).toEqual(read(pki.ca));
      // Redis reads the ClientHello as the start of a command and waits for the rest, so the
      // handshake (and so ioredis's connect, which waits for it) times out.
      await until(() => lines.some((line) => line.msg === 'Redis connection error'), 'an error');
      const error = lines.find((line) => line.msg === 'Redis connection error')!.err!;
      expect(error.message).toBe('connect ETIMEDOUT');
      expect(redis.stream).toBeInstanceOf(tls.TLSSocket);
    } finally {
      await closeRedis(redis);
    }
  });

  test('with the CA and client certificate, createRedis talks to a TLS Redis', async () => {
    const clients: string[] = [];
    const front = tls.createServer(
      {
        cert: read(pki.server.cert),
        key: read(pki.server.key),
        ca: read(pki.ca),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (socket) => {
        clients.push(socket.getPeerCertificate().subject.CN as string);
        const upstream = net.connect(6379, '127.0.0.1');
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
        socket.pipe(upstream).pipe(socket);
      },
    );
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const { port } = front.address() as net.AddressInfo;
    const redis = createRedis(
      testConfig({
        REDIS_URL: `rediss://127.0.0.1:${port}`,
        REDIS_TLS_CA_FILE: pki.ca,
        REDIS_TLS_CERT_FILE: pki.client.cert,
        REDIS_TLS_KEY_FILE: pki.client.key,
      }),
      pino({ level: 'silent' }),
    );
    try {
      expect(await redis.ping()).toBe('PONG');
      expect(clients).toEqual(['router']);
    } finally {
      await closeRedis(redis);
      front.close();
    }
  });
});
