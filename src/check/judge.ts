import { checkLostUpdates, type LostUpdateViolation } from './damage.ts';
import { checkFencing, type FencingViolation } from './fencing.ts';
import type { History } from './history.ts';
import { checkLiveness, type LivenessViolation } from './liveness.ts';
import { checkMutex, type MutexViolation } from './mutex.ts';

export type Violation = MutexViolation | LostUpdateViolation | FencingViolation | LivenessViolation;
export type Verdict = 'safe' | 'unsafe' | 'stuck';
export type Property = 'mutex' | 'lost-updates' | 'fencing' | 'liveness';

export interface Judgement {
  readonly violations: Violation[];
  readonly verdict: Verdict;
}

/**
 * Runs the checkers a run asked for over its history and concludes: `unsafe` if a safety
 * property broke, else `stuck` if liveness failed, else `safe`. The same judgement serves the
 * simulation and real mode.
 */
export function judge(
  history: History,
  properties: readonly Property[],
  liveness: { boundMs: number; blocked: (process: string) => boolean; stillTrying?: (process: string) => boolean },
): Judgement {
  const violations: Violation[] = [];
  if (properties.includes('mutex')) violations.push(...checkMutex(history));
  if (properties.includes('lost-updates')) violations.push(...checkLostUpdates(history));
  if (properties.includes('fencing')) violations.push(...checkFencing(history));
  const safetyBroken = violations.length > 0;
  if (properties.includes('liveness')) violations.push(...checkLiveness(history, liveness.boundMs, liveness.blocked, liveness.stillTrying));
  return { violations, verdict: safetyBroken ? 'unsafe' : violations.length > 0 ? 'stuck' : 'safe' };
}
