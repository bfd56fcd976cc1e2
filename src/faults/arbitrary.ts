import fc from 'fast-check';
import type { Fault, FaultKind } from './fault.ts';

/** What random fault schedules to draw for a world (all fields optional). */
export interface FaultGenerator {
  /** Fault kinds to draw from (default: pause, crash, partition, drift, jump, delay, and failover in a world with replicas). */
  readonly kinds?: readonly FaultKind[];
  /** At most this many faults per schedule, before the final heal (default 3). */
  readonly maxFaults?: number;
  /** Faults start within this window of true time, ms (default: early enough that every fault has ended by 80 % of the run). */
  readonly windowMs?: { readonly from: number; readonly to: number };
  /** A fault lasts at least this long, ms, so faults do not flap faster than a TTL matters (default TTL / 2). */
  readonly minDwellMs?: number;
  /** And at most this long, ms (default 2 × TTL, but at most 70 % of the run). */
  readonly maxDwellMs?: number;
  /** Clock drift drawn within ± this many ppm (default 100 000 = 10 %). */
  readonly maxDriftPpm?: number;
  /**
   * Which process faults (pause, crash, drift, jump) may hit clients: all (true, the default),
   * none (false), or the kinds listed, e.g. ['jump'].
   */
  readonly clientFaults?: boolean | readonly FaultKind[];
  /** The same for Redis nodes. */
  readonly nodeFaults?: boolean | readonly FaultKind[];
}

export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = ['pause', 'crash', 'partition', 'drift', 'jump', 'delay'];

export interface GeneratorWorld {
  readonly clients: readonly string[];
  /** Every Redis node, replicas included. */
  readonly nodes: readonly string[];
  /** The nodes that are replicas (a failover promotes one). */
  readonly replicas?: readonly string[];
  readonly durationMs: number;
  readonly ttlMs: number;
}

/** Rounds to a whole 10 ms so that schedules print readably (to 1 ms inside short windows). */
const roundTo = (step: number) => (n: number): number => Math.round(n / step) * step;

/**
 * A fast-check arbitrary of fault schedules for a world: up to `maxFaults` faults, each with a
 * minimum dwell time, followed by a final heal (so the liveness phase can run). Shrinking
 * removes faults and moves numbers towards the smallest that still break the property.
 */
export function faultSchedule(world: GeneratorWorld, generator: FaultGenerator = {}): fc.Arbitrary<Fault[]> {
  const replicas = world.replicas ?? [];
  const kinds = generator.kinds ?? (replicas.length > 0 ? [...DEFAULT_FAULT_KINDS, 'failover'] : DEFAULT_FAULT_KINDS);
  // Every fault (start + dwell) ends by 80 % of the run, so that the final heal leaves the
  // liveness phase (TigerBeetle's second phase) room to run before the end.
  const maxDwell = Math.min(generator.maxDwellMs ?? world.ttlMs * 2, Math.round(world.durationMs * 0.7));
  const minDwell = Math.min(generator.minDwellMs ?? Math.max(100, world.ttlMs / 2), maxDwell);
  const window = generator.windowMs ?? { from: 0, to: Math.max(0, Math.round(Math.min(world.durationMs * 0.5, world.durationMs * 0.8 - maxDwell))) };
  const maxDrift = generator.maxDriftPpm ?? 100_000;
  const allows = (rule: boolean | readonly FaultKind[] | undefined, kind: FaultKind): boolean =>
    rule === undefined || rule === true || (Array.isArray(rule) && rule.includes(kind));
  const targetsFor = (kind: FaultKind): string[] => [
    ...(allows(generator.clientFaults, kind) ? world.clients : []),
    ...(allows(generator.nodeFaults, kind) ? world.nodes : []),
  ];
  const round10 = roundTo(window.to - window.from < 1000 ? 1 : 10);
  const at = fc.integer({ min: window.from, max: window.to }).map(round10);
  const dwell = fc.integer({ min: minDwell, max: maxDwell }).map(round10);
  const everyone = [...world.clients, ...world.nodes];
  const node = fc.constantFrom(...(world.nodes.length > 0 ? world.nodes : everyone));
  const target = (kind: FaultKind): fc.Arbitrary<string> => fc.constantFrom(...targetsFor(kind));

  // Built lazily: a kind with no possible target must not be built at all.
  const byKind: Partial<Record<FaultKind, () => fc.Arbitrary<Fault>>> = {
    pause: () => fc.record({ kind: fc.constant('pause' as const), at, process: target('pause'), durationMs: dwell }),
    crash: () => fc.record({ kind: fc.constant('crash' as const), at, process: target('crash'), restartAfterMs: dwell }),
    partition: () => fc
      .record({ at, durationMs: dwell, split: fc.subarray(everyone, { minLength: 1, maxLength: Math.max(1, everyone.length - 1) }), mode: fc.constantFrom('drop' as const, 'hold' as const) })
      .map(({ at: a, durationMs, split, mode }): Fault => ({ kind: 'partition', at: a, durationMs, mode, groups: [split, everyone.filter((p) => !split.includes(p))] })),
    drift: () => fc.record({ kind: fc.constant('drift' as const), at, process: target('drift'), ppm: fc.integer({ min: -maxDrift, max: maxDrift }).map((p) => Math.round(p / 1000) * 1000), durationMs: dwell }),
    jump: () => fc.record({ kind: fc.constant('jump' as const), at, process: target('jump'), deltaMs: fc.integer({ min: -2 * world.ttlMs, max: 2 * world.ttlMs }).map(round10) }),
    delay: () => fc
      .record({ at, durationMs: dwell, from: fc.constantFrom(...everyone), delayMs: fc.integer({ min: 10, max: world.ttlMs * 2 }).map(round10) })
      .map(({ at: a, durationMs, from, delayMs }): Fault => ({ kind: 'delay', at: a, durationMs, from: [from], to: everyone.filter((p) => p !== from), delay: { kind: 'fixed', ms: delayMs } })),
    loss: () => fc
      .record({ at, durationMs: dwell, from: fc.constantFrom(...everyone), probability: fc.integer({ min: 1, max: 10 }).map((n) => n / 10) })
      .map(({ at: a, durationMs, from, probability }): Fault => ({ kind: 'loss', at: a, durationMs, from: [from], to: everyone.filter((p) => p !== from), probability })),
    failover: () => fc.record({ kind: fc.constant('failover' as const), at, replica: fc.constantFrom(...replicas) }),
    cut: () => fc
      .record({ at, durationMs: dwell, from: fc.constantFrom(...everyone), to: node })
      .filter((r) => r.from !== r.to)
      .map(({ at: a, durationMs, from, to }): Fault => ({ kind: 'cut', at: a, durationMs, from: [from], to: [to] })),
  };
  const processKinds: readonly FaultKind[] = ['pause', 'crash', 'drift', 'jump'];
  const arbitraries = kinds
    .filter((k) => k !== 'heal' && (k !== 'failover' || replicas.length > 0))
    .filter((k) => !processKinds.includes(k) || targetsFor(k).length > 0)
    .map((k) => (byKind[k] as () => fc.Arbitrary<Fault>)());
  if (arbitraries.length === 0) throw new Error(`faultSchedule: no fault kind to draw from (kinds: ${kinds.join(', ')})`);
  const healAt = round10(window.to + maxDwell + 10);
  return fc
    .array(fc.oneof(...arbitraries), { minLength: 1, maxLength: generator.maxFaults ?? 3 })
    .map((faults) => [...[...faults].sort((a, b) => a.at - b.at), { kind: 'heal' as const, at: healAt }]);
}
