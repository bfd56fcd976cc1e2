/**
 * The library scenarios are valid and named apart from the catalog's (their verdicts are checked
 * with the catalog, in test/scenario/catalog.test.ts); with libraries in the loop a run is still
 * a pure function of its seed (same seed, same trace hash; another seed, another hash).
 */
import { describe, expect, it } from 'vitest';
import { libraryScenarios } from '../../scenarios/libraries/index.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { validateScenario } from '../../src/scenario/validate.ts';

describe('library scenarios', () => {
  it('are valid, with names that do not clash with the catalog\'s', () => {
    for (const s of libraryScenarios) expect(() => validateScenario(s, s.name)).not.toThrow();
    expect(libraryScenarios.map((s) => s.name)).toEqual([
      'library-redlock4',
      'library-redlock5',
      'library-redis-semaphore',
      'library-sesamecare-redlock',
      'library-node-redis-warlock',
      'library-ioredis-lock',
      'library-microfleet-ioredis-lock',
      'library-redlock-universal',
    ]);
  });
  // Their expected verdicts run with the rest of the catalog: test/scenario/catalog.test.ts.
});

describe('determinism with libraries in the loop', () => {
  const cases: Array<[string, string]> = [
    ['library-redlock4', '3-nodes'],
    ['library-redlock5', 'using-3-nodes'],
    ['library-redis-semaphore', 'RedlockSemaphore'],
    ['library-sesamecare-redlock', 'using-cut-off'],
    // A package that reads its Lua scripts with fs at load time.
    ['library-node-redis-warlock', 'touch'],
    ['library-ioredis-lock', 'in-model'],
    // An ES-module-only package.
    ['library-microfleet-ioredis-lock', 'in-model'],
    // A library over the node-redis-shaped clients.
    ['library-redlock-universal', 'using-slow-acquire'],
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
