/**
 * The run plan: one reading of a variant for every runner. The lock gets the primaries unless the
 * variant names its nodes (real mode once gave it the replicas too), and a run's overrides (a
 * token's schedule, --duration) are the plan's, so the printed world is the world that ran.
 */
import { describe, expect, it } from 'vitest';
import { planRun } from '../../src/scenario/plan.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { worldBlock } from '../../src/report/world.ts';
import { singleInstance } from '../../src/locks/index.ts';
import type { Scenario } from '../../src/scenario/types.ts';

const scenario: Scenario = {
  name: 'plan',
  title: 'A primary with a replica, and a plain node',
  explanation: 'For the plan test.',
  world: { nodes: [{ name: 'redis-1' }, { name: 'redis-1-replica', replicaOf: 'redis-1' }, { name: 'redis-2' }], clients: 2, durationMs: 4_000 },
  workload: { resource: 'lock:plan', ttlMs: 1_000, workMs: { min: 50, max: 100 }, thinkMs: { min: 10, max: 20 } },
  faults: [{ kind: 'pause', at: 100, process: 'client-1', durationMs: 50 }],
  livenessBoundMs: 9_000,
  variants: [
    { name: 'primaries', lock: singleInstance(), expected: 'safe' },
    { name: 'named', lock: singleInstance(), nodes: ['redis-2'], resource: 'fenced', world: { durationMs: 6_000 }, faults: [], expected: 'safe' },
  ],
};

describe('planRun', () => {
  it('gives the lock every primary, never a replica, unless the variant names its nodes', () => {
    const plan = planRun(scenario, scenario.variants[0]!);
    expect(plan.lockNodes).toEqual(['redis-1', 'redis-2']);
    expect(plan.primaries).toEqual(['redis-1', 'redis-2']);
    expect(plan.replicas).toEqual(['redis-1-replica']);
    expect(plan.nodes.map((n) => n.name)).toEqual(['redis-1', 'redis-1-replica', 'redis-2']);
    expect(planRun(scenario, scenario.variants[1]!).lockNodes).toEqual(['redis-2']);
  });

  it('merges the variant into the scenario: world, faults, resource, properties, liveness bound', () => {
    const plan = planRun(scenario, scenario.variants[1]!);
    expect(plan.durationMs).toBe(6_000);
    expect(plan.faults).toEqual([]);
    expect(plan.resourceMode).toBe('fenced');
    expect(plan.properties).toEqual(['fencing', 'lost-updates', 'liveness']);
    expect(plan.livenessBoundMs).toBe(9_000);
    expect(planRun({ ...scenario, livenessBoundMs: undefined }, scenario.variants[0]!).livenessBoundMs).toBe(3 * 1_000 + 2_000);
    expect(planRun(scenario, scenario.variants[0]!).clients.map((c) => c.name)).toEqual(['client-1', 'client-2']);
  });

  it('takes a run\'s overrides: its schedule and its length', () => {
    const plan = planRun(scenario, scenario.variants[0]!, { durationMs: 2_500, faults: [] });
    expect(plan.durationMs).toBe(2_500);
    expect(plan.world.durationMs).toBe(2_500);
    expect(plan.faults).toEqual([]);
  });

  it('the simulated run uses the plan\'s lock nodes, and the printed world its length', async () => {
    const result = await runScenario(scenario, { seed: 1, variant: 'primaries', durationMs: 3_000 });
    expect(result.history.lockNodes).toEqual(['redis-1', 'redis-2']);
    expect(worldBlock(scenario, result)).toContain('run 3000 ms');
    expect(worldBlock(scenario, await runScenario(scenario, { seed: 1, variant: 'primaries' }))).toContain('run 4000 ms');
  });
});
