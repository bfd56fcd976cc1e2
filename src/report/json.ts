import { incidentsOf } from '../check/incidents.ts';
import type { RealRunResult } from '../real/runner.ts';
import type { RunResult, Violation } from '../scenario/run.ts';
import type { Verdict } from '../scenario/types.ts';
import { LOCKSIM_VERSION, RESULT_SCHEMA } from '../version.ts';

/**
 * Results as plain JSON-safe data, in one shape for every command ({@link ResultJson}). Numbers
 * are finite (NaN and ±Infinity become null: a section still open at the end has no local end
 * time), undefined fields are left out, and shared objects are copied, so `JSON.stringify`
 * never loses or rejects anything. The kernel trace is left out (it can be millions of
 * entries); its hash and length are kept.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

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
  if (ancestors.includes(object)) throw new Error(`toJsonValue: circular reference at ${path}`);
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

export { RESULT_SCHEMA };

/** The commands whose results share {@link ResultJson}'s shape. */
export type ResultCommand = 'run' | 'replay' | 'explore' | 'sweep' | 'real';

/**
 * One result, as `run`, `replay`, `explore`, `sweep` and `real` print it with `--json` and as
 * `run` writes it beside its HTML report: the README's fields (`scenario`, `variant`, `seed`,
 * `verdict`, `violations`, `traceHash`, `faultsFired`) at the top level, then what the verdict
 * rests on and the run's details. A result stands for one run: the run itself (`run`, `replay`,
 * `real`), the shrunk failure (`explore`), or the first run with the sweep's verdict (`sweep`).
 * An exploration that found nothing stands for no run: its `seed`, `traceHash`, `token` and run
 * details are null. Each command adds its own fields after these (docs/json.md).
 */
export interface ResultJson {
  readonly schema: typeof RESULT_SCHEMA;
  /** locksim's version: a run is a pure function of (scenario, seed, version). */
  readonly version: string;
  readonly command: ResultCommand;
  readonly mode: 'simulated' | 'real';
  readonly scenario: string;
  readonly variant: string;
  readonly seed: number | null;
  readonly verdict: Verdict;
  readonly expected: Verdict;
  /** Whether the verdict is the expected one (a sweep: whether its counts agree with it). */
  readonly matches: boolean;
  /** Why the run has no verdict (`verdict: 'invalid'`), else null. */
  readonly invalid: { kind: string; reason: string; firstError: string | null } | null;
  readonly violations: JsonValue[];
  /** The violations as failures (see {@link incidentsJson}): one entry per incident, its violations by index. */
  readonly incidents: IncidentJson[];
  /** The run's trace hash (real mode: its simulated twin's, which `replay` reproduces bit for bit). */
  readonly traceHash: string | null;
  readonly faultsFired: JsonValue[];
  /** The fault schedule the run ran. */
  readonly faults: JsonValue[];
  /** The faults outside the lock's model, each with why (src/faults/model.ts). */
  readonly outsideModel: string[];
  /** What the verdict rests on: acquisitions, sections, writes, Redis commands, in total and per client. */
  readonly evidence: { [key: string]: JsonValue } | null;
  /** The replay token of the run (`locksim replay <token>`). */
  readonly token: string | null;
  readonly lockName: string | null;
  readonly properties: string[];
  readonly stats: { [key: string]: JsonValue } | null;
  /** Kernel events (real mode: history events). */
  readonly events: number | null;
  readonly traceEntries: number | null;
  readonly processErrors: JsonValue[];
  readonly processes: { clients: string[]; nodes: string[] } | null;
  /** The full history (which `locksim check` can judge again): in the report files, not on stdout. */
  readonly history?: { [key: string]: JsonValue };
}

/** How a run becomes a result: which command, its replay token, and whether to keep its history. */
export interface ResultOptions {
  readonly command: ResultCommand;
  readonly token: string | null;
  /** Include the full history (report files; `locksim check` reads it). */
  readonly history?: boolean;
}

