import { incidentsOf } from '../check/incidents.ts';
import type { RunResult, Violation } from '../scenario/run.ts';
import type { Verdict } from '../scenario/types.ts';

/**
 * A run as plain JSON-safe data: the verdict and why, what the faults did, and the full
 * history (which `locksim check` can judge again). Numbers are finite (NaN and ±Infinity
 * become null: a section still open at the end has no local end time), undefined fields are
 * left out, and shared objects are copied, so `JSON.stringify` never loses or rejects anything.
 * The kernel trace is left out (it can be millions of entries); its hash and length are kept.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface RunJson {
  readonly format: 'locksim-run/1';
  readonly scenario: string;
  readonly variant: string;
  readonly lockName: string;
  readonly seed: number;
  readonly verdict: Verdict;
  readonly expected: Verdict;
  readonly matches: boolean;
  /** Why the run has no verdict (`verdict: 'invalid'`), else null. */
  readonly invalid: { reason: string; firstError: string | null; kind: string } | null;
  /** What the verdict rests on: acquisitions, sections, writes, Redis commands, in total and per client. */
  readonly evidence: { [key: string]: JsonValue };
  readonly properties: string[];
  readonly violations: JsonValue[];
  /** The violations as failures (see {@link incidentsJson}): one entry per incident, its violations by index. */
  readonly incidents: IncidentJson[];
  readonly traceHash: string;
  readonly traceEntries: number | null;
  readonly events: number;
  readonly faults: JsonValue[];
  readonly faultsFired: JsonValue[];
  /** The faults outside the lock's model, each with why (src/faults/model.ts). */
  readonly outsideModel: string[];
  readonly stats: { [key: string]: JsonValue };
  readonly processErrors: JsonValue[];
  readonly processes: { clients: string[]; nodes: string[] };
  readonly history: { [key: string]: JsonValue };
}

/** Plain JSON data from any value: finite numbers, no undefined, no cycles (a cycle throws). */
export function toJsonValue(value: unknown, path = '$', ancestors: object[] = []): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return null;
  }
  const object = value as object;
  if (ancestors.includes(object)) throw new Error(`runToJson: circular reference at ${path}`);
  const inner = [...ancestors, object];
  if (Array.isArray(object)) return object.map((item, i) => toJsonValue(item, `${path}[${i}]`, inner));
  const out: { [key: string]: JsonValue } = {};
  for (const [key, item] of Object.entries(object)) {
    if (item === undefined || typeof item === 'function') continue;
    out[key] = toJsonValue(item, `${path}.${key}`, inner);
  }
  return out;
}

const asObject = (v: JsonValue): { [key: string]: JsonValue } => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});
const asArray = (v: JsonValue): JsonValue[] => (Array.isArray(v) ? v : []);

export function runToJson(result: RunResult): RunJson {
  return {
    format: 'locksim-run/1',
    scenario: result.scenario,
    variant: result.variant,
    lockName: result.lockName,
    seed: result.seed,
    verdict: result.verdict,
    expected: result.expected,
    matches: result.verdict === result.expected,
    invalid: result.invalid === null ? null : { kind: result.invalid.kind, reason: result.invalid.reason, firstError: result.invalid.firstError },
    evidence: asObject(toJsonValue(result.evidence, '$.evidence')),
    properties: [...result.properties],
    violations: asArray(toJsonValue(result.violations, '$.violations')),
    incidents: incidentsJson(result.violations),
    traceHash: result.traceHash,
    traceEntries: result.trace === null ? null : result.trace.length,
    events: result.events,
    faults: asArray(toJsonValue(result.faults, '$.faults')),
    faultsFired: asArray(toJsonValue(result.faultsFired, '$.faultsFired')),
    outsideModel: [...result.outsideModel],
    stats: asObject(toJsonValue(result.stats, '$.stats')),
    processErrors: asArray(toJsonValue(result.processErrors, '$.processErrors')),
    processes: { clients: [...result.processes.clients], nodes: [...result.processes.nodes] },
    history: asObject(toJsonValue(result.history, '$.history')),
  };
}

/** One incident (one failure) in JSON: its span, clients, the count of each kind of violation, and its violations' places in `violations`. */
export interface IncidentJson {
  readonly number: number;
  /** True time, µs. */
  readonly from: number;
  readonly to: number;
  readonly clients: string[];
  /** Violations by kind (`mutex`: overlapping pairs, `lost-update`, the fencing kinds, `liveness`). */
  readonly counts: { [kind: string]: number };
  /** Indexes into the run's `violations`. */
  readonly violations: number[];
}

/**
 * The violations grouped into incidents (check/incidents.ts), as Jepsen reports anomalies by
 * kind with counts: a pause that overlapped 14 sections is one incident with `counts.mutex: 14`.
 */
export function incidentsJson(violations: readonly Violation[]): IncidentJson[] {
  const index = new Map(violations.map((v, i) => [v, i]));
  return incidentsOf(violations).map((incident) => ({
    number: incident.number,
    from: incident.from,
    to: incident.to,
    clients: [...incident.clients],
    counts: Object.fromEntries(incident.counts),
    violations: incident.violations.map((v) => index.get(v) ?? -1),
  }));
}
