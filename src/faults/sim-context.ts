import type { FaultRecord } from '../check/history.ts';
import type { SimServiceNode } from '../services/service.ts';
import type { World } from '../sim/world.ts';
import type { FaultLedger } from './ledger.ts';
import type { RecordOptions } from './record.ts';

/**
 * What a fault kind's simulated effect is given (src/faults/nemesis.ts makes one per fault): the
 * world and its Redis nodes, the ledger of effects that overlapping faults share, and the fault's
 * record. The effect runs at the fault's true time, inside the simulation: it never reads real
 * time or randomness.
 */
export interface SimulatedFaultContext {
  readonly world: World;
  /** The service nodes, by name: a node fault acts on one as its service says (src/services/service.ts). */
  readonly nodes: ReadonlyMap<string, SimServiceNode>;
  /** What faults are doing to links and processes, so that ending one undoes only its own effect. */
  readonly ledger: FaultLedger;
  isClient(process: string): boolean;
  /** A client process crashed: its history records it (its critical section ends). */
  clientCrashed(process: string): void;
  /** From now on, clients that address node `from` reach node `to` (after a failover, as Sentinel announces it). */
  redirect(from: string, to: string): void;
  /** Records the fault as applied now (and notes it in the trace); `measure` says what it did once its effect has ended. */
  begin(measure: () => string | null, options?: RecordOptions): FaultRecord;
  /**
   * After `durationMs` (none: never), ends the ledger's `effect` unless a heal ended it first,
   * and closes the record. `end` does the ending, when there is more to it than the ledger's.
   */
  endAfter(record: FaultRecord, durationMs: number | undefined, effect: number, end?: () => void): void;
  /** The fault acted at an instant (a jump, a failover): the liveness phase counts from now. */
  instant(): void;
  /** Closes every record still open (a heal). */
  endOpen(): void;
}
