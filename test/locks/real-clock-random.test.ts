/**
 * The real-mode Clock (src/real/) and Random: the simulation's seeded streams (src/sim/random.ts),
 * the one seeded random of both worlds.
 */
import { describe, expect, it } from 'vitest';
import { RealClock } from '../../src/real/clock.ts';
import { RandomStream } from '../../src/sim/random.ts';

describe('RandomStream, the Random of real mode too', () => {
  it('is reproducible from its seed, and different seeds differ', () => {
    const a = new RandomStream('seed-1');
    const b = new RandomStream('seed-1');
    const c = new RandomStream('seed-2');
    const seqA = [a.next(), a.hex(16), a.int(0, 1000)];
    expect([b.next(), b.hex(16), b.int(0, 1000)]).toEqual(seqA);
    expect(c.hex(16)).not.toBe(seqA[1]);
    expect(new RandomStream(42).hex(8)).toBe(new RandomStream('42').hex(8));
  });

  it('gives floats in [0, 1), ints in [min, max) and lower-case hex', () => {
    const random = new RandomStream('ranges');
    const ints = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = random.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const n = random.int(-3, 4);
      expect(Number.isInteger(n)).toBe(true);
      ints.add(n);
    }
    expect([...ints].sort((p, q) => p - q)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(random.hex(16)).toMatch(/^[0-9a-f]{32}$/);
    expect(random.hex(0)).toBe('');
    expect(() => random.int(5, 5)).toThrow(RangeError);
    expect(() => random.int(0, 2.5)).toThrow(RangeError);
    expect(() => random.hex(-1)).toThrow(RangeError);
  });
});

describe('RealClock', () => {
  it('follows the machine clock, with an offset and jumps on the wall clock only', () => {
    const plain = new RealClock();
    expect(Math.abs(plain.now() - Date.now())).toBeLessThan(1000);
    const ahead = new RealClock({ offsetMs: 60_000 });
    expect(Math.abs(ahead.now() - Date.now() - 60_000)).toBeLessThan(1000);
    const m = ahead.monotonic();
    ahead.jump(-120_000);
    expect(Math.abs(ahead.now() - Date.now() + 60_000)).toBeLessThan(1000);
    expect(ahead.monotonic()).toBeGreaterThanOrEqual(m);
    expect(ahead.skew).toEqual({ offsetMs: -60_000, rate: 1 });
  });

  it('stays continuous when the rate changes, and rejects a bad rate', () => {
    const clock = new RealClock({ rate: 1.5 });
    const before = [clock.now(), clock.monotonic()];
    clock.setRate(0.5);
    expect(clock.now()).toBeGreaterThanOrEqual(before[0]);
    expect(clock.monotonic()).toBeGreaterThanOrEqual(before[1]);
    expect(Math.abs(clock.now() - before[0])).toBeLessThan(1000);
    expect(() => new RealClock({ rate: 0 })).toThrow(RangeError);
  });

  it('runs timers and sleeps; a cancelled timer never fires', async () => {
    const clock = new RealClock({ rate: 2 });
    const fired: string[] = [];
    const cancel = clock.setTimer(10, () => fired.push('cancelled'));
    cancel();
    clock.setTimer(20, () => fired.push('timer'));
    await clock.sleep(60);
    expect(fired).toEqual(['timer']);
  });
});
