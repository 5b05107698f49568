import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger';
import type { RevocationReason, SessionEvent } from './sessions';

/** Events that cross processes and replicas. Channel names are the prefix plus the topic. */
export interface BusEvents {
  /** A tenant's directory entry changed (status, limits, placement): drop cached copies. */
  'tenant.changed': { tenantId: string; status: string };
  /** A tenant's health, on an interval and on every change (the tenantHealth subscription). */
  'tenant.health': {
    tenantId: string;
    status: 'HEALTHY' | 'DEGRADED' | 'DOWN';
    dbLatencyMs: number | null;
    activeSessions: number;
    schemaVersion: string | null;
    checkedAt: string;
  };
  /** A session ended (revoked, evicted or expired): every cache of it must drop it. */
  'session.revoked': {
    tenantId: string;
    sessionId: string;
    userId: string;
    reason: RevocationReason;
  };
  /**
   * A session was created, refreshed, revoked, expired or evicted. Scoped: each tenant has its
   * own channel, so a subscriber never receives another tenant's events. The session store's
   * scripts publish these.
   */
  'session.event': SessionEvent;
}

export type Topic = keyof BusEvents;
type Handler<T extends Topic> = (event: BusEvents[T]) => void;

/**
 * The Redis event bus. Publishing uses the service's connection; subscribing needs a connection
 * of its own (a subscribed Redis connection can do nothing else), made on first subscribe.
 * Whenever that connection becomes ready (the first time, or after an outage) the bus subscribes
 * to every channel itself and then runs the `onListening` handlers; when it drops, the
 * `onDeaf` handlers. Events published while it was down are lost, so whoever caches what events
 * would invalidate must stop trusting the cache in between.
 */
export class EventBus {
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(event: unknown) => void>>();
  private readonly listeningHandlers = new Set<() => void>();
  private readonly deafHandlers = new Set<() => void>();
  /** Waiting for the next time every channel is subscribed. */
  private waiting: (() => void)[] = [];
  /** The subscriber connection is up and subscribed to every channel that has handlers. */
  private isListening = false;
  /** Channels subscribed (or being subscribed) while listening: one SUBSCRIBE each, not one per handler. */
  private confirmations = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {}

  /** `scope` picks a topic's channel of one tenant (for scoped topics such as session.event). */
  async publish<T extends Topic>(topic: T, event: BusEvents[T], scope?: string): Promise<void> {
    await this.redis.publish(this.channel(topic, scope), JSON.stringify(event));
  }

