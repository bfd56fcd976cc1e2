/**
 * A node-redis-shaped module (the `redis` package v4 and later, `@redis/client`; reply shapes
 * of v5, RESP2) over simulated connections: what `require('redis')` gives inside a realm told
 * so, so that a library built on node-redis runs unmodified.
 *
 * `createClient({ url, socket: { host, port, connectTimeout, reconnectStrategy }, database,
 * disableOfflineQueue, name })` makes a client that is not connected: `await
 * client.connect()` connects (rejects with `Socket already opened` if open), and a command
 * before that rejects with `ClientClosedError` (`The client is closed`). Commands are methods
 * in node-redis's names (`set`, `get`, `del`, `pExpire`, `pTTL`, `sAdd`, `hGetAll`, `evalSha`,
 * `scriptLoad`, …, and every Redis command in upper case: `SET`), with its argument forms
 * (`set(key, value, { NX: true, PX: 1000 })` or `{ condition: 'NX', expiration: { type: 'PX',
 * value: 1000 } }`, `eval(script, { keys, arguments })`) and reply shapes (`hGetAll` an object,
 * `scan` `{ cursor, keys }`); `sendCommand([...])` sends raw arguments. `multi()…exec()`
 * resolves to the replies (a watched key changed: `WatchError`; an error reply inside:
 * `MultiErrorReply`), `execAsPipeline()` without MULTI. `isOpen`, `isReady`, `close`/`quit`
 * (after the replies already due), `destroy`/`disconnect` (what waits rejects with
 * `DisconnectsClientError`), `duplicate`, events `connect`, `ready`, `error`, `reconnecting`,
 * `end`.
 *
 * Failures as node-redis 5 has them: a lost connection rejects the commands in flight with
 * `Socket closed unexpectedly` (an `error` event too), keeps the ones not yet sent, and
 * reconnects at once, then after `reconnectStrategy(retries)` ms (default: `min(2^retries ×
 * 50, 2000)` plus 0–200 ms of jitter from the process's random stream); there is no
 * per-command retry limit (`disableOfflineQueue: true` rejects with `ClientOfflineError` while
 * not ready). Error classes are exported (`ErrorReply`, `ClientClosedError`, …) and
 * `instanceof` works on the errors the client makes; like node-redis's, their `name` is
 * `Error`.
 */
import { EventEmitter } from 'node:events';
import type { Random } from '../locks/interface.ts';
import { REDIS_COMMAND_NAMES } from '../redis/engine/command-table.ts';
import { SimRedis, toIoredis } from '../redis/client.ts';
import type { Reply } from '../redis/engine/reply.ts';
import { DEFAULT_PORT } from './addresses.ts';
import type { ClientBinding } from './binding.ts';

/** node-redis's `createClient` options that the simulation acts on. */
export interface NodeRedisOptions {
  url?: string;
  socket?: {
    host?: string;
    port?: number;
    connectTimeout?: number;
    reconnectStrategy?: false | number | ((retries: number, cause: Error) => number | false | Error);
    [option: string]: unknown;
  };
  database?: number;
  disableOfflineQueue?: boolean;
  name?: string;
  username?: string;
  password?: string;
  [option: string]: unknown;
}

/** The error kinds node-redis exports, with their fixed messages (lib/errors.js). */
const ERROR_MESSAGES = {
  AbortError: 'The command was aborted',
  WatchError: 'One (or more) of the watched keys has been changed',
  ConnectionTimeoutError: 'Connection timeout',
  ClientClosedError: 'The client is closed',
  ClientOfflineError: 'The client is offline',
  DisconnectsClientError: 'Disconnects client',
  SocketClosedUnexpectedlyError: 'Socket closed unexpectedly',
  ErrorReply: '',
  SimpleError: '',
  BlobError: '',
  MultiErrorReply: '',
  ReconnectStrategyError: '',
  TimeoutError: 'Timeout',
} as const;

type ErrorKind = keyof typeof ERROR_MESSAGES;

