import fc from 'fast-check';
import type { FaultKindSpec, FaultOf } from '../kind.ts';
import { forMs } from '../words.ts';

/** Node drift the lock's model allows, ppm: below Redlock's default drift factor of 1 %. */
export const MODEL_MAX_NODE_DRIFT_PPM = 9_000;

/** A process's clocks run `ppm` parts per million fast (negative: slow) while it lasts. */
export const drift: FaultKindSpec<'drift'> = {
  describe: (f) => `drift ${f.process} ${f.ppm >= 0 ? '+' : ''}${f.ppm}ppm${forMs(f.durationMs)}`,
  end: (f) => (f.durationMs === undefined ? undefined : f.at + f.durationMs),
  validate(check) {
    check.process('process');
    const ppm = check.fault.ppm;
    if (typeof ppm !== 'number' || !Number.isFinite(ppm) || ppm <= -1_000_000) check.problem('ppm', 'must be a number > -1000000 (parts per million; 20000 = 2 % fast)');
    check.number('durationMs', true);
  },
  outsideModel(f, world) {
    if (world.clients.includes(f.process)) return 'a client clock drifting: validity is computed on it';
    return Math.abs(f.ppm) > MODEL_MAX_NODE_DRIFT_PPM ? `drift of ${f.ppm / 10_000}% is beyond the 1% drift allowance` : null;
  },
  generate: {
    onProcess: true,
    arbitrary: (d) =>
      fc.record({ kind: fc.constant('drift' as const), at: d.at, process: d.target('drift'), ppm: fc.integer({ min: -d.maxDriftPpm, max: d.maxDriftPpm }).map((p) => Math.round(p / 1000) * 1000), durationMs: d.dwell }),
    // From just before the turn, at the most the generator allows: the node's clock fast (its
    // keys expire early), the client's slow (it measures less time than passed).
    single(turn, s) {
      const ppm = Math.floor(s.maxDriftPpm / 1000) * 1000;
      const drifts: FaultOf<'drift'>[] = [];
      if (turn.peer !== undefined && s.allows('drift', turn.peer)) drifts.push({ kind: 'drift', at: turn.atMs - 1, process: turn.peer, ppm, durationMs: s.maxDwellMs });
      if (s.allows('drift', turn.client)) drifts.push({ kind: 'drift', at: turn.atMs - 1, process: turn.client, ppm: -ppm, durationMs: s.maxDwellMs });
      return ppm === 0 ? [] : drifts;
    },
  },
  simulate(f, sim) {
    const clock = sim.nodes.get(f.process)?.faults.clock({ kind: 'drift', ppm: f.ppm });
    const record = sim.begin(() => (clock === undefined ? `${f.process}'s clock rate changed` : clock.effect()));
    const effect = sim.ledger.drift(f.process, f.ppm);
    clock?.changed();
    sim.endAfter(record, f.durationMs, effect, () => {
      sim.ledger.end(effect);
      clock?.changed();
    });
  },
  real: {
    // A node: the clock shim's rate (only the realtime clock Redis expires keys by); a client: its RealClock's, over IPC.
    async apply(f, real) {
      const rate = 1 + f.ppm / 1_000_000;
      const clock = real.nodes.get(f.process)?.process?.clock;
      const client = real.clients.get(f.process);
      const current = clock !== undefined ? clock.rate() : client?.rate;
      if (current !== undefined && !real.baseRates.has(f.process)) real.baseRates.set(f.process, current);
      const base = real.baseRates.get(f.process) ?? 1;
      const set = (r: number): boolean => {
        if (clock !== undefined) clock.setRate(r);
        else if (client !== undefined) client.setRate(r);
        else return false;
        return true;
      };
      const did = set(rate);
      const record = real.begin(() =>
        !did
          ? null
          : real.nodes.has(f.process)
            ? `${f.process}'s wall clock (clock shim) runs at rate ${rate}: every TTL on it ${f.ppm > 0 ? 'shortened' : 'stretched'} by ${Math.abs(f.ppm / 10_000)}%`
            : `${f.process}'s clocks run at rate ${rate}`,
      );
      // Its end restores the rate the world declared, not 1: a heal never undoes the world.
      real.endAfter(record, f.durationMs, () => {
        set(base);
      });
    },
    actsOn: (f) => f.process,
  },
  report: { colour: '#52b788', instant: false },
};
