/**
 * A realm: a `node:vm` context per simulated process in which a published library (and its
 * dependencies) is loaded from node_modules, unmodified, and runs on the process's simulated
 * clock, timers and random stream instead of the machine's.
 *
 * Why it is deterministic. Everything a library could read that varies between runs is a
 * global or a builtin, and a realm defines all of them from the simulation (globals.ts,
 * builtins.ts, timers.ts): `Date` and `performance` read the process's clocks, timers are
 * simulated timers (ordered by the event queue), `Math.random` and `crypto.randomBytes` draw
 * from the process's seeded stream, `process.nextTick` and `queueMicrotask` run in microtasks,
 * which the kernel's scheduler lets finish before it takes the next event. A realm shares V8's
 * microtask queue with the host (the default `microtaskMode`), which is what makes that last
 * point hold. Nothing of a realm reaches real I/O: the builtins that would are refused, but for
 * a read-only `fs` confined to each package's own folder (fs.ts). ES-module packages are turned
 * into CommonJS at load time (esm.ts) and run on the same simulated globals.
 *
 * Failures are the process's, not locksim's. A synchronous throw from a timer, immediate or
 * event callback (an uncaught exception under Node) crashes the simulated process at once: the
 * realm throws a {@link RealmCrash} into the kernel, which records it in `world.errors` and
 * crashes the process, as Node would exit. A throw in a `nextTick` or `queueMicrotask`
 * callback or an ioredis callback, and the rejection of a promise that a timer callback
 * returned and nobody else holds (an async `setInterval` callback that throws: Node's
 * unhandled rejection, fatal since Node 15), crash it through a 0 ms timer (at the same
 * instant, after the current microtasks). After a failure nothing of the realm runs any more.
 * A rejection of a promise the library creates and drops elsewhere cannot be seen in time (V8
 * reports those only to the host's `unhandledRejection`, which Node processes after the run);
 * none of the libraries adapted here drops one.
 */
import type { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type { Clock, Random, RedisLike } from '../locks/interface.ts';
import { promisify } from 'node:util';
import { promisifiedTimers, RealmBuiltins } from './builtins.ts';
import { capturedConsole, processShim, RealmLog, simulatedDate, simulatedMath, simulatedPerformance, TickQueue } from './globals.ts';
import { CommonJsLoader } from './loader.ts';
import { RealmRandom } from './random-source.ts';
import { RealmRedis, type RealmRedisHost } from './redis.ts';
import { RealmTimers } from './timers.ts';

/** locksim's own folder: bare specifiers resolve from its node_modules by default. */
export const LOCKSIM_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RealmOptions {
  /** The simulated process's clock (wall for `Date`, monotonic for timers and `performance`). */
  readonly clock: Clock;
  /** The simulated process's random stream. */
  readonly random: Random;
  /** A name for messages and `os.hostname()`, e.g. `redlock@4`. */
  readonly name?: string;
  /** Where `realm.require('pkg')` looks for node_modules (default: locksim's folder). */
  readonly baseDir?: string;
  /** `process.env` inside the realm (default: empty, so the host's environment cannot change a run). */
  readonly env?: Record<string, string>;
  /**
   * Modules the realm gives instead of resolving them, by exact specifier: `{ ioredis: … }`
   * makes every `require('ioredis')` in the realm (from any package) return that value. A
   * function is called once, with the realm, on the first `require` (so a module can be built
   * with the realm's own classes). See {@link Realm.provide}.
   */
  readonly modules?: Readonly<Record<string, ProvidedModule>>;
}

/** A module given to a realm: its exports, or a function of the realm that makes them on first use. */
export type ProvidedModule = { readonly exports: unknown } | ((realm: Realm) => unknown);

export type RealmFailureKind = 'uncaught-exception' | 'unhandled-rejection' | 'exit';

/** Why a realm's process died. */
export interface RealmFailure {
  readonly kind: RealmFailureKind;
  /** `uncaught exception in redlock@4: TypeError: …` */
  readonly message: string;
  /** What was thrown (a realm object). */
  readonly error: unknown;
}

/** Thrown into the kernel to crash the simulated process (a host Error, so the world records its message). */
export class RealmCrash extends Error {
  override readonly name = 'RealmCrash';

  constructor(readonly failure: RealmFailure) {
    super(failure.message);
  }
}

/** `Name: message` of anything thrown, without a stack (stacks name host paths). */
export function describeThrown(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'message' in error) {
    const name = (error as { name?: unknown }).name;
    return `${typeof name === 'string' && name !== '' ? name : 'Error'}: ${String((error as { message: unknown }).message)}`;
  }
  return String(error);
}

