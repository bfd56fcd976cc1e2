import type { History } from './history.ts';
import { criticalSections, type Section } from './sections.ts';
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
}

/**
 * When `section`'s lock stopped being held on a majority of the lock's nodes, in true time: the
 * majority-th latest end among the key lifetimes of that holder that cover the section's start.
 */
export function quorumLostAt(history: History, section: Section): Micros | null {
  const nodes = history.lockNodes;
  if (nodes === undefined || nodes.length === 0 || history.keys.length === 0) return null;
  const quorum = Math.floor(nodes.length / 2) + 1;
  const ends = nodes.map((node) => {
    const held = history.keys.find((k) => k.node === node && k.holder === section.process && k.from <= section.start + 1 && (k.to === null || k.to >= section.start));
    return held === undefined ? section.start : (held.to ?? Number.POSITIVE_INFINITY);
  });
  ends.sort((a, b) => b - a);
  return ends[quorum - 1] ?? section.start;
}

function pastQuorum(history: History, section: Section): number | null {
  const lost = quorumLostAt(history, section);
  if (lost === null) return null;
  if (lost === Number.POSITIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  return (section.end - lost) / 1000;
}

/** Checks mutual exclusion in true time: no two sections on one resource overlap. */
export function checkMutex(history: History): MutexViolation[] {
  const sections = criticalSections(history);
  const violations: MutexViolation[] = [];
  for (let i = 0; i < sections.length; i++) {
    const a = sections[i] as Section;
    for (let j = i + 1; j < sections.length; j++) {
      const b = sections[j] as Section;
      if (b.start >= a.end) break;
      if (a.resource !== b.resource || a.process === b.process) continue;
      const overlapStart = Math.max(a.start, b.start);
      const overlapEnd = Math.min(a.end, b.end);
      if (overlapEnd <= overlapStart) continue;
      violations.push({
        property: 'mutex',
        resource: a.resource,
        first: a,
        second: b,
        overlapStart,
        overlapEnd,
        faultsActive: history.faults
          .filter((f) => f.at <= overlapEnd && (f.endedAt === undefined || f.endedAt >= a.start))
          .map((f) => f.description),
        firstPastQuorumMs: pastQuorum(history, a),
        secondPastQuorumMs: pastQuorum(history, b),
      });
    }
  }
  return violations;
}
