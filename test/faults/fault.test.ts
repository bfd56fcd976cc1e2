/**
 * The fault vocabulary (src/faults/fault.ts): each fault prints as one readable line, knows when
 * its effect ends on its own, and validation names the wrong field (and only that one).
 */
import { describe, expect, it } from 'vitest';
import { describeFault, faultEnd, validateFault, type Fault } from '../../src/faults/fault.ts';

const processes = new Set(['client-1', 'redis-1', 'redis-2']);
/** The fields validation complains about, e.g. ['f.at', 'f.process']. */
const fields = (f: unknown): string[] => validateFault(f, 'f', processes).map((p) => p.slice(0, p.indexOf(':')));

describe('describeFault', () => {
  it.each<[Fault, string]>([
    [{ kind: 'partition', at: 10, groups: [['a'], ['b', 'c']] }, '@10ms partition a | {b,c}'],
    [{ kind: 'partition', at: 10, groups: [['a'], ['b']], mode: 'hold', durationMs: 5 }, '@10ms partition a | b (hold) for 5ms'],
    [{ kind: 'partition', at: 10, groups: [['a'], ['b']], mode: 'drop' }, '@10ms partition a | b'],
    [{ kind: 'cut', at: 1, from: ['a'], to: ['b', 'c'], mode: 'hold' }, '@1ms cut a -> {b,c} (hold)'],
    [{ kind: 'cut', at: 1, from: ['a'], to: ['b'], mode: 'drop', durationMs: 3 }, '@1ms cut a -> b for 3ms'],
    [{ kind: 'delay', at: 2, from: ['a'], to: ['b'], delay: { kind: 'fixed', ms: 40 } }, '@2ms delay a -> b by 40ms'],
    [{ kind: 'delay', at: 2, from: ['a'], to: ['b'], delay: { kind: 'uniform', minMs: 5, maxMs: 9 }, durationMs: 7 }, '@2ms delay a -> b by 5-9ms for 7ms'],
    [{ kind: 'loss', at: 3, from: ['a'], to: ['b'], probability: 0.256 }, '@3ms lose 26% a -> b'],
    [{ kind: 'drift', at: 4, process: 'a', ppm: 0 }, '@4ms drift a +0ppm'],
    [{ kind: 'drift', at: 4, process: 'a', ppm: -5 }, '@4ms drift a -5ppm'],
    [{ kind: 'jump', at: 5, process: 'a', deltaMs: 0 }, '@5ms jump a wall clock +0ms'],
    [{ kind: 'jump', at: 5, process: 'a', deltaMs: -7 }, '@5ms jump a wall clock -7ms'],
    [{ kind: 'pause', at: 6, process: 'a', durationMs: 8 }, '@6ms pause a for 8ms'],
    [{ kind: 'crash', at: 7, process: 'a' }, '@7ms crash a'],
    [{ kind: 'crash', at: 7, process: 'a', machine: false, restartAfterMs: 0 }, '@7ms crash a, restart after 0ms'],
    [{ kind: 'crash', at: 7, process: 'a', machine: true }, '@7ms power loss of a'],
    [{ kind: 'failover', at: 8, replica: 'r' }, '@8ms failover to r'],
    [{ kind: 'heal', at: 9 }, '@9ms heal all'],
  ])('%j reads %s', (fault, text) => {
    expect(describeFault(fault)).toBe(text);
  });
});

describe('faultEnd', () => {
  it.each<[Fault, number | undefined]>([
    [{ kind: 'pause', at: 100, process: 'a', durationMs: 50 }, 150],
    [{ kind: 'crash', at: 100, process: 'a' }, undefined],
    [{ kind: 'crash', at: 100, process: 'a', restartAfterMs: 30 }, 130],
    [{ kind: 'jump', at: 100, process: 'a', deltaMs: 999 }, 100],
    [{ kind: 'failover', at: 100, replica: 'r' }, 100],
    [{ kind: 'heal', at: 100 }, 100],
    [{ kind: 'cut', at: 100, from: ['a'], to: ['b'] }, undefined],
    [{ kind: 'drift', at: 100, process: 'a', ppm: 5, durationMs: 20 }, 120],
  ])('%j ends at %s', (fault, end) => {
    expect(faultEnd(fault)).toBe(end);
  });
});

