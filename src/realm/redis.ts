/**
 * An ioredis-compatible client for code inside a realm, over a simulated node's {@link SimRedis}
 * (or, outside simulation, any {@link RedisLike} such as a real ioredis client).
 *
 * Why not hand the library the SimRedis itself: the scenario runner builds the clients a lock
 * factory receives, without the realm's `errorClass`, so their errors are the host's `Error`
 * and fail `instanceof Error` inside the realm (redlock 5 then treats a NOSCRIPT reply as an
 * "unexpected type" and crashes; redis-semaphore never falls back from EVALSHA to EVAL). This
 * facade sends raw arguments through `SimRedis.send` and converts the typed reply itself, with
 * the realm's own errors, promises and callbacks. What it adds to SimRedis's surface is listed
 * in docs/libraries.md ("What SimRedis lacked").
 *
 * Two kinds: over a connection it shares (`realm.redis(node)`: the clients an adapter hands a
 * library, whose SimRedis the scenario runner made; always `ready` until this facade is closed),
 * or over a connection it owns (the public ioredis-shaped client of src/clients/ioredis.ts and
 * every `duplicate()`): then `status`, the events (`connecting`, `connect`, `ready`, `error`,
 * `close`, `reconnecting`, `end`, `select`), `connect`, `quit` and `disconnect` are the
 * connection's own, as ioredis 5 has them (src/redis/client.ts).
 *
 * ioredis behaviour kept: promise-returning command methods for every Redis 7.0 command name
 * (plus a trailing Node-style callback, called from a promise job; a throw in it crashes the
 * process as an uncaught exception does under Node); `call`, `eval`, `evalsha`, `script`,
 * `defineCommand`; `multi()` / `pipeline()` with `exec()` resolving to `[[error, result], …]`;
 * arguments flattened (arrays at any depth, `hset`/`mset` objects and Maps), numbers and
 * booleans as strings, null and undefined as empty strings; error replies reject with an
 * Error named `ReplyError`; `status`, `options`, events, `quit`, `disconnect`, `duplicate`
 * (a new connection with the same options), `sendCommand` of a `Command`, `keyPrefix`.
 */
import { EventEmitter } from 'node:events';
import { getKeyIndexes } from '@ioredis/commands';
import type { RedisLike } from '../locks/interface.ts';
import { DefinedScript, isNoScript, SimRedis, toIoredis } from '../redis/client.ts';
import { REDIS_COMMAND_NAMES } from '../redis/engine/command-table.ts';
import type { Reply } from '../redis/engine/reply.ts';

/** What the client needs from the realm it serves. */
export interface RealmRedisHost {
  readonly Promise: PromiseConstructor;
  /** An error of the realm's own `Error` class, with `name` set. */
  makeError(message: string, name?: string): Error;
  /** A callback threw: an uncaught exception of the simulated process. */
  uncaught(error: unknown): void;
  /** Runs `callback` on the realm's next immediate (simulated). */
  immediate(callback: () => void): void;
}

type Callback = (error: Error | null, result?: unknown) => void;

/** Commands ioredis gives a special method (or none) instead of the plain command method. */
const SPECIAL = new Set(['multi', 'exec', 'quit', 'monitor', 'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'eval', 'evalsha', 'script']);

/** What a connection in subscriber mode may send (ioredis's VALID_IN_SUBSCRIBER_MODE). */
const VALID_IN_SUBSCRIBER_MODE = new Set(['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit']);

type SubscribeKind = 'subscribe' | 'psubscribe';

/** ioredis turns an object argument of these commands into field/value pairs. */
const OBJECT_ARG_COMMANDS = new Set(['hset', 'hmset', 'mset', 'msetnx']);

function flattenInto(command: string, value: unknown, out: string[]): void {
  if (Array.isArray(value)) {
    for (const v of value) flattenInto(command, v, out);
  } else if (value === null || value === undefined) {
    out.push('');
  } else if (typeof value === 'string') {
    out.push(value);
  } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    out.push(String(value));
  } else if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    out.push(Buffer.from(value).toString('utf8'));
  } else if (value instanceof Map && OBJECT_ARG_COMMANDS.has(command)) {
    for (const [k, v] of value) {
      flattenInto(command, k, out);
      flattenInto(command, v, out);
    }
  } else if (typeof value === 'object' && OBJECT_ARG_COMMANDS.has(command)) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      flattenInto(command, v, out);
    }
  } else {
    out.push(String(value));
  }
}

