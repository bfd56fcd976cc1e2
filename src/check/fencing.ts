import type { History, ResourceWrite } from './history.ts';

/** An accepted write whose fencing token was lower than one accepted before it. */
export interface FencingViolation {
  readonly property: 'fencing';
  readonly write: ResourceWrite;
  readonly highestBefore: number;
}

/**
 * With a fencing resource, accepted writes must come in token order; stale writes (a token lower
 * than the highest seen) must have been refused. Online: it keeps only the highest token
 * accepted so far. The refused stale writes are listed by {@link refusedStaleWrites} (they are
 * the safeguard working).
 */
export class FencingChecker {
  private highest = Number.NEGATIVE_INFINITY;
  private readonly found: FencingViolation[] = [];

  /** Returns the violation this write is, if any. */
  write(write: ResourceWrite): FencingViolation | null {
    if (!write.accepted || write.token === undefined) return null;
    let violation: FencingViolation | null = null;
    if (write.token < this.highest) {
      violation = { property: 'fencing', write, highestBefore: this.highest };
      this.found.push(violation);
    }
    this.highest = Math.max(this.highest, write.token);
    return violation;
  }

  finish(): FencingViolation[] {
    return [...this.found];
  }
}

export function checkFencing(history: History): FencingViolation[] {
  const checker = new FencingChecker();
  for (const write of history.writes) checker.write(write);
  return checker.finish();
}

export function refusedStaleWrites(history: History): ResourceWrite[] {
  return history.writes.filter((w) => !w.accepted);
}
