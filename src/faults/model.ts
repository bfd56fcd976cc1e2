import type { FaultGenerator } from './arbitrary.ts';
import { describeFault, type Fault } from './fault.ts';

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

/** Node drift the model allows, ppm: below Redlock's default drift factor of 1 %. */
export const MODEL_MAX_NODE_DRIFT_PPM = 9_000;

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

/** What {@link outsideModel} needs to know of the world. */
export interface ModelWorld {
  readonly clients: readonly string[];
  /** Each node's persistence. */
  readonly persistence: ReadonlyMap<string, string>;
  readonly resource: string;
  readonly resourceMode: 'unguarded' | 'fenced' | 'cas';
  readonly ttlMs: number;
}

/** Why `fault` is outside the lock's model, or null when the model covers it. */
export function outsideModel(fault: Fault, world: ModelWorld): string | null {
  const isClient = (p: string): boolean => world.clients.includes(p);
  const fenced = world.resourceMode === 'fenced';
  const touchesResource = (names: readonly string[]): boolean => names.includes(world.resource);
  switch (fault.kind) {
    case 'pause':
      if (isClient(fault.process) && !fenced) return 'a client paused: no lease survives a holder that stops (only fencing does)';
      if (fault.process === world.resource && !fenced) return 'the resource paused: writes held past the lease';
      return null;
    case 'jump':
      return isClient(fault.process) ? null : `${fault.process}'s wall clock stepped: Redis expires keys by it`;
    case 'drift':
      if (isClient(fault.process)) return 'a client clock drifting: validity is computed on it';
      return Math.abs(fault.ppm) > MODEL_MAX_NODE_DRIFT_PPM ? `drift of ${fault.ppm / 10_000}% is beyond the 1% drift allowance` : null;
    case 'crash': {
      if (isClient(fault.process)) return null;
      const persistence = world.persistence.get(fault.process);
      if (persistence === undefined || persistence === 'aof-always') return null;
      if (persistence === 'aof-everysec' && fault.machine !== true) return null; // a process crash loses nothing acknowledged
      if (fault.restartAfterMs !== undefined && fault.restartAfterMs < world.ttlMs) return `${fault.process} restarted after ${fault.restartAfterMs}ms with persistence ${persistence}: before its keys would have expired`;
      return null;
    }
    case 'failover':
      return 'failover to an asynchronous replica: acknowledged writes can be lost';
    // A client waiting on the resource is inside its critical section: a lost, held or slow
    // message to the resource keeps it there past its lease, which only fencing survives.
    case 'partition':
      return !fenced && fault.groups.some((g) => touchesResource(g)) ? 'the resource cut off: a client waiting on it stays in its section past the lease (no fencing)' : null;
    case 'cut':
    case 'loss':
      return !fenced && (touchesResource(fault.from) || touchesResource(fault.to)) ? 'messages to or from the resource lost or held: a client waiting on it stays in its section past the lease (no fencing)' : null;
    case 'delay':
      return !fenced && (touchesResource(fault.from) || touchesResource(fault.to)) ? 'writes to the resource delayed past the lease (no fencing)' : null;
    case 'heal':
      return null;
  }
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
