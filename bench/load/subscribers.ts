/**
 * A child process of `bench:load` holding many WebSocket subscribers, each a `ws` socket speaking
 * graphql-ws (`graphql-transport-ws`) itself: connection_init with the token, connection_ack,
 * subscribe, then `next` messages, each stamped on receipt (performance.timeOrigin +
 * performance.now(), comparable across processes). Driven by the parent over IPC (messages.ts).
 */
import WebSocket from 'ws';
import type { ChildReport, ChildStatus, ConnectOrder, ToChild } from './messages';

const now = () => performance.timeOrigin + performance.now();
const HANDSHAKE_TIMEOUT_MS = 60_000;

interface GraphQLErrorJson {
  message: string;
  extensions?: { code?: string };
}
/** The server's messages this client reads (graphql-transport-ws). */
type ServerMessage =
  | { type: 'connection_ack' | 'ping' | 'pong'; id?: undefined; payload?: unknown }
  | {
      type: 'next';
      id: string;
      payload?: {
        data?: { sessionEvents?: { type: string; session: { id: string } } };
        errors?: GraphQLErrorJson[];
      };
    }
  | { type: 'error'; id: string; payload?: GraphQLErrorJson[] }
  | { type: 'complete'; id: string; payload?: undefined };

interface Subscriber {
  socket: WebSocket;
  acked: boolean;
  closed: boolean;
  /** The server ended the subscription (`complete` or `error`). */
  ended: boolean;
}

const subscribers: Subscriber[] = [];
/** Receipt times per event (`TYPE:sessionId`). */
const receipts = new Map<string, number[]>();
const closeCodes: Record<string, number> = {};
const errors: Record<string, number> = {};
let acked = 0;
let openNow = 0;
let failed = 0;
let completes = 0;
let attempted = 0;
let connectStarted = 0;
let connectEnded = 0;

function count(table: Record<string, number>, key: string) {
  table[key] = (table[key] ?? 0) + 1;
}

/** Opens one subscriber; resolves when it is acknowledged or has failed. */
function open(order: ConnectOrder, index: number): Promise<void> {
  return new Promise((resolve) => {
    attempted++;
    const socket = new WebSocket(order.url, 'graphql-transport-ws', { perMessageDeflate: false });
    const subscriber: Subscriber = { socket, acked: false, closed: false, ended: false };
    subscribers.push(subscriber);
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      count(errors, 'handshake timeout');
      socket.terminate();
    }, HANDSHAKE_TIMEOUT_MS);
    socket.on('open', () => {
      const token = order.tokens[index % order.tokens.length];
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
      );
    });
    socket.on('message', (raw) => {
      const at = now();
      const message = JSON.parse(raw.toString()) as ServerMessage;
      switch (message.type) {
        case 'connection_ack':
          subscriber.acked = true;
          acked++;
          openNow++;
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: order.query, operationName: order.operationName },
            }),
          );
          settle();
          break;
        case 'next': {
          const event = message.payload?.data?.sessionEvents;
          if (event) {
            const key = `${event.type}:${event.session.id}`;
            let times = receipts.get(key);
            if (!times) receipts.set(key, (times = []));
            times.push(at);
          }
          for (const error of message.payload?.errors ?? [])
            count(errors, `next: ${error.extensions?.code ?? ''} ${error.message}`);
          break;
        }
        case 'error':
          subscriber.ended = true;
          for (const error of message.payload ?? [])
            count(errors, `error: ${error.extensions?.code ?? ''} ${error.message}`);
          break;
        case 'complete':
          subscriber.ended = true;
          completes++;
          break;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong' }));
          break;
      }
    });
    socket.on('error', (error: Error & { code?: string }) => {
      count(errors, `socket: ${error.code ?? error.message}`);
    });
    socket.on('close', (code, reason) => {
      subscriber.closed = true;
      count(closeCodes, `${code}${reason.length ? ` ${reason.toString()}` : ''}`);
      if (subscriber.acked) openNow--;
      else failed++;
      settle();
    });
  });
}

/** Opens every subscriber of the order, `concurrency` handshakes at a time. */
async function connectAll(order: ConnectOrder) {
  connectStarted = now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(order.concurrency, order.count) }, async () => {
      while (next < order.count) await open(order, order.firstIndex + next++);
    }),
  );
  connectEnded = now();
}

function status(keys: string[]): ChildStatus {
  return {
    attempted,
    acked,
    openNow,
    active: subscribers.filter((s) => s.acked && !s.closed && !s.ended).length,
    failed,
    completes,
    closeCodes,
    errors,
    counts: Object.fromEntries(keys.map((key) => [key, receipts.get(key)?.length ?? 0])),
    connectMs: connectEnded ? connectEnded - connectStarted : undefined,
  };
}

function send(message: unknown) {
  process.send!(message);
}

process.on('message', (message: ToChild) => {
  switch (message.kind) {
    case 'connect':
      void connectAll(message.order).then(() =>
        send({ kind: 'connected', seq: message.seq, status: status([]) }),
      );
      break;
    case 'status':
      send({ kind: 'status', seq: message.seq, status: status(message.keys) });
      break;
    case 'report': {
      const report: ChildReport = {
        status: status([]),
        receipts: Object.fromEntries(message.keys.map((key) => [key, receipts.get(key) ?? []])),
      };
      send({ kind: 'report', seq: message.seq, report });
      break;
    }
    case 'close':
      for (const subscriber of subscribers) subscriber.socket.terminate();
      send({ kind: 'closed', seq: message.seq });
      setTimeout(() => process.exit(0), 100);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
