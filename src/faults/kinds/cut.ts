import fc from 'fast-check';
import type { FaultKindSpec } from '../kind.ts';
import { forMs, processList } from '../words.ts';
import { applyNetworkFault, checkEnds, pairsBetween, RESOURCE_MESSAGES_LOST, simulateNetworkFault, touchesUnfencedResource } from './network.ts';

/** One way only: messages from `from` to `to` are dropped (or held, `mode: 'hold'`); the other direction delivers. */
export const cut: FaultKindSpec<'cut'> = {
  describe: (f) => `cut ${processList(f.from)} -> ${processList(f.to)}${f.mode === 'hold' ? ' (hold)' : ''}${forMs(f.durationMs)}`,
  end: (f) => (f.durationMs === undefined ? undefined : f.at + f.durationMs),
  validate(check) {
    checkEnds(check);
    check.mode();
    check.number('durationMs', true);
  },
  outsideModel: (f, world) => (touchesUnfencedResource(f, world) ? RESOURCE_MESSAGES_LOST : null),
  generate: {
    onProcess: false,
    arbitrary: (d) =>
      fc
        .record({ at: d.at, durationMs: d.dwell, from: fc.constantFrom(...d.reachable), to: fc.oneof(d.node, fc.constantFrom(...d.resource, ...d.nodes)) })
        .filter((r) => r.from !== r.to)
        .map(({ at, durationMs, from, to }) => ({ kind: 'cut' as const, at, durationMs, from: [from], to: [to] })),
  },
  simulate: (f, sim) => simulateNetworkFault(f, pairsBetween(f.from, f.to, false), { mode: f.mode ?? 'drop' }, sim),
  real: { apply: (f, real) => applyNetworkFault(f, pairsBetween(f.from, f.to, false), { mode: f.mode ?? 'drop' }, real) },
  report: { colour: '#c77dff', instant: false },
};
