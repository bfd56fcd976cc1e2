import type { Micros } from './time.ts';

/**
 * One scheduled kernel event. `fire` returns true when it ran code of a simulated process
 * (a timer callback, a promise it awaits), so the scheduler must let that code's promise
 * continuations run to the end before the next event; false when it only changed kernel state.
 */
export class SimEvent {
  /** Set by {@link EventQueue.cancel} only, which keeps the live count right. */
  cancelled = false;

  constructor(
    readonly at: Micros,
    readonly seq: number,
    readonly fire: () => boolean,
  ) {}
}

/** A binary min-heap of events ordered by (true time, sequence number): ties break by insertion. */
export class EventQueue {
  private readonly heap: SimEvent[] = [];
  private nextSeq = 0;
  private live = 0;

  /** Schedules `fire` at true time `at`. */
  push(at: Micros, fire: () => boolean): SimEvent {
    const event = new SimEvent(at, this.nextSeq++, fire);
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as SimEvent;
      if (p.at < at || (p.at === at && p.seq < event.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
    this.live++;
    return event;
  }

  /** The earliest event without removing it (cancelled ones are discarded on the way). */
  peek(): SimEvent | undefined {
    const heap = this.heap;
    while (heap.length > 0 && (heap[0] as SimEvent).cancelled) this.removeTop();
    return heap[0];
  }

  /** Removes and returns the earliest live event. */
  pop(): SimEvent | undefined {
    const top = this.peek();
    if (top !== undefined) {
      this.removeTop();
      this.live--;
    }
    return top;
  }

  /** Removes and returns the earliest live event if it is due at or before `until`. */
  popUntil(until: Micros): SimEvent | undefined {
    const top = this.peek();
    if (top === undefined || top.at > until) return undefined;
    this.removeTop();
    this.live--;
    return top;
  }

  /** Marks an event cancelled; it is dropped lazily when it reaches the top. */
  cancel(event: SimEvent): void {
    if (!event.cancelled) {
      event.cancelled = true;
      this.live--;
    }
  }

  /** Live (not cancelled) events waiting. */
  get size(): number {
    return this.live;
  }

  private removeTop(): void {
    const heap = this.heap;
    const last = heap.pop() as SimEvent;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let c = heap[left] as SimEvent;
      if (right < n) {
        const r = heap[right] as SimEvent;
        if (r.at < c.at || (r.at === c.at && r.seq < c.seq)) {
          child = right;
          c = r;
        }
      }
      if (last.at < c.at || (last.at === c.at && last.seq < c.seq)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}
