/**
 * What travels on a simulated PostgreSQL connection: the frontend/backend protocol reduced to
 * what lock code needs. A connection is a simulated TCP connection (src/sim/rpc.ts's
 * `TcpConnection` on the client side, src/services/postgres/node.ts on the server side); every
 * request gets exactly one reply, in order, and the server may push a FATAL error before it
 * closes a connection (as PostgreSQL sends an ErrorResponse before it ends a session).
 */
import type { QueryError, QueryOutcome, TransactionStatus } from './database.ts';
import type { SessionSettingName } from './settings.ts';

/** A request from the client: the startup message, a simple query, or Terminate. */
export type PgRequest =
  | {
      readonly op: 'startup';
      /** Session settings sent as startup parameters (node-postgres sends these from its config). */
      readonly settings: Readonly<Partial<Record<SessionSettingName, number>>>;
      readonly applicationName: string;
      /** The client process's incarnation (its host answers a keepalive probe of an older one with RST). */
      readonly incarnation: number;
    }
  | {
      readonly op: 'query';
      readonly text: string;
      /** Parameters as text (null for SQL NULL), as node-postgres's prepareValue makes them. */
      readonly values: ReadonlyArray<string | null>;
    }
  | { readonly op: 'terminate' };

/** The server's reply to a request. */
export type PgReply =
  /** Startup done: AuthenticationOk, BackendKeyData (the backend's pid), ReadyForQuery. */
  | { readonly op: 'ready'; readonly pid: number }
  /** Startup refused with a FATAL error (too many clients). */
  | { readonly op: 'refused'; readonly error: QueryError }
  /** A query's outcome and the transaction status of the ReadyForQuery after it. */
  | PgResultMessage
  /**
   * The query waits for a lock; its result comes later as a push. (This stands in for the TCP
   * acknowledgement the server's kernel sends at once, so the client does not retransmit a
   * request the server already has while the statement waits, however long.)
   */
  | { readonly op: 'waiting' }
  | { readonly op: 'bye' };

export interface PgResultMessage {
  readonly op: 'result';
  readonly outcome: QueryOutcome;
  readonly status: TransactionStatus;
}

/** What the server sends unasked: the result of a query that waited, or a FATAL error before it closes the connection. */
export type PgPush = PgResultMessage | PgFatal;

/** The FATAL error of a session the server ends (a timeout, a shutdown). */
export interface PgFatal {
  readonly op: 'fatal';
  readonly code: string;
  readonly message: string;
}

/** Errors PostgreSQL 15 sends, with their SQLSTATE, for what the simulated server does on its own. */
export const SERVER_ERRORS = Object.freeze({
  statementTimeout: { code: '57014', message: 'canceling statement due to statement timeout' },
  lockTimeout: { code: '55P03', message: 'canceling statement due to lock timeout' },
  idleInTransaction: { code: '25P03', message: 'terminating connection due to idle-in-transaction timeout' },
  idleSession: { code: '57P05', message: 'terminating connection due to idle-session timeout' },
  tooManyClients: { code: '53300', message: 'sorry, too many clients already' },
});
