/**
 * Every scenario's expected verdict is checked by running it: the catalog's claims are results,
 * not labels. Each variant also runs twice to prove the trace hash is the same.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../scenarios/index.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { validateScenario } from '../../src/scenario/validate.ts';

describe('the scenario catalog', () => {
  it('covers the scenarios of the design (at least eleven), each valid', () => {
    expect(catalog.length).toBeGreaterThanOrEqual(11);
    for (const s of catalog) expect(() => validateScenario(s, s.name)).not.toThrow();
    expect(new Set(catalog.map((s) => s.name)).size).toBe(catalog.length);
  });

  for (const scenario of catalog) {
    describe(scenario.name, () => {
      for (const variant of scenario.variants) {
        it(`${variant.name} is ${variant.expected}`, async () => {
          const result = await runScenario(scenario, { seed: 1, variant: variant.name });
          const why = result.violations.map((v) => v.property).join(', ') || 'no violations';
          expect(`${result.verdict} (${why})`).toMatch(new RegExp(`^${variant.expected} `));
          expect(result.processErrors).toEqual([]);
          // The hand-written faults must have done something: a fault that did nothing proves nothing.
          for (const f of result.faultsFired) expect(`${f.description}: ${f.fired}`).toBe(`${f.description}: true`);
        });
      }
    });
  }

  it('the same scenario and seed give the same trace hash', async () => {
    const scenario = catalog.find((s) => s.name === 'gc-pause');
    if (scenario === undefined) throw new Error('gc-pause missing from the catalog');
    const a = await runScenario(scenario, { seed: 7, variant: 'redlock' });
    const b = await runScenario(scenario, { seed: 7, variant: 'redlock', keepTrace: true });
    expect(b.traceHash).toBe(a.traceHash);
    const c = await runScenario(scenario, { seed: 8, variant: 'redlock' });
    expect(c.traceHash).not.toBe(a.traceHash);
  });
});
