import type { HistoryEvent } from './history.ts';
import type { Micros } from '../sim/time.ts';

/** How many of each client's latest lock values are remembered (a late key write names an old one). */
const VALUES_PER_CLIENT = 8;

/**
 * Which client a lock value belongs to (the client whose acquire returned a lease with it), and
 * which acquires are still running (one of them may yet claim a value seen on a node). Bounded:
 * only each client's latest values are remembered.
 */
export class Holders {
  private readonly byValue = new Map<string, string>();
  private readonly recent = new Map<string, string[]>();
  /** Each client's running acquire: when it was invoked. */
  private readonly acquiring = new Map<string, Micros>();

  event(e: HistoryEvent): void {
    if (e.kind === 'crash') this.acquiring.delete(e.process);
    if (e.kind !== 'acquire') return;
    if (e.phase === 'invoke') {
      if (!this.acquiring.has(e.process)) this.acquiring.set(e.process, e.at);
    } else if (e.phase === 'ok' || e.phase === 'fail') {
      this.acquiring.delete(e.process);
      if (e.phase === 'ok' && e.lease !== undefined) this.remember(e.lease.value, e.process);
    }
  }

  holderOf(value: string): string | undefined {
    return this.byValue.get(value);
  }

  /** Whether an acquire invoked at or before `at` is still running: it may yet return `at`'s value as its own. */
  mayStillClaim(at: Micros): boolean {
    for (const invokedAt of this.acquiring.values()) if (invokedAt <= at) return true;
    return false;
  }

  private remember(value: string, process: string): void {
    this.byValue.set(value, process);
    let values = this.recent.get(process);
    if (values === undefined) {
      values = [];
      this.recent.set(process, values);
    }
    values.push(value);
    if (values.length > VALUES_PER_CLIENT) {
      const old = values.shift() as string;
      if (this.byValue.get(old) === process && !values.includes(old)) this.byValue.delete(old);
    }
  }
}
