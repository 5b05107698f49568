import { LRUCache } from 'lru-cache';
import { unauthenticatedRequest } from '../errors';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import { PLATFORM_SCOPE, type SessionStore } from '../sessions';
import type { Principal } from './principal';

export interface SessionGateOptions {
  /** How long a checked session is trusted before Redis is asked again. */
  cacheTtlMs?: number;
  max?: number;
  /** How often this process reports a session's activity (the store writes it at most as often). */
  touchIntervalMs?: number;
  log?: Logger;
}

interface LiveEntry {
  /** When the session's use was last reported to the store, by anyone (ms). */
  touchedAt: number;
}

/** How long an ended session is remembered, so an answer already on its way cannot re-admit it. */
const ENDED_MEMORY_MS = 60_000;

/**
 * Refuses access tokens whose session has ended (logout, revocation, password reset, disabled
 * user, refresh-token reuse, eviction, expiry). Live sessions are remembered locally, so the
 * per-request cost is a map lookup. Every ending is published on the bus: it drops the entry at
 * once and leaves a tombstone, so a Redis answer read before the ending cannot cache the session
 * again. Only while the bus is hearing events does the gate cache at all: when its connection
 * drops, every entry goes and each request asks Redis until it is back. An entry never outlives
 * the session's own deadline, so expiry needs no event. Use is reported to the store
 * (lastSeenAt, idle deadline) at most once per touch interval, in the background.
 */
export class SessionGate {
  private readonly live: LRUCache<string, LiveEntry>;
  private readonly ended: LRUCache<string, true>;
  private readonly cacheTtlMs: number;
  private readonly touchIntervalMs: number;
  /** Bumped whenever the bus drops or comes back: a check that spans it must not cache. */
  private generation = 0;
  /** Whether the revocation channel is subscribed, so endings reach this process. */
  private hearsEndings = false;

  constructor(
    private readonly sessions: Pick<SessionStore, 'liveness' | 'touch'>,
    private readonly bus: Pick<EventBus, 'subscribe' | 'onListening' | 'onDeaf' | 'listening'>,
    private readonly options: SessionGateOptions = {},
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    const max = options.max ?? 100_000;
    this.live = new LRUCache({ max, ttl: this.cacheTtlMs });
    this.ended = new LRUCache({ max, ttl: ENDED_MEMORY_MS });
    const forget = () => {
      this.generation++;
      this.live.clear();
    };
    bus.onListening(forget);
    bus.onDeaf(forget);
    bus
      .subscribe('session.revoked', ({ tenantId, sessionId }) => {
        const entryKey = key(tenantId, sessionId);
        this.ended.set(entryKey, true);
        this.live.delete(entryKey);
      })
      .then(() => (this.hearsEndings = true));
  }

  /** Throws UNAUTHENTICATED (HTTP 401) when the token's session no longer exists. */
  async assertLive(principal: Principal): Promise<void> {
    if (principal.kind === 'anonymous') return;
    const scope = principal.kind === 'user' ? principal.tenantId : PLATFORM_SCOPE;
    const entryKey = key(scope, principal.sessionId);
    let entry = this.live.get(entryKey);
    if (!entry) {
      const generation = this.generation;
      const { remainingMs, lastSeenMs } = await this.sessions.liveness(scope, principal.sessionId);
      if (remainingMs <= 0 || this.ended.has(entryKey)) throw sessionEnded();
      entry = { touchedAt: lastSeenMs };
      if (generation === this.generation && this.hearsEndings && this.bus.listening)
        this.live.set(entryKey, entry, { ttl: Math.min(this.cacheTtlMs, remainingMs) });
    }
    const now = Date.now();
    if (now - entry.touchedAt >= this.touchIntervalMs) {
      entry.touchedAt = now;
      this.sessions.touch(scope, principal.sessionId).then(
        (remaining) => {
          if (remaining === 0) this.live.delete(entryKey);
        },
        (error: unknown) => this.options.log?.warn({ err: error }, 'session touch failed'),
      );
    }
  }
}

const key = (scope: string, sessionId: string) => `${scope}/${sessionId}`;
const sessionEnded = () => unauthenticatedRequest('This session has ended; sign in again');
