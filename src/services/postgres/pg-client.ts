/**
 * node-postgres's `Client` (pg 8) over a simulated connection to a simulated PostgreSQL server
 * (node.ts), so lock code written for node-postgres runs unmodified in a simulated process.
 *
 * What it keeps of pg (lib/client.js, checked against pg 8.23.1 on a real server in
 * test/services/pg-shape.test.ts):
 * - `connect()` once (a second one: `Client has already been connected. You cannot reuse a
 *   client.`); a refused connection rejects with `connect ECONNREFUSED host:port`;
 *   `connectionTimeoutMillis` rejects with `timeout expired`.
 * - `query(text, values)` or `query({ text, values, rowMode })`, promise or callback; queries
 *   queue and go one at a time; rows are objects by column name, values parsed as pg-types does
 *   (bool → boolean, int4 → number, int8 → string); a server error rejects with a
 *   `DatabaseError` carrying the SQLSTATE in `code`; `query_timeout` rejects the query with
 *   `Query read timeout` and drops its answer when it comes; notices are `notice` events.
 * - A connection that dies (the server closed it, it was reset, TCP gave up) rejects the query
 *   in flight and every queued one and emits `error` (with no listener, that error is thrown:
 *   the process dies of it, as in Node); a FATAL error the server sends before closing (an
 *   idle-in-transaction timeout) is the query's error if one is running, else an `error` event,
 *   and the close that follows emits `error` again (`Connection terminated unexpectedly`).
 *   After that, queries reject with `Client has encountered a connection error and is not
 *   queryable`.
 * - `end()` sends Terminate and resolves once the server closed the connection; with a query
 *   still running or a dead connection it closes the socket at once.
 * - Session settings in the config (`statement_timeout`, `lock_timeout`,
 *   `idle_in_transaction_session_timeout`) go to the server with the startup message.
 *
 * Not simulated: SSL, authentication (the server trusts everyone), `keepAlive` on the client's
 * socket (kept in the config, does nothing), multi-statement query strings, COPY, LISTEN.
 */
import { Emitter } from './emitter.ts';
import type { ProcessContext } from '../../sim/process.ts';
import { TcpConnection, type TcpCloseReason } from '../../sim/rpc.ts';
import type { AddressMap } from '../../clients/addresses.ts';
import type { TransactionStatus } from './database.ts';
import { databaseError, prepareValue, toPgNotice, toPgResult, type PgResult } from './pg-result.ts';
import type { SessionSettingName } from './settings.ts';
import type { PgFatal, PgPush, PgReply, PgRequest } from './wire.ts';

/** PostgreSQL's port, where a client made with no address connects. */
export const DEFAULT_PG_PORT = 5432;

/** node-postgres's client configuration, as far as the simulation reads it (other fields are kept and ignored). */
export interface PgClientConfig {
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  password?: string;
  connectionString?: string;
  application_name?: string;
  statement_timeout?: number;
  lock_timeout?: number;
  idle_in_transaction_session_timeout?: number;
  query_timeout?: number;
  connectionTimeoutMillis?: number;
  keepAlive?: boolean;
  [option: string]: unknown;
}

/** What a simulated pg module needs: the process it runs in, where `host:port` leads, and who counts requests. */
export interface PgBinding {
  readonly ctx: ProcessContext;
  readonly addresses: AddressMap;
  /** Where a node is now (a redirect); default: itself. */
  readonly resolve?: (node: string) => string;
  /** Called for every request sent. */
  readonly onSend?: () => void;
  /** Every client made through this binding (the runner asks them why they wait). */
  readonly made?: SimPgClient[];
}

export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  rowMode?: 'array';
  query_timeout?: number;
}

type Callback<T> = (error: Error | null, result?: T) => void;

/** A request in the client's queue. */
class Pending {
  settled = false;
  sent = false;
  sentAt = 0;
  /** The server said the statement waits for a lock; its result comes as a push. */
  waiting = false;
  cancelTimer: (() => void) | null = null;
  constructor(
    readonly request: PgRequest,
    private readonly done: (error: Error | null, reply?: PgReply) => void,
    readonly rowMode: 'array' | undefined = undefined,
  ) {}

