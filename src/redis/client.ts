import type { RedisLike } from '../locks/interface.ts';
import { endpoint, TcpConnection, type TcpCloseReason } from '../sim/rpc.ts';
import type { ProcessContext } from '../sim/process.ts';
import type { Reply } from './engine/reply.ts';
import { createHash } from 'node:crypto';

/**
 * Options with ioredis 5's names, meaning and defaults. What fails how (see
 * docs in {@link SimRedis}): a node crash closes the connection; commands in flight wait for
 * the reconnection and are sent again (`autoResendUnfulfilledCommands`), new ones wait in the
 * offline queue; every `maxRetriesPerRequest` + 1 failed connection attempts, the waiting
 * commands reject with `MaxRetriesPerRequestError`; with `retryStrategy` returning a
 * non-number, they reject with `Connection is closed.`.
 */
export interface SimRedisOptions {
  /** Reject a command with `Error('Command timed out')` if no reply within this many ms (default: none). */
  commandTimeout?: number;
  /** Failed reconnection attempts after which waiting commands reject (default 20; null: never). */
  maxRetriesPerRequest?: number | null;
  /** ms to wait before reconnection attempt `times` (default `Math.min(times * 50, 2000)`); a non-number stops reconnecting. */
  retryStrategy?: ((times: number) => number | void | null) | null;
  /** Queue commands while not connected (default true); false rejects them at once. */
  enableOfflineQueue?: boolean;
  /** Send again, after reconnecting, the commands that were in flight when the connection closed (default true). */
  autoResendUnfulfilledCommands?: boolean;
  /** A connection attempt that gets no answer fails after this many ms (default 10 000). */
  connectTimeout?: number;
  /** A name for reports. */
  connectionName?: string;
  /** Builds errors (a realm can pass its own Error class so `instanceof Error` holds there). */
  errorClass?: ErrorConstructor;
  /** Called for every command sent (the runner tells a waiting client from a hung one by it). */
  onSend?: (args: readonly string[]) => void;
  /** Do not connect until {@link SimRedis.connect} or the first command (status `wait`), as ioredis. */
  lazyConnect?: boolean;
  /** The database to SELECT on every new connection (default 0: none sent), as ioredis's `db`. */
  db?: number;
  /** The address as the user named it (`127.0.0.1:6379`), for error messages; default the node's name. */
  address?: string;
  /**
   * What happens to commands in flight when a ready connection is lost: by default they wait
   * and are sent again after reconnecting (ioredis); with this, they reject at once with the
   * error it makes (node-redis: `Socket closed unexpectedly`). Commands not yet sent still wait.
   */
  rejectInFlight?: (reason: TcpCloseReason) => Error;
}

/** ioredis 5's default `retryStrategy`. */
export const defaultRetryStrategy = (times: number): number => Math.min(times * 50, 2000);

/** ioredis's message for commands on a connection that will not reconnect. */
export const CONNECTION_CLOSED_ERROR_MSG = 'Connection is closed.';

/** ioredis's `MaxRetriesPerRequestError` message. */
export function maxRetriesMessage(maxRetriesPerRequest: number): string {
  return `Reached the max retries per request limit (which is ${maxRetriesPerRequest}). Refer to "maxRetriesPerRequest" option for details.`;
}

/** A command as the client holds it: settled once (a timed-out command may still be sent, as in ioredis). */
class SimCommand {
  settled = false;
  cancelTimer: (() => void) | null = null;
  /** The database selected when the command was queued or written (ioredis's `item.select`). */
  db = 0;
  constructor(
    /** For a script command, rewritten each time it is written (EVAL or EVALSHA). */
    public args: readonly string[],
    private readonly resolveFn: (value: unknown) => void,
    private readonly rejectFn: (reason: unknown) => void,
    readonly raw: boolean,
    /** A `defineCommand` script and its numkeys, keys and arguments. */
    readonly script: ScriptCall | null = null,
  ) {}

  resolve(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.cancelTimer?.();
    this.resolveFn(value);
  }

  reject(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.cancelTimer?.();
    this.rejectFn(error);
  }
}

