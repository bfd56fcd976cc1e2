/**
 * The `mssql` npm package (v12, over tedious) as lock code uses it, over simulated connections
 * to a simulated SQL Server (node.ts): `new sql.ConnectionPool(config).connect()`,
 * `pool.request().input(name, type, value).execute('sp_getapplock')` (the return code in
 * `result.returnValue`), `pool.request().query('BEGIN TRAN')`, `new sql.Transaction(pool)`,
 * and the types `sql.NVarChar`, `sql.VarChar`, `sql.Int`, `sql.BigInt`. Anything else of mssql
 * throws an error that says it is not modelled.
 *
 * What it keeps of mssql:
 * - The pool (tarn) hands each request a connection and takes it back when the request ends:
 *   two requests of one pool may run on two sessions. A lock owned by the session must therefore
 *   be taken and released on one connection (a Transaction, or a pool of `max: 1`). Idle
 *   connections are closed after `pool.idleTimeoutMillis` (30 000); a broken one is dropped when
 *   next acquired (mssql's validation). `connect()` opens one test connection and closes it.
 *   (Checked against mssql 12.7.16 and tedious 19.2.2: lib/base/connection-pool.js, tedious's messages.)
 * - `requestTimeout` (15 000 ms by default): a request still running then fails with
 *   `ETIMEOUT` ("Timeout: Request failed to complete in 15000ms.") and tedious cancels it with an
 *   attention; a waiting sp_getapplock stops waiting (its answer is dropped). A lock granted just
 *   before the attention stays granted: the client believes it failed.
 * - A server error (severity > 10) rejects with `RequestError` (`code` EREQUEST, `number`);
 *   informational messages (severity <= 10: sp_getapplock's 15626) are `info` events and the
 *   request resolves; a dead connection rejects with `ConnectionError` (ESOCKET, "Connection
 *   lost - read ECONNRESET"); a request on a closed pool with ECONNCLOSED.
 * - `Transaction`: `begin()` takes a connection from the pool for the transaction's life
 *   (BEGIN TRAN), its `request()`s run there one at a time, `commit()` / `rollback()` end it and
 *   give the connection back.
 *
 * Not simulated: authentication, encryption, TVPs, streaming, prepared statements, bulk.
 */
import type { ProcessContext } from '../../sim/process.ts';
import { TcpConnection, type TcpCloseReason } from '../../sim/rpc.ts';
import type { AddressMap } from '../../clients/addresses.ts';
import type { MssqlConfigLike, MssqlPoolLike } from '../../locks/mssql-like.ts';
import { Emitter } from '../postgres/emitter.ts';
import type { ServerMessage, TdsResult } from './database.ts';
import type { TdsDone, TdsReply, TdsRequest } from './wire.ts';

/** mssql's config as the simulated pool takes it: the server may be left out (localhost). */
export type SimMssqlConfig = Omit<MssqlConfigLike, 'server'> & { readonly server?: string };

/** SQL Server's port, where a pool made with no port connects. */
export const DEFAULT_SQLSERVER_PORT = 1433;

/** What a simulated mssql module needs: the process it runs in, where `server:port` leads, and who counts requests. */
export interface MssqlBinding {
  readonly ctx: ProcessContext;
  readonly addresses: AddressMap;
  readonly resolve?: (node: string) => string;
  readonly onSend?: () => void;
  /** Every connection made through this binding (the runner asks them why they wait). */
  readonly made?: TdsConnection[];
}

/** mssql's errors: `name` the class, `code` why. */
export class MssqlError extends Error {
  number?: number;
  state?: number;
  class?: number;
  procName?: string;
  constructor(
    name: 'ConnectionError' | 'RequestError' | 'TransactionError',
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = name;
  }
}

function notModelled(what: string): never {
  throw new Error(`mssql's ${what} is not modelled by locksim's simulated SQL Server client (it models ConnectionPool, Request.input/query/execute, Transaction and the types NVarChar, VarChar, Int, BigInt)`);
}

/** A SQL type as `input` takes it: `sql.NVarChar` or `sql.NVarChar(255)`. */
export interface SqlType {
  readonly type: string;
  readonly length?: number;
}

function sqlType(name: string): ((length?: number) => SqlType) & SqlType {
  const make = (length?: number): SqlType => (length === undefined ? { type: name } : { type: name, length });
  return Object.assign(make, { type: name });
}

