import type { FaultRecord } from '../check/history.ts';

/** A fault's record whose effect is known only at the end of the run (sim and real nemeses alike). */
export interface PendingRecord {
  readonly record: FaultRecord;
  /** Works out, at the end of the run, whether the fault did anything and what. */
  readonly measure: () => string | null;
}

/** Fills in each pending record's `fired` and `effect`, and empties the list. */
export function settleRecords(pending: PendingRecord[]): void {
  for (const p of pending) {
    const effect = p.measure();
    p.record.fired = effect !== null;
    p.record.effect = effect ?? 'no effect observed';
  }
  pending.length = 0;
}

/** What a fault record says it did, for reports: its effect, or that it did nothing and why. */
export function faultEffectText(record: Pick<FaultRecord, 'fired' | 'effect'>): string {
  return record.fired ? record.effect : `DID NOTHING (${record.effect}; check the schedule)`;
}
