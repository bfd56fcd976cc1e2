/**
 * The globals a realm's code sees in place of Node's: each reads the simulated process's clock
 * or random stream, never the machine's.
 *
 * | global | inside a realm |
 * | --- | --- |
 * | `Date` | a subclass of the realm's own `Date`: `Date.now()` and `new Date()` read the process's wall clock (drifts, jumps) |
 * | `performance.now()` | the process's monotonic clock (drifts, never jumps) |
 * | `setTimeout`, `setInterval`, `setImmediate`, `clear*` | simulated timers on the monotonic clock (timers.ts) |
 * | `Math` | a copy of the realm's own `Math` whose `random()` draws from the process's seeded stream |
 * | `crypto` (web) | `getRandomValues`, `randomUUID` from the seeded stream; no `subtle` |
 * | `process` | a shim (below): `nextTick`, `hrtime`, `env` (empty), `emitWarning`, events, … |
 * | `queueMicrotask` | `Promise.resolve().then(callback)`; a throw crashes the process |
 * | `AbortSignal.timeout(ms)` | aborts on a simulated timer |
 * | `console` | captured into the realm's log (never printed, so runs stay quiet and deterministic) |
 */
import { EventEmitter } from 'node:events';
import { format, inspect } from 'node:util';
import type { Clock } from '../locks/interface.ts';
import type { RealmRandom } from './random-source.ts';
import type { RealmTimers } from './timers.ts';

/** Builds the realm's `Date`: a subclass of its intrinsic `Date` reading the process's wall clock. */
export function simulatedDate(RealmDate: DateConstructor, clock: Clock): DateConstructor {
  const wall = (): number => clock.now();
  function SimDate(this: unknown, ...args: unknown[]): unknown {
    // Called without `new`, Date() returns the current time as a string, as in the language.
    if (new.target === undefined) return String(Reflect.construct(RealmDate, [wall()]));
    return Reflect.construct(RealmDate, args.length === 0 ? [wall()] : args, new.target);
  }
  Object.setPrototypeOf(SimDate, RealmDate);
  Object.defineProperty(SimDate, 'prototype', {
    value: Object.create(RealmDate.prototype, { constructor: { value: SimDate, writable: true, configurable: true } }),
    writable: false,
  });
  Object.defineProperty(SimDate, 'name', { value: 'Date' });
  Object.defineProperty(SimDate, 'now', { value: wall, writable: true, configurable: true });
  return SimDate as unknown as DateConstructor;
}

/** A copy of the realm's `Math` whose `random` draws from the seeded stream. */
export function simulatedMath(RealmMath: Math, random: RealmRandom): Math {
  const copy = Object.create(Object.getPrototypeOf(RealmMath) as object) as Math;
  for (const key of Reflect.ownKeys(RealmMath)) {
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(RealmMath, key) as PropertyDescriptor);
  }
  Object.defineProperty(copy, 'random', { value: () => random.float(), writable: true, configurable: true });
  return copy;
}

/** `performance` with Node's `now()` and `timeOrigin` on the process's clocks. */
export function simulatedPerformance(clock: Clock): { now(): number; readonly timeOrigin: number; toJSON(): object } {
  const timeOrigin = clock.now() - clock.monotonic();
  return {
    now: () => clock.monotonic(),
    timeOrigin,
    toJSON: () => ({ timeOrigin }),
  };
}

/** A bounded log of what the realm's code printed. */
export class RealmLog {
  readonly lines: string[] = [];
  dropped = 0;

  constructor(private readonly limit = 1000) {}

  write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.lines.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.lines.push(`${stream === 'stderr' ? '!' : ' '} ${text.replace(/\n$/, '')}`);
  }
}

/** The realm's `console`: formats like Node's and writes into the realm's log. */
export function capturedConsole(log: RealmLog): Record<string, (...args: unknown[]) => void> {
  const out = (...args: unknown[]): void => log.write('stdout', format(...args));
  const err = (...args: unknown[]): void => log.write('stderr', format(...args));
  return {
    log: out,
    info: out,
    debug: out,
    dir: (value: unknown) => log.write('stdout', inspect(value)),
    warn: err,
    error: err,
    trace: err,
    assert: (condition: unknown, ...args: unknown[]) => {
      if (!condition) err('Assertion failed', ...args);
    },
    table: out,
    group: out,
    groupEnd: () => {},
    time: () => {},
    timeEnd: () => {},
    count: () => {},
  };
}

/** Runs `process.nextTick` callbacks of one realm (see {@link TickQueue.add}). */
export class TickQueue {
  private readonly queue: Array<[(...args: unknown[]) => unknown, unknown[]]> = [];
  private scheduled = false;
  private readonly resolved = Promise.resolve();

