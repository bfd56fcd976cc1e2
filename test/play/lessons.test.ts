/**
 * The lessons describe the catalog as it is: each variant's lock spec builds a lock that runs
 * exactly as the catalog's own factory (same trace hash), each lesson opens in a state the
 * command line replays with a catalog token, and every non-library scenario is a lesson.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../scenarios/index.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { LESSONS } from '../../src/play/lessons.ts';
import type { Verdict } from '../../src/scenario/types.ts';
import { buildLock } from '../../src/play/lock-spec.ts';
import { resolvePlay } from '../../src/play/resolve.ts';
import { runPlay } from '../../src/play/run.ts';
import { withFencing, withLockOption, withNodeDrift } from '../../src/play/edits.ts';
import { findLesson, type Lesson } from '../../src/play/lessons.ts';
import { knobFault, knobValue, lessonStartState, presetState, withKnob, withSwitch, type PlayState } from '../../src/play/state.ts';

describe('the lessons', () => {
  it('are every catalog scenario whose lock is one of locksim\'s own Redis algorithms, each once', () => {
    // The playground's lock specs are Redis algorithms; the database and blob scenarios (tags 'database', 'blob') are not lessons yet.
    const own = catalog.filter((s) => !s.name.startsWith('library-') && !(s.tags ?? []).some((t) => t === 'database' || t === 'blob')).map((s) => s.name).sort();
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

  it('do what their texts say: the opening state, and the move each one suggests', async () => {
    const lesson = (name: string): Lesson => findLesson(name) as Lesson;
    const start = (name: string): PlayState => lessonStartState(lesson(name));
    const knob = (name: string, id: string, value: number): PlayState => {
      const k = lesson(name).faultKnobs.find((x) => x.id === id);
      if (k === undefined) throw new Error(`${name} has no knob ${id}`);
      return withKnob(start(name), k, value);
    };
    const flip = (state: PlayState, on: boolean): PlayState => withSwitch(state, lesson(state.lesson).switches?.[0] as NonNullable<Lesson['switches']>[number], on);
    const claims: ReadonlyArray<readonly [string, PlayState, Verdict]> = [
      ['control opens safe', start('control'), 'safe'],
      ['gc-pause opens safe (a 5 s pause, a 10 s lease)', start('gc-pause'), 'safe'],
      ['gc-pause: the pause past the lease', knob('gc-pause', 'pause', 15_000), 'unsafe'],
      ['gc-pause: then fencing', withFencing(knob('gc-pause', 'pause', 15_000), true), 'safe'],
      ['delayed-write opens safe (5 s)', start('delayed-write'), 'safe'],
      ['delayed-write: the delay past the lease', knob('delayed-write', 'delay', 15_000), 'unsafe'],
      ['delayed-write: checking before writing does not help', flip(knob('delayed-write', 'delay', 15_000), true), 'unsafe'],
      ['delayed-write: fencing does', withFencing(knob('delayed-write', 'delay', 15_000), true), 'safe'],
      ['pause-in-flight opens safe', start('pause-in-flight'), 'safe'],
      ['pause-in-flight: without the elapsed-time check', presetState(lesson('pause-in-flight'), 'redlock(checkValidity=false)'), 'unsafe'],
      ['pause-in-flight: a single instance', presetState(lesson('pause-in-flight'), 'single-instance'), 'unsafe'],
      ['clock-jump-partition opens unsafe', start('clock-jump-partition'), 'unsafe'],
      ['clock-jump-partition: a jump smaller than the time left', knob('clock-jump-partition', 'jump', 3_000), 'safe'],
      ['clock-drift opens unsafe', start('clock-drift'), 'unsafe'],
      ['clock-drift: both nodes under 1 %', withNodeDrift(withNodeDrift(start('clock-drift'), 'redis-1', 5_000), 'redis-2', 5_000), 'safe'],
      ['clock-drift: a larger drift factor, the same clients', withLockOption(start('clock-drift'), 'driftFactor', 0.03), 'unsafe'],
      ['node-restart opens unsafe', start('node-restart'), 'unsafe'],
      ['node-restart: a restart delayed past the TTL', knob('node-restart', 'restart-after', 12_000), 'safe'],
      ['failover opens unsafe', start('failover'), 'unsafe'],
      ['failover: fast replication', knob('failover', 'replication-delay', 10), 'safe'],
      ['fencing-regression opens unsafe', start('fencing-regression'), 'unsafe'],
      ['fencing-regression: AOF always', presetState(lesson('fencing-regression'), 'aof-always'), 'safe'],
      ['client-clock-step opens unsafe', start('client-clock-step'), 'unsafe'],
      ['client-clock-step: the monotonic clock', withLockOption(start('client-clock-step'), 'timeSource', 'monotonic'), 'safe'],
      ['plain-del-release opens unsafe', start('plain-del-release'), 'unsafe'],
      ['plain-del-release: compare-and-delete', withLockOption(start('plain-del-release'), 'release', 'compare-and-delete'), 'safe'],
      ['renewal-too-late opens unsafe', start('renewal-too-late'), 'unsafe'],
      ['renewal-too-late: the job listens to the signal', flip(start('renewal-too-late'), true), 'safe'],
    ];
    for (const [claim, state, verdict] of claims) {
      const outcome = await runPlay(state);
      if (!outcome.ok) throw new Error(`${claim}: ${outcome.error}`);
      expect(outcome.result.verdict, claim).toBe(verdict);
    }
  });
});
