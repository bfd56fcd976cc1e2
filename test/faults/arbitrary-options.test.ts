/**
 * What each option of the fault generator (src/faults/arbitrary.ts) changes in the schedules it
 * draws, and the values each fault kind is drawn with: asserted on samples drawn with fixed
 * seeds, so every figure here is reproducible.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_KINDS, faultSchedule, type FaultGenerator, type GeneratorWorld } from '../../src/faults/arbitrary.ts';
import type { Fault, FaultKind } from '../../src/faults/fault.ts';

const world: GeneratorWorld = { clients: ['client-1', 'client-2'], nodes: ['redis-1', 'redis-2', 'redis-3'], durationMs: 30_000, ttlMs: 5_000 };

function schedules(w: GeneratorWorld, generator: FaultGenerator = {}, seed = 31, numRuns = 300): Fault[][] {
  return fc.sample(faultSchedule(w, generator), { numRuns, seed });
}
/** Every fault drawn, heals left out. */
function drawn(w: GeneratorWorld, generator: FaultGenerator = {}, seed = 31, numRuns = 300): Fault[] {
  return schedules(w, generator, seed, numRuns).flat().filter((f) => f.kind !== 'heal');
}
type Of<K extends FaultKind> = Extract<Fault, { kind: K }>;
const only = <K extends FaultKind>(faults: readonly Fault[], kind: K): Of<K>[] => faults.filter((f): f is Of<K> => f.kind === kind);
const lengths = (faults: readonly Fault[]): number[] =>
  faults.flatMap((f) => ('durationMs' in f && f.durationMs !== undefined ? [f.durationMs] : f.kind === 'crash' && f.restartAfterMs !== undefined ? [f.restartAfterMs] : []));
const readable = (n: number): boolean => Number.isInteger(n) && (Math.abs(n) < 1000 || n % 10 === 0);