  /**
   * Registers a handler. A service starts even while Redis is down: the returned promise
   * resolves once Redis has confirmed the channel's subscription, whenever that is.
   */
  subscribe<T extends Topic>(topic: T, handler: Handler<T>, scope?: string): Promise<void> {
    const channel = this.channel(topic, scope);
    let handlers = this.handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.handlers.set(channel, handlers);
    }
    handlers.add(handler as (event: unknown) => void);
    const subscriber = this.connection();
    const nextListening = () => new Promise<void>((resolve) => this.waiting.push(resolve));
    // Not ready: the subscription is made with all the others when the connection is.
    if (!this.isListening) return nextListening();
    let confirmed = this.confirmations.get(channel);
    if (!confirmed) {
      confirmed = subscriber.subscribe(channel).then(
        () => undefined,
        () => {
          this.confirmations.delete(channel);
          return nextListening();
        },
      );
      this.confirmations.set(channel, confirmed);
    }
    return confirmed;
  }

  /** Whether events are being heard now (the subscriber connection is up and subscribed). */
  get listening(): boolean {
    return this.isListening;
  }

  /**
   * The events of a topic as an async iterator, for GraphQL subscriptions. Events that arrive
   * faster than they are read are queued (bounded: the oldest go first).
   */
  iterate<T extends Topic>(
    topic: T,
    filter: (event: BusEvents[T]) => boolean,
    options: { scope?: string; maxQueue?: number } = {},
  ): AsyncIterableIterator<BusEvents[T]> {
    const { scope, maxQueue = 100 } = options;
    const queue: BusEvents[T][] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const handler = (event: BusEvents[T]) => {
      if (closed || !filter(event)) return;
      queue.push(event);
      if (queue.length > maxQueue) queue.shift();
      wake?.();
    };
    void this.subscribe(topic, handler, scope);
    const close = () => {
      if (closed) return;
      closed = true;
      this.unsubscribe(this.channel(topic, scope), handler as (event: unknown) => void);
      wake?.();
    };
    const iterator: AsyncIterableIterator<BusEvents[T]> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        while (queue.length === 0 && !closed)
          await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        const value = queue.shift();
        return value === undefined ? { done: true, value: undefined } : { done: false, value };
      },
      return: async () => {
        close();
        return { done: true, value: undefined };
      },
    };
    return iterator;
  }

  /**
   * Runs each time the bus starts hearing events again (and the first time): whatever was
   * published while it was not is lost. Returns a function that removes the handler.
   */
  onListening(handler: () => void): () => void {
    this.listeningHandlers.add(handler);
    return () => this.listeningHandlers.delete(handler);
  }

  /** Runs when the bus stops hearing events (the subscriber connection dropped). */
  onDeaf(handler: () => void): () => void {
    this.deafHandlers.add(handler);
    return () => this.deafHandlers.delete(handler);
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) subscriber.disconnect();
  }

  /** Drops a handler; the last one of a channel ends its Redis subscription. */
  private unsubscribe(channel: string, handler: (event: unknown) => void): void {
    const handlers = this.handlers.get(channel);
    if (!handlers?.delete(handler) || handlers.size > 0) return;
    this.handlers.delete(channel);
    this.confirmations.delete(channel);
    if (!this.isListening) return; // the next resubscription leaves it out
    this.subscriber
      ?.unsubscribe(channel)
      .catch((error: unknown) =>
        this.log.warn({ err: error, channel }, 'event bus unsubscribe failed'),
      );
  }

  /**
   * Subscribes to every channel with handlers, including any added while this runs, and leaves
   * those whose handlers all went meanwhile.
   */
  private async subscribeAll(subscriber: Redis): Promise<void> {
    const subscribed = new Set<string>();
    for (;;) {
      const missing = [...this.handlers.keys()].filter((channel) => !subscribed.has(channel));
      if (missing.length === 0) break;
      await subscriber.subscribe(...missing);
      for (const channel of missing) subscribed.add(channel);
    }
    const unused = [...subscribed].filter((channel) => !this.handlers.has(channel));
    if (unused.length > 0) await subscriber.unsubscribe(...unused);
  }

  private runAll(handlers: Set<() => void>): void {
    for (const handler of handlers) {
      try {
        handler();
      } catch (error) {
        this.log.error({ err: error }, 'event bus handler failed');
      }
    }
  }

  private channel(topic: Topic, scope?: string): string {
    return scope === undefined
      ? `${this.prefix}events:${topic}`
      : `${this.prefix}events:${topic}:${scope}`;
  }

  private connection(): Redis {
    if (!this.subscriber) {
      // Subscribed here on every ready rather than by ioredis, so that the listening handlers
      // run only once the subscriptions are in place: an event published after that is heard.
      const subscriber = this.redis.duplicate({ autoResubscribe: false });
      subscriber.on('ready', () => {
        this.subscribeAll(subscriber).then(
          () => {
            if (subscriber.status !== 'ready') return; // dropped meanwhile: the next ready retries
            this.isListening = true;
            for (const channel of this.handlers.keys())
              this.confirmations.set(channel, Promise.resolve());
            const waiting = this.waiting;
            this.waiting = [];
            for (const resolve of waiting) resolve();
            this.runAll(this.listeningHandlers);
          },
          (error: unknown) => this.log.error({ err: error }, 'event bus subscribe failed'),
        );
      });
      subscriber.on('close', () => {
        this.confirmations.clear();
        if (!this.isListening) return;
        this.isListening = false;
        this.runAll(this.deafHandlers);
      });
      subscriber.on('error', (error: Error) =>
        this.log.warn({ err: error }, 'event bus connection error'),
      );
      subscriber.on('message', (channel: string, message: string) => {
        const handlers = this.handlers.get(channel);
        if (!handlers) return;
        let event: unknown;
        try {
          event = JSON.parse(message);
        } catch {
          this.log.warn({ channel }, 'dropped an event that is not JSON');
          return;
        }
        for (const handler of handlers) {
          try {
            handler(event);
          } catch (error) {
            this.log.error({ err: error, channel }, 'event handler failed');
          }
        }
      });
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }
}

