/**
 * KERNEL-OWNED: catches simulated code that reaches the host's real time, timers or randomness.
 *
 * A run is a pure function of (scenario, seed, version) only if nothing inside it reads the real
 * clock or real randomness. A library adapter that hands a library the host's timers, or a lock
 * that calls the global clock, would otherwise run against simulated nodes on real time: its
 * timers never fire inside the run (the kernel drives everything from `process.nextTick`, so the
 * host's event loop does not turn while a world runs) and the verdict means nothing. So while a
 * world runs, the host's `Date`, `performance.now`, timers, `Math.random`, `process.hrtime` and
 * `crypto` randomness are wrapped: each call still does what it did, and is written down with
 * where it came from, and the run that saw it gets no verdict (src/check/evidence.ts).
 *
 * Code in a realm (src/realm/) has its own simulated globals and never reaches these.
 */
import cryptoModule from 'node:crypto';

/** One reach for the real world from inside a run: the call, and the first frame outside the kernel. */
export interface RealTimeCall {
  readonly call: string;
  readonly where: string;
}

type Sink = RealTimeCall[];

const sinks = new Set<Sink>();
let restore: (() => void) | null = null;

function where(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1).map((l) => l.trim());
  const outside = frames.find((f) => !/sim[\/]real-time-guard\.[jt]s/.test(f));
  return outside?.replace(/^at /, '') ?? 'unknown';
}

function reached(call: string): void {
  const entry = { call, where: where() };
  for (const sink of sinks) if (sink.length < 20) sink.push(entry);
}

/** Replaces `owner[key]` with a wrapper that reports `call` first; returns the undo. */
function wrapFunction(owner: object, key: string, call: string): () => void {
  const target = owner as Record<string, unknown>;
  const own = Object.getOwnPropertyDescriptor(owner, key) ?? Object.getOwnPropertyDescriptor(Object.getPrototypeOf(owner) as object, key);
  if (own !== undefined && own.writable !== true && own.set === undefined) return () => {};
  const original = target[key];
  if (typeof original !== 'function') return () => {};
  const fn = original as (...args: unknown[]) => unknown;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    reached(call);
    return fn.apply(this, args);
  };
  Object.assign(wrapped, fn);
  target[key] = wrapped;
  return () => {
    target[key] = original;
  };
}

function install(): () => void {
  const undo: Array<() => void> = [];
  const RealDate = globalThis.Date;
  const GuardedDate: DateConstructor = new Proxy(RealDate, {
    construct(t, args, newTarget): object {
      if (args.length === 0) reached('new Date()'); // kernel-owned: the guard names it
      return Reflect.construct(t, args, newTarget === GuardedDate ? t : newTarget) as object;
    },
    apply(t, self, args): unknown {
      reached('Date()');
      return Reflect.apply(t, self, args) as unknown;
    },
    get(t, key, receiver): unknown {
      if (key === 'now') {
        return () => {
          reached('Date.now()'); // kernel-owned: the guard names it
          return t.now(); // kernel-owned: the guard passes the call through
        };
      }
      return Reflect.get(t, key, receiver === GuardedDate ? t : receiver) as unknown;
    },
  });
  globalThis.Date = GuardedDate;
  undo.push(() => {
    globalThis.Date = RealDate;
  });
  undo.push(wrapFunction(Math, 'random', 'Math.random()')); // kernel-owned: the guard names it
  undo.push(wrapFunction(globalThis.performance, 'now', 'performance.now()')); // kernel-owned: the guard names it
  for (const timer of ['setTimeout', 'setInterval', 'setImmediate']) undo.push(wrapFunction(globalThis, timer, `${timer}()`));
  undo.push(wrapFunction(process, 'hrtime', 'process.hrtime()')); // kernel-owned: the guard names it
  const hrtime = process.hrtime as unknown as { bigint: () => bigint }; // kernel-owned: the guard wraps it
  const bigint = hrtime.bigint;
  hrtime.bigint = () => {
    reached('process.hrtime.bigint()'); // kernel-owned: the guard names it
    return bigint();
  };
  undo.push(() => {
    (process.hrtime as unknown as { bigint: () => bigint }).bigint = bigint; // kernel-owned: the guard restores it
  });
  for (const key of ['randomBytes', 'randomUUID', 'randomInt', 'getRandomValues']) undo.push(wrapFunction(cryptoModule, key, `crypto.${key}()`));
  const webCrypto = globalThis.crypto as unknown as object;
  for (const key of ['randomUUID', 'getRandomValues']) undo.push(wrapFunction(webCrypto, key, `crypto.${key}()`));
  return () => {
    for (const u of undo.reverse()) u();
  };
}

/** Starts writing real-time calls into `sink` (the first watcher installs the wrappers). */
export function watchRealTime(sink: Sink): void {
  sinks.add(sink);
  if (restore === null) restore = install();
}

/** Stops writing into `sink` (the last watcher removes the wrappers). */
export function unwatchRealTime(sink: Sink): void {
  sinks.delete(sink);
  if (sinks.size === 0 && restore !== null) {
    restore();
    restore = null;
  }
}

/** A readable account of what a run reached: `Date.now() (3 calls, first at …)`. */
export function realTimeText(calls: readonly RealTimeCall[]): string {
  const counts = new Map<string, { n: number; where: string }>();
  for (const c of calls) {
    const entry = counts.get(c.call);
    if (entry === undefined) counts.set(c.call, { n: 1, where: c.where });
    else entry.n++;
  }
  const parts = [...counts].map(([call, { n, where: at }]) => `${call} (${n}${n >= 20 ? '+' : ''} call${n === 1 ? '' : 's'}, first at ${at})`);
  return `simulated code reached the host's real time or randomness: ${parts.join('; ')}. Inside a run, time, timers and random numbers must come from the simulation (the lock context's clock and random source), or the library must be loaded in a realm (libraryLock), or the verdict would mean nothing.`;
}
