import type { Micros } from './time.ts';

/**
 * A process's clocks as piecewise-linear functions of true time.
 *
 * One oscillator drives both: `rate = 1 + driftPpm / 1e6` stretches the wall clock and the
 * monotonic clock alike (a fast crystal makes every local interval look longer). Only the wall
 * clock can jump (an NTP step, an operator's `date -s`); the monotonic clock never does.
 * Local times are kept in microseconds as floats; a rate change re-bases both lines at the
 * true time it happens, so earlier readings are never rewritten.
 */
export class ProcessClock {
  private base: Micros = 0;
  private monoAtBase: number;
  private wallAtBase: number;
  private rate: number;
  private drift: number;

  constructor(options: { startWallMicros: number; startMonoMicros?: number; driftPpm?: number; at?: Micros }) {
    this.base = options.at ?? 0;
    this.wallAtBase = options.startWallMicros;
    this.monoAtBase = options.startMonoMicros ?? 0;
    this.drift = options.driftPpm ?? 0;
    this.rate = 1 + this.drift / 1e6;
  }

  /** Drift in parts per million (positive: the clock runs fast). */
  get driftPpm(): number {
    return this.drift;
  }

  /** Local monotonic time in microseconds at true time `t`. */
  monoMicros(t: Micros): number {
    return this.monoAtBase + (t - this.base) * this.rate;
  }

  /** Local wall-clock time in microseconds since the epoch at true time `t`. */
  wallMicros(t: Micros): number {
    return this.wallAtBase + (t - this.base) * this.rate;
  }

  /** Wall clock minus true time (plus the epoch), in microseconds: what a report draws. */
  offsetMicros(t: Micros, epochMicros: number): number {
    return this.wallMicros(t) - epochMicros - t;
  }

  /** Changes the rate from true time `t` on. */
  setDrift(t: Micros, driftPpm: number): void {
    this.rebase(t);
    this.drift = driftPpm;
    this.rate = 1 + driftPpm / 1e6;
  }

  /** Steps the wall clock by `deltaMicros` (negative: backwards) at true time `t`. */
  jump(t: Micros, deltaMicros: number): void {
    this.rebase(t);
    this.wallAtBase += deltaMicros;
  }

  /**
   * The first whole true microsecond, not before `now`, at which the monotonic clock reads at
   * least `targetMonoMicros`. Timers are scheduled with this and rescheduled on a rate change.
   */
  trueTimeOfMono(targetMonoMicros: number, now: Micros): Micros {
    const t = Math.ceil(this.base + (targetMonoMicros - this.monoAtBase) / this.rate);
    return t > now ? t : now;
  }

  private rebase(t: Micros): void {
    this.monoAtBase = this.monoMicros(t);
    this.wallAtBase = this.wallMicros(t);
    this.base = t;
  }
}
