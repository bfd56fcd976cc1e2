/**
 * The random fault schedules exploration draws (src/faults/arbitrary.ts): their shape holds for
 * every draw (sorted, bounded, a final heal after every fault has ended, with room for the
 * liveness phase), targets respect the generator's rules, and failovers are drawn only in a
 * world with replicas, always naming one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { faultSchedule, type GeneratorWorld } from '../../src/faults/arbitrary.ts';
import type { Fault } from '../../src/faults/fault.ts';

const world: GeneratorWorld = { clients: ['client-1', 'client-2'], nodes: ['redis-1', 'redis-2', 'redis-3'], durationMs: 30_000, ttlMs: 5_000 };
const withReplica: GeneratorWorld = { clients: ['client-1', 'client-2'], nodes: ['redis-1', 'redis-1-replica'], replicas: ['redis-1-replica'], durationMs: 15_000, ttlMs: 10_000 };

function ends(f: Fault): number {
  if ('durationMs' in f && f.durationMs !== undefined) return f.at + f.durationMs;
  if (f.kind === 'crash' && f.restartAfterMs !== undefined) return f.at + f.restartAfterMs;
  return f.at;
}

function processOf(f: Fault): string | undefined {
  return 'process' in f ? f.process : undefined;
}

describe('random fault schedules', () => {
  it('are sorted, at most maxFaults long, and end with a heal after every fault, by 80 % of the run', () => {
    fc.assert(
      fc.property(faultSchedule(world, { maxFaults: 4 }), (schedule) => {
        const heal = schedule[schedule.length - 1] as Fault;
        const faults = schedule.slice(0, -1);
        expect(heal.kind).toBe('heal');
        expect(faults.length).toBeGreaterThanOrEqual(1);
        expect(faults.length).toBeLessThanOrEqual(4);
        expect(faults.map((f) => f.at)).toEqual([...faults.map((f) => f.at)].sort((a, b) => a - b));
        for (const f of faults) {
          expect(f.kind).not.toBe('heal');
          expect(f.kind).not.toBe('failover');
          expect(ends(f)).toBeLessThanOrEqual(heal.at);
          if ('durationMs' in f && f.durationMs !== undefined) expect(f.durationMs).toBeGreaterThanOrEqual(world.ttlMs / 2);
        }
        expect(heal.at).toBeLessThanOrEqual(world.durationMs * 0.8 + 10);
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('hit only the processes the rules allow', () => {
    fc.assert(
      fc.property(faultSchedule(world, { clientFaults: ['pause'], nodeFaults: false, kinds: ['pause', 'crash', 'jump'] }), (schedule) => {
        for (const f of schedule.slice(0, -1)) {
          expect(f.kind).toBe('pause');
          expect(world.clients).toContain(processOf(f));
        }
      }),
      { numRuns: 200, seed: 8 },
    );
  });

  it('draw failovers in a world with replicas, each naming a replica, and never elsewhere', () => {
    const drawn = fc.sample(faultSchedule(withReplica), { numRuns: 300, seed: 9 }).flat();
    const failovers = drawn.filter((f): f is Extract<Fault, { kind: 'failover' }> => f.kind === 'failover');
    expect(failovers.length).toBeGreaterThan(10);
    for (const f of failovers) expect(f.replica).toBe('redis-1-replica');
    const elsewhere = fc.sample(faultSchedule(world), { numRuns: 300, seed: 9 }).flat();
    expect(elsewhere.filter((f) => f.kind === 'failover')).toEqual([]);
  });

  it('refuse a generator that leaves nothing to draw, saying why', () => {
    expect(() => faultSchedule(world, { kinds: ['pause'], clientFaults: false, nodeFaults: false })).toThrow(/no fault kind to draw from \(kinds: pause\)/);
  });
});
