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
      });
    }
  }
  return violations;
}
