import type { History, ResourceWrite } from './history.ts';

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

export function checkLostUpdates(history: History): LostUpdateViolation[] {
  const violations: LostUpdateViolation[] = [];
  for (const write of history.writes) {
    if (write.accepted && write.readValue !== write.before) {
      violations.push({ property: 'lost-update', write, lost: Math.max(1, write.before - write.readValue) });
    }
  }
  return violations;
}

/** The counter's expected and final value: equal when no update was lost. */
export function counterSummary(history: History): { acceptedWrites: number; finalValue: number; refusedWrites: number } {
  const accepted = history.writes.filter((w) => w.accepted);
  const last = accepted[accepted.length - 1];
  return { acceptedWrites: accepted.length, finalValue: last?.value ?? 0, refusedWrites: history.writes.length - accepted.length };
}

/** What a history shows of the work done: acquisitions, failed attempts, writes and the counter. */
export function historyCounts(history: History): { acquired: number; acquireFailures: number; writesAccepted: number; writesRefused: number; finalValue: number } {
  const counter = counterSummary(history);
  return {
    acquired: history.events.filter((e) => e.kind === 'acquire' && e.phase === 'ok').length,
    acquireFailures: history.events.filter((e) => e.kind === 'acquire' && e.phase === 'fail').length,
    writesAccepted: counter.acceptedWrites,
    writesRefused: counter.refusedWrites,
    finalValue: counter.finalValue,
  };
}
