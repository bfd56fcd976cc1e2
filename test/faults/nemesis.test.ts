/**
 * The simulated nemesis (src/faults/nemesis.ts, src/faults/ledger.ts): each fault kind does what
 * it says and ends when it says; overlapping faults on the same link or process combine (the end
 * of one does not end the other); a heal undoes what faults did and nothing else (a declared
 * drift stays, a client that died of its own error stays dead); records match what happened.
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../scenarios/index.ts';
import type { Fault } from '../../src/faults/fault.ts';
import { Nemesis } from '../../src/faults/nemesis.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { ms } from '../../src/sim/time.ts';
import { World } from '../../src/sim/world.ts';

/** A world of idle processes a, b, c (b declares +20 000 ppm drift), a nemesis, and probes at given times. */
function world(faults: readonly Fault[], probesAtMs: readonly number[], options: { failing?: string } = {}) {
  const w = new World({ seed: 1 });
  for (const name of ['a', 'b', 'c']) {
    w.addProcess(
      name,
      async (ctx) => {
        if (name === options.failing) {
          await ctx.clock.sleep(5);
          throw new Error('boom');
        }
        for (;;) await ctx.clock.sleep(1_000);
      },
      { driftPpm: name === 'b' ? 20_000 : 0 },
    );
  }
  const nemesis = new Nemesis({ world: w, nodes: new Map(), isClient: () => false, onClientCrash: () => {} });
  nemesis.schedule(faults);
  const seen: Record<number, { ab: string; ba: string; abDelay: string; abLoss: number; a: string; b: string; c: string; bDrift: number; cDrift: number; aIncarnation: number }> = {};
  for (const t of probesAtMs) {
    w.at(ms(t) + 1, () => {
      const ab = w.network.link('a', 'b');
      seen[t] = {
        ab: ab.mode,
        ba: w.network.link('b', 'a').mode,
        abDelay: JSON.stringify(ab.delay),
        abLoss: ab.lossProbability,
        a: w.process('a').state,
        b: w.process('b').state,
        c: w.process('c').state,
        bDrift: w.process('b').clock.driftPpm,
        cDrift: w.process('c').clock.driftPpm,
        aIncarnation: w.process('a').incarnation,
      };
    });
  }
  return { w, nemesis, seen };
}

async function run(faults: readonly Fault[], probesAtMs: readonly number[], options: { failing?: string } = {}) {
  const { w, nemesis, seen } = world(faults, probesAtMs, options);
  await w.run({ until: ms(10_000) });
  return { seen, records: nemesis.finish(), w, lastHealAt: nemesis.lastHealAt };
}