describe('the values each fault kind is drawn with', () => {
  // Drawn inside each test (not once for the file), so that mutation testing sees which test runs the generator.
  const drawAll = (): Fault[] => drawn(world, { kinds: ['partition', 'cut', 'delay', 'loss', 'drift', 'jump', 'pause', 'crash'], minFaults: 1 }, 32, 400);

  it('draws every kind it is given', () => {
    const all = drawAll();
    expect(new Set(all.map((f) => f.kind))).toEqual(new Set(['partition', 'cut', 'delay', 'loss', 'drift', 'jump', 'pause', 'crash']));
  });

  it('prints readably: whole milliseconds, whole tens from a second on', () => {
    const all = drawAll();
    const numbers = all.flatMap((f) => [f.at, ...lengths([f]), ...(f.kind === 'jump' ? [f.deltaMs] : []), ...(f.kind === 'delay' && f.delay.kind === 'fixed' ? [f.delay.ms] : [])]);
    expect(numbers.filter((n) => !readable(n))).toEqual([]);
    // times are drawn to the 10 ms in a window of a second or more
    expect(all.filter((f) => f.at % 10 !== 0)).toEqual([]);
    expect(lengths(all).some((n) => n < 1000 && n % 10 !== 0)).toBe(true);
  });

  it('partitions split the world in two non-empty halves, dropping or holding', () => {
    const all = drawAll();
    const partitions = only(all, 'partition');
    expect(partitions.length).toBeGreaterThan(20);
    const everyone = [...world.clients, ...world.nodes].sort();
    for (const p of partitions) {
      expect(p.groups).toHaveLength(2);
      const [a, b] = p.groups as [string[], string[]];
      expect(a.length * b.length).toBeGreaterThan(0);
      expect([...a, ...b].sort()).toEqual(everyone);
    }
    expect(new Set(partitions.map((p) => p.mode))).toEqual(new Set(['drop', 'hold']));
    expect(partitions.some((p) => (p.groups[0] as string[]).length > 1)).toBe(true);
  });

  it('cuts go from one process to one node, never to itself', () => {
    const all = drawAll();
    const cuts = only(all, 'cut');
    expect(cuts.length).toBeGreaterThan(20);
    for (const c of cuts) {
      expect(c.from).toHaveLength(1);
      expect(c.to).toHaveLength(1);
      expect(world.nodes).toContain(c.to[0]);
      expect(c.from[0]).not.toBe(c.to[0]);
    }
    expect(new Set(cuts.map((c) => c.from[0])).size).toBeGreaterThan(3);
  });

  it('delays and losses hit one link, or every link out of one process', () => {
    const all = drawAll();
    const links = [...only(all, 'delay'), ...only(all, 'loss')];
    const everyone = [...world.clients, ...world.nodes];
    let single = 0;
    let fan = 0;
    for (const l of links) {
      expect(l.from).toHaveLength(1);
      expect(l.to).not.toContain(l.from[0]);
      if (l.to.length === 1) single++;
      else {
        expect(l.to).toEqual(everyone.filter((p) => p !== l.from[0]));
        fan++;
      }
    }
    expect([single, fan].every((n) => n > 5)).toBe(true);
  });

  it('delays are fixed, from 10 ms to two TTLs; losses from 10 % to 100 % in tenths', () => {
    const all = drawAll();
    const delays = only(all, 'delay').map((d) => (d.delay.kind === 'fixed' ? d.delay.ms : Number.NaN));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...delays)).toBeLessThanOrEqual(2 * world.ttlMs);
    const losses = only(all, 'loss').map((l) => l.probability);
    expect(losses.every((p) => p >= 0.1 && p <= 1 && Number.isInteger(Math.round(p * 10)) && Math.abs(p * 10 - Math.round(p * 10)) < 1e-9)).toBe(true);
    expect(new Set(losses).size).toBeGreaterThan(4);
  });

  it('drift is whole thousands of ppm within ±10 % by default, both ways', () => {
    const all = drawAll();
    const ppms = only(all, 'drift').map((d) => d.ppm);
    expect(ppms.every((p) => p % 1000 === 0 && Math.abs(p) <= 100_000)).toBe(true);
    expect(Math.min(...ppms)).toBeLessThan(-20_000);
    expect(Math.max(...ppms)).toBeGreaterThan(20_000);
  });

  it('clock jumps go both ways, by 10 ms to two TTLs', () => {
    const all = drawAll();
    const deltas = only(all, 'jump').map((j) => j.deltaMs);
    expect(deltas.some((d) => d < 0) && deltas.some((d) => d > 0)).toBe(true);
    expect(deltas.every((d) => Math.abs(d) >= 10 && Math.abs(d) <= 2 * world.ttlMs)).toBe(true);
  });

  it('pauses and crashes hit clients and nodes; crashes always restart', () => {
    const all = drawAll();
    for (const kind of ['pause', 'crash'] as const) {
      const hit = new Set(only(all, kind).map((f) => f.process));
      expect([...hit].sort()).toEqual([...world.clients, ...world.nodes].sort());
    }
    expect(only(all, 'crash').every((c) => c.restartAfterMs !== undefined && c.machine === undefined)).toBe(true);
  });
});

