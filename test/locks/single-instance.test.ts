/**
 * The single-instance lock against real redis-server processes.
 */
import { describe, expect, it } from 'vitest';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { singleInstance, type MeasuredLease } from '../../src/locks/index.ts';
import { ManualClock } from './manual-clock.ts';
import { clusterPerTest, manualContext, realContext, withLatency } from './helpers.ts';

describe.runIf(realRedisTestsEnabled())('single-instance lock on real Redis', () => {
  const cluster = clusterPerTest();

  it('acquires with SET NX PX, releases by compare-and-delete', async () => {
    const c = await cluster(1);
    const lock = singleInstance()(realContext(c.connect(), 'a'));
    expect(lock.name).toBe('single-instance');
    const held = await lock.acquire('res', 2000);
    expect(held).not.toBeNull();
    expect(await c.admin[0].get('res')).toBe(held!.value);
    const pttl = await c.admin[0].pttl('res');
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(2000);
    await lock.release(held!);
    expect(await c.admin[0].exists('res')).toBe(0);
  });

  it('of two concurrent acquires, exactly one wins; the other wins after the release', async () => {
    const c = await cluster(1);
    for (let round = 0; round < 5; round++) {
      const a = singleInstance({ retryCount: 0, timeoutMs: 500 })(realContext(c.connect(), `a${round}`));
      const b = singleInstance({ retryCount: 0, timeoutMs: 500 })(realContext(c.connect(), `b${round}`));
      const [la, lb] = await Promise.all([a.acquire('res', 2000), b.acquire('res', 2000)]);
      expect([la, lb].filter((l) => l !== null)).toHaveLength(1);
      const [winner, winnerLock, loserLock] = la !== null ? [la, a, b] : [lb!, b, a];
      expect(await c.admin[0].get('res')).toBe(winner.value);
      expect(await loserLock.acquire('res', 2000)).toBeNull();
      await winnerLock.release(winner);
      const second = await loserLock.acquire('res', 2000);
      expect(second).not.toBeNull();
      await loserLock.release(second!);
    }
  });

  it('uses the node option', async () => {
    const c = await cluster(2);
    const lock = singleInstance({ node: 1 })(realContext(c.connect(), 'a'));
    expect(lock.name).toBe('single-instance(node=1)');
    const held = await lock.acquire('res', 2000);
    expect(await c.values('res')).toEqual([null, held!.value]);
  });

  it('validity: validUntil = start + ttl - drift on the configured clock', async () => {
    const c = await cluster(1);
    const clock = new ManualClock();
    const nodes = c.connect().map((node) => withLatency(node, clock, 25));
    const lock = singleInstance({ timeoutMs: 1000 })(manualContext(nodes, clock, 'a'));
    const start = clock.monotonic();
    const held = (await lock.acquire('res', 1000)) as MeasuredLease;
    const drift = 1000 * 0.01 + 2;
    expect(held.startedAt).toBe(start);
    expect(held.elapsedMs).toBe(25);
    expect(held.validUntil).toBe(start + 1000 - drift);
    expect(held.validityMs).toBe(1000 - 25 - drift);
    expect(held.timeSource).toBe('monotonic');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a SET that times out is cleaned up (its outcome is unknown)', async () => {
    const c = await cluster(1);
    const clock = new ManualClock();
    const nodes = c.connect().map((node) => withLatency(node, clock, 100));
    const lock = singleInstance({ timeoutMs: 50, retryCount: 0 })(manualContext(nodes, clock, 'a'));
    expect(await lock.acquire('res', 5000)).toBeNull();
    expect(await c.admin[0].exists('res')).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('extends by compare-and-pexpire, and not a lock that is no longer its own', async () => {
    const c = await cluster(1);
    const lock = singleInstance()(realContext(c.connect(), 'a'));
    const held = await lock.acquire('res', 1000);
    const extended = await lock.extend!(held!, 60_000);
    expect(extended).not.toBeNull();
    expect(extended!.value).toBe(held!.value);
    expect(await c.admin[0].pttl('res')).toBeGreaterThan(1000);
    // Someone else's lock now (ours expired and another client took it).
    await c.admin[0].set('res', 'other', 'PX', 5000);
    expect(await lock.extend!(held!, 60_000)).toBeNull();
    expect(await c.admin[0].pttl('res')).toBeLessThanOrEqual(5000);
  });

  describe('deliberate flaws', () => {
    /** A holds, its key expires early (deleted here), B acquires: A is now a stale holder. */
    async function staleHolder(options: Parameters<typeof singleInstance>[0]) {
      const c = await cluster(1);
      const a = singleInstance(options)(realContext(c.connect(), 'a'));
      const b = singleInstance()(realContext(c.connect(), 'b'));
      const stale = await a.acquire('res', 5000);
      await c.admin[0].del('res');
      const fresh = await b.acquire('res', 5000);
      expect(fresh).not.toBeNull();
      return { c, a, stale: stale!, fresh: fresh! };
    }

    it("release=del: a stale holder's release deletes the next holder's lock; compare-and-delete does not", async () => {
      const safe = await staleHolder({});
      await safe.a.release(safe.stale);
      expect(await safe.c.admin[0].get('res')).toBe(safe.fresh.value);

      const flawed = await staleHolder({ release: 'del' });
      expect(flawed.a.name).toBe('single-instance(release=del)');
      await flawed.a.release(flawed.stale);
      expect(await flawed.c.admin[0].get('res')).toBeNull();
    });

    it("extend=pexpire: a stale holder's extend succeeds and prolongs the next holder's lock", async () => {
      const safe = await staleHolder({});
      expect(await safe.a.extend!(safe.stale, 60_000)).toBeNull();
      expect(await safe.c.admin[0].pttl('res')).toBeLessThanOrEqual(5000);

      const flawed = await staleHolder({ extend: 'pexpire' });
      expect(await flawed.a.extend!(flawed.stale, 60_000)).not.toBeNull();
      expect(await flawed.c.admin[0].pttl('res')).toBeGreaterThan(5000);
      expect(await flawed.c.admin[0].get('res')).toBe(flawed.fresh.value);
    });

    it("timeSource=wall: validUntil is on the wall clock, and a wall-clock step back stretches the holder's view", async () => {
      const c = await cluster(1);
      const clock = new ManualClock({ monotonic: 5_000, wall: 1_700_000_000_000 });
      const mono = singleInstance()(manualContext(c.connect(), clock, 'a'));
      const wall = singleInstance({ timeSource: 'wall' })(manualContext(c.connect(), clock, 'b'));
      const lm = await mono.acquire('m', 1000);
      const lw = await wall.acquire('w', 1000);
      expect(lw!.timeSource).toBe('wall');
      expect(lw!.validUntil).toBe(1_700_000_000_000 + 988);
      expect(lm!.validUntil).toBe(5_000 + 988);
      clock.advance(1500); // both leases are past their validity in true time...
      clock.jumpWall(-1000); // ...but an NTP step back makes the wall-clock lease look valid
      expect(clock.monotonic() < lm!.validUntil).toBe(false);
      expect(clock.now() < lw!.validUntil).toBe(true);
    });
  });
});
