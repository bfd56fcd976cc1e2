/**
 * An ioredis 5-shaped module over simulated connections: what `require('ioredis')` gives inside
 * a realm told so (`realm.provide('ioredis', …)`), and what a user's own simulated process can
 * construct clients with. Its `Redis` takes ioredis's constructor forms (`new Redis()`,
 * `(port)`, `(port, host)`, `(url)`, `(options)`, and combinations, first value wins as in
 * ioredis's `parseOptions`), finds the node through the binding's address map, and fails as
 * ioredis 5 fails (src/redis/client.ts: offline queue, `retryStrategy`,
 * `maxRetriesPerRequest`, `commandTimeout`, `autoResendUnfulfilledCommands`,
 * `enableOfflineQueue`, `connectTimeout`, `lazyConnect`, `db` with SELECT on every
 * connection). The surface is {@link RealmRedis}'s (every command method, `call`,
 * `sendCommand`, `defineCommand`, `multi`/`pipeline`, events, `quit`, `disconnect`,
 * `duplicate`, `keyPrefix`).
 *
 * Not simulated (a clear error when asked for): Sentinel (`sentinels`), Unix sockets (`path`),
 * `Cluster`. Options that change nothing a simulated node can see (TLS, passwords, keep-alive,
 * `enableReadyCheck`, …) are kept in `options` and otherwise ignored; the ready check (INFO) and
 * `CLIENT SETINFO` that ioredis sends on connecting are not sent.
 */
import { RealmRedis } from '../realm/redis.ts';
import { defaultRetryStrategy, SimRedis, type SimRedisOptions } from '../redis/client.ts';
import { DEFAULT_PORT } from './addresses.ts';
import type { ClientBinding } from './binding.ts';

/** ioredis's options that the simulation acts on (others are kept and ignored). */
export interface IoredisOptions
  extends Pick<
    SimRedisOptions,
    'db' | 'lazyConnect' | 'commandTimeout' | 'maxRetriesPerRequest' | 'retryStrategy' | 'enableOfflineQueue' | 'autoResendUnfulfilledCommands' | 'connectTimeout' | 'connectionName'
  > {
  host?: string;
  port?: number;
  keyPrefix?: string;
  scripts?: Record<string, { lua: string; numberOfKeys?: number }>;
  [option: string]: unknown;
}

/** ioredis 5's defaults for the options above (RedisOptions.js). */
const DEFAULTS: IoredisOptions = {
  port: DEFAULT_PORT,
  host: 'localhost',
  db: 0,
  connectTimeout: 10_000,
  retryStrategy: defaultRetryStrategy,
  connectionName: null as unknown as undefined,
  enableOfflineQueue: true,
  enableReadyCheck: true,
  autoResubscribe: true,
  autoResendUnfulfilledCommands: true,
  lazyConnect: false,
  keyPrefix: '',
  stringNumbers: false,
  maxRetriesPerRequest: 20,
};

/** `redis://user:pass@host:port/db?option=value` as ioredis's `parseURL` reads it. */
export function parseRedisUrl(url: string): IoredisOptions {
  if (/^\d+$/.test(url)) return { port: Number(url) };
  if (url.startsWith('/')) return { path: url };
  const hasProtocol = /^rediss?:\/\//i.test(url);
  const parsed = new URL(hasProtocol ? url : url.startsWith('//') ? `redis:${url}` : `redis://${url}`);
  const options: IoredisOptions = {};
  parsed.searchParams.forEach((value, key) => {
    options[key] = /^\d+$/.test(value) ? Number(value) : value;
  });
  if (parsed.username !== '' || parsed.password !== '') {
    options.username = decodeURIComponent(parsed.username);
    options.password = decodeURIComponent(parsed.password);
  }
  if (parsed.pathname.length > 1) options.db = Number(parsed.pathname.slice(1));
  if (parsed.hostname !== '') options.host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (parsed.port !== '') options.port = Number(parsed.port);
  return options;
}

/** ioredis's `parseOptions`: objects, URLs and port numbers, the first value of each option wins. */
export function parseIoredisArguments(args: readonly unknown[]): IoredisOptions {
  const options: IoredisOptions = {};
  const defaults = (from: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(from)) if (options[k] === undefined && v !== undefined) options[k] = v;
  };
  for (const arg of args) {
    if (arg === null || arg === undefined) continue;
    if (typeof arg === 'object') defaults(arg as Record<string, unknown>);
    else if (typeof arg === 'string') defaults(parseRedisUrl(arg) as Record<string, unknown>);
    else if (typeof arg === 'number') options.port ??= arg;
    else throw new Error(`Invalid argument ${String(arg)}`);
  }
  defaults(DEFAULTS as Record<string, unknown>);
  if (typeof options.port === 'string') options.port = Number.parseInt(options.port, 10);
  if (typeof options.db === 'string') options.db = Number.parseInt(options.db, 10);
  return options;
}

