import fc from 'fast-check';
import type { FaultKindSpec } from '../kind.ts';
import { forMs } from '../words.ts';

/** A process stops (a stop-the-world GC, SIGSTOP) for `durationMs`: nothing of it runs; what arrives waits. */
export const pause: FaultKindSpec<'pause'> = {
  describe: (f) => `pause ${f.process}${forMs(f.durationMs)}`,
  end: (f) => f.at + f.durationMs,
  validate(check) {
    check.process('process');
    check.number('durationMs', false, 0);
  },
  outsideModel(f, world) {
    const fenced = world.resourceMode === 'fenced';
    if (world.clients.includes(f.process) && !fenced) return 'a client paused: no lease survives a holder that stops (only fencing does)';
    if (f.process === world.resource && !fenced) return 'the resource paused: writes held past the lease';
    return null;
  },
  generate: {
    onProcess: true,
    arbitrary: (d) => fc.record({ kind: fc.constant('pause' as const), at: d.at, process: d.target('pause'), durationMs: d.dwell }),
    // The client, or the turn's node, stopped just after the turn until past the TTL.
    single: (turn, s) =>
      [turn.client, turn.peer]
        .filter((p): p is string => p !== undefined && s.allows('pause', p))
        .map((process) => ({ kind: 'pause' as const, at: turn.atMs + 0.5, process, durationMs: Math.min(s.maxDwellMs, s.pastTtlMs) })),
  },
  simulate(f, sim) {
    const process = sim.world.process(f.process);
    let waiting = 0;
    const record = sim.begin(() => (waiting > 0 ? `${waiting} ${waiting === 1 ? 'timer firing or message' : 'timer firings and messages'} waited until resume` : null));
    const effect = sim.ledger.pause(f.process);
    sim.endAfter(record, f.durationMs, effect, () => {
      waiting = process.waiting;
      sim.ledger.end(effect);
    });
  },
  real: {
    // A client or a node: SIGSTOP, then SIGCONT; the resource: requests wait until resume.
    async apply(f, real) {
      const node = real.nodes.get(f.process);
      const client = real.clients.get(f.process);
      const isResource = node === undefined && client === undefined && f.process === 'resource';
      let did = false;
      let waited = 0;
      if (node !== undefined) {
        if (node.process?.state === 'running') {
          node.process.pause();
          did = true;
        }
      } else if (client !== undefined) {
        did = client.pause();
      } else if (isResource) {
        did = real.resource.pause();
      }
      const record = real.begin(() => (!did ? null : isResource ? (waited > 0 ? `${waited} requests waited until resume` : null) : `SIGSTOP ${f.process}, SIGCONT ${f.durationMs} ms later`));
      real.endAfter(record, f.durationMs, () => {
        if (node !== undefined) {
          if (node.process?.state === 'paused') node.process.resume();
        } else if (client !== undefined) {
          client.resume();
        } else if (isResource) {
          waited = real.resource.resume();
        }
      });
    },
    actsOn: (f) => f.process,
  },
  report: { colour: '#f2a900', instant: false, stops: (f) => ({ process: f.process, what: 'paused' }) },
};
