import type { EventQueue, SimEvent } from './event-queue.ts';
import type { SimProcess } from './process.ts';
import { RandomStream } from './random.ts';
import { ms, type Micros } from './time.ts';
import { codeOfKind, KIND_DELIVER, KIND_SEND, type Trace } from './trace.ts';

/**
 * How a link treats messages: `up` delivers them; `hold` keeps them (in order) until the link
 * is healed, like a stalled TCP connection; `drop` loses them, like a cut cable.
 */
export type LinkMode = 'up' | 'hold' | 'drop';

/** A one-way delay distribution, in milliseconds (plain data, so it prints and serialises). */
export type DelayModel =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number };

/** Starting ring size of a link (a power of two). */
const INITIAL_RING = 8;

export const DEFAULT_DELAY: DelayModel = { kind: 'uniform', minMs: 0.1, maxMs: 2 };

/** Counters per link: what the network did (so a fault can prove it fired). */
export interface LinkStats {
  sent: number;
  delivered: number;
  dropped: number;
  held: number;
}

/** Kernel services the network needs (implemented by the World). */
export interface NetworkKernel {
  readonly now: Micros;
  readonly seed: number;
  /** The world's event queue (a link re-pushes its one delivery event instead of allocating). */
  readonly queue: EventQueue;
  /** The world's trace: links fold into it directly, by kind code. */
  readonly trace: Trace;
  processNamed(name: string): SimProcess;
  /** Keeps a timeline entry for a link event (called only while the trace keeps entries). */
  keepLinkEntry(kind: 'send' | 'deliver' | 'drop' | 'hold' | 'link', from: SimProcess, to: SimProcess, id: number, detail: string): void;
}

/**
 * A one-way link between two processes, carrying messages in order. Messages in flight are kept
 * in a ring of parallel arrays (message, arrival time, id, receiver incarnation) that only grows,
 * so sending allocates nothing per message; arrival times never decrease (TCP order).
 */
export class Link {
  mode: LinkMode = 'up';
  lossProbability = 0;
  readonly stats: LinkStats = { sent: 0, delivered: 0, dropped: 0, held: 0 };
  private messages: unknown[] = new Array<unknown>(INITIAL_RING);
  private ats = new Float64Array(INITIAL_RING);
  private ids = new Float64Array(INITIAL_RING);
  private incarnations = new Float64Array(INITIAL_RING);
  /** Ring index of the oldest message, and how many there are. */
  private head = 0;
  private count = 0;
  private scheduled = false;
  private lastAt: Micros = 0;
  /** The one delivery event of this link, re-pushed each time: at most one is pending. */
  private event: SimEvent | null = null;
  private readonly trace: Trace;
  /** The link `to → from`, once it exists (a reply to what this link delivers goes there). */
  reverse: Link | undefined = undefined;

  constructor(
    readonly from: SimProcess,
    readonly to: SimProcess,
    public delay: DelayModel,
    private readonly random: RandomStream,
    private readonly kernel: NetworkKernel,
    /** Each process's link back to the sender of the message it got last, by process id (the network's). */
    private readonly replyLinks: Array<Link | undefined>,
  ) {
    this.trace = kernel.trace;
  }

  send(message: unknown, id: number): void {
    this.stats.sent++;
    if (this.to.state === 'crashed') {
      this.stats.dropped++;
      this.traceLink('drop', id, 'to a crashed process');
      return;
    }
    if (this.mode === 'drop') {
      this.stats.dropped++;
      this.traceLink('drop', id, 'link cut');
      return;
    }
    if (this.lossProbability > 0 && this.random.chance(this.lossProbability)) {
      this.stats.dropped++;
      this.traceLink('drop', id, 'lost');
      return;
    }
    const now = this.kernel.now;
    const sent = now + this.sampleDelay();
    const at = sent > this.lastAt ? sent : this.lastAt;
    this.lastAt = at;
    if (this.count === this.ids.length) this.grow();
    const slot = (this.head + this.count++) & (this.ids.length - 1);
    this.messages[slot] = message;
    this.ats[slot] = at;
    this.ids[slot] = id;
    this.incarnations[slot] = this.to.incarnation;
    const trace = this.trace;
    trace.foldCode(KIND_SEND, now, this.from.id, this.to.id, id);
    if (trace.keeping) this.kernel.keepLinkEntry('send', this.from, this.to, id, '');
    if (this.mode === 'hold') {
      this.stats.held++;
      this.traceLink('hold', id, '');
    } else if (!this.scheduled) this.scheduleHead();
  }

