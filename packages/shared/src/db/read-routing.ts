import type { Redis } from 'ioredis';
import type { Principal } from '../auth/principal';

/**
 * Read-your-writes across replicas. A session that wrote reads from the primary for a while
 * (REPLICA_READ_AFTER_WRITE_SECONDS), in every service and replica of the stack, whatever the
 * replicas' lag: the mark is in Redis, set before the write so that no read after it can miss it.
 */
export class WriteMarks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly windowMs: number,
    /** Whether the caller's data has a replica at all; without one a mark is a wasted write. */
    private readonly hasReplicas: (principal: Principal) => Promise<boolean> = async () => true,
  ) {}

  async mark(principal: Principal): Promise<void> {
    const key = this.key(principal);
    if (key && (await this.hasReplicas(principal)))
      await this.redis.set(key, '1', 'PX', this.windowMs);
  }

  async recent(principal: Principal): Promise<boolean> {
    const key = this.key(principal);
    return key ? (await this.redis.exists(key)) === 1 : false;
  }

  private key(principal: Principal): string | undefined {
    // Anonymous callers have no session to read their writes in; they never write to lists.
    return principal.kind === 'anonymous'
      ? undefined
      : `${this.prefix}rw:${principal.kind}:${principal.sessionId}`;
  }
}

/**
 * Where one request's lag-tolerant reads may go. A mutation marks its session and reads the
 * primary; a query reads a replica unless its session wrote within the window.
 */
export class ReadConsistency {
  private wrote = false;
  private replica: Promise<boolean> | undefined;

  constructor(
    private readonly principal: Principal,
    private readonly marks: WriteMarks | undefined,
  ) {}

  /** Called before a request writes (a mutation), so every later read of its session sees it. */
  async noteWrite(): Promise<void> {
    this.wrote = true;
    await this.marks?.mark(this.principal);
  }

  /** Whether this request's lag-tolerant reads may use a replica (asked once, then remembered). */
  replicaAllowed(): Promise<boolean> {
    if (this.wrote || !this.marks) return Promise.resolve(false);
    this.replica ??= this.marks.recent(this.principal).then(
      (recent) => !recent,
      // Redis away: the primary is always right.
      () => false,
    );
    return this.replica;
  }
}

/** For work outside any request (background jobs): nothing to read back, replicas are fine. */
export const BACKGROUND_READS: Pick<ReadConsistency, 'replicaAllowed'> = {
  replicaAllowed: () => Promise.resolve(true),
};
