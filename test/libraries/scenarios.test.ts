/**
 * The library scenarios: every expected verdict is what a run gives (seed 1), no library crashed
 * its process, and every hand-written fault fired; and with libraries in the loop a run is still
 * a pure function of its seed (same seed, same trace hash; another seed, another hash).
 */
import { describe, expect, it } from 'vitest';
import { libraryScenarios } from '../../scenarios/libraries/index.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { validateScenario } from '../../src/scenario/validate.ts';

describe('library scenarios', () => {
  it('are valid, with names that do not clash with the catalog\'s', () => {
    for (const s of libraryScenarios) expect(() => validateScenario(s, s.name)).not.toThrow();
    expect(libraryScenarios.map((s) => s.name)).toEqual(['library-redlock4', 'library-redlock5', 'library-redis-semaphore']);
  });

  for (const scenario of libraryScenarios) {
    describe(scenario.name, () => {
      for (const variant of scenario.variants) {
        it(`${variant.name} is ${variant.expected}`, async () => {
          const result = await runScenario(scenario, { seed: 1, variant: variant.name });
          const why = result.violations.map((v) => v.property).join(', ') || 'no violations';
          expect(`${result.verdict} (${why})`).toMatch(new RegExp(`^${variant.expected} `));
          expect(result.processErrors).toEqual([]);
          for (const f of result.faultsFired) expect(`${f.description}: ${f.fired}`).toBe(`${f.description}: true`);
        });
      }
    });
  }
});

describe('determinism with libraries in the loop', () => {
  const cases: Array<[string, string]> = [
    ['library-redlock4', '3-nodes'],
    ['library-redlock5', 'using-3-nodes'],
    ['library-redis-semaphore', 'RedlockSemaphore'],
  ];
  for (const [name, variant] of cases) {
    it(`${name}/${variant}: the same seed gives the same trace hash, another seed another`, async () => {
      const scenario = libraryScenarios.find((s) => s.name === name)!;
      const a = await runScenario(scenario, { seed: 7, variant });
      const b = await runScenario(scenario, { seed: 7, variant, keepTrace: true });
      expect(b.traceHash).toBe(a.traceHash);
      expect(b.history.events).toEqual(a.history.events);
      const c = await runScenario(scenario, { seed: 8, variant });
      expect(c.traceHash).not.toBe(a.traceHash);
    });
  }
});
