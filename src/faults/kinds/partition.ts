import fc from 'fast-check';
import type { FaultKindSpec } from '../kind.ts';
import { forMs, processList } from '../words.ts';
import { applyNetworkFault, pairsAcross, simulateNetworkFault } from './network.ts';

/** The network splits into groups: messages between groups are dropped (or held, `mode: 'hold'`) both ways. */
export const partition: FaultKindSpec<'partition'> = {
  describe: (f) => `partition ${f.groups.map(processList).join(' | ')}${f.mode === 'hold' ? ' (hold)' : ''}${forMs(f.durationMs)}`,
  end: (f) => (f.durationMs === undefined ? undefined : f.at + f.durationMs),
  validate(check) {
    const groups = check.fault.groups;
    if (!Array.isArray(groups) || groups.length < 2) check.problem('groups', "a partition needs at least two groups, e.g. [['client-1','redis-1'], ['client-2','redis-2']]");
    else groups.forEach((g, i) => {
      if (!Array.isArray(g)) check.problem(`groups[${i}]`, 'must be a list of process names');
      else for (const p of g) if (typeof p !== 'string' || !check.processes.has(p)) check.problem(`groups[${i}]`, `${JSON.stringify(p)} is not a process of this world`);
    });
    check.mode();
    check.number('durationMs', true);
  },
  // A client waiting on the resource is inside its critical section: a lost, held or slow
  // message to the resource keeps it there past its lease, which only fencing survives.
  outsideModel: (f, world) =>
    world.resourceMode !== 'fenced' && f.groups.some((g) => g.includes(world.resource)) ? 'the resource cut off: a client waiting on it stays in its section past the lease (no fencing)' : null,
  generate: {
    onProcess: false,
    arbitrary: (d) =>
      fc
        .record({ at: d.at, durationMs: d.dwell, split: fc.subarray([...d.reachable], { minLength: 1, maxLength: Math.max(1, d.reachable.length - 1) }), mode: fc.constantFrom('drop' as const, 'hold' as const) })
        .map(({ at, durationMs, split, mode }) => ({ kind: 'partition' as const, at, durationMs, mode, groups: [split, d.reachable.filter((p) => !split.includes(p))] })),
    // The turn's node cut off from everyone, its messages held past the TTL: its reply arrives after the lease it grants.
    single(turn, s) {
      const peer = turn.peer;
      if (peer === undefined || !s.allows('partition', peer) || s.reachable.length < 2) return [];
      return [{ kind: 'partition', at: turn.atMs - 1, durationMs: Math.min(s.maxDwellMs, s.pastTtlMs), mode: 'hold', groups: [[peer], s.reachable.filter((p) => p !== peer)] }];
    },
  },
  simulate: (f, sim) => simulateNetworkFault(f, pairsAcross(f.groups), { mode: f.mode ?? 'drop' }, sim),
  real: { apply: (f, real) => applyNetworkFault(f, pairsAcross(f.groups), { mode: f.mode ?? 'drop' }, real) },
  report: { colour: '#9d4edd', instant: false },
};
