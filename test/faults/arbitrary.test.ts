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
        if (schedule.length === 0) return; // no fault, no heal: a bug that needs no fault shrinks to this
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
          if ('durationMs' in f && f.durationMs !== undefined) expect(f.durationMs).toBeGreaterThanOrEqual(10);
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

  it('shrink to the empty schedule when the failure needs no fault', () => {
    const result = fc.check(fc.property(faultSchedule(world), () => false), { seed: 3, numRuns: 10 });
    expect(result.counterexample?.[0]).toEqual([]);
  });

  it('draw each run from a subset of the kinds (swarm testing), so single-kind schedules are common', () => {
    const schedules = fc.sample(faultSchedule(world, { minFaults: 2, maxFaults: 3 }), { numRuns: 400, seed: 11 });
    const singleKind = schedules.filter((s) => new Set(s.slice(0, -1).map((f) => f.kind)).size === 1);
    expect(singleKind.length).toBeGreaterThan(100);
    const noSwarm = fc.sample(faultSchedule(world, { minFaults: 2, maxFaults: 3, swarm: false }), { numRuns: 400, seed: 11 });
    expect(noSwarm.filter((s) => new Set(s.slice(0, -1).map((f) => f.kind)).size === 1).length).toBeLessThan(singleKind.length);
  });

  it('reach the link to a fenced resource, unless told not to; an unfenced one only when asked', () => {
    const withResource: GeneratorWorld = { ...world, resource: 'resource', resourceFenced: true };
    const touches = (f: Fault): boolean =>
      (f.kind === 'delay' || f.kind === 'loss' || f.kind === 'cut') ? [...f.from, ...f.to].includes('resource') : f.kind === 'partition' ? f.groups.flat().includes('resource') : false;
    const drawn = fc.sample(faultSchedule(withResource, { kinds: ['delay', 'partition'] }), { numRuns: 300, seed: 12 }).flat();
    expect(drawn.filter(touches).length).toBeGreaterThan(30);
    const kept = fc.sample(faultSchedule(withResource, { kinds: ['delay', 'partition'], resourceFaults: false }), { numRuns: 300, seed: 12 }).flat();
    expect(kept.filter(touches)).toEqual([]);
    const unfenced = fc.sample(faultSchedule({ ...withResource, resourceFenced: false }, { kinds: ['delay', 'partition'] }), { numRuns: 300, seed: 12 }).flat();
    expect(unfenced.filter(touches)).toEqual([]);
    const asked = fc.sample(faultSchedule({ ...withResource, resourceFenced: false }, { kinds: ['delay', 'partition'], resourceFaults: true }), { numRuns: 300, seed: 12 }).flat();
    expect(asked.filter(touches).length).toBeGreaterThan(30);
  });

  it('draw lengths around the moments that matter (just below and above the TTL) as well as uniformly', () => {
    const delays = fc
      .sample(faultSchedule(world, { kinds: ['delay'], minFaults: 1 }), { numRuns: 400, seed: 13 })
      .flat()
      .flatMap((f) => (f.kind === 'delay' && f.delay.kind === 'fixed' ? [f.delay.ms] : []));
    const nearTtl = delays.filter((d) => Math.abs(d - world.ttlMs) <= world.ttlMs * 0.1);
    // A uniform draw over 10..10 000 ms would put about 10 % there; the moments put far more.
    expect(nearTtl.length / delays.length).toBeGreaterThan(0.15);
  });

  it('restart nodes that lose their keys no sooner than one TTL later when asked (Redlock\'s delayed restart)', () => {
    const crashes = fc
      .sample(faultSchedule(world, { kinds: ['crash'], clientFaults: false, delayedRestart: world.nodes, minFaults: 1 }), { numRuns: 200, seed: 14 })
      .flat()
      .filter((f): f is Extract<Fault, { kind: 'crash' }> => f.kind === 'crash');
    expect(crashes.length).toBeGreaterThan(100);
    for (const c of crashes) expect(c.restartAfterMs).toBeGreaterThan(world.ttlMs);
  });

  it('refuse a generator that leaves nothing to draw, saying why', () => {
    expect(() => faultSchedule(world, { kinds: ['pause'], clientFaults: false, nodeFaults: false })).toThrow(/no fault kind to draw from \(kinds: pause\)/);
  });
});
