/**
 * What `require('node:…')` gives inside a realm. Modules that neither read time nor randomness
 * nor do I/O are Node's own (`events`, `buffer`, `path`, `string_decoder`, `url`, `querystring`,
 * `async_hooks`, `assert`); the others are shims on the simulated process:
 *
 * - `crypto`: `createHash`, `createHmac`, `timingSafeEqual` are Node's; `randomBytes`,
 *   `randomFill(Sync)`, `randomUUID`, `randomInt`, `getRandomValues` draw from the process's
 *   seeded stream; nothing else (keys, ciphers) is offered.
 * - `util`: Node's, with `deprecate` (warns into the realm's log), `debuglog` (off) and
 *   `promisify(setTimeout)` working on the simulated timers.
 * - `timers`, `timers/promises`, `perf_hooks`: the simulated timers and clock.
 * - `tty` (nothing is a terminal), `os` (a fixed machine).
 *
 * Anything with real I/O (`net`, `child_process`, …) is refused with an error that says so: a
 * simulated process reaches the world only through the simulated network. `fs` and `module` are
 * given by the loader (loader.ts), not here: a read-only `fs` confined to the requiring module's
 * own package folder (fs.ts), and `createRequire`.
 */
import assert from 'node:assert';
import * as asyncHooks from 'node:async_hooks';
import * as buffer from 'node:buffer';
import { createHash, createHmac, getHashes, timingSafeEqual, constants as cryptoConstants } from 'node:crypto';
import * as events from 'node:events';
import * as path from 'node:path';
import * as querystring from 'node:querystring';
import * as stringDecoder from 'node:string_decoder';
import * as url from 'node:url';
import util from 'node:util';
import type { RealmRandom } from './random-source.ts';
import type { RealmTimers, SimTimer } from './timers.ts';

/** What the builtin shims need from their realm. */
export interface BuiltinHost {
  readonly name: string;
  readonly random: RealmRandom;
  readonly timers: RealmTimers;
  readonly performance: object;
  /** Queues a callback as Node would from its thread pool: on a simulated 0 ms timer. */
  later(callback: () => void): void;
  warn(text: string): void;
  /** The realm's Promise (so promise-returning shims give the realm's own promises). */
  readonly Promise: PromiseConstructor;
}

/** Modules a realm refuses: they would reach real files, sockets, processes or threads. */
const REFUSED = new Set([
  'fs', 'fs/promises', 'net', 'tls', 'dgram', 'dns', 'dns/promises', 'http', 'https', 'http2', 'child_process', 'cluster',
  'worker_threads', 'inspector', 'repl', 'readline', 'v8', 'vm', 'wasi', 'module', 'process', 'stream', 'stream/promises',
  'zlib', 'diagnostics_channel', 'trace_events', 'test',
]);

export function promisifiedTimers(host: Pick<BuiltinHost, 'timers' | 'Promise'>): Record<string, unknown> {
  const { timers, Promise: RealmPromise } = host;
  const abortable = <T>(signal: AbortSignal | undefined, start: (resolve: (v: T) => void) => SimTimer): Promise<T> =>
    new RealmPromise<T>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = start((value) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      });
      const onAbort = (): void => {
        timer.close();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  return {
    setTimeout: <T>(delay?: number, value?: T, options?: { signal?: AbortSignal }) =>
      abortable<T | undefined>(options?.signal, (resolve) => timers.timeout(() => resolve(value), delay)),
    setImmediate: <T>(value?: T, options?: { signal?: AbortSignal }) =>
      abortable<T | undefined>(options?.signal, (resolve) => timers.immediate(() => resolve(value))),
    scheduler: {
      wait: (delay: number, options?: { signal?: AbortSignal }) => abortable<void>(options?.signal, (resolve) => timers.timeout(() => resolve(), delay)),
      yield: () => abortable<void>(undefined, (resolve) => timers.immediate(() => resolve())),
    },
  };
}

function cryptoShim(host: BuiltinHost): Record<string, unknown> {
  const { random } = host;
  const randomBytes = (size: number, callback?: (error: Error | null, bytes?: Buffer) => void): Buffer | undefined => {
    const bytes = random.bytes(size);
    if (callback === undefined) return bytes;
    host.later(() => callback(null, bytes));
    return undefined;
  };
  const randomFillSync = <T extends ArrayBufferView>(view: T, offset?: number, size?: number): T => random.fill(view, offset, size);
  const getRandomValues = <T extends ArrayBufferView>(view: T): T => random.fill(view);
  return {
    createHash,
    createHmac,
    getHashes,
    timingSafeEqual,
    constants: cryptoConstants,
    randomBytes,
    pseudoRandomBytes: randomBytes,
    prng: randomBytes,
    rng: randomBytes,
    randomFillSync,
    randomFill: (view: ArrayBufferView, ...rest: unknown[]) => {
      const callback = rest.pop() as (error: Error | null, view?: ArrayBufferView) => void;
      const [offset, size] = rest as [number | undefined, number | undefined];
      random.fill(view, offset, size);
      host.later(() => callback(null, view));
    },
    randomUUID: () => random.uuid(),
    randomInt: (a: number, b?: number | ((e: Error | null, n?: number) => void), c?: (e: Error | null, n?: number) => void) => {
      const [min, max, callback] = typeof b === 'number' ? [a, b, c] : [0, a, b];
      const n = random.int(min, max);
      if (callback === undefined) return n;
      host.later(() => callback(null, n));
      return undefined;
    },
    getRandomValues,
    webcrypto: { getRandomValues, randomUUID: () => random.uuid() },
  };
}

