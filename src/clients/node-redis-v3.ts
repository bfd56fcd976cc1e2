/**
 * node_redis **v3**'s callback API (the `redis` package before 4.0), over simulated
 * connections: as much of it as lock libraries of that generation and their test suites use
 * (redlock 4's own test.js runs on it). `createClient()` with v3's argument forms (port, host,
 * options, url, `{ host, port, db, url, string_numbers }`) connects at once; every command
 * method takes v3's argument forms (`(a, b, cb)`, `([a, b], cb)`, `(a, [b, c], cb)`), calls a
 * Node-style callback and returns a boolean (v3's "not buffering"); an error with no callback
 * is an `error` event. Replies as v3 gives them: integers as numbers (strings with
 * `string_numbers`), nil as null, errors as `ReplyError` with `code` (`NOSCRIPT`, `WRONGTYPE`),
 * `command` and `args`. `multi()`/`batch()` with `exec(cb)`, `quit`, `end`, `duplicate`,
 * `connected`, `ready`, events `connect`, `ready`, `error`, `end`, `reconnecting`.
 *
 * Failure behaviour is v3's in outline only: an offline queue that waits for reconnection
 * (attempts after 200 ms, then ×1.7 each), no per-command retry limit.
 */
import { EventEmitter } from 'node:events';
import { REDIS_COMMAND_NAMES } from '../redis/engine/command-table.ts';
import { SimRedis } from '../redis/client.ts';
import type { Reply } from '../redis/engine/reply.ts';
import { DEFAULT_PORT } from './addresses.ts';
import type { ClientBinding } from './binding.ts';

type Callback = (error: Error | null, reply?: unknown) => void;

export interface NodeRedisV3Options {
  host?: string;
  port?: number | string;
  db?: number | string;
  url?: string;
  string_numbers?: boolean;
  enable_offline_queue?: boolean;
  connect_timeout?: number;
  [option: string]: unknown;
}

/** v3's `createClient` argument forms, as lib/createClient.js reads them. */
export function parseV3Arguments(args: readonly unknown[]): NodeRedisV3Options {
  const [a, b, c] = args;
  let options: NodeRedisV3Options;
  if (typeof a === 'number' || (typeof a === 'string' && /^\d+$/.test(a))) {
    options = { ...(typeof b === 'string' ? (c as NodeRedisV3Options | undefined) : (b as NodeRedisV3Options | undefined)) };
    if (typeof b === 'string') options.host = b;
    options.port = a;
  } else if (typeof a === 'string' || (typeof a === 'object' && a !== null && typeof (a as NodeRedisV3Options).url === 'string')) {
    const url = typeof a === 'string' ? a : ((a as NodeRedisV3Options).url as string);
    options = { ...(typeof a === 'string' ? (b as NodeRedisV3Options | undefined) : (a as NodeRedisV3Options)) };
    const parsed = new URL(url.includes('//') ? url : `redis://${url}`);
    if (parsed.pathname.length > 1) options.db = parsed.pathname.slice(1);
    if (parsed.hostname !== '') options.host = parsed.hostname;
    if (parsed.port !== '') options.port = parsed.port;
    parsed.searchParams.forEach((value, key) => (options[key] = value));
  } else if (a === undefined || typeof a === 'object') {
    options = { ...(a as NodeRedisV3Options | undefined) };
    if (options.host === undefined && typeof b === 'string') options.host = b;
  } else {
    throw new TypeError('Unknown type of connection in createClient()');
  }
  return options;
}

/** v3's argument forms of a command method: the command's arguments and its callback. */
function v3Arguments(raw: readonly unknown[]): { args: unknown[]; callback: Callback | undefined } {
  const len = raw.length;
  if (Array.isArray(raw[0])) return { args: raw[0] as unknown[], callback: len === 2 ? (raw[1] as Callback) : undefined };
  if (len > 1 && Array.isArray(raw[1])) return { args: [raw[0], ...(raw[1] as unknown[])], callback: len === 3 ? (raw[2] as Callback) : undefined };
  if (len !== 0 && (typeof raw[len - 1] === 'function' || raw[len - 1] === undefined)) return { args: raw.slice(0, -1), callback: raw[len - 1] as Callback | undefined };
  return { args: [...raw], callback: undefined };
}

/** v3 sends arguments as strings (Buffers as they are; here as UTF-8 text). */
function v3String(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}

/** v3's `retry_strategy` default: 200 ms, then ×1.7 each attempt (`retry_backoff`). */
const v3Retry = (times: number): number => Math.round(200 * 1.7 ** (times - 1));

