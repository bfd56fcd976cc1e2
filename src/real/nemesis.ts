/**
 * The real-mode nemesis: applies a scenario's fault schedule (src/faults/fault.ts) to real
 * processes at the faults' true times, heals what heals on its own, and records for every fault
 * when it actually took effect and what it did. What each kind becomes for real is the kind's own
 * (src/faults/kinds/, its `real`); this keeps real time, one action at a time, and the records
 * (the same bookkeeping as the simulated nemesis: src/faults/record.ts).
 *
 * Faults due at 0 ms are put in place before the clients start; their heals wait for the run.
 */
import type { FaultRecord } from '../check/history.ts';
import { describeFault, type Fault } from '../faults/fault.ts';
import type { RealClient, RealFaultContext, RealNetwork, RealNode, RealResource } from '../faults/real-context.ts';
import { FaultBook } from '../faults/record.ts';
import { FAULT_TABLE, kindOf } from '../faults/table.ts';
import type { Micros } from '../sim/time.ts';

/** What the nemesis acts on. */
export interface RealWorld {
  /** True time now, µs. */
  now(): Micros;
  readonly nodes: ReadonlyMap<string, RealNode>;
  readonly clients: ReadonlyMap<string, RealClient>;
  readonly resource: RealResource;
  readonly network: RealNetwork;
  /** Records a client crash in the history. */
  onClientCrash(client: string): void;
}

/** When a fault was due and when it took effect. */
export interface FaultTiming {
  /** The schedule's time, ms. */
  readonly scheduledMs: number;
  /** True time it took effect, ms (0 for faults in place before the clients started). */
  readonly appliedMs: number;
  /** appliedMs - scheduledMs. */
  readonly lagMs: number;
  /** Applied before the clients started (a fault at 0 ms). */
  readonly beforeStart: boolean;
}

/** Problems that make a schedule impossible to apply for real (each kind says what it refuses); empty when it can be. */
export function unsupportedFaults(faults: readonly Fault[], isNode: (p: string) => boolean): string[] {
  return faults.flatMap((f, i) => {
    const why = kindOf(f).real.refused?.(f, isNode) ?? null;
    return why === null ? [] : [`faults[${i}] (${describeFault(f)}): ${why}`];
  });
}

/** A moment a queued action waits for a restart before the faults after it go on, ms. */
const BRIEFLY_MS = 50;

export class RealNemesis {
  readonly timings: FaultTiming[] = [];
  /** Errors of fault actions (a toxic that could not be added, say). */
  readonly errors: Array<{ at: Micros; fault: string; message: string }> = [];
  private readonly book: FaultBook;
  private readonly timers = new Set<NodeJS.Timeout>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private beforeStart = true;
  private readonly deferred: Array<{ ms: number; action: () => Promise<void> | void }> = [];
  /** Faults scheduled whose time has not come (at the end: those after the run). */
  private readonly unapplied = new Set<Fault>();
  /** Each drifted process's rate before its first drift fault. */
  private readonly baseRates = new Map<string, number>();

  constructor(private readonly world: RealWorld) {
    this.book = new FaultBook(() => this.now());
  }

  get records(): FaultRecord[] {
    return this.book.records;
  }

  /** True time the last fault's effect ended, µs. */
  get lastHealAt(): Micros | null {
    return this.book.lastHealAt;
  }

  /** Applies the faults due at or before 0 ms, in order, before the clients start. */
  async applyInitial(faults: readonly Fault[]): Promise<void> {
    faults.forEach((f, i) => {
      if (f.at <= 0) this.enqueue(() => this.apply(f, i));
    });
    await this.chain;
  }

  /** Schedules the faults due after 0 ms at their true times (call it the instant the run starts). */
  schedule(faults: readonly Fault[]): void {
    this.beforeStart = false;
    for (const d of this.deferred.splice(0)) this.at(d.ms, d.action);
    faults.forEach((f, i) => {
      if (f.at <= 0) return;
      this.unapplied.add(f);
      this.at(f.at, () => this.apply(f, i));
    });
  }

  /** No more faults or heals; waits for the action under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.chain;
  }

  /**
   * Fills in each record's `fired` and `effect`; call once the run is over. A fault due after
   * the run ended gets a record saying so, as in the simulation.
   */
  finish(endedAt: Micros): FaultRecord[] {
    this.book.finish();
    for (const fault of this.unapplied) {
      // A fault due before the end can still miss it, queued behind a slow action.
      const why = fault.at * 1000 >= endedAt ? `before ${fault.at} ms` : `before it took effect (due at ${fault.at} ms)`;
      this.book.neverApplied(fault, `never applied: the run ended at ${endedAt / 1000} ms, ${why}`);
    }
    this.unapplied.clear();
    return this.book.records;
  }

  /** Runs `action` at true time `ms` (through the queue, so actions never interleave). */
  private at(ms: number, action: () => Promise<void> | void): void {
    if (this.stopped) return;
    if (this.beforeStart) {
      // True time starts with the run: heals of the faults applied before it wait for it.
      this.deferred.push({ ms, action });
      return;
    }
    const arm = (): void => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        // Node's timers may fire a fraction of a millisecond early on the monotonic clock: never act early.
        if (ms - this.world.now() / 1000 > 0.05) arm();
        else this.enqueue(action);
      }, Math.max(0, ms - this.world.now() / 1000));
      this.timers.add(timer);
    };
    arm();
  }

  private enqueue(action: () => Promise<void> | void): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await action();
      } catch (error) {
        this.errors.push({ at: this.world.now(), fault: 'fault action', message: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  private now(): Micros {
    return this.beforeStart ? 0 : Math.max(0, this.world.now());
  }

  private async apply(fault: Fault, index: number): Promise<void> {
    this.unapplied.delete(fault);
    // A fault kind without an entry in the table does not compile; one that bypassed validation is refused here.
    if (!Object.hasOwn(FAULT_TABLE, fault.kind)) throw new Error(`real nemesis: no real action for fault ${JSON.stringify(fault)}`);
    await kindOf(fault).real.apply(fault, this.contextFor(fault, index));
  }

  /** What one fault's real effect is given. */
  private contextFor(fault: Fault, index: number): RealFaultContext {
    const { world, book } = this;
    return {
      tag: `f${index}`,
      nodes: world.nodes,
      clients: world.clients,
      resource: world.resource,
      network: world.network,
      baseRates: this.baseRates,
      begin: (measure, options) => {
        const record = book.begin(fault, measure, options);
        this.timings.push({ scheduledMs: fault.at, appliedMs: record.at / 1000, lagMs: record.at / 1000 - fault.at, beforeStart: this.beforeStart });
        return record;
      },
      at: (ms, action) => this.at(ms, action),
      endAfter: (record, durationMs, heal) => {
        if (durationMs === undefined) return;
        this.at(fault.at + durationMs, async () => {
          await heal();
          book.ended(record);
        });
      },
      ended: (record) => book.ended(record),
      instant: () => book.instant(),
      endOpen: () => book.endOpen(),
      clientCrashed: (client) => world.onClientCrash(client),
      over: () => this.stopped,
      briefly: (work) => Promise.race([work.then(() => {}), new Promise<void>((done) => setTimeout(done, BRIEFLY_MS))]),
    };
  }
}
