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
  advisoryKey,
  advisoryName,
  backoff,
  databaseOf,
  drawToken,
  ensureSequence,
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
  private readonly clock: Clock;
  private readonly random: Random;

  constructor(context: LockContext, options: AdvisoryLockOptions = {}) {
    this.options = resolveAdvisoryOptions(options, context);
    this.releaseMethod = options.release ?? 'unlock';
    if (this.releaseMethod !== 'unlock' && this.releaseMethod !== 'return-to-pool') throw new RangeError(`release must be 'unlock' or 'return-to-pool', got ${JSON.stringify(options.release)}`);
    this.name = advisoryName('pg-advisory-lock', this.options, this.releaseMethod === 'unlock' ? [] : ['release=return-to-pool']);
    this.pool = lockPool(databaseOf(context, this.options), this.options);
    this.clock = context.clock;
    this.random = context.random;
  }

  async acquire(resource: string, ttlMs: number): Promise<HeldLock | null> {
    checkTtl(ttlMs);
    const key = advisoryKey(resource);
    const { wait, retryCount, fencing, sequence } = this.options;
    for (let attempt = 0; attempt <= retryCount; attempt++) {
      if (attempt > 0) await backoff(this.clock, this.random, this.options);
      let client;
      try {
        client = await this.pool.connect();
      } catch {
        continue; // the server is down or unreachable: try again
      }
      // A connection that dies while the lock is being taken must not crash the process.
      const onError = (): void => {};
      client.on('error', onError);
      try {
        if (fencing) await ensureSequence(this.pool, client, sequence);
        if (wait) {
          await client.query('SELECT pg_advisory_lock($1)', [key]);
        } else {
          const tried = await client.query('SELECT pg_try_advisory_lock($1) AS locked', [key]);
          if (tried.rows[0]?.locked !== true) {
            client.removeListener('error', onError);
            client.release();
            continue;
          }
        }
        const token = fencing ? await drawToken(client, sequence) : undefined;
        client.removeListener('error', onError);
        return new HeldLock(resource, this.random.hex(8), key, client, token);
      } catch (error) {
        // lock_timeout, a dead connection, a failed nextval: the session may hold the lock (a
        // nextval that failed after it was granted), so the connection is closed, not kept.
        client.removeListener('error', onError);
        client.release(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return null;
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
