import type fc from 'fast-check';
import type { Fault, FaultKind } from './fault.ts';
import type { FieldCheck } from './fields.ts';
import type { RealFaultContext } from './real-context.ts';
import type { SimulatedFaultContext } from './sim-context.ts';

/**
 * What a fault kind is, all in one place: how it is checked, worded, drawn by exploration,
 * judged against the lock's model, applied and healed in the simulation and against real
 * processes, and drawn in the report. Every kind fills this in once (src/faults/kinds/), and
 * src/faults/table.ts keys them by kind, where the compiler checks that none is missing.
 */
export interface FaultKindSpec<K extends FaultKind> {
  /** The one-liner after `@<at>ms`: `pause client-1 for 15000ms`. */
  describe(fault: FaultOf<K>): string;
  /** When its effect ends on its own, ms (undefined: only a heal ends it). */
  end(fault: FaultOf<K>): number | undefined;
  /** Checks the kind's own fields of a fault handed in (its `kind` and `at` are checked already). */
  validate(fields: FieldCheck): void;
  /** Why it is outside the lock's model (src/faults/model.ts), or null when the model covers it. */
  outsideModel(fault: FaultOf<K>, world: ModelWorld): string | null;
  /** How exploration draws it (src/faults/arbitrary.ts); null: never drawn (a heal ends every schedule). */
  readonly generate: FaultDraw<K> | null;
  /** Its effect and its heal in the simulation (src/faults/nemesis.ts applies it at its time). */
  simulate(fault: FaultOf<K>, sim: SimulatedFaultContext): void;
  /** Its effect and its heal against real processes (src/real/nemesis.ts applies it at its time). */
  readonly real: RealFaultEffect<K>;
  /** How the report draws it (src/report/svg.ts). */
  readonly report: FaultDrawing<K>;
}

/** The fault of kind `K`. */
export type FaultOf<K extends FaultKind> = Extract<Fault, { readonly kind: K }>;

/** What the lock's model needs to know of the world (src/faults/model.ts). */
export interface ModelWorld {
  readonly clients: readonly string[];
  /** Each node's persistence. */
  readonly persistence: ReadonlyMap<string, string>;
  readonly resource: string;
  readonly resourceMode: 'unguarded' | 'fenced' | 'cas';
  readonly ttlMs: number;
}

/** How a kind is drawn. */
export interface FaultDraw<K extends FaultKind> {
  /**
   * A process fault: drawn only on the clients and nodes the generator allows for this kind
   * (`clientFaults`, `nodeFaults`), and not at all when it allows none.
   */
  readonly onProcess: boolean;
  /** Whether the world has anything to draw it on (default: it has). */
  possible?(draw: DrawContext): boolean;
  arbitrary(draw: DrawContext): fc.Arbitrary<FaultOf<K>>;
  /**
   * The kind's boundary faults at one of the lock's turns (src/faults/singles.ts): each is tried
   * alone before any random schedule. None when the kind has none worth a run of its own.
   */
  single?(turn: Turn, context: SingleContext): FaultOf<K>[];
}

/** A moment the lock changed hands in a fault-free run (a key set or removed, an acquire or release done). */
export interface Turn {
  /** True time, ms. */
  readonly atMs: number;
  /** The client acting. */
  readonly client: string;
  /** The node that ran its command, or the resource it wrote to. */
  readonly peer?: string;
}

/** What a kind's single faults may use: the plain values of the {@link DrawContext}, and the generator's bounds. */
export interface SingleContext extends Pick<DrawContext, 'ttlMs' | 'maxDriftPpm' | 'reachable' | 'delayedRestart' | 'replicas'> {
  /** Just past the TTL: a lease granted at the turn has expired by then. */
  readonly pastTtlMs: number;
  /** A fault's shortest and longest length, ms (the generator's). */
  readonly minDwellMs: number;
  readonly maxDwellMs: number;
  /** Whether the generator lets a fault of `kind` hit `process` (a process fault's target, or a link's end). */
  allows(kind: FaultKind, process: string): boolean;
}

/** What drawing a fault may use: the shared arbitraries of one world and generator (src/faults/arbitrary.ts). */
export interface DrawContext {
  /** When a fault starts, ms. */
  readonly at: fc.Arbitrary<number>;
  /** How long it lasts, ms. */
  readonly dwell: fc.Arbitrary<number>;
  readonly ttlMs: number;
  /** Drift is drawn within ± this many ppm. */
  readonly maxDriftPpm: number;
  /** Every process a network fault may reach: clients, nodes, and the resource when allowed. */
  readonly reachable: readonly string[];
  /** The resource's process when network faults may reach it, else none. */
  readonly resource: readonly string[];
  readonly nodes: readonly string[];
  /** One node (any process, in a world without nodes). */
  readonly node: fc.Arbitrary<string>;
  readonly replicas: readonly string[];
  /** Nodes whose crashes restart no sooner than one TTL later (they lose keys). */
  readonly delayedRestart: readonly string[];
  /** A process a fault of `kind` may hit. */
  target(kind: FaultKind): fc.Arbitrary<string>;
  /** One link end and the other side: everyone else, or one process (a single slow link). */
  readonly linkEnds: fc.Arbitrary<{ from: string[]; to: string[] }>;
  /** A length in [min, max], drawn uniformly or around the moments that matter to the lock. */
  around(min: number, max: number): fc.Arbitrary<number>;
  /** Rounds to a whole 10 ms (to 1 ms below a second), so that schedules print readably. */
  readable(n: number): number;
}

/** How a kind acts on real processes. */
export interface RealFaultEffect<K extends FaultKind> {
  apply(fault: FaultOf<K>, real: RealFaultContext): Promise<void>;
  /** Why real mode cannot make this fault on this machine (refused before the run), or null. */
  refused?(fault: FaultOf<K>, isNode: (process: string) => boolean): string | null;
  /** The process whose process or clock it acts on (on servers locksim did not start, a node's is refused). */
  actsOn?(fault: FaultOf<K>): string;
}

/** How the report draws a kind. */
export interface FaultDrawing<K extends FaultKind> {
  /** Its colour in the legend, its band and its label. */
  readonly colour: string;
  /** It happens at an instant: drawn as a line, not a band. */
  readonly instant: boolean;
  /** The process it stops while it lasts, for a report without a kernel trace (real mode). */
  stops?(fault: FaultOf<K>): { readonly process: string; readonly what: 'paused' | 'crashed' };
}
