/**
 * A clock the test drives by hand, for deterministic checks of validity, timeouts, retries and
 * renewals. Time moves only when the test (or a node wrapper) calls `advance`/`advanceTo`;
 * timers due by then fire in order (by due time, then by the order they were set), each with
 * the clock standing at its due time. The wall clock is the monotonic clock plus an offset that
 * `jumpWall` changes (an NTP step); timers follow monotonic time, as the contract says.
 */
import type { CancelTimer, Clock } from '../../src/locks/interface.ts';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  readonly sleep: boolean;
}

export class ManualClock implements Clock {
  private mono: number;
  private wallOffset: number;
  private seq = 0;
  private timers: Timer[] = [];
  /** Durations passed to `sleep`, in order. */
  readonly sleeps: number[] = [];

  constructor(options: { monotonic?: number; wall?: number } = {}) {
    this.mono = options.monotonic ?? 1_000;
    this.wallOffset = (options.wall ?? 1_700_000_000_000) - this.mono;
  }

  now(): number {
    return this.mono + this.wallOffset;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimer(ms: number, callback: () => void): CancelTimer {
    return this.add(ms, callback, false);
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve) => {
      this.add(ms, resolve, true);
    });
  }

  private add(ms: number, callback: () => void, sleep: boolean): CancelTimer {
    const timer: Timer = { at: this.mono + Math.max(0, ms), seq: this.seq++, callback, sleep };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves monotonic (and wall) time forward by `ms`, firing due timers. */
  advance(ms: number): void {
    this.advanceTo(this.mono + ms);
  }

  /** Moves monotonic time forward to `t` (never back), firing due timers. */
  advanceTo(t: number): void {
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.timers) {
        if (timer.at <= t && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) {
          next = timer;
        }
      }
      if (next === undefined) break;
      const due = next;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.mono = Math.max(this.mono, due.at);
      due.callback();
    }
    this.mono = Math.max(this.mono, t);
  }

  /**
   * A pause of the process (GC, SIGSTOP): time moves on by `ms` with nothing running, then every
   * overdue timer fires, in order, with the clock already at the resume time.
   */
  pause(ms: number): void {
    this.mono += ms;
    this.advanceTo(this.mono);
  }

  /** Steps the wall clock by `deltaMs` (negative: back); monotonic time is untouched. */
  jumpWall(deltaMs: number): void {
    this.wallOffset += deltaMs;
  }

  /** Timers set and neither fired nor cancelled (sleeps included). */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Pending `sleep` calls. */
  pendingSleeps(): number {
    return this.timers.filter((timer) => timer.sleep).length;
  }
}