const v3ErrorCode = /^([A-Z]+)\s+(.+)$/;

/** What `require('redis')` returns for v3: `createClient`, `RedisClient`, `ReplyError`, `AbortError`. */
export interface NodeRedisV3Module {
  createClient(...args: unknown[]): EventEmitter & Record<string, unknown>;
  readonly RedisClient: new (options?: NodeRedisV3Options) => EventEmitter & Record<string, unknown>;
  readonly ReplyError: { [Symbol.hasInstance](value: unknown): boolean };
  readonly AbortError: { [Symbol.hasInstance](value: unknown): boolean };
}

/** Builds the node_redis v3-shaped module for the code `binding` describes. */
export function nodeRedisV3Module(binding: ClientBinding): NodeRedisV3Module {
  const { host } = binding;

  class RedisClient extends EventEmitter {
    readonly options: NodeRedisV3Options;
    readonly connection: SimRedis;
    connected = false;
    ready = false;
    closing = false;

    constructor(options: NodeRedisV3Options = {}) {
      super();
      this.options = options;
      const hostName = options.host ?? '127.0.0.1';
      const port = Number(options.port ?? DEFAULT_PORT);
      const db = options.db === undefined ? 0 : Number(options.db);
      if (!Number.isInteger(db) || db < 0) throw new Error(`redis v3 (locksim): db must be a database number, got ${JSON.stringify(options.db)}`);
      const node = binding.addresses.resolve(hostName, port, 'redis v3 (locksim)');
      this.connection = new SimRedis(binding.ctx, node, {
        ...binding.defaults,
        db,
        address: `${hostName}:${port}`,
        retryStrategy: v3Retry,
        maxRetriesPerRequest: null,
        enableOfflineQueue: options.enable_offline_queue !== false,
        connectTimeout: options.connect_timeout,
        errorClass: binding.errorClass,
      });
      this.connection.on('connect', () => {
        this.connected = true;
        this.emitGuarded('connect');
      });
      this.connection.on('ready', () => {
        this.ready = true;
        this.emitGuarded('ready');
      });
      this.connection.on('close', () => {
        this.connected = false;
        this.ready = false;
      });
      this.connection.on('reconnecting', (delay: unknown) => this.emitGuarded('reconnecting', { delay }));
      this.connection.on('end', () => this.emitGuarded('end'));
      this.connection.on('error', (error: unknown) => {
        if (this.listenerCount('error') > 0) this.emitGuarded('error', error);
      });
      for (const name of REDIS_COMMAND_NAMES) {
        if (name === 'multi' || name === 'quit') continue;
        const method = (...raw: unknown[]): boolean => {
          const { args, callback } = v3Arguments(raw);
          return this.send(name, args, callback);
        };
        Object.defineProperty(this, name, { value: method, writable: true, configurable: true });
        Object.defineProperty(this, name.toUpperCase(), { value: method, writable: true, configurable: true });
      }
    }

    /** `send_command(name, args, cb)`. */
    send_command(name: string, args: unknown[] = [], callback?: Callback): boolean {
      return this.send(name.toLowerCase(), args, callback);
    }

    /** `quit(cb)`: `OK` once the replies already due are in, then `end`. */
    quit(...raw: unknown[]): boolean {
      const { callback } = v3Arguments(raw);
      this.closing = true;
      this.connection.quit().then(
        (reply) => this.reply(callback, null, reply),
        (error: unknown) => this.reply(callback, error as Error, undefined),
      );
      return false;
    }

    /** `end(flush)`: closes at once; with `flush`, what waits is rejected. */
    end(_flush?: boolean): void {
      this.closing = true;
      this.connection.disconnect();
    }

    /** A new client with the same options (a new connection). */
    duplicate(options: NodeRedisV3Options = {}, callback?: (error: Error | null, client?: RedisClient) => void): RedisClient {
      const client = new RedisClient({ ...this.options, ...options });
      if (callback !== undefined) client.once('ready', () => callback(null, client));
      return client;
    }

    /** A MULTI transaction (`batch()`: the same commands without MULTI/EXEC). */
    multi(commands?: unknown[][]): V3Multi {
      return new V3Multi(this, true, commands);
    }

    batch(commands?: unknown[][]): V3Multi {
      return new V3Multi(this, false, commands);
    }

    /** @internal Sends one command; its reply goes to `callback` (or an error to the `error` event). */
    send(name: string, args: readonly unknown[], callback: Callback | undefined): boolean {
      const full = [name, ...args.map(v3String)];
      this.connection.send(full).then(
        (reply) => {
          if (reply.kind === 'error') this.reply(callback, this.replyError(reply.message, full), undefined);
          else this.reply(callback, null, this.convert(reply));
        },
        (error: unknown) => this.reply(callback, error as Error, undefined),
      );
      return this.connection.status === 'ready';
    }

    /** @internal v3's reply conversion. */
    convert(reply: Reply): unknown {
      switch (reply.kind) {
        case 'integer':
          return this.options.string_numbers === true ? String(reply.value) : reply.value;
        case 'status':
        case 'bulk':
          return reply.value;
        case 'error':
          return this.replyError(reply.message, []);
        case 'array':
          return reply.value === null ? null : reply.value.map((r) => this.convert(r));
      }
    }

    /** @internal A `ReplyError` as v3 makes it: `code` from the message's first word, `command`, `args`. */
    replyError(message: string, full: readonly string[]): Error {
      const error = host.makeError(message, 'ReplyError') as Error & { code?: string; command?: string; args?: string[] };
      const match = v3ErrorCode.exec(message);
      if (match !== null) error.code = match[1];
      if (full.length > 0) {
        error.command = full[0]!.toUpperCase();
        error.args = full.slice(1);
      }
      return error;
    }

    /** @internal A callback is called from a promise job; a throw in it is the process's uncaught exception. */
    reply(callback: Callback | undefined, error: Error | null, value: unknown): void {
      try {
        if (callback !== undefined) callback(error, value);
        else if (error !== null) this.emit('error', error);
      } catch (thrown) {
        host.uncaught(thrown);
      }
    }

    private emitGuarded(event: string, ...args: unknown[]): void {
      try {
        this.emit(event, ...args);
      } catch (thrown) {
        host.uncaught(thrown);
      }
    }
  }

  /** v3's `Multi`: queued commands, `exec(cb)` with the replies (errors in place). */
  class V3Multi {
    private readonly queued: Array<{ args: string[]; callback: Callback | undefined }> = [];

    constructor(
      private readonly client: RedisClient,
      private readonly transaction: boolean,
      commands?: unknown[][],
    ) {
      for (const c of commands ?? []) this.queue(String(c[0]), c.slice(1));
      for (const name of REDIS_COMMAND_NAMES) {
        if (name === 'exec') continue;
        const method = (...raw: unknown[]): V3Multi => this.queue(name, raw);
        Object.defineProperty(this, name, { value: method, writable: true, configurable: true });
        Object.defineProperty(this, name.toUpperCase(), { value: method, writable: true, configurable: true });
      }
    }

    private queue(name: string, raw: unknown[]): this {
      const { args, callback } = v3Arguments(raw);
      this.queued.push({ args: [name, ...args.map(v3String)], callback });
      return this;
    }

    exec(callback?: Callback): boolean {
      const { client } = this;
      const sends = this.transaction ? [['multi'], ...this.queued.map((q) => q.args), ['exec']] : this.queued.map((q) => q.args);
      Promise.all(sends.map((args) => client.connection.send(args))).then(
        (replies) => {
          let results: Reply[];
          if (this.transaction) {
            const exec = replies[replies.length - 1]!;
            if (exec.kind === 'error') {
              client.reply(callback, client.replyError(exec.message, ['exec']), undefined);
              return;
            }
            if (exec.kind !== 'array' || exec.value === null) {
              client.reply(callback, null, null);
              return;
            }
            results = exec.value;
          } else results = replies;
          const values = results.map((r, i) => {
            const value = r.kind === 'error' ? client.replyError(r.message, this.queued[i]?.args ?? []) : client.convert(r);
            const own = this.queued[i]?.callback;
            if (own !== undefined) client.reply(own, r.kind === 'error' ? (value as Error) : null, r.kind === 'error' ? undefined : value);
            return value;
          });
          client.reply(callback, null, values);
        },
        (error: unknown) => client.reply(callback, error as Error, undefined),
      );
      return true;
    }

    exec_atomic(callback?: Callback): boolean {
      return this.exec(callback);
    }
  }

  const isReplyError = { [Symbol.hasInstance]: (value: unknown) => (value as { name?: unknown } | null)?.name === 'ReplyError' };
  const isAbortError = { [Symbol.hasInstance]: (value: unknown) => (value as { name?: unknown } | null)?.name === 'AbortError' };
  return {
    createClient: (...args: unknown[]) => new RedisClient(parseV3Arguments(args)) as unknown as EventEmitter & Record<string, unknown>,
    RedisClient: RedisClient as unknown as NodeRedisV3Module['RedisClient'],
    ReplyError: isReplyError,
    AbortError: isAbortError,
  };
}