function utilShim(host: BuiltinHost): Record<string, unknown> {
  const warned = new Set<string>();
  const deprecate = <T extends (...args: never[]) => unknown>(fn: T, message: string, code?: string): T => {
    const wrapped = function (this: unknown, ...args: never[]): unknown {
      const key = code ?? message;
      if (!warned.has(key)) {
        warned.add(key);
        host.warn(`[${code ?? 'DEP'}] DeprecationWarning: ${message}`);
      }
      return new.target === undefined ? fn.apply(this, args) : Reflect.construct(fn as unknown as new (...a: never[]) => unknown, args, new.target);
    };
    Object.setPrototypeOf(wrapped, fn);
    return wrapped as unknown as T;
  };
  const debuglog = () => Object.assign(() => {}, { enabled: false });
  return { ...util, deprecate, debuglog, debug: debuglog };
}

/** Builds the realm's builtin modules on first use. */
export class RealmBuiltins {
  private readonly made = new Map<string, unknown>();

  constructor(private readonly host: BuiltinHost) {}

  /** The module named `id` (`events`, `node:events`), or undefined if `id` is no builtin. */
  get(id: string): unknown {
    const name = id.startsWith('node:') ? id.slice(5) : id;
    if (this.made.has(name)) return this.made.get(name);
    const module = this.make(name, id);
    if (module !== undefined) this.made.set(name, module);
    return module;
  }

  /** Whether `id` names a Node builtin (allowed or refused). */
  static isBuiltin(id: string): boolean {
    return id.startsWith('node:') || BUILTIN_NAMES.has(id);
  }

  private make(name: string, id: string): unknown {
    const { host } = this;
    const t = host.timers;
    const timerFunctions = {
      setTimeout: t.timeout,
      setInterval: t.interval,
      setImmediate: t.immediate,
      clearTimeout: t.clear,
      clearInterval: t.clear,
      clearImmediate: t.clear,
    };
    switch (name) {
      case 'events':
        return events.EventEmitter;
      case 'buffer':
        return buffer;
      case 'path':
        return path;
      case 'string_decoder':
        return stringDecoder;
      case 'url':
        return url;
      case 'querystring':
        return querystring;
      case 'async_hooks':
        return asyncHooks;
      case 'assert':
      case 'assert/strict':
        return name === 'assert' ? assert : assert.strict;
      case 'crypto':
        return cryptoShim(host);
      case 'util':
        return utilShim(host);
      case 'timers':
        return { ...timerFunctions, promises: promisifiedTimers(host) };
      case 'timers/promises':
        return promisifiedTimers(host);
      case 'perf_hooks':
        return { performance: host.performance, constants: {} };
      case 'tty':
        return { isatty: () => false, ReadStream: class ReadStream {}, WriteStream: class WriteStream {} };
      case 'os':
        return {
          EOL: '\n',
          platform: () => 'linux',
          type: () => 'Linux',
          arch: () => 'x64',
          release: () => 'locksim',
          hostname: () => host.name,
          homedir: () => '/',
          tmpdir: () => '/tmp',
          endianness: () => 'LE',
          cpus: () => [],
          totalmem: () => 0,
          freemem: () => 0,
          loadavg: () => [0, 0, 0],
          uptime: () => 0,
          networkInterfaces: () => ({}),
          userInfo: () => ({ username: 'locksim', uid: 1000, gid: 1000, shell: null, homedir: '/' }),
          constants: { signals: {}, errno: {} },
        };
      default:
        if (REFUSED.has(name)) {
          throw new Error(`'${id}' is not available inside a locksim realm: a simulated process has no real files, sockets, processes or threads`);
        }
        return undefined;
    }
  }
}

const BUILTIN_NAMES = new Set([
  ...REFUSED, 'events', 'buffer', 'path', 'string_decoder', 'url', 'querystring', 'async_hooks', 'assert', 'assert/strict',
  'crypto', 'util', 'timers', 'timers/promises', 'perf_hooks', 'tty', 'os', 'constants', 'punycode', 'sys',
]);
