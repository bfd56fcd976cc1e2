import type { FaultRecord } from '../check/history.ts';
import { RedisNode } from '../redis/node.ts';
import { RedisServiceNode } from '../services/redis.ts';
import type { SimServiceNode } from '../services/service.ts';
import { ms, type Micros } from '../sim/time.ts';
import type { World } from '../sim/world.ts';
import type { Fault } from './fault.ts';
import { FaultLedger } from './ledger.ts';
import { FaultBook } from './record.ts';
import type { SimulatedFaultContext } from './sim-context.ts';
import { FAULT_TABLE, kindOf } from './table.ts';

/** What the nemesis needs to know of the world beyond the kernel. */
export interface NemesisContext {
  readonly world: World;
  /** The service nodes (a bare Redis node is taken as the Redis service's). */
  readonly nodes: ReadonlyMap<string, SimServiceNode | RedisNode>;
  /** Called when a client process crashes (the history records it: its section ends). */
  readonly onClientCrash: (process: string) => void;
  readonly isClient: (process: string) => boolean;
  /** Clients that address node `from` reach node `to` from now on (a failover); default: nobody addresses nodes by name. */
  readonly redirect?: (from: string, to: string) => void;
}

/**
 * The nemesis: applies a fault schedule to a world at the faults' true times, heals what heals
 * on its own, and records for every fault what it actually did (faults prove they fired). What
 * each kind does is its own (src/faults/kinds/); this only schedules, and keeps the records.
 */
export class Nemesis {
  private readonly book: FaultBook;
  private readonly ledger: FaultLedger;
  /** Faults scheduled whose time has not come (at the end: those after the run). */
  private readonly unapplied = new Set<Fault>();
  private readonly nodes: ReadonlyMap<string, SimServiceNode>;

  constructor(private readonly context: NemesisContext) {
    this.nodes = new Map([...context.nodes].map(([name, node]) => [name, node instanceof RedisNode ? new RedisServiceNode(node) : node]));
    this.ledger = new FaultLedger(context.world);
    this.book = new FaultBook(() => context.world.now);
  }

  get records(): FaultRecord[] {
    return this.book.records;
  }

  /** True time the last fault's effect ended, µs (the liveness phase starts there). */
  get lastHealAt(): Micros | null {
    return this.book.lastHealAt;
  }

  /** Schedules every fault of `schedule`. */
  schedule(schedule: readonly Fault[]): void {
    for (const fault of schedule) {
      this.unapplied.add(fault);
      this.context.world.at(ms(fault.at), () => {
        this.unapplied.delete(fault);
        this.apply(fault);
      });
    }
  }

  /**
   * Fills in each record's `fired` and `effect`; call once the run is over. A fault scheduled
   * after the run ended gets a record too, saying so: a fault that never happened proves nothing.
   */
  finish(): FaultRecord[] {
    this.book.finish();
    for (const fault of this.unapplied) this.book.neverApplied(fault, `never applied: the run ended at ${this.context.world.now / 1000} ms, before ${fault.at} ms`);
    this.unapplied.clear();
    return this.book.records;
  }

  private apply(fault: Fault): void {
    // A fault kind without an entry in the table does not compile; one that bypassed validation is refused here.
    if (!Object.hasOwn(FAULT_TABLE, fault.kind)) throw new Error(`nemesis: no effect for fault ${JSON.stringify(fault)}`);
    kindOf(fault).simulate(fault, this.contextFor(fault));
  }

  /** What one fault's simulated effect is given. */
  private contextFor(fault: Fault): SimulatedFaultContext {
    const { world, isClient, onClientCrash, redirect } = this.context;
    const { book, ledger, nodes } = this;
    return {
      world,
      nodes,
      ledger,
      isClient,
      clientCrashed: onClientCrash,
      redirect: redirect ?? (() => {}),
      begin: (measure, options) => {
        const record = book.begin(fault, measure, options);
        world.note(`fault ${record.description}`);
        return record;
      },
      endAfter: (record, durationMs, effect, end = () => void ledger.end(effect)) => {
        if (durationMs === undefined) return;
        world.at(world.now + ms(durationMs), () => {
          if (!ledger.isOpen(effect)) return;
          end();
          book.ended(record);
        });
      },
      instant: () => book.instant(),
      endOpen: () => book.endOpen(),
    };
  }
}
