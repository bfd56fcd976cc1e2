import type { Anchor } from './anchors.ts';
import type { Fault, FaultKind } from './fault.ts';
import type { FaultDraw, SingleContext, Turn } from './kind.ts';
import { FAULT_TABLE } from './table.ts';

/**
 * Single faults at the lock's turns, tried one by one before any random schedule. Most lock bugs
 * need one fault at one moment (a grant's reply late past the TTL, the holder's node cut off just
 * after it granted, a clock that steps just after an acquire): drawn at random, that conjunction
 * of kind, link, moment and length comes up a few times in a thousand runs; tried in turn, it
 * costs a few dozen runs and is the smallest failure there is. Each kind says which of its faults
 * are worth a run of their own (`single` in src/faults/kinds/); the random search that follows
 * finds what needs more than one.
 */

/** How many moments of each kind of turn get single faults: the first, then the second (a lock's first round is often not its typical one). */
const ROUNDS = 2;

/**
 * The turns of a fault-free run worth a fault each: the first moment of every kind of turn in
 * time order, then the second of each. A lock node the lock key never lived on in the run (the
 * node a fencing wrapper INCRs its counter on) gets, in each round, the client turns that name
 * no node (an acquire or release done): its crash, or a fault on its link, just after an acquire
 * is a single fault too.
 */
export function turnsOf(anchors: readonly Anchor[], lockNodes: readonly string[] = []): Turn[] {
  const byLabel = new Map<string, Anchor[]>();
  for (const a of anchors) {
    if (a.turn !== true) continue;
    const seen = byLabel.get(a.label) ?? [];
    if (seen.length < ROUNDS) byLabel.set(a.label, [...seen, a]);
  }
  const rounds = Array.from({ length: ROUNDS }, (_, round) => [...byLabel.values()].flatMap((moments) => moments.slice(round, round + 1)).sort((a, b) => a.atMs - b.atMs));
  const turns = rounds.map((round) => round.map((a): Turn => ({ atMs: a.atMs, client: a.process, ...(a.peer === undefined ? {} : { peer: a.peer }) })));
  const touched = new Set(anchors.map((a) => a.peer));
  const quiet = lockNodes.filter((node) => !touched.has(node));
  return turns.flatMap((round) => [...round, ...round.filter((t) => t.peer === undefined).flatMap((t) => quiet.map((peer) => ({ ...t, peer })))]);
}

/**
 * Every single fault of the `kinds` at every turn, each a schedule of its own with the final
 * `heal`, without repeats. Times are kept at or after 0 and to a tenth of a millisecond.
 */
export function singleFaults(turns: readonly Turn[], kinds: readonly FaultKind[], context: SingleContext, healAt: number): Fault[][] {
  const seen = new Set<string>();
  const schedules: Fault[][] = [];
  for (const turn of turns) {
    for (const kind of kinds) {
      const single = (FAULT_TABLE[kind].generate as FaultDraw<FaultKind> | null)?.single;
      for (const fault of single?.(turn, context) ?? []) {
        const placed = { ...fault, at: Math.max(0, Math.round(fault.at * 10) / 10) } as Fault;
        const key = JSON.stringify(placed);
        if (seen.has(key)) continue;
        seen.add(key);
        schedules.push([placed, { kind: 'heal', at: healAt }]);
      }
    }
  }
  return schedules;
}