const FAILURE_WORDS: Record<RealmFailureKind, string> = {
  'uncaught-exception': 'uncaught exception',
  'unhandled-rejection': 'unhandled rejection',
  exit: 'process exit',
};

interface Intrinsics {
  readonly Error: ErrorConstructor;
  readonly Promise: PromiseConstructor;
  readonly JSON: JSON;
  readonly Object: ObjectConstructor;
  readonly Date: DateConstructor;
  readonly Math: Math;
}

export class Realm {
  readonly name: string;
  readonly clock: Clock;
  readonly context: vm.Context;
  /** The realm's global object (`globalThis` inside). */
  readonly global: Record<string, unknown>;
  readonly intrinsics: Intrinsics;
  readonly timers: RealmTimers;
  readonly log = new RealmLog();
  readonly failures: RealmFailure[] = [];
  readonly baseDir: string;
  private readonly ticks: TickQueue;
  private readonly loader: CommonJsLoader;
  private readonly failureListeners: Array<(failure: RealmFailure) => void> = [];
  private readonly resolved = Promise.resolve();
  private failed = false;
  /** The realm's `process` (its `uncaughtException` and `unhandledRejection` listeners are Node's). */
  private readonly processObject: EventEmitter;
  private readonly provided = new Map<string, { made: boolean; exports: unknown; make: ProvidedModule }>();

  constructor(options: RealmOptions) {
    this.name = options.name ?? 'realm';
    this.clock = options.clock;
    this.baseDir = options.baseDir ?? LOCKSIM_ROOT;
    const sandbox: Record<string, unknown> = {};
    this.context = vm.createContext(sandbox, { name: `locksim realm ${this.name}`, codeGeneration: { strings: true, wasm: false } });
    const evaluate = (code: string): unknown => vm.runInContext(code, this.context);
    this.intrinsics = evaluate('({ Error, Promise, JSON, Object, Date, Math })') as Intrinsics;
    this.global = evaluate('globalThis') as Record<string, unknown>;

    const random = new RealmRandom(options.random);
    this.timers = new RealmTimers({
      clock: this.clock,
      alive: () => !this.failed,
      invoke: (callback, args, what) => this.invoke(callback, args, what),
    });
    this.ticks = new TickQueue((callback, args) => this.runGuarded(callback, args, 'nextTick callback'));
    const performance = simulatedPerformance(this.clock);
    const builtins = new RealmBuiltins({
      name: this.name,
      random,
      timers: this.timers,
      performance,
      Promise: this.intrinsics.Promise,
      later: (callback) => void this.timers.immediate(callback),
      warn: (text) => this.log.write('stderr', text),
    });
    const process = processShim({
      clock: this.clock,
      name: this.name,
      env: { ...(options.env ?? {}) },
      ticks: this.ticks,
      timers: this.timers,
      log: this.log,
      exit: (code) => {
        // Node's exit never returns: record it, crash the process, and unwind the caller.
        this.fail('exit', new this.intrinsics.Error(`process.exit(${code}) called`));
        throw new RealmCrash(this.failures[0]!);
      },
    });
    this.processObject = process;
    for (const [specifier, module] of Object.entries(options.modules ?? {})) this.provide(specifier, module);
    const timers = this.timers;
    const webCrypto = {
      getRandomValues: <T extends ArrayBufferView>(view: T): T => random.fill(view),
      randomUUID: () => random.uuid(),
    };
    Object.assign(sandbox, {
      global: this.global,
      Date: simulatedDate(this.intrinsics.Date, this.clock),
      Math: simulatedMath(this.intrinsics.Math, random),
      performance,
      process,
      console: capturedConsole(this.log),
      crypto: webCrypto,
      Buffer,
      URL,
      URLSearchParams,
      TextEncoder,
      TextDecoder,
      AbortController,
      AbortSignal: simulatedAbortSignal(timers),
      Event,
      EventTarget,
      DOMException,
      structuredClone,
      atob,
      btoa,
    });
    // util.promisify(setTimeout) and util.promisify(setImmediate) work as in Node.
    const promised = promisifiedTimers({ timers, Promise: this.intrinsics.Promise });
    Object.defineProperty(timers.timeout, promisify.custom, { value: promised['setTimeout'] });
    Object.defineProperty(timers.immediate, promisify.custom, { value: promised['setImmediate'] });
    // Timer names are set by key: this file defines them; it never calls Node's.
    sandbox['setTimeout'] = timers.timeout;
    sandbox['setInterval'] = timers.interval;
    sandbox['setImmediate'] = timers.immediate;
    sandbox['clearTimeout'] = timers.clear;
    sandbox['clearInterval'] = timers.clear;
    sandbox['clearImmediate'] = timers.clear;
    sandbox['queueMicrotask'] = (callback: unknown) => {
      if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
      void this.resolved.then(() => this.runGuarded(callback as () => unknown, [], 'queueMicrotask callback'));
    };

    this.loader = new CommonJsLoader({
      context: this.context,
      builtins,
      object: () => Object.create(this.intrinsics.Object.prototype) as Record<string, unknown>,
      parseJson: (text) => this.intrinsics.JSON.parse(text),
      error: (message, code) => this.error(message, code),
      Promise: this.intrinsics.Promise,
      array: <T>(items: readonly T[]) => (this.global['Array'] as ArrayConstructor).from(items),
      // The realm's global Date (the simulated one), so `instanceof Date` holds inside.
      date: (at) => Reflect.construct(this.global['Date'] as DateConstructor, [at]) as Date,
      later: (callback) => void this.timers.immediate(callback),
      provided: (specifier) => this.providedModule(specifier),
    });
  }

