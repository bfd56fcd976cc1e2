/**
 * `lease(…, { renewal: 'recreate-missing' })` does the flaw it names, shaped as the libraries
 * that have it: a holder paused past its lease resumes, its renewal finds the key gone and SETs
 * it again, and the holder goes on to write on a stale read (a lost update). The correct twin
 * (`renewal: 'extend'`) learns at resume that its lease expired and abandons the write.
 * Written against the public API only.
 */
import { describe, expect, it } from 'vitest';
import { lease, runScenario, singleInstance, type Scenario } from '../../src/index.ts';

function resurrection(renewal: 'extend' | 'recreate-missing'): Scenario {
  return {
    name: 'resurrection',
    title: 'a holder paused past its lease resumes and renews',
    explanation: 'client-1 is paused past its TTL (its work timer and renewal come due meanwhile); client-2 takes the lock, writes and releases; client-1 resumes.',
    world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 2_100 }], durationMs: 8_000 },
    workload: { resource: 'lock:r', ttlMs: 2_000, workMs: { min: 1_000, max: 1_000 }, thinkMs: { min: 50, max: 50 }, iterations: 1 },
    faults: [{ kind: 'pause', at: 100, process: 'client-1', durationMs: 3_500 }],
    variants: [{ name: renewal, lock: lease(singleInstance(), { renewal }), expected: renewal === 'extend' ? 'safe' : 'unsafe', properties: ['lost-updates'] }],
  };
}

describe("renewal: 'recreate-missing' resurrects a lost lease", () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: the flawed renewal writes on a stale read; the correct twin abandons`, async () => {
      const flawed = await runScenario(resurrection('recreate-missing'), { seed });
      const twin = await runScenario(resurrection('extend'), { seed });
      expect(flawed.violations.map((v) => v.property)).toEqual(['lost-update']);
      expect(flawed.verdict).toBe('unsafe');
      // The holder's renewal re-created the key after its resume: it never learned it lost the lock.
      expect(flawed.history.keys.some((k) => k.holder === 'client-1' && k.from >= 3_600_000)).toBe(true);
      expect(flawed.history.events.filter((e) => e.process === 'client-1' && e.kind === 'lost')).toEqual([]);
      expect(twin.verdict).toBe('safe');
      expect(twin.history.events.some((e) => e.process === 'client-1' && e.kind === 'lost')).toBe(true);
      expect(twin.history.writes.filter((w) => w.process === 'client-1')).toEqual([]);
    });
  }
});
