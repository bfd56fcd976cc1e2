import type { Micros } from './time.ts';

/**
 * One scheduled kernel event. `fire` returns true when it ran code of a simulated process
 * (a timer callback, a promise it awaits), so the scheduler must let that code's promise
 * continuations run to the end before the next event; false when it only changed kernel state.
 */
export class SimEvent {
  /** Set by {@link EventQueue.cancel}. */
  cancelled = false;
  /** Its slot in the queue's heap, -1 when not queued (written by the queue only). */
  index = -1;

  /**
   * `at` and `seq` are written only by the queue (a re-pushed event gets fresh ones). A subclass
   * may override {@link SimEvent.fire} instead of passing `action` (no closure per event).
   */
  constructor(
    public at: Micros,
    public seq: number,
    private readonly action: () => boolean,
  ) {}

  /** Runs the event (see the class comment for what the result means). */
  fire(): boolean {
    return this.action();
  }
}

/**
 * A binary min-heap of events ordered by (true time, sequence number): ties break by insertion.
 * Keys are unique, so the order events come out in does not depend on the heap's layout. Each
 * event knows its slot, so a cancelled event leaves the heap at once (a Redis client's command
 * timeouts are nearly all cancelled; left in place they would pile up and slow every operation).
 */
export class EventQueue {
  // The heap as parallel arrays: the (time, sequence) keys sit in typed arrays, so comparisons
  // read contiguous numbers instead of loading each event object.
  private ats = new Float64Array(64);
  private seqs = new Float64Array(64);
  private events: Array<SimEvent | undefined> = new Array<SimEvent | undefined>(64);
  private count = 0;
  private nextSeq = 0;

  /** Schedules `fire` at true time `at`. */
  push(at: Micros, fire: () => boolean): SimEvent {
    const event = new SimEvent(at, this.nextSeq++, fire);
    this.insert(event);
    return event;
  }

  /**
   * Schedules an event object (new, or fired and re-used) at `at`, with a fresh sequence number,
   * so it orders exactly as `push` at this moment would. It must not be in the queue.
   */
  repush(event: SimEvent, at: Micros): void {
    event.at = at;
    event.seq = this.nextSeq++;
    event.cancelled = false;
    this.insert(event);
  }

  /** The earliest event without removing it. */
  peek(): SimEvent | undefined {
    return this.count > 0 ? this.events[0] : undefined;
  }

  /** Removes and returns the earliest event. */
  pop(): SimEvent | undefined {
    if (this.count === 0) return undefined;
    const top = this.events[0] as SimEvent;
    this.removeAt(0);
    return top;
  }

  /** Removes and returns the earliest event if it is due at or before `until`. */
  popUntil(until: Micros): SimEvent | undefined {
    if (this.count === 0 || (this.ats[0] as number) > until) return undefined;
    const top = this.events[0] as SimEvent;
    this.removeAt(0);
    return top;
  }

  /** Cancels an event: it leaves the queue now (a no-op if it fired or was cancelled already). */
  cancel(event: SimEvent): void {
    if (event.cancelled) return;
    event.cancelled = true;
    if (event.index >= 0) this.removeAt(event.index);
  }

  /** Events waiting. */
  get size(): number {
    return this.count;
  }

  private insert(event: SimEvent): void {
    if (this.count === this.ats.length) this.grow();
    this.siftUp(event, event.at, event.seq, this.count++);
  }

  private grow(): void {
    const size = this.ats.length * 2;
    const ats = new Float64Array(size);
    const seqs = new Float64Array(size);
    ats.set(this.ats);
    seqs.set(this.seqs);
    this.ats = ats;
    this.seqs = seqs;
    this.events.length = size;
  }

  private removeAt(index: number): void {
    const events = this.events;
    (events[index] as SimEvent).index = -1;
    const n = --this.count;
    const last = events[n] as SimEvent;
    events[n] = undefined;
    if (index === n) return;
    const at = this.ats[n] as number;
    const seq = this.seqs[n] as number;
    if (index > 0) {
      const parent = (index - 1) >> 1;
      const pAt = this.ats[parent] as number;
      if (at < pAt || (at === pAt && seq < (this.seqs[parent] as number))) {
        this.siftUp(last, at, seq, index);
        return;
      }
    }
    this.siftDown(last, at, seq, index);
  }

  /** Puts `event` (key `at`, `seq`) in slot `i`. */
  private put(i: number, event: SimEvent, at: number, seq: number): void {
    this.ats[i] = at;
    this.seqs[i] = seq;
    this.events[i] = event;
    event.index = i;
  }

  /** Places `event` (key `at`, `seq`) at or above slot `i`, moving later parents down. */
  private siftUp(event: SimEvent, at: number, seq: number, i: number): void {
    const ats = this.ats;
    const seqs = this.seqs;
    const events = this.events;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pAt = ats[parent] as number;
      const pSeq = seqs[parent] as number;
      if (pAt < at || (pAt === at && pSeq < seq)) break;
      this.put(i, events[parent] as SimEvent, pAt, pSeq);
      i = parent;
    }
    this.put(i, event, at, seq);
  }

  /** Places `event` (key `at`, `seq`) at or below slot `i`, moving earlier children up. */
  private siftDown(event: SimEvent, at: number, seq: number, i: number): void {
    const ats = this.ats;
    const seqs = this.seqs;
    const events = this.events;
    const n = this.count;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let cAt = ats[child] as number;
      let cSeq = seqs[child] as number;
      const right = child + 1;
      if (right < n) {
        const rAt = ats[right] as number;
        const rSeq = seqs[right] as number;
        if (rAt < cAt || (rAt === cAt && rSeq < cSeq)) {
          child = right;
          cAt = rAt;
          cSeq = rSeq;
        }
      }
      if (at < cAt || (at === cAt && seq < cSeq)) break;
      this.put(i, events[child] as SimEvent, cAt, cSeq);
      i = child;
    }
    this.put(i, event, at, seq);
  }
}