  constructor(private readonly run: (callback: (...args: unknown[]) => unknown, args: readonly unknown[]) => boolean) {}

  /**
   * Queues a tick. The queue is drained in one microtask: every tick queued before the drain,
   * and every tick a tick queues, run in FIFO order, back to back, as Node's tick queue does.
   * The difference from Node: Node runs the tick queue before the promise jobs already queued
   * by the same macrotask; here, promise jobs queued before the first tick run first. Either
   * way, every tick has run before the kernel takes its next event (the scheduler waits for the
   * microtask queue to be empty), so ticks never race with timers, messages or faults.
   */
  add(callback: (...args: unknown[]) => unknown, args: unknown[]): void {
    this.queue.push([callback, args]);
    if (this.scheduled) return;
    this.scheduled = true;
    void this.resolved.then(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const [callback, args] = this.queue.shift()!;
      if (!this.run(callback, args)) {
        this.queue.length = 0;
        return;
      }
    }
  }

  clear(): void {
    this.queue.length = 0;
  }
}

/** What the process shim needs from its realm. */
export interface ProcessShimHost {
  readonly clock: Clock;
  readonly name: string;
  readonly env: Record<string, string>;
  readonly ticks: TickQueue;
  readonly timers: RealmTimers;
  readonly log: RealmLog;
  exit(code: number): void;
}

/**
 * The realm's `process`: an EventEmitter whose `Object.prototype.toString` says
 * `[object process]` (so libraries that detect Node find it), with `nextTick` queued through
 * {@link TickQueue}, `hrtime` and `uptime` on the monotonic clock, an empty `env` (unless the
 * realm is given one), output streams into the realm's log, and `exit` crashing the simulated
 * process. Version strings and platform are the host's (they are constants of the run).
 */
export function processShim(host: ProcessShimHost): EventEmitter & Record<string, unknown> {
  const { clock } = host;
  const startMono = clock.monotonic();
  const shim = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const nanos = (): bigint => BigInt(Math.round(clock.monotonic() * 1e6));
  const hrtime = (previous?: [number, number]): [number, number] => {
    let ns = nanos();
    if (previous !== undefined) ns -= BigInt(previous[0]) * 1_000_000_000n + BigInt(previous[1]);
    return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  };
  hrtime.bigint = nanos;
  const stream = (name: 'stdout' | 'stderr', fd: number) => ({
    fd,
    isTTY: false,
    write: (chunk: unknown, ...rest: unknown[]) => {
      host.log.write(name, typeof chunk === 'string' ? chunk : String(chunk));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (callback !== undefined) host.ticks.add(callback, []);
      return true;
    },
    on: () => undefined,
    once: () => undefined,
  });
  const hostProcess = globalThis.process;
  Object.assign(shim, {
    title: `locksim:${host.name}`,
    version: hostProcess.version,
    versions: { ...hostProcess.versions },
    release: { ...hostProcess.release },
    platform: hostProcess.platform,
    arch: hostProcess.arch,
    argv: ['node', host.name],
    execArgv: [],
    argv0: 'node',
    execPath: '/usr/bin/node',
    env: host.env,
    pid: 1,
    ppid: 0,
    exitCode: undefined,
    browser: false,
    features: {},
    config: { variables: {} },
    nextTick: (callback: unknown, ...args: unknown[]) => {
      if (typeof callback !== 'function') throw new TypeError('The "callback" argument must be of type function');
      host.ticks.add(callback as (...a: unknown[]) => unknown, args);
    },
    hrtime,
    uptime: () => (clock.monotonic() - startMono) / 1000,
    cwd: () => '/',
    chdir: () => {
      throw new Error('process.chdir() is not available in a locksim realm');
    },
    umask: () => 0o022,
    memoryUsage: Object.assign(() => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }), { rss: () => 0 }),
    cpuUsage: () => ({ user: 0, system: 0 }),
    resourceUsage: () => ({}),
    emitWarning: (warning: unknown, ...rest: unknown[]) => {
      const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type ?? 'Warning';
      host.log.write('stderr', `(${host.name}) ${warning instanceof Object && 'message' in warning ? String((warning as { message: unknown }).message) : String(warning)} [${type}]`);
    },
    exit: (code?: number) => host.exit(code ?? 0),
    abort: () => host.exit(134),
    kill: () => true,
    binding: () => {
      throw new Error('process.binding() is not available in a locksim realm');
    },
    stdout: stream('stdout', 1),
    stderr: stream('stderr', 2),
    stdin: { fd: 0, isTTY: false, on: () => undefined },
  });
  Object.defineProperty(shim, Symbol.toStringTag, { value: 'process' });
  return shim;
}
