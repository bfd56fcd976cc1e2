import fc from 'fast-check';
import type { FaultKindSpec } from '../kind.ts';
import { forMs, processList } from '../words.ts';
import { applyNetworkFault, checkEnds, pairsBetween, RESOURCE_MESSAGES_LOST, simulateNetworkFault, touchesUnfencedResource } from './network.ts';

/** Each message from `from` to `to` is lost with `probability` (drawn from the network's seeded stream). */
export const loss: FaultKindSpec<'loss'> = {
  describe: (f) => `lose ${Math.round(f.probability * 100)}% ${processList(f.from)} -> ${processList(f.to)}${forMs(f.durationMs)}`,
  end: (f) => (f.durationMs === undefined ? undefined : f.at + f.durationMs),
  validate(check) {
    checkEnds(check);
    const p = check.fault.probability;
    if (typeof p !== 'number' || p < 0 || p > 1) check.problem('probability', 'must be a number from 0 to 1');
    check.number('durationMs', true);
  },
  outsideModel: (f, world) => (touchesUnfencedResource(f, world) ? RESOURCE_MESSAGES_LOST : null),
  generate: {
    onProcess: false,
    arbitrary: (d) =>
      fc
        .record({ at: d.at, durationMs: d.dwell, ends: d.linkEnds, probability: fc.integer({ min: 1, max: 10 }).map((n) => n / 10) })
        .map(({ at, durationMs, ends, probability }) => ({ kind: 'loss' as const, at, durationMs, from: ends.from, to: ends.to, probability })),
  },
  simulate: (f, sim) => simulateNetworkFault(f, pairsBetween(f.from, f.to, false), { loss: f.probability }, sim),
  real: {
    apply: (f, real) => applyNetworkFault(f, pairsBetween(f.from, f.to, false), { loss: f.probability }, real),
    // A TCP stream cannot lose single messages: only the runner's own links to the resource can.
    refused: (f, isNode) => ([...f.from, ...f.to].some(isNode) ? 'a TCP link to Redis cannot lose single messages (real mode supports loss only between clients and the resource)' : null),
  },
  report: { colour: '#00a6a6', instant: false },
};
