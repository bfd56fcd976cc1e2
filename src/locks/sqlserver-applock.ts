/**
 * SQL Server's application lock as mssql code takes it: `EXEC sp_getapplock @Resource,
 * @LockMode = 'Exclusive', @LockOwner, @LockTimeout`, the return code read from
 * `result.returnValue` (>= 0 granted, < 0 not), and `sp_releaseapplock` (or COMMIT) to let go.
 * Behind the same interface as the Redis locks, so the same workloads, faults and checkers apply.
 *
 * `owner: 'Session'`: the lock lives as long as the session (the connection) unless released.
 * mssql's pool hands each request any of its connections, so a session-owned lock taken through
 * `pool.request()` could be released on another session (error 1223, the lock stays): this lock
 * keeps its own pool of one connection (`pool.max` 1), and so one session. Like PostgreSQL's
 * session-level advisory lock it is safe against a paused holder and unsafe against a partition
 * that outlasts the server's keep-alive (30 s + 10 probes a second apart by default), unless the
 * resource checks a fencing token. mssql's pool closes a connection idle for
 * `pool.idleTimeoutMillis` (30 000 ms): a holder that sends nothing that long loses its session,
 * and the lock, without knowing it.
 *
 * `owner: 'Transaction'` (sp_getapplock's default): `pool.transaction()`, `begin()`, the
 * lock inside it, and `commit()` releases it. A transaction-owned call outside a transaction
 * returns -999 (message 15626): this lock never makes it, a test of the model does.
 *
 * `timeoutMs` is @LockTimeout: 0 (the default) refuses at once (-1) when another session holds the
 * lock, -1 waits for ever, n waits n ms. A wait also ends at mssql's `requestTimeout` (15 000 ms
 * by default): the request fails with ETIMEOUT and is cancelled. A deadlock victim (-3) keeps its
 * transaction ("A deadlock with an application lock does not roll back the transaction"): this
 * lock rolls it back and tries again.
 */
import type { Lease, LockAlgorithm, LockContext, LockFactory } from './interface.ts';
import type { MssqlModuleLike, MssqlPoolLike, MssqlRequestLike, MssqlTransactionLike, SqlServerLike } from './mssql-like.ts';
import { checkInteger, checkNodeIndex, checkNumber, checkTtl } from './common.ts';
import { sessionLockValue } from './advisory-common.ts';

export interface SqlServerAppLockOptions {
  /** Index of the SQL Server (in `context.sqlServers`). Default 0. */
  server?: number;
  /** @LockOwner: `'Session'` or `'Transaction'` (sp_getapplock's default, and this lock's). */
  owner?: 'Session' | 'Transaction';
  /** @LockTimeout in ms: 0 (default) does not wait, -1 waits for ever. */
  timeoutMs?: number;
  /** Draw a fencing token (NEXT VALUE FOR a sequence) once the lock is held. Default false. */
  fencing?: boolean;
  /** The sequence tokens come from (created if missing). Default `locksim_fencing`. */
  sequence?: string;
  /** How many more attempts after a refused or failed one. Default 3. */
  retryCount?: number;
  /** Fixed part of the pause between attempts, ms. Default 200. */
  retryDelayMs?: number;
  /** Random part of the pause between attempts: uniform in [0, retryJitterMs) ms. Default 200. */
  retryJitterMs?: number;
  /** mssql's `requestTimeout`, ms; 0 for none (as mssql). Default 15 000 (mssql's). */
  requestTimeoutMs?: number;
  /** mssql's `pool.idleTimeoutMillis`, ms. Default 30 000 (tarn's). */
  idleTimeoutMs?: number;
  /**
   * How a Session-owned lock is let go: `'sp_releaseapplock'` (the default), or `'return-to-pool'`,
   * a deliberate flaw: code that leaves it to the pool, as if that ended the session. The pool
   * keeps the connection, the session and the lock (until `idleTimeoutMs` without use), and the
   * holder's next sp_getapplock on it is granted again, re-entrantly.
   */
  release?: 'sp_releaseapplock' | 'return-to-pool';
}

export const SQLSERVER_APPLOCK_DEFAULTS = Object.freeze({
  server: 0,
  owner: 'Transaction' as 'Session' | 'Transaction',
  timeoutMs: 0,
  fencing: false,
  sequence: 'locksim_fencing',
  retryCount: 3,
  retryDelayMs: 200,
  retryJitterMs: 200,
  requestTimeoutMs: 15_000,
  idleTimeoutMs: 30_000,
  release: 'sp_releaseapplock' as 'sp_releaseapplock' | 'return-to-pool',
});

