import type { FaultRecord } from '../check/history.ts';
import { ms, type Micros } from '../sim/time.ts';
import { describeFault, type Fault } from './fault.ts';

/** A fault's record whose effect is known only once the effect has ended (sim and real nemeses alike). */
export interface PendingRecord {
  readonly record: FaultRecord;
  /** Works out whether the fault did anything and what. */
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

/** How a record is measured. */
export interface RecordOptions {
  /**
   * Measure it when the next record with this key begins (or at the end of the run), not when
   * its effect ends: a crash's restart runs as the process's next event, so a crash record is
   * measured at the process's next crash, and a second crash never changes what the first one
   * says it lost.
   */
  readonly measuredAtNext?: string;
}

/**
 * The records of a run's faults, kept the same way by both nemeses: a record begins when its
 * fault takes effect; it is measured when its effect ends (on its own, or by a heal), so that a
 * cut is not credited with what a later fault dropped on the same links; and the time the last
 * effect ended starts the liveness phase.
 */
export class FaultBook {
  readonly records: FaultRecord[] = [];
  /** True time the last fault's effect ended, µs (the liveness phase starts there). */
  lastHealAt: Micros | null = null;
  private readonly pending: PendingRecord[] = [];
  private readonly latestByKey = new Map<string, FaultRecord>();
  private readonly measuredLate = new Set<FaultRecord>();

  constructor(private readonly now: () => Micros) {}

  /** Records `fault` as taken effect now. */
  begin(fault: Fault, measure: () => string | null, options: RecordOptions = {}): FaultRecord {
    const key = options.measuredAtNext;
    const earlier = key === undefined ? undefined : this.latestByKey.get(key);
    if (earlier?.endedAt !== undefined) this.settle(earlier);
    const record: FaultRecord = { at: this.now(), description: describeFault(fault), kind: fault.kind, fired: false, effect: '' };
    this.records.push(record);
    this.pending.push({ record, measure });
    if (key !== undefined) {
      this.latestByKey.set(key, record);
      this.measuredLate.add(record);
    }
    return record;
  }

  /** A fault that never took effect (the run ended first): a fault that never happened proves nothing. */
  neverApplied(fault: Fault, why: string): void {
    this.records.push({ at: ms(fault.at), description: describeFault(fault), kind: fault.kind, fired: false, effect: why });
  }

  /** The record's effect has ended now (on its own, or by a heal); an ended record stays as it ended. */
  ended(record: FaultRecord): void {
    if (record.endedAt !== undefined) return;
    record.endedAt = this.now();
    if (!this.measuredLate.has(record)) this.settle(record);
    this.instant();
  }

  /** A fault acted at an instant (a jump, a failover): the liveness phase counts from now. */
  instant(): void {
    this.lastHealAt = this.now();
  }

  /** Ends every record still open (a heal). */
  endOpen(): void {
    for (const r of this.records) if (r.endedAt === undefined) this.ended(r);
  }

  /** Measures every record not measured yet; call once the run is over. */
  finish(): FaultRecord[] {
    settleRecords(this.pending);
    return this.records;
  }

  private settle(record: FaultRecord): void {
    const i = this.pending.findIndex((p) => p.record === record);
    if (i >= 0) settleRecords(this.pending.splice(i, 1));
  }
}
