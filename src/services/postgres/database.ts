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
import { Sequences } from './sequences.ts';
import { parseStatement, SqlError, TYPE_OID, type AdvisoryCall, type Statement, type TypeOid } from './statements.ts';

export interface QueryResult {
  readonly columns: readonly string[];
  /** Each column's type (pg_type OID), as the row description carries it. */
  readonly types: readonly TypeOid[];
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

/** The transaction status ReadyForQuery reports: idle, in a transaction block, in a failed one. */
export type TransactionStatus = 'I' | 'T' | 'E';

interface SessionState {
  transaction: TransactionState;
  /** A statement is running (it may wait for a lock): the next one must wait for it. */
  busy: boolean;
  /** The running statement's completion, while it waits for a lock (a cancel completes it with an error). */
  waiting: ((outcome: QueryOutcome) => void) | null;
}

const NO_TRANSACTION = 'WARNING: there is no transaction in progress';

/** One PostgreSQL server: its sessions and their locks. */
export class Database {
  readonly locks = new AdvisoryLocks();
  private readonly sessions = new Map<number, SessionState>();
  private nextSession = 1;

  /** `sequences`: what survives a restart of the server (a new Database then) is the sequences' store. */
  constructor(readonly sequences: Sequences = new Sequences()) {}

  /** A new session (a connection's backend); its number is its id (`id`: a backend pid the caller chose, unique on this server). */
  open(id: number = this.nextSession): number {
    if (this.sessions.has(id)) throw new Error(`session ${id} is open already`);
    this.nextSession = Math.max(this.nextSession, id + 1);
    this.sessions.set(id, { transaction: 'idle', busy: false, waiting: null });
    return id;
  }

  /** Sessions open now. */
  get size(): number {
    return this.sessions.size;
  }

  /** ReadyForQuery's transaction status of a session. */
  status(session: number): TransactionStatus {
    const t = this.sessions.get(session)?.transaction ?? 'idle';
    return t === 'idle' ? 'I' : t === 'in-transaction' ? 'T' : 'E';
  }

  /** Whether a statement of the session is running (waiting for a lock). */
  isBusy(session: number): boolean {
    return this.sessions.get(session)?.busy === true;
  }

  /**
   * Cancels the session's running statement (statement_timeout, lock_timeout, a cancel request):
   * it stops waiting and fails with `code` and `message`, aborting its transaction as any error
   * does. False when nothing was running.
   */
  cancel(session: number, code: string, message: string): boolean {
    const state = this.sessions.get(session);
    if (state === undefined || !state.busy || state.waiting === null) return false;
    const done = state.waiting;
    state.waiting = null;
    state.busy = false;
    this.locks.cancelWait(session);
    done(this.fail(session, state, new SqlError(code, message)));
    return true;
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
          done(ok('BEGIN', [], [], [], ['WARNING: there is already a transaction in progress']));
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
        if (was === 'idle') done(ok(statement.kind === 'commit' ? 'COMMIT' : 'ROLLBACK', [], [], [], [NO_TRANSACTION]));
        // COMMIT of a failed transaction rolls it back, and says so in its tag.
        else done(ok(was === 'failed' || statement.kind === 'rollback' ? 'ROLLBACK' : 'COMMIT'));
        return;
      }
      default:
        break;
    }
    switch (statement.kind) {
      case 'select-constant':
        done(this.endStatement(session, state, ok('SELECT 1', [statement.column], [statement.type], [[statement.value]])));
        return;
      case 'backend-pid':
        done(this.endStatement(session, state, ok('SELECT 1', [statement.column], [TYPE_OID.int4], [[String(session)]])));
        return;
      case 'nextval': {
        const value = this.sequences.next(statement.sequence);
        if (value === null) done(this.fail(session, state, new SqlError('42P01', `relation "${statement.sequence}" does not exist`)));
        else done(this.endStatement(session, state, ok('SELECT 1', [statement.column], [TYPE_OID.int8], [[String(value)]])));
        return;
      }
      case 'create-sequence': {
        // Inside a block PostgreSQL would roll the creation back with the block: not modelled, so refused.
        if (state.transaction !== 'idle') {
          done(this.fail(session, state, new SqlError('0A000', "locksim's simulated PostgreSQL runs CREATE SEQUENCE outside a transaction block only")));
          return;
        }
        if (this.sequences.create(statement.sequence)) done(ok('CREATE SEQUENCE'));
        else if (statement.ifNotExists) done(ok('CREATE SEQUENCE', [], [], [], [`NOTICE: relation "${statement.sequence}" already exists, skipping`]));
        else done(this.fail(session, state, new SqlError('42P07', `relation "${statement.sequence}" already exists`)));
        return;
      }
      case 'advisory':
        this.advisory(session, state, statement.call, statement.column, done);
        return;
    }
  }

  private advisory(session: number, state: SessionState, call: AdvisoryCall, column: string, done: (outcome: QueryOutcome) => void): void {
    switch (call.op) {
      case 'unlock-all':
        this.locks.unlockAll(session);
        done(this.endStatement(session, state, ok('SELECT 1', [column], [TYPE_OID.void], [['']])));
        return;
      case 'unlock': {
        const released = this.locks.unlock(session, call.key, call.mode);
        const notices = released ? [] : [`WARNING: you don't own a lock of type ${call.mode === 'exclusive' ? 'ExclusiveLock' : 'ShareLock'}`];
        done(this.endStatement(session, state, ok('SELECT 1', [column], [TYPE_OID.bool], [[released ? 't' : 'f']], notices)));
        return;
      }
      case 'lock': {
        const answer = (granted: boolean): QueryOutcome => ok('SELECT 1', [column], [call.wait ? TYPE_OID.void : TYPE_OID.bool], [[call.wait ? '' : granted ? 't' : 'f']]);
        state.busy = true;
        const got = this.locks.acquire(session, call.key, call.mode, call.level, call.wait, () => {
          state.busy = false;
          state.waiting = null;
          if (this.sessions.get(session) === state) done(this.endStatement(session, state, answer(true)));
        });
        if (got === 'waiting') {
          state.waiting = done;
          return;
        }
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

function ok(command: string, columns: readonly string[] = [], types: readonly TypeOid[] = [], rows: ReadonlyArray<ReadonlyArray<string | null>> = [], notices: readonly string[] = []): QueryOutcome {
  return { ok: { columns, types, rows, command, notices } };
}