/**
 * Events that must not be lost: they are kept in a Redis stream until a consumer group has
 * handled them, so a service that is down or restarting catches up when it comes back.
 */
export interface DurableEvents {
  /**
   * An account needs an e-mail with a single-use link (or a notice). The auth service makes the
   * token when it sends, so no secret ever sits in the stream.
   */
  'account.email': {
    tenantId: string;
    accountId: string;
    kind: 'INVITATION' | 'EMAIL_VERIFICATION' | 'PASSWORD_RESET' | 'ALREADY_REGISTERED';
  };
  /** An account was created (registration, invitation, provisioning): the user service keeps its profile. */
  'account.created': {
    tenantId: string;
    accountId: string;
    email: string;
    name: string;
  };
  /** Something happened to a user's account: the user service keeps it as the activity feed. */
  activity: ActivityEvent;
  /**
   * A user's personal data was erased (eraseUser): the auth service deleted the account; every
   * other owner deletes what it holds about `userId`, or, where it must keep a record, replaces
   * the id with `pseudonym` (what the audit trail calls the user now). Handlers are idempotent.
   */
  'user.erased': {
    tenantId: string;
    userId: string;
    pseudonym: string;
    /** ISO-8601. */
    erasedAt: string;
  };
}

export type DurableTopic = keyof DurableEvents;

export interface ActivityEvent {
  /** Made by the producer, so that a redelivered event is recorded once. */
  id: string;
  tenantId: string;
  userId: string;
  /** LOGIN, LOGOUT, PASSWORD_CHANGED, MFA_ENABLED, ROLE_CHANGED, USER_DISABLED, SESSION_REVOKED, … */
  type: string;
  /** ISO-8601; when it happened, not when it was handled. */
  at: string;
  ipAddress?: string | null;
  metadata?: Record<string, unknown>;
}

interface StreamEntry {
  id: string;
  fields: string[];
}

export interface EventStreamOptions {
  /** How long a delivered but unacknowledged entry waits before it is delivered again. */
  claimIdleMs: number;
  /**
   * Deliveries before an entry that keeps failing is set aside in the dead-letter stream
   * (`<stream>:dead`): by default about ten minutes of retries, 30 s apart.
   */
  maxDeliveries: number;
  /** How long one read waits for new entries (also how soon a stopped consumer notices). */
  blockMs: number;
}

const STREAM_DEFAULTS: EventStreamOptions = {
  claimIdleMs: 30_000,
  maxDeliveries: 20,
  blockMs: 2_000,
};

/**
 * Durable events on Redis streams with consumer groups: each group handles every entry once
 * (at least once, so handlers are idempotent), and a replica that dies mid-entry leaves it to
 * be claimed by another.
 */
export class EventStream {
  private readonly readers = new Set<Redis>();
  private stopped = false;

