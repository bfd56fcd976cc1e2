/**
 * The simulated SQL Server's sessions: their transactions (@@TRANCOUNT), the batches and
 * procedure calls lock code sends, and the application locks they take. Pure (no kernel, no
 * clock): a `sp_getapplock` that waits completes when a release grants it or when the node,
 * which keeps time, says its @LockTimeout passed.
 *
 * What it runs, and nothing else (anything else is an error that names it, never a silent
 * success): `BEGIN TRAN`, `COMMIT`, `ROLLBACK`, `SET LOCK_TIMEOUT n`, `SELECT @@SPID`,
 * `SELECT @@TRANCOUNT`, `SELECT NEXT VALUE FOR seq`, `CREATE SEQUENCE seq` (optionally under
 * `IF OBJECT_ID(N'seq', N'SO') IS NULL`), `SELECT APPLOCK_MODE(...)`, `SELECT APPLOCK_TEST(...)`,
 * `SELECT 1`; and the procedures `sp_getapplock`, `sp_releaseapplock`.
 *
 * sp_getapplock's return codes, in the documentation's words
 * (https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql):
 * 0 "The lock was successfully granted synchronously"; 1 "The lock was granted successfully
 * after waiting for other incompatible locks to be released"; -1 "The lock request timed out";
 * -2 "The lock request was canceled"; -3 "The lock request was chosen as a deadlock victim";
 * -999 "Indicates a parameter validation or other call error". "When the @LockOwner value is
 * Transaction, by default or specified explicitly, sp_getapplock must be executed from within a
 * transaction": outside one it prints message 15626 ("You attempted to acquire a transactional
 * application lock without an active transaction.", severity 10) and returns -999. @LockTimeout:
 * "the default value is the same as the value returned by @@LOCK_TIMEOUT. A value of -1 (default)
 * indicates no timeout period (that is, wait forever). To indicate that a lock request should
 * return a return code of -1 instead of waiting for the lock when the request can't be granted
 * immediately, specify 0." sp_releaseapplock returns 0, or -999 with error 1223 ("Cannot release
 * the application lock (Database Principal: '…', Resource: '…') because it is not currently
 * held.", severity 16) when the owner holds nothing there.
 *
 * Where PostgreSQL differs: a waiting pg_advisory_lock has no timeout of its own (lock_timeout
 * and statement_timeout end it with an error that aborts the transaction), here every call says
 * how long it waits and answers with a return code, and a timed-out or deadlocked call leaves
 * the transaction open; COMMIT without a transaction is an error here (3902), a warning there.
 *
 * The sequence a fencing token comes from is non-transactional and never hands a value out
 * twice, across a crash too ("If the Database Engine is stopped unexpectedly, the cached
 * values that were not used are lost"): the model shares PostgreSQL's sequences
 * (src/services/postgres/sequences.ts), which skip up to 32 values after a crash where SQL
 * Server's default CACHE skips up to 50.
 */
import { Sequences } from '../postgres/sequences.ts';
import { APPLOCK_MODES, AppLocks, resourceKey, type AppLockMode, type LockOwner } from './app-locks.ts';

/** A message the server sends with a result: an informational one (severity <= 10) or an error. */
export interface ServerMessage {
  readonly number: number;
  readonly state: number;
  readonly class: number;
  readonly message: string;
  readonly procName: string;
}

/** What a batch or a procedure call answers. An error of severity > 10 fails the request (the client rejects it). */
export interface TdsResult {
  /** The rows of the batch's last SELECT (column name → value). */
  readonly recordset: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** A procedure's return code (RETURN); 0 for a batch. */
  readonly returnValue: number;
  /** Messages of severity <= 10 (`PRINT`, informational), and the error, if any. */
  readonly messages: readonly ServerMessage[];
  /** The first error of severity > 10: the request fails with it. */
  readonly error: ServerMessage | null;
}

interface SessionState {
  trancount: number;
  /** SET LOCK_TIMEOUT (ms; -1: wait forever). */
  lockTimeoutMs: number;
  /** The running sp_getapplock's completion while it waits. */
  waiting: ((code: number) => void) | null;
}

/** An application lock request that waits: the node times it out after `timeoutMs` (-1: never). */
export interface AppLockWait {
  readonly timeoutMs: number;
}

const DEFAULT_PRINCIPAL = 'public';

export class SqlServerDatabase {
  readonly locks = new AppLocks();
  private readonly sessions = new Map<number, SessionState>();

  constructor(readonly sequences: Sequences = new Sequences()) {}

  /** A new session with the given @@SPID. */
  open(spid: number): number {
    if (this.sessions.has(spid)) throw new Error(`session ${spid} is open already`);
    this.sessions.set(spid, { trancount: 0, lockTimeoutMs: -1, waiting: null });
    return spid;
  }

  get size(): number {
    return this.sessions.size;
  }

  isOpen(spid: number): boolean {
    return this.sessions.has(spid);
  }

  /** @@TRANCOUNT of the session. */
  trancount(spid: number): number {
    return this.sessions.get(spid)?.trancount ?? 0;
  }

