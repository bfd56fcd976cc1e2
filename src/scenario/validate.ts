import { MECHANISMS } from '../check/mechanism.ts';
import type { FaultGenerator } from '../faults/arbitrary.ts';
import { validateFault, type Fault, type FaultKind } from '../faults/fault.ts';
import { blobVariantProblems } from '../services/blob/variant-options.ts';
import { isServiceName, SERVICE_NAMES, SERVICES } from '../services/registry.ts';
import type { MsRange, WorkloadOptions } from '../workload/client.ts';
import { RESOURCE_MODES } from '../workload/resource.ts';
import { clientSpecs, EXPECTABLE_VERDICTS, nodeSpecs, PROPERTIES, type ClientSpec, type NodeSpec, type Scenario, type Variant, type WorldSpec } from './types.ts';

/** A scenario that failed validation; the message lists every problem with the field it is in. */
export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
    heading = 'invalid scenario',
  ) {
    super(`${source}: ${heading}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const NAME = /^[a-z0-9][a-z0-9._-]*$/i;
/** Variant names may also carry options: `redlock(checkValidity=false)`, `drift-0.5%`, `redlock+fencing`. */
const VARIANT_NAME = /^[a-z0-9][a-z0-9._+\-()=,%]*$/i;

/**
 * The longest run locksim accepts: 30 days of simulated time (a run's `durationMs`, `run
 * --duration`, a token's run length, and every time in a fault schedule). Far past any soak run
 * (an hour of simulated time takes minutes), and short of a run that would never end.
 */
export const MAX_RUN_MS = 30 * 24 * 3_600_000;

/*
 * The keys each object of a scenario may have. `satisfies` keeps each list equal to its type's
 * keys: a field added to a type and not here (or the reverse) does not compile.
 */
const keys = <T>(table: Record<keyof T, true>): readonly string[] => Object.keys(table);
const SCENARIO_KEYS = keys<Scenario>({ name: true, title: true, explanation: true, world: true, workload: true, faults: true, variants: true, explore: true, livenessBoundMs: true, tags: true });
const WORLD_KEYS = keys<WorldSpec>({ nodes: true, clients: true, delay: true, durationMs: true });
const NODE_KEYS = keys<NodeSpec>({ name: true, service: true, persistence: true, driftPpm: true, wallOffsetMs: true, replicaOf: true, postgres: true, sqlserver: true, blob: true });
const CLIENT_KEYS = keys<ClientSpec>({ name: true, driftPpm: true, wallOffsetMs: true, startMs: true });
const WORKLOAD_KEYS = keys<WorkloadOptions>({ resource: true, ttlMs: true, workMs: true, thinkMs: true, startMs: true, checkValidityBeforeWrite: true, stopAtValidity: true, watchLeaseSignal: true, iterations: true, resourceTimeoutMs: true });
const RANGE_KEYS = keys<MsRange>({ min: true, max: true });
const VARIANT_KEYS = keys<Variant>({ name: true, lock: true, nodes: true, resource: true, expected: true, properties: true, workload: true, world: true, faults: true, commandTimeoutMs: true, redisOptions: true, blobOptions: true, breaks: true, note: true });
const REDIS_OPTION_KEYS = keys<NonNullable<Variant['redisOptions']>>({ commandTimeout: true, maxRetriesPerRequest: true, retryStrategy: true, enableOfflineQueue: true, autoResendUnfulfilledCommands: true, connectTimeout: true });
const GENERATOR_KEYS = keys<FaultGenerator>({ kinds: true, swarm: true, maxFaults: true, minFaults: true, windowMs: true, minDwellMs: true, maxDwellMs: true, maxDriftPpm: true, clientFaults: true, nodeFaults: true, resourceFaults: true, delayedRestart: true });
type FaultOf<K extends FaultKind> = Extract<Fault, { kind: K }>;
const FAULT_KEYS: { readonly [K in FaultKind]: readonly string[] } = {
  partition: keys<FaultOf<'partition'>>({ kind: true, at: true, groups: true, mode: true, durationMs: true }),
  cut: keys<FaultOf<'cut'>>({ kind: true, at: true, from: true, to: true, mode: true, durationMs: true }),
  delay: keys<FaultOf<'delay'>>({ kind: true, at: true, from: true, to: true, delay: true, durationMs: true }),
  loss: keys<FaultOf<'loss'>>({ kind: true, at: true, from: true, to: true, probability: true, durationMs: true }),
  drift: keys<FaultOf<'drift'>>({ kind: true, at: true, process: true, ppm: true, durationMs: true }),
  jump: keys<FaultOf<'jump'>>({ kind: true, at: true, process: true, deltaMs: true }),
  pause: keys<FaultOf<'pause'>>({ kind: true, at: true, process: true, durationMs: true }),
  crash: keys<FaultOf<'crash'>>({ kind: true, at: true, process: true, restartAfterMs: true, machine: true }),
  failover: keys<FaultOf<'failover'>>({ kind: true, at: true, replica: true }),
  heal: keys<FaultOf<'heal'>>({ kind: true, at: true }),
};

/** Edit distance (insertions, deletions, substitutions, adjacent swaps), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[x.length] as number[])[y.length] as number;
}

/** The known name closest to `name`, if one is close enough to be a slip of the keyboard. */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  // Closest first; between equally close names, the one sharing the longer start (notes: note, not nodes).
  const prefix = (k: string): number => {
    let n = 0;
    while (n < k.length && n < name.length && k[n]?.toLowerCase() === name[n]?.toLowerCase()) n++;
    return n;
  };
  let best: { name: string; d: number; p: number } | undefined;
  for (const k of known) {
    const d = distance(name, k);
    const p = prefix(k);
    if (best === undefined || d < best.d || (d === best.d && p > best.p)) best = { name: k, d, p };
  }
  return best !== undefined && best.d <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

/** One problem per key of `value` not in `known`: a misspelt optional key would be ignored silently. */
function unknownKeys(value: Record<string, unknown>, known: readonly string[], where: string): string[] {
  return Object.keys(value)
    .filter((k) => !known.includes(k))
    .map((k) => {
      const guess = didYouMean(k, known);
      return `${where === '' ? '' : `${where}.`}${k}: unknown key${guess === undefined ? '' : `; did you mean '${guess}'?`} (known: ${known.join(', ')})`;
    });
}

/** Times in a fault schedule: finite, and within {@link MAX_RUN_MS}. */
function faultTimeProblems(f: Record<string, unknown>, where: string): string[] {
  const problems: string[] = [];
  for (const field of ['at', 'durationMs', 'restartAfterMs']) {
    const v = f[field];
    if (typeof v === 'number' && Number.isFinite(v) && v > MAX_RUN_MS) problems.push(`${where}.${field}: ${v} ms is past the longest run locksim accepts (${MAX_RUN_MS} ms, 30 days); a fault that lasts past the run's end holds until the end, so the run's length will do`);
  }
  return problems;
}

/**
 * Checks one fault for a world with these processes: its shape and values
 * (src/faults/fault.ts), its keys (a misspelt `durationMS` is not ignored) and its times.
 */
export function faultProblems(f: unknown, where: string, processes: ReadonlySet<string>): string[] {
  const problems = validateFault(f, where, processes);
  if (typeof f !== 'object' || f === null || Array.isArray(f)) return problems;
  const fault = f as Record<string, unknown>;
  const known = FAULT_KEYS[fault.kind as FaultKind] as readonly string[] | undefined;
  if (known === undefined) return problems;
  return [...problems, ...unknownKeys(fault, known, where), ...faultTimeProblems(fault, where)];
}

/** Every process name of a world: its nodes, its clients and the protected resource. */
export function worldProcesses(world: WorldSpec): Set<string> {
  return new Set(['resource', ...nodeSpecs(world).map((n) => n.name), ...clientSpecs(world).map((c) => c.name)]);
}

/**
 * Checks a fault schedule given to a run from outside its scenario (a replay token, checkLock's
 * replay, `RunOptions.faults`) as a scenario's own is checked; throws a {@link ScenarioError}
 * naming each bad fault. `source` says where the schedule came from.
 */
export function checkFaultSchedule(faults: unknown, world: WorldSpec, source: string, heading = 'invalid fault schedule'): readonly Fault[] {
  if (!Array.isArray(faults)) throw new ScenarioError(source, [`faults: must be a list of faults, got ${JSON.stringify(faults)}`], heading);
  const processes = worldProcesses(world);
  const problems = faults.flatMap((f, i) => faultProblems(f, `faults[${i}]`, processes));
  if (problems.length > 0) throw new ScenarioError(source, problems, heading);
  return faults as readonly Fault[];
}

/** A run length (ms): positive, finite and within {@link MAX_RUN_MS}; the problem, or null. */
export function runLengthProblem(ms: unknown): string | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return `must be a positive number of ms, got ${JSON.stringify(ms)}`;
  if (ms > MAX_RUN_MS) return `${ms} ms is longer than the longest run locksim accepts (${MAX_RUN_MS} ms, 30 days of simulated time)`;
  return null;
}

/**
 * Checks a value that claims to be a scenario (a module's default export, say) and returns it
 * typed, or throws a {@link ScenarioError} naming every bad field and how to fix it.
 */
export function validateScenario(value: unknown, source: string): Scenario {
  const problems: string[] = [];
  if (!isObject(value)) throw new ScenarioError(source, ['the module must `export default` a scenario object ({ name, title, explanation, world, workload, faults, variants })']);
  const s = value;
  problems.push(...unknownKeys(s, SCENARIO_KEYS, ''));
  for (const field of ['name', 'title', 'explanation'] as const) {
    if (typeof s[field] !== 'string' || (s[field] as string).trim() === '') problems.push(`${field}: must be a non-empty string`);
  }
  if (typeof s.name === 'string' && !NAME.test(s.name)) problems.push(`name: '${s.name}' must be letters, digits, '.', '_' or '-' (it is used in file names and commands)`);

  const processes = new Set<string>(['resource']);
  const world = s.world;
  if (!isObject(world)) problems.push('world: must be an object like { nodes: 5, clients: 2, durationMs: 30000 }');
  else {
    problems.push(...unknownKeys(world, WORLD_KEYS, 'world'));
    const length = runLengthProblem(world.durationMs);
    if (length !== null) problems.push(`world.durationMs: ${length}`);
    const isCount = (v: unknown): boolean => isNumber(v) && v >= 1 && Number.isInteger(v);
    const isList = (v: unknown): boolean => Array.isArray(v) && v.length > 0;
    if (!isCount(world.nodes) && !isList(world.nodes)) problems.push(`world.nodes: must be a count of Redis nodes (>= 1) or a non-empty list of { name, service?, persistence?, driftPpm?, wallOffsetMs?, replicaOf?, postgres?, sqlserver?, blob? }, got ${JSON.stringify(world.nodes)}`);
    if (!isCount(world.clients) && !isList(world.clients)) problems.push(`world.clients: must be a count (>= 1) or a non-empty list of { name, driftPpm?, wallOffsetMs?, startMs? }, got ${JSON.stringify(world.clients)}`);
    if (problems.length === 0) {
      const nodes = nodeSpecs(world as unknown as Scenario['world']);
      nodes.forEach((n, i) => {
        if (!isObject(n) || typeof n.name !== 'string' || !NAME.test(n.name)) problems.push(`world.nodes[${i}].name: must be a name like 'redis-1'`);
        else {
          if (processes.has(n.name)) problems.push(`world.nodes[${i}].name: '${n.name}' is used twice`);
          if (n.service !== undefined && !isServiceName(n.service)) problems.push(`world.nodes[${i}].service: must be one of ${SERVICE_NAMES.join(', ')}, got ${JSON.stringify(n.service)}`);
          else problems.push(...SERVICES[n.service ?? 'redis'].validateNode(n, `world.nodes[${i}]`));
          if (n.replicaOf !== undefined && !processes.has(n.replicaOf)) problems.push(`world.nodes[${i}].replicaOf: '${n.replicaOf}' must name a node listed before it`);
          problems.push(...unknownKeys(n as unknown as Record<string, unknown>, NODE_KEYS, `world.nodes[${i}]`));
          processes.add(n.name);
        }
      });
      clientSpecs(world as unknown as Scenario['world']).forEach((c, i) => {
        if (!isObject(c) || typeof c.name !== 'string' || !NAME.test(c.name)) problems.push(`world.clients[${i}].name: must be a name like 'client-1'`);
        else {
          if (processes.has(c.name)) problems.push(`world.clients[${i}].name: '${c.name}' is used twice`);
          problems.push(...unknownKeys(c as unknown as Record<string, unknown>, CLIENT_KEYS, `world.clients[${i}]`));
          processes.add(c.name);
        }
      });
    }
  }

  const workload = s.workload;
  if (!isObject(workload)) problems.push("workload: must be an object like { resource: 'lock:x', ttlMs: 10000, workMs: { min: 50, max: 100 }, thinkMs: { min: 10, max: 50 } }");
  else {
    if (typeof workload.resource !== 'string' || workload.resource === '') problems.push('workload.resource: must be the lock key, e.g. \'lock:counter\'');
    if (!isNumber(workload.ttlMs) || workload.ttlMs <= 0) problems.push(`workload.ttlMs: must be a positive number of ms, got ${JSON.stringify(workload.ttlMs)}`);
    for (const field of ['workMs', 'thinkMs'] as const) {
      const r = workload[field];
      if (!isObject(r) || !isNumber(r.min) || !isNumber(r.max) || r.min < 0 || r.max < r.min) problems.push(`workload.${field}: must be { min, max } with 0 <= min <= max`);
    }
    problems.push(...workloadKeyProblems(workload, 'workload'));
  }
  if (isObject(s.explore)) problems.push(...unknownKeys(s.explore, GENERATOR_KEYS, 'explore'));

  /** Faults at or after the run's end never fire: a mistake in a scenario's own schedule. */
  const runEnd = (v: Record<string, unknown> | undefined): number | undefined => {
    const vw = v !== undefined && isObject(v.world) ? v.world : undefined;
    const d = vw?.durationMs ?? (isObject(world) ? world.durationMs : undefined);
    return isNumber(d) ? d : undefined;
  };
  const schedule = (faults: readonly unknown[], where: string, end: number | undefined, inWorld: ReadonlySet<string> = processes): string[] =>
    faults.flatMap((f, i) => {
      const found = faultProblems(f, `${where}[${i}]`, inWorld);
      if (found.length === 0 && end !== undefined && (f as Fault).at >= end) found.push(`${where}[${i}].at: ${(f as Fault).at} ms is at or after the run's end (${end} ms): it would never fire; move it earlier or lengthen world.durationMs`);
      return found;
    });
  if (!Array.isArray(s.faults)) problems.push('faults: must be a list (empty for a fault-free run)');
  else {
    // Each variant without its own schedule runs the scenario's, in its own (maybe shorter) run.
    const users = Array.isArray(s.variants) ? s.variants.filter((v): v is Record<string, unknown> => isObject(v) && v.faults === undefined) : [];
    const ends = users.map(runEnd).filter((e): e is number => e !== undefined);
    problems.push(...schedule(s.faults, 'faults', ends.length === 0 ? runEnd(undefined) : Math.min(...ends)));
  }

  if (!Array.isArray(s.variants) || s.variants.length === 0) problems.push('variants: must list at least one { name, lock, expected }');
  else {
    const seen = new Set<string>();
    s.variants.forEach((v, i) => {
      const where = `variants[${i}]`;
      if (!isObject(v)) return problems.push(`${where}: must be an object { name, lock, expected }`);
      problems.push(...unknownKeys(v, VARIANT_KEYS, where));
      if (isObject(v.workload)) problems.push(...workloadKeyProblems(v.workload, `${where}.workload`));
      else if (v.workload !== undefined) problems.push(`${where}.workload: must be an object of workload fields to change, e.g. { ttlMs: 5000 }`);
      if (isObject(v.redisOptions)) problems.push(...unknownKeys(v.redisOptions, REDIS_OPTION_KEYS, `${where}.redisOptions`));
      if (v.blobOptions !== undefined) problems.push(...blobVariantProblems(v.blobOptions, `${where}.blobOptions`));
      if (typeof v.name !== 'string' || !VARIANT_NAME.test(v.name)) problems.push(`${where}.name: must be a short name like 'redlock' or 'redlock+fencing' (letters, digits and . _ - + ( ) = , %)`);
      else if (seen.has(v.name)) problems.push(`${where}.name: '${v.name}' is used twice`);
      else seen.add(v.name);
      if (typeof v.lock !== 'function') problems.push(`${where}.lock: must be a lock factory, e.g. redlock() or singleInstance({ release: 'del' })`);
      if (v.expected === 'invalid') problems.push(`${where}.expected: 'invalid' is not a verdict to expect (a run without evidence always fails); expect one of ${EXPECTABLE_VERDICTS.join(', ')}`);
      else if (typeof v.expected !== 'string' || !(EXPECTABLE_VERDICTS as readonly string[]).includes(v.expected)) problems.push(`${where}.expected: must be one of ${EXPECTABLE_VERDICTS.join(', ')}, got ${JSON.stringify(v.expected)}`);
      if (v.resource !== undefined && !(RESOURCE_MODES as readonly string[]).includes(v.resource as string)) problems.push(`${where}.resource: must be one of ${RESOURCE_MODES.join(', ')}, got ${JSON.stringify(v.resource)}`);
      if (v.properties !== undefined && (!Array.isArray(v.properties) || v.properties.some((p) => !(PROPERTIES as readonly string[]).includes(p as string)))) problems.push(`${where}.properties: must be a list of ${PROPERTIES.join(', ')}`);
      if (v.breaks !== undefined) {
        if (!Array.isArray(v.breaks) || v.breaks.length === 0 || v.breaks.some((m) => !(MECHANISMS as readonly string[]).includes(m as string))) problems.push(`${where}.breaks: must be a non-empty list of ${MECHANISMS.join(', ')}`);
        else if (v.expected === 'safe') problems.push(`${where}.breaks: a variant expected safe breaks nothing; drop 'breaks' or expect 'unsafe'/'stuck'`);
      }
      // A variant with its own nodes (a SQL Server variant beside PostgreSQL ones) names them in its nodes and faults.
      const ownWorld = isObject(v.world) && Array.isArray(v.world.nodes) && isObject(world) ? worldProcesses({ ...world, ...v.world } as unknown as WorldSpec) : processes;
      if (v.faults !== undefined) {
        if (!Array.isArray(v.faults)) problems.push(`${where}.faults: must be a list of faults`);
        else problems.push(...schedule(v.faults, `${where}.faults`, runEnd(v), ownWorld));
      }
      if (v.world !== undefined && !isObject(v.world)) problems.push(`${where}.world: must be an object of world fields to change, e.g. { nodes: [{ name: 'redis-1', persistence: 'aof-always' }] }`);
      else if (isObject(v.world)) {
        problems.push(...unknownKeys(v.world, WORLD_KEYS, `${where}.world`));
        if (v.world.durationMs !== undefined) {
          const length = runLengthProblem(v.world.durationMs);
          if (length !== null) problems.push(`${where}.world.durationMs: ${length}`);
        }
      }
      if (Array.isArray(v.nodes)) for (const n of v.nodes) if (typeof n !== 'string' || !ownWorld.has(n)) problems.push(`${where}.nodes: ${JSON.stringify(n)} is not a node of this world`);
      return undefined;
    });
  }
  if (problems.length > 0) throw new ScenarioError(source, problems);
  return value as unknown as Scenario;
}

/** Unknown keys of a workload (or a variant's changes to it) and of its ranges of ms. */
function workloadKeyProblems(workload: Record<string, unknown>, where: string): string[] {
  const problems = unknownKeys(workload, WORKLOAD_KEYS, where);
  for (const field of ['workMs', 'thinkMs', 'startMs']) {
    const r = workload[field];
    if (isObject(r)) problems.push(...unknownKeys(r, RANGE_KEYS, `${where}.${field}`));
  }
  if (isObject(workload.stopAtValidity)) problems.push(...unknownKeys(workload.stopAtValidity, ['marginMs'], `${where}.stopAtValidity`));
  return problems;
}
