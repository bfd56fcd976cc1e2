import type { History, ResourceWrite } from './history.ts';

/** An accepted write whose fencing token was lower than one accepted before it. */
export interface FencingViolation {
  readonly property: 'fencing';
  readonly write: ResourceWrite;
  readonly highestBefore: number;
}

/**
 * With a fencing resource, accepted writes must come in token order; stale writes (a token lower
 * than the highest seen) must have been refused. Returns the violations; the refused stale
 * writes are listed by {@link refusedStaleWrites} (they are the safeguard working).
 */
export function checkFencing(history: History): FencingViolation[] {
  const violations: FencingViolation[] = [];
  let highest = Number.NEGATIVE_INFINITY;
  for (const write of history.writes) {
    if (!write.accepted || write.token === undefined) continue;
    if (write.token < highest) violations.push({ property: 'fencing', write, highestBefore: highest });
    highest = Math.max(highest, write.token);
  }
  return violations;
}

export function refusedStaleWrites(history: History): ResourceWrite[] {
  return history.writes.filter((w) => !w.accepted);
}
