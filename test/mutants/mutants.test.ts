/**
 * The planted-bug corpus, CI-sized (issue #14): checkLock with its defaults (faults inside the
 * lock's model) finds every flawed lock at exploration seed 1 within RUNS runs and shrinks it to
 * at most 3 faults; every correct twin passes 100 runs at seed 1. The one family whose bug only
 * shows outside the model (resurrecting renewal) is searched with ALL_FAULTS, and says so.
 * The full figures: `npm run bench -- --only mutants`.
 */
import { describe, expect, it } from 'vitest';
import { ALL_FAULTS, checkLock, LockCheckError } from '../../src/index.ts';
import { MUTANTS } from '../../src/bench/mutants/index.ts';

/** At most this many runs at seed 1 (the bench finds every family within 489 runs at seeds 1..20, most within 100). */
const RUNS = 400;
const TWIN_RUNS = 100;


describe('planted bugs: checkLock defaults find every flawed lock, and pass its twin', () => {
  for (const m of MUTANTS) {
    const label = m.outsideModel === undefined ? m.family : `${m.family} [outside the model: ALL_FAULTS]`;
    it(`finds: ${label}`, { timeout: 120_000 }, async () => {
      const faults = m.outsideModel === undefined ? {} : { faults: ALL_FAULTS };
      const error = await checkLock({ ...m.checkOptions, ...faults, lock: m.flawed, runs: RUNS, seed: 1 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, `${m.family}: not found in ${RUNS} runs`).toBeInstanceOf(LockCheckError);
      const result = (error as LockCheckError).result;
      expect(result.verdict, (error as LockCheckError).message).toBe('unsafe');
      expect(result.faults.filter((f) => f.kind !== 'heal').length).toBeLessThanOrEqual(3);
      if (m.outsideModel === undefined) expect(result.outsideModel, (error as LockCheckError).message).toEqual([]);
    });
    it(`passes the twin: ${m.family}`, { timeout: 120_000 }, async () => {
      await checkLock({ ...m.checkOptions, lock: m.correct, runs: TWIN_RUNS, seed: 1 });
    });
  }
});