/**
 * A script made by `defineCommand`, as ioredis 5 runs it (built/Script.js): the first time it is
 * written on a connection it goes as EVAL (which loads it), after that as EVALSHA; a NOSCRIPT
 * reply forgets it on that connection and the command is sent once more (so as EVAL). The choice
 * is made when the command is written, so a command queued offline or resent after a reconnect
 * goes as EVAL on the new connection. Identity matters, not the text: two definitions of the
 * same Lua are two scripts, as in ioredis.
 */
export class DefinedScript {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** The command to write: EVAL the first time on a connection (recorded in `loaded`), EVALSHA after. */
  argsFor(loaded: Set<DefinedScript>, keysAndArgs: readonly string[]): string[] {
    if (loaded.has(this)) return ['evalsha', this.sha, ...keysAndArgs];
    loaded.add(this);
    return ['eval', this.lua, ...keysAndArgs];
  }
}

interface ScriptCall {
  readonly script: DefinedScript;
  readonly keysAndArgs: readonly string[];
}

/** Whether an error (a rejection or an error reply) is Redis's NOSCRIPT, as ioredis tests it. */
export function isNoScript(reply: Reply | unknown): boolean {
  const message = (reply as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.includes('NOSCRIPT');
}

/** An error reply from Redis, as ioredis rejects with it (`name === 'ReplyError'`). */
export class ReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplyError';
  }
}

type Arg = string | number | Buffer | readonly Arg[];
type Callback = (error: Error | null, result?: unknown) => void;
type Listener = (...args: unknown[]) => void;

/** Where a client finds its node now: a process name, or a service that failover retargets. */
export type NodeAddress = string | { resolve(): string };

/** ioredis converts replies like this: integers to numbers, nil to null, errors to rejections. */
export function toIoredis(reply: Reply, makeError: (message: string) => Error): unknown {
  switch (reply.kind) {
    case 'status':
    case 'bulk':
    case 'integer':
      return reply.value;
    case 'error':
      return makeError(reply.message);
    case 'array':
      return reply.value === null ? null : reply.value.map((r) => toIoredis(r, makeError));
  }
}

function flatten(args: readonly Arg[], out: string[]): string[] {
  for (const a of args) {
    if (Array.isArray(a)) flatten(a as readonly Arg[], out);
    else out.push(typeof a === 'string' ? a : String(a));
  }
  return out;
}

let connectionSerial = 0;

/** ioredis's statuses, in the order a connection goes through them. */
export type SimRedisStatus = 'wait' | 'connecting' | 'connect' | 'ready' | 'reconnecting' | 'close' | 'end';

/** Why a connection closed, or `manual` when this client closed it (disconnect, quit). */
type CloseReason = TcpCloseReason | 'manual';

const settledPromise = Promise.resolve();
const noop = (): void => {};

// A promise's resolve/reject, taken out of its executor without a closure per command: the
// executor runs synchronously inside `new Promise`, so these are read right after.
let capturedResolve: (value: unknown) => void = noop;
let capturedReject: (reason: unknown) => void = noop;
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * A Redis client inside a simulated process, with the surface of ioredis that lock libraries
 * use: promise-returning command methods (and a trailing callback), `call`, `eval`,
 * `evalsha`, `script`, `defineCommand`, `multi()`/`exec()`, `status`, events. Commands travel
 * over a simulated TCP connection ({@link TcpConnection}) to a simulated node.
 *
 * Failures follow ioredis 5 (built/redis/event_handler.js, Redis.js), checked against a real
 * redis-server in test/redis/failures.test.ts:
 * - A node crash closes the connection (its host sends FIN): status `reconnecting`, `close`
 *   and `reconnecting` events. Commands in flight are kept and sent again once reconnected
 *   (`autoResendUnfulfilledCommands`, default true; when false they never settle, as in
 *   ioredis, unless `commandTimeout` is set).
 * - While not connected, new commands wait in the offline queue (`enableOfflineQueue`).
 * - Reconnection attempt `n` starts `retryStrategy(n)` ms after the n-th close; an attempt to
 *   a node that is down is refused (1 ms). At every (`maxRetriesPerRequest` + 1)-th close all
 *   waiting commands reject with `MaxRetriesPerRequestError` (defaults: ~10.5 s after a crash).
 * - `retryStrategy` returning a non-number: status `end`, waiting commands reject with
 *   `Connection is closed.`.
 * - A silent partition (packets dropped) closes nothing: the command waits while TCP
 *   retransmits; it gets through once the link heals, or after ~15 min of retransmissions
 *   the connection fails (ETIMEDOUT) and the reconnect cycle above starts. ioredis has no
 *   `commandTimeout` by default, so without one such a command can wait the whole run;
 *   {@link SimRedis.waitReason} says so.
 * The initial connection is open at once when the node is up (no handshake round trip).
 */
