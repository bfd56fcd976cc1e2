import fc from 'fast-check';
import type { Fault, FaultKind } from './fault.ts';
import type { DrawContext, FaultDraw, SingleContext } from './kind.ts';
import { singleFaults, turnsOf } from './singles.ts';
import { FAULT_TABLE } from './table.ts';
import { anchorFault, anchorPick, type Anchor, type DrawnFault } from './anchors.ts';

/** What random fault schedules to draw for a world (all fields optional). */
export interface FaultGenerator {
  /** Fault kinds to draw from (default: pause, crash, partition, drift, jump, delay, and failover in a world with replicas). */
  readonly kinds?: readonly FaultKind[];
  /**
   * Swarm testing (default true): each schedule uses a random non-empty subset of `kinds`, so a
   * bug that one kind alone shows is not drowned by the others (Groce et al., "Swarm Testing").
   */
  readonly swarm?: boolean;
  /** At most this many faults per schedule, before the final heal (default 3). */
  readonly maxFaults?: number;
  /** At least this many (default 0: shrinking can reach the empty schedule, a bug that needs no fault). */
  readonly minFaults?: number;
  /** Faults start within this window of true time, ms (default: early enough that every fault has ended by 80 % of the run). */
  readonly windowMs?: { readonly from: number; readonly to: number };
  /** A fault lasts at least this long, ms (default 10). */
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
  /**
   * Whether network faults (delay, partition, cut, loss) may hit the links to the protected
   * resource: delayed or held writes, what fencing exists for. Default: when the resource checks
   * fencing tokens (a client waiting on an unfenced resource past its lease breaks any lock, so
   * there it is opt-in; ALL_FAULTS opts in).
   */
  readonly resourceFaults?: boolean;
  /**
   * Nodes that lose keys when they crash (no AOF always): their crashes restart no sooner than
   * one TTL later, as Redlock prescribes. An immediate restart of such a node is outside the
   * lock's model; leave it out to draw that too.
   */
  readonly delayedRestart?: readonly string[];
}

export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = ['pause', 'crash', 'partition', 'drift', 'jump', 'delay'];

export interface GeneratorWorld {
  readonly clients: readonly string[];
  /** Every Redis node, replicas included. */
  readonly nodes: readonly string[];
  /** The nodes that are replicas (a failover promotes one). */
  readonly replicas?: readonly string[];
  /** The nodes the lock talks to (default: every node): single faults reach those no turn touches, a fencing counter's, say. */
  readonly lockNodes?: readonly string[];
  /** The protected resource's process, if network faults may reach it. */
  readonly resource?: string;
  /** Whether that resource checks fencing tokens (then faults reach it by default). */
  readonly resourceFenced?: boolean;
  readonly durationMs: number;
  readonly ttlMs: number;
  /**
   * Durations that matter to the lock, ms (its TTL, validity, retry delay, renewal interval,
   * the workload's work time): fault lengths and delays are drawn around them as often as
   * uniformly, and fault times around their multiples (default: the TTL and its half and third).
   */
  readonly moments?: readonly number[];
}

/** Rounds to a whole 10 ms so that schedules print readably (to 1 ms below a second). */
const roundTo = (step: number) => (n: number): number => Math.round(n / step) * step;
const readable = (n: number): number => (n < 1000 ? Math.round(n) : Math.round(n / 10) * 10);

/** An integer near `m` (within ±`spread` of it, at least `min`). */
function near(m: number, spread: number, min: number, max: number): fc.Arbitrary<number> {
  const lo = Math.max(min, Math.round(m - spread));
  const hi = Math.min(max, Math.round(m + spread));
  return fc.integer({ min: Math.min(lo, hi), max: Math.max(lo, hi) });
}

/**
 * A length drawn half the time uniformly in [min, max], half the time near one of the moments
 * that matter (just below or just above it: the boundary is where locks break).
 */
function aroundMoments(moments: readonly number[], min: number, max: number): fc.Arbitrary<number> {
  const inside = moments.filter((m) => m >= min && m <= max);
  const uniform = fc.integer({ min, max });
  if (inside.length === 0) return uniform.map(readable);
  const nearOne = fc.oneof(...inside.map((m) => near(m, Math.max(5, m * 0.1), min, max)));
  return fc.oneof(uniform, nearOne).map(readable);
}

