import { randomUUID } from 'node:crypto';
import {
  badUserInput,
  connection,
  decodeCursor,
  pageSize,
  parseInput,
  isUuid,
  requestLoader,
  type ActivityEvent,
  type DataSubject,
  type DurableEvents,
  type RequestContext,
  type SubgraphDeps,
} from '@tradesage/shared';
import { PrismaClient, type Prisma, type Profile } from '../../../prisma/user/generated/client';
import {
  mergePreferences,
  preferencesInput,
  profileInput,
  withDefaults,
  type Preferences,
} from './profiles';

/** A user as this subgraph knows it: the profile, with defaults when none is stored. */
export interface UserModel {
  id: string;
  tenantId: string;
  name: string;
  avatarUrl: string | null;
  preferences: Preferences;
}

/** A user seen by the caller: always in the caller's own tenant. */
interface Caller {
  tenantId: string;
  userId: string;
}

const HOUR_MS = 3_600_000;

/** The advisory lock of one user's data: events about them take it shared, erasure exclusively. */
const userLock = (userId: string) => `tradesage:user:${userId}`;

/**
 * Writes what an event says about a user, unless the user was erased. An event delivered late,
 * or again (delivery is at least once), then either lands before the erasure, which deletes it,
 * or finds the user erased and leaves nothing behind.
 */
