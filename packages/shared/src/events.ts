import type { Redis } from 'ioredis';
import type { Logger } from './logger';

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
}

export type Topic = keyof BusEvents;
type Handler<T extends Topic> = (event: BusEvents[T]) => void;

/**
 * The Redis event bus. Publishing uses the service's connection; subscribing needs a connection
 * of its own (a subscribed Redis connection can do nothing else), made on first subscribe.
 * ioredis re-subscribes after a reconnect, and `onReconnect` handlers run then, because events
 * published while the connection was down are lost and caches must be dropped.
 */
export class EventBus {
  private subscriber: Redis | undefined;
  private readonly handlers = new Map<string, Set<(event: unknown) => void>>();
  private readonly reconnectHandlers = new Set<() => void>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {}

  async publish<T extends Topic>(topic: T, event: BusEvents[T]): Promise<void> {
    await this.redis.publish(this.channel(topic), JSON.stringify(event));
  }

  /**
   * Registers a handler. The Redis subscription is made in the background, so a service starts
   * even while Redis is down; ioredis subscribes as soon as the connection is up.
   */
  subscribe<T extends Topic>(topic: T, handler: Handler<T>): void {
    const channel = this.channel(topic);
    let handlers = this.handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.handlers.set(channel, handlers);
      this.connection()
        .subscribe(channel)
        .catch((error: unknown) =>
          this.log.error({ err: error, channel }, 'event bus subscribe failed'),
        );
    }
    handlers.add(handler as (event: unknown) => void);
  }

  /**
   * The events of a topic as an async iterator, for GraphQL subscriptions. Events that arrive
   * faster than they are read are queued (bounded: the oldest go first).
   */
  iterate<T extends Topic>(
    topic: T,
    filter: (event: BusEvents[T]) => boolean,
    maxQueue = 100,
  ): AsyncIterableIterator<BusEvents[T]> {
    const queue: BusEvents[T][] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const handler = (event: BusEvents[T]) => {
      if (closed || !filter(event)) return;
      queue.push(event);
      if (queue.length > maxQueue) queue.shift();
      wake?.();
    };
    this.subscribe(topic, handler);
    const close = () => {
      closed = true;
      this.handlers.get(this.channel(topic))?.delete(handler as (event: unknown) => void);
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

  /** Runs after the subscriber connection comes back: whatever was published meanwhile is lost. */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) subscriber.disconnect();
  }

  private channel(topic: Topic): string {
    return `${this.prefix}events:${topic}`;
  }

  private connection(): Redis {
    if (!this.subscriber) {
      const subscriber = this.redis.duplicate();
      let connectedBefore = false;
      subscriber.on('ready', () => {
        if (connectedBefore) for (const handler of this.reconnectHandlers) handler();
        connectedBefore = true;
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
