/** The IPC messages between `bench:load` and its subscriber processes (subscribers.ts). */

export interface ConnectOrder {
  /** The router's ws:// URL. */
  url: string;
  /** Tokens, shared round-robin by subscriber index. */
  tokens: string[];
  count: number;
  /** The index of this process's first subscriber (picks its token). */
  firstIndex: number;
  query: string;
  operationName: string;
  /** Handshakes in flight at once in this process. */
  concurrency: number;
}

export type ToChild =
  | { kind: 'connect'; seq: number; order: ConnectOrder }
  /** Counters, and how many receipts of each event key (`TYPE:sessionId`) so far. */
  | { kind: 'status'; seq: number; keys: string[] }
  | { kind: 'report'; seq: number; keys: string[] }
  | { kind: 'close'; seq: number };

export interface ChildStatus {
  attempted: number;
  /** Subscribers that got connection_ack (and then sent subscribe). */
  acked: number;
  /** Acknowledged and not closed since. */
  openNow: number;
  /** Subscribed and still on: the socket open, the subscription not ended by the server. */
  active: number;
  /** Closed before connection_ack. */
  failed: number;
  /** `complete` messages: subscriptions the server ended. */
  completes: number;
  /** Close code (and reason) → sockets. */
  closeCodes: Record<string, number>;
  /** Error text → occurrences (socket errors, `error` messages, errors in `next`). */
  errors: Record<string, number>;
  counts: Record<string, number>;
  /** Wall time to open every subscriber of the order, once done. */
  connectMs?: number;
}

export interface ChildReport {
  status: ChildStatus;
  /** Receipt times (ms since the epoch, sub-millisecond) per event key asked for. */
  receipts: Record<string, number[]>;
}

export type FromChild =
  | { kind: 'connected'; seq: number; status: ChildStatus }
  | { kind: 'status'; seq: number; status: ChildStatus }
  | { kind: 'report'; seq: number; report: ChildReport }
  | { kind: 'closed'; seq: number };
