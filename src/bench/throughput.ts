import { availableParallelism } from 'node:os';
import { sweepInWorkers } from '../explore/sweep-pool.ts';
import { sweepOne } from '../explore/sweep.ts';
import { loadScenario } from '../scenario/load.ts';

export interface Throughput {
  runs: number;
  oneThreadRunsPerSecond: number;
  /** The same sweep on one worker thread: the pool's own costs (start-up, a cold JIT, messages) without parallelism. */
  oneWorkerRunsPerSecond: number;
  workers: number;
  allCoresRunsPerSecond: number;
  /** All cores against one thread in this (warm) process: what a user gains. */
  speedup: number;
  /** All cores against one worker: the parallelism alone. */
  speedupOverOneWorker: number;
}

export interface SweepFigures {
  readonly scenario: string;
  readonly runs: number;
  readonly wallSeconds: number;
  readonly runsPerSecond: number;
  /** Simulated seconds run per wall second, over the sweep. */
  readonly simulatedSecondsPerSecond: number;
}

/**
 * What a user's `locksim sweep control --variant redlock --workers 1` does: one run per seed,
 * each with the fault schedule its seed draws, in this thread. The first seed runs before the
 * clock starts (module loading and the JIT's first pass are not a run's cost).
 */
export async function measureSweep(runs: number): Promise<SweepFigures> {
  const ref = 'control';
  const variant = 'redlock';
  const scenario = await loadScenario(ref);
  await sweepOne(scenario, ref, variant, 0);
  const start = performance.now();
  for (let seed = 1; seed <= runs; seed++) await sweepOne(scenario, ref, variant, seed);
  const wallSeconds = (performance.now() - start) / 1000;
  return { scenario: `${ref}/${variant}`, runs, wallSeconds, runsPerSecond: runs / wallSeconds, simulatedSecondsPerSecond: (runs * scenario.world.durationMs) / 1000 / wallSeconds };
}

/** Runs per second of the fault-free control scenario (single-instance), one thread and all cores. */
export async function measureThroughput(runs: number): Promise<Throughput> {
  const ref = 'control';
  const variant = 'single-instance';
  const scenario = await loadScenario(ref);
  const seeds = Array.from({ length: runs }, (_, i) => i + 1);
  let start = performance.now();
  for (const seed of seeds) await sweepOne(scenario, ref, variant, seed, true);
  const one = runs / ((performance.now() - start) / 1000);
  const sweep = async (workers: number): Promise<number> => {
    start = performance.now();
    await sweepInWorkers(ref, variant, seeds, workers, () => undefined, true);
    return runs / ((performance.now() - start) / 1000);
  };
  const workers = availableParallelism();
  // Warm the workers' module loading (the disk cache, tsx's transform cache) out of the measurement.
  await sweepInWorkers(ref, variant, [1, 2].slice(0, workers), workers, () => undefined, true);
  const oneWorker = await sweep(1);
  const all = await sweep(workers);
  return { runs, oneThreadRunsPerSecond: one, oneWorkerRunsPerSecond: oneWorker, workers, allCoresRunsPerSecond: all, speedup: all / one, speedupOverOneWorker: all / oneWorker };
}