/** A command's arguments as ioredis would send them. */
export function flattenArgs(command: string, args: readonly unknown[]): string[] {
  const out: string[] = [command];
  for (const a of args) flattenInto(command.toLowerCase(), a, out);
  return out;
}

/**
 * Whether `node` is a simulated client. By class name as well as by `instanceof`: a scenario
 * file loaded by the command line's TypeScript loader can get its own copy of the module that
 * defines SimRedis, and a lock built there must still know its nodes are simulated (else it
 * would run its library on real time).
 */
export function isSimRedis(node: unknown): node is SimRedis {
  if (node instanceof SimRedis) return true;
  if (typeof node !== 'object' || node === null) return false;
  return (node as { constructor?: { name?: string } }).constructor?.name === 'SimRedis' && typeof (node as { send?: unknown }).send === 'function';
}

function splitCallback(args: unknown[]): { args: unknown[]; callback: Callback | undefined } {
  const last = args[args.length - 1];
  return typeof last === 'function' ? { args: args.slice(0, -1), callback: last as Callback } : { args, callback: undefined };
}

function messageOf(error: unknown): string {
  return error !== null && typeof error === 'object' && 'message' in error ? String((error as { message: unknown }).message) : String(error);
}

/** Events of an owned connection, passed on as the connection emits them. */
const CONNECTION_EVENTS = ['connecting', 'connect', 'ready', 'close', 'reconnecting', 'end', 'select', 'error'] as const;

export class RealmRedis extends EventEmitter {
  readonly isCluster = false;
  options: Record<string, unknown>;
  /** The simulated connection (null over a RedisLike that is not simulated). */
  protected readonly sim: SimRedis | null;
  private localStatus = 'ready';
  /** Channels and patterns subscribed to (ioredis's `condition.subscriber`): re-subscribed after a reconnect. */
  private readonly subscriptions: Record<SubscribeKind, Set<string>> = { subscribe: new Set(), psubscribe: new Set() };
  /** Scripts sent as EVAL through a RedisLike that is not simulated ({@link sendScript}). */
  private readonly scriptsSent = new Set<DefinedScript>();

  constructor(
    private readonly inner: RedisLike,
    /** @internal */
    readonly host: RealmRedisHost,
    /** Whether the connection is this client's own (its status and events are then the client's). */
    protected readonly owned = false,
  ) {
    super();
    this.sim = isSimRedis(inner) ? inner : null;
    if (owned && this.sim === null) throw new Error('RealmRedis: only a simulated connection (SimRedis) can be owned');
    const innerOptions = (inner as { options?: Record<string, unknown> }).options ?? {};
    this.options = { maxRetriesPerRequest: 20, enableOfflineQueue: true, keyPrefix: '', ...innerOptions };
    delete this.options['errorClass'];
    this.sim?.on('push', (body: unknown) => this.onPush(body as Reply));
    if (owned) {
      const sim = this.sim as SimRedis;
      for (const event of CONNECTION_EVENTS) sim.on(event, (...args: unknown[]) => this.passOn(event, args));
      // ioredis's autoResubscribe: a new connection subscribes again to what the old one had.
      sim.on('ready', () => {
        for (const kind of ['subscribe', 'psubscribe'] as const) {
          const targets = [...this.subscriptions[kind]];
          if (targets.length > 0) void this.sendRaw([kind, ...targets]).catch(() => undefined);
        }
      });
    } else {
      host.immediate(() => {
        if (this.status === 'end') return;
        this.emit('connect');
        this.emit('ready');
      });
    }
  }

  // The command methods, once, on the prototype (where ioredis has them too), not on every
  // client: a realm makes a client per node for every simulated process of every run.
  static {
    for (const name of REDIS_COMMAND_NAMES) {
      if (SPECIAL.has(name)) continue;
      Object.defineProperty(RealmRedis.prototype, name, {
        value: function (this: RealmRedis, ...args: unknown[]): Promise<unknown> {
          return this.invoke(name, args);
        },
        writable: true,
        configurable: true,
      });
    }
  }

