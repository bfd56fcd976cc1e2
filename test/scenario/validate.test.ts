import { describe, expect, it } from 'vitest';
import { redlock } from '../../src/locks/index.ts';
import { ScenarioError, validateScenario } from '../../src/scenario/validate.ts';

const good = {
  name: 'mine',
  title: 'My scenario',
  explanation: 'Checks my lock.',
  world: { nodes: 3, clients: 2, durationMs: 10_000 },
  workload: { resource: 'lock:x', ttlMs: 1_000, workMs: { min: 10, max: 20 }, thinkMs: { min: 10, max: 20 } },
  faults: [{ kind: 'pause', at: 100, process: 'client-1', durationMs: 2_000 }],
  variants: [{ name: 'redlock', lock: redlock(), expected: 'safe' }],
};

function problems(value: unknown): string[] {
  try {
    validateScenario(value, 'my-scenario.ts');
    return [];
  } catch (error) {
    if (error instanceof ScenarioError) return [...error.problems];
    throw error;
  }
}

describe('scenario validation names the bad field', () => {
  it('accepts a good scenario', () => {
    expect(problems(good)).toEqual([]);
  });

  it('rejects a missing default export shape', () => {
    expect(problems(42)[0]).toContain('export default');
  });

  it('names an unknown fault kind and lists the known ones', () => {
    const p = problems({ ...good, faults: [{ kind: 'meteor', at: 1 }] });
    expect(p[0]).toContain('faults[0].kind: unknown fault kind "meteor"');
    expect(p[0]).toContain('pause');
  });

  it('names a fault aimed at a process that does not exist', () => {
    expect(problems({ ...good, faults: [{ kind: 'pause', at: 1, process: 'client-9', durationMs: 5 }] })[0]).toContain("faults[0].process: \"client-9\" is not a process of this world");
  });

  it('names a bad verdict, a bad persistence mode, a missing lock and a bad TTL', () => {
    const p = problems({
      ...good,
      world: { ...good.world, nodes: [{ name: 'redis-1', persistence: 'sometimes' }] },
      workload: { ...good.workload, ttlMs: -5 },
      variants: [{ name: 'x', lock: 'redlock', expected: 'fine' }],
    });
    expect(p.join('\n')).toContain('world.nodes[0].persistence: must be one of none, aof-everysec, aof-always');
    expect(p.join('\n')).toContain('workload.ttlMs: must be a positive number');
    expect(p.join('\n')).toContain('variants[0].lock: must be a lock factory');
    expect(p.join('\n')).toContain('variants[0].expected: must be one of safe, unsafe, stuck');
  });
});
