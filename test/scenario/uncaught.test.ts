import { describe, expect, it } from 'vitest';
import { criticalSections } from '../../src/check/sections.ts';
import type { LockFactory } from '../../src/locks/interface.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';

/** A lock whose background timer throws 10 ms after it acquires: the client dies of it. */
const explodingLock: LockFactory = ({ clock }) => ({
  name: 'exploding',
  async acquire(resource, ttlMs) {
    clock.setTimer(10, () => {
      throw new Error('boom in a lock timer');
    });
    return { resource, value: 'v', validUntil: clock.monotonic() + ttlMs, timeSource: 'monotonic' };
  },
  async release() {},
});

const scenario: Scenario = {
  name: 'uncaught',
  title: 'A client dies of an uncaught error',
  explanation: 'The lock throws from a timer; the process crashes, and its section ends there.',
  world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }], durationMs: 1_000 },
  workload: { resource: 'lock:x', ttlMs: 500, workMs: { min: 100, max: 100 }, thinkMs: { min: 10, max: 10 } },
  faults: [],
  variants: [{ name: 'exploding', lock: explodingLock, expected: 'safe' }],
};

describe('a client that dies of an uncaught error', () => {
  it('is recorded as crashed, and its critical section ends at the crash', async () => {
    const result = await runScenario(scenario, { seed: 1 });
    expect(result.processErrors.map((e) => e.message)).toEqual(['Error: boom in a lock timer']);
    const crash = result.history.events.find((e) => e.kind === 'crash');
    expect(crash?.process).toBe('client-1');
    const [section] = criticalSections(result.history);
    expect(section?.endedBy).toBe('crash');
    expect(section?.end).toBe(crash?.at);
  });
});