  private readonly options: EventStreamOptions;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
    options: Partial<EventStreamOptions> = {},
  ) {
    this.options = { ...STREAM_DEFAULTS, ...options };
  }

  async append<T extends DurableTopic>(topic: T, event: DurableEvents[T]): Promise<void> {
    // Trimmed approximately, far above what consumers leave behind.
    await this.redis.xadd(
      this.key(topic),
      'MAXLEN',
      '~',
      '100000',
      '*',
      'event',
      JSON.stringify(event),
    );
  }

  /** Handles the topic's entries in `group`, from the oldest the group has not handled. */
  consume<T extends DurableTopic>(
    topic: T,
    group: string,
    handler: (event: DurableEvents[T]) => Promise<void>,
  ): void {
    const reader = this.redis.duplicate();
    reader.on('error', (error: Error) =>
      this.log.warn({ err: error, topic }, 'stream reader error'),
    );
    this.readers.add(reader);
    const consumer = `${process.pid}-${randomUUID().slice(0, 8)}`;
    const key = this.key(topic);
    const attempts = new Map<string, number>();
    const handle = async (entry: StreamEntry) => {
      const json = entry.fields[entry.fields.indexOf('event') + 1];
      try {
        await handler(JSON.parse(json) as DurableEvents[T]);
        await reader.xack(key, group, entry.id);
        attempts.delete(entry.id);
      } catch (error) {
        const count = (attempts.get(entry.id) ?? 0) + 1;
        attempts.set(entry.id, count);
        if (count >= this.options.maxDeliveries) {
          this.log.error(
            { err: error, topic, group, entry: entry.id },
            'event set aside in the dead-letter stream after retries',
          );
          await reader.xadd(
            `${key}:dead`,
            '*',
            'event',
            json,
            'group',
            group,
            'error',
            String((error as Error).message ?? error),
          );
          await reader.xack(key, group, entry.id);
          attempts.delete(entry.id);
        } else {
          this.log.warn({ err: error, topic, group, entry: entry.id }, 'event handler failed');
        }
      }
    };
    const loop = async () => {
      await reader.xgroup('CREATE', key, group, '0', 'MKSTREAM').catch((error: Error) => {
        if (!error.message.includes('BUSYGROUP')) throw error;
      });
      while (!this.stopped) {
        const [, claimed] = (await reader.xautoclaim(
          key,
          group,
          consumer,
          this.options.claimIdleMs,
          '0',
          'COUNT',
          10,
        )) as [string, [string, string[]][]];
        for (const [id, fields] of claimed) if (fields) await handle({ id, fields });
        const batches = (await reader.xreadgroup(
          'GROUP',
          group,
          consumer,
          'COUNT',
          10,
          'BLOCK',
          this.options.blockMs,
          'STREAMS',
          key,
          '>',
        )) as [string, [string, string[]][]][] | null;
        for (const [, entries] of batches ?? [])
          for (const [id, fields] of entries) await handle({ id, fields });
      }
    };
    const run = (): void => {
      loop().catch((error: unknown) => {
        if (this.stopped) return;
        this.log.warn({ err: error, topic, group }, 'stream consumer restarting');
        setTimeout(run, 1_000).unref();
      });
    };
    run();
  }

  /**
   * Deletes the entries of a topic, and of its dead-letter stream, that `match` picks, reading
   * a page at a time: for erasure, so that no copy of a person's data waits in Redis until the
   * stream is trimmed. An entry a group has not handled yet goes too (what it is about is gone).
   * Returns how many went.
   */
  async remove<T extends DurableTopic>(
    topic: T,
    match: (event: DurableEvents[T]) => boolean,
  ): Promise<number> {
    // The in-process Redis of embedded mode has no XDEL; its streams go with the process.
    if (typeof (this.redis as Partial<Pick<Redis, 'xdel'>>).xdel !== 'function') return 0;
    const page = 500;
    let removed = 0;
    for (const key of [this.key(topic), `${this.key(topic)}:dead`]) {
      let start = '-';
      for (;;) {
        const entries = (await this.redis.xrange(key, start, '+', 'COUNT', page)) as [
          string,
          string[],
        ][];
        const ids = entries
          .filter(([, fields]) => {
            try {
              return match(JSON.parse(fields[fields.indexOf('event') + 1]) as DurableEvents[T]);
            } catch {
              return false; // not an event of ours: left alone
            }
          })
          .map(([id]) => id);
        if (ids.length > 0) removed += await this.redis.xdel(key, ...ids);
        if (entries.length < page) break;
        start = `(${entries.at(-1)![0]}`;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const reader of this.readers) reader.disconnect();
    this.readers.clear();
  }

  private key(topic: DurableTopic): string {
    return `${this.prefix}stream:${topic}`;
  }
}
