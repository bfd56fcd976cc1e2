import { Worker } from 'node:worker_threads';
import type { SweepRun } from './sweep.ts';

const TSX_API = import.meta.resolve('tsx/esm/api');
// From the sources the worker is a .ts file (loaded through tsx); from the built package a .js one.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './sweep-worker.ts' : './sweep-worker.js', import.meta.url).href;

/** Seeds a worker holds at once: the one it runs and the next, so it never waits for a message. */
const IN_FLIGHT = 2;

/**
 * Runs the seeds of a sweep on `workers` worker threads, calling `onRun` as results arrive.
 * Seeds are handed out as workers finish (not dealt in advance), so a thread on a faster or
 * less busy core simply runs more of them. Results are returned sorted by seed, so the output
 * does not depend on which thread ran which seed or finished first.
 */
export async function sweepInWorkers(
  scenarioRef: string,
  variant: string,
  seeds: readonly number[],
  workers: number,
  onRun: (run: SweepRun, done: number) => void,
  ownSchedule = false,
): Promise<SweepRun[]> {
  const count = Math.max(1, Math.min(workers, seeds.length));
  let next = 0;
  const results: SweepRun[] = [];
  // Workers do not inherit tsx's loader: a small bootstrap registers it, then loads the worker.
  const bootstrap = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER)}); })`;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(bootstrap, { eval: true, workerData: { scenarioRef, variant, ownSchedule } });
          let holding = 0;
          const feed = (): void => {
            while (holding < IN_FLIGHT && next < seeds.length) {
              worker.postMessage(seeds[next++]);
              holding++;
            }
            if (holding === 0) worker.postMessage(null);
          };
          worker.on('message', (run: SweepRun) => {
            holding--;
            results.push(run);
            onRun(run, results.length);
            feed();
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sweep worker exited with code ${code}`))));
          feed();
        }),
    ),
  );
  if (results.length !== seeds.length) throw new Error(`sweep: ${results.length} of ${seeds.length} seeds came back from the workers`);
  return results.sort((a, b) => a.seed - b.seed);
}
