/**
 * Exploration against the deliberate flaws: the correct algorithm survives random faults inside
 * its model, and each flaw is found from random schedules (not hand-written ones) and shrunk to
 * at most three faults. Seeds are fixed, so the number of runs to each finding is exact.
 */
import { describe, expect, it } from 'vitest';
import inModel from '../../scenarios/exploration/in-model.ts';
import nodeLoss from '../../scenarios/exploration/node-loss.ts';
import pauseInFlight from '../../scenarios/pause-in-flight.ts';
import { explore } from '../../src/explore/explore.ts';
import type { Scenario } from '../../src/scenario/types.ts';

async function find(scenario: Scenario, variant: string, runs: number) {
  const result = await explore(scenario, { variant, seed: 1, runs });
  const faults = result.shrunk?.faults.filter((f) => f.kind !== 'heal') ?? [];
  return { result, faults };
}

describe('exploration inside the model', () => {
  it('finds no violation of the correct Redlock (or its renewing lease) in 300 random schedules', async () => {
    expect((await find(inModel, 'redlock', 200)).result.found).toBe(false);
    expect((await find(inModel, 'lease(redlock)', 100)).result.found).toBe(false);
  }, 180_000);

  it('finds no violation when the elapsed-time check is kept and a client pauses mid-acquire', async () => {
    expect((await find(pauseInFlight, 'redlock', 100)).result.found).toBe(false);
  }, 120_000);

  it('finds no safety violation for releaseOnFailure=false: inside the model it costs availability, not safety', async () => {
    expect((await find(inModel, 'redlock(releaseOnFailure=false)', 100)).result.found).toBe(false);
  }, 120_000);
});

const flaws: Array<[string, Scenario, string, number]> = [
  ['release by plain DEL', inModel, 'redlock(release=del)', 50],
  ['drift factor 0', inModel, 'redlock(driftFactor=0)', 50],
  ['validity on the wall clock', inModel, 'redlock(timeSource=wall)', 300],
  ['no validity check after the last reply', pauseInFlight, 'redlock(checkValidity=false)', 50],
  ['extend by plain PEXPIRE', nodeLoss, 'lease(single-instance(extend=pexpire))', 50],
  ['renewal that re-creates a missing key', nodeLoss, 'lease(single-instance,renewal=recreate-missing)', 50],
];

describe('each deliberate flaw is found and shrunk', () => {
  for (const [flaw, scenario, variant, runs] of flaws) {
    it(`${flaw}: ${scenario.name}/${variant}`, async () => {
      const { result, faults } = await find(scenario, variant, runs);
      expect(result.found).toBe(true);
      expect(result.shrunk?.verdict).toBe('unsafe');
      expect(faults.length).toBeLessThanOrEqual(3);
      expect(result.token).not.toBeNull();
    }, 180_000);
  }
});
