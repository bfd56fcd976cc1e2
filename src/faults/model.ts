import type { FaultGenerator } from './arbitrary.ts';
import { describeFault, type Fault } from './fault.ts';
import type { ModelWorld } from './kind.ts';
import { MODEL_MAX_NODE_DRIFT_PPM } from './kinds/drift.ts';
import { kindOf } from './table.ts';

export type { ModelWorld } from './kind.ts';
export { MODEL_MAX_NODE_DRIFT_PPM } from './kinds/drift.ts';

/**
 * The lock's model: what a Redis lock (Redlock, and a single-instance lock as its one-node
 * case) promises to survive. An asynchronous network (delays, partitions, loss), clients that
 * crash, nodes that pause, crash and come back with what they persisted (AOF always, or a
 * restart delayed past the TTL), node clocks that drift within the drift allowance, and client
 * wall clocks that step (the model measures elapsed time on a monotonic clock). Outside it: a
 * client paused past its lease (only fencing survives that), a node's wall clock stepping
 * (Redis expires keys by it), a node restarting empty before its keys would have expired,
 * asynchronous-replica failover, drift beyond the allowance, and delayed writes to a resource
 * that does not check tokens.
 *
 * Exploration's default stays inside the model, so a correct lock is never reported broken for
 * a fault it never claimed to survive; going outside is opt-in (`--faults all`, a scenario's
 * own `explore`), and every run says which of its faults were outside.
 */

/** The default fault generator: what the lock's model allows, for a resource that does not check tokens. */
export const IN_MODEL_FAULTS: FaultGenerator = {
  kinds: ['partition', 'delay', 'pause', 'crash', 'drift', 'jump'],
  maxDriftPpm: MODEL_MAX_NODE_DRIFT_PPM,
  clientFaults: ['jump', 'crash'],
  nodeFaults: ['pause', 'crash', 'drift'],
  resourceFaults: false,
};

/** Every fault kind on every process and link (what the catalog's pitfalls and `--faults all` draw). */
export const ALL_FAULTS: FaultGenerator = { resourceFaults: true };

/**
 * The in-model generator for a resource guard: a fenced resource makes delayed writes and
 * client pauses part of the model (that is what fencing is for).
 */
export function inModelFaults(resource: 'unguarded' | 'fenced' | 'cas' | undefined): FaultGenerator {
  if (resource === 'fenced') return { ...IN_MODEL_FAULTS, clientFaults: ['jump', 'crash', 'pause'], resourceFaults: true };
  return IN_MODEL_FAULTS;
}

/** Why `fault` is outside the lock's model, or null when the model covers it (each kind says, in src/faults/kinds/). */
export function outsideModel(fault: Fault, world: ModelWorld): string | null {
  return kindOf(fault).outsideModel(fault, world);
}

/** The faults of a schedule outside the lock's model, each as `description: why`. */
export function faultsOutsideModel(faults: readonly Fault[], world: ModelWorld): string[] {
  return faults.flatMap((f) => {
    const why = outsideModel(f, world);
    return why === null ? [] : [`${describeFault(f)} (${why})`];
  });
}

/** Lines that say whether a failing run's faults were inside the lock's model (none for a run without violations or faults). */
export function modelLines(result: { readonly violations: readonly unknown[]; readonly faults: readonly Fault[]; readonly outsideModel: readonly string[] }): string[] {
  if (result.violations.length === 0 || result.faults.length === 0) return [];
  if (result.outsideModel.length === 0) return ["  every fault of this run is inside the lock's model: the lock broke a promise it makes"];
  return ["  faults outside the lock's model (it never claimed to survive these):", ...result.outsideModel.map((f) => `    ${f}`)];
}