/**
 * A fast-check arbitrary of fault schedules for a world: up to `maxFaults` faults of a random
 * subset of the allowed kinds (swarm testing), at times and for lengths drawn uniformly and
 * around the moments that matter to the lock, followed by a final heal when there is any fault
 * (so the liveness phase can run). Shrinking removes faults, down to none, and moves numbers
 * towards the smallest that still break the property.
 */
export function faultSchedule(world: GeneratorWorld, generator: FaultGenerator = {}): fc.Arbitrary<Fault[]> {
  const draw = scheduleDraw(world, generator, { anchored: false });
  return draw.drawn.map((drawn) => draw.resolve(drawn, []));
}

/** Schedules as drawn (each fault with the anchor it may follow), and how to place them on a run's anchors. */
export interface ScheduleDraw {
  readonly drawn: fc.Arbitrary<readonly DrawnFault[]>;
  /** The schedule: anchored faults moved to their anchors (src/faults/anchors.ts), sorted, and the final heal. */
  resolve(drawn: readonly DrawnFault[], anchors: readonly Anchor[]): Fault[];
  /** One-fault schedules at the turns among `anchors` (src/faults/singles.ts), to try before drawing. */
  singles(anchors: readonly Anchor[]): Fault[][];
}

/**
 * {@link faultSchedule}, with each fault (when `anchored`) drawing half the time an anchor: a
 * moment of the lock's own operations in a fault-free run of the same seed, which exploration
 * finds first and hands to `resolve` (src/explore/explore.ts).
 */