  /** The session logged out or its connection died: its transaction rolls back, its locks go, a waiting call never completes. */
  close(spid: number): void {
    if (!this.sessions.delete(spid)) return;
    this.locks.endSession(spid);
  }

  /**
   * An attention (the client cancelled, a client-side timeout): the waiting call stops waiting.
   * The client has given up on the answer; the transaction stays open (XACT_ABORT is OFF by default).
   */
  cancel(spid: number): boolean {
    const state = this.sessions.get(spid);
    if (state?.waiting === null || state === undefined) return false;
    const done = state.waiting;
    state.waiting = null;
    this.locks.cancelWait(spid);
    done(-2);
    return true;
  }

  /** The waiting call's @LockTimeout passed: it returns -1. */
  timeOut(spid: number): boolean {
    const state = this.sessions.get(spid);
    if (state?.waiting === null || state === undefined) return false;
    const done = state.waiting;
    state.waiting = null;
    this.locks.cancelWait(spid);
    done(-1);
    return true;
  }

  /** Runs a batch (`request.query`); `done` is called now. */
  batch(spid: number, text: string, done: (result: TdsResult) => void): void {
    const state = this.stateOf(spid);
    const sql = text.trim().replace(/;\s*$/, '').trim();
    const lower = sql.toLowerCase().replace(/\s+/g, ' ');
    if (/^begin tran(saction)?$/.test(lower)) {
      state.trancount++;
      return done(result());
    }
    if (/^commit( tran(saction)?| work)?$/.test(lower)) {
      if (state.trancount === 0) return done(failure(3902, 'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.'));
      state.trancount--;
      if (state.trancount === 0) this.locks.endTransaction(spid);
      return done(result());
    }
    if (/^rollback( tran(saction)?| work)?$/.test(lower)) {
      if (state.trancount === 0) return done(failure(3903, 'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.'));
      state.trancount = 0;
      this.locks.endTransaction(spid);
      return done(result());
    }
    const setTimeout = /^set lock_timeout (-?\d+)$/.exec(lower);
    if (setTimeout !== null) {
      const ms = Number(setTimeout[1]);
      // Below -1 is outside the model (-1: wait forever, 0 or more: milliseconds).
      if (ms < -1) return done(notModelled(text));
      state.lockTimeoutMs = ms;
      return done(result());
    }
    const create = /^(?:if object_id\(n?'(?:dbo\.)?([a-z_][a-z0-9_]*)', n?'so'\) is null )?create sequence (?:dbo\.)?([a-z_][a-z0-9_]*)(?: as bigint)?(?: start with 1)?(?: increment by 1)?$/.exec(lower);
    if (create !== null) {
      const name = create[2] as string;
      if (create[1] !== undefined && create[1] !== name) return done(notModelled(text));
      if (this.sequences.create(name) || create[1] !== undefined) return done(result());
      return done(failure(2714, `There is already an object named '${name}' in the database.`));
    }
    const select = /^select (.+?)(?: as \[?([a-z_][a-z0-9_]*)\]?)?$/i.exec(sql);
    if (select !== null) {
      const expression = (select[1] as string).trim();
      const column = select[2] ?? '';
      const value = this.expression(spid, expression);
      if (value === undefined) return done(notModelled(text));
      if (typeof value === 'object' && value !== null) return done({ recordset: [], returnValue: 0, messages: [value], error: value });
      return done(result([{ [column]: value }]));
    }
    done(notModelled(text));
  }

  /** The value of a SELECT's expression, an error, or undefined when it is outside the model. */
  private expression(spid: number, expression: string): number | string | ServerMessage | undefined {
    const lower = expression.toLowerCase();
    if (/^\d+$/.test(expression)) return Number(expression);
    if (lower === '@@spid') return spid;
    if (lower === '@@trancount') return this.trancount(spid);
    if (lower === '@@lock_timeout') return this.stateOf(spid).lockTimeoutMs;
    const next = /^next value for (?:dbo\.)?([a-z_][a-z0-9_]*)$/.exec(lower);
    if (next !== null) {
      const value = this.sequences.next(next[1] as string);
      // NEXT VALUE FOR on a bigint sequence: mssql reads bigint as a string.
      return value === null ? message(208, `Invalid object name '${next[1]}'.`) : String(value);
    }
    const applock = /^(applock_mode|applock_test)\s*\((.*)\)$/i.exec(expression);
    if (applock !== null) {
      const args = (applock[2] as string).split(',').map((a) => a.trim().replace(/^n?'(.*)'$/i, '$1'));
      if ((applock[1] as string).toLowerCase() === 'applock_mode') {
        const [principal, resource, owner] = args;
        if (args.length !== 3 || !isOwner(owner)) return undefined;
        return this.locks.modeOf(spid, resourceKey(principal as string, resource as string), owner);
      }
      const [principal, resource, mode, owner] = args;
      if (args.length !== 4 || !isMode(mode) || !isOwner(owner)) return undefined;
      // "Returns 0 when the lock cannot be granted to the specified owner, and returns 1 if the lock can be granted."
      return this.locks.test(spid, resourceKey(principal as string, resource as string), mode) ? 1 : 0;
    }
    return undefined;
  }

