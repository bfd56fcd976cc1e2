/**
 * A lock library built on node-redis runs unmodified in simulation: redlock-universal 0.8.5
 * (its NodeRedisAdapter: SCRIPT LOAD, EVALSHA with a NOSCRIPT retry, SET with `{ NX, PX }`,
 * `isReady`) over the node-redis-shaped clients an adapter gets (`env.nodeRedisClients`), through
 * the catalog's adapter (src/libraries/redlock-universal.ts).
 * Inside its model it keeps mutual exclusion (a clean bill over checkLock runs); a holder
 * paused past its lease (the catalog's gc-pause) is a finding, as for every TTL lock.
 */
import { describe, expect, it } from 'vitest';
import { redlockUniversal } from '../../src/libraries/index.ts';
import { checkLock } from '../../src/testing.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';

describe('redlock-universal over node-redis clients, in simulation', () => {
  it('keeps mutual exclusion inside its model (checkLock, 10 runs)', async () => {
    await checkLock({ lock: redlockUniversal(), nodes: 3, runs: 10, seed: 1 });
  }, 300_000);

  it('a holder paused past its lease: the second client gets the lock and the writes overlap (a finding)', async () => {
    const scenario: Scenario = {
      name: 'gc-pause-node-redis',
      title: 'redlock-universal over node-redis: holder paused longer than its lease',
      explanation: 'client-1 holds the lock and is paused for 15 s; its 10 s lease expires; client-2 acquires it.',
      world: { nodes: 3, clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 1_000 }], durationMs: 30_000 },
      workload: { resource: 'lock:counter', ttlMs: 10_000, workMs: { min: 200, max: 400 }, thinkMs: { min: 50, max: 150 } },
      faults: [{ kind: 'pause', at: 100, process: 'client-1', durationMs: 15_000 }],
      variants: [{ name: 'redlock-universal', lock: redlockUniversal(), expected: 'unsafe' }],
    };
    const result = await runScenario(scenario, { seed: 1 });
    expect(result.verdict).toBe('unsafe');
    expect(result.violations.map((v) => v.property)).toContain('mutex');
    // The library really ran over node-redis clients: its commands reached the nodes.
    expect(result.history.events.some((e) => e.kind === 'acquire' && e.phase === 'ok')).toBe(true);
  }, 120_000);
});
