import type { History, ResourceWrite } from './history.ts';
import { Tally } from './tally.ts';

/**
 * Damage at the protected resource, a counter each holder increments by read-modify-write.
 * A write that the resource accepted although the value it was based on was stale overwrote
 * someone else's increment: a lost update (Jepsen's lock test counts the same with a set).
 */
export interface LostUpdateViolation {
  readonly property: 'lost-update';
  readonly write: ResourceWrite;
  /** How many increments it wiped out. */
  readonly lost: number;
}

/** Lost updates, online: each write is judged on its own as the resource applies it. */
export class LostUpdateChecker {
  private readonly found: LostUpdateViolation[] = [];

  /** Returns the violation this write is, if any. */
  write(write: ResourceWrite): LostUpdateViolation | null {
    if (!write.accepted || write.readValue === write.before) return null;
    const violation: LostUpdateViolation = { property: 'lost-update', write, lost: Math.max(1, write.before - write.readValue) };
    this.found.push(violation);
    return violation;
  }

  finish(): LostUpdateViolation[] {
    return [...this.found];
  }
}

export function checkLostUpdates(history: History): LostUpdateViolation[] {
  const checker = new LostUpdateChecker();
  for (const write of history.writes) checker.write(write);
  return checker.finish();
}

/** The counter's expected and final value: equal when no update was lost. */
export function counterSummary(history: History): { acceptedWrites: number; finalValue: number; refusedWrites: number } {
  const tally = Tally.of(history);
  return { acceptedWrites: tally.writesAccepted, finalValue: tally.finalValue, refusedWrites: tally.writesRefused };
}

/** What a history shows of the work done: acquisitions, failed attempts, writes and the counter. */
export function historyCounts(history: History): { acquired: number; acquireFailures: number; writesAccepted: number; writesRefused: number; finalValue: number } {
  return Tally.of(history).counts();
}
