/**
 * Node's timer functions for a realm, built on the simulated process's clock.
 *
 * `setTimeout`, `setInterval` and `setImmediate` become `clock.setTimer` calls: they fire on the
 * process's monotonic clock (a drifting clock stretches them, a wall-clock jump moves none), in
 * true-time order and, at equal times, in the order they were set (the event queue's sequence
 * numbers), like Node's. While the process is paused they wait; once it has crashed they never
 * fire. The handles have Node's surface: `ref`, `unref`, `hasRef`, `refresh`, `close` and
 * `[Symbol.toPrimitive]` (a per-realm id, so `clearTimeout(Number(handle))` works).
 *
 * Node's delay rules are kept: a delay that is not a number in [1, 2^31 - 1] becomes 1 ms (so
 * `setTimeout(f, 0)` waits 1 ms, as in Node); `setImmediate` is a 0 ms timer, which runs after
 * every event already queued for the same instant (Node's check phase comes after I/O).
 */
import type { CancelTimer, Clock } from '../locks/interface.ts';

/** Node's TIMEOUT_MAX: larger delays become 1 ms (Node warns with TimeoutOverflowWarning). */
export const TIMEOUT_MAX = 2 ** 31 - 1;

/** What the timers need of their realm. */
export interface TimerHost {
  readonly clock: Clock;
  /** False once the realm has failed: nothing of it runs any more. */
  alive(): boolean;
  /** Runs realm code called back by the simulation; a synchronous throw crashes the process. */
  invoke(callback: (...args: unknown[]) => unknown, args: readonly unknown[], what: string): void;
}

type Kind = 'timeout' | 'interval' | 'immediate';

/** A Node-like `Timeout` / `Immediate` object. */
export class SimTimer {
  private cancel: CancelTimer | null = null;
  private refed = true;
  private destroyed = false;

  constructor(
    private readonly timers: RealmTimers,
    readonly id: number,
    readonly kind: Kind,
    private readonly callback: (...args: unknown[]) => unknown,
    private readonly args: readonly unknown[],
    /** The delay in ms (Node's `_idleTimeout`). */
    readonly delayMs: number,
  ) {}

  /** @internal Arms the timer for its delay from now. */
  arm(): void {
    this.cancel?.();
    this.cancel = this.timers.host.clock.setTimer(this.delayMs, () => this.fire());
  }

  private fire(): void {
    this.cancel = null;
    if (this.destroyed || !this.timers.host.alive()) return;
    if (this.kind === 'interval') this.arm();
    else this.dispose();
    this.timers.host.invoke(this.callback, this.args, this.kind === 'immediate' ? 'setImmediate callback' : `${this.kind === 'interval' ? 'setInterval' : 'setTimeout'} callback`);
  }

  /** @internal Stops it for good. */
  dispose(): void {
    this.destroyed = true;
    this.cancel?.();
    this.cancel = null;
    this.timers.forget(this);
  }

  ref(): this {
    this.refed = true;
    return this;
  }

  unref(): this {
    this.refed = false;
    return this;
  }

  hasRef(): boolean {
    return this.refed;
  }

  /** Restarts the countdown from now with the same delay (Node's `timeout.refresh()`). */
  refresh(): this {
    if (!this.destroyed && this.kind !== 'immediate') this.arm();
    return this;
  }

  close(): this {
    this.dispose();
    return this;
  }

  [Symbol.toPrimitive](): number {
    return this.id;
  }

  /** @internal Whether it may still fire. */
  get pending(): boolean {
    return !this.destroyed;
  }
}

/**
 * The timer functions of one realm (one per simulated process incarnation): `timeout`,
 * `interval`, `immediate` and `clear` are what the realm's `setTimeout`, `setInterval`,
 * `setImmediate` and `clear*` globals are.
 */
export class RealmTimers {
  private nextId = 1;
  private readonly active = new Map<number, SimTimer>();

  constructor(readonly host: TimerHost) {}

  /** Node's delay coercion: anything outside [1, TIMEOUT_MAX] (NaN included) is 1 ms. */
  static delay(value: unknown): number {
    const after = Number(value);
    return after >= 1 && after <= TIMEOUT_MAX ? after : 1;
  }

  private start(kind: Kind, callback: unknown, delayMs: number, args: readonly unknown[]): SimTimer {
    if (typeof callback !== 'function') {
      throw new TypeError(`The "callback" argument must be of type function. Received ${callback === null ? 'null' : typeof callback}`);
    }
    const timer = new SimTimer(this, this.nextId++, kind, callback as (...a: unknown[]) => unknown, args, delayMs);
    this.active.set(timer.id, timer);
    timer.arm();
    return timer;
  }

  /** @internal */
  forget(timer: SimTimer): void {
    this.active.delete(timer.id);
  }

  readonly timeout = (callback: unknown, delay?: unknown, ...args: unknown[]): SimTimer => this.start('timeout', callback, RealmTimers.delay(delay), args);

  readonly interval = (callback: unknown, delay?: unknown, ...args: unknown[]): SimTimer => this.start('interval', callback, RealmTimers.delay(delay), args);

  readonly immediate = (callback: unknown, ...args: unknown[]): SimTimer => this.start('immediate', callback, 0, args);

  /** Clears a handle, or the id a handle converted to (as Node allows); anything else is ignored. */
  readonly clear = (handle: unknown): void => {
    if (handle instanceof SimTimer) handle.dispose();
    else if (typeof handle === 'number' || typeof handle === 'string') this.active.get(Number(handle))?.dispose();
  };

  /** Timers that may still fire (for tests and diagnostics). */
  get pendingCount(): number {
    return this.active.size;
  }

  /** Cancels every timer (the realm failed). */
  disposeAll(): void {
    for (const timer of [...this.active.values()]) timer.dispose();
  }
}
