/**
 * `npm run bench -- --only mutants`: the planted-bug benchmark (issue #14). For every flawed lock
 * of the corpus (src/bench/mutants/), checkLock with its defaults (faults inside the lock's model)
 * from exploration seeds 1..N: found or not, runs and wall time to find, faults in the shrunk
 * schedule, and whether they were inside the model. For every correct twin: `twinRuns` runs of
 * checkLock's defaults, which must pass. Run counts are exact (seeded); seconds vary by machine.
 */
import { ALL_FAULTS, checkLock, LockCheckError } from '../index.ts';
import { MUTANTS, type Mutant } from './mutants/index.ts';

export interface MutantRow {
  readonly family: string;
  readonly outsideModel: boolean;
  readonly seeds: number;
  readonly found: number;
  readonly medianRuns: number | null;
  readonly worstRuns: number | null;
  readonly medianSeconds: number | null;
  readonly worstSeconds: number | null;
  readonly maxShrunkFaults: number | null;
  /** Seeds whose shrunk schedule had a fault outside the lock's model. */
  readonly outsideModelSeeds: number;
  readonly twinRuns: number;
  readonly twinPassed: boolean;
  readonly twinSeconds: number;
  /** The twin's failure, if any (a false UNSAFE): its verdict and replay token. */
  readonly twinFailure: string | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** What checkLock reported: found (with the runs to find, from its message) or passed. */
async function check(mutant: Mutant, flawed: boolean, runs: number, seed: number): Promise<{ error: LockCheckError | null; runsToFind: number | null }> {
  const faults = flawed && mutant.outsideModel !== undefined ? { faults: ALL_FAULTS } : {};
  try {
    await checkLock({ ...mutant.checkOptions, ...faults, lock: flawed ? mutant.flawed : mutant.correct, runs, seed });
    return { error: null, runsToFind: null };
  } catch (error) {
    if (!(error instanceof LockCheckError)) throw error;
    const n = /found after (\d+) runs/.exec(error.message)?.[1];
    return { error, runsToFind: n === undefined ? null : Number(n) };
  }
}

/**
 * Every flawed lock from exploration seeds 1..seeds (at most maxRuns runs each), then its twin for
 * twinRuns runs at seed 1. The seconds are the whole checkLock call (finding and shrinking), as a
 * user waits for it.
 */
export async function measureMutants(seeds: number, maxRuns: number, twinRuns: number, onProgress?: (line: string) => void): Promise<MutantRow[]> {
  const rows: MutantRow[] = [];
  for (const mutant of MUTANTS) {
    const runs: number[] = [];
    const seconds: number[] = [];
    let maxShrunk = 0;
    let outside = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const start = performance.now();
      const { error, runsToFind } = await check(mutant, true, maxRuns, seed);
      const end = performance.now();
      if (error === null || error.result.verdict !== 'unsafe') continue;
      runs.push(runsToFind ?? maxRuns);
      seconds.push((end - start) / 1000);
      maxShrunk = Math.max(maxShrunk, error.result.faults.filter((f) => f.kind !== 'heal').length);
      if (error.result.outsideModel.length > 0) outside++;
    }
    const twinStart = performance.now();
    const twin = await check(mutant, false, twinRuns, 1);
    const twinSeconds = (performance.now() - twinStart) / 1000;
    const row: MutantRow = {
      family: mutant.family,
      outsideModel: mutant.outsideModel !== undefined,
      seeds,
      found: runs.length,
      medianRuns: median(runs),
      worstRuns: runs.length ? Math.max(...runs) : null,
      medianSeconds: median(seconds),
      worstSeconds: seconds.length ? Math.max(...seconds) : null,
      maxShrunkFaults: runs.length ? maxShrunk : null,
      outsideModelSeeds: outside,
      twinRuns,
      twinPassed: twin.error === null,
      twinSeconds,
      twinFailure: twin.error === null ? null : `${twin.error.result.verdict} after ${twin.runsToFind ?? '?'} runs; replay ${twin.error.token}`,
    };
    rows.push(row);
    onProgress?.(`${mutant.family}: found ${row.found}/${seeds}, twin ${row.twinPassed ? 'passed' : 'FAILED'} ${twinRuns} runs`);
  }
  return rows;
}
