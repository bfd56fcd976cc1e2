import { Worker } from 'node:worker_threads';
import type { SweepRun } from './sweep.ts';

const TSX_API = import.meta.resolve('tsx/esm/api');
// From the sources the worker is a .ts file (loaded through tsx); from the built package a .js one.
const WORKER = new URL(import.meta.url.endsWith('.ts') ? './sweep-worker.ts' : './sweep-worker.js', import.meta.url).href;

/**
 * Runs the seeds of a sweep on `workers` worker threads (seeds dealt round-robin), calling
 * `onRun` as results arrive. Results are returned sorted by seed, so the output does not depend
 * on which thread finished first.
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
  const slices: number[][] = Array.from({ length: count }, () => []);
  seeds.forEach((seed, i) => slices[i % count]?.push(seed));
  const results: SweepRun[] = [];
  await Promise.all(
    slices.map(
      (slice) =>
        new Promise<void>((resolve, reject) => {
          // Workers do not inherit tsx's loader: a small bootstrap registers it, then loads the worker.
          const bootstrap = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER)}); })`;
          const worker = new Worker(bootstrap, { eval: true, workerData: { scenarioRef, variant, seeds: slice, ownSchedule } });
          worker.on('message', (run: SweepRun) => {
            results.push(run);
            onRun(run, results.length);
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sweep worker exited with code ${code}`))));
        }),
    ),
  );
  return results.sort((a, b) => a.seed - b.seed);
}
