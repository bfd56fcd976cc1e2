/**
 * The real `Clock` for real mode: the machine's wall clock (`Date.now()`) and monotonic clock
 * (`performance.now()`), with real timers, optionally skewed on purpose to play a client whose
 * clock is off (an offset) or runs fast or slow (a rate).
 *
 * With `offsetMs = o` and `rate = r`, reading at real times `w` (wall) and `m` (monotonic),
 * with `w0`, `m0` the real times at the last change of rate:
 *
 *   now()       = w0 + (w - w0) * r + o     (still follows the machine's own wall-clock steps)
 *   monotonic() = M0 + (m - m0) * r         (M0: the skewed monotonic time at that change; never jumps)
 *
 * Timers run on the skewed monotonic clock: `setTimer(ms)` fires after `ms / rate` real ms.
 */
import type { CancelTimer, Clock } from '../locks/interface.ts';

/** How to skew a {@link RealClock}. */
export interface RealClockOptions {
  /** Added to the wall clock, ms (a clock that is ahead: positive; behind: negative). Default 0. */
  offsetMs?: number;
  /** How fast this clock runs against the machine's: 1.02 is 2 % fast. Must be > 0. Default 1. */
  rate?: number;
}

export class RealClock implements Clock {
  private offsetMs: number;
  private rate: number;
  private wallAnchor: number;
  private realMonoAnchor: number;
  private monoAnchor: number;

  constructor(options: RealClockOptions = {}) {
    this.offsetMs = options.offsetMs ?? 0;
    this.rate = checkRate(options.rate ?? 1);
    this.wallAnchor = Date.now();
    this.realMonoAnchor = performance.now();
    this.monoAnchor = this.realMonoAnchor;
  }

  now(): number {
    return this.wallAnchor + (Date.now() - this.wallAnchor) * this.rate + this.offsetMs;
  }

  monotonic(): number {
    return this.monoAnchor + (performance.now() - this.realMonoAnchor) * this.rate;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.setTimer(ms, resolve);
    });
  }

  setTimer(ms: number, callback: () => void): CancelTimer {
    const handle = setTimeout(callback, Math.max(0, ms) / this.rate);
    return () => clearTimeout(handle);
  }

  /** Steps the wall clock by `deltaMs` (an NTP step): forward if positive, back if negative. */
  jump(deltaMs: number): void {
    this.offsetMs += deltaMs;
  }

  /** Changes the rate from now on; both clocks stay continuous. Timers already set keep their real delay. */
  setRate(rate: number): void {
    checkRate(rate);
    const wallNow = this.now();
    const monoNow = this.monotonic();
    this.wallAnchor = Date.now();
    this.offsetMs = wallNow - this.wallAnchor;
    this.realMonoAnchor = performance.now();
    this.monoAnchor = monoNow;
    this.rate = rate;
  }

  /** The current skew (after a rate change, `offsetMs` includes the drift accumulated before it). */
  get skew(): { offsetMs: number; rate: number } {
    return { offsetMs: this.offsetMs, rate: this.rate };
  }
}

function checkRate(rate: number): number {
  if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`rate must be a finite number > 0, got ${rate}`);
  return rate;
}

/** A real clock, optionally skewed. */
export function realClock(options: RealClockOptions = {}): RealClock {
  return new RealClock(options);
}
