/**
 * A variant resolved once into the plan of a run: its world, nodes and their roles, the nodes
 * the lock uses, clients, workload, faults, properties and liveness bound. The simulated runner,
 * real mode, exploration and the printed world all read this one plan, so the two worlds cannot
 * disagree on what a variant means (they once did: real mode gave the lock every node, replicas
 * included, where the simulation gave it the primaries).
 */
import type { Fault } from '../faults/fault.ts';
import type { WorkloadOptions } from '../workload/client.ts';
import type { ResourceMode } from '../workload/resource.ts';
import { serviceOf, type ServiceName } from '../services/registry.ts';
import { clientSpecs, defaultProperties, nodeSpecs, variantFaults, variantWorld, type ClientSpec, type NodeSpec, type Property, type Scenario, type Variant, type WorldSpec } from './types.ts';

export interface RunPlan {
  readonly scenario: Scenario;
  readonly variant: Variant;
  /** The variant's world, with the run's length. */
  readonly world: WorldSpec;
  readonly durationMs: number;
  /** Every node, replicas included, in the world's order. */
  readonly nodes: readonly NodeSpec[];
  readonly primaries: readonly string[];
  readonly replicas: readonly string[];
  /** The nodes the lock is given: the variant's `nodes`, else every primary. */
  readonly lockNodes: readonly string[];
  /**
   * The lock nodes by service, each service once, in the order its first lock node comes (each
   * service's nodes in `lockNodes` order): Redis nodes become the lock context's `nodes`, database
   * nodes its `databases`.
   */
  readonly lockServices: ReadonlyArray<{ readonly service: ServiceName; readonly nodes: readonly string[] }>;
  readonly clients: readonly ClientSpec[];
  readonly workload: WorkloadOptions;
  readonly faults: readonly Fault[];
  readonly resourceMode: ResourceMode;
  readonly properties: readonly Property[];
  /** After the last fault heals, some waiting client must acquire within this many ms. */
  readonly livenessBoundMs: number;
}

/** What a run may change of its variant: a schedule or a length from a token, checkLock or the command line. */
export interface PlanOverrides {
  readonly durationMs?: number;
  readonly faults?: readonly Fault[];
}

/** The liveness bound when the scenario sets none: three TTLs and two seconds. */
export const defaultLivenessBoundMs = (ttlMs: number): number => 3 * ttlMs + 2000;

export function planRun(scenario: Scenario, variant: Variant, overrides: PlanOverrides = {}): RunPlan {
  const base = variantWorld(scenario, variant);
  const world = overrides.durationMs === undefined ? base : { ...base, durationMs: overrides.durationMs };
  const nodes = nodeSpecs(world);
  const primaries = nodes.filter((n) => n.replicaOf === undefined).map((n) => n.name);
  const workload: WorkloadOptions = { ...scenario.workload, ...variant.workload };
  const resourceMode = variant.resource ?? 'unguarded';
  const lockNodes = variant.nodes ?? primaries;
  return {
    scenario,
    variant,
    world,
    durationMs: world.durationMs,
    nodes,
    primaries,
    replicas: nodes.filter((n) => n.replicaOf !== undefined).map((n) => n.name),
    lockNodes,
    lockServices: byService(lockNodes, nodes),
    clients: clientSpecs(world),
    workload,
    faults: overrides.faults ?? variantFaults(scenario, variant),
    resourceMode,
    properties: variant.properties ?? defaultProperties(resourceMode),
    livenessBoundMs: scenario.livenessBoundMs ?? defaultLivenessBoundMs(workload.ttlMs),
  };
}

/** `lockNodes` grouped by service (see {@link RunPlan.lockServices}). */
function byService(lockNodes: readonly string[], nodes: readonly NodeSpec[]): RunPlan['lockServices'] {
  const groups = new Map<ServiceName, string[]>();
  for (const name of lockNodes) {
    const spec = nodes.find((n) => n.name === name);
    const service = spec === undefined ? 'redis' : serviceOf(spec);
    const group = groups.get(service) ?? [];
    group.push(name);
    groups.set(service, group);
  }
  return [...groups].map(([service, names]) => ({ service, nodes: names }));
}
