import { describe, expect, it } from 'vitest';
import { World, ms, seconds, type ProcessContext } from '../../src/sim/index.ts';

/** Records the true time of things happening inside processes. */
function recorder(world: World) {
  const log: Array<{ at: number; what: string }> = [];
  return { log, mark: (what: string) => log.push({ at: world.now, what }) };
}

describe('clocks and timers', () => {
  it('a 1 000 ms timer on a clock running +10 % fires after ~909 ms of true time', async () => {
    const world = new World({ seed: 1 });
    const { log, mark } = recorder(world);
    world.addProcess('p', async (ctx) => {
      await ctx.clock.sleep(1000);
      mark('fired');
    }, { driftPpm: 100_000 });
    await world.run();
    expect(log).toEqual([{ at: Math.ceil(1_000_000 / 1.1), what: 'fired' }]);
  });

  it('a wall-clock jump does not move a monotonic timer, but moves Date.now()', async () => {
    const world = new World({ seed: 1 });
    const { log, mark } = recorder(world);
    let wallBefore = 0;
    let wallAfter = 0;
    world.addProcess('p', async (ctx) => {
      wallBefore = ctx.clock.now();
      await ctx.clock.sleep(1000);
      wallAfter = ctx.clock.now();
      mark('fired');
    });
    world.at(ms(300), () => world.jumpClock('p', 60_000));
    await world.run();
    expect(log[0]?.at).toBe(seconds(1));
    expect(wallAfter - wallBefore).toBe(61_000);
  });

  it('a rate change part-way reschedules a pending timer', async () => {
    const world = new World({ seed: 1 });
    const { log, mark } = recorder(world);
    world.addProcess('p', async (ctx) => {
      await ctx.clock.sleep(1000);
      mark('fired');
    });
    // After 500 ms the clock runs twice as fast: the remaining 500 local ms take 250 ms.
    world.at(ms(500), () => world.setDrift('p', 1_000_000));
    await world.run();
    expect(log[0]?.at).toBe(ms(750));
  });

  it('drift stretches both clocks the same way', async () => {
    const world = new World({ seed: 1 });
    let mono = 0;
    let wall = 0;
    world.addProcess('p', async (ctx) => {
      const w0 = ctx.clock.now();
      const m0 = ctx.clock.monotonic();
      await ctx.clock.sleep(2000);
      wall = ctx.clock.now() - w0;
      mono = ctx.clock.monotonic() - m0;
    }, { driftPpm: -20_000 });
    await world.run();
    expect(Math.abs(mono - 2000)).toBeLessThan(0.001); // timers land on whole true microseconds
    expect(Math.abs(wall - 2000)).toBeLessThanOrEqual(1);
    expect(world.now).toBe(Math.ceil(2_000_000 / 0.98));
  });

  it('a paused process runs nothing; its timer fires at resume, late, in order', async () => {
    const world = new World({ seed: 1 });
    const { log, mark } = recorder(world);
    world.addProcess('p', (ctx) => {
      ctx.clock.setTimer(100, () => mark('a'));
      ctx.clock.setTimer(200, () => mark('b'));
      ctx.clock.setTimer(900, () => mark('c'));
    });
    world.at(ms(50), () => world.pause('p'));
    world.at(ms(500), () => world.resume('p'));
    await world.run();
    expect(log).toEqual([
      { at: ms(500), what: 'a' },
      { at: ms(500), what: 'b' },
      { at: ms(900), what: 'c' },
    ]);
  });

  it('a cancelled timer never fires', async () => {
    const world = new World({ seed: 1 });
    const { log, mark } = recorder(world);
    world.addProcess('p', (ctx) => {
      const cancel = ctx.clock.setTimer(100, () => mark('x'));
      ctx.clock.setTimer(50, cancel);
    });
    await world.run();
    expect(log).toEqual([]);
  });
});