  /**
   * Makes `require(specifier)` (exactly that specifier, from any module of the realm) return
   * the given exports instead of resolving it: how a realm is told that `require('ioredis')`
   * means locksim's simulated client (src/clients/). Must be called before the first `require`
   * of that specifier.
   */
  provide(specifier: string, module: ProvidedModule): void {
    if (typeof specifier !== 'string' || specifier === '') throw new Error('Realm.provide: the specifier must be a non-empty string, e.g. "ioredis"');
    if (typeof module !== 'function' && (typeof module !== 'object' || module === null || !('exports' in module))) {
      throw new Error(`Realm.provide('${specifier}'): give { exports } or a function (realm) => exports`);
    }
    this.provided.set(specifier, { made: false, exports: undefined, make: module });
  }

  private providedModule(specifier: string): { exports: unknown } | undefined {
    const entry = this.provided.get(specifier);
    if (entry === undefined) return undefined;
    if (!entry.made) {
      entry.exports = typeof entry.make === 'function' ? entry.make(this) : entry.make.exports;
      entry.made = true;
    }
    return { exports: entry.exports };
  }

  /** Whether the realm's code may still run (no uncaught failure so far). */
  get alive(): boolean {
    return !this.failed;
  }

  /** `require(specifier)` from `fromDir` (default: the realm's base folder). */
  require<T = unknown>(specifier: string, fromDir: string = this.baseDir): T {
    return this.loader.require(specifier, fromDir) as T;
  }

  /** An error of the realm's own `Error` class (so `instanceof Error` holds inside). */
  error(message: string, code?: string, name?: string): Error {
    const error = new this.intrinsics.Error(message);
    if (code !== undefined) (error as Error & { code?: string }).code = code;
    if (name !== undefined) error.name = name;
    return error;
  }

  /** An ioredis-compatible client for the realm's code, over a simulated (or real) node client. */
  redis(node: RedisLike): RealmRedis {
    return new RealmRedis(node, this.redisHost());
  }

  /** What a client shape (src/clients/) needs of the realm: its promises, errors, failures, immediates. */
  redisHost(): RealmRedisHost {
    return {
      Promise: this.intrinsics.Promise,
      makeError: (message, name) => this.error(message, undefined, name),
      uncaught: (error) => this.fail('uncaught-exception', error),
      immediate: (callback) => void this.timers.immediate(callback),
    };
  }

  /** Calls `listener` once, when the realm fails (before the process is crashed). */
  onFailure(listener: (failure: RealmFailure) => void): void {
    this.failureListeners.push(listener);
  }

