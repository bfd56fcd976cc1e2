/** A sweep worker thread: loads the scenario itself, runs the seeds it is sent, posts each result. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadScenario } from '../scenario/load.ts';
import { sweepOne } from './sweep.ts';

interface Job {
  readonly scenarioRef: string;
  readonly variant: string;
  readonly seeds: readonly number[];
  readonly ownSchedule: boolean;
}

const job = workerData as Job;
const scenario = await loadScenario(job.scenarioRef);
for (const seed of job.seeds) {
  parentPort?.postMessage(await sweepOne(scenario, job.scenarioRef, job.variant, seed, job.ownSchedule));
}
