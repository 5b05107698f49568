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
  /** When this process last reported activity of the session (ms). */
  touchedAt: number;
}

/**
 * Refuses access tokens whose session has ended (logout, revocation, password reset, disabled
 * user, refresh-token reuse, eviction, expiry). Live sessions are remembered locally, so the
 * per-request cost is a map lookup. Every ending is published on the bus and drops the entry at
 * once; a Redis reconnect drops them all, since endings published meanwhile were missed. An
 * entry never outlives the session's own deadline, so expiry needs no event. Use is reported to
 * the store (lastSeenAt, idle deadline) at most once per touch interval, in the background.
 */
export class SessionGate {
  private readonly live: LRUCache<string, LiveEntry>;
  private readonly cacheTtlMs: number;
  private readonly touchIntervalMs: number;

  constructor(
    private readonly sessions: Pick<SessionStore, 'remainingMs' | 'touch'>,
    bus: Pick<EventBus, 'subscribe' | 'onReconnect'>,
    private readonly options: SessionGateOptions = {},
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.live = new LRUCache({ max: options.max ?? 100_000, ttl: this.cacheTtlMs });
    bus.subscribe('session.revoked', ({ tenantId, sessionId }) =>
      this.live.delete(key(tenantId, sessionId)),
    );
    bus.onReconnect(() => this.live.clear());
  }

  /** Throws UNAUTHENTICATED (HTTP 401) when the token's session no longer exists. */
  async assertLive(principal: Principal): Promise<void> {
    if (principal.kind === 'anonymous') return;
    const scope = principal.kind === 'user' ? principal.tenantId : PLATFORM_SCOPE;
    const entryKey = key(scope, principal.sessionId);
    let entry = this.live.get(entryKey);
    if (!entry) {
      const remaining = await this.sessions.remainingMs(scope, principal.sessionId);
      if (remaining <= 0) throw unauthenticatedRequest('This session has ended; sign in again');
      entry = { touchedAt: 0 };
      this.live.set(entryKey, entry, { ttl: Math.min(this.cacheTtlMs, remaining) });
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