  /** ioredis's `mode`: `subscriber` while subscribed to a channel or pattern. */
  get mode(): 'normal' | 'subscriber' {
    return this.subscriptions.subscribe.size + this.subscriptions.psubscribe.size > 0 ? 'subscriber' : 'normal';
  }

  /** `subscribe(...channels, [callback])`: resolves with how many channels and patterns the connection is subscribed to. */
  subscribe(...args: unknown[]): Promise<unknown> {
    return this.subscription('subscribe', args);
  }

  psubscribe(...args: unknown[]): Promise<unknown> {
    return this.subscription('psubscribe', args);
  }

  unsubscribe(...args: unknown[]): Promise<unknown> {
    return this.subscription('unsubscribe', args);
  }

  punsubscribe(...args: unknown[]): Promise<unknown> {
    return this.subscription('punsubscribe', args);
  }

  /** (P)(UN)SUBSCRIBE: the node answers one confirmation per channel (src/redis/engine/pubsub.ts); the count after the last. */
  private subscription(command: 'subscribe' | 'psubscribe' | 'unsubscribe' | 'punsubscribe', raw: unknown[]): Promise<unknown> {
    const { args, callback } = splitCallback(raw);
    const targets = flattenArgs(command, args).slice(1);
    const kind: SubscribeKind = command === 'subscribe' || command === 'unsubscribe' ? 'subscribe' : 'psubscribe';
    const set = this.subscriptions[kind];
    if (command === kind) for (const t of targets) set.add(t);
    else if (targets.length === 0) set.clear();
    else for (const t of targets) set.delete(t);
    const { host } = this;
    const promise = new host.Promise<unknown>((resolve, reject) => {
      if (this.status === 'end') {
        reject(host.makeError('Connection is closed.'));
        return;
      }
      this.sendRaw([command, ...targets]).then(
        (reply) => {
          if (reply.kind === 'error') reject(host.makeError(reply.message, 'ReplyError'));
          else {
            const confirmations = reply.kind === 'array' ? (reply.value ?? []) : [];
            const last = confirmations[confirmations.length - 1];
            const count = last?.kind === 'array' ? last.value?.[2] : undefined;
            resolve(count?.kind === 'integer' ? count.value : 0);
          }
        },
        (error: unknown) => reject(host.makeError(messageOf(error))),
      );
    });
    return this.withCallback(promise, callback);
  }

  /** A pub/sub message pushed on the connection: ioredis's `message` and `pmessage` events (and their Buffer twins). */
  private onPush(reply: Reply): void {
    if (this.mode !== 'subscriber' || reply.kind !== 'array' || reply.value === null) return;
    const parts = reply.value.map((r) => (r.kind === 'bulk' ? r.value : null));
    if (parts[0] === 'message' && this.subscriptions.subscribe.has(parts[1] as string)) {
      this.passOn('message', [parts[1], parts[2]]);
      this.passOn('messageBuffer', [Buffer.from(parts[1] ?? ''), Buffer.from(parts[2] ?? '')]);
    } else if (parts[0] === 'pmessage' && this.subscriptions.psubscribe.has(parts[1] as string)) {
      this.passOn('pmessage', [parts[1], parts[2], parts[3]]);
      this.passOn('pmessageBuffer', [parts[1], Buffer.from(parts[2] ?? ''), Buffer.from(parts[3] ?? '')]);
    }
  }

  /** ioredis's status: the connection's when owned; else `ready` until this facade is closed. */
  get status(): string {
    return this.owned ? (this.sim as SimRedis).status : this.localStatus;
  }

  /** The database this client's commands run in (owned connections). */
  get db(): number {
    return this.sim?.db ?? 0;
  }

  /** An event of the owned connection, to this client's listeners (a throw in one is the process's uncaught exception). */
  private passOn(event: string, args: unknown[]): void {
    if (event === 'error') {
      // ioredis's silentEmit: an error nobody listens to is printed, not thrown.
      if (this.listenerCount('error') === 0) return;
      const error = args[0];
      args = [error instanceof Error || (error !== null && typeof error === 'object') ? error : this.host.makeError(messageOf(error))];
    }
    try {
      this.emit(event, ...args);
    } catch (thrown) {
      this.host.uncaught(thrown);
    }
  }