  finish(error: Error | null, reply?: PgReply): void {
    if (this.settled) return;
    this.settled = true;
    this.cancelTimer?.();
    this.done(error, reply);
  }
}

/** Connection ids of a process incarnation: apart from SimRedis's, and from those of its earlier incarnations. */
const nextConnection = new WeakMap<ProcessContext, number>();
function connectionId(ctx: ProcessContext): number {
  const n = (nextConnection.get(ctx) ?? 0) + 1;
  nextConnection.set(ctx, n);
  return 1e12 + ctx.incarnation * 1e6 + n;
}

/** `postgres://user:password@host:port/database` as pg's connection-string parser reads it (the parts used here). */
function parseConnectionString(text: string): PgClientConfig {
  const url = new URL(text);
  const out: PgClientConfig = {};
  if (url.hostname !== '') out.host = decodeURIComponent(url.hostname);
  if (url.port !== '') out.port = Number(url.port);
  if (url.username !== '') out.user = decodeURIComponent(url.username);
  if (url.password !== '') out.password = decodeURIComponent(url.password);
  if (url.pathname.length > 1) out.database = decodeURIComponent(url.pathname.slice(1));
  url.searchParams.forEach((value, key) => {
    out[key] = /^\d+$/.test(value) ? Number(value) : value;
  });
  return out;
}

export class SimPgClient extends Emitter {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly node: string;
  processID: number | null = null;
  readonly config: PgClientConfig;
  private connection: TcpConnection<Pending> | null = null;
  private _connecting = false;
  private _connected = false;
  /** pg's own (public in JS): pg-pool reads it to close a client that is ending rather than keep it. */
  _ending = false;
  private _ended = false;
  /** pg's own: false once the connection died (pg-pool then closes the client on release). */
  _queryable = true;
  private _connectionError = false;
  /** The socket is closing (its end is due). */
  private closing = false;
  private connectCallback: Callback<SimPgClient> | null = null;
  private cancelConnectTimer: (() => void) | null = null;
  private readonly queue: Pending[] = [];
  private active: Pending | null = null;
  private txStatus: TransactionStatus | null = null;
  private readonly ctx: ProcessContext;

  constructor(
    private readonly binding: PgBinding,
    config: string | PgClientConfig = {},
  ) {
    super();
    const given = typeof config === 'string' ? parseConnectionString(config) : config;
    const merged: PgClientConfig = { ...(typeof given.connectionString === 'string' ? parseConnectionString(given.connectionString) : {}), ...given };
    this.config = merged;
    this.ctx = binding.ctx;
    this.host = merged.host ?? 'localhost';
    this.port = Number(merged.port ?? DEFAULT_PG_PORT);
    this.user = merged.user ?? 'postgres';
    this.database = merged.database ?? this.user;
    this.node = binding.addresses.resolve(this.host, this.port, 'pg Client');
    binding.made?.push(this);
  }

  connect(): Promise<SimPgClient>;
  connect(callback: Callback<SimPgClient>): void;
  connect(callback?: Callback<SimPgClient>): Promise<SimPgClient> | void {
    if (callback !== undefined) {
      this.startConnecting(callback);
      return;
    }
    return new Promise<SimPgClient>((resolve, reject) => this.startConnecting((error, client) => (error === null ? resolve(client as SimPgClient) : reject(error))));
  }