describe('network', () => {
  function sink(world: World, name = 'sink') {
    const got: Array<{ at: number; message: unknown }> = [];
    world.addProcess(name, (ctx) => ctx.onMessage((_from, message) => got.push({ at: world.now, message }), { synchronous: true }));
    return got;
  }

  it('delivers in order per link, whatever the sampled delays', async () => {
    const world = new World({ seed: 7, delay: { kind: 'uniform', minMs: 0.1, maxMs: 50 } });
    const got = sink(world);
    world.addProcess('src', async (ctx) => {
      for (let i = 0; i < 200; i++) {
        ctx.send('sink', i);
        await ctx.clock.sleep(ctx.random.between(0, 5));
      }
    });
    await world.run();
    expect(got.map((g) => g.message)).toEqual([...Array(200).keys()]);
    for (let i = 1; i < got.length; i++) expect(got[i]!.at).toBeGreaterThanOrEqual(got[i - 1]!.at);
  });

  it('a held link delivers after heal, in order; a dropped link loses its messages', async () => {
    const world = new World({ seed: 3, delay: { kind: 'fixed', ms: 1 } });
    const held = sink(world, 'held');
    const cut = sink(world, 'cut');
    world.addProcess('src', async (ctx) => {
      for (let i = 0; i < 5; i++) {
        ctx.send('held', i);
        ctx.send('cut', i);
        await ctx.clock.sleep(10);
      }
    });
    world.at(ms(15), () => {
      world.network.setBetween(['src'], ['held'], 'hold');
      world.network.setBetween(['src'], ['cut'], 'drop');
    });
    world.at(ms(100), () => world.network.heal());
    await world.run();
    expect(held.map((g) => g.message)).toEqual([0, 1, 2, 3, 4]);
    expect(held.slice(2).every((g) => g.at >= ms(100))).toBe(true);
    expect(cut.map((g) => g.message)).toEqual([0, 1]);
    expect(world.network.link('src', 'cut').stats.dropped).toBe(3);
  });

  it('a one-way partition cuts one direction only', async () => {
    const world = new World({ seed: 3, delay: { kind: 'fixed', ms: 1 } });
    const a: unknown[] = [];
    const b: unknown[] = [];
    world.addProcess('a', (ctx) => ctx.onMessage((_f, m) => a.push(m)));
    world.addProcess('b', (ctx) => ctx.onMessage((_f, m) => b.push(m)));
    world.addProcess('driver', () => undefined);
    world.network.setOneWay(['a'], ['b'], 'drop');
    world.at(ms(1), () => {
      world.process('a').context.send('b', 'a->b');
      world.process('b').context.send('a', 'b->a');
    });
    await world.run();
    expect(a).toEqual(['b->a']);
    expect(b).toEqual([]);
  });

  it('messages to a paused process wait in its inbox and arrive on resume', async () => {
    const world = new World({ seed: 3, delay: { kind: 'fixed', ms: 1 } });
    const got: Array<{ at: number; message: unknown }> = [];
    world.addProcess('p', (ctx) => ctx.onMessage((_f, message) => got.push({ at: world.now, message })));
    world.addProcess('src', async (ctx) => {
      ctx.send('p', 'early');
      await ctx.clock.sleep(20);
      ctx.send('p', 'during');
    });
    world.at(ms(10), () => world.pause('p'));
    world.at(ms(50), () => world.resume('p'));
    await world.run();
    expect(got).toEqual([
      { at: ms(1), message: 'early' },
      { at: ms(50), message: 'during' },
    ]);
  });
});

describe('processes', () => {
  it("a crashed process's awaits never continue, and it sends nothing more", async () => {
    const world = new World({ seed: 1 });
    const { log, mark } = recorder(world);
    world.addProcess('p', async (ctx) => {
      mark('start');
      await ctx.clock.sleep(100);
      mark('never');
    });
    world.at(ms(50), () => world.crash('p'));
    await world.run();
    expect(log.map((l) => l.what)).toEqual(['start']);
  });

  it('a restart runs the factory again as a fresh incarnation; replies to the old one are lost', async () => {
    const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 10 } });
    const got: string[] = [];
    world.addProcess('echo', (ctx) => ctx.onMessage((from, m) => ctx.send(from, m), { synchronous: true }));
    world.addProcess('p', (ctx: ProcessContext) => {
      ctx.onMessage((_f, m) => got.push(`${ctx.incarnation}:${String(m)}`));
      ctx.send('echo', `hello from ${ctx.incarnation}`);
    });
    world.at(ms(15), () => world.restart('p'));
    await world.run();
    expect(got).toEqual(['1:hello from 1']);
    expect(world.process('p').incarnation).toBe(1);
  });

  it('an uncaught error crashes the process and is recorded', async () => {
    const world = new World({ seed: 1 });
    world.addProcess('p', async (ctx) => {
      await ctx.clock.sleep(5);
      throw new Error('boom');
    });
    await world.run();
    expect(world.errors).toEqual([{ at: ms(5), process: 'p', message: 'Error: boom' }]);
    expect(world.process('p').state).toBe('crashed');
  });
});

describe('the scheduler drains every continuation before the next event', () => {
  it('a 1 000-deep await chain finishes before the next event', async () => {
    const world = new World({ seed: 1 });
    const { log, mark } = recorder(world);
    async function deep(n: number): Promise<number> {
      return n === 0 ? 0 : 1 + (await deep(n - 1));
    }
    world.addProcess('p', async (ctx) => {
      await ctx.clock.sleep(10);
      const depth = await deep(1000);
      await Promise.all([deep(50), deep(70), Promise.resolve().then(() => deep(30))]);
      mark(`deep ${depth}`);
    });
    world.addProcess('q', async (ctx) => {
      await ctx.clock.sleep(10);
      mark('q');
    });
    await world.run();
    // Both timers fire at 10 ms; p's is first (added first), and p finishes before q runs.
    expect(log.map((l) => l.what)).toEqual(['deep 1000', 'q']);
  });

  it('a library calling process.nextTick still finishes before the next event', async () => {
    const world = new World({ seed: 1 });
    const { log, mark } = recorder(world);
    world.addProcess('p', async (ctx) => {
      await ctx.clock.sleep(10);
      await Promise.resolve();
      await new Promise<void>((resolve) => process.nextTick(resolve));
      await new Promise<void>((resolve) => process.nextTick(() => process.nextTick(resolve)));
      mark('p done');
    });
    world.addProcess('q', async (ctx) => {
      await ctx.clock.sleep(10);
      mark('q');
    });
    await world.run();
    expect(log.map((l) => l.what)).toEqual(['p done', 'q']);
    expect(process.nextTick.name).not.toBe('countingNextTick');
  });

  it('run({ until }) stops at that true time and can be continued', async () => {
    const world = new World({ seed: 1 });
    const { log, mark } = recorder(world);
    world.addProcess('p', async (ctx) => {
      for (;;) {
        await ctx.clock.sleep(100);
        mark('tick');
      }
    });
    await world.run({ until: ms(350) });
    expect(world.now).toBe(ms(350));
    expect(log).toHaveLength(3);
    await world.run({ until: ms(1000) });
    expect(log).toHaveLength(10);
  });
});