describe('validateFault', () => {
  it('accepts a well-formed fault of every kind', () => {
    const good: Fault[] = [
      { kind: 'partition', at: 0, groups: [['client-1'], ['redis-1', 'redis-2']], mode: 'hold', durationMs: 0 },
      { kind: 'partition', at: 0, groups: [['client-1'], ['redis-1']], mode: 'drop' },
      { kind: 'cut', at: 1, from: ['client-1'], to: ['redis-1'] },
      { kind: 'delay', at: 1, from: ['client-1'], to: ['redis-1'], delay: { kind: 'fixed', ms: 3 }, durationMs: 4 },
      { kind: 'delay', at: 1, from: ['client-1'], to: ['redis-1'], delay: { kind: 'uniform', minMs: 3, maxMs: 5 } },
      { kind: 'loss', at: 1, from: ['client-1'], to: ['redis-1'], probability: 0 },
      { kind: 'loss', at: 1, from: ['client-1'], to: ['redis-1'], probability: 1 },
      { kind: 'drift', at: 1, process: 'redis-1', ppm: -999_999 },
      { kind: 'jump', at: 1, process: 'redis-1', deltaMs: -5 },
      { kind: 'pause', at: 1, process: 'redis-1', durationMs: 0 },
      { kind: 'crash', at: 1, process: 'redis-1', restartAfterMs: 0, machine: true },
      { kind: 'crash', at: 1, process: 'redis-1', machine: false },
      { kind: 'failover', at: 1, replica: 'redis-2' },
      { kind: 'heal', at: 0 },
    ];
    for (const f of good) expect(validateFault(f, 'f', processes), JSON.stringify(f)).toEqual([]);
  });

  it('refuses a non-object and an unknown kind, saying so', () => {
    expect(validateFault(null, 'f', processes)).toEqual([expect.stringMatching(/^f: a fault must be an object/)]);
    expect(validateFault('pause', 'f', processes)).toEqual([expect.stringMatching(/^f: a fault must be an object/)]);
    expect(validateFault({ kind: 'nap', at: 1 }, 'f', processes)).toEqual([expect.stringMatching(/^f\.kind: unknown fault kind "nap" \(known: partition, cut,/)]);
    expect(validateFault({ kind: 7, at: 1 }, 'f', processes)).toEqual([expect.stringMatching(/^f\.kind: unknown fault kind 7/)]);
  });

  it('names a bad time: missing, negative, not finite', () => {
    expect(fields({ kind: 'heal' })).toEqual(['f.at']);
    expect(fields({ kind: 'heal', at: -1 })).toEqual(['f.at']);
    expect(fields({ kind: 'heal', at: Number.POSITIVE_INFINITY })).toEqual(['f.at']);
    expect(fields({ kind: 'heal', at: '5' })).toEqual(['f.at']);
    expect(validateFault({ kind: 'heal', at: -1 }, 'f', processes)).toEqual(['f.at: must be a number >= 0, got -1']);
  });

  it('names the bad field of a partition', () => {
    expect(fields({ kind: 'partition', at: 0, groups: [['client-1']] })).toEqual(['f.groups']);
    expect(fields({ kind: 'partition', at: 0, groups: 'client-1' })).toEqual(['f.groups']);
    expect(fields({ kind: 'partition', at: 0, groups: [['client-1'], 'redis-1'] })).toEqual(['f.groups[1]']);
    expect(fields({ kind: 'partition', at: 0, groups: [['client-1'], ['redis-9', 3]] })).toEqual(['f.groups[1]', 'f.groups[1]']);
    expect(fields({ kind: 'partition', at: 0, groups: [['client-1'], ['redis-1']], mode: 'slow' })).toEqual(['f.mode']);
    expect(fields({ kind: 'partition', at: 0, groups: [['client-1'], ['redis-1']], durationMs: -1 })).toEqual(['f.durationMs']);
  });

  it('names the bad field of a cut', () => {
    expect(fields({ kind: 'cut', at: 0, from: [], to: ['redis-1'] })).toEqual(['f.from']);
    expect(fields({ kind: 'cut', at: 0, from: 'client-1', to: ['redis-1'] })).toEqual(['f.from']);
    expect(fields({ kind: 'cut', at: 0, from: ['client-1'], to: ['redis-1', 'nobody', 4] })).toEqual(['f.to', 'f.to']);
    expect(fields({ kind: 'cut', at: 0, from: ['client-1'], to: ['redis-1'], mode: 'up' })).toEqual(['f.mode']);
    expect(fields({ kind: 'cut', at: 0, from: ['client-1'], to: ['redis-1'], durationMs: 'long' })).toEqual(['f.durationMs']);
  });

  it('names the bad field of a delay', () => {
    const ends = { from: ['client-1'], to: ['redis-1'] };
    expect(fields({ kind: 'delay', at: 0, ...ends })).toEqual(['f.delay']);
    expect(fields({ kind: 'delay', at: 0, ...ends, delay: { kind: 'fixed' } })).toEqual(['f.delay']);
    expect(fields({ kind: 'delay', at: 0, ...ends, delay: { kind: 'uniform', minMs: 1 } })).toEqual(['f.delay']);
    expect(fields({ kind: 'delay', at: 0, ...ends, delay: { kind: 'uniform', maxMs: 1 } })).toEqual(['f.delay']);
    expect(fields({ kind: 'delay', at: 0, ...ends, delay: { kind: 'fixed', minMs: 1, maxMs: 2 } })).toEqual(['f.delay']);
    expect(fields({ kind: 'delay', at: 0, ...ends, delay: { kind: 'uniform', ms: 1 } })).toEqual(['f.delay']);
    expect(fields({ kind: 'delay', at: 0, from: ['x'], to: [], delay: { kind: 'fixed', ms: 1 }, durationMs: -2 })).toEqual(['f.from', 'f.to', 'f.durationMs']);
  });

  it('names the bad field of a loss', () => {
    const ends = { from: ['client-1'], to: ['redis-1'] };
    expect(fields({ kind: 'loss', at: 0, ...ends })).toEqual(['f.probability']);
    expect(fields({ kind: 'loss', at: 0, ...ends, probability: -0.1 })).toEqual(['f.probability']);
    expect(fields({ kind: 'loss', at: 0, ...ends, probability: 1.1 })).toEqual(['f.probability']);
    expect(fields({ kind: 'loss', at: 0, ...ends, probability: 0.5, durationMs: -1 })).toEqual(['f.durationMs']);
    expect(fields({ kind: 'loss', at: 0, from: ['nobody'], to: ['redis-1'], probability: 0.5 })).toEqual(['f.from']);
  });

  it('names the bad field of a drift', () => {
    expect(fields({ kind: 'drift', at: 0, process: 'nobody', ppm: 1 })).toEqual(['f.process']);
    expect(fields({ kind: 'drift', at: 0, process: 7, ppm: 1 })).toEqual(['f.process']);
    expect(fields({ kind: 'drift', at: 0, process: 'redis-1', ppm: -1_000_000 })).toEqual(['f.ppm']);
    expect(fields({ kind: 'drift', at: 0, process: 'redis-1', ppm: Number.NaN })).toEqual(['f.ppm']);
    expect(fields({ kind: 'drift', at: 0, process: 'redis-1', ppm: '5' })).toEqual(['f.ppm']);
    expect(fields({ kind: 'drift', at: 0, process: 'redis-1', ppm: 5, durationMs: -1 })).toEqual(['f.durationMs']);
  });

  it('names the bad field of a jump, a pause, a crash, a failover', () => {
    expect(fields({ kind: 'jump', at: 0, process: 'nobody', deltaMs: 1 })).toEqual(['f.process']);
    expect(fields({ kind: 'jump', at: 0, process: 'redis-1' })).toEqual(['f.deltaMs']);
    expect(fields({ kind: 'jump', at: 0, process: 'redis-1', deltaMs: Number.NEGATIVE_INFINITY })).toEqual(['f.deltaMs']);
    expect(fields({ kind: 'pause', at: 0, process: 'nobody', durationMs: 1 })).toEqual(['f.process']);
    expect(fields({ kind: 'pause', at: 0, process: 'redis-1' })).toEqual(['f.durationMs']);
    expect(fields({ kind: 'pause', at: 0, process: 'redis-1', durationMs: -1 })).toEqual(['f.durationMs']);
    expect(fields({ kind: 'crash', at: 0, process: 'nobody' })).toEqual(['f.process']);
    expect(fields({ kind: 'crash', at: 0, process: 'redis-1', restartAfterMs: -1 })).toEqual(['f.restartAfterMs']);
    expect(fields({ kind: 'crash', at: 0, process: 'redis-1', machine: 'yes' })).toEqual(['f.machine']);
    expect(fields({ kind: 'failover', at: 0, replica: 'nobody' })).toEqual(['f.replica']);
    expect(fields({ kind: 'failover', at: 0 })).toEqual(['f.replica']);
  });

  it('lists the world\'s processes in the message for an unknown one', () => {
    expect(validateFault({ kind: 'pause', at: 0, process: 'x', durationMs: 1 }, 'faults[2]', processes)).toEqual([
      'faults[2].process: "x" is not a process of this world (processes: client-1, redis-1, redis-2)',
    ]);
    expect(validateFault({ kind: 'cut', at: 0, from: ['client-1'], to: ['y'] }, 'faults[3]', processes)).toEqual([
      'faults[3].to: "y" is not a process of this world (processes: client-1, redis-1, redis-2)',
    ]);
  });
});