  private startConnecting(callback: Callback<SimPgClient>): void {
    if (this._connecting || this._connected) {
      const error = new Error('Client has already been connected. You cannot reuse a client.');
      void Promise.resolve().then(() => callback(error));
      return;
    }
    this._connecting = true;
    this.connectCallback = callback;
    const ctx = this.ctx;
    const node = this.binding.resolve?.(this.node) ?? this.node;
    const id = connectionId(ctx);
    const timeoutMs = Number(this.config.connectionTimeoutMillis ?? 0);
    if (timeoutMs > 0) {
      this.cancelConnectTimer = ctx.clock.setTimer(timeoutMs, () => {
        this.cancelConnectTimer = null;
        if (!this._connecting) return;
        // pg destroys the socket with this error: the server sees the connection go.
        this.destroySocket();
        this.socketClosed('timeout', new Error('timeout expired'));
      });
    }
    this.connection = new TcpConnection<Pending>(
      ctx,
      node,
      id,
      {
        open: () => {},
        reply: (pending, body) => this.onReply(pending, body as PgReply),
        push: (body) => this.onPush(body as PgPush),
        close: (reason) => this.socketClosed(reason, null),
      },
      { immediate: true, connectTimeoutMs: 0 },
    );
    const connection = this.connection;
    // As this process dies, its host closes the socket: the server's backend sees the FIN.
    ctx.onCrash(() => {
      if (connection.state === 'open') ctx.send(connection.to, { t: 'fin', conn: connection.id });
    });
    const settings: Partial<Record<SessionSettingName, number>> = {};
    // What pg's getStartupConf sends (idle_session_timeout is not among them).
    for (const name of ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout'] as const) {
      const value = this.config[name];
      if (typeof value === 'number') settings[name] = value;
    }
    const startup = new Pending({ op: 'startup', settings, applicationName: String(this.config.application_name ?? ''), incarnation: ctx.incarnation }, (error, reply) => {
      if (error !== null || reply === undefined) return;
      if (reply.op === 'refused') {
        this.handleErrorWhileConnecting(databaseError(reply.error, 'FATAL'));
        return;
      }
      if (reply.op !== 'ready') return;
      this.processID = reply.pid;
      this.cancelConnectTimer?.();
      this.cancelConnectTimer = null;
      this._connecting = false;
      this._connected = true;
      this.txStatus = 'I';
      const cb = this.connectCallback;
      this.connectCallback = null;
      cb?.(null, this);
      this.emit('connect');
      this.pulse();
    });
    if (this.connection.state === 'open') this.write(startup);
  }

  query(config: string | PgQueryConfig, values?: unknown[]): Promise<PgResult>;
  query(config: string | PgQueryConfig, callback: Callback<PgResult>): void;
  query(config: string | PgQueryConfig, values: unknown[] | undefined, callback: Callback<PgResult>): void;
  query(config: string | PgQueryConfig, valuesOrCallback?: unknown[] | Callback<PgResult>, maybeCallback?: Callback<PgResult>): Promise<PgResult> | void {
    if (config === null || config === undefined) throw new TypeError('Client was passed a null or undefined query');
    const callback = typeof valuesOrCallback === 'function' ? valuesOrCallback : maybeCallback;
    const options: PgQueryConfig = typeof config === 'string' ? { text: config } : config;
    const values = Array.isArray(valuesOrCallback) ? valuesOrCallback : options.values;
    let resolveFn: (result: PgResult) => void = () => {};
    let rejectFn: (error: Error) => void = () => {};
    const promise = callback === undefined ? new Promise<PgResult>((resolve, reject) => ((resolveFn = resolve), (rejectFn = reject))) : undefined;
    const finish = (error: Error | null, result?: PgResult): void => {
      if (callback !== undefined) callback(error, result);
      else if (error !== null) rejectFn(error);
      else resolveFn(result as PgResult);
    };
    const pending = new Pending(
      { op: 'query', text: options.text, values: (values ?? []).map(prepareValue) },
      (error, reply) => {
        if (error !== null) return finish(error);
        if (reply?.op !== 'result') return finish(new Error(`unexpected reply ${reply?.op ?? 'none'} to a query`));
        this.txStatus = reply.status;
        const notices = 'ok' in reply.outcome ? reply.outcome.ok.notices : reply.outcome.error.notices;
        for (const n of notices) this.emit('notice', toPgNotice(n));
        if ('error' in reply.outcome) return finish(databaseError(reply.outcome.error));
        const result = toPgResult(reply.outcome.ok);
        if (pending.rowMode === 'array') return finish(null, { ...result, rows: result.rows.map((r) => Object.values(r)) as unknown as Array<Record<string, unknown>> });
        return finish(null, result);
      },
      options.rowMode,
    );
    const readTimeout = Number(options.query_timeout ?? this.config.query_timeout ?? 0);
    if (readTimeout > 0) {
      pending.cancelTimer = this.ctx.clock.setTimer(readTimeout, () => {
        pending.cancelTimer = null;
        const index = this.queue.indexOf(pending);
        if (index >= 0) this.queue.splice(index, 1);
        // Its answer, when it comes, is dropped; the queries behind it still wait for it.
        pending.finish(new Error('Query read timeout'));
      });
    }
    if (!this._queryable) {
      void Promise.resolve().then(() => pending.finish(new Error('Client has encountered a connection error and is not queryable')));
    } else if (this._ending) {
      void Promise.resolve().then(() => pending.finish(new Error('Client was closed and is not queryable')));
    } else {
      this.queue.push(pending);
      this.pulse();
    }
    return promise;
  }

