/**
 * The WebSocket keep-alive of serveSubscriptions: a peer that stops answering pings is dropped,
 * and a live peer is not dropped when the server itself was too busy to read its pong in time
 * (the router's carrier once was, with every subscription on it). The peers are child
 * processes, so that they answer while this process is blocked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
import { CARRIER_CONNECTION_PARAMS, createLogger, serveSubscriptions } from '../src';
import { testConfig, until } from '../testing';

const INTERVAL_MS = 200;
let server: http.Server;
let close: () => Promise<void>;
let url: string;
const peers: ChildProcess[] = [];

beforeAll(async () => {
  server = http.createServer();
  close = serveSubscriptions({
    httpServer: server,
    path: '/graphql',
    schema: buildSchema('type Query { ok: Boolean } type Subscription { ticks: Int }'),
    context: async () => ({ principal: { kind: 'anonymous' } }),
    trustProxy: 'loopback',
    production: true,
    log: createLogger('keep-alive-test', testConfig({ LOG_LEVEL: 'silent' })),
    acceptCarriers: true,
    keepAliveMs: INTERVAL_MS,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  for (const peer of peers) peer.kill();
  await close();
  await new Promise((resolve) => server.close(resolve));
});

/** A carrier peer in its own process; it prints `acked`, and `closed <code>` when dropped. */
function peer(answersPings: boolean) {
  const script = `
    const WebSocket = require('ws');
    const socket = new WebSocket(${JSON.stringify(url)}, 'graphql-transport-ws', { autoPong: ${answersPings} });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: ${JSON.stringify(CARRIER_CONNECTION_PARAMS)} })));
    socket.on('message', (data) => { if (JSON.parse(data).type === 'connection_ack') console.log('acked'); });
    socket.on('close', (code) => console.log('closed ' + code));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  peers.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { output: () => output };
}

test('a peer that does not answer pings is dropped', async () => {
  const silent = peer(false);
  await until(() => silent.output().includes('acked'), 'acknowledged');
  await until(() => silent.output().includes('closed'), 'dropped');
  expect(silent.output()).toMatch(/closed 1006/);
});

test("a live peer stays connected through a stall of the server's own event loop", async () => {
  const live = peer(true);
  await until(() => live.output().includes('acked'), 'acknowledged');
  // Twenty stalls of one and a half intervals each, between which the loop turns once: pings go
  // out just before a stall, and their pongs wait unread in the socket while it lasts.
  for (let stall = 0; stall < 20; stall++) {
    const busyUntil = Date.now() + 1.5 * INTERVAL_MS;
    while (Date.now() < busyUntil);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL_MS));
  expect(live.output()).not.toMatch(/closed/);
});