/** The result mssql resolves a request with. */
export interface MssqlResult {
  readonly recordset: Array<Record<string, unknown>>;
  readonly recordsets: Array<Array<Record<string, unknown>>>;
  readonly returnValue: number;
  readonly output: Record<string, unknown>;
  readonly rowsAffected: number[];
}

interface Pending {
  readonly request: TdsRequest;
  waiting: boolean;
  readonly settle: (error: Error | null, done?: TdsDone) => void;
}

/** Connection ids of a process incarnation: apart from other clients' (pg's start at 1e12). */
const nextConnection = new WeakMap<ProcessContext, number>();
function connectionId(ctx: ProcessContext): number {
  const n = (nextConnection.get(ctx) ?? 0) + 1;
  nextConnection.set(ctx, n);
  return 2e12 + ctx.incarnation * 1e6 + n;
}

/** One tedious connection: one session on the server, one request at a time. */
export class TdsConnection {
  spid: number | null = null;
  closed = false;
  hasError = false;
  private readonly tcp: TcpConnection<Pending>;
  private current: Pending | null = null;
  /** Requests waiting for the one running (or its attention) to end. */
  private readonly queue: Array<() => void> = [];
  private cancelling = false;
  private startedAt = 0;

  constructor(
    private readonly binding: MssqlBinding,
    readonly node: string,
  ) {
    const ctx = binding.ctx;
    this.tcp = new TcpConnection<Pending>(
      ctx,
      binding.resolve?.(node) ?? node,
      connectionId(ctx),
      {
        open: () => {},
        reply: (pending, body) => this.onReply(pending, body as TdsReply),
        push: (body) => this.onPush(body as TdsDone),
        close: (reason) => this.onClose(reason),
      },
      { immediate: true, connectTimeoutMs: 0 },
    );
    const tcp = this.tcp;
    // As this process dies, its host closes the socket: the server sees the FIN.
    ctx.onCrash(() => {
      if (tcp.state === 'open') ctx.send(tcp.to, { t: 'fin', conn: tcp.id });
    });
    binding.made?.push(this);
  }

  /** Login; rejects as tedious does when the server cannot be reached. */
  login(timeoutMs: number): Promise<void> {
    return this.run({ op: 'login', incarnation: this.binding.ctx.incarnation }, timeoutMs, 'connect').then(() => undefined);
  }

  /** Runs one request (after the one before it); rejects on a server error, a timeout, a dead connection. */
  run(request: TdsRequest, timeoutMs: number, what: 'connect' | 'request' = 'request'): Promise<TdsDone | { op: 'loggedin'; spid: number }> {
    return new Promise((resolve, reject) => {
      const start = (): void => {
        if (this.closed) {
          reject(new MssqlError('ConnectionError', 'Connection is closed.', 'ECONNCLOSED'));
          return;
        }
        let timer: (() => void) | null = null;
        const pending: Pending = {
          request,
          waiting: false,
          settle: (error, body) => {
            timer?.();
            timer = null;
            if (this.current === pending) this.current = null;
            if (error !== null) reject(error);
            else resolve(body as TdsDone);
            if (!this.cancelling) this.next();
          },
        };
        this.current = pending;
        this.startedAt = this.binding.ctx.clock.monotonic();
        if (timeoutMs > 0) {
          timer = this.binding.ctx.clock.setTimer(timeoutMs, () => {
            timer = null;
            if (this.current !== pending) return;
            this.current = null;
            if (what === 'connect') {
              this.destroy();
              reject(new MssqlError('ConnectionError', `Failed to connect to ${this.node} in ${timeoutMs}ms`, 'ETIMEOUT'));
              return;
            }
            // tedious cancels the request with an attention; the connection is usable once the server acknowledges it.
            this.cancelling = true;
            this.send({ request: { op: 'attention' }, waiting: false, settle: () => {} });
            reject(new MssqlError('RequestError', `Timeout: Request failed to complete in ${timeoutMs}ms`, 'ETIMEOUT'));
          });
        }
        this.send(pending);
      };
      if (this.current === null && !this.cancelling) start();
      else this.queue.push(start);
    });
  }

  /** Logs out and closes the socket. */
  close(): void {
    if (this.closed) return;
    if (this.tcp.state === 'open' && this.current === null) {
      this.send({ request: { op: 'logout' }, waiting: false, settle: () => {} });
    } else {
      this.destroy();
    }
    this.closed = true;
  }