export function scheduleDraw(world: GeneratorWorld, generator: FaultGenerator, options: { readonly anchored: boolean }): ScheduleDraw {
  const replicas = world.replicas ?? [];
  const kinds = generator.kinds ?? (replicas.length > 0 ? [...DEFAULT_FAULT_KINDS, 'failover'] : DEFAULT_FAULT_KINDS);
  // Every fault (start + dwell) ends by 80 % of the run, so that the final heal leaves the
  // liveness phase (TigerBeetle's second phase) room to run before the end.
  const maxDwell = Math.min(generator.maxDwellMs ?? world.ttlMs * 2, Math.round(world.durationMs * 0.7));
  const minDwell = Math.min(generator.minDwellMs ?? 10, maxDwell);
  const window = generator.windowMs ?? { from: 0, to: Math.max(0, Math.round(Math.min(world.durationMs * 0.5, world.durationMs * 0.8 - maxDwell))) };
  const moments = world.moments ?? [world.ttlMs / 3, world.ttlMs / 2, world.ttlMs];
  const allows = (rule: boolean | readonly FaultKind[] | undefined, kind: FaultKind): boolean =>
    rule === undefined || rule === true || (Array.isArray(rule) && rule.includes(kind));
  const targetsFor = (kind: FaultKind): string[] => [
    ...(allows(generator.clientFaults, kind) ? world.clients : []),
    ...(allows(generator.nodeFaults, kind) ? world.nodes : []),
  ];
  const round10 = roundTo(window.to - window.from < 1000 ? 1 : 10);
  // Fault times: uniform in the window, or just after a multiple of a moment (a lease granted
  // near the start of the run expires, is renewed or is retried around those times).
  const anchors = [...new Set(moments.flatMap((m) => [1, 2, 3].map((k) => Math.round(m * k))))].filter((t) => t >= window.from && t <= window.to);
  const uniformAt = fc.integer({ min: window.from, max: window.to });
  const at = (anchors.length === 0 ? uniformAt : fc.oneof(uniformAt, fc.oneof(...anchors.map((t) => near(t, Math.max(5, t * 0.05), window.from, window.to))))).map(round10);
  const everyone = [...world.clients, ...world.nodes];
  const resourceFaults = generator.resourceFaults ?? world.resourceFenced === true;
  const resource = !resourceFaults || world.resource === undefined ? [] : [world.resource];
  const reachable = [...everyone, ...resource];
  const draw: DrawContext = {
    at,
    dwell: aroundMoments(moments, minDwell, maxDwell),
    ttlMs: world.ttlMs,
    maxDriftPpm: generator.maxDriftPpm ?? 100_000,
    reachable,
    resource,
    nodes: world.nodes,
    node: fc.constantFrom(...(world.nodes.length > 0 ? world.nodes : everyone)),
    replicas,
    delayedRestart: generator.delayedRestart ?? [],
    target: (kind) => fc.constantFrom(...targetsFor(kind)),
    linkEnds: fc
      .record({ from: fc.constantFrom(...reachable), one: fc.constantFrom(...reachable), single: fc.boolean() })
      .filter((r) => !r.single || r.from !== r.one)
      .map(({ from, one, single }) => ({ from: [from], to: single ? [one] : reachable.filter((p) => p !== from) })),
    around: (min, max) => aroundMoments(moments, min, max),
    readable,
  };
  // A kind is drawn only where the world has something to draw it on; its arbitrary is built
  // only then (a kind with no possible target must not be built at all).
  const drawable = kinds.filter((k) => {
    const generate = FAULT_TABLE[k].generate;
    return generate !== null && (generate.possible?.(draw) ?? true) && (!generate.onProcess || targetsFor(k).length > 0);
  });
  if (drawable.length === 0) throw new Error(`faultSchedule: no fault kind to draw from (kinds: ${kinds.join(', ')})`);
  const arbitraries = new Map(drawable.map((k) => [k, (FAULT_TABLE[k].generate as FaultDraw<FaultKind>).arbitrary(draw) as fc.Arbitrary<Fault>]));
  const healAt = round10(window.to + maxDwell + 10);
  const length = { minLength: generator.minFaults ?? 0, maxLength: generator.maxFaults ?? 3 };
  const anchor = options.anchored ? fc.option(anchorPick(moments), { freq: 4, nil: null }) : fc.constant(null);
  const element = (choices: fc.Arbitrary<Fault>[]): fc.Arbitrary<DrawnFault> =>
    options.anchored ? fc.record({ fault: fc.oneof(...choices), anchor }) : fc.oneof(...choices).map((fault) => ({ fault, anchor: null }));
  const drawn =
    generator.swarm === false || drawable.length === 1
      ? fc.array(element([...arbitraries.values()]), length)
      : fc.subarray(drawable, { minLength: 1 }).chain((subset) => fc.array(element(subset.map((k) => arbitraries.get(k) as fc.Arbitrary<Fault>)), length));
  // Processes are swapped by an anchor only within their class: clients, the nodes that lose
  // keys in a crash, the others, the resource.
  const volatile = new Set(draw.delayedRestart);
  const classOf = (name: string): string =>
    world.clients.includes(name) ? 'client' : world.nodes.includes(name) ? (volatile.has(name) ? 'volatile node' : replicas.includes(name) ? 'replica' : 'node') : name;
  const reachableSet = new Set(reachable);
  const inWindow = (anchors: readonly Anchor[]): Anchor[] => anchors.filter((a) => a.atMs >= window.from && a.atMs <= window.to);
  const { ttlMs, maxDriftPpm, delayedRestart } = draw;
  const singleContext: SingleContext = {
    ttlMs,
    maxDriftPpm,
    reachable,
    delayedRestart,
    replicas,
    pastTtlMs: Math.min(maxDwell, readable(ttlMs * 1.05 + 10)),
    minDwellMs: minDwell,
    maxDwellMs: maxDwell,
    allows: (kind, process) => (FAULT_TABLE[kind].generate?.onProcess === true ? targetsFor(kind).includes(process) : reachableSet.has(process)),
  };
  return {
    drawn,
    singles: (anchors) => singleFaults(turnsOf(inWindow(anchors), world.lockNodes ?? world.nodes), drawable, singleContext, healAt),
    resolve(faults, anchors) {
      if (faults.length === 0) return [];
      const usable = inWindow(anchors);
      const placed = faults.map((f) => anchorFault(f, usable, window, classOf, reachableSet));
      return [...placed.sort((a, b) => a.at - b.at), { kind: 'heal' as const, at: healAt }];
    },
  };
}
