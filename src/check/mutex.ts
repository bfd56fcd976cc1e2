import type { FaultRecord, History, HistoryEvent, KeyLifetime } from './history.ts';
import { coversStart, pastQuorumMs, quorumEnd, quorumLoss, type HeldKey, type QuorumLossCause } from './quorum.ts';
import { compareSections, SectionTracker, type ClosedSection, type Section } from './sections.ts';
import type { Micros } from '../sim/time.ts';

/** Two clients inside their critical sections on the same resource at once, in true time. */
export interface MutexViolation {
  readonly property: 'mutex';
  readonly resource: string;
  readonly first: Section;
  readonly second: Section;
  /** The overlap in true time, µs. */
  readonly overlapStart: Micros;
  readonly overlapEnd: Micros;
  /** Descriptions of the faults active during the overlap (or just before it). */
  readonly faultsActive: string[];
  /**
   * How far each section ran past the moment its lock stopped being held on a quorum of the
   * lock's nodes, in true time, ms (negative: it ended before); null without key data.
   */
  readonly firstPastQuorumMs: number | null;
  readonly secondPastQuorumMs: number | null;
  /** How each section's lock stopped being held on a quorum (the key expired, was deleted, lost in a crash…); null without key data. */
  readonly firstQuorumLostBy?: QuorumLossCause | null;
  readonly secondQuorumLostBy?: QuorumLossCause | null;
}

/** The true-time span a finding refers to (a window of the history kept around it must cover it). */
export interface FindingSpan {
  readonly from: Micros;
  readonly to: Micros;
}

/** A section whose quorum explanation waits for the key lifetimes that may still cover its start. */
interface QuorumWait {
  readonly section: Section;
  readonly candidates: HeldKey[];
  lostAt: Micros | undefined;
  lostBy: QuorumLossCause | undefined;
}

interface Overlap {
  readonly first: ClosedSection;
  readonly second: ClosedSection;
  readonly overlapStart: Micros;
  readonly overlapEnd: Micros;
  readonly firstWait: QuorumWait;
  readonly secondWait: QuorumWait;
}

/**
 * Mutual exclusion, online: no two sections on one resource overlap in true time. It keeps the
 * open sections, the closed ones an open section may still overlap, the key lifetimes those may
 * need for their quorum explanation, and the overlaps found; nothing else of the history.
 */
export class MutexChecker {
  private readonly tracker = new SectionTracker((c) => this.closed(c));
  /** Closed sections that an open one may still overlap (they end after its start). */
  private recent: ClosedSection[] = [];
  private readonly overlaps: Overlap[] = [];
  private readonly waits = new WeakMap<Section, QuorumWait>();
  private unresolved: QuorumWait[] = [];
  /** Key lifetimes (on the lock's nodes, with a holder) that a current or later section may need. */
  private retained: HeldKey[] = [];
  private retainedAfterPrune = 0;
  private keysSeen = 0;
  /**
   * The clients some key lifetime was traced to. A client never named (a library whose lock
   * value the adapter cannot see, e.g. redlock 5's using()) has unknown keys: its sections get
   * no quorum explanation rather than a false "held on no quorum".
   */
  private readonly holdersSeen = new Set<string>();
  private lastEventAt: Micros = 0;
  /** Every key lifetime that starts before this has been delivered (the lifetimes' watermark). */
  private keysCompleteBelow: Micros = Number.NEGATIVE_INFINITY;
  private readonly nodes: readonly string[] | null;

  constructor(lockNodes: readonly string[] | undefined, private readonly onFound?: (span: FindingSpan) => void) {
    this.nodes = lockNodes === undefined || lockNodes.length === 0 ? null : lockNodes;
  }

  event(event: HistoryEvent): void {
    this.lastEventAt = event.at;
    this.tracker.event(event);
  }

  /** A key lifetime, as it ended (simulation) or from a stored history; `seq` orders ties (see {@link HeldKey}). */
  keyLifetime(lifetime: KeyLifetime, seq: number): void {
    this.keysSeen++;
    if (lifetime.holder !== undefined) this.holdersSeen.add(lifetime.holder);
    if (this.nodes === null || lifetime.holder === undefined || !this.nodes.includes(lifetime.node)) return;
    const held: HeldKey = { lifetime, seq };
    for (const w of this.unresolved) if (coversStart(lifetime, w.section)) w.candidates.push(held);
    if (this.retained.length >= 2 * this.retainedAfterPrune + 64) this.pruneKeys();
    this.retained.push(held);
  }

  /** Whether some violation's explanation still waits for key lifetimes (see {@link keysComplete}). */
  get waitingForKeys(): boolean {
    return this.unresolved.length > 0;
  }

