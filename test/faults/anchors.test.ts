/**
 * Fault times anchored to the lock's own operations (src/faults/anchors.ts): a drawn fault moves
 * to a moment of the fault-free run, onto the anchor's client and node, and never leaves what the
 * generator allows (a link it may not reach, a node of another class).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchorFault, processNames, renameProcesses, type Anchor, type DrawnFault } from '../../src/faults/anchors.ts';
import { scheduleDraw } from '../../src/faults/arbitrary.ts';
import type { Fault } from '../../src/faults/fault.ts';
import { anchorsOf } from '../../src/explore/probe.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { lockScenario } from '../../src/testing.ts';
import { redlock } from '../../src/locks/redlock.ts';

const window = { from: 0, to: 5000 };
const classOf = (name: string): string => (name.startsWith('client') ? 'client' : name === 'redis-3' ? 'volatile node' : name.startsWith('redis') ? 'node' : name);
const reachable = new Set(['client-1', 'client-2', 'redis-1', 'redis-2', 'redis-3']);
const anchors: Anchor[] = [
  { atMs: 100, process: 'client-2', label: 'acquire invoke' },
  { atMs: 101.3, process: 'client-2', peer: 'redis-2', label: 'SET NX PX 2000 set' },
  { atMs: 900, process: 'client-1', peer: 'resource', label: 'write invoke' },
];
const pick = (label: number, link: 'keep' | 'reply' | 'request' = 'keep', offsetMs = 0.5) => ({ label, instance: 0, offsetMs, link });

describe('anchored faults', () => {
  it('moves a pause to its anchor and onto the anchor\'s client', () => {
    const drawn: DrawnFault = { fault: { kind: 'pause', at: 4000, process: 'client-1', durationMs: 300 }, anchor: pick(0) };
    // Labels sort: 'SET NX PX 2000 set', 'acquire invoke', 'write invoke'; 0 is the SET at 101.3 ms.
    expect(anchorFault(drawn, anchors, window, classOf, reachable)).toEqual({ kind: 'pause', at: 101.8, process: 'client-2', durationMs: 300 });
  });

  it('puts a link fault on the reply or the request link of the anchor\'s command', () => {
    const delay: Fault = { kind: 'delay', at: 3000, from: ['client-1'], to: ['redis-1', 'redis-2', 'redis-3', 'client-2'], delay: { kind: 'fixed', ms: 2500 }, durationMs: 50 };
    expect(anchorFault({ fault: delay, anchor: pick(0, 'reply', -0.2) }, anchors, window, classOf, reachable)).toMatchObject({ at: 101.1, from: ['redis-2'], to: ['client-2'] });
    expect(anchorFault({ fault: delay, anchor: pick(0, 'request') }, anchors, window, classOf, reachable)).toMatchObject({ from: ['client-2'], to: ['redis-2'] });
    // Kept: the same shape, its client and node swapped for the anchor's.
    const kept = anchorFault({ fault: delay, anchor: pick(0, 'keep') }, anchors, window, classOf, reachable);
    expect(kept).toMatchObject({ from: ['client-2'], to: ['redis-2', 'redis-1', 'redis-3', 'client-1'] });
  });

  it("starts a link fault drawn in flight just before the anchor's message leaves, so that it catches it", () => {
    const delay: Fault = { kind: 'delay', at: 3000, from: ['client-1'], to: ['redis-1'], delay: { kind: 'fixed', ms: 2500 }, durationMs: 50 };
    // +0.5 ms in flight counts back on the anchor's own link (the reply leaves the node at 101.3 ms)...
    expect(anchorFault({ fault: delay, anchor: pick(0, 'reply', 0.5) }, anchors, window, classOf, reachable)).toMatchObject({ at: 100.8 });
    // ...a process fault still follows the anchor, and so does a later offset on a link.
    const pause: Fault = { kind: 'pause', at: 4000, process: 'client-1', durationMs: 300 };
    expect(anchorFault({ fault: pause, anchor: pick(0, 'keep', 0.5) }, anchors, window, classOf, reachable)).toMatchObject({ at: 101.8 });
    expect(anchorFault({ fault: delay, anchor: pick(0, 'reply', 150) }, anchors, window, classOf, reachable)).toMatchObject({ at: 251.3 });
  });

  it('draws the moments where the lock changed hands twice as often as the others', () => {
    const moments: Anchor[] = [
      { atMs: 10, process: 'client-1', label: 'acquire invoke' },
      { atMs: 20, process: 'client-1', label: 'acquire ok', turn: true },
      { atMs: 30, process: 'client-1', label: 'release invoke' },
    ];
    const pause: Fault = { kind: 'pause', at: 4000, process: 'client-1', durationMs: 300 };
    const landed = Array.from({ length: 1000 }, (_, i) => anchorFault({ fault: pause, anchor: { label: i, instance: 0, offsetMs: 0, link: 'keep' } }, moments, window, classOf, reachable).at);
    expect(landed.filter((at) => at === 20).length).toBe(500);
    expect(landed.filter((at) => at === 10).length).toBe(250);
  });

  it('never moves a link fault onto a link the generator may not reach (the unfenced resource)', () => {
    const onlyWrite = [anchors[2] as Anchor];
    const delay: Fault = { kind: 'delay', at: 3000, from: ['redis-1'], to: ['client-1'], delay: { kind: 'fixed', ms: 2500 }, durationMs: 50 };
    expect(anchorFault({ fault: delay, anchor: pick(0, 'reply') }, onlyWrite, window, classOf, reachable)).toEqual(delay);
    const withResource = new Set([...reachable, 'resource']);
    expect(anchorFault({ fault: delay, anchor: pick(0, 'reply') }, onlyWrite, window, classOf, withResource)).toMatchObject({ from: ['resource'], to: ['client-1'] });
  });

  it('swaps nodes only within their class: a durable node\'s crash never becomes a volatile node\'s', () => {
    const crash: Fault = { kind: 'crash', at: 3000, process: 'redis-1', restartAfterMs: 10 };
    const toVolatile: Anchor[] = [{ atMs: 200, process: 'client-1', peer: 'redis-3', label: 'SET NX PX 2000 set' }];
    expect(anchorFault({ fault: crash, anchor: pick(0) }, toVolatile, window, classOf, reachable)).toEqual({ ...crash, at: 200.5 });
  });

  it('keeps its time inside the window and leaves unanchored faults alone', () => {
    const late: Anchor[] = [{ atMs: 4990, process: 'client-1', label: 'release invoke' }];
    const pause: Fault = { kind: 'pause', at: 10, process: 'redis-1', durationMs: 5 };
    expect(anchorFault({ fault: pause, anchor: pick(0, 'keep', 300) }, late, window, classOf, reachable).at).toBe(5000);
    expect(anchorFault({ fault: pause, anchor: null }, anchors, window, classOf, reachable)).toBe(pause);
  });

  it('renames every process a fault names, and only those', () => {
    const partition: Fault = { kind: 'partition', at: 5, groups: [['client-1', 'redis-1'], ['client-2', 'redis-2']] };
    expect(processNames(partition)).toEqual(['client-1', 'redis-1', 'client-2', 'redis-2']);
    const swapped = renameProcesses(partition, (n) => (n === 'client-1' ? 'client-2' : n === 'client-2' ? 'client-1' : n));
    expect(swapped).toEqual({ kind: 'partition', at: 5, groups: [['client-2', 'redis-1'], ['client-1', 'redis-2']] });
    const failover: Fault = { kind: 'failover', at: 5, replica: 'redis-2' };
    expect(renameProcesses(failover, () => 'x')).toEqual(failover);
  });

  it('draws schedules whose anchored faults land on the moments of a real fault-free run', async () => {
    const scenario = lockScenario({ lock: redlock(), nodes: 3 });
    const result = await runScenario(scenario, { seed: 4, faults: [] });
    const found = anchorsOf(result.history);
    // Acquires, releases and the lock-key commands the nodes ran for the clients.
    expect(found.some((a) => a.label === 'acquire ok')).toBe(true);
    expect(found.some((a) => a.peer?.startsWith('redis-') === true && a.label.startsWith('SET NX PX'))).toBe(true);
    const world = { clients: ['client-1', 'client-2', 'client-3'], nodes: ['redis-1', 'redis-2', 'redis-3'], durationMs: 12_000, ttlMs: 2000 };
    const draw = scheduleDraw(world, { windowMs: window }, { anchored: true });
    const times = found.map((a) => a.atMs);
    let anchored = 0;
    for (const drawn of fc.sample(draw.drawn, { numRuns: 300, seed: 3 })) {
      const schedule = draw.resolve(drawn, found);
      if (drawn.length === 0) {
        expect(schedule).toEqual([]);
        continue;
      }
      // A valid schedule: sorted, ending with one heal.
      expect(schedule.at(-1)?.kind).toBe('heal');
      const placed = schedule.slice(0, -1).map((f) => f.at);
      expect(placed).toEqual([...placed].sort((a, b) => a - b));
      const one = drawn[0] as DrawnFault;
      if (drawn.length !== 1 || one.anchor === null) continue;
      const at = (schedule[0] as Fault).at;
      if (at === window.to || at === 0) continue;
      anchored++;
      // Its time is a moment of the run plus the drawn offset (minus it, for a link fault in flight on its anchor's link).
      const offset = one.anchor.offsetMs;
      expect(times.some((t) => Math.abs(t + offset - at) < 0.06 || Math.abs(t - Math.abs(offset) - at) < 0.06), `${at} − ${offset}`).toBe(true);
    }
    expect(anchored).toBeGreaterThan(20);
  });
});
