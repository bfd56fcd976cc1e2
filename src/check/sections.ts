import type { History, HistoryEvent, LeaseView } from './history.ts';
import type { Micros } from '../sim/time.ts';

/** How a critical section ended. */
export type SectionEnd = 'release' | 'abandon' | 'crash' | 'run-end';

/**
 * A client's critical section as the application lives it: from the completion of its acquire
 * until it releases, crashes, or abandons the work because it learned the lock was lost. It
 * does NOT end when a validity deadline passes on some clock: a client paused past its lease is
 * still inside its section when it resumes.
 */
export interface Section {
  readonly process: string;
  readonly resource: string;
  /** The lease as acquired. */
  readonly lease: LeaseView;
  /** The latest validity its client knew (after renewals), on the lease's time source, ms. */
  readonly validUntil: number;
  /** True time the acquire completed, µs. */
  readonly start: Micros;
  /** True time it ended, µs. */
  readonly end: Micros;
  readonly endedBy: SectionEnd;
  /** The client's clock (on the lease's time source) when the section ended, ms. */
  readonly localEndMs: number;
  /** How far the section ran past the validity the client computed (its latest, after renewals), on its own clock, ms (negative: ended in time). */
  readonly pastValidityMs: number;
  readonly acquiredEvent: number;
}

/** A closed section and its place in the order sections closed (ties in the sort keep that order). */
export interface ClosedSection {
  readonly section: Section;
  readonly closedSeq: number;
}

interface OpenSection {
  readonly event: HistoryEvent;
  readonly lease: LeaseView;
  readonly resource: string;
  /** The latest validity the client knew (renewals move it), on the lease's time source. */
  validUntil: number;
}

function localTime(event: HistoryEvent, lease: LeaseView): number {
  return lease.timeSource === 'wall' ? event.wallMs : event.monoMs;
}

/**
 * Derives critical sections online, from events in true-time order: it keeps only the open
 * section of each client and hands every section to `onClose` as it ends.
 */
export class SectionTracker {
  private readonly open = new Map<string, OpenSection>();
  private closedCount = 0;

  constructor(private readonly onClose: (closed: ClosedSection) => void) {}

  event(event: HistoryEvent): void {
    if (event.kind === 'acquire' && event.phase === 'ok' && event.lease !== undefined) {
      this.close(event.process, event, 'release', event.at);
      this.open.set(event.process, { event, lease: event.lease, resource: event.resource ?? '', validUntil: event.lease.validUntil });
      return;
    }
    // Any later event that carries the same lease tells its validity then (after renewals).
    const open = this.open.get(event.process);
    if (open !== undefined && event.lease !== undefined && event.lease.value === open.lease.value) open.validUntil = event.lease.validUntil;
    if (event.kind === 'release' && event.phase === 'invoke') {
      this.close(event.process, event, 'release', event.at);
    } else if (event.kind === 'abandon' || event.kind === 'lost') {
      this.close(event.process, event, 'abandon', event.at);
    } else if (event.kind === 'crash') {
      this.close(event.process, event, 'crash', event.at);
    }
  }

  /** The earliest start among open sections (+∞ if none): a later section can overlap only what ends after it. */
  earliestOpenStart(): Micros {
    let earliest = Number.POSITIVE_INFINITY;
    for (const o of this.open.values()) earliest = Math.min(earliest, o.event.at);
    return earliest;
  }

  /** Ends the sections still open when the run ended (in the order they opened). */
  finish(endedAt: Micros): void {
    for (const process of [...this.open.keys()]) this.close(process, null, 'run-end', endedAt);
  }

  private close(process: string, event: HistoryEvent | null, endedBy: SectionEnd, at: Micros): void {
    const o = this.open.get(process);
    if (o === undefined) return;
    this.open.delete(process);
    // At the run's end a section is still open and there is no reading of the client's clock.
    const localEndMs = event !== null ? localTime(event, o.lease) : Number.NaN;
    const section: Section = {
      process,
      resource: o.resource,
      lease: o.lease,
      validUntil: o.validUntil,
      start: o.event.at,
      end: at,
      endedBy,
      localEndMs,
      pastValidityMs: localEndMs - o.validUntil,
      acquiredEvent: o.event.index,
    };
    this.onClose({ section, closedSeq: this.closedCount++ });
  }
}

/** The order sections are listed and paired in: by start, then end, then the order they closed. */
export function compareSections(a: ClosedSection, b: ClosedSection): number {
  return a.section.start - b.section.start || a.section.end - b.section.end || a.closedSeq - b.closedSeq;
}

/** Derives every critical section of a stored history, in order of start. */
export function criticalSections(history: History): Section[] {
  const closed: ClosedSection[] = [];
  const tracker = new SectionTracker((c) => closed.push(c));
  for (const event of history.events) tracker.event(event);
  tracker.finish(history.endedAt);
  return closed.sort(compareSections).map((c) => c.section);
}
