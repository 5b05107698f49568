/**
 * The router calling a subgraph that requires client certificates (mTLS), end to end: queries
 * over its undici pools, subscriptions over its graphql-ws carrier, both with the client
 * certificate of SUBGRAPH_TLS_*; the router itself serving HTTPS and wss. A throwaway CA made
 * with openssl; nothing of TLS is mocked.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Histogram, Registry } from 'prom-client';
import WebSocket from 'ws';
import {
  allow,
  PLATFORM_OPERATOR,
  ReloadingClientTls,
  startSubgraph,
  type RunningService,
  type SubgraphDefinition,
} from '@tradesage/shared';
import {
  createTestPki,
  createTestSigner,
  postOverTls,
  signedSessionToken,
  testConfig,
  uniqueName,
  until,
  type TestPki,
  type TestSigner,
} from '@tradesage/shared/testing';
import { startRouter } from '../src/server';
import { SubgraphClient } from '../src/subgraph-client';

const POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

const SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Query { ping: String! }
  type Subscription { ticks(upTo: Int!): Int! }
`;

/** A subgraph with one query and one subscription, enough to cross the router both ways. */
const definition: SubgraphDefinition<Record<string, never>> = {
  name: 'session',
  typeDefs: parse(SDL),
  resolvers: {
    Query: { ping: () => 'pong' },
    Subscription: {
      ticks: {
        subscribe: async function* (_: unknown, { upTo }: { upTo: number }) {
          for (let tick = 1; tick <= upTo; tick++) yield { ticks: tick };
        },
      },
    },
  },
  permissions: { Query: { ping: allow }, Subscription: { ticks: allow } },
  createServices: () => ({}),
};

let pki: TestPki;
let signer: TestSigner;
let redis: Redis;
let subgraph: RunningService;
let supergraphPath: string;
let token: string;
const redisPrefix = `${uniqueName('mtls')}:`;
const read = (file: string) => fs.readFileSync(file);

/** The settings router and subgraph share: keys, Redis prefix, a database that answers. */
const common = () => ({
  DATABASE_URL: POSTGRES,
  REDIS_KEY_PREFIX: redisPrefix,
  JWT_JWKS: signer.jwks,
});