  /** Why a request of this connection still waits, in words, or null. */
  waitReason(): string | null {
    const pending = this.current;
    if (pending === null || this.tcp.state !== 'open') return null;
    const what = pending.request.op === 'rpc' ? `EXEC ${pending.request.procedure}` : pending.request.op === 'batch' ? JSON.stringify(pending.request.text) : pending.request.op;
    const ms = Math.round(this.binding.ctx.clock.monotonic() - this.startedAt);
    if (pending.waiting) return `${this.binding.ctx.name}'s ${what} waits for an application lock on ${this.node} (${ms} ms; the session holding it is still open)`;
    if (this.tcp.retransmits > 0) return `${this.binding.ctx.name}'s ${what} to ${this.node} waits on a silently partitioned connection (no reply for ${ms} ms, ${this.tcp.retransmits} TCP retransmissions)`;
    return null;
  }

  private send(pending: Pending): void {
    if (this.tcp.state !== 'open') return;
    this.binding.onSend?.();
    this.tcp.send(pending.request, pending);
  }

  private next(): void {
    const start = this.queue.shift();
    start?.();
  }

  private onReply(pending: Pending, reply: TdsReply): void {
    switch (reply.op) {
      case 'waiting':
        pending.waiting = true;
        return;
      case 'attention-ack':
        this.cancelling = false;
        this.next();
        return;
      case 'loggedin':
        this.spid = reply.spid;
        pending.settle(null, reply as unknown as TdsDone);
        return;
      case 'bye':
        this.destroy();
        return;
      case 'done':
        pending.settle(null, reply);
        return;
    }
  }

  /** The result of a call that waited (dropped when the client gave up on it). */
  private onPush(done: TdsDone): void {
    const pending = this.current;
    if (pending === null || !pending.waiting) return;
    pending.settle(null, done);
  }

  private onClose(reason: TcpCloseReason): void {
    const wasClosed = this.closed;
    this.closed = true;
    this.hasError = !wasClosed;
    this.tcp.close();
    const error =
      reason === 'ECONNREFUSED'
        ? new MssqlError('ConnectionError', `Failed to connect to ${this.node}:${DEFAULT_SQLSERVER_PORT} - connect ECONNREFUSED`, 'ESOCKET')
        : new MssqlError('ConnectionError', `Connection lost - ${reason === 'FIN' ? 'socket hang up' : `read ${reason}`}`, 'ESOCKET');
    const pending = this.current;
    this.current = null;
    this.cancelling = false;
    pending?.settle(error);
    for (const start of this.queue.splice(0)) start();
  }

  private destroy(): void {
    if (this.tcp.state !== 'closed') {
      this.binding.ctx.send(this.tcp.to, { t: 'fin', conn: this.tcp.id });
      this.tcp.close();
    }
    this.closed = true;
  }
}

/** mssql's `ConnectionPool` (tarn underneath). */
export class SimConnectionPool extends Emitter {
  readonly config: SimMssqlConfig;
  connected = false;
  private readonly node: string;
  private readonly max: number;
  private readonly idleTimeoutMs: number;
  private readonly free: Array<{ readonly connection: TdsConnection; readonly cancelIdle: () => void }> = [];
  private readonly used = new Set<TdsConnection>();
  private readonly waiters: Array<(connection: TdsConnection | Error) => void> = [];
  private closing = false;

  constructor(
    private readonly binding: MssqlBinding,
    config: SimMssqlConfig = {},
  ) {
    super();
    this.config = config;
    this.node = binding.addresses.resolve(config.server ?? 'localhost', Number(config.port ?? DEFAULT_SQLSERVER_PORT), 'mssql ConnectionPool');
    this.max = config.pool?.max ?? 10;
    this.idleTimeoutMs = config.pool?.idleTimeoutMillis ?? 30_000;
  }

  /** The process the pool's connections belong to. */
  get ctx(): ProcessContext {
    return this.binding.ctx;
  }

  get requestTimeoutMs(): number {
    return this.config.requestTimeout ?? 15_000;
  }

  get size(): number {
    return this.free.length + this.used.size;
  }

  /** Opens one connection to check the server and closes it again (mssql's "one test connection"); the pool starts empty. */
  async connect(): Promise<this> {
    if (this.connected) return this;
    if (this.closing) throw new MssqlError('ConnectionError', 'Cannot connect a pool while it is closing', 'ECLOSING');
    const test = new TdsConnection(this.binding, this.node);
    try {
      await test.login(this.config.connectionTimeout ?? 15_000);
    } finally {
      test.close();
    }
    this.connected = true;
    return this;
  }

