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
    p.record.effect = effect ?? 'did nothing observable';
  }
  pending.length = 0;
}
