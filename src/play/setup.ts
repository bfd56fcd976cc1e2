/**
 * Everything a playground run is, except its fault schedule, seed and length: the world, the
 * workload, the lock (as a {@link LockSpec}), the nodes it is given, the resource's guard and
 * the properties checked. A catalog variant is one such setup (its scenario's world and
 * workload with the variant's changes); a slider that moves the TTL or a node's drift makes
 * another. Two setups are compared in a canonical form, so that the playground knows when the
 * state on screen is still a catalog variant (replayable by a token alone) and when it needs a
 * scenario file.
 */
import { variantWorld, nodeSpecs, clientSpecs, type ClientSpec, type NodeSpec, type Property, type Scenario, type Variant, type WorldSpec } from '../scenario/types.ts';
import type { WorkloadOptions } from '../workload/client.ts';
import type { ResourceMode } from '../workload/resource.ts';
import type { DelayModel } from '../sim/network.ts';
import { normalizeLock, type LockSpec } from './lock-spec.ts';

export interface PlaySetup {
  /** The nodes, each spelled out (a count is expanded: redis-1 … redis-N). */
  readonly nodes: readonly NodeSpec[];
  readonly clients: readonly ClientSpec[];
  /** The default one-way delay of every link; undefined: locksim's default (uniform 0.1–2 ms). */
  readonly delay?: DelayModel;
  /** The run's length, ms (the world's `durationMs`). */
  readonly durationMs: number;
  readonly workload: WorkloadOptions;
  readonly lock: LockSpec;
  /** The nodes the lock is given; undefined: every primary. */
  readonly lockNodes?: readonly string[];
  readonly resource: ResourceMode;
  readonly properties?: readonly Property[];
  readonly commandTimeoutMs?: number;
}

/** The setup of a catalog variant, given the spec of its lock. */
export function setupOfVariant(scenario: Scenario, variant: Variant, lock: LockSpec): PlaySetup {
  const world: WorldSpec = variantWorld(scenario, variant);
  if (variant.redisOptions !== undefined) throw new Error(`${scenario.name}/${variant.name}: redisOptions are not in the playground`);
  return withoutUndefined({
    nodes: nodeSpecs(world).map((n) => ({ ...n })),
    clients: clientSpecs(world).map((c) => ({ ...c })),
    delay: world.delay,
    durationMs: world.durationMs,
    workload: { ...scenario.workload, ...variant.workload },
    lock: normalizeLock(lock),
    lockNodes: variant.nodes,
    resource: variant.resource ?? 'unguarded',
    properties: variant.properties,
    commandTimeoutMs: variant.commandTimeoutMs,
  });
}

/** A copy without keys whose value is undefined, at every depth (they mean "the default"). */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withoutUndefined(v)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = withoutUndefined(v);
  return out as T;
}

/** Node and client fields at their defaults, dropped: `{ name, driftPpm: 0 }` is `{ name }`. */
function canonicalProcess<T extends NodeSpec | ClientSpec>(p: T): T {
  const out: Record<string, unknown> = { ...p };
  if (out.driftPpm === 0) delete out.driftPpm;
  if (out.wallOffsetMs === 0) delete out.wallOffsetMs;
  if (out.persistence === 'none') delete out.persistence;
  return out as T;
}

/** The setup in canonical form, its run length left out (a token carries that apart). */
function canonical(setup: PlaySetup): unknown {
  const { durationMs: _length, ...rest } = withoutUndefined(setup);
  return { ...rest, nodes: rest.nodes.map(canonicalProcess), clients: rest.clients.map(canonicalProcess), lock: normalizeLock(rest.lock) };
}

/** A stable text of a plain value: object keys sorted. */
function stableText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableText((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
}

/** True when the two setups run the same world, workload and lock (run length aside). */
export function sameSetup(a: PlaySetup, b: PlaySetup): boolean {
  return stableText(canonical(a)) === stableText(canonical(b));
}
