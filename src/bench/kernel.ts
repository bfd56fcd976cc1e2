import { echoWorld } from '../sim/demo/echo-world.ts';
import { seconds } from '../sim/index.ts';

export interface KernelFigures {
  simulatedSeconds: number;
  wallSeconds: number;
  /** Scheduled events fired (deliveries, timer firings, faults). */
  events: number;
  eventsPerSecond: number;
  /** Kernel events in the trace: the above plus every send, drop and hold. */
  traceEvents: number;
  traceEventsPerSecond: number;
  simulatedSecondsPerSecond: number;
  heapMiB: number;
}

/** Runs the echo world for `simulatedSeconds` and measures it (wall time: real, on purpose). */
export async function measureKernel(simulatedSeconds: number, seed = 1): Promise<KernelFigures> {
  const world = echoWorld({ seed });
  const start = performance.now();
  await world.run({ until: seconds(simulatedSeconds) });
  const wallSeconds = (performance.now() - start) / 1000;
  collectGarbage();
  const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  return {
    simulatedSeconds,
    wallSeconds,
    events: world.events,
    eventsPerSecond: world.events / wallSeconds,
    traceEvents: world.trace.length,
    traceEventsPerSecond: world.trace.length / wallSeconds,
    simulatedSecondsPerSecond: simulatedSeconds / wallSeconds,
    heapMiB,
  };
}

export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) gc();
}
