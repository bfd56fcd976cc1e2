import fc from 'fast-check';
import type { FaultKindSpec } from '../kind.ts';
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
  },
  simulate: (f, sim) => simulateNetworkFault(f, pairsBetween(f.from, f.to, false), { delay: f.delay }, sim),
  real: { apply: (f, real) => applyNetworkFault(f, pairsBetween(f.from, f.to, false), { delay: f.delay }, real) },
  report: { colour: '#3a86ff', instant: false },
};
