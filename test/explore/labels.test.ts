/**
 * The exploration scenarios' labels mean what is asserted: node-loss's variants are unsafe under
 * its own hand-written schedule (a node restarting empty under a holder), and in-model's release
 * by plain DEL is unsafe with no fault at all; the exploration outcomes of the other labels are
 * checked in flaws.test.ts.
 */
import { describe, expect, it } from 'vitest';
import inModel from '../../scenarios/exploration/in-model.ts';
import nodeLoss from '../../scenarios/exploration/node-loss.ts';
import { mechanismsOf } from '../../src/check/mechanism.ts';
import { runScenario } from '../../src/scenario/run.ts';

describe('exploration scenarios', () => {
  for (const variant of nodeLoss.variants) {
    it(`node-loss/${variant.name} is unsafe under its own schedule at seeds 1-5`, async () => {
      for (let seed = 1; seed <= 5; seed++) {
        const r = await runScenario(nodeLoss, { seed, variant: variant.name });
        expect(`${seed}: ${r.verdict}`).toBe(`${seed}: unsafe`);
        expect(mechanismsOf(r.violations)).toContain('mutex');
      }
    }, 60_000);
  }

  it('in-model/redlock(release=del) is unsafe with no fault at seeds 1-5; the correct Redlock is safe there', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      expect((await runScenario(inModel, { seed, variant: 'redlock(release=del)' })).verdict).toBe('unsafe');
      expect((await runScenario(inModel, { seed, variant: 'redlock' })).verdict).toBe('safe');
    }
  }, 60_000);
});