type Resolved = Readonly<Required<SqlServerAppLockOptions>>;

/** A lease on an application lock: held as long as its session (or transaction) lives, which the holder cannot see. */
export class AppLockLease implements Lease {
  readonly validUntil = Number.MAX_SAFE_INTEGER;
  readonly timeSource = 'monotonic' as const;

  constructor(
    readonly resource: string,
    readonly value: string,
    readonly fencingToken: number | undefined,
    /** The transaction that owns it (owner Transaction). */
    readonly transaction: MssqlTransactionLike | null,
  ) {}
}

export class SqlServerAppLock implements LockAlgorithm {
  readonly name: string;
  readonly options: Resolved;
  private readonly server: SqlServerLike;
  private readonly sql: MssqlModuleLike;
  private readonly pool: MssqlPoolLike;
  private connected: Promise<unknown> | null = null;
  private sequenceMade = false;

  constructor(
    private readonly context: LockContext,
    options: SqlServerAppLockOptions = {},
  ) {
    const merged: Required<SqlServerAppLockOptions> = { ...SQLSERVER_APPLOCK_DEFAULTS };
    for (const key of Object.keys(options) as Array<keyof SqlServerAppLockOptions>) if (options[key] !== undefined) (merged as Record<string, unknown>)[key] = options[key];
    checkNodeIndex('server', merged.server, context.sqlServers?.length ?? 0);
    if (merged.owner !== 'Session' && merged.owner !== 'Transaction') throw new RangeError(`owner must be 'Session' or 'Transaction' (sp_getapplock's @LockOwner), got ${JSON.stringify(merged.owner)}`);
    checkInteger('timeoutMs', merged.timeoutMs, -1);
    checkInteger('retryCount', merged.retryCount, 0);
    checkNumber('retryDelayMs', merged.retryDelayMs, 0);
    checkNumber('retryJitterMs', merged.retryJitterMs, 0);
    checkNumber('requestTimeoutMs', merged.requestTimeoutMs, 0);
    checkNumber('idleTimeoutMs', merged.idleTimeoutMs, 1);
    if (merged.release !== 'sp_releaseapplock' && merged.release !== 'return-to-pool') throw new RangeError(`release must be 'sp_releaseapplock' or 'return-to-pool', got ${JSON.stringify(merged.release)}`);
    if (merged.release === 'return-to-pool' && merged.owner !== 'Session') throw new RangeError("release 'return-to-pool' is a flaw of a Session-owned lock (a Transaction-owned one ends with COMMIT): give owner: 'Session'");
    if (!/^[a-z_][a-z0-9_]*$/.test(merged.sequence)) throw new RangeError(`sequence must be a lower-case SQL name (letters, digits, _), got ${JSON.stringify(merged.sequence)}`);
    this.options = Object.freeze(merged);
    const server = context.sqlServers?.[merged.server];
    if (server === undefined) throw new RangeError(`this lock needs a SQL Server node: give the variant one (world.nodes: [{ name: 'sqlserver-1', service: 'sqlserver' }])`);
    this.server = server;
    this.sql = server.mssql;
    // Owner Session: one connection, so every request of the lock runs on the session that holds it.
    const max = merged.owner === 'Session' ? 1 : 10;
    this.pool = new this.sql.ConnectionPool({ ...server.config, requestTimeout: merged.requestTimeoutMs, pool: { max, min: 0, idleTimeoutMillis: merged.idleTimeoutMs } });
    this.pool.on('error', () => {});
    const parts: string[] = [`owner=${merged.owner}`, `timeout=${merged.timeoutMs}`];
    if (merged.fencing) parts.push('fencing');
    if (merged.retryCount !== SQLSERVER_APPLOCK_DEFAULTS.retryCount) parts.push(`retryCount=${merged.retryCount}`);
    if (merged.requestTimeoutMs !== SQLSERVER_APPLOCK_DEFAULTS.requestTimeoutMs) parts.push(`requestTimeout=${merged.requestTimeoutMs}`);
    if (merged.release !== SQLSERVER_APPLOCK_DEFAULTS.release) parts.push(`release=${merged.release}`);
    this.name = `sqlserver-applock(${parts.join(',')})`;
  }

  async acquire(resource: string, ttlMs: number): Promise<AppLockLease | null> {
    checkTtl(ttlMs);
    for (let attempt = 0; attempt <= this.options.retryCount; attempt++) {
      if (attempt > 0) await this.context.clock.sleep(this.options.retryDelayMs + (this.options.retryJitterMs > 0 ? this.context.random.next() * this.options.retryJitterMs : 0));
      try {
        const lease = await this.attempt(resource);
        if (lease !== null) return lease;
      } catch (error) {
        // A call error (-999) is the lock's own bug: say so rather than retry.
        if (error instanceof AppLockCallError) throw error;
      }
    }
    return null;
  }

