/**
 * True time in real mode: the machine's CLOCK_MONOTONIC, which Node reads with
 * `process.hrtime.bigint()` and which every process on a Linux machine shares. The runner picks
 * an origin (the instant the run starts) and hands it, as decimal nanoseconds, to every client
 * process; each one stamps its own history events with `now - origin`, exactly, with no message
 * latency in the reading. No process can skew it: the clock shim fakes only the realtime clock,
 * and a client's `RealClock` skews only what the lock code sees.
 */
import type { Micros } from '../sim/time.ts';

/** CLOCK_MONOTONIC now, ns. */
export function monotonicNowNs(): bigint {
  return process.hrtime.bigint();
}

/** True time since an origin on CLOCK_MONOTONIC. */
export class TrueTime {
  constructor(readonly originNs: bigint) {}

  /** An origin at this instant. */
  static startingNow(): TrueTime {
    return new TrueTime(monotonicNowNs());
  }

  /** From the decimal string a runner sent. */
  static fromString(originNs: string): TrueTime {
    return new TrueTime(BigInt(originNs));
  }

  /** The origin as decimal nanoseconds (what crosses process boundaries). */
  toString(): string {
    return this.originNs.toString();
  }

  /** True time now, whole µs since the origin (negative before it). */
  now(): Micros {
    return Number((monotonicNowNs() - this.originNs) / 1000n);
  }

  /** True time now, ms (fractional). */
  nowMs(): number {
    return Number(monotonicNowNs() - this.originNs) / 1e6;
  }
}
