/**
 * A renewed key's lifetime goes on (src/redis/node.ts reports a same-value renewal, src/check/
 * keys.ts extends the lifetime): a lease renewed past its first TTL is not recorded as expired at
 * that TTL, so explanations ("past the moment its lock expired on a quorum") measure from the
 * key's real end.
 */
import { describe, expect, it } from 'vitest';
import { lease, singleInstance } from '../../src/locks/index.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';

const scenario: Scenario = {
  name: 'renewed',
  title: 'a lease renewed past its TTL',
  explanation: 'client-1 holds for 3 s under a 1 s TTL, renewed every 1/3 TTL; nothing fails.',
  world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }], durationMs: 4_000, delay: { kind: 'fixed', ms: 1 } },
  workload: { resource: 'lock:r', ttlMs: 1_000, workMs: { min: 3_000, max: 3_000 }, thinkMs: { min: 5_000, max: 5_000 } },
  faults: [],
  variants: [{ name: 'lease', lock: lease(singleInstance()), expected: 'safe' }],
};

describe('key lifetimes of a renewed lease', () => {
  it('one lifetime from the acquire to the release, not one that expires at the first TTL', async () => {
    const r = await runScenario(scenario, { seed: 1, variant: 'lease' });
    expect(r.verdict).toBe('safe');
    const keys = r.history.keys.filter((k) => k.node === 'redis-1');
    expect(keys).toHaveLength(1);
    expect(keys[0]?.holder).toBe('client-1');
    expect(keys[0]?.endedBy).toBe('deleted');
    expect(keys[0]?.to ?? 0).toBeGreaterThan(3_000_000);
  });
});
