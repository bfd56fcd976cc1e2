/**
 * What travels on a simulated SQL Server connection: TDS reduced to what lock code needs. Every
 * request gets one reply, in order; a procedure call that waits for a lock is answered
 * `waiting` at once (standing in for the TCP acknowledgement, so the client does not retransmit
 * it) and its result comes later as a push. An attention (tedious's cancel, sent when a request
 * times out on the client) is served at once, even while a call waits.
 */
import type { TdsResult } from './database.ts';

export type TdsRequest =
  /** Login7: the session starts. `incarnation`: the client process's (its host answers a keepalive probe of an older one with RST). */
  | { readonly op: 'login'; readonly incarnation: number }
  /** SQL batch (`request.query`). */
  | { readonly op: 'batch'; readonly text: string }
  /** RPC (`request.execute`): a stored procedure with named parameters. */
  | { readonly op: 'rpc'; readonly procedure: string; readonly params: Readonly<Record<string, unknown>> }
  /** Attention: cancel the running request. */
  | { readonly op: 'attention' }
  /** The client closes the connection (the session logs out). */
  | { readonly op: 'logout' };

export type TdsReply =
  | { readonly op: 'loggedin'; readonly spid: number }
  | TdsDone
  | { readonly op: 'waiting' }
  | { readonly op: 'attention-ack' }
  | { readonly op: 'bye' };

/** A request's end: its result and the session's @@TRANCOUNT after it. */
export interface TdsDone {
  readonly op: 'done';
  readonly result: TdsResult;
  readonly trancount: number;
}
