/**
 * A verdict-only run (RunOptions.verdictOnly: what sweeps and exploration's tried runs make)
 * keeps no history and logs no command on the lock key, yet must be the same run: the same
 * verdict, violations, evidence, stats and trace hash as the run kept whole, with random fault
 * schedules too (the ones sweeps draw), and its history says how much went by unkept.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../scenarios/index.ts';
import { scheduleForSeed } from '../../src/explore/sweep.ts';
import { runScenario } from '../../src/scenario/run.ts';

describe('a verdict-only run', () => {
  for (const scenario of catalog) {
    it(`${scenario.name}: every variant, its own schedule and a drawn one, is the run kept whole`, async () => {
      for (const variant of scenario.variants) {
        for (const faults of [undefined, scheduleForSeed(scenario, variant.name, 1)]) {
          const whole = await runScenario(scenario, { seed: 1, variant: variant.name, faults });
          const bare = await runScenario(scenario, { seed: 1, variant: variant.name, faults, verdictOnly: true });
          const label = `${scenario.name}/${variant.name}${faults === undefined ? '' : ' (drawn schedule)'}`;
          expect({ label, verdict: bare.verdict, violations: bare.violations, invalid: bare.invalid }).toEqual({ label, verdict: whole.verdict, violations: whole.violations, invalid: whole.invalid });
          expect({ label, hash: bare.traceHash, events: bare.events }).toEqual({ label, hash: whole.traceHash, events: whole.events });
          expect(bare.stats).toEqual(whole.stats);
          expect(bare.evidence).toEqual(whole.evidence);
          expect(bare.livenessEnd).toEqual(whole.livenessEnd);
          expect(bare.faultsFired).toEqual(whole.faultsFired);
          // Nothing kept, everything counted.
          expect(bare.history.events).toEqual([]);
          expect(bare.history.writes).toEqual([]);
          expect(bare.history.keys).toEqual([]);
          expect(bare.history.commands).toBeUndefined();
          expect(bare.history.dropped).toEqual({ events: whole.history.events.length, writes: whole.history.writes.length, keys: whole.history.keys.length });
        }
      }
    });
  }
});
