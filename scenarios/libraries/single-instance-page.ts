import { ALL_FAULTS } from '../../src/faults/model.ts';
import type { LockFactory } from '../../src/locks/interface.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { COMMAND_TIMEOUT_MS, LIVENESS_BOUND_MS, nodes, shortWork, world } from './common.ts';

/**
 * The catalog page of a single-instance ioredis lock library (ioredis-lock 4 and its ES-module
 * successor @microfleet/ioredis-lock 6): what any TTL lock has under a pause, and nothing more.
 * The same world, pause and in-model schedule for both, so their verdicts compare directly.
 */
export function singleInstanceLibraryScenario(page: { name: string; title: string; explanation: string; lock: LockFactory }): Scenario {
  const { lock } = page;
  return {
    name: page.name,
    title: page.title,
    explanation: page.explanation,
    tags: ['library', 'pause'],
    world,
    workload: shortWork,
    livenessBoundMs: LIVENESS_BOUND_MS,
    // A pitfall outside the lock's model: exploring it draws every fault kind (src/faults/model.ts).
    explore: ALL_FAULTS,
    faults: [{ kind: 'pause', at: 500, process: 'client-1', durationMs: 6_000 }],
    variants: [
      { name: 'gc-pause', breaks: ['mutex', 'lost-update'], lock, nodes: nodes(1), commandTimeoutMs: COMMAND_TIMEOUT_MS, expected: 'unsafe', note: 'a 6 s pause of the holder outlives the 5 s key' },
      {
        name: 'in-model',
        lock,
        nodes: nodes(1),
        faults: [
          { kind: 'drift', at: 0, process: 'redis-1', ppm: 8_000 },
          { kind: 'pause', at: 1_200, process: 'redis-1', durationMs: 2_000 },
          { kind: 'cut', at: 8_000, from: ['client-1'], to: ['redis-1'], mode: 'drop', durationMs: 3_000 },
          { kind: 'crash', at: 15_000, process: 'client-1', restartAfterMs: 1_000 },
        ],
        commandTimeoutMs: COMMAND_TIMEOUT_MS,
        expected: 'safe',
        note: 'a node pause, a partition, a client crash and node drift within the allowance',
      },
    ],
  };
}
