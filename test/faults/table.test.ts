/**
 * The fault table (src/faults/table.ts): every kind of the vocabulary is defined once, in one
 * place, and the compiler checks that the table is complete. The `@ts-expect-error` lines are
 * the compile-time half of this test: `npx tsc --noEmit` (which checks test/) fails if a table
 * missing a kind, or holding another kind's definition, ever compiles.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { describeFault, FAULT_KINDS, faultEnd, type Fault, type FaultKind } from '../../src/faults/fault.ts';
import type { FaultKindSpec } from '../../src/faults/kind.ts';
import { FAULT_TABLE, isFaultKind, kindOf, type FaultTable } from '../../src/faults/table.ts';
import { faultColour } from '../../src/report/svg.ts';

/** One fault of every kind. */
const SAMPLES: { readonly [K in FaultKind]: Extract<Fault, { kind: K }> } = {
  partition: { kind: 'partition', at: 10, groups: [['a'], ['b']], durationMs: 5 },
  cut: { kind: 'cut', at: 10, from: ['a'], to: ['b'], mode: 'hold', durationMs: 5 },
  delay: { kind: 'delay', at: 10, from: ['a'], to: ['b'], delay: { kind: 'fixed', ms: 3 }, durationMs: 5 },
  loss: { kind: 'loss', at: 10, from: ['a'], to: ['b'], probability: 0.5, durationMs: 5 },
  drift: { kind: 'drift', at: 10, process: 'a', ppm: 20_000, durationMs: 5 },
  jump: { kind: 'jump', at: 10, process: 'a', deltaMs: -300 },
  pause: { kind: 'pause', at: 10, process: 'a', durationMs: 5 },
  crash: { kind: 'crash', at: 10, process: 'a', restartAfterMs: 5 },
  failover: { kind: 'failover', at: 10, replica: 'b' },
  heal: { kind: 'heal', at: 10 },
};

describe('the fault table', () => {
  it('has an entry for every kind of Fault, and nothing else, in the vocabulary’s order', () => {
    expectTypeOf<keyof typeof FAULT_TABLE>().toEqualTypeOf<FaultKind>();
    expectTypeOf(FAULT_TABLE.pause).toEqualTypeOf<FaultKindSpec<'pause'>>();
    expect(Object.keys(FAULT_TABLE)).toEqual([...FAULT_KINDS]);
    expect(FAULT_KINDS).toEqual(['partition', 'cut', 'delay', 'loss', 'drift', 'jump', 'pause', 'crash', 'failover', 'heal']);
  });

  it('a table missing a kind does not compile', () => {
    const { heal: _heal, ...withoutHeal } = FAULT_TABLE;
    // @ts-expect-error Property 'heal' is missing: the table must define every kind.
    const incomplete: FaultTable = withoutHeal;
    expect(Object.keys(incomplete)).not.toContain('heal');
  });

  it('a kind added to the vocabulary does not compile until the table defines it', () => {
    // As if `Fault` grew a `brownout`: the table's type is keyed by every kind of the union.
    type Grown = { readonly [K in FaultKind | 'brownout']: unknown };
    // @ts-expect-error Property 'brownout' is missing.
    const grown: Grown = FAULT_TABLE;
    expect(grown).toBe(FAULT_TABLE);
  });

  it("an entry must be its own kind's definition", () => {
    // @ts-expect-error A pause's definition does not take a crash.
    const wrong: FaultTable = { ...FAULT_TABLE, crash: FAULT_TABLE.pause };
    expect(wrong.crash).toBe(FAULT_TABLE.pause);
  });

  it('finds the entry of a fault by its kind, and knows the kinds a record can name', () => {
    for (const kind of FAULT_KINDS) expect(kindOf(SAMPLES[kind])).toBe(FAULT_TABLE[kind]);
    expect(FAULT_KINDS.every(isFaultKind)).toBe(true);
    expect(isFaultKind('nap')).toBe(false);
    expect(isFaultKind('toString')).toBe(false);
  });
});

describe('what each entry says agrees with itself', () => {
  it('a kind drawn as an instant is one whose effect ends where it starts', () => {
    for (const kind of FAULT_KINDS) {
      const f = SAMPLES[kind];
      expect(FAULT_TABLE[kind].report.instant, kind).toBe(faultEnd(f) === f.at);
    }
  });

  it('every kind has its own colour in the report; an unknown kind is grey', () => {
    const colours = FAULT_KINDS.map(faultColour);
    expect(new Set(colours).size).toBe(FAULT_KINDS.length);
    expect(colours).not.toContain('#888888');
    expect(faultColour('nap')).toBe('#888888');
  });

  it('exploration can draw every kind but the heal that ends each schedule', () => {
    expect(FAULT_KINDS.filter((k) => FAULT_TABLE[k].generate === null)).toEqual(['heal']);
  });

  it('the kinds that stop a process in the report are the pause and the crash, of the process they name', () => {
    const stops = FAULT_KINDS.flatMap((k) => {
      const f = SAMPLES[k];
      const s = kindOf(f).report.stops?.(f);
      return s === undefined ? [] : [[k, s.process, s.what]];
    });
    expect(stops).toEqual([
      ['pause', 'a', 'paused'],
      ['crash', 'a', 'crashed'],
    ]);
  });

  it('real mode knows which process or clock each process fault acts on (refused on servers locksim did not start)', () => {
    const actsOn = FAULT_KINDS.flatMap((k) => {
      const f = SAMPLES[k];
      const p = kindOf(f).real.actsOn?.(f);
      return p === undefined ? [] : [`${k}:${p}`];
    });
    expect(actsOn).toEqual(['drift:a', 'jump:a', 'pause:a', 'crash:a', 'failover:b']);
  });

  it('each description starts with its time and is the kind’s own words', () => {
    for (const kind of FAULT_KINDS) expect(describeFault(SAMPLES[kind])).toBe(`@10ms ${FAULT_TABLE[kind].describe(SAMPLES[kind] as never)}`);
    expect(FAULT_KINDS.map((k) => describeFault(SAMPLES[k]))).toEqual([
      '@10ms partition a | b for 5ms',
      '@10ms cut a -> b (hold) for 5ms',
      '@10ms delay a -> b by 3ms for 5ms',
      '@10ms lose 50% a -> b for 5ms',
      '@10ms drift a +20000ppm for 5ms',
      '@10ms jump a wall clock -300ms',
      '@10ms pause a for 5ms',
      '@10ms crash a, restart after 5ms',
      '@10ms failover to b',
      '@10ms heal all',
    ]);
  });
});
