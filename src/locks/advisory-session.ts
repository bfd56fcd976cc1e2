/**
 * PostgreSQL's session-level advisory lock, as node-postgres code takes it: check a connection
 * out of a pool, `SELECT pg_try_advisory_lock($1)` (or `pg_advisory_lock`, which waits), keep the
 * connection while holding, `SELECT pg_advisory_unlock($1)` and give it back.
 *
 * The lock lives exactly as long as the session, and the holder cannot see the session. The
 * server ends it when the connection dies (its TCP keepalive gives up on a client it cannot
 * reach), and hands the lock to the next waiter, while the holder, cut off, works on: nothing
 * tells it until it sends something. So it is exactly as safe as a lease with an unknown TTL:
 * safe against pauses (the session outlives them), unsafe against a partition that outlasts the
 * keepalive, unless the resource checks a fencing token (`fencing: true`: `nextval` of a
 * sequence once the lock is held).
 *
 * `release: 'return-to-pool'` is a deliberate flaw: code that gives the connection back to the
 * pool as if that ended the session. The pool keeps the session open, and the lock with it, until
 * the pool closes the connection (`idleTimeoutMillis`; never with 0), and the process's next
 * acquire, handed the same connection, is granted the lock again re-entrantly.
 */
import type { Clock, Lease, LockAlgorithm, LockContext, LockFactory, Random, SqlPoolLike } from './interface.ts';
import { checkTtl } from './common.ts';
import {
  acquireAdvisory,
  advisoryName,
  databaseOf,
  HeldLock,
  lockPool,
  resolveAdvisoryOptions,
  type AdvisoryOptions,
  type ResolvedAdvisoryOptions,
} from './advisory-common.ts';

/** How the session lock is released. */
export type AdvisoryReleaseMethod = 'unlock' | 'return-to-pool';

export interface AdvisoryLockOptions extends AdvisoryOptions {
  /** Default `'unlock'`; `'return-to-pool'` is a deliberate flaw (the pool keeps the session, and the lock). */
  release?: AdvisoryReleaseMethod;
}

export class AdvisoryLock implements LockAlgorithm {
  readonly name: string;
  readonly options: ResolvedAdvisoryOptions;
  readonly releaseMethod: AdvisoryReleaseMethod;
  private readonly pool: SqlPoolLike;
  private readonly databaseName: string;
  private readonly clock: Clock;
  private readonly random: Random;

  constructor(context: LockContext, options: AdvisoryLockOptions = {}) {
    this.options = resolveAdvisoryOptions(options, context);
    this.releaseMethod = options.release ?? 'unlock';
    if (this.releaseMethod !== 'unlock' && this.releaseMethod !== 'return-to-pool') throw new RangeError(`release must be 'unlock' or 'return-to-pool', got ${JSON.stringify(options.release)}`);
    this.name = advisoryName('pg-advisory-lock', this.options, this.releaseMethod === 'unlock' ? [] : ['release=return-to-pool']);
    const database = databaseOf(context, this.options);
    this.databaseName = database.name;
    this.pool = lockPool(database, this.options);
    this.clock = context.clock;
    this.random = context.random;
  }

  async acquire(resource: string, ttlMs: number): Promise<HeldLock | null> {
    checkTtl(ttlMs);
    return acquireAdvisory(resource, { pool: this.pool, databaseName: this.databaseName, clock: this.clock, random: this.random, options: this.options }, async (client, key) => {
      if (this.options.wait) {
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        return true;
      }
      const tried = await client.query('SELECT pg_try_advisory_lock($1) AS locked', [key]);
      return tried.rows[0]?.locked === true;
    });
  }

  async release(lease: Lease): Promise<void> {
    if (!(lease instanceof HeldLock)) throw new TypeError(`${this.name}: release() takes a lease this lock handed out`);
    if (this.releaseMethod === 'return-to-pool') {
      lease.giveBack();
      return;
    }
    try {
      await lease.client.query('SELECT pg_advisory_unlock($1)', [lease.key]);
      lease.giveBack();
    } catch (error) {
      // The connection is gone (and the session with it, or soon): close it rather than keep it.
      lease.giveBack(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }
}

/**
 * The session-level advisory lock, for one client (see {@link AdvisoryLock}). Needs a database
 * node among the variant's nodes.
 */
export function pgAdvisoryLock(options: AdvisoryLockOptions = {}): LockFactory {
  return (context) => new AdvisoryLock(context, options);
}