async function unlessErased(
  db: PrismaClient,
  userId: string,
  write: (tx: Prisma.TransactionClient) => Promise<unknown>,
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtextextended(${userLock(userId)}::text, 0))`;
    if (await tx.erasedUser.findUnique({ where: { userId } })) return;
    await write(tx);
  });
}

function toUser(tenantId: string, userId: string, profile: Profile | null): UserModel {
  return {
    id: userId,
    tenantId,
    name: profile?.name ?? '',
    avatarUrl: profile?.avatarUrl ?? null,
    preferences: withDefaults(profile?.preferences),
  };
}

export function createServices({ platform, streams, config }: SubgraphDeps) {
  const clients = platform.tenantClients((adapter) => new PrismaClient({ adapter }));
  /** When each tenant's old activity was last purged (at most hourly, on the event path). */
  const purgedAt = new Map<string, number>();

  async function recordActivity(event: ActivityEvent): Promise<void> {
    const db = await clients.forTenant(event.tenantId, { includeSuspended: true });
    // The event's id makes a redelivered event a no-op.
    await unlessErased(db, event.userId, (tx) =>
      tx.activity.createMany({
        data: [
          {
            id: event.id,
            userId: event.userId,
            type: event.type,
            at: new Date(event.at),
            ipAddress: event.ipAddress ?? null,
            metadata: (event.metadata ?? {}) as object,
          },
        ],
        skipDuplicates: true,
      }),
    );
    const last = purgedAt.get(event.tenantId) ?? 0;
    if (Date.now() - last > HOUR_MS) {
      purgedAt.set(event.tenantId, Date.now());
      await db.activity.deleteMany({ where: { at: { lt: retentionCutoff() } } });
    }
  }

  const retentionCutoff = () => new Date(Date.now() - config.ACTIVITY_RETENTION_DAYS * 86_400_000);

  /**
   * The user subgraph's share of an erasure: the profile (name, e-mail copy, avatar,
   * preferences) and the activity feed go, and the user is remembered as erased, so that no
   * later event brings anything back. Idempotent.
   */
  async function erase(event: DurableEvents['user.erased']): Promise<void> {
    const db = await clients.forTenant(event.tenantId, { includeSuspended: true });
    const { userId } = event;
    await db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${userLock(userId)}::text, 0))`;
      await tx.erasedUser.createMany({ data: [{ userId }], skipDuplicates: true });
      await tx.profile.deleteMany({ where: { userId } });
      await tx.activity.deleteMany({ where: { userId } });
    });
  }

  /** Profiles of the caller's tenant by user id, batched per request. */
  const profiles = (ctx: RequestContext, tenantId: string) =>
    requestLoader(
      ctx,
      `profiles:${tenantId}`,
      async (ids) =>
        (await clients.forTenant(tenantId)).profile.findMany({
          where: { userId: { in: [...ids] } },
        }),
      (profile) => profile.userId,
    );

  return {
    clients,
    start() {
      // Every new account gets its profile (idempotent: the stream delivers at least once).
      streams.consume('account.created', 'user-profiles', async (event) => {
        const db = await clients.forTenant(event.tenantId, { includeSuspended: true });
        await unlessErased(db, event.accountId, async (tx) => {
          await tx.profile.upsert({
            where: { userId: event.accountId },
            create: { userId: event.accountId, name: event.name, email: event.email },
            update: { email: event.email },
          });
          // A profile the user touched before this event arrived has no name yet: give it one.
          await tx.profile.updateMany({
            where: { userId: event.accountId, name: '' },
            data: { name: event.name },
          });
        });
      });
      streams.consume('activity', 'user-activity', recordActivity);
      streams.consume('user.erased', 'user-erasure', erase);
    },

    /**
     * Users of the caller's tenant by id, batched per request (one query for any number of
     * references). `withDefaults` is for the caller themself, who exists (the token says so)
     * even before a profile is stored.
     */
    async user(ctx: RequestContext, caller: Caller, userId: string, withDefaultsForSelf = false) {
      if (!isUuid(userId)) return null;
      const profile = await profiles(ctx, caller.tenantId).load(userId);
      if (!profile && !withDefaultsForSelf) return null;
      return toUser(caller.tenantId, userId, profile);
    },

    /** The caller's stored profile, as it is (exportMyData), or null. */
    profile: (ctx: RequestContext, subject: DataSubject) =>
      profiles(ctx, subject.tenantId).load(subject.userId),

    /**
     * The tenant's users ordered by name, then id; search matches name or e-mail. A list may lag:
     * it is read from a replica unless the caller's session has just written.
     */
    async users(
      ctx: RequestContext,
      caller: Caller,
      first: number,
      after?: string | null,
      search?: string | null,
    ) {
      const size = pageSize(first, 20);
      const term = search?.trim();
      if (term && term.length > 100) throw badUserInput('search: at most 100 characters');
      // Prisma's `contains` becomes ILIKE '%term%': the term's own wildcards must match literally.
      const literal = term?.replace(/[\\%_]/g, (char) => `\\${char}`);
      const cursor = after ? decodeCursor(after, 2) : null;
      if (cursor && !isUuid(cursor[1])) throw badUserInput('Invalid cursor', { field: 'after' });
      const db = await clients.forReading(caller.tenantId, ctx.reads);
      const matching = term
        ? {
            OR: [
              { name: { contains: literal, mode: 'insensitive' as const } },
              { email: { contains: literal, mode: 'insensitive' as const } },
            ],
          }
        : {};
      const [rows, totalCount] = await Promise.all([
        db.profile.findMany({
          where: cursor
            ? {
                AND: [
                  matching,
                  {
                    OR: [
                      { name: { gt: cursor[0] } },
                      { name: cursor[0], userId: { gt: cursor[1] } },
                    ],
                  },
                ],
              }
            : matching,
          orderBy: [{ name: 'asc' }, { userId: 'asc' }],
          take: size + 1,
        }),
        db.profile.count({ where: matching }),
      ]);
      const users = rows.map((profile) => toUser(caller.tenantId, profile.userId, profile));
      return { ...connection(users, size, (user) => [user.name, user.id]), totalCount };
    },

    async updateProfile(ctx: RequestContext, caller: Caller, raw: unknown): Promise<UserModel> {
      const input = parseInput(profileInput, raw);
      const db = await clients.forTenant(caller.tenantId);
      const changes = {
        ...(input.name != null ? { name: input.name } : {}),
        // An explicit null removes the avatar; an omitted field keeps it.
        ...(input.avatarUrl !== undefined ? { avatarUrl: input.avatarUrl } : {}),
      };
      const profile = await db.profile.upsert({
        where: { userId: caller.userId },
        create: { userId: caller.userId, name: input.name ?? '', avatarUrl: input.avatarUrl },
        update: changes,
      });
      await recordActivity(
        activityOf(ctx, caller, 'PROFILE_UPDATED', { fields: Object.keys(changes) }),
      );
      return toUser(caller.tenantId, caller.userId, profile);
    },

    async updatePreferences(ctx: RequestContext, caller: Caller, raw: unknown) {
      const input = parseInput(preferencesInput, raw);
      const db = await clients.forTenant(caller.tenantId);
      const preferences = await db.$transaction(async (tx) => {
        // The row lock makes concurrent updates of different fields apply one after the other.
        await tx.$queryRaw`SELECT 1 FROM profiles WHERE user_id = ${caller.userId}::uuid FOR UPDATE`;
        const current = await tx.profile.findUnique({ where: { userId: caller.userId } });
        const next = mergePreferences(withDefaults(current?.preferences), input);
        await tx.profile.upsert({
          where: { userId: caller.userId },
          create: { userId: caller.userId, name: '', preferences: next as object },
          update: { preferences: next as object },
        });
        return next;
      });
      await recordActivity(activityOf(ctx, caller, 'PREFERENCES_UPDATED', { preferences }));
      return preferences;
    },

    /**
     * The user's activity, newest first, within the retention period. `after` is the id of the
     * last entry already seen: the page continues below it, ties in time broken by id.
     */
    async activity(caller: Caller, first: number, after?: string | null) {
      const db = await clients.forTenant(caller.tenantId);
      const cutoff = retentionCutoff();
      const last =
        after && isUuid(after)
          ? await db.activity.findFirst({ where: { id: after, userId: caller.userId } })
          : null;
      if (after && !last) throw badUserInput('Unknown activity entry', { field: 'after' });
      return db.activity.findMany({
        where: {
          userId: caller.userId,
          at: { gte: cutoff },
          ...(last ? { OR: [{ at: { lt: last.at } }, { at: last.at, id: { lt: last.id } }] } : {}),
        },
        orderBy: [{ at: 'desc' }, { id: 'desc' }],
        take: pageSize(first, 20),
      });
    },
  };
}

function activityOf(
  ctx: RequestContext,
  caller: Caller,
  type: string,
  metadata: Record<string, unknown>,
): ActivityEvent {
  return {
    id: randomUUID(),
    tenantId: caller.tenantId,
    userId: caller.userId,
    type,
    at: new Date().toISOString(),
    ipAddress: ctx.clientIp ?? null,
    metadata,
  };
}

export type UserServices = ReturnType<typeof createServices>;
