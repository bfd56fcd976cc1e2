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