/** The result of one run. */
export function runResultJson(result: RunResult & { readonly mode?: 'real' }, options: ResultOptions): ResultJson {
  return {
    schema: RESULT_SCHEMA,
    version: LOCKSIM_VERSION,
    command: options.command,
    mode: result.mode === 'real' ? 'real' : 'simulated',
    scenario: result.scenario,
    variant: result.variant,
    seed: result.seed,
    verdict: result.verdict,
    expected: result.expected,
    matches: result.verdict === result.expected,
    invalid: result.invalid === null ? null : { kind: result.invalid.kind, reason: result.invalid.reason, firstError: result.invalid.firstError },
    violations: asArray(toJsonValue(result.violations, '$.violations')),
    incidents: incidentsJson(result.violations),
    traceHash: result.traceHash,
    faultsFired: asArray(toJsonValue(result.faultsFired, '$.faultsFired')),
    faults: asArray(toJsonValue(result.faults, '$.faults')),
    outsideModel: [...result.outsideModel],
    evidence: asObject(toJsonValue(result.evidence, '$.evidence')),
    token: options.token,
    lockName: result.lockName,
    properties: [...result.properties],
    stats: asObject(toJsonValue(result.stats, '$.stats')),
    events: result.events,
    traceEntries: result.trace === null ? null : result.trace.length,
    processErrors: asArray(toJsonValue(result.processErrors, '$.processErrors')),
    processes: { clients: [...result.processes.clients], nodes: [...result.processes.nodes] },
    ...(options.history === true ? { history: asObject(toJsonValue(result.history, '$.history')) } : {}),
  };
}

/**
 * The result of one real run: a run's result (its `traceHash` and `token` are the simulated
 * twin's, which `replay` reproduces bit for bit), plus the real run's own id, the simulated
 * verdict beside the real one, when each fault took effect, and how the run was set up.
 */
export interface RealResultJson extends ResultJson {
  /** The real run itself, among all others: `real-<UTC time>-<pid>-<random>`. */
  readonly runId: string;
  readonly simulated: { verdict: Verdict; traceHash: string; violations: number } | null;
  readonly agrees: boolean | null;
  readonly faultTimings: JsonValue;
  readonly durationMs: number;
  readonly wallMs: number;
  readonly notes: string[];
  readonly external: string | null;
}

export function realResultJson(result: RealRunResult, token: string, options: { history?: boolean } = {}): RealResultJson {
  return {
    ...runResultJson(result, { command: 'real', token, history: options.history }),
    runId: result.runId,
    simulated: result.simulated === null ? null : { verdict: result.simulated.verdict, traceHash: result.simulated.traceHash, violations: result.simulated.violations.length },
    agrees: result.agrees,
    faultTimings: toJsonValue(result.faultTimings, '$.faultTimings'),
    durationMs: result.durationMs,
    wallMs: Math.round(result.wallMs),
    notes: [...result.notes],
    external: result.external,
  };
}

/** The result of a command that stands for no run (an exploration that found nothing): the run's fields are empty or null. */
export function noRunResultJson(command: ResultCommand, run: { scenario: string; variant: string; verdict: Verdict; expected: Verdict; matches: boolean }): ResultJson {
  return {
    schema: RESULT_SCHEMA,
    version: LOCKSIM_VERSION,
    command,
    mode: 'simulated',
    scenario: run.scenario,
    variant: run.variant,
    seed: null,
    verdict: run.verdict,
    expected: run.expected,
    matches: run.matches,
    invalid: null,
    violations: [],
    incidents: [],
    traceHash: null,
    faultsFired: [],
    faults: [],
    outsideModel: [],
    evidence: null,
    token: null,
    lockName: null,
    properties: [],
    stats: null,
    events: null,
    traceEntries: null,
    processErrors: [],
    processes: null,
  };
}

/**
 * What a command that made several runs prints (`run --all`, `run --seeds`, every variant of
 * `run` or `real`): each run's result in `results`, and whether every one was as expected.
 */
export interface ResultsJson {
  readonly schema: typeof RESULT_SCHEMA;
  readonly version: string;
  readonly command: ResultCommand;
  readonly ok: boolean;
  readonly results: readonly JsonValue[];
}

export function resultsJson(command: ResultCommand, results: readonly ResultJson[], extra: { [key: string]: JsonValue } = {}): ResultsJson & { [key: string]: JsonValue } {
  return { schema: RESULT_SCHEMA, version: LOCKSIM_VERSION, command, ...extra, ok: results.every((r) => r.matches), results: results.map((r) => toJsonValue(r)) };
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
