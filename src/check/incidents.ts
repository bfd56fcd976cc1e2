import type { MutexViolation } from './mutex.ts';
import type { Section } from './sections.ts';
import type { Micros } from '../sim/time.ts';

/**
 * One incident of broken mutual exclusion: the pairwise overlaps that share sections, taken
 * together. A holder paused past its lease overlaps every section the others ran meanwhile;
 * the checker reports each pair (that is the history), and a reader wants the one incident.
 */
export interface MutexIncident {
  /** The pairwise violations of this incident, in history order. */
  readonly pairs: readonly MutexViolation[];
  /** Every section involved, by client, in order of start. */
  readonly sections: ReadonlyMap<string, readonly Section[]>;
  /** From the first overlap's start to the last overlap's end, true time, µs. */
  readonly from: Micros;
  readonly to: Micros;
}

const keyOf = (s: Section): string => `${s.process}@${s.start}`;

/** Groups mutual-exclusion violations into incidents: pairs that share a section belong together. */
export function mutexIncidents(violations: readonly MutexViolation[]): MutexIncident[] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let root = k;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(k, root);
    return root;
  };
  for (const v of violations) {
    for (const s of [v.first, v.second]) if (!parent.has(keyOf(s))) parent.set(keyOf(s), keyOf(s));
    const a = find(keyOf(v.first));
    const b = find(keyOf(v.second));
    if (a !== b) parent.set(b, a);
  }
  const groups = new Map<string, MutexViolation[]>();
  for (const v of violations) {
    const root = find(keyOf(v.first));
    const list = groups.get(root) ?? [];
    list.push(v);
    groups.set(root, list);
  }
  return [...groups.values()].map((pairs) => {
    const byClient = new Map<string, Map<string, Section>>();
    for (const v of pairs) {
      for (const s of [v.first, v.second]) {
        const sections = byClient.get(s.process) ?? new Map<string, Section>();
        sections.set(keyOf(s), s);
        byClient.set(s.process, sections);
      }
    }
    const sections = new Map([...byClient].map(([client, map]) => [client, [...map.values()].sort((a, b) => a.start - b.start)] as const));
    return {
      pairs,
      sections,
      from: Math.min(...pairs.map((p) => p.overlapStart)),
      to: Math.max(...pairs.map((p) => p.overlapEnd)),
    };
  });
}
