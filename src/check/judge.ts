import type { History } from './history.ts';
import { OnlineJudge, type Judgement, type Property } from './online.ts';

export type { Judgement, Property, Verdict, Violation } from './online.ts';

/**
 * Judges a stored history (real mode, or a history judged again later) by feeding it through
 * the online checkers in true-time order: `unsafe` if a safety property broke, else `stuck` if
 * liveness failed, else `safe`. The same judgement serves the simulation and real mode.
 */
export function judge(
  history: History,
  properties: readonly Property[],
  liveness: { boundMs: number; blocked: (process: string) => boolean; stillTrying?: (process: string) => boolean },
): Judgement {
  const judgement = new OnlineJudge({ properties, lockNodes: history.lockNodes, boundMs: liveness.boundMs });
  // Key lifetimes first: a stored history has them whole, so every explanation can settle at once.
  history.keys.forEach((k, i) => judgement.keyLifetime(k, i));
  judgement.keysComplete();
  if (history.healedAt !== null) judgement.heal(history.healedAt);
  for (const e of history.events) judgement.event(e);
  for (const w of history.writes) judgement.write(w);
  return judgement.finish({ endedAt: history.endedAt, faults: history.faults, blocked: liveness.blocked, stillTrying: liveness.stillTrying });
}