  request(): SimRequest {
    return new SimRequest({ pool: this });
  }

  transaction(): SimTransaction {
    return new SimTransaction(this);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.connected = false;
    for (const { connection, cancelIdle } of this.free.splice(0)) {
      cancelIdle();
      connection.close();
    }
    for (const w of this.waiters.splice(0)) w(new MssqlError('ConnectionError', 'Connection is closed.', 'ECONNCLOSED'));
  }

  /** A connection for one request (or a transaction): a free one that is still good, a new one below `max`, or the next one released. */
  acquire(): Promise<TdsConnection> {
    if (this.closing) return Promise.reject(new MssqlError('ConnectionError', 'Connection is closed.', 'ECONNCLOSED'));
    while (this.free.length > 0) {
      const { connection, cancelIdle } = this.free.shift() as { connection: TdsConnection; cancelIdle: () => void };
      cancelIdle();
      if (connection.closed || connection.hasError) {
        connection.close();
        continue;
      }
      this.used.add(connection);
      return Promise.resolve(connection);
    }
    if (this.used.size < this.max) {
      const connection = new TdsConnection(this.binding, this.node);
      this.used.add(connection);
      return connection.login(this.config.connectionTimeout ?? 15_000).then(
        () => connection,
        (error: Error) => {
          this.used.delete(connection);
          connection.close();
          this.pulse();
          throw error;
        },
      );
    }
    return new Promise((resolve, reject) => this.waiters.push((c) => (c instanceof Error ? reject(c) : resolve(c))));
  }

  /** A request is done with `connection`: it goes back to the pool (a broken one is closed). */
  release(connection: TdsConnection): void {
    this.used.delete(connection);
    if (connection.closed || connection.hasError || this.closing) {
      connection.close();
      this.pulse();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.used.add(connection);
      waiter(connection);
      return;
    }
    const cancelIdle = this.binding.ctx.clock.setTimer(this.idleTimeoutMs, () => {
      const i = this.free.findIndex((f) => f.connection === connection);
      if (i < 0) return;
      this.free.splice(i, 1);
      connection.close();
    });
    this.free.push({ connection, cancelIdle });
  }

  private pulse(): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) return;
    this.acquire().then(waiter, (error: Error) => waiter(error));
  }

  // What mssql's pool has and locksim does not model.
  query(): never {
    return notModelled('ConnectionPool.query (tagged templates)');
  }
  batch(): never {
    return notModelled('ConnectionPool.batch');
  }
}

/** mssql's `Request`: on a pool (a connection per request) or on a transaction's connection. */
export class SimRequest extends Emitter {
  private readonly inputs: Record<string, unknown> = {};

  constructor(private readonly on_: { readonly pool: SimConnectionPool } | { readonly transaction: SimTransaction }) {
    super();
  }

  input(name: string, typeOrValue: unknown, value?: unknown): this {
    if (typeof name !== 'string' || name.length === 0) throw new MssqlError('RequestError', 'Invalid parameter name.', 'EARGS');
    this.inputs[name.replace(/^@/, '')] = arguments.length >= 3 ? value : typeOrValue;
    return this;
  }

  output(): never {
    return notModelled('Request.output');
  }

  query(command: string): Promise<MssqlResult> {
    return this.run({ op: 'batch', text: command });
  }

  execute(procedure: string): Promise<MssqlResult> {
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.inputs)) params[`@${k}`] = v;
    return this.run({ op: 'rpc', procedure, params });
  }

  private async run(request: TdsRequest): Promise<MssqlResult> {
    const on = this.on_;
    const pool = 'pool' in on ? on.pool : on.transaction.pool;
    const connection = 'pool' in on ? await on.pool.acquire() : on.transaction.connection();
    let done: TdsDone;
    try {
      done = (await connection.run(request, pool.requestTimeoutMs)) as TdsDone;
    } finally {
      if ('pool' in on) on.pool.release(connection);
    }
    if ('transaction' in on) on.transaction.trancount = done.trancount;
    return this.settle(done.result);
  }

  private settle(result: TdsResult): MssqlResult {
    for (const m of result.messages) if (m !== result.error) this.emit('info', { number: m.number, state: m.state, class: m.class, message: m.message, procName: m.procName });
    if (result.error !== null) throw requestError(result.error);
    return { recordset: [...result.recordset], recordsets: [[...result.recordset]], returnValue: result.returnValue, output: {}, rowsAffected: [] };
  }
}

