import { MECHANISMS } from '../check/mechanism.ts';
import { validateFault } from '../faults/fault.ts';
import { PERSISTENCE_MODES } from '../redis/node.ts';
import { RESOURCE_MODES } from '../workload/resource.ts';
import { clientSpecs, EXPECTABLE_VERDICTS, nodeSpecs, PROPERTIES, type Scenario } from './types.ts';

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
 * Checks a value that claims to be a scenario (a module's default export, say) and returns it
 * typed, or throws a {@link ScenarioError} naming every bad field and how to fix it.
 */
export function validateScenario(value: unknown, source: string): Scenario {
  const problems: string[] = [];
  if (!isObject(value)) throw new ScenarioError(source, ['the module must `export default` a scenario object ({ name, title, explanation, world, workload, faults, variants })']);
  const s = value;
  for (const field of ['name', 'title', 'explanation'] as const) {
    if (typeof s[field] !== 'string' || (s[field] as string).trim() === '') problems.push(`${field}: must be a non-empty string`);
  }
  if (typeof s.name === 'string' && !NAME.test(s.name)) problems.push(`name: '${s.name}' must be letters, digits, '.', '_' or '-' (it is used in file names and commands)`);

  const processes = new Set<string>(['resource']);
  const world = s.world;
  if (!isObject(world)) problems.push('world: must be an object like { nodes: 5, clients: 2, durationMs: 30000 }');
  else {
    if (!isNumber(world.durationMs) || world.durationMs <= 0) problems.push(`world.durationMs: must be a positive number of ms, got ${JSON.stringify(world.durationMs)}`);
    if (!(isNumber(world.nodes) && world.nodes >= 1 && Number.isInteger(world.nodes)) && !Array.isArray(world.nodes)) problems.push('world.nodes: must be a count (>= 1) or a list of { name, persistence?, driftPpm?, wallOffsetMs?, replicaOf? }');
    if (!(isNumber(world.clients) && world.clients >= 1 && Number.isInteger(world.clients)) && !Array.isArray(world.clients)) problems.push('world.clients: must be a count (>= 1) or a list of { name, driftPpm?, wallOffsetMs?, startMs? }');
    if (problems.length === 0) {
      const nodes = nodeSpecs(world as unknown as Scenario['world']);
      nodes.forEach((n, i) => {
        if (!isObject(n) || typeof n.name !== 'string' || !NAME.test(n.name)) problems.push(`world.nodes[${i}].name: must be a name like 'redis-1'`);
        else {
          if (processes.has(n.name)) problems.push(`world.nodes[${i}].name: '${n.name}' is used twice`);
          if (n.persistence !== undefined && !PERSISTENCE_MODES.includes(n.persistence)) problems.push(`world.nodes[${i}].persistence: must be one of ${PERSISTENCE_MODES.join(', ')}, got ${JSON.stringify(n.persistence)}`);
          if (n.replicaOf !== undefined && !processes.has(n.replicaOf)) problems.push(`world.nodes[${i}].replicaOf: '${n.replicaOf}' must name a node listed before it`);
          processes.add(n.name);
        }
      });
      clientSpecs(world as unknown as Scenario['world']).forEach((c, i) => {
        if (!isObject(c) || typeof c.name !== 'string' || !NAME.test(c.name)) problems.push(`world.clients[${i}].name: must be a name like 'client-1'`);
        else {
          if (processes.has(c.name)) problems.push(`world.clients[${i}].name: '${c.name}' is used twice`);
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
  }

  if (!Array.isArray(s.faults)) problems.push('faults: must be a list (empty for a fault-free run)');
  else s.faults.forEach((f, i) => problems.push(...validateFault(f, `faults[${i}]`, processes)));

  if (!Array.isArray(s.variants) || s.variants.length === 0) problems.push('variants: must list at least one { name, lock, expected }');
  else {
    const seen = new Set<string>();
    s.variants.forEach((v, i) => {
      const where = `variants[${i}]`;
      if (!isObject(v)) return problems.push(`${where}: must be an object { name, lock, expected }`);
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
      if (v.faults !== undefined) {
        if (!Array.isArray(v.faults)) problems.push(`${where}.faults: must be a list of faults`);
        else v.faults.forEach((f, k) => problems.push(...validateFault(f, `${where}.faults[${k}]`, processes)));
      }
      if (v.world !== undefined && !isObject(v.world)) problems.push(`${where}.world: must be an object of world fields to change, e.g. { nodes: [{ name: 'redis-1', persistence: 'aof-always' }] }`);
      if (Array.isArray(v.nodes)) for (const n of v.nodes) if (typeof n !== 'string' || !processes.has(n)) problems.push(`${where}.nodes: ${JSON.stringify(n)} is not a node of this world`);
      return undefined;
    });
  }
  if (problems.length > 0) throw new ScenarioError(source, problems);
  return value as unknown as Scenario;
}
