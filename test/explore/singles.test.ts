/**
 * Single faults at the lock's turns (src/faults/singles.ts), tried before random schedules, and
 * how exploration shrinks: a budget counted in runs, schedules judged once, and a result from
 * which no fault can be left out. The locks are written against the public interface only
 * (src/bench/mutants/), the flawed one beside its correct twin.
 */
import { describe, expect, it } from 'vitest';
import { lockScenario } from '../../src/testing.ts';
import { explore, defaultGenerator, generatorWorld } from '../../src/explore/explore.ts';
import { anchorsOf } from '../../src/explore/probe.ts';
import { scheduleDraw } from '../../src/faults/arbitrary.ts';
import { inModelFaults } from '../../src/faults/model.ts';
import { turnsOf } from '../../src/faults/singles.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { redlockLike } from '../../src/bench/mutants/redlock-like.ts';
import inModel from '../../scenarios/exploration/in-model.ts';

/** Hands out a lease even when the acquire took longer than the TTL: only a grant's reply late past the TTL shows it. */
const noElapsedCheck = lockScenario({ lock: redlockLike('no-elapsed-check', { checkElapsed: false, timeoutMs: Infinity }), nodes: 1 });
const twin = lockScenario({ lock: redlockLike('no-elapsed-check:twin', { timeoutMs: Infinity }), nodes: 1 });

async function singlesOf(scenario: typeof twin, seed: number) {
  const variant = scenario.variants[0]!;
  const probe = await runScenario(scenario, { seed, faults: [] });
  const draw = scheduleDraw(generatorWorld(scenario, variant), defaultGenerator(scenario, variant), { anchored: true });
  return { probe, singles: draw.singles(anchorsOf(probe.history)) };
}

describe('single faults at the lock turns', () => {
  it('are one fault each, at a turn of the fault-free run, all inside the model, none twice', async () => {
    const { probe, singles } = await singlesOf(twin, 3);
    expect(singles.length).toBeGreaterThan(10);
    const turns = turnsOf(anchorsOf(probe.history));
    expect(turns.length).toBeGreaterThan(0);
    for (const schedule of singles) {
      expect(schedule.map((f) => f.kind).slice(1)).toEqual(['heal']);
      const fault = schedule[0]!;
      expect(turns.some((t) => Math.abs(t.atMs - fault.at) <= 3) || fault.at === 0, JSON.stringify(fault)).toBe(true);
      const run = await runScenario(twin, { seed: 3, faults: schedule, verdictOnly: true });
      expect(run.outsideModel, JSON.stringify(fault)).toEqual([]);
      expect(run.verdict, JSON.stringify(fault)).not.toBe('unsafe');
    }
    expect(new Set(singles.map((s) => JSON.stringify(s))).size).toBe(singles.length);
    // The in-model generator never pauses an unfenced client: no single fault does either.
    expect(inModelFaults('unguarded').clientFaults).not.toContain('pause');
    expect(singles.some(([f]) => f!.kind === 'pause' && f!.process.startsWith('client'))).toBe(false);
  }, 60_000);

  it('find a lock without the elapsed-time check within the singles, at every seed, shrunk to one fault', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { singles } = await singlesOf(noElapsedCheck, seed);
      const found = await explore(noElapsedCheck, { seed, runs: 200 });
      expect(found.found, `seed ${seed}`).toBe(true);
      expect(found.runsToFailure, `seed ${seed}`).toBeLessThanOrEqual(singles.length);
      const faults = found.shrunk!.faults.filter((f) => f.kind !== 'heal');
      expect(faults.map((f) => f.kind), `seed ${seed}`).toEqual(['delay']);
      expect(found.shrunk!.verdict).toBe('unsafe');
    }
  }, 120_000);
});

describe('shrinking', () => {
  it('stops at its budget of runs, and leaves no fault that is not needed', async () => {
    // Retries that keep minority keys: found by the random schedules (no single fault shows it at seed 1).
    const minorityKeys = lockScenario({ lock: redlockLike('keeps-minority-keys', { cleanup: false, mine: 'get', timeoutMs: Infinity }), nodes: 3 });
    let runs = 0;
    const found = await explore(minorityKeys, { seed: 1, runs: 400, shrinkRuns: 3, onRun: (n) => (runs = n) });
    expect(found.found).toBe(true);
    expect(found.shrinks).toBeGreaterThan(0);
    const faults = found.shrunk!.faults;
    const needless = faults.filter((f) => f.kind !== 'heal').length;
    // After the first failure: at most the budget, then one run per fault left out.
    expect(runs - found.runsToFailure).toBeLessThanOrEqual(3 + needless + 1);
    for (let i = 0; i < faults.length; i++) {
      if (faults[i]!.kind === 'heal') continue;
      const fewer = faults.filter((_, j) => j !== i);
      const rest = fewer.every((f) => f.kind === 'heal') ? [] : fewer;
      const run = await runScenario(minorityKeys, { seed: found.shrunk!.seed, faults: rest, verdictOnly: true });
      expect(run.verdict, `without fault ${i}`).not.toBe('unsafe');
    }
  }, 120_000);

  it('reports a bug that needs no fault with none, also when a single fault found it first', async () => {
    const found = await explore(inModel, { variant: 'redlock(release=del)', seed: 1, runs: 100 });
    expect(found.found).toBe(true);
    expect(found.shrunk!.faults).toEqual([]);
    expect(found.shrunk!.verdict).toBe('unsafe');
  }, 60_000);

  it('counts a run whose faults kept every client from acquiring as availability, not a failure of safety', async () => {
    // The correct Redlock without its clean-up: a node held off for a TTL at the first grant
    // leaves minority keys that nobody can win over for the whole run.
    const unsafeOnly = await explore(inModel, { variant: 'redlock(releaseOnFailure=false)', seed: 1, runs: 60 });
    expect(unsafeOnly.found).toBe(false);
    const stuckToo = await explore(inModel, { variant: 'redlock(releaseOnFailure=false)', seed: 1, runs: 60, failOn: ['unsafe', 'stuck'] });
    expect(stuckToo.found).toBe(true);
    expect(['stuck', 'invalid']).toContain(stuckToo.shrunk!.verdict);
  }, 120_000);
});