export class SimRedis implements RedisLike {
  status: SimRedisStatus = 'wait';
  readonly options: SimRedisOptions;
  private connection: TcpConnection<SimCommand> | null = null;
  private connectionId = 0;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly makeError: (message: string) => Error;
  private readonly makeReplyError: (message: string) => Error;
  private offlineQueue: SimCommand[] = [];
  private prevCommandQueue: SimCommand[] | null = null;
  private retryAttempts = 0;
  private manuallyClosing = false;
  /** The node of the current connection. */
  private connectedTo = '';
  /** The `defineCommand` scripts already sent as EVAL on the current connection. */
  private scriptsLoaded = new Set<DefinedScript>();
  /** ioredis's `condition.select`: the database of the connection once what was sent has run. */
  private selectedDb = 0;
  /** ioredis's `prevCondition.select`: the database in use when the last ready connection closed. */
  private prevSelectedDb: number | null = null;
  private cancelReconnect: (() => void) | null = null;
  /** What waiting commands reject with when a `disconnect` ends the client (default `Connection is closed.`). */
  private endError: Error | null = null;
  /** QUIT was sent: the connection closes once what was sent before it is answered. */
  private quitting: { readonly connection: TcpConnection<SimCommand>; readonly done: () => void } | null = null;

  constructor(
    private readonly ctx: ProcessContext,
    private readonly address: NodeAddress,
    options: SimRedisOptions = {},
  ) {
    this.options = options;
    const ErrorClass = options.errorClass ?? Error;
    this.makeError = (message) => new ErrorClass(message);
    this.makeReplyError = (message) => {
      const error = new ErrorClass(message);
      error.name = 'ReplyError';
      return error;
    };
    for (const name of COMMAND_METHODS) {
      (this as Record<string, unknown>)[name] = (...args: Array<Arg | Callback>) => this.callArgs(name, args);
    }
    if (options.db !== undefined && !(Number.isInteger(options.db) && options.db >= 0)) {
      throw new Error(`SimRedis: db must be a database number (an integer >= 0), got ${JSON.stringify(options.db)}`);
    }
    if (options.lazyConnect !== true) this.open(true);
  }

  /** The process this client lives in. */
  get context(): ProcessContext {
    return this.ctx;
  }

  /** The address this client was made for (a node name, or a service). */
  get target(): NodeAddress {
    return this.address;
  }