/** Which kinds an error of a kind is also an instance of (node-redis's class hierarchy). */
const PARENTS: Partial<Record<ErrorKind, ErrorKind[]>> = { SimpleError: ['ErrorReply'], BlobError: ['ErrorReply'], MultiErrorReply: ['ErrorReply'] };

const KIND = Symbol.for('locksim.nodeRedisErrorKinds');

/** `url` in node-redis's form: `redis[s]://[[username][:password]@][host][:port][/db-number]`. */
export function parseNodeRedisUrl(url: string): NodeRedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`Invalid URL: ${url}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new TypeError('Invalid protocol');
  const options: NodeRedisOptions = { socket: {} };
  if (parsed.hostname !== '') options.socket!.host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (parsed.port !== '') options.socket!.port = Number(parsed.port);
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (parsed.pathname.length > 1) {
    const database = Number(parsed.pathname.slice(1));
    if (!Number.isInteger(database)) throw new TypeError('Invalid pathname');
    options.database = database;
  }
  return options;
}

/** A node-redis command: how its arguments are written and its reply read. */
interface CommandShape {
  readonly args: (...input: unknown[]) => string[];
  readonly reply?: (reply: Reply, convert: (r: Reply) => unknown) => unknown;
}

function flat(values: readonly unknown[], out: string[] = []): string[] {
  for (const v of values) {
    if (Array.isArray(v)) flat(v, out);
    else if (Buffer.isBuffer(v)) out.push(v.toString('utf8'));
    else out.push(String(v));
  }
  return out;
}

const plain = (name: string): CommandShape => ({ args: (...input) => [name, ...flat(input)] });

/** SET's options object (v4's `{ NX, PX }` and v5's `{ condition, expiration }`). */
function setArgs(key: unknown, value: unknown, options?: Record<string, unknown>): string[] {
  const args = ['SET', String(key), String(value)];
  if (options === undefined || options === null) return args;
  const expiration = options['expiration'] as string | { type: string; value?: number } | undefined;
  if (expiration !== undefined) {
    if (typeof expiration === 'string') args.push(expiration);
    else if (expiration.type === 'KEEPTTL') args.push('KEEPTTL');
    else args.push(expiration.type, String(expiration.value));
  } else {
    for (const unit of ['EX', 'PX', 'EXAT', 'PXAT']) {
      if (options[unit] !== undefined) {
        args.push(unit, String(options[unit]));
        break;
      }
    }
    if (options['EX'] === undefined && options['PX'] === undefined && options['EXAT'] === undefined && options['PXAT'] === undefined && options['KEEPTTL'] === true) args.push('KEEPTTL');
  }
  if (typeof options['condition'] === 'string') args.push(options['condition']);
  else if (options['NX'] === true) args.push('NX');
  else if (options['XX'] === true) args.push('XX');
  if (options['GET'] === true) args.push('GET');
  return args;
}

function scriptArgs(name: string): CommandShape['args'] {
  return (script, options) => {
    const o = (options ?? {}) as { keys?: unknown[]; arguments?: unknown[] };
    const keys = flat(o.keys ?? []);
    return [name, String(script), String(keys.length), ...keys, ...flat(o.arguments ?? [])];
  };
}

const expireArgs = (name: string): CommandShape['args'] => (key, n, mode) => [name, String(key), String(n), ...(mode === undefined ? [] : [String(mode)])];

/** `[k1, v1, k2, v2]` → `{ k1: v1, k2: v2 }` (hGetAll, configGet). */
const toObject: CommandShape['reply'] = (reply, convert) => {
  const values = convert(reply) as string[] | null;
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (let i = 0; values !== null && i + 1 < values.length; i += 2) out[values[i]!] = values[i + 1];
  return out;
};

const hSetArgs: CommandShape['args'] = (key, ...rest) => {
  const first = rest[0];
  if (first instanceof Map) return ['HSET', String(key), ...flat([...first].flat())];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) return ['HSET', String(key), ...flat(Object.entries(first).flat())];
  return ['HSET', String(key), ...flat(rest)];
};

const zAddArgs: CommandShape['args'] = (key, members, options) => {
  const args = ['ZADD', String(key)];
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o['condition'] === 'string') args.push(o['condition']);
  else if (o['NX'] === true) args.push('NX');
  else if (o['XX'] === true) args.push('XX');
  if (typeof o['comparison'] === 'string') args.push(o['comparison']);
  else if (o['GT'] === true) args.push('GT');
  else if (o['LT'] === true) args.push('LT');
  if (o['CH'] === true) args.push('CH');
  for (const m of (Array.isArray(members) ? members : [members]) as Array<{ score: number; value: unknown }>) args.push(String(m.score), String(m.value));
  return args;
};

const scanArgs: CommandShape['args'] = (cursor, options) => {
  const args = ['SCAN', String(cursor)];
  const o = (options ?? {}) as Record<string, unknown>;
  if (o['MATCH'] !== undefined) args.push('MATCH', String(o['MATCH']));
  if (o['COUNT'] !== undefined) args.push('COUNT', String(o['COUNT']));
  if (o['TYPE'] !== undefined) args.push('TYPE', String(o['TYPE']));
  return args;
};

const scanReply: CommandShape['reply'] = (reply, convert) => {
  const [cursor, keys] = convert(reply) as [string, string[]];
  return { cursor, keys };
};

/** node-redis's names for the commands lock libraries use, with their argument and reply shapes. */
const SHAPES: Record<string, CommandShape> = {
  set: { args: setArgs as CommandShape['args'] },
  setNX: plain('SETNX'),
  pSetEx: plain('PSETEX'),
  setEx: plain('SETEX'),
  getSet: plain('GETSET'),
  getDel: plain('GETDEL'),
  pExpire: { args: expireArgs('PEXPIRE') },
  expire: { args: expireArgs('EXPIRE') },
  pExpireAt: { args: expireArgs('PEXPIREAT') },
  expireAt: { args: expireArgs('EXPIREAT') },
  pTTL: plain('PTTL'),
  incrBy: plain('INCRBY'),
  decrBy: plain('DECRBY'),
  mGet: plain('MGET'),
  sAdd: plain('SADD'),
  sRem: plain('SREM'),
  sMembers: plain('SMEMBERS'),
  sIsMember: plain('SISMEMBER'),
  sCard: plain('SCARD'),
  hSet: { args: hSetArgs },
  hGet: plain('HGET'),
  hDel: plain('HDEL'),
  hExists: plain('HEXISTS'),
  hIncrBy: plain('HINCRBY'),
  hGetAll: { args: (key) => ['HGETALL', String(key)], reply: toObject },
  zAdd: { args: zAddArgs },
  zRem: plain('ZREM'),
  zCard: plain('ZCARD'),
  zScore: plain('ZSCORE'),
  zRangeByScore: plain('ZRANGEBYSCORE'),
  zRemRangeByScore: plain('ZREMRANGEBYSCORE'),
  eval: { args: scriptArgs('EVAL') },
  evalSha: { args: scriptArgs('EVALSHA') },
  evalRo: { args: scriptArgs('EVAL_RO') },
  evalShaRo: { args: scriptArgs('EVALSHA_RO') },
  scriptLoad: plain('SCRIPT LOAD'),
  scriptExists: plain('SCRIPT EXISTS'),
  scriptFlush: plain('SCRIPT FLUSH'),
  flushDb: plain('FLUSHDB'),
  flushAll: plain('FLUSHALL'),
  dbSize: plain('DBSIZE'),
  scan: { args: scanArgs, reply: scanReply },
  pubSubChannels: plain('PUBSUB CHANNELS'),
};

/** `SCRIPT LOAD` as two arguments. */
function splitName(args: string[]): string[] {
  const first = args[0]!;
  const space = first.indexOf(' ');
  return space < 0 ? args : [first.slice(0, space), first.slice(space + 1), ...args.slice(1)];
}

/** node-redis 5's default reconnect strategy, with its jitter drawn from the process's stream. */
function defaultReconnect(random: Random): (retries: number) => number {
  return (retries) => Math.min(2 ** retries * 50, 2000) + Math.floor(random.next() * 200);
}

export interface NodeRedisModule {
  createClient(options?: NodeRedisOptions): NodeRedisClientShape;
  /** locksim's, not node-redis's: a client over an open simulated connection (it needs no `connect()`). */
  fromConnection(connection: SimRedis): NodeRedisClientShape;
  readonly RedisClient: unknown;
  readonly [errorClass: string]: unknown;
}

/** What a client of this module offers (for typing only; the methods are per command). */
export type NodeRedisClientShape = EventEmitter & Record<string, unknown> & { connect(): Promise<unknown>; readonly isOpen: boolean; readonly isReady: boolean };

/** Builds the node-redis-shaped module for the code `binding` describes. */
export function nodeRedisModule(binding: ClientBinding): NodeRedisModule {
  const { host } = binding;

  const makeError = (kind: ErrorKind, message: string = ERROR_MESSAGES[kind]): Error => {
    const error = host.makeError(message);
    Object.defineProperty(error, KIND, { value: [kind, ...(PARENTS[kind] ?? [])], enumerable: false });
    return error;
  };
  /** An error class of node-redis: `new ClientClosedError()`, and `instanceof` for the client's errors. */
  const errorClass = (kind: ErrorKind) => {
    const make = function (this: unknown, message?: string) {
      return makeError(kind, message ?? ERROR_MESSAGES[kind]);
    };
    Object.defineProperty(make, 'name', { value: kind });
    Object.defineProperty(make, Symbol.hasInstance, {
      value: (value: unknown) => value !== null && typeof value === 'object' && ((value as Record<symbol, unknown>)[KIND] as ErrorKind[] | undefined)?.includes(kind) === true,
    });
    return make;
  };
  const errorClasses = Object.fromEntries((Object.keys(ERROR_MESSAGES) as ErrorKind[]).map((k) => [k, errorClass(k)]));

  // As ioredis converts (nil to null, integers to numbers), with node-redis's error classes.
  const convert = (reply: Reply): unknown => toIoredis(reply, (message) => makeError(message.startsWith('-') ? 'BlobError' : 'SimpleError', message));

  class NodeRedisClient extends EventEmitter {
    readonly options: NodeRedisOptions;
    #connection: SimRedis | null = null;
    #open = false;
    readonly #node: string;
    readonly #address: string;

    /** `connection`: an open simulated connection to use (locksim's adapters), instead of `connect()`. */
    constructor(options: NodeRedisOptions = {}, connection?: SimRedis) {
      super();
      const fromUrl = options.url === undefined ? {} : parseNodeRedisUrl(options.url);
      this.options = { ...fromUrl, ...options, socket: { ...fromUrl.socket, ...options.socket } };
      const hostName = this.options.socket?.host ?? 'localhost';
      const port = this.options.socket?.port ?? DEFAULT_PORT;
      const database = this.options.database ?? 0;
      if (!Number.isInteger(database) || database < 0) throw new TypeError(`node-redis (locksim): database must be a database number, got ${JSON.stringify(this.options.database)}`);
      this.#address = `${hostName}:${port}`;
      this.#node = connection !== undefined ? connection.node : binding.addresses.resolve(hostName, port, 'node-redis (locksim)');
      if (connection !== undefined) {
        this.#open = true;
        this.#attach(connection);
      }
      for (const name of REDIS_COMMAND_NAMES) {
        const upper = name.toUpperCase();
        this.#define(upper, { args: (...input) => [upper, ...flat(input)] });
        if (!(name in SHAPES) && !(name in this)) this.#define(name, { args: (...input) => [upper, ...flat(input)] });
      }
      for (const [name, shape] of Object.entries(SHAPES)) this.#define(name, shape);
    }

    #define(name: string, shape: CommandShape): void {
      Object.defineProperty(this, name, { value: (...input: unknown[]) => this.#run(shape, input), writable: true, configurable: true });
    }

    get isOpen(): boolean {
      return this.#open;
    }

    get isReady(): boolean {
      return this.#open && this.#connection?.status === 'ready';
    }

    /** Connects; resolves with the client once ready. */
    connect(): Promise<this> {
      if (this.#open) return host.Promise.reject(host.makeError('Socket already opened')) as Promise<this>;
      this.#open = true;
      const socket = this.options.socket ?? {};
      const strategy = socket.reconnectStrategy;
      const delay = strategy === undefined ? defaultReconnect(binding.ctx.random) : typeof strategy === 'number' ? () => strategy : strategy;
      const connection = new SimRedis(binding.ctx, this.#node, {
        ...binding.defaults,
        lazyConnect: true,
        db: this.options.database ?? 0,
        address: this.#address,
        connectTimeout: socket.connectTimeout ?? 5_000,
        maxRetriesPerRequest: null,
        enableOfflineQueue: this.options.disableOfflineQueue !== true,
        // node-redis tries again at once, then after the strategy's delay for retries 0, 1, …
        retryStrategy:
          delay === false
            ? null
            : (times) => {
                if (times === 1) return 0;
                const d = delay(times - 2, makeError('SocketClosedUnexpectedlyError'));
                return typeof d === 'number' ? d : null;
              },
        rejectInFlight: () => makeError('SocketClosedUnexpectedlyError'),
        errorClass: binding.errorClass,
      });
      this.#attach(connection);
      return new host.Promise<this>((resolve, reject) => {
        connection.connect().then(
          () => resolve(this),
          (error: unknown) => reject(error),
        );
      });
    }

    #attach(connection: SimRedis): void {
      this.#connection = connection;
      connection.on('push', (body: unknown) => this.#onPush(body as Reply));
      // node-redis subscribes a new connection again to what the old one had.
      let first = true;
      connection.on('ready', () => {
        if (first) {
          first = false;
          return;
        }
        const channels = [...this.#listeners.channels.keys()];
        const patterns = [...this.#listeners.patterns.keys()];
        if (channels.length > 0) void connection.send(['SUBSCRIBE', ...channels]).catch(() => undefined);
        if (patterns.length > 0) void connection.send(['PSUBSCRIBE', ...patterns]).catch(() => undefined);
      });
      connection.on('connect', () => this.#emitGuarded('connect'));
      connection.on('ready', () => this.#emitGuarded('ready'));
      connection.on('reconnecting', () => this.#emitGuarded('reconnecting'));
      connection.on('end', () => {
        this.#open = false;
        this.#emitGuarded('end');
      });
      connection.on('error', (error: unknown) => this.#emitGuarded('error', error));
      connection.on('close', () => {
        if (this.#open && connection.status !== 'end') this.#emitGuarded('error', makeError('SocketClosedUnexpectedlyError'));
      });
    }

    /** Listeners of subscribed channels (`subscribe`) and patterns (`pSubscribe`). */
    readonly #listeners: Record<'channels' | 'patterns', Map<string, Set<(message: string, channel: string) => unknown>>> = { channels: new Map(), patterns: new Map() };

    /** `subscribe(channels, listener)`: `listener(message, channel)` for each message; resolves once subscribed. */
    subscribe(channels: string | string[], listener: (message: string, channel: string) => unknown): Promise<void> {
      return this.#subscribe('channels', channels, listener);
    }

    pSubscribe(patterns: string | string[], listener: (message: string, channel: string) => unknown): Promise<void> {
      return this.#subscribe('patterns', patterns, listener);
    }

    /** `unsubscribe([channels], [listener])`: without a listener, every listener of those channels (without channels: all). */
    unsubscribe(channels?: string | string[], listener?: (message: string, channel: string) => unknown): Promise<void> {
      return this.#unsubscribe('channels', channels, listener);
    }

    pUnsubscribe(patterns?: string | string[], listener?: (message: string, channel: string) => unknown): Promise<void> {
      return this.#unsubscribe('patterns', patterns, listener);
    }

    #subscribe(kind: 'channels' | 'patterns', targets: string | string[], listener: (message: string, channel: string) => unknown): Promise<void> {
      const list = Array.isArray(targets) ? targets : [targets];
      const fresh: string[] = [];
      for (const t of list) {
        let set = this.#listeners[kind].get(t);
        if (set === undefined) {
          this.#listeners[kind].set(t, (set = new Set()));
          fresh.push(t);
        }
        set.add(listener);
      }
      if (fresh.length === 0) return host.Promise.resolve();
      return this.sendArgs([kind === 'channels' ? 'SUBSCRIBE' : 'PSUBSCRIBE', ...fresh]).then(() => undefined);
    }

    #unsubscribe(kind: 'channels' | 'patterns', targets: string | string[] | undefined, listener?: (message: string, channel: string) => unknown): Promise<void> {
      const map = this.#listeners[kind];
      const list = targets === undefined ? [...map.keys()] : Array.isArray(targets) ? targets : [targets];
      const gone: string[] = [];
      for (const t of list) {
        const set = map.get(t);
        if (set === undefined) continue;
        if (listener !== undefined) set.delete(listener);
        if (listener === undefined || set.size === 0) {
          map.delete(t);
          gone.push(t);
        }
      }
      if (gone.length === 0) return host.Promise.resolve();
      return this.sendArgs([kind === 'channels' ? 'UNSUBSCRIBE' : 'PUNSUBSCRIBE', ...gone]).then(() => undefined);
    }

    /** A message pushed on the connection, to its listeners (a throw in one is the process's uncaught exception). */
    #onPush(reply: Reply): void {
      if (reply.kind !== 'array' || reply.value === null) return;
      const parts = reply.value.map((r) => (r.kind === 'bulk' ? r.value : null));
      const [kind, first, second, third] = parts;
      const deliver = (set: Set<(message: string, channel: string) => unknown> | undefined, message: string, channel: string): void => {
        for (const l of [...(set ?? [])]) {
          try {
            l(message, channel);
          } catch (thrown) {
            host.uncaught(thrown);
          }
        }
      };
      if (kind === 'message') deliver(this.#listeners.channels.get(first as string), second as string, first as string);
      else if (kind === 'pmessage') deliver(this.#listeners.patterns.get(first as string), third as string, second as string);
    }

    /** `sendCommand(['SET', 'k', 'v'])`: raw arguments, the reply as node-redis gives it. */
    sendCommand(args: unknown[]): Promise<unknown> {
      return this.#run({ args: () => flat(args) }, []);
    }

    #run(shape: CommandShape, input: unknown[]): Promise<unknown> {
      let args: string[];
      try {
        args = splitName(shape.args(...input));
      } catch (error) {
        return host.Promise.reject(error);
      }
      return this.sendArgs(args, shape.reply);
    }

    /** @internal Sends raw arguments; resolves with the converted reply, rejects on an error reply. */
    sendArgs(args: string[], reply?: CommandShape['reply']): Promise<unknown> {
      const connection = this.#connection;
      if (!this.#open || connection === null) return host.Promise.reject(makeError('ClientClosedError'));
      if (this.options.disableOfflineQueue === true && connection.status !== 'ready') return host.Promise.reject(makeError('ClientOfflineError'));
      return new host.Promise((resolve, reject) => {
        connection.send(args).then(
          (r) => {
            if (r.kind === 'error') reject(convert(r));
            else resolve(reply === undefined ? convert(r) : reply(r, convert));
          },
          (error: unknown) => reject(error),
        );
      });
    }

    /** @internal The raw reply (for MULTI). */
    sendRaw(args: string[]): Promise<Reply> {
      const connection = this.#connection;
      if (!this.#open || connection === null) return Promise.reject(makeError('ClientClosedError'));
      return connection.send(args);
    }

    /** Waits for the replies already due, then closes (`end`). */
    close(): Promise<void> {
      const connection = this.#connection;
      if (!this.#open || connection === null) return host.Promise.reject(makeError('ClientClosedError')) as Promise<void>;
      return new host.Promise<void>((resolve) => void connection.quit().then(() => resolve(), () => resolve()));
    }

    /** v4's QUIT: as {@link close}, resolving `OK`. */
    quit(): Promise<string> {
      return this.close().then(() => 'OK');
    }

    /** Closes at once: what waits rejects with `DisconnectsClientError`. */
    destroy(): void {
      const connection = this.#connection;
      if (!this.#open || connection === null) throw makeError('ClientClosedError');
      this.#open = false;
      connection.disconnect(false, makeError('DisconnectsClientError'));
    }

    disconnect(): Promise<void> {
      this.destroy();
      return host.Promise.resolve();
    }

    /** A new client with this one's options (and `overrides`), not yet connected. */
    duplicate(overrides: NodeRedisOptions = {}): NodeRedisClient {
      return new NodeRedisClient({ ...this.options, ...overrides, socket: { ...this.options.socket, ...overrides.socket } });
    }

    /** A MULTI transaction: chain commands, then `exec()` (or `execAsPipeline()`). */
    multi(): NodeRedisMulti {
      return new NodeRedisMulti(this);
    }

    #emitGuarded(event: string, ...args: unknown[]): void {
      if (event === 'error' && this.listenerCount('error') === 0) return;
      try {
        this.emit(event, ...args);
      } catch (thrown) {
        host.uncaught(thrown);
      }
    }
  }

  class NodeRedisMulti {
    readonly #queued: Array<{ args: string[]; reply?: CommandShape['reply'] }> = [];
    readonly #client: NodeRedisClient;

    constructor(client: NodeRedisClient) {
      this.#client = client;
      const add = (name: string, shape: CommandShape) =>
        Object.defineProperty(this, name, {
          value: (...input: unknown[]) => {
            this.#queued.push({ args: splitName(shape.args(...input)), reply: shape.reply });
            return this;
          },
          writable: true,
          configurable: true,
        });
      for (const name of REDIS_COMMAND_NAMES) {
        if (name === 'exec') continue;
        add(name.toUpperCase(), { args: (...input) => [name.toUpperCase(), ...flat(input)] });
        if (!(name in SHAPES) && !(name in this)) add(name, { args: (...input) => [name.toUpperCase(), ...flat(input)] });
      }
      for (const [name, shape] of Object.entries(SHAPES)) add(name, shape);
    }

    addCommand(args: unknown[]): this {
      this.#queued.push({ args: flat(args) });
      return this;
    }

    /** MULTI, the commands, EXEC: the replies; `WatchError` if a watched key changed; `MultiErrorReply` if any failed. */
    exec(): Promise<unknown[]> {
      return this.#send(true);
    }

    /** The commands without MULTI/EXEC. */
    execAsPipeline(): Promise<unknown[]> {
      return this.#send(false);
    }

    #send(transaction: boolean): Promise<unknown[]> {
      const client = this.#client;
      const queued = this.#queued;
      if (queued.length === 0) return host.Promise.resolve([]);
      const sends = transaction ? [['MULTI'], ...queued.map((q) => q.args), ['EXEC']] : queued.map((q) => q.args);
      return new host.Promise<unknown[]>((resolve, reject) => {
        Promise.all(sends.map((args) => client.sendRaw(args))).then(
          (replies) => {
            let results: Reply[];
            if (transaction) {
              const exec = replies[replies.length - 1]!;
              if (exec.kind === 'error') return reject(convert(exec));
              if (exec.kind !== 'array' || exec.value === null) return reject(makeError('WatchError'));
              results = exec.value;
            } else results = replies;
            const errorIndexes: number[] = [];
            const values = results.map((r, i) => {
              if (r.kind === 'error') {
                errorIndexes.push(i);
                return convert(r);
              }
              const shape = queued[i]?.reply;
              return shape === undefined ? convert(r) : shape(r, convert);
            });
            if (errorIndexes.length > 0) {
              const error = makeError('MultiErrorReply', `${errorIndexes.length} commands failed, see .replies and .errorIndexes for more information`);
              Object.assign(error, { replies: values, errorIndexes });
              return reject(error);
            }
            resolve(values);
          },
          (error: unknown) => reject(error),
        );
      });
    }
  }

  return {
    createClient: (options?: NodeRedisOptions) => new NodeRedisClient(options) as unknown as NodeRedisClientShape,
    RedisClient: NodeRedisClient,
    ...errorClasses,
    fromConnection: (connection: SimRedis) => new NodeRedisClient({}, connection) as unknown as NodeRedisClientShape,
  };
}
