import control from '../../scenarios/control.ts';
import type { HistoryWindow } from '../check/recorder.ts';
import { runScenario } from '../scenario/run.ts';
import type { Scenario } from '../scenario/types.ts';
import { collectGarbage } from './kernel.ts';

export interface ReferenceFigures {
  simulatedSeconds: number;
  wallSeconds: number;
  simulatedSecondsPerSecond: number;
  eventsPerSecond: number;
  redisCommandsPerSecond: number;
  heapMiB: number;
}

/** The memory a long reference run holds as simulated time grows. */
export interface ReferenceMemory {
  /** The history window kept (null: the whole history, the default). */
  windowMs: number | null;
  simulatedSeconds: number;
  wallSeconds: number;
  /** Heap in use before the run, after a forced GC, MiB. */
  baselineMiB: number;
  /** Heap in use after a forced GC at each checkpoint of simulated time, mid-run, MiB. */
  retained: { simulatedSeconds: number; heapMiB: number }[];
  /** The most heap in use seen (sampled every simulated second, garbage included), MiB. */
  peakHeapMiB: number;
  /** Heap in use after the run, after a forced GC, with its result (and history) held, MiB. */
  endMiB: number;
  /** History items the run's result holds at the end. */
  historyEvents: number;
  historyKeys: number;
}

const MiB = 2 ** 20;

function referenceScenario(seconds: number): Scenario {
  return { ...control, world: { ...control.world, durationMs: seconds * 1000 } };
}

/**
 * The reference workload: Redlock over 5 nodes with 5 clients, TTL 10 s, delay 0.1-2 ms, Lua
 * release scripts (the catalog's `control` scenario, redlock variant), for `seconds` of
 * simulated time. Wall time is real here, on purpose: this is the benchmark.
 */
export async function measureReference(seconds: number, seed = 1): Promise<ReferenceFigures> {
  // No forced GC first: after one, V8 starts from a shrunken heap and spends a run growing it
  // back (a 60 s run then took 0.5 s instead of 0.2 s). Memory is measured by its own runs below.
  const start = performance.now();
  const result = await runScenario(referenceScenario(seconds), { seed, variant: 'redlock' });
  const wallSeconds = (performance.now() - start) / 1000;
  const heapMiB = process.memoryUsage().heapUsed / MiB;
  return {
    simulatedSeconds: seconds,
    wallSeconds,
    simulatedSecondsPerSecond: seconds / wallSeconds,
    eventsPerSecond: result.events / wallSeconds,
    redisCommandsPerSecond: result.stats.redisCommands / wallSeconds,
    heapMiB,
  };
}

/**
 * One long reference run, measuring memory from inside it: the heap retained after a forced GC
 * (the bench runs with --expose-gc) at each checkpoint, and the peak. With `window`, the run
 * keeps only that window of its history; without, all of it.
 */
export async function measureReferenceMemory(checkpoints: readonly number[], window?: HistoryWindow, seed = 7): Promise<ReferenceMemory> {
  // One simulated second past the last checkpoint, so that every checkpoint is measured mid-run.
  const seconds = Math.max(...checkpoints) + 1;
  collectGarbage();
  const baselineMiB = process.memoryUsage().heapUsed / MiB;
  const retained: ReferenceMemory['retained'] = [];
  const due = [...checkpoints].sort((a, b) => a - b);
  let peak = baselineMiB;
  const sample = (simulatedMs: number): void => {
    peak = Math.max(peak, process.memoryUsage().heapUsed / MiB);
    while (due.length > 0 && simulatedMs >= (due[0] as number) * 1000) {
      collectGarbage();
      retained.push({ simulatedSeconds: due.shift() as number, heapMiB: process.memoryUsage().heapUsed / MiB });
    }
  };
  const start = performance.now();
  const result = await runScenario(referenceScenario(seconds), { seed, variant: 'redlock', historyWindow: window, progress: { everyMs: 1000, report: sample } });
  const wallSeconds = (performance.now() - start) / 1000;
  peak = Math.max(peak, process.memoryUsage().heapUsed / MiB);
  collectGarbage();
  const endMiB = process.memoryUsage().heapUsed / MiB;
  return {
    windowMs: window?.lastMs ?? null,
    simulatedSeconds: seconds,
    wallSeconds,
    baselineMiB,
    retained,
    peakHeapMiB: peak,
    endMiB,
    historyEvents: result.history.events.length,
    historyKeys: result.history.keys.length,
  };
}
