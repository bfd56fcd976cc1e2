/**
 * Real time inside the simulation gives no verdict (issue #14 item 6): a lock that reads the
 * host's clock, timers or randomness instead of the context it is given runs against simulated
 * nodes on real time, and any verdict would be meaningless. Written from the user's side: locks
 * built on the public interface, one reaching for real time, its twin using the context.
 */
import { describe, expect, it } from 'vitest';
import { checkLock, LockCheckError } from '../../src/testing.ts';
import { runScenario, type LockFactory, type Scenario } from '../../src/index.ts';

/** A SET NX PX lock whose validity and token come from `now` and `token` (the part each variant gets wrong or right). */
function setNxLock(name: string, now: (ctx: Parameters<LockFactory>[0]) => number, token: (ctx: Parameters<LockFactory>[0]) => string): LockFactory {
  return (ctx) => ({
    name,
    async acquire(resource, ttlMs) {
      const value = token(ctx);
      const start = now(ctx);
      const ok = await ctx.nodes[0]?.call('SET', resource, value, 'PX', ttlMs, 'NX');
      return ok === 'OK' ? { resource, value, validUntil: start + ttlMs - 10, timeSource: 'wall' as const } : null;
    },
    async release(lease) {
      await ctx.nodes[0]?.call('EVAL', "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end", 1, lease.resource, lease.value);
    },
  });
}

const careful = setNxLock('context-clock', (ctx) => ctx.clock.now(), (ctx) => ctx.random.hex(8));
const dateNow = setNxLock('date-now', () => Date.now(), (ctx) => ctx.random.hex(8));
const mathRandom = setNxLock('math-random', (ctx) => ctx.clock.now(), () => Math.random().toString(36));
const realTimer: LockFactory = (ctx) => {
  const inner = careful(ctx);
  return {
    name: 'real-timer',
    acquire: async (resource, ttlMs) => {
      // A "timeout" on the host's timers: it never fires inside the run.
      const timer = setTimeout(() => {}, 1_000);
      clearTimeout(timer);
      return inner.acquire(resource, ttlMs);
    },
    release: (lease) => inner.release(lease),
  };
};

function scenario(lock: LockFactory): Scenario {
  return {
    name: 'real-time',
    title: 'a lock that may reach for real time',
    explanation: 'two clients, one node, no fault',
    world: { nodes: 1, clients: 2, durationMs: 3_000 },
    workload: { resource: 'lock:r', ttlMs: 1_000, workMs: { min: 50, max: 100 }, thinkMs: { min: 10, max: 20 } },
    faults: [],
    variants: [{ name: 'v', lock, expected: 'safe' }],
  };
}

describe('real time reached from a simulated process', () => {
  for (const [lock, call] of [
    [dateNow, 'Date.now()'],
    [mathRandom, 'Math.random()'],
    [realTimer, 'setTimeout()'],
  ] as const) {
    it(`${call} makes the run invalid, naming the call and where it came from`, async () => {
      const result = await runScenario(scenario(lock), { seed: 1 });
      expect(result.verdict).toBe('invalid');
      expect(result.invalid?.kind).toBe('real-time');
      expect(result.invalid?.reason).toContain(call);
      expect(result.invalid?.reason).toContain('real-time-guard.test.ts');
    });
  }

  it('the twin that uses the clock and random source it is given is judged (safe)', async () => {
    const result = await runScenario(scenario(careful), { seed: 1 });
    expect(result.invalid).toBeNull();
    expect(result.verdict).toBe('safe');
    expect(result.evidence.acquisitions).toBeGreaterThan(5);
  });

  it('checkLock fails on it with the reason, never passes', async () => {
    const error = await checkLock({ lock: dateNow, runs: 5, seed: 1, nodes: 1 }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(LockCheckError);
    expect((error as LockCheckError).message).toContain('Date.now()');
  });

  it('the host clock works again once the run is over', async () => {
    await runScenario(scenario(dateNow), { seed: 1 });
    expect(typeof Date.now()).toBe('number');
    expect(new Date(5).getTime()).toBe(5);
    expect(new Date() instanceof Date).toBe(true);
  });
});