describe('the nemesis', () => {
  it('applies and ends each network fault kind on the links it names', async () => {
    const { seen, records } = await run(
      [
        { kind: 'cut', at: 100, from: ['a'], to: ['b'], durationMs: 100 },
        { kind: 'partition', at: 300, groups: [['a'], ['b', 'c']], mode: 'hold', durationMs: 100 },
        { kind: 'delay', at: 500, from: ['a'], to: ['b'], delay: { kind: 'fixed', ms: 50 }, durationMs: 100 },
        { kind: 'loss', at: 700, from: ['a'], to: ['b'], probability: 0.5, durationMs: 100 },
      ],
      [150, 250, 350, 450, 550, 650, 750, 850],
    );
    expect([seen[150]?.ab, seen[150]?.ba, seen[250]?.ab]).toEqual(['drop', 'up', 'up']);
    expect([seen[350]?.ab, seen[350]?.ba, seen[450]?.ab, seen[450]?.ba]).toEqual(['hold', 'hold', 'up', 'up']);
    expect(seen[550]?.abDelay).toBe(JSON.stringify({ kind: 'fixed', ms: 50 }));
    expect(seen[650]?.abDelay).not.toBe(JSON.stringify({ kind: 'fixed', ms: 50 }));
    expect([seen[750]?.abLoss, seen[850]?.abLoss]).toEqual([0.5, 0]);
    expect(records.map((r) => (r.endedAt ?? 0) / 1000)).toEqual([200, 400, 600, 800]);
  });

  it('keeps a link cut while an overlapping cut lasts, after the first one ends', async () => {
    const { seen, records } = await run(
      [
        { kind: 'cut', at: 100, from: ['a'], to: ['b'], durationMs: 200 },
        { kind: 'partition', at: 200, groups: [['a'], ['b']], durationMs: 300 },
      ],
      [250, 350, 450, 550],
    );
    expect([seen[250]?.ab, seen[350]?.ab, seen[450]?.ab, seen[550]?.ab]).toEqual(['drop', 'drop', 'drop', 'up']);
    expect([seen[350]?.ba, seen[550]?.ba]).toEqual(['drop', 'up']);
    expect(records.map((r) => (r.endedAt ?? 0) / 1000)).toEqual([300, 500]);
  });

  it('keeps a process paused until its last overlapping pause ends', async () => {
    const { seen } = await run(
      [
        { kind: 'pause', at: 100, process: 'a', durationMs: 200 },
        { kind: 'pause', at: 200, process: 'a', durationMs: 300 },
      ],
      [150, 350, 550],
    );
    expect([seen[150]?.a, seen[350]?.a, seen[550]?.a]).toEqual(['paused', 'paused', 'running']);
  });

  it('ends a drift fault at the clock rate the world declared, not at zero', async () => {
    const { seen } = await run([{ kind: 'drift', at: 100, process: 'b', ppm: -5_000, durationMs: 100 }], [150, 250]);
    expect([seen[150]?.bDrift, seen[250]?.bDrift]).toEqual([-5_000, 20_000]);
  });

  it('restarts a crashed process when its crash ends, and not before', async () => {
    const { seen } = await run([{ kind: 'crash', at: 100, process: 'a', restartAfterMs: 200 }], [150, 350]);
    expect([seen[150]?.a, seen[150]?.aIncarnation, seen[350]?.a, seen[350]?.aIncarnation]).toEqual(['crashed', 0, 'running', 1]);
  });

  it('heals what faults did and nothing else', async () => {
    const { seen, records, lastHealAt } = await run(
      [
        { kind: 'cut', at: 100, from: ['a'], to: ['b'] },
        { kind: 'cut', at: 110, from: ['a'], to: ['b'], mode: 'hold' },
        { kind: 'pause', at: 120, process: 'a', durationMs: 5_000 },
        { kind: 'drift', at: 130, process: 'b', ppm: 50_000 },
        { kind: 'drift', at: 140, process: 'c', ppm: 7_000 },
        { kind: 'crash', at: 150, process: 'c' },
        { kind: 'heal', at: 1_000 },
      ],
      [900, 1_000],
      { failing: 'a' },
    );
    // a died of its own error at 5 ms, before its pause: no fault of the schedule crashed it.
    expect(seen[900]).toMatchObject({ ab: 'drop', a: 'crashed', b: 'running', c: 'crashed', bDrift: 50_000, cDrift: 7_000 });
    // b's own +20 000 ppm stays; c's fault drift goes; c restarts (a fault crashed it); a stays dead; the link is up.
    expect(seen[1_000]).toMatchObject({ ab: 'up', a: 'crashed', aIncarnation: 0, b: 'running', c: 'running', bDrift: 20_000, cDrift: 0 });
    expect(records.at(-1)?.effect).toBe('6 things healed');
    // The pause's own end (at 5 120 ms) does nothing after the heal: the liveness phase starts at the heal.
    expect(lastHealAt).toBe(ms(1_000));
    expect(records.find((r) => r.kind === 'pause')?.endedAt).toBe(ms(1_000));
  });

  it('leaves a process that died of its own error dead at a heal', async () => {
    const { w } = await run([{ kind: 'cut', at: 100, from: ['a'], to: ['b'] }, { kind: 'heal', at: 200 }], [], { failing: 'c' });
    expect(w.errors.map((e) => e.process)).toEqual(['c']);
    expect(w.process('c').state).toBe('crashed');
    expect(w.process('c').incarnation).toBe(0);
  });

  it('says so when a fault was scheduled after the run ended (it proves nothing)', async () => {
    const { records } = await run([{ kind: 'pause', at: 999_999, process: 'a', durationMs: 100 }], []);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ fired: false, effect: 'never applied: the run ended at 10000 ms, before 999999 ms' });
  });

  it('a heal keeps a node drift the scenario declares (clock-drift/drift-2% stays unsafe)', async () => {
    const scenario = catalog.find((s) => s.name === 'clock-drift');
    if (scenario === undefined) throw new Error('clock-drift missing');
    const plain = await runScenario(scenario, { seed: 1, variant: 'drift-2%' });
    const healed = await runScenario(scenario, { seed: 1, variant: 'drift-2%', faults: [{ kind: 'heal', at: 100 }] });
    expect(plain.verdict).toBe('unsafe');
    expect(healed.verdict).toBe('unsafe');
  });
});
