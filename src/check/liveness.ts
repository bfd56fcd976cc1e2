import type { History, HistoryEvent } from './history.ts';
import type { Micros } from '../sim/time.ts';

/** After the last fault healed, no client acquired within the bound; or an acquire never returned. */
export interface LivenessViolation {
  readonly property: 'liveness';
  readonly healedAt: Micros;
  readonly boundMs: number;
  /** Acquires invoked that never completed (the client was neither crashed nor paused at the end). */
  readonly stuck: HistoryEvent[];
  readonly message: string;
}

/**
 * TigerBeetle's second phase: once every fault has healed, some waiting client must acquire
 * within `boundMs` of true time. An acquire still pending at the end of the run is `stuck`.
 * Clients `blocked` at the end (paused or crashed) could not have progressed and do not count;
 * a pending acquire of a client `stillTrying` (it keeps sending commands) is starvation by
 * others' luck, not a hang, and is not called stuck.
 */
export function checkLiveness(
  history: History,
  boundMs: number,
  blocked: (process: string) => boolean,
  stillTrying: (process: string) => boolean = () => false,
): LivenessViolation[] {
  const phaseStart = history.healedAt ?? 0;
  const deadline = phaseStart + boundMs * 1000;
  const pending = new Map<string, HistoryEvent>();
  let acquiredInPhase = false;
  let anyoneWaiting = false;
  for (const e of history.events) {
    if (e.kind === 'acquire' && e.phase === 'invoke') pending.set(e.process, e);
    if (e.kind === 'acquire' && (e.phase === 'ok' || e.phase === 'fail')) pending.delete(e.process);
    if (e.kind === 'crash') pending.delete(e.process);
    if (e.kind === 'acquire' && e.phase === 'ok' && e.at >= phaseStart && e.at <= deadline) acquiredInPhase = true;
    if (e.kind === 'acquire' && e.phase === 'invoke' && e.at <= deadline && !blocked(e.process)) anyoneWaiting = true;
  }
  const stuck = [...pending.values()].filter((e) => e.at < history.endedAt - boundMs * 1000 && !blocked(e.process) && !stillTrying(e.process));
  const violations: LivenessViolation[] = [];
  if (stuck.length > 0) {
    violations.push({
      property: 'liveness',
      healedAt: phaseStart,
      boundMs,
      stuck,
      message: `${stuck.map((e) => e.process).join(', ')}: acquire never returned`,
    });
  } else if (anyoneWaiting && !acquiredInPhase && history.endedAt >= deadline) {
    violations.push({
      property: 'liveness',
      healedAt: phaseStart,
      boundMs,
      stuck: [],
      message: `no client acquired within ${boundMs} ms after the last fault healed`,
    });
  }
  return violations;
}