describe('what the generator options change', () => {
  it('by default draws the default kinds, and failover too in a world with replicas', () => {
    expect(new Set(drawn(world).map((f) => f.kind))).toEqual(new Set(DEFAULT_FAULT_KINDS));
    const replicas: GeneratorWorld = { ...world, nodes: [...world.nodes, 'redis-1-replica'], replicas: ['redis-1-replica'] };
    expect(new Set(drawn(replicas).map((f) => f.kind))).toEqual(new Set([...DEFAULT_FAULT_KINDS, 'failover']));
  });

  it('leaves out a heal in kinds, and a failover in a world without replicas', () => {
    expect(new Set(drawn(world, { kinds: ['heal', 'failover', 'pause'] }).map((f) => f.kind))).toEqual(new Set(['pause']));
  });

  it('leaves out a process kind no process may suffer, and keeps the network kinds then', () => {
    const faults = drawn(world, { kinds: ['pause', 'delay'], clientFaults: false, nodeFaults: ['crash'] });
    expect(new Set(faults.map((f) => f.kind))).toEqual(new Set(['delay']));
  });

  it('clientFaults and nodeFaults: true, false or the kinds listed', () => {
    const targets = (generator: FaultGenerator): Set<string> => new Set(only(drawn(world, { kinds: ['pause', 'jump'], ...generator }), 'pause').map((f) => f.process));
    expect(targets({ clientFaults: true, nodeFaults: false })).toEqual(new Set(world.clients));
    expect(targets({ clientFaults: false, nodeFaults: true })).toEqual(new Set(world.nodes));
    expect(targets({ clientFaults: ['pause'], nodeFaults: ['jump'] })).toEqual(new Set(world.clients));
    const jumps = new Set(only(drawn(world, { kinds: ['pause', 'jump'], clientFaults: ['pause'], nodeFaults: ['jump'] }), 'jump').map((f) => f.process));
    expect(jumps).toEqual(new Set(world.nodes));
  });

  it('minFaults and maxFaults bound the faults before the heal', () => {
    const sizes = schedules(world, { minFaults: 2, maxFaults: 5 }).map((s) => s.length - 1);
    expect(Math.min(...sizes)).toBe(2);
    expect(Math.max(...sizes)).toBe(5);
    const byDefault = schedules(world).map((s) => Math.max(0, s.length - 1));
    expect([Math.min(...byDefault), Math.max(...byDefault)]).toEqual([0, 3]);
  });

  it('the final heal comes after the window and the longest dwell, and every fault starts in the window', () => {
    const windowMs = { from: 2_000, to: 4_000 };
    for (const s of schedules(world, { windowMs, maxDwellMs: 3_000, minFaults: 1 })) {
      const heal = s.at(-1) as Fault;
      expect(heal).toEqual({ kind: 'heal', at: 4_000 + 3_000 + 10 });
      for (const f of s.slice(0, -1)) expect(f.at >= windowMs.from && f.at <= windowMs.to).toBe(true);
    }
    // By default the window ends at half the run, or earlier so that the longest dwell ends by 80 % of it.
    const defaults = schedules(world, { minFaults: 1 });
    expect(new Set(defaults.map((s) => s.at(-1)?.at))).toEqual(new Set([Math.min(15_000, 30_000 * 0.8 - 10_000) + 10_000 + 10]));
    const shortTtl = schedules({ ...world, ttlMs: 1_000 }, { minFaults: 1 });
    expect(new Set(shortTtl.map((s) => s.at(-1)?.at))).toEqual(new Set([15_000 + 2_000 + 10]));
    expect(Math.max(...defaults.flat().map((f) => (f.kind === 'heal' ? 0 : f.at)))).toBeGreaterThan(12_000);
  });

  it('a window under a second draws times to the millisecond; one of a second, to the 10 ms', () => {
    for (const windowMs of [{ from: 100, to: 900 }, { from: 2_000, to: 2_500 }]) {
      const faults = drawn(world, { windowMs, minFaults: 1 });
      expect(faults.some((f) => f.at % 10 !== 0)).toBe(true);
      expect(faults.every((f) => f.at >= windowMs.from && f.at <= windowMs.to)).toBe(true);
    }
    expect(drawn(world, { windowMs: { from: 0, to: 1_000 }, minFaults: 1 }).filter((f) => f.at % 10 !== 0)).toEqual([]);
  });

  it('minDwellMs and maxDwellMs bound every length; the longest is 70 % of the run at most', () => {
    const bounded = lengths(drawn(world, { minDwellMs: 700, maxDwellMs: 900, kinds: ['pause', 'crash', 'partition'] }));
    expect(Math.min(...bounded)).toBeGreaterThanOrEqual(700);
    expect(Math.max(...bounded)).toBeLessThanOrEqual(900);
    expect(Math.min(...bounded)).toBeLessThan(750);
    expect(Math.max(...bounded)).toBeGreaterThan(850);
    const short: GeneratorWorld = { ...world, durationMs: 2_000 };
    const capped = lengths(drawn(short, { maxDwellMs: 60_000, kinds: ['pause'] }));
    expect(Math.max(...capped)).toBeLessThanOrEqual(1_400);
    expect(Math.max(...capped)).toBeGreaterThan(1_300);
    // By default lengths go up to two TTLs, from 10 ms.
    const byDefault = lengths(drawn(world, { kinds: ['pause'] }));
    expect(Math.max(...byDefault)).toBeLessThanOrEqual(10_000);
    expect(Math.max(...byDefault)).toBeGreaterThan(9_000);
    expect(Math.min(...byDefault)).toBeGreaterThanOrEqual(10);
    expect(Math.min(...byDefault)).toBeLessThan(100);
  });

  it('a minimum dwell above the maximum is brought down to it', () => {
    const faults = lengths(drawn(world, { minDwellMs: 5_000, maxDwellMs: 300, kinds: ['pause'] }));
    expect(new Set(faults)).toEqual(new Set([300]));
  });

  it('maxDriftPpm bounds the drift drawn', () => {
    const ppms = only(drawn(world, { kinds: ['drift'], maxDriftPpm: 9_000 }), 'drift').map((d) => d.ppm);
    expect(ppms.every((p) => Math.abs(p) <= 9_000)).toBe(true);
    expect(Math.max(...ppms.map(Math.abs))).toBe(9_000);
  });

  it('moments: lengths cluster just around the ones given', () => {
    const moments = [777, 4_321];
    const near = (n: number): boolean => moments.some((m) => Math.abs(n - m) <= Math.max(5, m * 0.1) + 10);
    const got = lengths(drawn({ ...world, moments }, { kinds: ['pause'] }));
    expect(got.filter(near).length / got.length).toBeGreaterThan(0.3);
    const byDefault = lengths(drawn(world, { kinds: ['pause'] }));
    expect(byDefault.filter(near).length / byDefault.length).toBeLessThan(0.15);
  });

  it('moments: lengths fall just below and just above each, within about 10 % of it', () => {
    const m = 4_321;
    const got = lengths(drawn({ ...world, moments: [m] }, { kinds: ['pause'] })).filter((n) => Math.abs(n - m) <= m * 0.1 + 10);
    expect(got.some((n) => n < m - 20) && got.some((n) => n > m + 20)).toBe(true);
    expect(new Set(got).size).toBeGreaterThan(10);
    // about a quarter of all lengths fall in the 10 % just below the moment (uniform draws alone: about 2 %)
    const all = lengths(drawn({ ...world, moments: [m] }, { kinds: ['pause'] }));
    expect(all.filter((n) => n >= m - m * 0.1 && n < m - 20).length / all.length).toBeGreaterThan(0.1);
  });

  it('moments at the bounds of the dwell range count; a moment below them does not', () => {
    const at = (moments: number[], lo: number, hi: number): number => {
      const got = lengths(drawn({ ...world, moments }, { kinds: ['pause'], minDwellMs: 100, maxDwellMs: 9_000 }));
      return got.filter((n) => n >= lo && n <= hi).length / got.length;
    };
    expect(at([100], 100, 110)).toBeGreaterThan(0.25);
    expect(at([9_000], 8_100, 9_000)).toBeGreaterThan(0.25);
    // a moment below the shortest length is no reason to draw one shorter
    expect(Math.min(...lengths(drawn({ ...world, moments: [5] }, { kinds: ['pause'], minDwellMs: 100, maxDwellMs: 9_000 })))).toBeGreaterThanOrEqual(100);
  });

  it('by default lengths cluster around a third, a half and the whole of the TTL', () => {
    const got = lengths(drawn(world, { kinds: ['pause'] }, 34, 600));
    for (const m of [world.ttlMs / 3, world.ttlMs / 2, world.ttlMs]) {
      expect(got.filter((n) => Math.abs(n - m) <= m * 0.1 + 10).length / got.length, `${m}`).toBeGreaterThan(0.08);
    }
  });

  it('moments outside the dwell range are left out: lengths are then uniform', () => {
    const got = lengths(drawn({ ...world, moments: [50_000] }, { kinds: ['pause'], minFaults: 1 }));
    expect(got.every((n) => n >= 10 && n <= 10_000)).toBe(true);
    expect(got.filter((n) => n > 9_000).length / got.length).toBeLessThan(0.2);
  });

  it('times cluster around multiples of the moments (1×, 2×, 3×), within about 5 % of each', () => {
    const moments = [1_230];
    const at = drawn({ ...world, moments }, { kinds: ['pause'], minFaults: 1 }).map((f) => f.at);
    for (const k of [1, 2, 3]) {
      const t = 1_230 * k;
      const near = at.filter((a) => Math.abs(a - t) <= Math.max(5, t * 0.05) + 10);
      expect(near.length, `${k}×`).toBeGreaterThan(10);
      // spread over the 5 % around the multiple, not bunched on it (uniform draws alone put about 1 % there)
      if (k > 1) expect(at.filter((a) => Math.abs(a - t) > 20 && Math.abs(a - t) <= t * 0.05).length / at.length, `${k}× spread`).toBeGreaterThan(0.05);
    }
  });

  it('times cluster at multiples on the bounds of the window too; none falls outside it', () => {
    const windowMs = { from: 1_230, to: 3_690 };
    const at = drawn({ ...world, moments: [1_230] }, { kinds: ['pause'], minFaults: 1, windowMs }).map((f) => f.at);
    expect(at.every((a) => a >= windowMs.from && a <= windowMs.to)).toBe(true);
    // (with the bounds left out of the anchors, about 4 % and 2 %: uniform draws)
    expect(at.filter((a) => a <= 1_300).length / at.length).toBeGreaterThan(0.07);
    expect(at.filter((a) => a >= 3_620).length / at.length).toBeGreaterThan(0.07);
    // moments whose multiples all fall outside the window: uniform times, still inside it
    const outside = drawn({ ...world, moments: [1_000] }, { kinds: ['pause'], minFaults: 1, windowMs: { from: 4_000, to: 5_000 } }).map((f) => f.at);
    expect(outside.every((a) => a >= 4_000 && a <= 5_000)).toBe(true);
  });

  it('delayedRestart: the nodes listed restart no sooner than a TTL and 10 ms later; the others may restart at once', () => {
    const faults = drawn(world, { kinds: ['crash'], clientFaults: false, delayedRestart: ['redis-1'], minFaults: 1 });
    const crashes = only(faults, 'crash');
    expect(crashes).toHaveLength(faults.length);
    const listed = crashes.filter((c) => c.process === 'redis-1').map((c) => c.restartAfterMs ?? 0);
    const others = crashes.filter((c) => c.process !== 'redis-1').map((c) => c.restartAfterMs ?? 0);
    expect(Math.min(...listed)).toBeGreaterThanOrEqual(world.ttlMs + 10);
    expect(listed.every(readable)).toBe(true);
    expect(Math.min(...others)).toBeLessThan(world.ttlMs);
    // a restart already later than a TTL is kept as drawn (not pushed past the longest dwell)
    expect(listed.filter((r) => r < 2 * world.ttlMs).length).toBeGreaterThan(0);
    expect(Math.max(...listed)).toBeLessThanOrEqual(2 * world.ttlMs + 20);
    expect(crashes.every((c) => c.process !== undefined && c.restartAfterMs !== undefined)).toBe(true);
  });

  it('delayedRestart keeps a restart drawn at exactly a TTL and 10 ms', () => {
    const crashes = only(drawn(world, { kinds: ['crash'], clientFaults: false, delayedRestart: world.nodes, minFaults: 1, minDwellMs: 5_010, maxDwellMs: 5_010 }), 'crash');
    expect(new Set(crashes.map((c) => c.restartAfterMs))).toEqual(new Set([5_010]));
  });

  it('resourceFaults in a world without a resource reaches no one new', () => {
    const faults = drawn(world, { kinds: ['delay', 'partition'], resourceFaults: true });
    const names = faults.flatMap((f) => (f.kind === 'partition' ? f.groups.flat() : f.kind === 'delay' ? [...f.from, ...f.to] : []));
    expect(new Set(names)).toEqual(new Set([...world.clients, ...world.nodes]));
  });

  it('a world without nodes still draws cuts between its processes (to the resource)', () => {
    const bare: GeneratorWorld = { clients: ['client-1', 'client-2'], nodes: [], resource: 'resource', resourceFenced: true, durationMs: 30_000, ttlMs: 5_000 };
    const cuts = only(drawn(bare, { kinds: ['cut'], minFaults: 1 }), 'cut');
    expect(cuts.length).toBeGreaterThan(50);
    for (const c of cuts) expect(c.from[0]).not.toBe(c.to[0]);
  });

  it('swarm: each schedule draws from a subset of kinds, the same subset throughout; swarm off mixes them all', () => {
    const kindsPer = (generator: FaultGenerator): number[] => schedules(world, { minFaults: 3, maxFaults: 3, ...generator }, 33).map((s) => new Set(s.slice(0, -1).map((f) => f.kind)).size);
    const swarm = kindsPer({});
    const mixed = kindsPer({ swarm: false });
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(swarm)).toBeLessThan(mean(mixed) - 0.3);
    // A single kind needs no swarm: schedules of one kind either way.
    expect(new Set(kindsPer({ kinds: ['pause'] }))).toEqual(new Set([1]));
  });
});
