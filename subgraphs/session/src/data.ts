import { Gauge } from 'prom-client';
import {
  rolesAllow,
  SESSION_STATUS_AFTER,
  type DurableEvents,
  type SessionAnalytics,
  type SessionEvent,
  type SessionRecord,
  type SubgraphDeps,
  type TenantUser,
} from '@tradesage/shared';
import { PrismaClient } from '../../../prisma/session/generated/client';

/** A session as the resolvers see it: the store's record and whether it is still live. */
export interface SessionModel extends SessionRecord {
  status: 'ACTIVE' | 'REVOKED' | 'EXPIRED';
}

export type SessionEventModel = SessionEvent;

/** The analytics of one tenant; daily peaks are read only when asked for. */
export interface SessionAnalyticsModel extends SessionAnalytics {
  tenantId: string;
}

/** A user of this subgraph is only a key: its fields live in the other subgraphs. */
export interface UserReference {
  id: string;
}

/** Usage is keyed by tenant; each subgraph counts what it owns. */
export interface TenantUsageModel {
  tenantId: string;
}

export function createServices({
  config,
  log,
  platform,
  sessions,
  bus,
  streams,
  metrics,
}: SubgraphDeps) {
  new Gauge({
    name: 'sessions_active',
    help: 'Live sessions across every tenant, read from the session store at scrape time',
    registers: [metrics.registry],
    async collect() {
      this.set(await sessions.countAllActive());
    },
  });
  let sweeper: NodeJS.Timeout | undefined;
  const loginHistory = platform.tenantClients((adapter) => new PrismaClient({ adapter }));

  /**
   * The session subgraph's share of an erasure (user.erased): the auth service has ended the
   * user's sessions already; ending them again catches one opened at that very moment (it is a
   * no-op otherwise), and the login history goes. Idempotent.
   */
  async function erase(event: DurableEvents['user.erased']): Promise<void> {
    await sessions.revokeAllForUser(event.tenantId, event.userId, 'USER_ERASED');
    const db = await loginHistory.forTenant(event.tenantId, { includeSuspended: true });
    await db.loginHistory.deleteMany({ where: { userId: event.userId } });
  }

  return {
    /** Durable login history, in each tenant's schema. */
    loginHistory,
    /** Live sessions, in Redis. */
    sessions,
    platform,

    /**
     * The session events the caller may see: their own sessions', or (OWNER and ADMIN) the
     * whole tenant's. Only the caller's tenant channel is subscribed, so no other tenant's event
     * can arrive. The stream ends once the caller's own session ends: after its ending event,
     * or on the `session.revoked` signal even if that event was dropped (a slow reader's queue
     * is bounded), or when a look after a Redis outage finds the session gone.
     */
    watchEvents(caller: TenantUser): AsyncIterableIterator<SessionEvent> {
      const seesTenant = rolesAllow(caller.roles, 'sessions:read:any');
      const events = bus.iterate(
        'session.event',
        (event) =>
          event.tenantId === caller.tenantId && (seesTenant || event.userId === caller.userId),
        { scope: caller.tenantId },
      );
      const ownEnding = bus.iterate(
        'session.revoked',
        (event) => event.tenantId === caller.tenantId && event.sessionId === caller.sessionId,
        { maxQueue: 1 },
      );
      // Closing `events` lets what is already queued drain first (the ending event among it).
      const finish = () => {
        stopLooking();
        void ownEnding.return!();
        return events.return!();
      };
      void ownEnding.next().then((result) => {
        if (!result.done) void finish();
      });
      const stopLooking = bus.onListening(() => {
        sessions.liveness(caller.tenantId, caller.sessionId).then(
          ({ remainingMs }) => {
            if (remainingMs === 0) void finish();
          },
          (error: unknown) => log.warn({ err: error }, 'session look-up failed'),
        );
      });
      let over = false;
      const stream: AsyncIterableIterator<SessionEvent> = {
        [Symbol.asyncIterator]: () => stream,
        next: async () => {
          if (over) return finish();
          const result = await events.next();
          if (result.done) await finish();
          else if (result.value.sessionId === caller.sessionId)
            over = SESSION_STATUS_AFTER[result.value.type] !== 'ACTIVE';
          return result;
        },
        return: finish,
      };
      return stream;
    },

    /** Ends expired sessions and announces them; every replica sweeps, each session ends once. */
    start() {
      streams.consume('user.erased', 'session-erasure', erase);
      let sweeping = false;
      sweeper = setInterval(() => {
        if (sweeping) return; // a slow sweep is still going: skip this round
        sweeping = true;
        sessions
          .sweepExpired()
          .catch((error: unknown) => log.error({ err: error }, 'session sweep failed'))
          .finally(() => (sweeping = false));
      }, config.SESSION_SWEEP_INTERVAL_SECONDS * 1000);
      sweeper.unref();
    },
    stop() {
      if (sweeper) clearInterval(sweeper);
    },
  };
}

export type SessionServices = ReturnType<typeof createServices>;
