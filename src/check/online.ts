import { LostUpdateChecker, type LostUpdateViolation } from './damage.ts';
import { FencingChecker, type FencingViolation } from './fencing.ts';
import type { FaultRecord, HistoryEvent, KeyLifetime, ResourceWrite } from './history.ts';
import { KeyLifetimeTracker, type KeySample } from './keys.ts';
import { LivenessChecker, type LivenessEnd, type LivenessViolation } from './liveness.ts';
import { MutexChecker, type FindingSpan, type MutexViolation } from './mutex.ts';
import type { Micros } from '../sim/time.ts';

export type Violation = MutexViolation | LostUpdateViolation | FencingViolation | LivenessViolation;
/** `invalid`: no verdict, for want of evidence (see check/evidence.ts); the judge itself never concludes it. */
export type Verdict = 'safe' | 'unsafe' | 'stuck' | 'invalid';
export type Property = 'mutex' | 'lost-updates' | 'fencing' | 'liveness';

export interface Judgement {
  readonly violations: Violation[];
  readonly verdict: Verdict;
}

/** What the judge needs before the run starts. */
export interface JudgeSetup {
  readonly properties: readonly Property[];
  /** The nodes the lock talks to (its quorum is a majority of them). */
  readonly lockNodes?: readonly string[];
  /** Liveness: how long after the last heal some waiting client must acquire, ms. */
  readonly boundMs: number;
  /** Called when a safety violation is found, with the true-time span it refers to. */
  readonly onFound?: (span: FindingSpan) => void;
  /** Called with every key lifetime as it is derived from the nodes' observations (and the order it ended in). */
  readonly onKeyLifetime?: (lifetime: KeyLifetime, seq: number) => void;
}

/** What only the end of the run tells. */
export interface JudgeEnd extends LivenessEnd {
  readonly faults: readonly FaultRecord[];
}

/**
 * All the checkers at once, online: feed it the history as it is recorded, in true-time order
 * (events, resource writes, key observations, heals), and it keeps only what the checkers
 * still need. `judge()` feeds a stored history through the same object, so a run judged live
 * and the same history judged later agree by construction.
 */
export class OnlineJudge {
  private readonly mutex: MutexChecker | null;
  private readonly lostUpdates: LostUpdateChecker | null;
  private readonly fencing: FencingChecker | null;
  private readonly liveness: LivenessChecker | null;
  private readonly keys: KeyLifetimeTracker;

  constructor(private readonly setup: JudgeSetup) {
    const wants = (p: Property): boolean => setup.properties.includes(p);
    this.mutex = wants('mutex') ? new MutexChecker(setup.lockNodes, setup.onFound) : null;
    this.lostUpdates = wants('lost-updates') ? new LostUpdateChecker() : null;
    this.fencing = wants('fencing') ? new FencingChecker() : null;
    this.liveness = wants('liveness') ? new LivenessChecker(setup.boundMs) : null;
    this.keys = new KeyLifetimeTracker((lifetime, seq) => this.keyLifetime(lifetime, seq));
  }

  event(e: HistoryEvent): void {
    this.keys.event(e);
    this.mutex?.event(e);
    this.liveness?.event(e);
    const fenced = this.fencing?.event(e);
    if (fenced !== null && fenced !== undefined) this.setup.onFound?.({ from: e.at, to: e.at });
    this.settleKeys();
  }

  write(w: ResourceWrite): void {
    const found = [this.lostUpdates?.write(w), this.fencing?.write(w)];
    if (found.some((v) => v !== null && v !== undefined)) this.setup.onFound?.({ from: w.at, to: w.at });
  }

  /** A watched key as a node saw it (simulation). */
  keySample(node: string, sample: KeySample): void {
    this.keys.sample(node, sample);
    this.settleKeys();
  }

  /** A key lifetime already derived (a stored history); call {@link keysComplete} after the last. */
  keyLifetime(lifetime: KeyLifetime, seq: number): void {
    this.mutex?.keyLifetime(lifetime, seq);
    this.setup.onKeyLifetime?.(lifetime, seq);
  }

  /** Every key lifetime of a stored history has been given. */
  keysComplete(): void {
    this.mutex?.keysComplete(Number.POSITIVE_INFINITY);
  }

  /** Every fault has healed, at true time `at` (µs); the latest call starts the liveness phase. */
  heal(at: Micros): void {
    this.liveness?.heal(at);
  }

  /** The earliest true time a violation found later may refer to (+∞: none): a kept window must reach back there. */
  referencedFrom(): Micros {
    return this.mutex?.referencedFrom() ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Concludes: `unsafe` if a safety property broke, else `stuck` if liveness failed, else `safe`.
   * Violations come by checker (mutex, lost updates, fencing, liveness), each in history order.
   */
  finish(end: JudgeEnd): Judgement {
    this.keys.finish(end.endedAt);
    const violations: Violation[] = [
      ...(this.mutex?.finish(end.endedAt, end.faults) ?? []),
      ...(this.lostUpdates?.finish() ?? []),
      ...(this.fencing?.finish() ?? []),
    ];
    const safetyBroken = violations.length > 0;
    violations.push(...(this.liveness?.finish(end) ?? []));
    return { violations, verdict: safetyBroken ? 'unsafe' : violations.length > 0 ? 'stuck' : 'safe' };
  }

  private settleKeys(): void {
    if (this.mutex?.waitingForKeys === true) this.mutex.keysComplete(this.keys.lowWater());
  }
}