  /** `redis.call('SET', key, value, 'PX', 1000, 'NX', [callback])`. */
  call(command: string, ...args: unknown[]): Promise<unknown> {
    return this.invoke(command, args);
  }

  eval(...args: unknown[]): Promise<unknown> {
    return this.invoke('eval', args);
  }

  evalsha(...args: unknown[]): Promise<unknown> {
    return this.invoke('evalsha', args);
  }

  script(...args: unknown[]): Promise<unknown> {
    return this.invoke('script', args);
  }

  /** ioredis's `defineCommand`: EVAL on a connection's first use, EVALSHA after ({@link DefinedScript}). */
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void {
    const script = new DefinedScript(definition.lua);
    this.definedScripts.set(name, { script, numberOfKeys: definition.numberOfKeys });
    Object.defineProperty(this, name, {
      value: (...raw: unknown[]) => {
        const { args, callback } = splitCallback(raw);
        const keysAndArgs = this.scriptKeysAndArgs(name, args);
        return this.withCallback(this.settle(this.status === 'end' ? null : this.sendScript(script, keysAndArgs)), callback);
      },
      writable: true,
      configurable: true,
    });
  }

  /** @internal The scripts of `defineCommand`, by name (a pipeline gets them as methods too). */
  readonly definedScripts = new Map<string, { readonly script: DefinedScript; readonly numberOfKeys: number | undefined }>();

  /** numkeys, keys (with `keyPrefix`) and arguments of a call of the defined script `name`. */
  private scriptKeysAndArgs(name: string, args: unknown[]): string[] {
    const numberOfKeys = this.definedScripts.get(name)?.numberOfKeys;
    let keysAndArgs = flattenArgs('evalsha', numberOfKeys === undefined ? args : [numberOfKeys, ...args]).slice(1);
    const prefix = this.options['keyPrefix'];
    if (typeof prefix === 'string' && prefix !== '') keysAndArgs = withKeyPrefix(['evalsha', 'sha', ...keysAndArgs], prefix).slice(2);
    return keysAndArgs;
  }

  /**
   * @internal A defined script's command inside a pipeline, decided when the pipeline is sent:
   * EVAL if the script is not yet loaded on the connection, else EVALSHA (as ioredis writes it).
   */
  scriptCommand(name: string, args: unknown[]): () => string[] {
    const entry = this.definedScripts.get(name) as { script: DefinedScript };
    const keysAndArgs = this.scriptKeysAndArgs(name, args);
    return () => (this.sim !== null ? this.sim.scriptCommand(entry.script, keysAndArgs) : entry.script.argsFor(this.scriptsSent, keysAndArgs));
  }

  /**
   * A script's command on the connection. Over a simulated client the client decides (its
   * connections are visible to it); over another RedisLike, whose reconnections are not, this
   * client's lifetime stands for the connection's.
   */
  private sendScript(script: DefinedScript, keysAndArgs: readonly string[]): Promise<Reply> {
    if (this.sim !== null) return this.sim.runScript(script, keysAndArgs, true) as Promise<Reply>;
    const once = (): Promise<Reply> => this.sendRaw(script.argsFor(this.scriptsSent, keysAndArgs));
    return once().then((reply) => {
      if (reply.kind !== 'error' || !isNoScript(reply)) return reply;
      this.scriptsSent.delete(script);
      return once();
    });
  }

  /** A MULTI/EXEC transaction: queue commands, then `exec()`. */
  multi(options?: unknown): RealmPipeline {
    const pipeline = new RealmPipeline(this, true);
    if (Array.isArray(options)) for (const c of options as unknown[][]) pipeline.call(...(c as [string, ...unknown[]]));
    return pipeline;
  }

  /** A pipeline without a transaction. */
  pipeline(commands?: unknown[][]): RealmPipeline {
    const pipeline = new RealmPipeline(this, false);
    for (const c of commands ?? []) pipeline.call(...(c as [string, ...unknown[]]));
    return pipeline;
  }

  /** ioredis's `connect()` (owned: resolves once ready); over a shared connection it resolves at once. */
  connect(callback?: Callback): Promise<void> {
    const done = this.owned ? this.realmPromise((this.sim as SimRedis).connect()) : this.host.Promise.resolve();
    return this.withCallback(done, callback) as Promise<void>;
  }