  private async attempt(resource: string): Promise<AppLockLease | null> {
    this.connected ??= this.pool.connect().catch((error: unknown) => {
      this.connected = null;
      throw error;
    });
    await this.connected;
    if (this.options.fencing && !this.sequenceMade) {
      await this.pool.request().query(`IF OBJECT_ID(N'${this.options.sequence}', N'SO') IS NULL CREATE SEQUENCE ${this.options.sequence} START WITH 1`);
      this.sequenceMade = true;
    }
    if (this.options.owner === 'Session') {
      let code: number;
      try {
        code = await this.getAppLock(this.pool.request(), resource);
        if (code < 0) return null;
        return await this.held(resource, () => this.pool.request(), null);
      } catch (error) {
        // The call may have been granted all the same (a requestTimeout that came just after the
        // grant, a failure after it): the session would keep the lock, and the next grant would
        // only count it again. Let go of every hold it has, until SQL Server says none is left.
        await this.releaseAllHolds(resource);
        throw error;
      }
    }
    const transaction = this.pool.transaction();
    await transaction.begin();
    try {
      const code = await this.getAppLock(transaction.request(), resource);
      if (code < 0) {
        await transaction.rollback();
        return null;
      }
      return await this.held(resource, () => transaction.request(), transaction);
    } catch (error) {
      await transaction.rollback().catch(() => {});
      throw error;
    }
  }

  /** sp_getapplock's return code; -999 (a call error) throws. */
  private async getAppLock(request: MssqlRequestLike, resource: string): Promise<number> {
    const result = await request
      .input('Resource', this.sql.NVarChar, resource)
      .input('LockMode', this.sql.VarChar, 'Exclusive')
      .input('LockOwner', this.sql.VarChar, this.options.owner)
      .input('LockTimeout', this.sql.Int, this.options.timeoutMs)
      .execute('sp_getapplock');
    if (result.returnValue === -999) throw new AppLockCallError(`sp_getapplock on ${this.server.name} returned -999 (a parameter validation or other call error)`);
    return result.returnValue;
  }

  /** The lease, once the lock is held: the holding session (@@SPID) names it, and the token. */
  private async held(resource: string, request: () => MssqlRequestLike, transaction: MssqlTransactionLike | null): Promise<AppLockLease> {
    const spid = Number((await request().query('SELECT @@SPID AS spid')).recordset[0]?.spid);
    let token: number | undefined;
    if (this.options.fencing) {
      const drawn = Number((await request().query(`SELECT NEXT VALUE FOR ${this.options.sequence} AS token`)).recordset[0]?.token);
      if (!Number.isSafeInteger(drawn)) throw new Error(`NEXT VALUE FOR ${this.options.sequence} gave no token`);
      token = drawn;
    }
    return new AppLockLease(resource, sessionLockValue(this.server.name, spid, 'spid'), token, transaction);
  }

  /** sp_releaseapplock until it fails (error 1223: nothing held, or the session is gone); at most 8 holds. */
  private async releaseAllHolds(resource: string): Promise<void> {
    for (let i = 0; i < 8; i++) {
      try {
        await this.pool.request().input('Resource', this.sql.NVarChar, resource).input('LockOwner', this.sql.VarChar, 'Session').execute('sp_releaseapplock');
      } catch {
        return;
      }
    }
  }

  async release(lease: Lease): Promise<void> {
    if (!(lease instanceof AppLockLease)) throw new TypeError(`${this.name}: release() takes a lease this lock handed out`);
    if (lease.transaction !== null) {
      await lease.transaction.commit();
      return;
    }
    if (this.options.release === 'return-to-pool') return;
    // Fails with error 1223 when the session that held it is gone (and the lock with it).
    await this.pool.request().input('Resource', this.sql.NVarChar, lease.resource).input('LockOwner', this.sql.VarChar, 'Session').execute('sp_releaseapplock');
  }
}

/** sp_getapplock answered -999: the call itself is wrong, and retrying will not help. */
export class AppLockCallError extends Error {
  override readonly name = 'AppLockCallError';
}

/**
 * SQL Server's application lock (sp_getapplock), for one client (see {@link SqlServerAppLock}).
 * Needs a SQL Server node among the variant's nodes.
 */
export function sqlServerAppLock(options: SqlServerAppLockOptions = {}): LockFactory {
  return (context) => new SqlServerAppLock(context, options);
}
