import { LRUCache } from 'lru-cache';
import { unauthenticatedRequest } from '../errors';
import type { EventBus } from '../events';
import { PLATFORM_SCOPE, type SessionStore } from '../sessions';
import type { Principal } from './principal';

/**
 * Refuses access tokens whose session has ended (logout, revocation, password reset, disabled
 * user, refresh-token reuse). Live sessions are remembered locally, so the per-request cost is a
 * map lookup; every revocation is published on the bus and drops the entry at once, and a Redis
 * reconnect drops them all, since revocations published meanwhile were missed. A session that
 * simply expired is caught when its cached entry ages out (`cacheTtlMs`).
 */
export class SessionGate {
  private readonly live: LRUCache<string, true>;

  constructor(
    private readonly sessions: Pick<SessionStore, 'exists'>,
    bus: Pick<EventBus, 'subscribe' | 'onReconnect'>,
    options: { cacheTtlMs?: number; max?: number } = {},
  ) {
    this.live = new LRUCache({ max: options.max ?? 100_000, ttl: options.cacheTtlMs ?? 30_000 });
    bus.subscribe('session.revoked', ({ tenantId, sessionId }) =>
      this.live.delete(key(tenantId, sessionId)),
    );
    bus.onReconnect(() => this.live.clear());
  }

  /** Throws UNAUTHENTICATED (HTTP 401) when the token's session no longer exists. */
  async assertLive(principal: Principal): Promise<void> {
    if (principal.kind === 'anonymous') return;
    const scope = principal.kind === 'user' ? principal.tenantId : PLATFORM_SCOPE;
    const entry = key(scope, principal.sessionId);
    if (this.live.has(entry)) return;
    if (!(await this.sessions.exists(scope, principal.sessionId)))
      throw unauthenticatedRequest('This session has ended; sign in again');
    this.live.set(entry, true);
  }
}

const key = (scope: string, sessionId: string) => `${scope}/${sessionId}`;