  /** ioredis's `quit()`: `OK` after the replies already due, then the connection ends. */
  quit(callback?: Callback): Promise<unknown> {
    if (this.owned) return this.withCallback(this.realmPromise((this.sim as SimRedis).quit()), callback);
    this.disconnect();
    return this.withCallback(this.host.Promise.resolve('OK'), callback);
  }

  disconnect(reconnect = false): void {
    if (this.owned) {
      (this.sim as SimRedis).disconnect(reconnect === true);
      return;
    }
    if (this.status === 'end') return;
    this.localStatus = 'end';
    this.emit('close');
    this.emit('end');
  }

  /** ioredis's deprecated `end()`. */
  end(): void {
    this.disconnect();
  }

  /** Another client to the same node with the same options, on a new connection (as ioredis's `duplicate`). */
  duplicate(): RealmRedis {
    if (this.sim === null) return new RealmRedis(this.inner, this.host);
    return new RealmRedis(this.sim.duplicate(), this.host, true);
  }

  /**
   * ioredis's `sendCommand(new Redis.Command(name, args, options))`: settles the command's own
   * promise; its text replies are Buffers unless `options.replyEncoding` is set (as ioredis).
   */
  sendCommand(command: { name: string; args: unknown[]; replyEncoding?: string | null; resolve(value: unknown): void; reject(error: unknown): void; promise: Promise<unknown> }): Promise<unknown> {
    const encoding = command.replyEncoding ?? null;
    const asBuffers = (value: unknown): unknown => (typeof value === 'string' ? Buffer.from(value) : Array.isArray(value) ? value.map(asBuffers) : value);
    this.execute(flattenArgs(command.name, command.args)).then(
      (value) => command.resolve(encoding === null ? asBuffers(value) : value),
      (error: unknown) => command.reject(error),
    );
    return command.promise;
  }

  /** @internal Runs flattened arguments and converts the reply as ioredis does. */
  execute(args: readonly string[]): Promise<unknown> {
    if (this.mode === 'subscriber' && !VALID_IN_SUBSCRIBER_MODE.has(args[0]!.toLowerCase())) {
      return this.host.Promise.reject(this.host.makeError('Connection in subscriber mode, only subscriber commands may be used'));
    }
    const prefix = this.options['keyPrefix'];
    if (typeof prefix === 'string' && prefix !== '') args = withKeyPrefix(args, prefix);
    return this.settle(this.status === 'end' ? null : this.sendRaw(args));
  }

  /** A realm promise of a typed reply, converted as ioredis does (null: the client was closed). */
  private settle(sent: Promise<Reply> | null): Promise<unknown> {
    const { host } = this;
    return new host.Promise((resolve, reject) => {
      if (sent === null || this.status === 'end') {
        reject(host.makeError('Connection is closed.'));
        return;
      }
      sent.then(
        (reply) => {
          if (reply.kind === 'error') reject(host.makeError(reply.message, 'ReplyError'));
          else resolve(toIoredis(reply, (m) => host.makeError(m, 'ReplyError')));
        },
        (error: unknown) => reject(host.makeError(messageOf(error))),
      );
    });
  }

  /** @internal Sends raw arguments; the typed reply (errors as error replies). */
  sendRaw(args: readonly string[]): Promise<Reply> {
    if (this.sim !== null) return this.sim.send(args);
    return this.inner.call(args[0]!, ...args.slice(1)).then(
      (value) => fromIoredis(value),
      (error: unknown) => {
        const message = messageOf(error);
        if ((error as { name?: string } | null)?.name === 'ReplyError') return { kind: 'error', message } satisfies Reply;
        throw error;
      },
    );
  }

  private invoke(command: string, raw: unknown[]): Promise<unknown> {
    const { args, callback } = splitCallback(raw);
    return this.withCallback(this.execute(flattenArgs(command, args)), callback);
  }

  private realmPromise<T>(promise: Promise<T>): Promise<T> {
    return new this.host.Promise<T>((resolve, reject) => promise.then(resolve, reject));
  }