  end(): Promise<void>;
  end(callback: (error?: Error) => void): void;
  end(callback?: (error?: Error) => void): Promise<void> | void {
    this._ending = true;
    const done = new Promise<void>((resolve) => {
      if (this.connection === null || this._ended) {
        resolve();
        return;
      }
      this.once('end', () => resolve());
      if (!this._queryable || this.active !== null || this._connecting) {
        // A dead or busy connection is destroyed at once (pg: a hung query could block end forever).
        this.destroySocket();
        this.socketClosed('FIN', null);
      } else {
        this.write(new Pending({ op: 'terminate' }, () => {}));
      }
    });
    if (callback === undefined) return done;
    void done.then(() => callback());
  }

  /** pg's getTransactionStatus(): 'I', 'T', 'E', or null before the first ReadyForQuery. */
  getTransactionStatus(): TransactionStatus | null {
    return this.txStatus;
  }

  /** Why a request of this client still waits, in words, or null. */
  waitReason(): string | null {
    const c = this.connection;
    const pending = this.active;
    if (c === null || c.state !== 'open' || pending === null) return null;
    const what = pending.request.op === 'query' ? `query ${JSON.stringify(pending.request.text)}` : pending.request.op;
    if (pending.waiting) return `${this.ctx.name}'s ${what} waits for a lock on ${this.node} (${Math.round(this.ctx.clock.monotonic() - pending.sentAt)} ms; the session holding it is still open)`;
    if (c.waitingSince === null) return null;
    const waitedMs = Math.round(this.ctx.clock.monotonic() - c.waitingSince);
    if (c.retransmits > 0) return `${this.ctx.name}'s ${what} to ${this.node} waits on a silently partitioned connection (no reply for ${waitedMs} ms, ${c.retransmits} TCP retransmissions; node-postgres has no query_timeout by default)`;
    return `${this.ctx.name}'s ${what} to ${this.node} waits for its answer (${waitedMs} ms: a lock it waits for, or a paused server)`;
  }

  /** Sends the next queued query once the one before it was answered (pg is not pipelined). */
  private pulse(): void {
    if (!this._connected || this.active !== null || !this._queryable) return;
    while (this.queue.length > 0) {
      const next = this.queue.shift() as Pending;
      if (next.settled) continue;
      this.active = next;
      this.write(next);
      return;
    }
  }

  private write(pending: Pending): void {
    const c = this.connection;
    if (c === null || c.state !== 'open') return;
    pending.sent = true;
    pending.sentAt = this.ctx.clock.monotonic();
    if (pending.request.op === 'startup') this.active = pending;
    this.binding.onSend?.();
    c.send(pending.request, pending);
  }

  private onReply(pending: Pending, reply: PgReply): void {
    if (reply.op === 'waiting') {
      pending.waiting = true;
      return;
    }
    if (this.active === pending) this.active = null;
    pending.finish(null, reply);
    // A query that timed out on the client was finished already; its answer frees the connection.
    this.pulse();
  }

  /** What the server sent unasked: the result of a statement that waited, or a FATAL error. */
  private onPush(push: PgPush): void {
    if (push.op === 'fatal') {
      this.onFatal(push);
      return;
    }
    const active = this.active;
    if (active === null || !active.waiting) return;
    this.onReply(active, push);
  }

