/**
 * The lessons describe the catalog as it is: each variant's lock spec builds a lock that runs
 * exactly as the catalog's own factory (same trace hash), each lesson opens in a state the
 * command line replays with a catalog token, and every non-library scenario is a lesson.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../scenarios/index.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { LESSONS } from '../../src/play/lessons.ts';
import { buildLock } from '../../src/play/lock-spec.ts';
import { resolvePlay } from '../../src/play/resolve.ts';
import { runPlay } from '../../src/play/run.ts';
import { knobFault, knobValue, lessonStartState, presetState } from '../../src/play/state.ts';

describe('the lessons', () => {
  it('are every catalog scenario whose lock is one of locksim\'s own algorithms, each once', () => {
    const own = catalog.filter((s) => !s.name.startsWith('library-')).map((s) => s.name).sort();
    expect(LESSONS.map((l) => l.scenario.name).sort()).toEqual(own);
    for (const lesson of LESSONS) expect(lesson.scenario).toBe(catalog.find((s) => s.name === lesson.scenario.name));
  });

  it('have a lock spec for every variant of their scenario, and no other', () => {
    for (const lesson of LESSONS) expect(Object.keys(lesson.locks).sort()).toEqual(lesson.scenario.variants.map((v) => v.name).sort());
  });

  for (const lesson of LESSONS) {
    it(`${lesson.scenario.name}: each variant's spec runs as the catalog's own lock (same trace hash, seed 1)`, async () => {
      for (const variant of lesson.scenario.variants) {
        const state = presetState(lesson, variant.name);
        const play = resolvePlay(state);
        expect(play.kind, variant.name).toBe('catalog');
        if (play.kind === 'catalog') expect(play.variant.name).toBe(variant.name);
        // The same run once more, the lock built from the spec instead of taken from the catalog.
        const rebuilt = await runScenario({ ...lesson.scenario, variants: [{ ...variant, lock: buildLock(state.setup.lock) }] }, { seed: 1, variant: variant.name });
        const own = await runScenario(lesson.scenario, { seed: 1, variant: variant.name });
        expect(rebuilt.lockName, variant.name).toBe(own.lockName);
        expect(rebuilt.traceHash, variant.name).toBe(own.traceHash);
      }
    });
  }

  it('open in a catalog state with a verdict, each fault slider on a fault of the schedule', async () => {
    for (const lesson of LESSONS) {
      const state = lessonStartState(lesson);
      expect(resolvePlay(state).kind, lesson.scenario.name).toBe('catalog');
      for (const knob of lesson.faultKnobs) {
        expect(knobFault(state.faults, knob), `${lesson.scenario.name}: ${knob.id}`).toBeGreaterThanOrEqual(0);
        const value = knobValue(state, knob) as number;
        expect(value, `${lesson.scenario.name}: ${knob.id}`).toBeGreaterThanOrEqual(knob.min);
        expect(value, `${lesson.scenario.name}: ${knob.id}`).toBeLessThanOrEqual(knob.max);
      }
      const outcome = await runPlay(state);
      expect(outcome.ok, lesson.scenario.name).toBe(true);
      if (outcome.ok) expect(outcome.result.verdict, lesson.scenario.name).not.toBe('invalid');
    }
  });
});