  /**
   * ioredis's `connect()`: resolves once ready; rejects with `Redis is already
   * connecting/connected` unless the status is `wait` or `end`, and with `Connection is closed.`
   * if the connection closes first.
   */
  connect(): Promise<void> {
    if (this.status === 'connecting' || this.status === 'connect' || this.status === 'ready') {
      return Promise.reject(this.makeError('Redis is already connecting/connected'));
    }
    return new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        this.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        this.off('ready', onReady);
        reject(this.makeError(CONNECTION_CLOSED_ERROR_MSG));
      };
      this.once('ready', onReady);
      this.once('close', onClose);
      this.open(false);
    });
  }

  /** The command that runs `script` now on this connection (EVAL the first time, then EVALSHA), as {@link DefinedScript}. */
  scriptCommand(script: DefinedScript, keysAndArgs: readonly string[]): string[] {
    return script.argsFor(this.scriptsLoaded, keysAndArgs);
  }

  /** The database this client's commands run in (ioredis's `condition.select`). */
  get db(): number {
    return this.selectedDb;
  }

  /** The node this client sends to now. */
  get node(): string {
    return typeof this.address === 'string' ? this.address : this.address.resolve();
  }

  /** `redis.call('SET', key, value, 'PX', 1000, 'NX')`, as in ioredis. */
  call(command: string, ...args: Array<Arg | Callback>): Promise<unknown> {
    return this.callArgs(command, args);
  }

  /** {@link SimRedis.call} with the arguments in an array of the caller's that this may take over. */
  private callArgs(command: string, args: Array<Arg | Callback>): Promise<unknown> {
    // The common path: every argument a string or a number (no callback, no nested array). The
    // command is built in one exact-size array: unshift on a rest array (allocated at its exact
    // length) would copy it into a new backing store anyway, and costs a builtin call more.
    const n = args.length;
    const full = new Array<string>(n + 1);
    full[0] = command;
    for (let i = 0; i < n; i++) {
      const a = args[i];
      if (typeof a === 'string') full[i + 1] = a;
      else if (typeof a === 'number') full[i + 1] = String(a);
      else return this.callWithCallback(command, args);
    }
    return this.command(full);
  }

  /** Sends raw arguments and resolves with the typed reply (no ioredis conversion). */
  send(args: readonly string[]): Promise<Reply> {
    return this.sendCommand(args, true) as Promise<Reply>;
  }

  /**
   * Runs a command and converts its reply as ioredis does (an error reply rejects). This is the
   * per-command hot path: the reply is converted as it arrives (no `then` hop, no async frames).
   */
  command(args: readonly string[]): Promise<unknown> {
    return this.sendCommand(args, false);
  }

  /**
   * Why a command of this client is still waiting, in words (null if none waits): for the
   * liveness checker's message when an acquire never returned.
   */
  waitReason(): string | null {
    const node = this.connectedTo || this.node;
    const c = this.connection;
    if (this.status === 'ready' && c !== null && c.waitingSince !== null) {
      const waitedMs = Math.round(this.ctx.clock.monotonic() - c.waitingSince);
      if (c.retransmits > 0) {
        return `${this.ctx.name}'s command to ${node} waits on a silently partitioned connection (no reply for ${waitedMs} ms, ${c.retransmits} TCP retransmissions; TCP gives up after ~15 min; ${this.options.commandTimeout === undefined ? 'ioredis has no commandTimeout by default' : `commandTimeout ${this.options.commandTimeout} ms`})`;
      }
      return `${this.ctx.name}'s command to ${node} waits for its reply (${waitedMs} ms; the node may be paused)`;
    }
    const waiting = this.offlineQueue.length + (this.prevCommandQueue?.length ?? 0);
    if ((this.status === 'reconnecting' || this.status === 'connecting') && waiting > 0) {
      return `${this.ctx.name}'s ${waiting} command(s) to ${node} wait for a reconnection (attempt ${this.retryAttempts}${this.options.maxRetriesPerRequest === null ? ', maxRetriesPerRequest null: no limit' : ''})`;
    }
    return null;
  }

  /**
   * Runs a `defineCommand` script as ioredis does ({@link DefinedScript}): EVAL or EVALSHA as
   * decided when written, and once more after a NOSCRIPT reply. `raw` as in {@link send}.
   */
  runScript(script: DefinedScript, keysAndArgs: readonly string[], raw: boolean): Promise<unknown> {
    const call: ScriptCall = { script, keysAndArgs };
    const once = (): Promise<unknown> => this.sendCommand(['evalsha', script.sha, ...keysAndArgs], raw, call);
    if (raw) return once().then((reply) => ((reply as Reply).kind === 'error' && isNoScript(reply) ? once() : reply));
    return once().catch((error: unknown) => {
      if (isNoScript(error)) return once();
      throw error;
    });
  }

  private sendCommand(args: readonly string[], raw: boolean, script: ScriptCall | null = null): Promise<unknown> {
    if (this.status === 'wait') this.connect().catch(noop);
    if (this.status === 'end') return Promise.reject(this.makeError(CONNECTION_CLOSED_ERROR_MSG));
    const promise = new Promise<unknown>(capture);
    const command = new SimCommand(args, capturedResolve, capturedReject, raw, script);
    const timeout = this.options.commandTimeout;
    if (typeof timeout === 'number') {
      command.cancelTimer = this.ctx.clock.setTimer(timeout, () => command.reject(this.makeError('Command timed out')));
    }
    command.db = this.selectedDb;
    if (this.status === 'ready' && this.connection !== null && this.connection.state === 'open' && this.quitting === null) {
      this.write(command);
    } else if (this.options.enableOfflineQueue === false) {
      command.reject(this.makeError("Stream isn't writeable and enableOfflineQueue options is false"));
    } else {
      this.offlineQueue.push(command);
    }
    // ioredis notes the database when SELECT is sent (or queued), not when it is answered.
    const name = args[0] as string;
    if (name.length === 6 && args.length === 2 && name.toLowerCase() === 'select') {
      const db = Number(args[1]);
      if (Number.isInteger(db) && db !== this.selectedDb) {
        this.selectedDb = db;
        this.emit('select', db);
      }
    }
    return promise;
  }

  /** A command of the client itself (SELECT on connect): its error reply is an `error` event. */
  private writeInternal(args: string[]): void {
    const command = new SimCommand(
      args,
      (reply) => {
        if ((reply as Reply).kind === 'error') this.emit('error', this.makeReplyError((reply as Reply & { kind: 'error' }).message));
      },
      noop,
      true,
    );
    this.write(command);
  }

  private write(command: SimCommand): void {
    const connection = this.connection as TcpConnection<SimCommand>;
    if (command.script !== null) command.args = command.script.script.argsFor(this.scriptsLoaded, command.script.keysAndArgs);
    this.options.onSend?.(command.args);
    // On a TCP connection the arguments travel alone: the node knows the connection (NodeRequest).
    connection.send(command.args, command);
  }

  private onReply(command: SimCommand, body: unknown): void {
    if (this.quitting !== null && this.connection === this.quitting.connection && this.connection.pendingTags().length === 0) {
      // QUIT's own reply comes after every earlier one; then the server closes the connection.
      const done = this.quitting.done;
      settledPromise.then(done);
    }
    // ioredis forgets a script on the connection that answered NOSCRIPT, even for a late reply.
    if (command.script !== null && isNoScript(body)) this.scriptsLoaded.delete(command.script.script);
    if (command.settled) {
      // The reply to a command that timed out: dropped, never taken for a later command's.
      endpoint(this.ctx).lateReplies++;
      return;
    }
    if (command.raw) {
      command.resolve(body);
      return;
    }
    let value: unknown;
    try {
      value = this.convertReply(body);
    } catch (error) {
      command.reject(error);
      return;
    }
    command.resolve(value);
  }

  /** ioredis's `setStatus`: the status now, its event on the next tick. */
  private setStatus(status: SimRedisStatus, arg?: unknown): void {
    this.status = status;
    void settledPromise.then(() => (arg === undefined ? this.emit(status) : this.emit(status, arg)));
  }

  /** Opens a connection to the node (at once for the first, when the node is up). */
  private open(initial: boolean): void {
    this.setStatus('connecting');
    this.connectionId = ++connectionSerial;
    this.scriptsLoaded = new Set();
    this.selectedDb = this.options.db ?? 0;
    const to = this.node;
    this.connectedTo = to;
    const connection: TcpConnection<SimCommand> = new TcpConnection<SimCommand>(
      this.ctx,
      to,
      this.connectionId,
      {
        open: () => this.onOpen(connection),
        reply: (command, body) => this.onReply(command, body),
        close: (reason) => this.onClose(connection, reason),
        // A pub/sub message (src/redis/engine/pubsub.ts): the client shapes turn it into their events.
        push: (body) => this.emit('push', body),
      },
      { immediate: initial, connectTimeoutMs: this.options.connectTimeout ?? 10_000 },
    );
    this.connection = connection;
    // The initial connection to a node that is up is open at once (no handshake round trip).
    if (connection.state === 'open') this.onOpen(connection);
  }

  /**
   * ioredis's connectHandler (SELECT of `db` first) and readyHandler: resend what was in flight,
   * then the offline queue, each after a SELECT of its database if that differs; then back to
   * the database in use before the connection closed. ioredis's ready check (INFO) and CLIENT
   * SETINFO are not sent: the node is ready at once.
   */
  private onOpen(connection: TcpConnection<SimCommand>): void {
    if (this.connection !== connection) return;
    this.setStatus('connect');
    if (this.selectedDb !== 0) this.writeInternal(['select', String(this.selectedDb)]);
    this.setStatus('ready');
    this.retryAttempts = 0;
    const finalDb = this.prevSelectedDb ?? this.selectedDb;
    this.prevSelectedDb = null;
    const prev = this.prevCommandQueue;
    this.prevCommandQueue = null;
    if (prev !== null && this.options.autoResendUnfulfilledCommands !== false) {
      for (const command of prev) if (connection.state === 'open') this.resend(command);
    }
    const offline = this.offlineQueue;
    this.offlineQueue = [];
    for (const command of offline) {
      if (connection.state === 'open' && this.status === 'ready') this.resend(command);
      else this.offlineQueue.push(command);
    }
    if (this.selectedDb !== finalDb && connection.state === 'open') this.selectDb(finalDb);
  }

  /** Writes a queued command, in its own database (ioredis's `item.select`). */
  private resend(command: SimCommand): void {
    if (command.db !== this.selectedDb && (command.args[0] as string).toLowerCase() !== 'select') this.selectDb(command.db);
    this.write(command);
  }

  private selectDb(db: number): void {
    this.writeInternal(['select', String(db)]);
    this.selectedDb = db;
    this.emit('select', db);
  }

  /** ioredis's closeHandler. */
  private onClose(connection: TcpConnection<SimCommand>, reason: CloseReason): void {
    if (this.connection !== connection) return;
    const prevStatus = this.status;
    if (reason !== 'FIN' && reason !== 'manual' && (this.listeners.get('error')?.length ?? 0) > 0 && !this.manuallyClosing) {
      const where = this.options.address ?? connection.to;
      const error = this.makeError(reason === 'ECONNREFUSED' ? `connect ECONNREFUSED ${where}` : reason === 'ETIMEDOUT' ? 'connect ETIMEDOUT' : `read ${reason}`);
      (error as Error & { code?: string }).code = reason;
      this.emit('error', error);
    }
    this.setStatus('close');
    // Commands in flight stay queued for a resend after reconnecting (as ioredis's commandQueue does).
    const inFlight = connection.pendingTags();
    if (prevStatus === 'ready') {
      if (this.prevSelectedDb === null) this.prevSelectedDb = this.selectedDb;
      const reject = this.options.rejectInFlight;
      if (reject !== undefined && reason !== 'manual') {
        if (inFlight.length > 0) {
          const error = reject(reason);
          for (const command of inFlight) command.reject(error);
        }
      } else if (inFlight.length > 0) this.prevCommandQueue = [...(this.prevCommandQueue ?? []), ...inFlight];
    }
    if (this.manuallyClosing) {
      this.manuallyClosing = false;
      this.end();
      return;
    }
    const strategy = this.options.retryStrategy === undefined ? defaultRetryStrategy : this.options.retryStrategy;
    if (typeof strategy !== 'function') {
      this.end();
      return;
    }
    const delay = strategy(++this.retryAttempts);
    if (typeof delay !== 'number') {
      this.end();
      return;
    }
    this.setStatus('reconnecting', delay);
    this.cancelReconnect = this.ctx.clock.setTimer(delay, () => {
      this.cancelReconnect = null;
      if (this.status === 'reconnecting' && this.connection === connection) this.open(false);
    });
    const max = this.options.maxRetriesPerRequest === undefined ? 20 : this.options.maxRetriesPerRequest;
    if (typeof max === 'number' && max >= 0 && this.retryAttempts % (max + 1) === 0) {
      const error = this.makeError(maxRetriesMessage(max));
      error.name = 'MaxRetriesPerRequestError';
      this.flushQueue(error);
    }
  }

  private end(): void {
    this.setStatus('end');
    this.prevSelectedDb = null;
    const error = this.endError ?? this.makeError(CONNECTION_CLOSED_ERROR_MSG);
    this.endError = null;
    this.flushQueue(error);
  }

  /** Rejects every waiting command: the offline queue and what was in flight. */
  private flushQueue(error: Error): void {
    const offline = this.offlineQueue;
    this.offlineQueue = [];
    for (const command of offline) command.reject(error);
    const prev = this.prevCommandQueue;
    this.prevCommandQueue = null;
    for (const command of prev ?? []) command.reject(error);
    if (this.connection !== null && this.connection.state === 'open') for (const command of this.connection.pendingTags()) command.reject(error);
  }

  /** ioredis's conversion of a reply ({@link toIoredis}); an error reply throws (rejects). */
  private readonly convertReply = (body: unknown): unknown => {
    const reply = body as Reply;
    if (reply.kind === 'error') throw this.makeReplyError(reply.message);
    return toIoredis(reply, this.makeReplyError);
  };

  /** Like ioredis: `eval(script, numKeys, ...keysAndArgs)`. */
  eval(script: string, numKeys: number | string, ...args: Arg[]): Promise<unknown> {
    return this.callWithCallback('eval', [script, numKeys, ...args]);
  }

  /** Like ioredis: `evalsha(sha, numKeys, ...keysAndArgs)`. */
  evalsha(sha: string, numKeys: number | string, ...args: Arg[]): Promise<unknown> {
    return this.callWithCallback('evalsha', [sha, numKeys, ...args]);
  }

  /** `script('LOAD', lua)`, `script('EXISTS', sha)`, `script('FLUSH')`. */
  script(subcommand: string, ...args: Arg[]): Promise<unknown> {
    return this.callWithCallback('script', [subcommand, ...args]);
  }

  /** ioredis's `defineCommand`: a method that runs the script as {@link DefinedScript} says. */
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void {
    const script = new DefinedScript(definition.lua);
    (this as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const { args: rest, callback } = stripCallback(args);
      const keysAndArgs = flatten((definition.numberOfKeys === undefined ? rest : [definition.numberOfKeys, ...rest]) as Arg[], []);
      return withCallback(this.runScript(script, keysAndArgs, false), callback);
    };
  }

  /** A MULTI block: queue commands, then `exec()` resolves to `[[error, result], …]`, or null if a WATCHed key changed. */
  multi(): SimPipeline {
    return new SimPipeline(this);
  }

  on(event: string, listener: Listener): this {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
    return this;
  }

  once(event: string, listener: Listener): this {
    const wrapper: Listener = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off(event: string, listener: Listener): this {
    const list = this.listeners.get(event);
    if (list !== undefined) this.listeners.set(event, list.filter((l) => l !== listener));
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  emit(event: string, ...args: unknown[]): boolean {
    const list = this.listeners.get(event);
    if (list === undefined || list.length === 0) return false;
    for (const l of [...list]) l(...args);
    return true;
  }

  /**
   * ioredis's `quit()`: QUIT goes after what was already sent, its `OK` comes after their
   * replies, and the server then closes the connection (status `end`, events `close`, `end`).
   * Not connected (and nothing queued): disconnects at once and resolves `OK`. The node is not
   * sent QUIT itself: the client answers it when the earlier replies are in, without the
   * round trip of the real command.
   */
  quit(): Promise<'OK'> {
    const connection = this.connection;
    if (this.status === 'end') return Promise.reject(this.makeError(CONNECTION_CLOSED_ERROR_MSG));
    if (this.status !== 'ready' || connection === null || connection.state !== 'open') {
      if (this.offlineQueue.length === 0) {
        this.disconnect();
        return Promise.resolve('OK');
      }
      // ioredis queues QUIT behind the offline commands; they are sent, then it quits.
      return new Promise<'OK'>((resolve) => {
        this.once('ready', () => void this.quit().then(resolve, () => resolve('OK')));
      });
    }
    this.manuallyClosing = true;
    return new Promise<'OK'>((resolve) => {
      const done = (): void => {
        this.quitting = null;
        if (this.connection === connection) {
          connection.close();
          this.onClose(connection, 'manual');
        }
        resolve('OK');
      };
      this.quitting = { connection, done };
      if (connection.pendingTags().length === 0) void settledPromise.then(done);
    });
  }

  /**
   * ioredis's `disconnect(reconnect = false)`: closes the connection now (replies not yet in are
   * lost; their commands reject with `Connection is closed.`, or `flushWith`), status `end`
   * with `close` and `end` events; with `reconnect`, the close is handled as a lost connection.
   */
  disconnect(reconnect = false, flushWith?: Error): void {
    if (!reconnect) this.manuallyClosing = true;
    this.endError = flushWith ?? null;
    if (this.cancelReconnect !== null && !reconnect) {
      this.cancelReconnect();
      this.cancelReconnect = null;
    }
    const connection = this.connection;
    if (this.status === 'wait') {
      this.status = 'close';
      this.manuallyClosing = false;
      this.setStatus('close');
      this.end();
      return;
    }
    if (connection === null || connection.state === 'closed') return;
    connection.close();
    this.onClose(connection, 'manual');
  }

  /** A new client with the same options and node (a new connection, as ioredis's `duplicate`). */
  duplicate(override: SimRedisOptions = {}): SimRedis {
    return new SimRedis(this.ctx, this.address, { ...this.options, ...override });
  }

  /** `flatten([command, ...args])` minus a trailing callback, without the intermediate arrays. */
  private callWithCallback(command: string, rawArgs: readonly unknown[]): Promise<unknown> {
    let n = rawArgs.length;
    const last = rawArgs[n - 1];
    const callback = typeof last === 'function' ? (last as Callback) : undefined;
    if (callback !== undefined) n--;
    // Sized once for the common case (no nested arrays); a nested array falls back to flatten.
    let args: string[] = new Array<string>(n + 1);
    args[0] = command;
    for (let i = 0; i < n; i++) {
      const a = rawArgs[i];
      if (typeof a === 'string') args[i + 1] = a;
      else if (Array.isArray(a)) {
        args = flatten(rawArgs.slice(0, n) as Arg[], [command]);
        break;
      } else args[i + 1] = String(a);
    }
    const promise = this.command(args);
    return callback === undefined ? promise : withCallback(promise, callback);
  }
}

/** A queued MULTI/EXEC block, with ioredis's chaining surface. */
export class SimPipeline {
  private readonly queued: string[][] = [];

  constructor(private readonly client: SimRedis) {
    for (const name of COMMAND_METHODS) {
      (this as Record<string, unknown>)[name] = (...args: unknown[]) => {
        this.queued.push(flatten([name, ...(args as Arg[])], []));
        return this;
      };
    }
  }

  call(command: string, ...args: Arg[]): this {
    this.queued.push(flatten([command, ...args], []));
    return this;
  }

  /** Runs MULTI, the queued commands and EXEC; resolves like ioredis's `exec()`. */
  async exec(): Promise<Array<[Error | null, unknown]> | null> {
    const replies = await Promise.all([
      this.client.send(['multi']),
      ...this.queued.map((args) => this.client.send(args)),
      this.client.send(['exec']),
    ]);
    const execReply = replies[replies.length - 1] as Reply;
    const makeError = (message: string) => new ReplyError(message);
    if (execReply.kind === 'error') {
      throw new ReplyError(execReply.message);
    }
    if (execReply.kind !== 'array' || execReply.value === null) return null;
    return execReply.value.map((r): [Error | null, unknown] => (r.kind === 'error' ? [new ReplyError(r.message), null] : [null, toIoredis(r, makeError)]));
  }
}

function stripCallback(args: unknown[]): { args: unknown[]; callback: Callback | undefined } {
  const last = args[args.length - 1];
  if (typeof last === 'function') return { args: args.slice(0, -1), callback: last as Callback };
  return { args, callback: undefined };
}

function withCallback(promise: Promise<unknown>, callback: Callback | undefined): Promise<unknown> {
  if (callback !== undefined) {
    promise.then(
      (result) => callback(null, result),
      (error: Error) => callback(error),
    );
  }
  return promise;
}

/** Command methods a SimRedis has by name (lower case, as ioredis spells them). */
export const COMMAND_METHODS = [
  'ping', 'get', 'set', 'del', 'exists', 'pexpire', 'expire', 'pexpireat', 'expireat', 'pttl', 'ttl', 'persist',
  'incr', 'incrby', 'decr', 'decrby', 'time', 'getdel', 'mget', 'type', 'dbsize', 'keys',
  'watch', 'unwatch', 'flushall',
  'zadd', 'zrem', 'zcard', 'zscore', 'zrange', 'zrangebyscore', 'zremrangebyscore',
  'hset', 'hget', 'hdel', 'hexists', 'hincrby',
] as const;

type CommandName = (typeof COMMAND_METHODS)[number];
type CommandMethod = (...args: Array<Arg | Callback>) => Promise<unknown>;
type CommandMethods = { [K in CommandName]: CommandMethod };
type PipelineMethods = { [K in CommandName]: (...args: Arg[]) => SimPipeline };
// Declaration merging gives the classes their per-command methods, as ioredis's typings do.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface SimRedis extends CommandMethods {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface SimPipeline extends PipelineMethods {}

/** Makes a client for `ctx`'s process that talks to `node`. */
export function createClient(ctx: ProcessContext, node: NodeAddress, options?: SimRedisOptions): SimRedis {
  return new SimRedis(ctx, node, options);
}
