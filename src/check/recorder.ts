import type { History, HistoryEvent, KeyCommand, KeyLifetime, ResourceWrite } from './history.ts';
import type { FindingSpan } from './mutex.ts';
import type { Micros } from '../sim/time.ts';

/**
 * How much of a run's history to keep: only the last `lastMs` of true time, plus the context of
 * the first `violationContexts` violations (from `lastMs` before what a violation refers to
 * until `lastMs` after it was found), so their timelines still draw. The checkers run online and
 * need none of it: verdicts and violations are the same as with the whole history.
 */
export interface HistoryWindow {
  readonly lastMs: number;
  /** How many violations keep their context (default 10): a badly broken lock is not a reason to keep everything. */
  readonly violationContexts?: number;
}

/** One kind of history item, kept whole or trimmed from the front as it ages out of the window. */
class ItemLog<T> {
  private readonly kept: T[] = [];
  private items: T[] = [];
  private ages: Micros[] = [];
  private head = 0;
  dropped = 0;

  /** `age`: when the item was recorded; items leave in that order. */
  push(item: T, age: Micros): void {
    this.items.push(item);
    this.ages.push(age);
  }

  /** Whether an item recorded before `cutoff` is still in the window. */
  hasBefore(cutoff: Micros): boolean {
    return this.head < this.items.length && (this.ages[this.head] as Micros) < cutoff;
  }

  /** Moves every item recorded before `cutoff` out: into the kept part if `keep` says so, else away. */
  trim(cutoff: Micros, keep: (item: T) => boolean): void {
    while (this.head < this.items.length && (this.ages[this.head] as Micros) < cutoff) {
      const item = this.items[this.head] as T;
      if (keep(item)) this.kept.push(item);
      else this.dropped++;
      this.head++;
    }
    // Compact now and then, so the arrays do not keep the dropped prefix alive.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.ages = this.ages.slice(this.head);
      this.head = 0;
    }
  }

  all(): T[] {
    return this.head === 0 && this.kept.length === 0 ? this.items : [...this.kept, ...this.items.slice(this.head)];
  }
}

interface Seq<T> {
  readonly item: T;
  readonly seq: number;
}

/**
 * Records a run's history as it happens: all of it, or a window (see {@link HistoryWindow}).
 * Trimming never loses what a violation may refer to: it keeps everything since the earliest
 * moment a future violation could name (the judge's `referencedFrom`), less the window's length.
 */
export class HistoryRecorder {
  private readonly events = new ItemLog<HistoryEvent>();
  private readonly writes = new ItemLog<ResourceWrite>();
  private readonly keys = new ItemLog<Seq<KeyLifetime>>();
  private readonly commands = new ItemLog<KeyCommand>();
  private commandsSeen = false;
  private readonly pins: FindingSpan[] = [];
  private readonly windowMicros: Micros | null;
  private readonly contexts: number;
  /** Nothing is kept (see the constructor): items are only counted. */
  private readonly keepsNothing: boolean;
  private found = 0;

  /**
   * `window` undefined: keep everything; a window: keep that (see {@link HistoryWindow});
   * `'nothing'`: keep nothing, not even violations' contexts, only count what went by (a run
   * whose result is its verdict: a sweep's, an exploration's tried runs).
   */
  constructor(window: HistoryWindow | 'nothing' | undefined, private readonly referencedFrom: () => Micros = () => Number.POSITIVE_INFINITY) {
    if (window !== undefined && window !== 'nothing' && !(window.lastMs >= 0)) throw new RangeError(`historyWindow.lastMs must be a number >= 0, got ${window.lastMs}`);
    this.keepsNothing = window === 'nothing';
    this.windowMicros = window === undefined ? null : window === 'nothing' ? 0 : window.lastMs * 1000;
    this.contexts = window === 'nothing' ? 0 : (window?.violationContexts ?? 10);
  }

  event(e: HistoryEvent): void {
    if (this.keepsNothing) {
      this.events.dropped++;
      return;
    }
    this.events.push(e, e.at);
    this.trim(e.at);
  }

  write(w: ResourceWrite): void {
    if (this.keepsNothing) {
      this.writes.dropped++;
      return;
    }
    this.writes.push(w, w.at);
  }

  /** A key lifetime as it ended; `now` is the true time it was handed on. */
  keyLifetime(lifetime: KeyLifetime, seq: number, now: Micros): void {
    if (this.keepsNothing) {
      this.keys.dropped++;
      return;
    }
    this.keys.push({ item: lifetime, seq }, now);
  }

  /** A command on the lock key (see check/key-commands.ts). */
  keyCommand(c: KeyCommand): void {
    this.commandsSeen = true;
    if (this.keepsNothing) {
      this.commands.dropped++;
      return;
    }
    this.commands.push(c, c.at);
  }

  /** A violation was found: keep its context (the first few only). */
  violationFound(span: FindingSpan): void {
    if (this.windowMicros === null || this.found++ >= this.contexts) return;
    this.pins.push({ from: span.from - this.windowMicros, to: span.to + this.windowMicros });
  }

  /**
   * Writes what was kept into `history`: events and writes in true-time order, key lifetimes by
   * node (in `nodes` order), then start, then the order they ended (as a whole run lists them).
   */
  finish(history: History, nodes: readonly string[]): void {
    append(history.events, this.events.all());
    append(history.writes, this.writes.all());
    const rank = new Map(nodes.map((n, i) => [n, i]));
    const keys = this.keys.all().sort((a, b) => (rank.get(a.item.node) ?? nodes.length) - (rank.get(b.item.node) ?? nodes.length) || a.item.from - b.item.from || a.seq - b.seq);
    append(history.keys, keys.map((k) => k.item));
    // Only a run that recorded commands lists them (real mode and stored histories have none).
    if (this.commandsSeen) history.commands = [...this.commands.all()];
    if (this.windowMicros !== null) {
      history.dropped = { events: this.events.dropped, writes: this.writes.dropped, keys: this.keys.dropped, ...(this.commandsSeen ? { commands: this.commands.dropped } : {}) };
    }
  }

  private trim(now: Micros): void {
    if (this.windowMicros === null) return;
    const cutoff = Math.min(now, this.referencedFrom()) - this.windowMicros;
    // Runs per event: nothing to do unless something aged out.
    if (this.events.hasBefore(cutoff)) this.events.trim(cutoff, this.keepEvent);
    if (this.writes.hasBefore(cutoff)) this.writes.trim(cutoff, this.keepWrite);
    if (this.keys.hasBefore(cutoff)) this.keys.trim(cutoff, this.keepKey);
    if (this.commands.hasBefore(cutoff)) this.commands.trim(cutoff, this.keepCommand);
  }

  /** Whether a violation's context covers [from, to]. */
  private pinned(from: Micros, to: Micros): boolean {
    for (const p of this.pins) if (to >= p.from && from <= p.to) return true;
    return false;
  }

  // What trimming keeps, made once (trimming runs for every event of a windowed run).
  private readonly keepEvent = (e: HistoryEvent): boolean => this.pinned(e.at, e.at);
  private readonly keepWrite = (w: ResourceWrite): boolean => this.pinned(w.at, w.at);
  private readonly keepKey = (k: Seq<KeyLifetime>): boolean => this.pinned(k.item.from, k.item.to ?? Number.POSITIVE_INFINITY);
  private readonly keepCommand = (c: KeyCommand): boolean => this.pinned(c.at, c.at);
}

/** Appends one by one: spreading a long run's arrays into push() would overflow the stack. */
function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}