  /**
   * Runs a stored procedure call (`request.execute`) with its named parameters (`@Resource`,
   * names compared without case). `wait` is called when the call must wait, with how long; `done`
   * when it is answered (now, at the grant, at its timeout or cancel).
   */
  call(spid: number, procedure: string, params: Readonly<Record<string, unknown>>, done: (result: TdsResult) => void, wait: (w: AppLockWait) => void = () => {}): void {
    const state = this.stateOf(spid);
    const name = procedure.toLowerCase().replace(/^(?:\[?sys\]?\.|dbo\.)/, '');
    const param = (key: string): unknown => {
      for (const [k, v] of Object.entries(params)) if (k.replace(/^@/, '').toLowerCase() === key.toLowerCase()) return v;
      return undefined;
    };
    if (name === 'sp_getapplock') {
      const resource = param('Resource');
      const mode = param('LockMode');
      const owner = param('LockOwner') ?? 'Transaction';
      const timeout = param('LockTimeout') ?? state.lockTimeoutMs;
      const principal = param('DbPrincipal') ?? DEFAULT_PRINCIPAL;
      if (resource === null) return done(failure(1224, 'An invalid application lock resource was passed to sp_getapplock.', -999, 'sp_getapplock'));
      if (typeof resource !== 'string') return done(result([], -999));
      if (!isMode(mode)) return done(result([], -999, [message(15625, `Option '${String(mode)}' not recognized for '@LockMode' parameter.`, 10, 'sp_getapplock')]));
      if (!isOwner(owner)) return done(result([], -999, [message(15625, `Option '${String(owner)}' not recognized for '@LockOwner' parameter.`, 10, 'sp_getapplock')]));
      if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < -1) return done(result([], -999));
      if (typeof principal !== 'string') return done(result([], -999));
      if (owner === 'Transaction' && state.trancount === 0) {
        return done(result([], -999, [message(15626, 'You attempted to acquire a transactional application lock without an active transaction.', 10, 'sp_getapplock')]));
      }
      const outcome = this.locks.acquire(spid, resourceKey(principal, resource), mode, owner, timeout !== 0, () => {
        const waiting = state.waiting;
        state.waiting = null;
        waiting?.(1);
      });
      if (outcome === 'granted') return done(result([], 0));
      if (outcome === 'refused') return done(result([], -1));
      if (outcome === 'deadlock') return done(result([], -3));
      state.waiting = (code) => {
        if (this.sessions.get(spid) === state) done(result([], code));
      };
      wait({ timeoutMs: timeout });
      return;
    }
    if (name === 'sp_releaseapplock') {
      const resource = param('Resource');
      const owner = param('LockOwner') ?? 'Transaction';
      const principal = param('DbPrincipal') ?? DEFAULT_PRINCIPAL;
      if (typeof resource !== 'string' || typeof principal !== 'string') return done(failure(1224, 'An invalid application lock resource was passed to sp_releaseapplock.', -999, 'sp_releaseapplock'));
      if (!isOwner(owner)) return done(result([], -999, [message(15625, `Option '${String(owner)}' not recognized for '@LockOwner' parameter.`, 10, 'sp_releaseapplock')]));
      if (this.locks.release(spid, resourceKey(principal, resource), owner)) return done(result([], 0));
      return done(failure(1223, `Cannot release the application lock (Database Principal: '${principal}', Resource: '${resource.slice(0, 255)}') because it is not currently held.`, -999, 'xp_userlock'));
    }
    done(failure(2812, `Could not find stored procedure '${procedure}'. (locksim's simulated SQL Server runs sp_getapplock and sp_releaseapplock)`));
  }

  private stateOf(spid: number): SessionState {
    const state = this.sessions.get(spid);
    if (state === undefined) throw new Error(`session ${spid} is closed`);
    return state;
  }
}

function isMode(value: unknown): value is AppLockMode {
  return typeof value === 'string' && (APPLOCK_MODES as readonly string[]).includes(value);
}

function isOwner(value: unknown): value is LockOwner {
  return value === 'Session' || value === 'Transaction';
}

function message(number: number, text: string, severity = 16, procName = ''): ServerMessage {
  return { number, state: 1, class: severity, message: text, procName };
}

function result(recordset: ReadonlyArray<Readonly<Record<string, unknown>>> = [], returnValue = 0, messages: readonly ServerMessage[] = []): TdsResult {
  return { recordset, returnValue, messages, error: null };
}

function failure(number: number, text: string, returnValue = 0, procName = ''): TdsResult {
  const error = message(number, text, 16, procName);
  return { recordset: [], returnValue, messages: [error], error };
}

function notModelled(text: string): TdsResult {
  return failure(
    40000,
    `locksim's simulated SQL Server does not run this batch: ${JSON.stringify(text)} (it runs BEGIN TRAN, COMMIT, ROLLBACK, SET LOCK_TIMEOUT, SELECT @@SPID, @@TRANCOUNT, NEXT VALUE FOR, APPLOCK_MODE, APPLOCK_TEST, CREATE SEQUENCE, and the procedures sp_getapplock and sp_releaseapplock)`,
  );
}
