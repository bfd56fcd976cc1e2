import type { RedisLike } from '../locks/interface.ts';
import { endpoint, RequestTimeoutError, type Endpoint } from '../sim/rpc.ts';
import type { ProcessContext } from '../sim/process.ts';
import type { Reply } from './reply.ts';
import type { NodeRequest } from './node.ts';
import { createHash } from 'node:crypto';

/** Options with ioredis's names and meaning. */
export interface SimRedisOptions {
  /** Reject a command with `Error('Command timed out')` if no reply within this many ms (ioredis's option). */
  commandTimeout?: number;
  /** Accepted for compatibility; a simulated command is sent once (no resend on reconnect). */
  maxRetriesPerRequest?: number | null;
  /** A name for reports. */
  connectionName?: string;
  /** Builds errors (a realm can pass its own Error class so `instanceof Error` holds there). */
  errorClass?: ErrorConstructor;
  /** Called for every command sent (the runner tells a waiting client from a hung one by it). */
  onSend?: (args: readonly string[]) => void;
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

/**
 * A Redis client inside a simulated process, with the surface of ioredis that lock libraries
 * use: promise-returning command methods (and a trailing callback), `call`, `eval`,
 * `evalsha`, `script`, `defineCommand`, `multi()`/`exec()`, `status`, events. Commands travel
 * over the simulated network to a simulated node; a reply that arrives after its command timed
 * out is dropped (never matched to a later command).
 */
export class SimRedis implements RedisLike {
  status: 'ready' | 'end' = 'ready';
  readonly options: SimRedisOptions;
  private readonly endpoint: Endpoint;
  private readonly connection = ++connectionSerial;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly makeError: (message: string) => Error;
  private readonly makeReplyError: (message: string) => Error;

  constructor(
    private readonly ctx: ProcessContext,
    private readonly address: NodeAddress,
    options: SimRedisOptions = {},
  ) {
    this.options = options;
    this.endpoint = endpoint(ctx);
    const ErrorClass = options.errorClass ?? Error;
    this.makeError = (message) => new ErrorClass(message);
    this.makeReplyError = (message) => {
      const error = new ErrorClass(message);
      error.name = 'ReplyError';
      return error;
    };
    for (const name of COMMAND_METHODS) {
      (this as Record<string, unknown>)[name] = (...args: unknown[]) => this.callWithCallback(name, args);
    }
    // ioredis emits 'connect' and 'ready' once connected; in simulation that is at once.
    ctx.clock.setTimer(0, () => {
      this.emit('connect');
      this.emit('ready');
    });
  }

  /** The node this client sends to now. */
  get node(): string {
    return typeof this.address === 'string' ? this.address : this.address.resolve();
  }

  /** `redis.call('SET', key, value, 'PX', 1000, 'NX')`, as in ioredis. */
  call(command: string, ...args: Array<Arg | Callback>): Promise<unknown> {
    return this.callWithCallback(command, args);
  }

  /** Sends raw arguments and resolves with the typed reply (no ioredis conversion). */
  async send(args: readonly string[]): Promise<Reply> {
    if (this.status === 'end') throw this.makeError('Connection is closed.');
    const request: NodeRequest = { connection: this.connection, args };
    this.options.onSend?.(args);
    const timeout = this.options.commandTimeout;
    try {
      return (await this.endpoint.request(this.node, request, timeout)) as Reply;
    } catch (error) {
      if (error instanceof RequestTimeoutError) throw this.makeError('Command timed out');
      throw error;
    }
  }

  /**
   * Runs a command and converts its reply as ioredis does (an error reply rejects). This is the
   * per-command hot path: the reply is converted as it arrives (no `then` hop, no async frames).
   */
  command(args: readonly string[]): Promise<unknown> {
    if (this.status === 'end') return Promise.reject(this.makeError('Connection is closed.'));
    try {
      const request: NodeRequest = { connection: this.connection, args };
      this.options.onSend?.(args);
      return this.endpoint.requestWith(this.node, request, this.options.commandTimeout, this.convertReply, this.timeoutError);
    } catch (error) {
      // As from an async function: a failure to send rejects, it does not throw.
      return Promise.reject(error);
    }
  }

  /** ioredis's conversion of a reply ({@link toIoredis}); an error reply throws (rejects). */
  private readonly convertReply = (body: unknown): unknown => {
    const reply = body as Reply;
    if (reply.kind === 'error') throw this.makeReplyError(reply.message);
    return toIoredis(reply, this.makeReplyError);
  };

  private readonly timeoutError = (): Error => this.makeError('Command timed out');

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

  /**
   * ioredis's `defineCommand`: adds a method that runs the script by EVALSHA and falls back to
   * EVAL when the node answers NOSCRIPT (after a restart, say).
   */
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void {
    const sha = createHash('sha1').update(definition.lua).digest('hex');
    const run = async (args: Arg[]): Promise<unknown> => {
      let numKeys = definition.numberOfKeys;
      let rest = args;
      if (numKeys === undefined) {
        numKeys = Number(args[0]);
        rest = args.slice(1);
      }
      const flat = flatten(rest, []);
      try {
        return await this.command(['evalsha', sha, String(numKeys), ...flat]);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
          return this.command(['eval', definition.lua, String(numKeys), ...flat]);
        }
        throw error;
      }
    };
    (this as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const { args: rest, callback } = stripCallback(args);
      return withCallback(run(rest as Arg[]), callback);
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

  /** Closes the client; later commands reject with `Connection is closed.` */
  async quit(): Promise<'OK'> {
    this.disconnect();
    return 'OK';
  }

  disconnect(): void {
    if (this.status === 'end') return;
    this.status = 'end';
    this.emit('close');
    this.emit('end');
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
