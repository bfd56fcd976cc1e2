import type { DelayModel, LinkMode } from '../sim/network.ts';
import { FieldCheck } from './fields.ts';
import { FAULT_TABLE, isFaultKind, kindOf } from './table.ts';

/**
 * The fault vocabulary. Every fault is a plain serialisable value with a true time `at` in
 * milliseconds; a `durationMs` makes it heal itself (a partition that lasts 5 s). A schedule is
 * a list of faults; a `heal` heals everything (network, pauses, crashed processes, drift), and
 * the liveness phase starts after the last one. What each kind does, in both worlds, is defined
 * once per kind in src/faults/kinds/ (the table: src/faults/table.ts).
 */
export type Fault =
  | { readonly kind: 'partition'; readonly at: number; readonly groups: readonly (readonly string[])[]; readonly mode?: LinkMode; readonly durationMs?: number }
  | { readonly kind: 'cut'; readonly at: number; readonly from: readonly string[]; readonly to: readonly string[]; readonly mode?: LinkMode; readonly durationMs?: number }
  | { readonly kind: 'delay'; readonly at: number; readonly from: readonly string[]; readonly to: readonly string[]; readonly delay: DelayModel; readonly durationMs?: number }
  | { readonly kind: 'loss'; readonly at: number; readonly from: readonly string[]; readonly to: readonly string[]; readonly probability: number; readonly durationMs?: number }
  | { readonly kind: 'drift'; readonly at: number; readonly process: string; readonly ppm: number; readonly durationMs?: number }
  | { readonly kind: 'jump'; readonly at: number; readonly process: string; readonly deltaMs: number }
  | { readonly kind: 'pause'; readonly at: number; readonly process: string; readonly durationMs: number }
  | {
      readonly kind: 'crash';
      readonly at: number;
      readonly process: string;
      readonly restartAfterMs?: number;
      /**
       * A machine crash (power loss) instead of a process crash (SIGKILL). A killed Redis keeps
       * what it already handed to the operating system (every AOF write); a machine that loses
       * power also loses what was not fsynced (with `appendfsync everysec`, about the last second).
       */
      readonly machine?: boolean;
    }
  | { readonly kind: 'failover'; readonly at: number; readonly replica: string }
  | { readonly kind: 'heal'; readonly at: number };

export type FaultKind = Fault['kind'];

/** The fault kinds, in the vocabulary's order (each is defined in src/faults/kinds/). */
export const FAULT_KINDS: readonly FaultKind[] = Object.keys(FAULT_TABLE) as FaultKind[];

/** A readable one-liner: `@2000ms pause client-1 for 15000ms`. */
export function describeFault(f: Fault): string {
  return `@${f.at}ms ${kindOf(f).describe(f)}`;
}

/** When a fault's effect ends on its own (ms), if it does. */
export function faultEnd(f: Fault): number | undefined {
  return kindOf(f).end(f);
}

/**
 * Checks a fault against the world's process names; returns problems that name the field and
 * the fix (an empty list when it is fine).
 */
export function validateFault(f: unknown, where: string, processes: ReadonlySet<string>): string[] {
  if (typeof f !== 'object' || f === null) return [`${where}: a fault must be an object like { kind: 'pause', at: 1000, process: 'client-1', durationMs: 500 }`];
  const fault = f as Record<string, unknown>;
  const kind = fault.kind;
  if (typeof kind !== 'string' || !isFaultKind(kind)) {
    return [`${where}.kind: unknown fault kind ${JSON.stringify(kind)} (known: ${FAULT_KINDS.join(', ')})`];
  }
  const check = new FieldCheck(fault, where, processes);
  check.number('at');
  FAULT_TABLE[kind].validate(check);
  return check.problems;
}
