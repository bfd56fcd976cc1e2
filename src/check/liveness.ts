import type { History, HistoryEvent } from './history.ts';
import type { Micros } from '../sim/time.ts';

/** After the last fault healed, no client acquired within the bound; or an acquire never returned. */
export interface LivenessViolation {
  readonly property: 'liveness';
  /** Where the phase began: the last heal, or the run's start when nothing healed (see `healed`). */
  readonly healedAt: Micros;
  /** Whether a fault healed at `healedAt` (false: no fault, the phase is the whole run). */
  readonly healed: boolean;
  /** When the violation became certain: the deadline (phase start + bound), or the end of the run for an acquire that never returned. */
  readonly at: Micros;
  readonly boundMs: number;
  /** Acquires invoked that never completed (the client was neither crashed nor paused at the end). */
  readonly stuck: HistoryEvent[];
  readonly message: string;
}

/** What only the end of a run tells: when it ended and which clients could not have progressed. */
export interface LivenessEnd {
  readonly endedAt: Micros;
  readonly blocked: (process: string) => boolean;
  readonly stillTrying?: (process: string) => boolean;
  /** Why a stuck client waits, in words (what its Redis client is waiting on), if known. */
  readonly why?: (process: string) => string | null;
}

/**
 * TigerBeetle's second phase: once every fault has healed, some waiting client must acquire
 * within `boundMs` of true time. An acquire still pending at the end of the run is `stuck`.
 * Clients `blocked` at the end (paused or crashed) could not have progressed and do not count;
 * a pending acquire of a client `stillTrying` (it keeps sending commands) is starvation by
 * others' luck, not a hang, and is not called stuck.
 *
 * Online: it keeps each client's pending acquire and first acquire, and whether someone
 * acquired since the latest heal. A heal is announced with {@link heal} when it happens (or,
 * for a stored history, once, before the events); the phase starts at the last one.
 */
export class LivenessChecker {
  private readonly pending = new Map<string, HistoryEvent>();
  /** When each client first invoked an acquire: it was waiting from then on. */
  private readonly firstInvoke = new Map<string, Micros>();
  private phaseStart: Micros = 0;
  private healed = false;
  private acquiredInPhase = false;
  private lastAcquiredAt: Micros | null = null;

  constructor(private readonly boundMs: number) {}

  /** The faults all healed at `at` (true time, µs); events at that instant already seen still count. */
  heal(at: Micros): void {
    this.phaseStart = at;
    this.healed = true;
    this.acquiredInPhase = this.lastAcquiredAt !== null && this.lastAcquiredAt >= at && this.lastAcquiredAt <= this.deadline();
  }

  event(e: HistoryEvent): void {
    if (e.kind === 'crash') this.pending.delete(e.process);
    if (e.kind !== 'acquire') return;
    if (e.phase === 'invoke') {
      this.pending.set(e.process, e);
      if (!this.firstInvoke.has(e.process)) this.firstInvoke.set(e.process, e.at);
    } else if (e.phase === 'ok' || e.phase === 'fail') {
      this.pending.delete(e.process);
    }
    if (e.phase === 'ok') {
      this.lastAcquiredAt = e.at;
      if (e.at >= this.phaseStart && e.at <= this.deadline()) this.acquiredInPhase = true;
    }
  }

  finish(end: LivenessEnd): LivenessViolation[] {
    const { boundMs, phaseStart } = this;
    const deadline = this.deadline();
    const stillTrying = end.stillTrying ?? (() => false);
    const anyoneWaiting = [...this.firstInvoke].some(([process, at]) => at <= deadline && !end.blocked(process));
    const stuck = [...this.pending.values()].filter((e) => e.at < end.endedAt - boundMs * 1000 && !end.blocked(e.process) && !stillTrying(e.process));
    const since = this.healed ? 'after the last fault healed' : 'of the start of the run (no fault healed)';
    if (stuck.length > 0) {
      const longest = Math.min(...stuck.map((e) => e.at));
      return [{ property: 'liveness', healedAt: phaseStart, healed: this.healed, at: end.endedAt, boundMs, stuck, message: `${stuck.map((e) => e.process).join(', ')}: acquire never returned (waiting ${((end.endedAt - longest) / 1000).toFixed(0)} ms by the end of the run)${reasons(stuck, end)}` }];
    }
    if (anyoneWaiting && !this.acquiredInPhase && end.endedAt >= deadline) {
      return [{ property: 'liveness', healedAt: phaseStart, healed: this.healed, at: deadline, boundMs, stuck: [], message: `no client acquired within ${boundMs} ms ${since}` }];
    }
    return [];
  }

  private deadline(): Micros {
    return this.phaseStart + this.boundMs * 1000;
  }
}

/** `: why-1; why-2` for the stuck clients whose reason is known, else nothing. */
function reasons(stuck: readonly HistoryEvent[], end: LivenessEnd): string {
  if (end.why === undefined) return '';
  const why = stuck.map((e) => end.why?.(e.process)).filter((w): w is string => typeof w === 'string' && w !== '');
  return why.length === 0 ? '' : `: ${why.join('; ')}`;
}

export function checkLiveness(
  history: History,
  boundMs: number,
  blocked: (process: string) => boolean,
  stillTrying: (process: string) => boolean = () => false,
): LivenessViolation[] {
  const checker = new LivenessChecker(boundMs);
  if (history.healedAt !== null) checker.heal(history.healedAt);
  for (const e of history.events) checker.event(e);
  return checker.finish({ endedAt: history.endedAt, blocked, stillTrying });
}
