/**
 * PostgreSQL's transaction-level advisory lock, as node-postgres code takes it: check a
 * connection out, `BEGIN`, `SELECT pg_try_advisory_xact_lock($1)` (or `pg_advisory_xact_lock`,
 * which waits), work, `COMMIT` (which releases it) and give the connection back.
 *
 * It cannot be forgotten on a pooled connection (the transaction's end releases it), and that is
 * also its trap: anything that ends the transaction ends the lock, whether the application
 * notices or not. An error in any statement of the block aborts the transaction and releases the
 * lock at once; `idle_in_transaction_session_timeout` ends the whole session of a holder that
 * stays idle in its transaction too long (a stop-the-world pause will do); a connection the
 * server gave up on rolls back. The holder learns it at `COMMIT`, after its work is done. Only a
 * fencing token (`fencing: true`: `nextval` inside the transaction, once the lock is held) lets
 * the resource refuse the late write.
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

export class AdvisoryXactLock implements LockAlgorithm {
  readonly name: string;
  readonly options: ResolvedAdvisoryOptions;
  private readonly pool: SqlPoolLike;
  private readonly clock: Clock;
  private readonly random: Random;

  constructor(context: LockContext, options: AdvisoryOptions = {}) {
    this.options = resolveAdvisoryOptions(options, context);
    this.name = advisoryName('pg-advisory-xact-lock', this.options);
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
        continue;
      }
      const onError = (): void => {};
      client.on('error', onError);
      try {
        if (fencing) await ensureSequence(this.pool, client, sequence);
        await client.query('BEGIN');
        if (wait) {
          await client.query('SELECT pg_advisory_xact_lock($1)', [key]);
        } else {
          const tried = await client.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [key]);
          if (tried.rows[0]?.locked !== true) {
            await client.query('ROLLBACK');
            client.removeListener('error', onError);
            client.release();
            continue;
          }
        }
        const token = fencing ? await drawToken(client, sequence) : undefined;
        client.removeListener('error', onError);
        return new HeldLock(resource, this.random.hex(8), key, client, token);
      } catch (error) {
        // The transaction (and any lock it got) is gone or going: close the connection.
        client.removeListener('error', onError);
        client.release(error instanceof Error ? error : new Error(String(error)));
      }
    }
    return null;
  }

  /** COMMIT ends the transaction and its lock. A COMMIT that fails says the lock was lost before. */
  async release(lease: Lease): Promise<void> {
    if (!(lease instanceof HeldLock)) throw new TypeError(`${this.name}: release() takes a lease this lock handed out`);
    let result;
    try {
      result = await lease.client.query('COMMIT');
    } catch (error) {
      lease.giveBack(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    lease.giveBack();
    // COMMIT of an aborted block answers ROLLBACK: the lock went when the block failed.
    if (result.command === 'ROLLBACK') throw new Error('COMMIT rolled back: the transaction had failed, and its lock was released then');
  }
}

/** The transaction-level advisory lock, for one client (see {@link AdvisoryXactLock}). Needs a database node. */
export function pgAdvisoryXactLock(options: AdvisoryOptions = {}): LockFactory {
  return (context) => new AdvisoryXactLock(context, options);
}
