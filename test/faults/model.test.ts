/**
 * The lock's model (src/faults/model.ts): which faults a Redis lock promises to survive, decided
 * fault by fault, and the lines a failing run prints about them; and the small record helpers
 * (src/faults/record.ts) that say what a fault did.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { faultSchedule, type GeneratorWorld } from '../../src/faults/arbitrary.ts';
import type { FaultRecord } from '../../src/check/history.ts';
import type { Fault } from '../../src/faults/fault.ts';
import { ALL_FAULTS, faultsOutsideModel, IN_MODEL_FAULTS, inModelFaults, MODEL_MAX_NODE_DRIFT_PPM, modelLines, outsideModel, type ModelWorld } from '../../src/faults/model.ts';
import { faultEffectText, settleRecords, type PendingRecord } from '../../src/faults/record.ts';

const world = (resourceMode: ModelWorld['resourceMode'] = 'unguarded'): ModelWorld => ({
  clients: ['client-1', 'client-2'],
  persistence: new Map([
    ['redis-1', 'aof-always'],
    ['redis-2', 'aof-everysec'],
    ['redis-3', 'none'],
  ]),
  resource: 'resource',
  resourceMode,
  ttlMs: 1_000,
});
const inside = (f: Fault, mode?: ModelWorld['resourceMode']): boolean => outsideModel(f, world(mode)) === null;

describe('outsideModel', () => {
  it('pauses: a client or the resource only with fencing; a node always', () => {
    expect(inside({ kind: 'pause', at: 0, process: 'client-1', durationMs: 1 })).toBe(false);
    expect(inside({ kind: 'pause', at: 0, process: 'client-1', durationMs: 1 }, 'cas')).toBe(false);
    expect(inside({ kind: 'pause', at: 0, process: 'client-1', durationMs: 1 }, 'fenced')).toBe(true);
    expect(inside({ kind: 'pause', at: 0, process: 'resource', durationMs: 1 })).toBe(false);
    expect(inside({ kind: 'pause', at: 0, process: 'resource', durationMs: 1 }, 'fenced')).toBe(true);
    expect(inside({ kind: 'pause', at: 0, process: 'redis-3', durationMs: 1 })).toBe(true);
    expect(outsideModel({ kind: 'pause', at: 0, process: 'client-1', durationMs: 1 }, world())).toMatch(/a client paused/);
    expect(outsideModel({ kind: 'pause', at: 0, process: 'resource', durationMs: 1 }, world())).toMatch(/the resource paused/);
  });

  it('clock jumps: a client\'s only; drift: a node\'s within the allowance', () => {
    expect(inside({ kind: 'jump', at: 0, process: 'client-2', deltaMs: 5 })).toBe(true);
    expect(outsideModel({ kind: 'jump', at: 0, process: 'redis-1', deltaMs: 5 }, world())).toBe("redis-1's wall clock stepped: Redis expires keys by it");
    expect(inside({ kind: 'drift', at: 0, process: 'client-1', ppm: 1 })).toBe(false);
    expect(inside({ kind: 'drift', at: 0, process: 'redis-1', ppm: MODEL_MAX_NODE_DRIFT_PPM })).toBe(true);
    expect(inside({ kind: 'drift', at: 0, process: 'redis-1', ppm: -MODEL_MAX_NODE_DRIFT_PPM })).toBe(true);
    expect(outsideModel({ kind: 'drift', at: 0, process: 'redis-1', ppm: -(MODEL_MAX_NODE_DRIFT_PPM + 1_000) }, world())).toBe('drift of -1% is beyond the 1% drift allowance');
    expect(inside({ kind: 'drift', at: 0, process: 'redis-1', ppm: MODEL_MAX_NODE_DRIFT_PPM + 1 })).toBe(false);
  });

  it('crashes: clients and durable nodes always; others only with a restart after the TTL', () => {
    const crash = (process: string, extra: Partial<Extract<Fault, { kind: 'crash' }>> = {}): Fault => ({ kind: 'crash', at: 0, process, ...extra });
    expect(inside(crash('client-1', { restartAfterMs: 0 }))).toBe(true);
    expect(inside(crash('redis-1', { restartAfterMs: 0, machine: true }))).toBe(true);
    expect(inside(crash('redis-9', { restartAfterMs: 0 }))).toBe(true); // a node whose persistence is not known
    expect(inside(crash('redis-2', { restartAfterMs: 0 }))).toBe(true); // a process crash keeps every AOF write
    expect(inside(crash('redis-2', { restartAfterMs: 0, machine: false }))).toBe(true);
    expect(inside(crash('redis-2', { restartAfterMs: 999, machine: true }))).toBe(false);
    expect(inside(crash('redis-2', { restartAfterMs: 1_000, machine: true }))).toBe(true);
    expect(inside(crash('redis-3', { restartAfterMs: 999 }))).toBe(false);
    expect(inside(crash('redis-3', { restartAfterMs: 1_000 }))).toBe(true);
    expect(inside(crash('redis-3'))).toBe(true); // never restarts: it loses nothing anyone reads
    expect(outsideModel(crash('redis-3', { restartAfterMs: 5 }), world())).toBe('redis-3 restarted after 5ms with persistence none: before its keys would have expired');
  });

  it('failover is outside; a heal inside', () => {
    expect(outsideModel({ kind: 'failover', at: 0, replica: 'r' }, world('fenced'))).toMatch(/asynchronous replica/);
    expect(inside({ kind: 'heal', at: 0 })).toBe(true);
  });

  it('network faults: inside unless they touch an unfenced resource', () => {
    const partition: Fault = { kind: 'partition', at: 0, groups: [['client-1'], ['redis-1', 'resource']] };
    const partitionNodes: Fault = { kind: 'partition', at: 0, groups: [['client-1'], ['redis-1']] };
    expect([inside(partition), inside(partition, 'cas'), inside(partition, 'fenced'), inside(partitionNodes)]).toEqual([false, false, true, true]);
    for (const kind of ['cut', 'loss', 'delay'] as const) {
      const make = (from: string[], to: string[]): Fault =>
        kind === 'cut' ? { kind, at: 0, from, to } : kind === 'loss' ? { kind, at: 0, from, to, probability: 1 } : { kind, at: 0, from, to, delay: { kind: 'fixed', ms: 1 } };
      expect(inside(make(['client-1'], ['resource'])), kind).toBe(false);
      expect(inside(make(['resource'], ['client-1'])), kind).toBe(false);
      expect(inside(make(['client-1'], ['resource']), 'fenced'), kind).toBe(true);
      expect(inside(make(['client-1'], ['redis-1'])), kind).toBe(true);
    }
    expect(outsideModel({ kind: 'delay', at: 0, from: ['client-1'], to: ['resource'], delay: { kind: 'fixed', ms: 1 } }, world())).toMatch(/writes to the resource delayed/);
    expect(outsideModel({ kind: 'loss', at: 0, from: ['client-1'], to: ['resource'], probability: 1 }, world())).toMatch(/lost or held/);
  });
});

describe('the in-model generators', () => {
  it('a fenced resource adds client pauses and resource faults; other resources get the default', () => {
    expect(inModelFaults('fenced')).toEqual({ ...IN_MODEL_FAULTS, clientFaults: ['jump', 'crash', 'pause'], resourceFaults: true });
    expect(inModelFaults('cas')).toBe(IN_MODEL_FAULTS);
    expect(inModelFaults(undefined)).toBe(IN_MODEL_FAULTS);
    expect(IN_MODEL_FAULTS).toMatchObject({ maxDriftPpm: MODEL_MAX_NODE_DRIFT_PPM, resourceFaults: false, clientFaults: ['jump', 'crash'], nodeFaults: ['pause', 'crash', 'drift'] });
  });
});

describe('the generators against the model', () => {
  const generatorWorld = (resourceFenced: boolean): GeneratorWorld => ({
    clients: ['client-1', 'client-2'],
    nodes: ['redis-1', 'redis-2', 'redis-3'],
    resource: 'resource',
    resourceFenced,
    durationMs: 20_000,
    ttlMs: 1_000,
  });
  const drawn = (resourceFenced: boolean, generator: Parameters<typeof faultSchedule>[1]): Fault[] =>
    fc.sample(faultSchedule(generatorWorld(resourceFenced), generator), { numRuns: 300, seed: 21 }).flat();
  // Node restarts drawn by the in-model generator may come early: the nodes here keep every write.
  const durable: ModelWorld = { ...world(), persistence: new Map(['redis-1', 'redis-2', 'redis-3'].map((n) => [n, 'aof-always'])) };

  it('the in-model generator draws only faults inside the model, of every kind it lists', () => {
    for (const mode of ['unguarded', 'fenced'] as const) {
      const faults = drawn(mode === 'fenced', inModelFaults(mode));
      expect(faultsOutsideModel(faults, { ...durable, resourceMode: mode })).toEqual([]);
      expect(new Set(faults.map((f) => f.kind))).toEqual(new Set([...(IN_MODEL_FAULTS.kinds ?? []), 'heal']));
    }
  });

  it('ALL_FAULTS reaches an unfenced resource too', () => {
    const faults = drawn(false, ALL_FAULTS);
    expect(faultsOutsideModel(faults, durable).filter((f) => f.includes('resource')).length).toBeGreaterThan(10);
  });
});

describe('faultsOutsideModel and modelLines', () => {
  const faults: Fault[] = [
    { kind: 'pause', at: 5, process: 'redis-1', durationMs: 10 },
    { kind: 'pause', at: 6, process: 'client-1', durationMs: 10 },
  ];

  it('lists the faults outside, each with why', () => {
    expect(faultsOutsideModel(faults, world())).toEqual(['@6ms pause client-1 for 10ms (a client paused: no lease survives a holder that stops (only fencing does))']);
    expect(faultsOutsideModel(faults, world('fenced'))).toEqual([]);
  });

  it('say nothing for a run without violations or without faults', () => {
    expect(modelLines({ violations: [], faults, outsideModel: ['x'] })).toEqual([]);
    expect(modelLines({ violations: [1], faults: [], outsideModel: [] })).toEqual([]);
  });

  it('say the lock broke a promise when every fault was inside, else list those outside', () => {
    expect(modelLines({ violations: [1], faults, outsideModel: [] })).toEqual(["  every fault of this run is inside the lock's model: the lock broke a promise it makes"]);
    expect(modelLines({ violations: [1], faults, outsideModel: ['f1', 'f2'] })).toEqual(["  faults outside the lock's model (it never claimed to survive these):", '    f1', '    f2']);
  });
});

describe('fault records', () => {
  it('settle each pending record from its measure, and empty the list', () => {
    const record = (): FaultRecord => ({ at: 0, description: 'd', kind: 'pause', fired: false, effect: '' });
    const a = record();
    const b = record();
    const pending: PendingRecord[] = [
      { record: a, measure: () => '3 messages held' },
      { record: b, measure: () => null },
    ];
    settleRecords(pending);
    expect(pending).toEqual([]);
    expect(a).toMatchObject({ fired: true, effect: '3 messages held' });
    expect(b).toMatchObject({ fired: false, effect: 'no effect observed' });
  });

  it('read as their effect, or as a warning when they did nothing', () => {
    expect(faultEffectText({ fired: true, effect: 'x' })).toBe('x');
    expect(faultEffectText({ fired: false, effect: 'x' })).toBe('DID NOTHING (x; check the schedule)');
  });
});
