import control from '../../scenarios/control.ts';
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

/**
 * The reference workload: Redlock over 5 nodes with 5 clients, TTL 10 s, delay 0.1-2 ms, Lua
 * release scripts (the catalog's `control` scenario, redlock variant), for `seconds` of
 * simulated time. Wall time is real here, on purpose: this is the benchmark.
 */
export async function measureReference(seconds: number, seed = 1): Promise<ReferenceFigures> {
  const scenario: Scenario = { ...control, world: { ...control.world, durationMs: seconds * 1000 } };
  collectGarbage();
  const start = performance.now();
  const result = await runScenario(scenario, { seed, variant: 'redlock' });
  const wallSeconds = (performance.now() - start) / 1000;
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  return {
    simulatedSeconds: seconds,
    wallSeconds,
    simulatedSecondsPerSecond: seconds / wallSeconds,
    eventsPerSecond: result.events / wallSeconds,
    redisCommandsPerSecond: result.stats.redisCommands / wallSeconds,
    heapMiB,
  };
}
