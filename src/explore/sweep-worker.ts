/**
 * A sweep worker thread: loads the scenario itself, then runs the seeds the pool sends it, one
 * at a time, posting each result (see src/explore/sweep-pool.ts). `null` ends it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadScenario } from '../scenario/load.ts';
import { sweepOne } from './sweep.ts';

interface Job {
  readonly scenarioRef: string;
  readonly variant: string;
  readonly ownSchedule: boolean;
}

const job = workerData as Job;
const port = parentPort;
if (port === null) throw new Error('sweep-worker.ts runs as a worker thread of sweepInWorkers()');
const scenario = await loadScenario(job.scenarioRef);
const queue: Array<number | null> = [];
let running = false;

async function drain(): Promise<void> {
  if (running) return;
  running = true;
  while (queue.length > 0) {
    const seed = queue.shift() as number | null;
    if (seed === null) {
      port?.close();
      return;
    }
    port?.postMessage(await sweepOne(scenario, job.scenarioRef, job.variant, seed, job.ownSchedule));
  }
  running = false;
}

port.on('message', (seed: number | null) => {
  queue.push(seed);
  void drain();
});