beforeAll(async () => {
  pki = createTestPki();
  signer = await createTestSigner(testConfig());
  subgraph = await startSubgraph(definition, {
    port: 0,
    config: testConfig({
      ...common(),
      TLS_CERT_FILE: pki.server.cert,
      TLS_KEY_FILE: pki.server.key,
      TLS_CA_FILE: pki.ca,
      TLS_CLIENT_AUTH: 'require',
    }),
  });
  const composed = composeServices([{ name: 'session', url: subgraph.url, typeDefs: parse(SDL) }]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  supergraphPath = path.join(pki.dir, 'supergraph.graphql');
  fs.writeFileSync(supergraphPath, composed.supergraphSdl);

  // A platform operator's live session: subscriptions are for signed-in callers only.
  redis = new Redis(testConfig().REDIS_URL);
  token = await signedSessionToken(redis, redisPrefix, signer, {
    sub: randomUUID(),
    roles: [PLATFORM_OPERATOR],
  });
}, 60_000);

afterAll(async () => {
  await subgraph?.stop();
  if (redis) {
    const keys = await redis.keys(`${redisPrefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
  pki?.remove();
});

/** A router over the supergraph, serving HTTPS, with these client settings towards the subgraph. */
async function withRouter(
  clientTls: Record<string, string>,
  run: (router: RunningService) => Promise<void>,
) {
  const router = await startRouter(
    testConfig({
      ...common(),
      SUPERGRAPH_PATH: supergraphPath,
      SUBGRAPH_URLS: 'supergraph',
      TLS_CERT_FILE: pki.server.cert,
      TLS_KEY_FILE: pki.server.key,
      ...clientTls,
    }),
    { port: 0 },
  );
  try {
    await run(router);
  } finally {
    await router.stop();
  }
}

const withClientCertificate = () => ({
  SUBGRAPH_TLS_CA_FILE: pki.ca,
  SUBGRAPH_TLS_CERT_FILE: pki.client.cert,
  SUBGRAPH_TLS_KEY_FILE: pki.client.key,
});

test('the router queries the subgraph over mTLS with its client certificate; without one, the subgraph refuses it', async () => {
  const caller = { ca: read(pki.ca) };
  await withRouter(withClientCertificate(), async (router) => {
    expect(router.url).toMatch(/^https:/);
    expect(await postOverTls(router.url, { query: '{ ping }' }, caller)).toEqual({
      status: 200,
      body: { data: { ping: 'pong' } },
    });
  });
  // The CA alone: the router trusts the subgraph, but has nothing to show it.
  await withRouter({ SUBGRAPH_TLS_CA_FILE: pki.ca }, async (router) => {
    const answer = await postOverTls(router.url, { query: '{ ping }' }, caller);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors).toHaveLength(1);
    // The subgraph closed the connection at the handshake (TLS 1.3: after the client's end).
    expect(answer.body.errors[0].message).toMatch(/other side closed|certificate required/);
  });
});

test('a subscription over wss through the router reaches the mTLS subgraph and back', async () => {
  await withRouter(withClientCertificate(), async (router) => {
    const ca = read(pki.ca);
    // graphql-ws constructs sockets with the URL only: the test's CA rides on a subclass.
    class TrustingWebSocket extends WebSocket {
      constructor(address: string | URL, protocols?: string | string[]) {
        super(address, protocols, { ca });
      }
    }
    const client = createClient({
      url: router.url.replace(/^https/, 'wss'),
      webSocketImpl: TrustingWebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    try {
      const ticks: unknown[] = [];
      for await (const result of client.iterate({ query: 'subscription { ticks(upTo: 3) }' })) {
        if (result.errors) throw new Error(JSON.stringify(result.errors));
        ticks.push(result.data?.ticks);
      }
      expect(ticks).toEqual([1, 2, 3]);
    } finally {
      await client.dispose();
    }
  });
});

test("the router's client certificate is reloaded for new connections when its files change", async () => {
  // A server that closes every connection after its answer and records each caller's serial.
  const serials: string[] = [];
  const server = https.createServer(
    {
      cert: read(pki.server.cert),
      key: read(pki.server.key),
      ca: read(pki.ca),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => {
      serials.push((request.socket as TLSSocket).getPeerCertificate().serialNumber);
      response.setHeader('connection', 'close');
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ data: { ping: 'pong' } }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dir = fs.mkdtempSync(path.join(pki.dir, 'router-'));
  const certFile = path.join(dir, 'client.crt');
  const keyFile = path.join(dir, 'client.key');
  fs.copyFileSync(pki.client.cert, certFile);
  fs.copyFileSync(pki.client.key, keyFile);
  const tls = new ReloadingClientTls(
    { caFile: pki.ca, certFile, keyFile },
    { ca: 'CA', cert: 'CERT', key: 'KEY' },
    pino({ level: 'silent' }),
  );
  const client = new SubgraphClient({
    name: 'ping',
    url: `https://127.0.0.1:${port}/graphql`,
    issuesTokens: false,
    fetchDuration: new Histogram({
      name: 'fetch_seconds',
      help: 'test',
      labelNames: ['subgraph', 'outcome'],
      registers: [new Registry()],
    }),
    timeoutMs: 10_000,
    tls,
  });
  const ping = () =>
    client.process({
      request: { query: '{ ping }' },
      context: {},
    } as unknown as Parameters<SubgraphClient['process']>[0]);
  try {
    expect(await ping()).toEqual({ data: { ping: 'pong' } });
    const next = pki.issue('router-2', { client: true });
    fs.writeFileSync(keyFile, read(next.key));
    fs.writeFileSync(certFile, read(next.cert));
    await until(() => tls.version === 1, 'the reload');
    expect(await ping()).toEqual({ data: { ping: 'pong' } });
    expect(serials).toEqual([pki.serialOf(pki.client.cert), pki.serialOf(next.cert)]);
  } finally {
    await client.close();
    tls.close();
    server.close();
  }
});