function requestError(m: ServerMessage): MssqlError {
  const error = new MssqlError('RequestError', m.message, 'EREQUEST');
  error.number = m.number;
  error.state = m.state;
  error.class = m.class;
  error.procName = m.procName;
  return error;
}

/** mssql's `Transaction`: one pooled connection for its life. */
export class SimTransaction extends Emitter {
  /** @@TRANCOUNT as the last request left it. */
  trancount = 0;
  private held: TdsConnection | null = null;

  constructor(readonly pool: SimConnectionPool) {
    super();
  }

  async begin(): Promise<this> {
    if (this.held !== null) throw new MssqlError('TransactionError', "Transaction has already begun.", 'EALREADYBEGUN');
    const connection = await this.pool.acquire();
    this.held = connection;
    try {
      const done = (await connection.run({ op: 'batch', text: 'BEGIN TRAN' }, this.pool.requestTimeoutMs)) as TdsDone;
      this.trancount = done.trancount;
    } catch (error) {
      this.held = null;
      this.pool.release(connection);
      throw error;
    }
    return this;
  }

  request(): SimRequest {
    return new SimRequest({ transaction: this });
  }

  /** The transaction's connection (for its requests). */
  connection(): TdsConnection {
    if (this.held === null) throw new MssqlError('TransactionError', 'Transaction has not begun. Call begin() first.', 'ENOTBEGUN');
    return this.held;
  }

  commit(): Promise<void> {
    return this.end('COMMIT');
  }

  rollback(): Promise<void> {
    return this.end('ROLLBACK');
  }

  private async end(text: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    const connection = this.connection();
    try {
      const done = (await connection.run({ op: 'batch', text }, this.pool.requestTimeoutMs)) as TdsDone;
      if (done.result.error !== null) throw requestError(done.result.error);
    } finally {
      this.held = null;
      this.pool.release(connection);
    }
  }
}

/** The simulated mssql module: the part of mssql's API that lock code uses (declared, so that the package's type declarations can name it). */
export interface MssqlModule {
  readonly ConnectionPool: new (config?: SimMssqlConfig) => SimConnectionPool;
  readonly Transaction: new (pool: MssqlPoolLike) => SimTransaction;
  readonly Request: new (parent: SimConnectionPool | SimTransaction) => SimRequest;
  readonly ConnectionError: typeof MssqlError;
  readonly RequestError: typeof MssqlError;
  readonly TransactionError: typeof MssqlError;
  readonly NVarChar: ReturnType<typeof sqlType>;
  readonly VarChar: ReturnType<typeof sqlType>;
  readonly Int: ReturnType<typeof sqlType>;
  readonly BigInt: ReturnType<typeof sqlType>;
  readonly connect: () => never;
  readonly query: () => never;
}

/** The simulated mssql module for one process: what lock code that takes `sql` as a parameter is given, and `locksim/mssql`'s export. */
export function mssqlModule(binding: MssqlBinding): MssqlModule {
  class ConnectionPool extends SimConnectionPool {
    constructor(config?: SimMssqlConfig) {
      super(binding, config);
    }
  }
  class Transaction extends SimTransaction {
    constructor(pool: MssqlPoolLike) {
      if (!(pool instanceof SimConnectionPool)) throw new TypeError('new sql.Transaction(pool): pool must be a ConnectionPool of this module');
      super(pool);
    }
  }
  class Request extends SimRequest {
    constructor(parent: SimConnectionPool | SimTransaction) {
      super(parent instanceof SimTransaction ? { transaction: parent } : { pool: parent });
    }
  }
  return {
    ConnectionPool,
    Transaction,
    Request,
    ConnectionError: MssqlError,
    RequestError: MssqlError,
    TransactionError: MssqlError,
    NVarChar: sqlType('NVarChar'),
    VarChar: sqlType('VarChar'),
    Int: sqlType('Int'),
    BigInt: sqlType('BigInt'),
    connect: (): never => notModelled('the global connect() (use new sql.ConnectionPool(config).connect())'),
    query: (): never => notModelled('the global query() (use a ConnectionPool)'),
  };
}