  /** @internal ioredis's callback style: called from a promise job; a throw is uncaught. */
  withCallback(promise: Promise<unknown>, callback: Callback | undefined): Promise<unknown> {
    if (callback !== undefined) {
      const call = (error: Error | null, result?: unknown): void => {
        try {
          callback(error, result);
        } catch (thrown) {
          this.host.uncaught(thrown);
        }
      };
      promise.then(
        (result) => call(null, result),
        (error: Error) => call(error),
      );
    }
    return promise;
  }
}

/** ioredis's `keyPrefix`: the prefix before every key of the command (by Redis's key specs). */
export function withKeyPrefix(args: readonly string[], prefix: string): string[] {
  const out = [...args];
  let indexes: number[];
  try {
    indexes = getKeyIndexes(args[0]!.toLowerCase(), args.slice(1));
  } catch {
    return out;
  }
  for (const i of indexes) out[i + 1] = prefix + out[i + 1]!;
  return out;
}

/** A reply of a generic RedisLike (already converted by ioredis) back as a typed reply. */
function fromIoredis(value: unknown): Reply {
  if (value === null || value === undefined) return { kind: 'bulk', value: null };
  if (typeof value === 'number') return { kind: 'integer', value };
  if (Array.isArray(value)) return { kind: 'array', value: value.map(fromIoredis) };
  return { kind: 'bulk', value: Buffer.isBuffer(value) ? value.toString('utf8') : String(value) };
}

/** ioredis's `Pipeline` (and its MULTI form): chained command methods, then `exec()`. */
export class RealmPipeline {
  /** Arguments, or (a defined script) what decides them when the pipeline is sent. */
  private readonly queued: Array<string[] | (() => string[])> = [];

  /** Private by `#`: a command method named `client` (CLIENT) is defined on the instance. */
  readonly #client: RealmRedis;

  constructor(
    client: RealmRedis,
    private readonly transaction: boolean,
  ) {
    this.#client = client;
    for (const name of client.definedScripts.keys()) {
      Object.defineProperty(this, name, {
        value: (...args: unknown[]) => {
          this.queued.push(client.scriptCommand(name, args));
          return this;
        },
        writable: true,
        configurable: true,
      });
    }
  }

  static {
    for (const name of REDIS_COMMAND_NAMES) {
      if (SPECIAL.has(name)) continue;
      Object.defineProperty(RealmPipeline.prototype, name, {
        value: function (this: RealmPipeline, ...args: unknown[]): RealmPipeline {
          return this.call(name, ...args);
        },
        writable: true,
        configurable: true,
      });
    }
  }

  call(command: string, ...args: unknown[]): this {
    this.queued.push(flattenArgs(command, args));
    return this;
  }

  eval(...args: unknown[]): this {
    return this.call('eval', ...args);
  }

  evalsha(...args: unknown[]): this {
    return this.call('evalsha', ...args);
  }

  get length(): number {
    return this.queued.length;
  }

  /** Resolves to `[[error, result], …]`, or null when a WATCHed key changed (MULTI). */
  exec(callback?: Callback): Promise<unknown> {
    const client = this.#client;
    const host = client.host;
    const makeError = (m: string): Error => host.makeError(m, 'ReplyError');
    const asPair = (r: Reply): [Error | null, unknown] => (r.kind === 'error' ? [makeError(r.message), null] : [null, toIoredis(r, makeError)]);
    const promise = new host.Promise<unknown>((resolve, reject) => {
      const prefix = client.options['keyPrefix'];
      const queued = this.queued.map((q) => (typeof q === 'function' ? q() : typeof prefix === 'string' && prefix !== '' ? withKeyPrefix(q, prefix) : q));
      const sends = this.transaction ? [['multi'], ...queued, ['exec']] : queued;
      Promise.all(sends.map((args) => client.sendRaw(args))).then(
        (replies) => {
          if (!this.transaction) {
            resolve(replies.map(asPair));
            return;
          }
          const execReply = replies[replies.length - 1]!;
          if (execReply.kind === 'error') reject(makeError(execReply.message));
          else if (execReply.kind !== 'array' || execReply.value === null) resolve(null);
          else resolve(execReply.value.map(asPair));
        },
        (error: unknown) => reject(host.makeError(messageOf(error))),
      );
    });
    return client.withCallback(promise, callback);
  }
}
