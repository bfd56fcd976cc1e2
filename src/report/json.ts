import type { RunResult } from '../scenario/run.ts';
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