  /** A FATAL error the server sent before closing the connection. */
  private onFatal(fatal: PgFatal): void {
    const error = databaseError(fatal, 'FATAL');
    if (this._connecting) {
      this.handleErrorWhileConnecting(error);
      return;
    }
    const active = this.active;
    if (active !== null) {
      this.active = null;
      active.finish(error);
      return;
    }
    this.handleErrorEvent(error);
  }

  /**
   * The socket closed: `reason` from TCP, or `made`, the error it was destroyed with (a connect
   * timeout). A reset, a refusal or a TCP timeout is a socket error first (pg's 'error' from the
   * stream); then, as Node emits 'close' only once the handle has closed (a later turn of the
   * event loop, after the promise continuations of that error), the connection ends.
   */
  private socketClosed(reason: TcpCloseReason | 'timeout', made: Error | null): void {
    if (this._ended || this.closing) return;
    this.closing = true;
    this.connection?.close();
    if (made !== null) this.handleErrorEvent(made);
    else if (reason === 'ECONNREFUSED') this.handleErrorEvent(socketError('connect', 'ECONNREFUSED', this.host === 'localhost' ? '127.0.0.1' : this.host, this.port));
    else if ((reason === 'ECONNRESET' || reason === 'ETIMEDOUT' || reason === 'EPIPE') && !this._ending) this.handleErrorEvent(socketError('read', reason));
    this.ctx.clock.setTimer(0, () => this.connectionEnded());
  }

  /** pg's `end` handler of the connection: everything still queued fails, and the client ends. */
  private connectionEnded(): void {
    const error = this._ending ? new Error('Connection terminated') : new Error('Connection terminated unexpectedly');
    this.cancelConnectTimer?.();
    this.cancelConnectTimer = null;
    this.errorAllQueries(error);
    this._ended = true;
    if (!this._ending) {
      if (this._connecting && !this._connectionError) {
        const cb = this.connectCallback;
        this.connectCallback = null;
        if (cb !== null) cb(error);
        else this.handleErrorEvent(error);
      } else if (!this._connectionError) {
        this.handleErrorEvent(error);
      }
    }
    void Promise.resolve().then(() => this.emit('end'));
  }

  private handleErrorWhileConnecting(error: Error): void {
    if (this._connectionError) return;
    this._connectionError = true;
    this.cancelConnectTimer?.();
    this.cancelConnectTimer = null;
    const cb = this.connectCallback;
    this.connectCallback = null;
    if (cb !== null) {
      cb(error);
      return;
    }
    this.emit('error', error);
  }

  private handleErrorEvent(error: Error): void {
    if (this._connecting) {
      this.handleErrorWhileConnecting(error);
      return;
    }
    this._queryable = false;
    this.errorAllQueries(error);
    this.emit('error', error);
  }

  private errorAllQueries(error: Error): void {
    const all = [...(this.active === null ? [] : [this.active]), ...this.queue.splice(0)];
    this.active = null;
    for (const p of all) void Promise.resolve().then(() => p.finish(error));
  }

  /** Closes the socket from this side: the server's host gets the FIN. */
  private destroySocket(): void {
    const c = this.connection;
    if (c === null || c.state === 'closed') return;
    c.close();
    this.ctx.send(c.to, { t: 'fin', conn: c.id });
  }
}

/** A socket error as Node makes it (`read ECONNRESET`, `connect ECONNREFUSED 127.0.0.1:5432`). */
function socketError(syscall: string, code: string, address?: string, port?: number): Error {
  const error = new Error(`${syscall} ${code}${address === undefined ? '' : ` ${address}:${port}`}`) as Error & { code: string; syscall: string; errno: number; address?: string; port?: number };
  error.code = code;
  error.syscall = syscall;
  error.errno = code === 'ECONNREFUSED' ? -111 : code === 'ECONNRESET' ? -104 : code === 'ETIMEDOUT' ? -110 : -32;
  if (address !== undefined) {
    error.address = address;
    error.port = port;
  }
  return error;
}