/** The connection options of a parsed ioredis configuration. */
function connectionOptions(options: IoredisOptions, binding: ClientBinding): SimRedisOptions {
  return {
    ...binding.defaults,
    commandTimeout: options.commandTimeout,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    retryStrategy: options.retryStrategy,
    enableOfflineQueue: options.enableOfflineQueue,
    autoResendUnfulfilledCommands: options.autoResendUnfulfilledCommands,
    connectTimeout: options.connectTimeout,
    connectionName: options.connectionName ?? undefined,
    lazyConnect: options.lazyConnect,
    db: options.db,
    address: `${options.host}:${options.port}`,
    errorClass: binding.errorClass,
  };
}

/** What `require('ioredis')` returns: the `Redis` class, with ioredis's other exports on it. */
export interface IoredisModule {
  new (...args: unknown[]): RealmRedis;
  (...args: unknown[]): never;
  readonly Redis: IoredisModule;
  readonly default: IoredisModule;
  createClient(...args: unknown[]): RealmRedis;
  readonly Command: new (name: string, args?: unknown[], options?: unknown, callback?: (error: Error | null, result?: unknown) => void) => object;
  readonly ReplyError: { [Symbol.hasInstance](value: unknown): boolean };
  readonly Cluster: new (...args: unknown[]) => never;
}

/** Builds the ioredis-shaped module for the code `binding` describes. */
export function ioredisModule(binding: ClientBinding): IoredisModule {
  const { host } = binding;

  class Redis extends RealmRedis {
    constructor(...args: unknown[]) {
      const options = parseIoredisArguments(args);
      if (options['sentinels'] !== undefined && options['sentinels'] !== null) throw new Error('ioredis (locksim): Sentinel is not simulated; connect to a node by host and port');
      if (typeof options['path'] === 'string') throw new Error(`ioredis (locksim): Unix sockets are not simulated (path ${options['path']}); connect to a node by host and port`);
      if (options.db !== undefined && !(Number.isInteger(options.db) && (options.db as number) >= 0)) throw new Error(`ioredis (locksim): db must be a database number, got ${JSON.stringify(options.db)}`);
      const node = binding.addresses.resolve(String(options.host), Number(options.port), 'ioredis (locksim)');
      super(new SimRedis(binding.ctx, node, connectionOptions(options, binding)), host, true);
      this.options = options;
      for (const [name, definition] of Object.entries(options.scripts ?? {})) this.defineCommand(name, definition);
    }

    static createClient(...args: unknown[]): Redis {
      return new Redis(...args);
    }

    /** A new client with this one's options (and `override`), on its own connection. */
    override duplicate(override: IoredisOptions = {}): Redis {
      return new Redis({ ...this.options, ...override });
    }
  }

  /** ioredis's `Command`, for `redis.sendCommand(new Redis.Command('set', ['k', 'v']))`. */
  class Command {
    readonly name: string;
    readonly args: unknown[];
    readonly promise: Promise<unknown>;
    /** null: replies as Buffers (ioredis's default for a Command); 'utf8': strings. */
    readonly replyEncoding: string | null;
    resolve!: (value: unknown) => void;
    reject!: (error: unknown) => void;
    constructor(name: string, args: unknown[] = [], options?: { replyEncoding?: string | null }, callback?: (error: Error | null, result?: unknown) => void) {
      this.name = name;
      this.args = args;
      this.replyEncoding = options?.replyEncoding ?? null;
      this.promise = new host.Promise((resolve, reject) => {
        this.resolve = resolve;
        this.reject = reject;
      });
      if (callback !== undefined) this.promise.then((r) => callback(null, r), (e: Error) => callback(e));
    }
  }

  const ReplyError = { [Symbol.hasInstance]: (value: unknown) => (value as { name?: unknown } | null)?.name === 'ReplyError' };
  class Cluster {
    constructor() {
      throw new Error('ioredis (locksim): Cluster is not simulated; use one Redis per node');
    }
  }
  Object.assign(Redis, { Redis, default: Redis, Command, ReplyError, Cluster });
  return Redis as unknown as IoredisModule;
}