  /** Says every key lifetime starting before `below` has been delivered: explanations waiting on them can settle. */
  keysComplete(below: Micros): void {
    this.keysCompleteBelow = Math.max(this.keysCompleteBelow, below);
    if (this.unresolved.length > 0) this.unresolved = this.unresolved.filter((w) => !this.settle(w));
  }

  /** The earliest true time a section that may still be in a violation began (+∞: none). */
  referencedFrom(): Micros {
    let earliest = this.tracker.earliestOpenStart();
    for (const c of this.recent) earliest = Math.min(earliest, c.section.start);
    return earliest;
  }

  finish(endedAt: Micros, faults: readonly FaultRecord[]): MutexViolation[] {
    this.tracker.finish(endedAt);
    this.keysComplete(Number.POSITIVE_INFINITY);
    const noKeys = this.nodes === null || this.keysSeen === 0;
    const unknown = (w: QuorumWait): boolean => noKeys || !this.holdersSeen.has(w.section.process);
    const past = (w: QuorumWait): number | null => pastQuorumMs(w.section, unknown(w) ? null : (w.lostAt ?? null));
    return [...this.overlaps]
      .sort((a, b) => compareSections(a.first, b.first) || compareSections(a.second, b.second))
      .map((o) => {
        const first = o.first.section;
        return {
          property: 'mutex',
          resource: first.resource,
          first,
          second: o.second.section,
          overlapStart: o.overlapStart,
          overlapEnd: o.overlapEnd,
          faultsActive: faults.filter((f) => f.at <= o.overlapEnd && (f.endedAt === undefined || f.endedAt >= first.start)).map((f) => f.description),
          firstPastQuorumMs: past(o.firstWait),
          secondPastQuorumMs: past(o.secondWait),
          firstQuorumLostBy: unknown(o.firstWait) ? null : (o.firstWait.lostBy ?? null),
          secondQuorumLostBy: unknown(o.secondWait) ? null : (o.secondWait.lostBy ?? null),
        };
      });
  }

  private closed(c: ClosedSection): void {
    const s = c.section;
    for (const r of this.recent) {
      if (r.section.resource !== s.resource || r.section.process === s.process) continue;
      const overlapStart = Math.max(r.section.start, s.start);
      const overlapEnd = Math.min(r.section.end, s.end);
      if (overlapEnd <= overlapStart) continue;
      const [first, second] = compareSections(r, c) < 0 ? [r, c] : [c, r];
      this.overlaps.push({ first, second, overlapStart, overlapEnd, firstWait: this.wait(first.section), secondWait: this.wait(second.section) });
      this.onFound?.({ from: first.section.start, to: Math.max(first.section.end, second.section.end) });
    }
    this.recent.push(c);
    // A later section starts no earlier than the open ones: what ended before them is done with.
    const horizon = this.tracker.earliestOpenStart();
    this.recent = this.recent.filter((r) => r.section.end > horizon);
  }

  private wait(section: Section): QuorumWait {
    let w = this.waits.get(section);
    if (w === undefined) {
      w = { section, candidates: this.retained.filter((h) => coversStart(h.lifetime, section)), lostAt: undefined, lostBy: undefined };
      this.waits.set(section, w);
      if (!this.settle(w)) this.unresolved.push(w);
    }
    return w;
  }

  /** Works out the section's quorum loss once no lifetime that could cover its start is still to come. */
  private settle(w: QuorumWait): boolean {
    if (this.nodes === null || !(this.keysCompleteBelow > w.section.start + 1)) return false;
    const loss = quorumLoss(this.nodes, w.candidates, w.section);
    w.lostAt = loss.at;
    w.lostBy = loss.cause;
    return true;
  }

  private pruneKeys(): void {
    const horizon = Math.min(this.referencedFrom(), this.lastEventAt);
    this.retained = this.retained.filter((h) => h.lifetime.to === null || h.lifetime.to >= horizon);
    this.retainedAfterPrune = this.retained.length;
  }
}

/**
 * When `section`'s lock stopped being held on a majority of the lock's nodes, in true time,
 * from a stored history's key lifetimes; null without key data.
 */
export function quorumLostAt(history: History, section: Section): Micros | null {
  const nodes = history.lockNodes;
  if (nodes === undefined || nodes.length === 0 || history.keys.length === 0) return null;
  return quorumEnd(nodes, history.keys.map((lifetime, seq) => ({ lifetime, seq })), section);
}

/** Checks mutual exclusion over a stored history (the same checker, fed after the fact). */
export function checkMutex(history: History): MutexViolation[] {
  const checker = new MutexChecker(history.lockNodes);
  history.keys.forEach((k, i) => checker.keyLifetime(k, i));
  checker.keysComplete(Number.POSITIVE_INFINITY);
  for (const e of history.events) checker.event(e);
  return checker.finish(history.endedAt, history.faults);
}
