/**
 * The checkers judge online, so a run that keeps only a window of its history must reach the
 * same verdict, violations and stats as one that keeps all of it; and a stored history judged
 * again after the fact (the batch path, as real mode uses it) must agree too.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../scenarios/index.ts';
import { judge } from '../../src/check/judge.ts';
import { criticalSections } from '../../src/check/sections.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { MutexViolation } from '../../src/check/mutex.ts';

const WINDOW = { lastMs: 1_000 };

describe('a run that keeps only a window of its history', () => {
  for (const scenario of catalog) {
    it(`${scenario.name}: every variant judges the same as with the whole history, and as the batch judge`, async () => {
      for (const variant of scenario.variants) {
        const whole = await runScenario(scenario, { seed: 1, variant: variant.name });
        const windowed = await runScenario(scenario, { seed: 1, variant: variant.name, historyWindow: WINDOW });
        const label = `${scenario.name}/${variant.name}`;
        expect({ label, verdict: windowed.verdict, violations: windowed.violations }).toEqual({ label, verdict: whole.verdict, violations: whole.violations });
        expect(windowed.stats).toEqual(whole.stats);
        expect(windowed.traceHash).toBe(whole.traceHash);
        expect(whole.history.dropped).toBeUndefined();
        // The batch path feeds the stored history through the same checkers (liveness needs the
        // run's end state, so it is compared above, between the two live modes).
        const safety = whole.properties.filter((p) => p !== 'liveness');
        const again = judge(whole.history, safety, { boundMs: 1, blocked: () => true });
        expect({ label, violations: again.violations }).toEqual({ label, violations: whole.violations.filter((v) => v.property !== 'liveness') });
      }
    });
  }

  it('keeps a bounded window of a long run, and says how much it left out', async () => {
    const control = catalog.find((s) => s.name === 'control');
    if (control === undefined) throw new Error('control missing from the catalog');
    const long = { ...control, world: { ...control.world, durationMs: 60_000 } };
    const whole = await runScenario(long, { seed: 3, variant: 'redlock' });
    const windowed = await runScenario(long, { seed: 3, variant: 'redlock', historyWindow: { lastMs: 5_000 } });
    expect(windowed.verdict).toBe('safe');
    const { events, writes, keys } = windowed.history;
    expect(events.length).toBeLessThan(whole.history.events.length / 5);
    expect(windowed.history.dropped?.events).toBe(whole.history.events.length - events.length);
    expect(windowed.history.dropped?.writes).toBe(whole.history.writes.length - writes.length);
    expect(windowed.history.dropped?.keys).toBe(whole.history.keys.length - keys.length);
    // What is kept is the tail of the whole history, item for item.
    expect(events).toEqual(whole.history.events.slice(-events.length));
    expect(writes).toEqual(whole.history.writes.slice(-writes.length));
    expect(events[0]!.at).toBeGreaterThanOrEqual(whole.history.endedAt - 6_000_000);
  });

  it('keeps what a violation refers to, so its sections still draw', async () => {
    const gcPause = catalog.find((s) => s.name === 'gc-pause');
    if (gcPause === undefined) throw new Error('gc-pause missing from the catalog');
    // The paused holder's section began 15 s before the overlap was found, far outside the window.
    const windowed = await runScenario(gcPause, { seed: 1, variant: 'redlock', historyWindow: { lastMs: 500 } });
    const [v] = windowed.violations.filter((o): o is MutexViolation => o.property === 'mutex');
    expect(v).toBeDefined();
    const drawn = criticalSections(windowed.history);
    expect(drawn).toContainEqual(v!.first);
    expect(drawn).toContainEqual(v!.second);
    expect(windowed.history.events.some((e) => e.index === v!.first.acquiredEvent)).toBe(true);
    expect(windowed.history.dropped?.events ?? 0).toBeGreaterThan(0);
  });

  it('rejects a negative window', async () => {
    await expect(runScenario(catalog[0]!, { seed: 1, historyWindow: { lastMs: -1 } })).rejects.toThrow(/lastMs/);
  });
});
