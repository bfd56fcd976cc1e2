/**
 * No false UNSAFE (issue #14): exploring a user's scenario stays inside the lock's model by
 * default, so a correct lock is not reported broken for a fault it never claimed to survive;
 * `ALL_FAULTS` opts out, and a violation says which of its faults were outside the model.
 */
import { describe, expect, it } from 'vitest';
import { explore, redlock, type Scenario } from '../../src/index.ts';
import { ALL_FAULTS, outsideModel, type ModelWorld } from '../../src/faults/model.ts';

/** A user's own scenario file: Redlock over three nodes that restart empty, no generator named. */
const userScenario: Scenario = {
  name: 'my-redlock',
  title: 'my Redlock',
  explanation: 'a user scenario with no explore settings',
  world: { nodes: 3, clients: 3, durationMs: 12_000 },
  workload: { resource: 'lock:r', ttlMs: 2_000, workMs: { min: 500, max: 1_500 }, thinkMs: { min: 0, max: 20 }, stopAtValidity: { marginMs: 5 } },
  faults: [],
  variants: [{ name: 'redlock', lock: redlock(), expected: 'safe' }],
};

describe('exploration and the lock model', () => {
  it('does not report a correct Redlock unsafe with the default (in-model) faults', async () => {
    const result = await explore(userScenario, { seed: 1, runs: 400 });
    expect(result.found ? `${result.token}\n${result.shrunk?.outsideModel.join('\n')}` : 'not found').toBe('not found');
  }, 240_000);

  it('finds it broken outside the model when asked, and says which faults were outside', async () => {
    const result = await explore(userScenario, { seed: 1, runs: 300, generator: ALL_FAULTS });
    expect(result.found).toBe(true);
    expect(result.shrunk?.outsideModel.length).toBeGreaterThan(0);
  }, 240_000);

  const world: ModelWorld = {
    clients: ['client-1'],
    persistence: new Map([
      ['volatile', 'none'],
      ['durable', 'aof-always'],
      ['everysec', 'aof-everysec'],
    ]),
    resource: 'resource',
    resourceMode: 'unguarded',
    ttlMs: 2_000,
  };
  const cases: Array<[string, Parameters<typeof outsideModel>[0], ModelWorld, boolean]> = [
    ['a client pause', { kind: 'pause', at: 0, process: 'client-1', durationMs: 100 }, world, true],
    ['a client pause with a fenced resource', { kind: 'pause', at: 0, process: 'client-1', durationMs: 100 }, { ...world, resourceMode: 'fenced' }, false],
    ['a node pause', { kind: 'pause', at: 0, process: 'volatile', durationMs: 100 }, world, false],
    ['a node wall-clock jump', { kind: 'jump', at: 0, process: 'durable', deltaMs: 500 }, world, true],
    ['a client wall-clock jump', { kind: 'jump', at: 0, process: 'client-1', deltaMs: 500 }, world, false],
    ['node drift within 1 %', { kind: 'drift', at: 0, process: 'durable', ppm: 5_000 }, world, false],
    ['node drift of 2 %', { kind: 'drift', at: 0, process: 'durable', ppm: 20_000 }, world, true],
    ['client drift', { kind: 'drift', at: 0, process: 'client-1', ppm: 1_000 }, world, true],
    ['a crash of an AOF-always node, restarted at once', { kind: 'crash', at: 0, process: 'durable', restartAfterMs: 10 }, world, false],
    ['a crash of a node without persistence, restarted at once', { kind: 'crash', at: 0, process: 'volatile', restartAfterMs: 10 }, world, true],
    ['a crash of a node without persistence, restarted after the TTL', { kind: 'crash', at: 0, process: 'volatile', restartAfterMs: 2_500 }, world, false],
    ['a process crash of an AOF-everysec node, restarted at once', { kind: 'crash', at: 0, process: 'everysec', restartAfterMs: 10 }, world, false],
    ['a power loss of an AOF-everysec node, restarted at once', { kind: 'crash', at: 0, process: 'everysec', restartAfterMs: 10, machine: true }, world, true],
    ['a delayed link to the resource', { kind: 'delay', at: 0, from: ['client-1'], to: ['resource'], delay: { kind: 'fixed', ms: 100 } }, world, true],
    ['a delayed link to the resource, fenced', { kind: 'delay', at: 0, from: ['client-1'], to: ['resource'], delay: { kind: 'fixed', ms: 100 } }, { ...world, resourceMode: 'fenced' }, false],
    ['a partition of nodes', { kind: 'partition', at: 0, groups: [['client-1'], ['durable', 'volatile']] }, world, false],
    ['a failover', { kind: 'failover', at: 0, replica: 'durable' }, world, true],
  ];
  for (const [what, fault, w, outside] of cases) {
    it(`${what} is ${outside ? 'outside' : 'inside'} the model`, () => {
      expect(outsideModel(fault, w) !== null).toBe(outside);
    });
  }
});
