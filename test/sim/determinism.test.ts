import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSpec, worldSpec, type WorldSpec } from './random-world.ts';

describe('determinism', () => {
  it('the same world and seed give the same trace hash, every time', async () => {
    await fc.assert(
      fc.asyncProperty(worldSpec, async (spec) => {
        const first = await runSpec(spec);
        const second = await runSpec(spec, true);
        expect(second.traceHash).toBe(first.traceHash);
        expect(second.events).toBe(first.events);
        expect(first.events).toBeGreaterThan(0);
      }),
      { numRuns: 150, seed: 20261126 },
    );
  });

  it('a different seed gives a different run', async () => {
    const spec: WorldSpec = {
      seed: 1,
      programs: [[{ op: 'request', to: 1 }, { op: 'sleep', ms: 3 }], [{ op: 'request', to: 0 }]],
      faults: [],
      maxDelayMs: 10,
    };
    const a = await runSpec(spec);
    const b = await runSpec({ ...spec, seed: 2 });
    expect(a.traceHash).not.toBe(b.traceHash);
  });

  // The golden hash pins the kernel's behaviour across machines and versions: CI on another
  // machine proves cross-machine determinism. If you change kernel semantics on purpose,
  // update the hash in the same commit and say why in its message.
  it('a fixed world has the committed golden trace hash', async () => {
    const spec: WorldSpec = {
      seed: 424242,
      programs: [
        [{ op: 'request', to: 1 }, { op: 'all', branches: [[{ op: 'request', to: 2 }], [{ op: 'sleep', ms: 7 }, { op: 'nested', depth: 40 }]] }, { op: 'timer', ms: 30 }],
        [{ op: 'send', to: 2 }, { op: 'request', to: 0 }, { op: 'sleep', ms: 20 }],
        [{ op: 'request', to: 3 }, { op: 'sleep', ms: 11 }, { op: 'request', to: 1 }],
        [{ op: 'all', branches: [[{ op: 'request', to: 0 }], [{ op: 'request', to: 1 }], [{ op: 'request', to: 2 }]] }],
      ],
      faults: [
        { at: 10, kind: 'drift', target: 1, ppm: 150_000 },
        { at: 25, kind: 'jump', target: 2, deltaMs: -3000 },
        { at: 40, kind: 'pause', target: 0, forMs: 120 },
        { at: 90, kind: 'partition', split: 2, mode: 'hold', forMs: 60 },
        { at: 200, kind: 'crash', target: 3, restartAfterMs: 50 },
      ],
      maxDelayMs: 8,
    };
    const world = await runSpec(spec, true);
    expect({ hash: world.traceHash, events: world.events }).toEqual({ hash: 'ab6e75859a205982', events: 131 });
  });
});
