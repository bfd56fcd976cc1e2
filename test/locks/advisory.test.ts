/**
 * The PostgreSQL advisory locks (src/locks/advisory-*.ts) as algorithms: their key, names and
 * option checks, and that each hands out what it says (a token from the sequence, a lease that
 * knows its connection died) in a small simulated world.
 */
import { describe, expect, it } from 'vitest';
import { advisoryKey, pgAdvisoryLock, pgAdvisoryXactLock, type LockContext } from '../../src/locks/index.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';

const context: LockContext = { nodes: [], clock: { now: () => 0, monotonic: () => 0, sleep: () => Promise.resolve(), setTimer: () => () => {} }, random: { next: () => 0, int: () => 0, hex: () => '00' } };

describe('PostgreSQL advisory locks', () => {
  it('derive a signed 64-bit key from the resource, the same everywhere', () => {
    expect(advisoryKey('lock:counter')).toBe(advisoryKey('lock:counter'));
    expect(advisoryKey('lock:counter')).not.toBe(advisoryKey('lock:counter2'));
    for (const r of ['', 'a', 'lock:counter', 'é✓'.repeat(40)]) {
      const key = BigInt(advisoryKey(r));
      expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true);
    }
  });

  it('refuse a world without a database node, and bad options, with a clear error', () => {
    expect(() => pgAdvisoryLock()(context)).toThrow(/database/);
    const withDatabase: LockContext = { ...context, databases: [{ name: 'postgres-1', client: () => { throw new Error('unused'); }, pool: () => ({ connect: () => Promise.reject(new Error('unused')), query: () => Promise.reject(new Error('unused')), end: () => Promise.resolve(), on: () => undefined }) }] };
    expect(() => pgAdvisoryLock({ retryCount: -1 })(withDatabase)).toThrow(/retryCount/);
    expect(() => pgAdvisoryLock({ sequence: 'Robert"; DROP' })(withDatabase)).toThrow(/sequence/);
    expect(() => pgAdvisoryLock({ release: 'drop' as 'unlock' })(withDatabase)).toThrow(/release/);
    expect(pgAdvisoryLock({ wait: true, fencing: true, pool: { lock_timeout: 2000 } })(withDatabase).name).toBe('pg-advisory-lock(wait,fencing,lock_timeout=2000)');
    expect(pgAdvisoryXactLock()(withDatabase).name).toBe('pg-advisory-xact-lock');
  });

  const scenario = (lock: Scenario['variants'][number]['lock'], resource: 'unguarded' | 'fenced' = 'unguarded'): Scenario => ({
    name: 'advisory',
    title: 'Three clients, one database, no faults',
    explanation: 'For the advisory lock tests.',
    world: { nodes: [{ name: 'postgres-1', service: 'postgres' }], clients: 3, durationMs: 5_000 },
    workload: { resource: 'lock:x', ttlMs: 1_000, workMs: { min: 10, max: 30 }, thinkMs: { min: 0, max: 20 } },
    faults: [],
    variants: [{ name: 'v', lock, resource, expected: 'safe' }],
  });

  for (const [name, lock] of [
    ['session lock, try', pgAdvisoryLock()],
    ['session lock, wait', pgAdvisoryLock({ wait: true })],
    ['transaction lock, try', pgAdvisoryXactLock()],
    ['transaction lock, wait', pgAdvisoryXactLock({ wait: true })],
  ] as const) {
    it(`${name}: safe and live under contention, every write accepted in order`, async () => {
      const r = await runScenario(scenario(lock), { seed: 1 });
      expect(r.verdict).toBe('safe');
      expect(r.stats.acquired).toBeGreaterThan(30);
      expect(r.stats.finalValue).toBe(r.stats.writesAccepted);
      expect(r.processErrors).toEqual([]);
    });
  }

  it('with fencing: tokens from the sequence rise with every acquisition', async () => {
    for (const lock of [pgAdvisoryLock({ wait: true, fencing: true }), pgAdvisoryXactLock({ wait: true, fencing: true })]) {
      const r = await runScenario(scenario(lock, 'fenced'), { seed: 2 });
      const tokens = r.history.events.filter((e) => e.kind === 'acquire' && e.phase === 'ok').map((e) => e.lease?.fencingToken ?? -1);
      expect(r.verdict).toBe('safe');
      expect(tokens.length).toBeGreaterThan(30);
      expect(tokens).toEqual([...tokens].sort((a, b) => a - b));
      expect(new Set(tokens).size).toBe(tokens.length);
      expect(r.stats.writesRefused).toBe(0);
    }
  });
});