  /**
   * The realm's code failed outside any kernel event (a microtask): record it and crash the
   * simulated process through a 0 ms timer.
   */
  fail(kind: RealmFailureKind, error: unknown): void {
    if (this.failed) return;
    if (kind !== 'exit' && this.handledByListeners(kind, error)) return;
    const failure = this.markFailed(kind, error);
    this.clock.setTimer(0, () => {
      throw new RealmCrash(failure);
    });
  }

  /**
   * Watches a promise nobody else holds: if it rejects, that is an unhandled rejection of the
   * process (attaching this handler is what keeps the host from seeing it).
   */
  watch(value: unknown): void {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    const then = (value as { then?: unknown }).then;
    if (typeof then !== 'function') return;
    (then as (f: undefined, r: (e: unknown) => void) => unknown).call(value, undefined, (error: unknown) => this.fail('unhandled-rejection', error));
  }

  /** Runs a callback from a kernel event (timer): a throw crashes the process at once. */
  private invoke(callback: (...args: unknown[]) => unknown, args: readonly unknown[], what: string): void {
    if (this.failed) return;
    let result: unknown;
    try {
      result = callback(...args);
    } catch (error) {
      if (error instanceof RealmCrash) throw error;
      if (this.handledByListeners('uncaught-exception', error)) return;
      throw new RealmCrash(this.markFailed('uncaught-exception', error, what));
    }
    this.watch(result);
  }

  /** Runs a callback from a microtask: a throw crashes the process through {@link fail}. */
  private runGuarded(callback: (...args: unknown[]) => unknown, args: readonly unknown[], what: string): boolean {
    if (this.failed) return false;
    try {
      this.watch(callback(...args));
      return true;
    } catch (error) {
      if (error instanceof RealmCrash) return false;
      if (this.handledByListeners('uncaught-exception', error)) return false;
      const failure = this.markFailed('uncaught-exception', error, what);
      this.clock.setTimer(0, () => {
        throw new RealmCrash(failure);
      });
      return false;
    }
  }

  /**
   * As Node does: an uncaught exception goes to the realm's `process.on('uncaughtException')`
   * listeners when there are any (a test runner such as mocha's maps it to the running test),
   * and an unhandled rejection to `unhandledRejection` listeners, else to `uncaughtException`
   * ones (origin `unhandledRejection`). True if a listener took it; a listener that throws is
   * itself an uncaught failure (false).
   */
  private handledByListeners(kind: RealmFailureKind, error: unknown): boolean {
    const process = this.processObject;
    try {
      if (kind === 'unhandled-rejection' && process.listenerCount('unhandledRejection') > 0) {
        process.emit('unhandledRejection', error);
        return true;
      }
      if (process.listenerCount('uncaughtException') > 0) {
        process.emit('uncaughtException', error, kind === 'unhandled-rejection' ? 'unhandledRejection' : 'uncaughtException');
        return true;
      }
    } catch {
      return false;
    }
    return false;
  }

  private markFailed(kind: RealmFailureKind, error: unknown, where?: string): RealmFailure {
    const failure: RealmFailure = {
      kind,
      error,
      message: `${FAILURE_WORDS[kind]} in ${this.name}${where === undefined ? '' : ` (${where})`}: ${describeThrown(error)}`,
    };
    if (this.failed) return failure;
    this.failed = true;
    this.failures.push(failure);
    this.timers.disposeAll();
    this.ticks.clear();
    for (const listener of this.failureListeners) {
      try {
        listener(failure);
      } catch {
        // A listener's own failure must not hide the realm's.
      }
    }
    return failure;
  }
}

/** `AbortSignal` with `timeout(ms)` on the simulated timers; otherwise Node's (instanceof works). */
function simulatedAbortSignal(timers: RealmTimers): typeof AbortSignal {
  const HostSignal = AbortSignal;
  function SimAbortSignal(): never {
    throw new TypeError('Illegal constructor');
  }
  SimAbortSignal.prototype = HostSignal.prototype;
  Object.assign(SimAbortSignal, {
    abort: (reason?: unknown) => HostSignal.abort(reason),
    any: (signals: AbortSignal[]) => (HostSignal as unknown as { any(s: AbortSignal[]): AbortSignal }).any(signals),
    timeout: (ms: number) => {
      const controller = new AbortController();
      timers.timeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms).unref();
      return controller.signal;
    },
  });
  return SimAbortSignal as unknown as typeof AbortSignal;
}

/** Creates a realm for a simulated process. */
export function createRealm(options: RealmOptions): Realm {
  return new Realm(options);
}
