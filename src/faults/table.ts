import type { Fault, FaultKind } from './fault.ts';
import type { FaultKindSpec } from './kind.ts';
import { crash } from './kinds/crash.ts';
import { cut } from './kinds/cut.ts';
import { delay } from './kinds/delay.ts';
import { drift } from './kinds/drift.ts';
import { failover } from './kinds/failover.ts';
import { heal } from './kinds/heal.ts';
import { jump } from './kinds/jump.ts';
import { loss } from './kinds/loss.ts';
import { partition } from './kinds/partition.ts';
import { pause } from './kinds/pause.ts';

/** Every fault kind's definition, keyed by kind: a kind of {@link Fault} without one does not compile. */
export type FaultTable = { readonly [K in FaultKind]: FaultKindSpec<K> };

/**
 * The fault kinds, each defined once (src/faults/kinds/): how it is checked, worded, drawn,
 * judged against the lock's model, applied and healed in both worlds, and drawn in the report.
 * The order is the vocabulary's, as error messages list it.
 */
export const FAULT_TABLE = { partition, cut, delay, loss, drift, jump, pause, crash, failover, heal } as const satisfies FaultTable;

/** Whether `kind` names a fault kind (a record read back from JSON says it as a string). */
export function isFaultKind(kind: string): kind is FaultKind {
  return Object.hasOwn(FAULT_TABLE, kind);
}

/** The definition of a fault's kind, to call with the fault itself. */
export function kindOf(fault: Fault): FaultKindSpec<FaultKind> {
  // The table is keyed by kind, so the entry at a fault's kind takes that fault (TypeScript
  // cannot follow the correlation through the union by itself).
  return FAULT_TABLE[fault.kind] as unknown as FaultKindSpec<FaultKind>;
}
