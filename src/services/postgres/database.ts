/**
 * The simulated PostgreSQL server's sessions: transaction state, statements, and the advisory
 * locks they take. Pure (no kernel, no clock): a statement that waits for a lock completes when a
 * release grants it, through the callback given to {@link Database.execute}. The node that puts
 * this on the simulated network (connections, keepalive, session timeouts) is a layer above.
 *
 * Results are what the wire protocol carries (column names, rows as text, the command tag,
 * notices), so a differential test compares them with a real server's byte for byte, and the
 * node-postgres-shaped client converts them as node-postgres does.
 */
import { AdvisoryLocks } from './advisory-locks.ts';
import { parseStatement, SqlError, type AdvisoryCall, type Statement } from './statements.ts';

export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<string | null>>;
  readonly command: string;
  readonly notices: readonly string[];
}

export interface QueryError {
  readonly code: string;
  readonly message: string;
  readonly notices: readonly string[];
}

export type QueryOutcome = { readonly ok: QueryResult } | { readonly error: QueryError };

type TransactionState = 'idle' | 'in-transaction' | 'failed';

interface SessionState {
  transaction: TransactionState;
  /** A statement is running (it may wait for a lock): the next one must wait for it. */
  busy: boolean;
}

const NO_TRANSACTION = 'WARNING: there is no transaction in progress';

/** One PostgreSQL server: its sessions and their locks. */
export class Database {
  readonly locks = new AdvisoryLocks();
  private readonly sessions = new Map<number, SessionState>();
  private nextSession = 1;

  /** A new session (a connection's backend); its number is its id. */
  open(): number {
    const id = this.nextSession++;
    this.sessions.set(id, { transaction: 'idle', busy: false });
    return id;
  }

  /**
   * The session ends (the client closed it, or the server ended it: a keepalive failure, a
   * timeout, pg_terminate_backend). Its locks go, session and transaction level, and a statement
   * still waiting for a lock never completes.
   */
  close(session: number): void {
    if (!this.sessions.delete(session)) return;
    this.locks.endSession(session);
  }

  isOpen(session: number): boolean {
    return this.sessions.has(session);
  }

  /** Whether the session is inside a transaction block (for idle_in_transaction_session_timeout). */
  inTransaction(session: number): boolean {
    const s = this.sessions.get(session);
    return s !== undefined && s.transaction !== 'idle';
  }

  /** Runs one statement; `done` is called now, or later when a lock it waits for is granted. */
  execute(session: number, sql: string, params: readonly unknown[], done: (outcome: QueryOutcome) => void): void {
    const state = this.sessions.get(session);
    if (state === undefined) throw new Error(`session ${session} is closed`);
    if (state.busy) throw new Error(`session ${session} is still running a statement: PostgreSQL runs one at a time per connection`);
    let statement: Statement;
    try {
      statement = parseStatement(sql, params);
    } catch (error) {
      // In an aborted block PostgreSQL refuses the statement before it resolves its functions.
      done(state.transaction === 'failed' ? aborted() : this.fail(session, state, error as SqlError));
      return;
    }
    this.run(session, state, statement, done);
  }

  private run(session: number, state: SessionState, statement: Statement, done: (outcome: QueryOutcome) => void): void {
    // An aborted transaction block takes nothing but its end (COMMIT or ROLLBACK).
    if (state.transaction === 'failed' && statement.kind !== 'commit' && statement.kind !== 'rollback') {
      done(aborted());
      return;
    }
    switch (statement.kind) {
      case 'begin':
        if (state.transaction !== 'idle') {
          done(ok('BEGIN', [], [], ['WARNING: there is already a transaction in progress']));
          return;
        }
        state.transaction = 'in-transaction';
        done(ok('BEGIN'));
        return;
      case 'commit':
      case 'rollback': {
        const was = state.transaction;
        state.transaction = 'idle';
        this.locks.endTransaction(session);
        if (was === 'idle') done(ok(statement.kind === 'commit' ? 'COMMIT' : 'ROLLBACK', [], [], [NO_TRANSACTION]));
        // COMMIT of a failed transaction rolls it back, and says so in its tag.
        else done(ok(was === 'failed' || statement.kind === 'rollback' ? 'ROLLBACK' : 'COMMIT'));
        return;
      }
      default:
        break;
    }
    if (statement.kind === 'select-constant') {
      done(this.endStatement(session, state, ok('SELECT 1', [statement.column], [[statement.value]])));
      return;
    }
    this.advisory(session, state, statement.call, statement.column, done);
  }

  private advisory(session: number, state: SessionState, call: AdvisoryCall, column: string, done: (outcome: QueryOutcome) => void): void {
    switch (call.op) {
      case 'unlock-all':
        this.locks.unlockAll(session);
        done(this.endStatement(session, state, ok('SELECT 1', [column], [['']])));
        return;
      case 'unlock': {
        const released = this.locks.unlock(session, call.key, call.mode);
        const notices = released ? [] : [`WARNING: you don't own a lock of type ${call.mode === 'exclusive' ? 'ExclusiveLock' : 'ShareLock'}`];
        done(this.endStatement(session, state, ok('SELECT 1', [column], [[released ? 't' : 'f']], notices)));
        return;
      }
      case 'lock': {
        const answer = (granted: boolean): QueryOutcome => ok('SELECT 1', [column], [[call.wait ? '' : granted ? 't' : 'f']]);
        state.busy = true;
        const got = this.locks.acquire(session, call.key, call.mode, call.level, call.wait, () => {
          state.busy = false;
          if (this.sessions.get(session) === state) done(this.endStatement(session, state, answer(true)));
        });
        if (got === 'waiting') return;
        state.busy = false;
        if (got === 'deadlock') {
          done(this.fail(session, state, new SqlError('40P01', 'deadlock detected')));
          return;
        }
        done(this.endStatement(session, state, answer(got === 'granted')));
        return;
      }
    }
  }

  /** Outside a transaction block each statement is its own transaction: its transaction locks end with it. */
  private endStatement(session: number, state: SessionState, outcome: QueryOutcome): QueryOutcome {
    if (state.transaction === 'idle') this.locks.endTransaction(session);
    return outcome;
  }

  /**
   * An error aborts the transaction at once (AbortTransaction releases its locks, transaction
   * level advisory locks included); inside a block the block stays aborted until its ROLLBACK.
   */
  private fail(session: number, state: SessionState, error: SqlError): QueryOutcome {
    if (state.transaction === 'in-transaction') state.transaction = 'failed';
    this.locks.endTransaction(session);
    return { error: { code: error.code, message: error.message, notices: [] } };
  }
}

function aborted(): QueryOutcome {
  return { error: { code: '25P02', message: 'current transaction is aborted, commands ignored until end of transaction block', notices: [] } };
}

function ok(command: string, columns: readonly string[] = [], rows: ReadonlyArray<ReadonlyArray<string | null>> = [], notices: readonly string[] = []): QueryOutcome {
  return { ok: { columns, rows, command, notices } };
}
