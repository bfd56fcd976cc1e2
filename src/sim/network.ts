import type { SimEvent } from './event-queue.ts';
import type { SimProcess } from './process.ts';
import { RandomStream } from './random.ts';
import { ms, type Micros } from './time.ts';

/**
 * How a link treats messages: `up` delivers them; `hold` keeps them (in order) until the link
 * is healed, like a stalled TCP connection; `drop` loses them, like a cut cable.
 */
export type LinkMode = 'up' | 'hold' | 'drop';

/** A one-way delay distribution, in milliseconds (plain data, so it prints and serialises). */
export type DelayModel =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number };

export const DEFAULT_DELAY: DelayModel = { kind: 'uniform', minMs: 0.1, maxMs: 2 };

/** Counters per link: what the network did (so a fault can prove it fired). */
export interface LinkStats {
  sent: number;
  delivered: number;
  dropped: number;
  held: number;
}

interface InFlight {
  readonly message: unknown;
  /** True time it arrives, never before the previous message on the link (TCP order). */
  at: Micros;
  readonly id: number;
  readonly toIncarnation: number;
}

/** Kernel services the network needs (implemented by the World). */
export interface NetworkKernel {
  readonly now: Micros;
  readonly seed: number;
  schedule(at: Micros, fire: () => boolean): SimEvent;
  processNamed(name: string): SimProcess;
  traceLink(kind: 'send' | 'deliver' | 'drop' | 'hold' | 'link', from: SimProcess, to: SimProcess, id: number, detail: string): void;
}

/** A one-way link between two processes, carrying messages in order. */
export class Link {
  mode: LinkMode = 'up';
  lossProbability = 0;
  readonly stats: LinkStats = { sent: 0, delivered: 0, dropped: 0, held: 0 };
  private readonly queue: InFlight[] = [];
  private head = 0;
  private scheduled = false;
  private lastAt: Micros = 0;
  /** One closure per link, reused: at most one delivery event per link is pending. */
  private readonly onHead = (): boolean => this.deliverHead();

  constructor(
    readonly from: SimProcess,
    readonly to: SimProcess,
    public delay: DelayModel,
    private readonly random: RandomStream,
    private readonly kernel: NetworkKernel,
  ) {}

  send(message: unknown, id: number): void {
    this.stats.sent++;
    if (this.to.state === 'crashed') {
      this.stats.dropped++;
      this.kernel.traceLink('drop', this.from, this.to, id, 'to a crashed process');
      return;
    }
    if (this.mode === 'drop') {
      this.stats.dropped++;
      this.kernel.traceLink('drop', this.from, this.to, id, 'link cut');
      return;
    }
    if (this.lossProbability > 0 && this.random.chance(this.lossProbability)) {
      this.stats.dropped++;
      this.kernel.traceLink('drop', this.from, this.to, id, 'lost');
      return;
    }
    const at = Math.max(this.kernel.now + this.sampleDelay(), this.lastAt);
    this.lastAt = at;
    this.queue.push({ message, at, id, toIncarnation: this.to.incarnation });
    this.kernel.traceLink('send', this.from, this.to, id, '');
    if (this.mode === 'hold') {
      this.stats.held++;
      this.kernel.traceLink('hold', this.from, this.to, id, '');
    } else if (!this.scheduled) this.scheduleHead();
  }

  /** Changes the link's mode; healing a held link releases what it held, in order. */
  setMode(mode: LinkMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.kernel.traceLink('link', this.from, this.to, 0, mode);
    if (mode === 'drop') {
      // A cut loses what was on the wire too; nothing stays queued on a dropped link.
      for (let i = this.head; i < this.queue.length; i++) {
        this.stats.dropped++;
        this.kernel.traceLink('drop', this.from, this.to, (this.queue[i] as InFlight).id, 'link cut');
      }
      this.queue.length = 0;
      this.head = 0;
    } else if (mode === 'up' && !this.scheduled && this.head < this.queue.length) {
      // Held messages resume after a fresh delay (a retransmission), still in order.
      const now = this.kernel.now;
      let at = now + this.sampleDelay();
      for (let i = this.head; i < this.queue.length; i++) {
        const m = this.queue[i] as InFlight;
        at = Math.max(at, m.at);
        m.at = at;
      }
      this.lastAt = Math.max(this.lastAt, at);
      this.scheduleHead();
    }
  }

  /** Messages on the wire or held. */
  get inFlight(): number {
    return this.queue.length - this.head;
  }

  private sampleDelay(): Micros {
    const d = this.delay;
    if (d.kind === 'fixed') return ms(d.ms);
    return ms(d.minMs + this.random.next() * (d.maxMs - d.minMs));
  }

  private scheduleHead(): void {
    const next = this.queue[this.head] as InFlight;
    this.scheduled = true;
    this.kernel.schedule(Math.max(next.at, this.kernel.now), this.onHead);
  }

  private deliverHead(): boolean {
    this.scheduled = false;
    if (this.head >= this.queue.length) return false;
    if (this.mode === 'hold') {
      const held = this.queue[this.head] as InFlight;
      this.stats.held++;
      this.kernel.traceLink('hold', this.from, this.to, held.id, '');
      return false;
    }
    const m = this.queue[this.head] as InFlight;
    this.queue[this.head++] = undefined as unknown as InFlight;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.head < this.queue.length) this.scheduleHead();
    else {
      this.queue.length = 0;
      this.head = 0;
    }
    const to = this.to;
    if (m.toIncarnation !== to.incarnation || to.state === 'crashed') {
      this.stats.dropped++;
      this.kernel.traceLink('drop', this.from, to, m.id, 'receiver crashed');
      return false;
    }
    this.stats.delivered++;
    this.kernel.traceLink('deliver', this.from, to, m.id, '');
    const handler = to.handler;
    if (handler === null) {
      if (to.state === 'paused') {
        // It may register a handler before it resumes; deliver then.
        return to.run(m.toIncarnation, () => to.handler?.(this.from.name, m.message));
      }
      this.stats.dropped++;
      this.kernel.traceLink('drop', this.from, to, m.id, 'no handler');
      return false;
    }
    const from = this.from.name;
    const ran = to.run(m.toIncarnation, () => (to.handler ?? handler)(from, m.message));
    return ran && !to.synchronousHandler;
  }
}

/**
 * The simulated network: a link per ordered pair of processes, created on first use with the
 * world's default delay. Each link draws delays from its own random stream, so traffic on one
 * link never shifts another link's delays.
 */
export class Network {
  /** Links by sender, then receiver (two lookups, no string building per message). */
  private readonly links = new Map<string, Map<string, Link>>();
  private readonly ordered: Link[] = [];
  private nextMessageId = 0;

  constructor(
    private readonly kernel: NetworkKernel,
    public defaultDelay: DelayModel = DEFAULT_DELAY,
  ) {}

  send(from: SimProcess, to: string, message: unknown): void {
    const link = this.links.get(from.name)?.get(to) ?? this.link(from.name, to);
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
      );
      outbound.set(to, link);
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
