import fc from 'fast-check';
import type { FaultKindSpec, FaultOf } from '../kind.ts';
import { delayText, forMs, processList } from '../words.ts';
import { applyNetworkFault, checkEnds, pairsBetween, simulateNetworkFault, touchesUnfencedResource } from './network.ts';

/** Messages from `from` to `to` take `delay` to arrive, in order (one never overtakes the one before it). */
export const delay: FaultKindSpec<'delay'> = {
  describe: (f) => `delay ${processList(f.from)} -> ${processList(f.to)} by ${delayText(f.delay)}${forMs(f.durationMs)}`,
  end: (f) => (f.durationMs === undefined ? undefined : f.at + f.durationMs),
  validate(check) {
    checkEnds(check);
    const d = check.fault.delay as Record<string, unknown> | undefined;
    const ok = d !== undefined && ((d.kind === 'fixed' && typeof d.ms === 'number') || (d.kind === 'uniform' && typeof d.minMs === 'number' && typeof d.maxMs === 'number'));
    if (!ok) check.problem('delay', "must be { kind: 'fixed', ms } or { kind: 'uniform', minMs, maxMs }");
    check.number('durationMs', true);
  },
  outsideModel: (f, world) => (touchesUnfencedResource(f, world) ? 'writes to the resource delayed past the lease (no fencing)' : null),
  generate: {
    onProcess: false,
    arbitrary: (d) =>
      fc
        .record({ at: d.at, durationMs: d.dwell, ends: d.linkEnds, delayMs: d.around(10, d.ttlMs * 2) })
        .map(({ at, durationMs, ends, delayMs }) => ({ kind: 'delay' as const, at, durationMs, from: ends.from, to: ends.to, delay: { kind: 'fixed' as const, ms: delayMs } })),
    // The reply to the turn's command late by just past the TTL (the lease it grants has expired
    // when it arrives) and by half of it (within it, but late); the command itself late past it.
    single(turn, s) {
      const peer = turn.peer;
      if (peer === undefined || !s.allows('delay', peer) || !s.allows('delay', turn.client)) return [];
      const slow = (at: number, from: string, to: string, ms: number): FaultOf<'delay'> => ({ kind: 'delay', at, durationMs: s.minDwellMs, from: [from], to: [to], delay: { kind: 'fixed', ms } });
      return [slow(turn.atMs - 1, peer, turn.client, s.pastTtlMs), slow(turn.atMs - 1, peer, turn.client, Math.round(s.ttlMs / 2)), slow(turn.atMs - 2.5, turn.client, peer, s.pastTtlMs)];
    },
  },
  simulate: (f, sim) => simulateNetworkFault(f, pairsBetween(f.from, f.to, false), { delay: f.delay }, sim),
  real: { apply: (f, real) => applyNetworkFault(f, pairsBetween(f.from, f.to, false), { delay: f.delay }, real) },
  report: { colour: '#3a86ff', instant: false },
};
