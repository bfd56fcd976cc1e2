import fc from 'fast-check';
import type { FaultKindSpec, FaultOf } from '../kind.ts';

/** A process's wall clock steps by `deltaMs` (an NTP step; negative: backwards); its monotonic clock does not. */
export const jump: FaultKindSpec<'jump'> = {
  describe: (f) => `jump ${f.process} wall clock ${f.deltaMs >= 0 ? '+' : ''}${f.deltaMs}ms`,
  end: (f) => f.at,
  validate(check) {
    check.process('process');
    const delta = check.fault.deltaMs;
    if (typeof delta !== 'number' || !Number.isFinite(delta)) check.problem('deltaMs', 'must be a number of milliseconds (negative: backwards)');
  },
  outsideModel: (f, world) => (world.clients.includes(f.process) ? null : `${f.process}'s wall clock stepped: Redis expires keys by it`),
  generate: {
    onProcess: true,
    arbitrary: (d) =>
      fc.record({ kind: fc.constant('jump' as const), at: d.at, process: d.target('jump'), deltaMs: fc.oneof(d.around(10, 2 * d.ttlMs), d.around(10, 2 * d.ttlMs).map((ms) => -ms)) }),
    // Just after the turn, the client's wall clock a TTL forward and back; the node's forward (its keys expire).
    single(turn, s) {
      const jumps: FaultOf<'jump'>[] = [];
      if (s.allows('jump', turn.client)) jumps.push({ kind: 'jump', at: turn.atMs + 0.5, process: turn.client, deltaMs: s.pastTtlMs }, { kind: 'jump', at: turn.atMs + 0.5, process: turn.client, deltaMs: -s.pastTtlMs });
      if (turn.peer !== undefined && s.allows('jump', turn.peer)) jumps.push({ kind: 'jump', at: turn.atMs + 0.5, process: turn.peer, deltaMs: s.pastTtlMs });
      return jumps;
    },
  },
  simulate(f, sim) {
    const clock = sim.nodes.get(f.process)?.faults.clock({ kind: 'jump', deltaMs: f.deltaMs });
    sim.begin(() => (clock === undefined ? `${f.process}'s wall clock stepped ${f.deltaMs}ms` : clock.effect()));
    sim.world.jumpClock(f.process, f.deltaMs);
    clock?.changed();
    sim.instant();
  },
  real: {
    // A node: the clock shim's wall clock steps; a client: its RealClock's, over IPC.
    async apply(f, real) {
      const node = real.nodes.get(f.process);
      const client = real.clients.get(f.process);
      if (node !== undefined) {
        const keys = await node.keys();
        node.process?.clock?.jump(f.deltaMs);
        real.begin(() => ((keys ?? 0) > 0 ? `${keys} keys on ${f.process} expire ${Math.abs(f.deltaMs)}ms ${f.deltaMs > 0 ? 'early' : 'late'} (clock shim stepped)` : null));
      } else if (client !== undefined && client.state !== 'crashed') {
        client.jump(f.deltaMs);
        real.begin(() => `${f.process}'s wall clock stepped ${f.deltaMs}ms`);
      } else {
        real.begin(() => null);
      }
      real.instant();
    },
    actsOn: (f) => f.process,
  },
  report: { colour: '#e83f8c', instant: true },
};
