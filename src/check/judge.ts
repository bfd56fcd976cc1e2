import type { History, ResourceWrite } from './history.ts';
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
  // Events and writes merged in true-time order (an event first at the same instant): the
  // fencing checker judges a write against the grants before it.
  let w = 0;
  for (const e of history.events) {
    for (; w < history.writes.length && (history.writes[w] as ResourceWrite).at < e.at; w++) judgement.write(history.writes[w] as ResourceWrite);
    judgement.event(e);
  }
  for (; w < history.writes.length; w++) judgement.write(history.writes[w] as ResourceWrite);
  return judgement.finish({ endedAt: history.endedAt, faults: history.faults, blocked: liveness.blocked, stillTrying: liveness.stillTrying });
}