  /** Changes the link's mode; healing a held link releases what it held, in order. */
  setMode(mode: LinkMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.traceLink('link', 0, mode);
    if (mode === 'drop') {
      // A cut loses what was on the wire too; nothing stays queued on a dropped link.
      const mask = this.ids.length - 1;
      for (let i = 0; i < this.count; i++) {
        this.stats.dropped++;
        this.traceLink('drop', this.ids[(this.head + i) & mask] as number, 'link cut');
      }
      this.messages.fill(undefined);
      this.head = 0;
      this.count = 0;
    } else if (mode === 'up' && !this.scheduled && this.count > 0) {
      // Held messages resume after a fresh delay (a retransmission), still in order.
      const now = this.kernel.now;
      let at = now + this.sampleDelay();
      const ats = this.ats;
      const mask = ats.length - 1;
      for (let i = 0; i < this.count; i++) {
        const slot = (this.head + i) & mask;
        at = Math.max(at, ats[slot] as Micros);
        ats[slot] = at;
      }
      this.lastAt = Math.max(this.lastAt, at);
      this.scheduleHead();
    }
  }

  /** Messages on the wire or held. */
  get inFlight(): number {
    return this.count;
  }

  /** Folds a link event into the trace (and keeps its entry when entries are kept). */
  private traceLink(kind: 'send' | 'deliver' | 'drop' | 'hold' | 'link', id: number, detail: string): void {
    this.trace.foldCode(codeOfKind(kind), this.kernel.now, this.from.id, this.to.id, id);
    if (this.trace.keeping) this.kernel.keepLinkEntry(kind, this.from, this.to, id, detail);
  }

  /** Doubles the ring, oldest message first. */
  private grow(): void {
    const size = this.ids.length;
    const messages = new Array<unknown>(size * 2);
    const ats = new Float64Array(size * 2);
    const ids = new Float64Array(size * 2);
    const incarnations = new Float64Array(size * 2);
    for (let i = 0; i < this.count; i++) {
      const slot = (this.head + i) & (size - 1);
      messages[i] = this.messages[slot];
      ats[i] = this.ats[slot] as number;
      ids[i] = this.ids[slot] as number;
      incarnations[i] = this.incarnations[slot] as number;
    }
    this.messages = messages;
    this.ats = ats;
    this.ids = ids;
    this.incarnations = incarnations;
    this.head = 0;
  }

  private sampleDelay(): Micros {
    const d = this.delay;
    if (d.kind === 'fixed') return ms(d.ms);
    return ms(d.minMs + this.random.next() * (d.maxMs - d.minMs));
  }

  private scheduleHead(): void {
    const next = this.ats[this.head] as Micros;
    const now = this.kernel.now;
    this.scheduled = true;
    const at = next > now ? next : now;
    if (this.event === null) this.event = this.kernel.queue.push(at, () => this.deliverHead());
    else this.kernel.queue.repush(this.event, at);
  }

  private deliverHead(): boolean {
    this.scheduled = false;
    const head = this.head;
    if (this.count === 0) return false;
    if (this.mode === 'hold') {
      this.stats.held++;
      this.traceLink('hold', this.ids[head] as number, '');
      return false;
    }
    const message = this.messages[head];
    const id = this.ids[head] as number;
    const incarnation = this.incarnations[head] as number;
    this.messages[head] = undefined;
    this.head = (head + 1) & (this.ids.length - 1);
    if (--this.count > 0) this.scheduleHead();
    const to = this.to;
    if (incarnation !== to.incarnation || to.state === 'crashed') {
      this.stats.dropped++;
      this.traceLink('drop', id, 'receiver crashed');
      return false;
    }
    this.stats.delivered++;
    const trace = this.trace;
    trace.foldCode(KIND_DELIVER, this.kernel.now, this.from.id, to.id, id);
    if (trace.keeping) this.kernel.keepLinkEntry('deliver', this.from, to, id, '');
    this.replyLinks[to.id] = this.reverse;
    const handler = to.handler;
    if (handler === null) {
      if (to.state === 'paused') {
        // It may register a handler before it resumes; deliver then.
        const from = this.from.name;
        return to.run(incarnation, () => to.handler?.(from, message));
      }
      this.stats.dropped++;
      this.traceLink('drop', id, 'no handler');
      return false;
    }
    const ran = to.runHandler(incarnation, handler, this.from.name, message);
    return ran && !to.synchronousHandler;
  }
}

