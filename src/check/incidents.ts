import { MECHANISMS, mechanismOf, type Mechanism } from './mechanism.ts';
import type { MutexViolation } from './mutex.ts';
import type { Violation } from './online.ts';
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

/**
 * One failure as a reader counts it (Jepsen reports anomalies by kind, with counts): a mutual-
 * exclusion incident with the lost updates and fencing violations that happened inside it, or a
 * violation that belongs to no such incident on its own.
 */
export interface Incident {
  /** 1, 2, … in order of start. */
  readonly number: number;
  /** True time, µs: from the first overlap (or the violation) to the last. */
  readonly from: Micros;
  readonly to: Micros;
  /** The overlapping sections, when mutual exclusion broke. */
  readonly mutex: MutexIncident | null;
  /** Every violation of the incident: the overlapping pairs first, then the others in history order. */
  readonly violations: readonly Violation[];
  /** How many violations of each mechanism, in {@link MECHANISMS} order. */
  readonly counts: ReadonlyArray<readonly [Mechanism, number]>;
  /** The clients involved, in order of first appearance. */
  readonly clients: readonly string[];
}

/** Where and when a violation other than a mutex pair happened. */
function placeOf(v: Exclude<Violation, MutexViolation>): { process: string | null; at: Micros } {
  switch (v.property) {
    case 'lost-update':
      return { process: v.write.process, at: v.write.at };
    case 'fencing':
      return { process: v.process, at: v.at };
    case 'liveness':
      return { process: null, at: v.at };
  }
}

/**
 * Groups a run's violations into incidents: the pairs of a mutual-exclusion incident (see
 * {@link mutexIncidents}) together with each lost update or fencing violation that a client
 * committed inside one of that incident's sections (or, failing that, within its span); every
 * other violation is an incident of its own.
 */
export function incidentsOf(violations: readonly Violation[]): Incident[] {
  const mutex = mutexIncidents(violations.filter((v): v is MutexViolation => v.property === 'mutex'));
  const groups = mutex.map((m) => ({ from: m.from, to: m.to, mutex: m as MutexIncident | null, violations: [...m.pairs] as Violation[] }));
  for (const v of violations) {
    if (v.property === 'mutex') continue;
    const { process, at } = placeOf(v);
    const inside =
      process === null
        ? undefined
        : (groups.find((g) => g.mutex !== null && (g.mutex.sections.get(process) ?? []).some((s) => s.start <= at && at <= s.end)) ??
          groups.find((g) => g.mutex !== null && g.from <= at && at <= g.to));
    if (inside !== undefined && v.property !== 'liveness') inside.violations.push(v);
    else groups.push({ from: at, to: at, mutex: null, violations: [v] });
  }
  return groups
    .sort((a, b) => a.from - b.from || a.to - b.to)
    .map((g, i) => {
      const counts = MECHANISMS.map((m) => [m, g.violations.filter((v) => mechanismOf(v) === m).length] as const).filter(([, n]) => n > 0);
      const clients: string[] = [];
      for (const v of g.violations) for (const c of clientsOf(v)) if (!clients.includes(c)) clients.push(c);
      return { number: i + 1, from: g.from, to: g.to, mutex: g.mutex, violations: g.violations, counts, clients };
    });
}

/** The processes a violation is about (its two holders, its writer, the stuck clients). */
export function clientsOf(v: Violation): string[] {
  switch (v.property) {
    case 'mutex':
      return [v.first.process, v.second.process];
    case 'lost-update':
      return [v.write.process];
    case 'fencing':
      return [v.process];
    case 'liveness':
      return v.stuck.map((e) => e.process);
  }
}

/** An incident's kinds with their counts: `12 overlapping pairs, 3 lost updates`. */
export function incidentCountsText(incident: Incident): string {
  return incident.counts.map(([m, n]) => `${n} ${MECHANISM_NOUNS[m][n === 1 ? 0 : 1]}`).join(', ');
}

const MECHANISM_NOUNS: Readonly<Record<Mechanism, readonly [string, string]>> = {
  mutex: ['overlapping pair', 'overlapping pairs'],
  'lost-update': ['lost update', 'lost updates'],
  'token-reused': ['token reused', 'tokens reused'],
  'token-out-of-order': ['token out of order', 'tokens out of order'],
  'stale-write-accepted': ['stale write accepted', 'stale writes accepted'],
  'holder-refused': ['holder refused', 'holders refused'],
  liveness: ['liveness failure', 'liveness failures'],
};
