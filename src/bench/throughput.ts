import { availableParallelism } from 'node:os';
import { sweepInWorkers } from '../explore/sweep-pool.ts';
import { sweepOne } from '../explore/sweep.ts';
import { loadScenario } from '../scenario/load.ts';

export interface Throughput {
  runs: number;
  oneThreadRunsPerSecond: number;
  workers: number;
  allCoresRunsPerSecond: number;
  speedup: number;
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
  const workers = availableParallelism();
  // Warm the workers' module loading out of the measurement: a first tiny sweep.
  await sweepInWorkers(ref, variant, [1, 2].slice(0, workers), workers, () => undefined, true);
  start = performance.now();
  await sweepInWorkers(ref, variant, seeds, workers, () => undefined, true);
  const all = runs / ((performance.now() - start) / 1000);
  return { runs, oneThreadRunsPerSecond: one, workers, allCoresRunsPerSecond: all, speedup: all / one };
}