/**
 * The simulated network: a link per ordered pair of processes, created on first use with the
 * world's default delay. Each link draws delays from its own random stream, so traffic on one
 * link never shifts another link's delays.
 */
export class Network {
  /** Links by sender, then receiver (no string building per message). */
  private readonly links = new Map<string, Map<string, Link>>();
  /** The same maps by sender's process id: one Map lookup per message. */
  private readonly linksById: Array<Map<string, Link> | undefined> = [];
  /** Each sender's last link, by process id: a client mostly sends to one node, so no lookup. */
  private readonly lastLink: Array<Link | undefined> = [];
  /** Each process's link back to whoever sent it the message it got last: a server's replies go there. */
  private readonly replyLinks: Array<Link | undefined> = [];
  private readonly ordered: Link[] = [];
  private nextMessageId = 0;

  constructor(
    private readonly kernel: NetworkKernel,
    public defaultDelay: DelayModel = DEFAULT_DELAY,
  ) {}

  send(from: SimProcess, to: string, message: unknown): void {
    let link = this.lastLink[from.id];
    if (link === undefined || link.to.name !== to) {
      const reply = this.replyLinks[from.id];
      link = reply !== undefined && reply.to.name === to ? reply : (this.linksById[from.id]?.get(to) ?? this.link(from.name, to));
      this.lastLink[from.id] = link;
    }
    link.send(message, ++this.nextMessageId);
  }

  /** The one-way link `from → to` (created on first use). */
  link(from: string, to: string): Link {
    let outbound = this.links.get(from);
    if (outbound === undefined) {
      outbound = new Map();
      this.links.set(from, outbound);
    }
    let link = outbound.get(to);
    if (link === undefined) {
      link = new Link(
        this.kernel.processNamed(from),
        this.kernel.processNamed(to),
        this.defaultDelay,
        new RandomStream(this.kernel.seed, `network/${from}->${to}`),
        this.kernel,
        this.replyLinks,
      );
      const reverse = this.links.get(to)?.get(from);
      if (reverse !== undefined) {
        link.reverse = reverse;
        reverse.reverse = link;
      }
      outbound.set(to, link);
      this.linksById[link.from.id] = outbound;
      this.ordered.push(link);
    }
    return link;
  }

  /** Sets both directions between every member of `a` and every member of `b`. */
  setBetween(a: readonly string[], b: readonly string[], mode: LinkMode): void {
    for (const x of a) {
      for (const y of b) {
        if (x === y) continue;
        this.link(x, y).setMode(mode);
        this.link(y, x).setMode(mode);
      }
    }
  }

  /** Sets only the direction `from → to` for every pair. */
  setOneWay(from: readonly string[], to: readonly string[], mode: LinkMode): void {
    for (const x of from) for (const y of to) if (x !== y) this.link(x, y).setMode(mode);
  }

  /**
   * Splits the listed processes into groups that cannot reach each other (`drop`, or `hold`).
   * Processes in no group keep their links.
   */
  partition(groups: readonly (readonly string[])[], mode: LinkMode = 'drop'): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) this.setBetween(groups[i] ?? [], groups[j] ?? [], mode);
    }
  }

  /** Every link back up: held messages flow again, in order. */
  heal(): void {
    for (const link of this.ordered) link.setMode('up');
  }

  /** All links created so far. */
  allLinks(): Link[] {
    return [...this.ordered];
  }

  /** Totals over all links. */
  totals(): LinkStats {
    const total: LinkStats = { sent: 0, delivered: 0, dropped: 0, held: 0 };
    for (const link of this.ordered) {
      total.sent += link.stats.sent;
      total.delivered += link.stats.delivered;
      total.dropped += link.stats.dropped;
      total.held += link.stats.held;
    }
    return total;
  }
}
