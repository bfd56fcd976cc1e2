import { describe, expect, it } from 'vitest';
import inModel from '../../scenarios/exploration/in-model.ts';
import { sweepInWorkers } from '../../src/explore/sweep-pool.ts';
import { scheduleForSeed, shardSeeds, sweepOne } from '../../src/explore/sweep.ts';

const REF = 'scenarios/exploration/in-model.ts';

describe('seed sweeps', () => {
  it('shards cover exactly the seeds of one sweep, without overlap', () => {
    const all = shardSeeds(1, 100, { index: 1, count: 1 });
    const parts = [1, 2, 3].map((index) => shardSeeds(1, 100, { index, count: 3 }));
    expect(parts.flat().sort((a, b) => a - b)).toEqual(all);
    expect(new Set(parts.flat()).size).toBe(100);
  });

  it('a seed always draws the same schedule and the same run', async () => {
    expect(scheduleForSeed(inModel, 'redlock', 42)).toEqual(scheduleForSeed(inModel, 'redlock', 42));
    const a = await sweepOne(inModel, REF, 'redlock', 42);
    const b = await sweepOne(inModel, REF, 'redlock', 42);
    expect(b).toEqual(a);
  });

  it('worker threads give the same results as one thread', async () => {
    const seeds = [1, 2, 3, 4, 5, 6];
    const single = [];
    for (const seed of seeds) single.push(await sweepOne(inModel, REF, 'redlock(release=del)', seed));
    const pooled = await sweepInWorkers(REF, 'redlock(release=del)', seeds, 2, () => undefined);
    expect(pooled).toEqual(single);
    expect(pooled.some((r) => r.verdict === 'unsafe')).toBe(true);
  });
});
