/**
 * The LD_PRELOAD clock shim and ClockControl (src/real/shim/clock-shim.c, src/real/clock-shim.ts):
 * the control-file arithmetic on its own, a small C probe under the shim (which clocks are faked,
 * which are not), and real redis-server nodes under the shim (key expiry follows the faked clock).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ClockControl,
  buildClockShim,
  clockShimEnv,
  fakeTimeNs,
  formatClockLine,
  parseClockLine,
} from '../../src/real/clock-shim.ts';
import { RedisProcess } from '../../src/real/redis-process.ts';
import { shimTestsEnabled, sleep } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const tmpDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'locksim-shim-test-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
});

describe('control file and ClockControl', () => {
  it('formats and parses the one-line format, and rejects what the shim would reject', () => {
    const line = { anchorRealNs: 1_700_000_000_000_000_000n, anchorFakeNs: 1_700_000_010_000_000_000n, rate: 1.5 };
    const text = formatClockLine(line);
    expect(text).toBe('1700000000000000000 1700000010000000000 1.5\n');
    expect(parseClockLine(text)).toEqual(line);
    expect(parseClockLine('# comment\n1 2 0.25\n')).toEqual({ anchorRealNs: 1n, anchorFakeNs: 2n, rate: 0.25 });
    expect(parseClockLine('1 2 0')).toBeUndefined();
    expect(parseClockLine('1 2 -1')).toBeUndefined();
    expect(parseClockLine('1 2 1e3')).toBeUndefined();
    expect(parseClockLine('1 2')).toBeUndefined();
    expect(parseClockLine('')).toBeUndefined();
    expect(formatClockLine({ ...line, rate: 1.00025 })).toMatch(/ 1\.00025\n$/);
  });

  it('applies fake = anchor_fake + (real - anchor_real) * rate', () => {
    const line = { anchorRealNs: 1000n, anchorFakeNs: 5000n, rate: 2 };
    expect(fakeTimeNs(line, 1000n)).toBe(5000n);
    expect(fakeTimeNs(line, 1500n)).toBe(6000n);
    expect(fakeTimeNs({ ...line, rate: 1 }, 1500n)).toBe(5500n);
  });

  it('jumps, changes rate without a jump in time, and rewrites the file atomically', async () => {
    const file = join(tempDir(), 'clock');
    const clock = new ClockControl(file);
    expect(Math.abs(clock.offsetMs())).toBeLessThan(1);
    expect(clock.rate()).toBe(1);

    clock.jump(10_000);
    expect(clock.offsetMs()).toBeCloseTo(10_000, 0);
    clock.jump(-2_500);
    expect(clock.offsetMs()).toBeCloseTo(7_500, 0);

    clock.setRate(3);
    const before = clock.offsetMs();
    // At rate 3 the offset grows by 2 ms per real ms from here on: a loaded machine may take a
    // few ms between the two calls, so allow a generous margin (no step is what matters).
    expect(Math.abs(before - 7_500)).toBeLessThan(100);
    await sleep(100);
    // 100+ ms of real time at rate 3 gained 200+ ms of offset.
    const gained = clock.offsetMs() - before;
    expect(gained).toBeGreaterThanOrEqual(190);
    // A rate change keeps the offset accumulated so far: no step.
    const atChange = clock.offsetMs();
    clock.setRate(1);
    expect(clock.offsetMs() - atChange).toBeGreaterThanOrEqual(-1);
    expect(clock.offsetMs() - atChange).toBeLessThan(50);

    const onDisk = parseClockLine(readFileSync(file, 'utf8'));
    expect(onDisk).toEqual(clock.current());

    // A second controller on the same file carries on from it.
    const again = new ClockControl(file);
    expect(again.offsetMs()).toBeCloseTo(clock.offsetMs(), -1);
    again.reset();
    expect(Math.abs(again.offsetMs())).toBeLessThan(1);
    expect(() => again.setRate(0)).toThrow(RangeError);
    expect(() => again.setRate(Number.NaN)).toThrow(RangeError);
  });
});

describe('building the shim', () => {
  it('says how to install gcc when it is missing', async () => {
    const savedPath = process.env.PATH;
    const savedShim = process.env.LOCKSIM_CLOCK_SHIM;
    process.env.PATH = join(tempDir(), 'empty');
    delete process.env.LOCKSIM_CLOCK_SHIM;
    let attempt: Promise<string>;
    try {
      attempt = buildClockShim({ output: join(tempDir(), 'shim.so'), force: true });
    } finally {
      process.env.PATH = savedPath;
      if (savedShim !== undefined) process.env.LOCKSIM_CLOCK_SHIM = savedShim;
    }
    await expect(attempt).rejects.toThrow('gcc not found: apt-get install gcc');
  });
});

describe.runIf(shimTestsEnabled())('the shim in a process', () => {
  let shim: string;
  let probe: string;

  beforeAll(async () => {
    shim = await buildClockShim();
    probe = join(tempDir(), 'clock-probe');
    execFileSync('gcc', ['-O2', '-o', probe, join(here, 'fixtures', 'clock-probe.c')]);
  });

  function runProbe(env: Record<string, string>, sleepMs?: number): Record<string, bigint> {
    const out = execFileSync(probe, sleepMs === undefined ? [] : [String(sleepMs)], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    const values: Record<string, bigint> = {};
    for (const line of out.trim().split('\n')) {
      const [name, value] = line.split(' ');
      values[name as string] = BigInt(value as string);
    }
    return values;
  }

  it('fakes every realtime call and leaves CLOCK_MONOTONIC alone', () => {
    const file = join(tempDir(), 'clock');
    new ClockControl(file, { offsetMs: 1_000_000 });
    const monoBefore = process.hrtime.bigint(); // CLOCK_MONOTONIC
    const wallBefore = BigInt(Date.now()) * 1_000_000n;
    const seen = runProbe(clockShimEnv(shim, file));
    const wallAfter = BigInt(Date.now()) * 1_000_000n + 1_000_000n;
    const monoAfter = process.hrtime.bigint();

    const offset = 1_000_000_000_000n; // 1000 s in ns
    for (const name of ['realtime', 'realtime_coarse', 'gettimeofday']) {
      expect(seen[name], name).toBeGreaterThanOrEqual(wallBefore + offset - 10_000_000n); // coarse: ~4 ms resolution
      expect(seen[name], name).toBeLessThanOrEqual(wallAfter + offset);
    }
    expect(seen.time).toBeGreaterThanOrEqual(wallBefore + offset - 1_000_000_000n);
    expect(seen.time).toBeLessThanOrEqual(wallAfter + offset);
    // The monotonic clock is the machine's, exactly.
    expect(seen.monotonic).toBeGreaterThanOrEqual(monoBefore);
    expect(seen.monotonic).toBeLessThanOrEqual(monoAfter);
  });

  it('runs the clock at the rate in the file, and backwards jumps work', () => {
    const file = join(tempDir(), 'clock');
    const clock = new ClockControl(file, { rate: 0.5, offsetMs: -3_600_000 });
    const seen = runProbe(clockShimEnv(shim, file), 400);
    const fakeElapsedMs = Number(seen.realtime_after - seen.realtime) / 1e6;
    const realElapsedMs = Number(seen.monotonic_after - seen.monotonic) / 1e6;
    expect(realElapsedMs).toBeGreaterThanOrEqual(400);
    expect(fakeElapsedMs).toBeGreaterThan(realElapsedMs * 0.5 - 5);
    expect(fakeElapsedMs).toBeLessThan(realElapsedMs * 0.5 + 5);
    const nowMs = Number(seen.realtime / 1_000_000n);
    expect(Math.abs(nowMs - clock.nowMs())).toBeLessThan(2_000);
    expect(nowMs).toBeLessThan(Date.now() - 3_500_000);
  });

  it('passes the real time through when the control file is missing or malformed', () => {
    const dir = tempDir();
    const malformed = join(dir, 'bad');
    writeFileSync(malformed, 'not a clock line\n');
    for (const file of [join(dir, 'missing'), malformed]) {
      const before = BigInt(Date.now()) * 1_000_000n;
      const seen = runProbe(clockShimEnv(shim, file));
      const after = BigInt(Date.now() + 1) * 1_000_000n;
      expect(seen.realtime).toBeGreaterThanOrEqual(before);
      expect(seen.realtime).toBeLessThanOrEqual(after);
    }
  });
});

describe.runIf(shimTestsEnabled())('redis-server under the shim', () => {
  const nodes: RedisProcess[] = [];
  const clients: Redis[] = [];

  async function shimmedNode(): Promise<{ node: RedisProcess; clock: ClockControl; redis: Redis }> {
    const node = await RedisProcess.start({ name: 'shimmed', clock: true });
    nodes.push(node);
    const redis = new Redis({ host: node.host, port: node.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    clients.push(redis);
    await redis.connect();
    if (node.clock === undefined) throw new Error('expected a clock');
    return { node, clock: node.clock, redis };
  }

  afterEach(async () => {
    for (const redis of clients.splice(0)) redis.disconnect();
    await Promise.all(nodes.splice(0).map((node) => node.dispose()));
  });

  async function timeMs(redis: Redis): Promise<number> {
    const [sec, usec] = await redis.time();
    return Number(sec) * 1000 + Number(usec) / 1000;
  }

  it('starts quickly (no allocator deadlock) and TIME reflects the offset', async () => {
    await buildClockShim();
    const started = Date.now();
    const { clock, redis } = await shimmedNode();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(Math.abs((await timeMs(redis)) - Date.now())).toBeLessThan(1_000);

    clock.jump(3_600_000);
    await clock.settle();
    expect(Math.abs((await timeMs(redis)) - (Date.now() + 3_600_000))).toBeLessThan(1_000);
    clock.jump(-7_200_000);
    await clock.settle();
    expect(Math.abs((await timeMs(redis)) - (Date.now() - 3_600_000))).toBeLessThan(1_000);
  });

  it('at rate 2, a PX 4000 key expires after about 2 s of real time', async () => {
    const { clock, redis } = await shimmedNode();
    clock.setRate(2);
    await clock.settle();

    const setBefore = performance.now();
    expect(await redis.set('k', 'v', 'PX', 4000)).toBe('OK');
    const setAfter = performance.now();

    await sleep(1_500 - (performance.now() - setBefore));
    expect(await redis.exists('k')).toBe(1);
    // PTTL = 4000 - 2 x (real time between the two commands), bracketed by what we measured.
    const before = performance.now();
    const pttl = await redis.pttl('k');
    const after = performance.now();
    expect(pttl).toBeGreaterThanOrEqual(4000 - 2 * (after - setBefore) - 5);
    expect(pttl).toBeLessThanOrEqual(4000 - 2 * (before - setAfter) + 5);

    await sleep(2_500 - (performance.now() - setBefore));
    expect(await redis.exists('k')).toBe(0);
  });

  it('a +10 s jump takes 10 s off every TTL at once', async () => {
    const { clock, redis } = await shimmedNode();
    await redis.set('long', 'v', 'PX', 20_000);
    await redis.set('short', 'v', 'PX', 9_000);
    expect(await redis.exists('long', 'short')).toBe(2);

    clock.jump(10_000);
    await clock.settle();
    expect(await redis.exists('short')).toBe(0);
    const pttl = await redis.pttl('long');
    expect(pttl).toBeGreaterThan(9_000);
    expect(pttl).toBeLessThanOrEqual(10_000);
  });

  it('keeps time continuous across a rate change', async () => {
    const { clock, redis } = await shimmedNode();
    clock.setRate(4);
    await clock.settle();
    const real1 = performance.now();
    const t1 = await timeMs(redis);
    await sleep(200);
    clock.setRate(1);
    await clock.settle();
    const t2 = await timeMs(redis);
    const real2 = performance.now();
    // Between the two reads the faked clock ran at 4 then 1: never back, never more than 4x.
    expect(t2 - t1).toBeGreaterThan(0);
    expect(t2 - t1).toBeLessThanOrEqual(4 * (real2 - real1) + 5);
    expect(t2 - t1).toBeGreaterThanOrEqual(4 * 190);
  });
});
