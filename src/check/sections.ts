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
  readonly lease: LeaseView;
  /** True time the acquire completed, µs. */
  readonly start: Micros;
  /** True time it ended, µs. */
  readonly end: Micros;
  readonly endedBy: SectionEnd;
  /** The client's clock (on the lease's time source) when the section ended, ms. */
  readonly localEndMs: number;
  /** How far the section ran past the validity the client computed, on its own clock, ms (negative: ended in time). */
  readonly pastValidityMs: number;
  readonly acquiredEvent: number;
}

function localTime(event: HistoryEvent, lease: LeaseView): number {
  return lease.timeSource === 'wall' ? event.wallMs : event.monoMs;
}

/** Derives every critical section from the history. */
export function criticalSections(history: History): Section[] {
  const open = new Map<string, { event: HistoryEvent; lease: LeaseView; resource: string }>();
  const sections: Section[] = [];
  const close = (process: string, event: HistoryEvent | null, endedBy: SectionEnd, at: Micros): void => {
    const o = open.get(process);
    if (o === undefined) return;
    open.delete(process);
    // At the run's end a section is still open: measure its local time by extrapolating
    // nothing: use the last event we have for that client (conservative).
    const localEndMs = event !== null ? localTime(event, o.lease) : Number.NaN;
    sections.push({
      process,
      resource: o.resource,
      lease: o.lease,
      start: o.event.at,
      end: at,
      endedBy,
      localEndMs,
      pastValidityMs: localEndMs - o.lease.validUntil,
      acquiredEvent: o.event.index,
    });
  };
  for (const event of history.events) {
    if (event.kind === 'acquire' && event.phase === 'ok' && event.lease !== undefined) {
      close(event.process, event, 'release', event.at);
      open.set(event.process, { event, lease: event.lease, resource: event.resource ?? '' });
    } else if (event.kind === 'release' && event.phase === 'invoke') {
      close(event.process, event, 'release', event.at);
    } else if (event.kind === 'abandon' || event.kind === 'lost') {
      close(event.process, event, 'abandon', event.at);
    } else if (event.kind === 'crash') {
      close(event.process, event, 'crash', event.at);
    }
  }
  for (const process of [...open.keys()]) close(process, null, 'run-end', history.endedAt);
  return sections.sort((a, b) => a.start - b.start || a.end - b.end);
}
