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
  acquireAdvisory,
  advisoryName,
  databaseOf,
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
  private readonly databaseName: string;
  private readonly clock: Clock;
  private readonly random: Random;

  constructor(context: LockContext, options: AdvisoryOptions = {}) {
    this.options = resolveAdvisoryOptions(options, context);
    this.name = advisoryName('pg-advisory-xact-lock', this.options);
    const database = databaseOf(context, this.options);
    this.databaseName = database.name;
    this.pool = lockPool(database, this.options);
    this.clock = context.clock;
    this.random = context.random;
  }

  async acquire(resource: string, ttlMs: number): Promise<HeldLock | null> {
    checkTtl(ttlMs);
    return acquireAdvisory(resource, { pool: this.pool, databaseName: this.databaseName, clock: this.clock, random: this.random, options: this.options }, async (client, key) => {
      await client.query('BEGIN');
      if (this.options.wait) {
        await client.query('SELECT pg_advisory_xact_lock($1)', [key]);
        return true;
      }
      const tried = await client.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [key]);
      if (tried.rows[0]?.locked === true) return true;
      await client.query('ROLLBACK');
      return false;
    });
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
