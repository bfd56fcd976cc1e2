import type { History, HistoryEvent, ResourceWrite } from './history.ts';

/** What a run did, as counts. */
export interface WorkCounts {
  readonly acquired: number;
  readonly acquireFailures: number;
  readonly writesAccepted: number;
  readonly writesRefused: number;
  /** The counter's value after the last accepted write. */
  readonly finalValue: number;
}

/**
 * Counts the work in a history as it is recorded, so a run that keeps only a window of its
 * history still reports the whole run's figures.
 */
export class Tally {
  acquired = 0;
  acquireFailures = 0;
  writesAccepted = 0;
  writesRefused = 0;
  finalValue = 0;

  static of(history: History): Tally {
    const tally = new Tally();
    for (const e of history.events) tally.event(e);
    for (const w of history.writes) tally.write(w);
    return tally;
  }

  event(e: HistoryEvent): void {
    if (e.kind !== 'acquire') return;
    if (e.phase === 'ok') this.acquired++;
    else if (e.phase === 'fail') this.acquireFailures++;
  }

  write(w: ResourceWrite): void {
    if (!w.accepted) {
      this.writesRefused++;
      return;
    }
    this.writesAccepted++;
    this.finalValue = w.value;
  }

  counts(): WorkCounts {
    return { acquired: this.acquired, acquireFailures: this.acquireFailures, writesAccepted: this.writesAccepted, writesRefused: this.writesRefused, finalValue: this.finalValue };
  }
}
