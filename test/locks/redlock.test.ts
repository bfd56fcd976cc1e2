/**
 * Redlock against three (and five) real redis-server processes.
 */
import { describe, expect, it, vi } from 'vitest';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { redlock, type RedisLike } from '../../src/locks/index.ts';
import { ManualClock } from './manual-clock.ts';
import { clusterPerTest, manualContext, realContext, silentNode, tap, withLatency } from './helpers.ts';

const DRIFT_1000 = 1000 * 0.01 + 2;

describe.runIf(realRedisTestsEnabled())('Redlock on real Redis', () => {
  const cluster = clusterPerTest();

  it('acquires on every node with one value, and releases on every node', async () => {
    const c = await cluster(3);
    const lock = redlock()(realContext(c.connect(), 'a'));
    expect(lock.name).toBe('redlock');
    expect(lock.quorum).toBe(2);
    const held = await lock.acquire('res', 2000);
    expect(held).not.toBeNull();
    expect(held!.nodesLocked).toBe(3);
    expect(await c.values('res')).toEqual([held!.value, held!.value, held!.value]);
    await lock.release(held!);
    expect(await c.values('res')).toEqual([null, null, null]);
  });

  it('of two concurrent acquires exactly one wins, and the loser leaves none of its keys', async () => {
    const c = await cluster(3);
    for (let round = 0; round < 8; round++) {
      const a = redlock({ retryCount: 0, timeoutMs: 500 })(realContext(c.connect(), `a${round}`));
      const b = redlock({ retryCount: 0, timeoutMs: 500 })(realContext(c.connect(), `b${round}`));
      const [la, lb] = await Promise.all([a.acquire('res', 3000), b.acquire('res', 3000)]);
      const winners = [la, lb].filter((l) => l !== null);
      expect(winners).toHaveLength(1);
      const values = await c.values('res');
      expect(values.every((v) => v === null || v === winners[0]!.value)).toBe(true);
      expect(values.filter((v) => v === winners[0]!.value).length).toBeGreaterThanOrEqual(2);
      await (la !== null ? a.release(la) : b.release(lb!));
    }
  });

  it('of five concurrent clients on five nodes at most one wins', async () => {
    const c = await cluster(5);
    for (let round = 0; round < 4; round++) {
      const locks = [0, 1, 2, 3, 4].map((i) => redlock({ retryCount: 0, timeoutMs: 500 })(realContext(c.connect(), `${round}-${i}`)));
      const leases = await Promise.all(locks.map((lock) => lock.acquire('res', 3000)));
      expect(leases.filter((l) => l !== null).length).toBeLessThanOrEqual(1);
      await Promise.all(leases.map((l, i) => (l === null ? undefined : locks[i].release(l))));
    }
  });

  it('acquires with one node of three down (2 of 3 is a quorum)', async () => {
    const c = await cluster(3);
    await c.stop(2);
    const lock = redlock({ timeoutMs: 300, retryCount: 0 })(realContext(c.connect(), 'a'));
    const held = await lock.acquire('res', 3000);
    expect(held).not.toBeNull();
    expect(held!.nodesLocked).toBe(2);
    expect(await c.values('res')).toEqual([held!.value, held!.value, null]);
    await lock.release(held!);
    expect(await c.values('res')).toEqual([null, null, null]);
  });

  it('fails with two nodes of three down, and leaves no key on the node it reached', async () => {
    const c = await cluster(3);
    await c.stop(1);
    await c.stop(2);
    const reached: string[] = [];
    const nodes = c.connect().map((node, i) => (i === 0 ? tap(node, { after: (command) => reached.push(command) }) : node));
    const lock = redlock({ timeoutMs: 300, retryCount: 0 })(realContext(nodes, 'a'));
    expect(await lock.acquire('res', 3000)).toBeNull();
    expect(reached).toEqual(['SET', 'EVAL']); // it did lock node 0, then released it
    expect(await c.admin[0].exists('res')).toBe(0);
  });

  it('retries: a second client acquires after the first releases, within its retry budget', async () => {
    const c = await cluster(3);
    const first = redlock()(realContext(c.connect(), 'a'));
    const held = await first.acquire('res', 10_000);
    const clock = new ManualClock();
    const second = redlock({ retryCount: 3, retryDelayMs: 100, retryJitterMs: 0, timeoutMs: 1000 })(manualContext(c.connect(), clock, 'b'));
    const pending = second.acquire('res', 10_000);
    await vi.waitFor(() => expect(clock.pendingSleeps()).toBe(1)); // attempt 1 failed; it waits
    await first.release(held!);
    clock.advance(100);
    const got = await pending;
    expect(got).not.toBeNull();
    expect(got!.attempts).toBe(2);
    expect(await c.values('res')).toEqual([got!.value, got!.value, got!.value]);
  });

  it('retries: gives up after 1 + retryCount attempts while the lock is held', async () => {
    const c = await cluster(3);
    const first = redlock()(realContext(c.connect(), 'a'));
    const held = await first.acquire('res', 10_000);
    let sets = 0;
    const clock = new ManualClock();
    const nodes = c.connect().map((node) => tap(node, { before: (command) => void (command === 'SET' && sets++) }));
    const second = redlock({ retryCount: 2, retryDelayMs: 100, retryJitterMs: 50, timeoutMs: 1000 })(manualContext(nodes, clock, 'b'));
    const pending = second.acquire('res', 10_000);
    for (let i = 0; i < 2; i++) {
      await vi.waitFor(() => expect(clock.pendingSleeps()).toBe(1));
      clock.advance(150);
    }
    expect(await pending).toBeNull();
    expect(sets).toBe(3 * 3);
    expect(clock.sleeps).toHaveLength(2);
    for (const ms of clock.sleeps) {
      expect(ms).toBeGreaterThanOrEqual(100);
      expect(ms).toBeLessThan(150);
    }
    expect(await c.values('res')).toEqual([held!.value, held!.value, held!.value]);
  });

  it('validity = ttl - elapsed - drift, measured after the last reply', async () => {
    const c = await cluster(3);
    const clock = new ManualClock();
    const nodes = c.connect().map((node, i) => withLatency(node, clock, [10, 30, 20][i]));
    const lock = redlock({ timeoutMs: 500 })(manualContext(nodes, clock, 'a'));
    const start = clock.monotonic();
    const held = await lock.acquire('res', 1000);
    expect(held!.startedAt).toBe(start);
    expect(held!.elapsedMs).toBe(30);
    expect(held!.acquiredAt).toBe(start + 30);
    expect(held!.validityMs).toBe(1000 - 30 - DRIFT_1000);
    expect(held!.validUntil).toBe(held!.acquiredAt + held!.validityMs);
    expect(held!.validUntil).toBe(start + 1000 - DRIFT_1000);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('a node that does not answer counts as a no after the per-node timeout, and the timer is cancelled for the others', async () => {
    const c = await cluster(2);
    const clock = new ManualClock();
    const silent = silentNode();
    const nodes: RedisLike[] = [...c.connect(), silent];
    const lock = redlock({ timeoutMs: 80 })(manualContext(nodes, clock, 'a'));
    const start = clock.monotonic();
    const pending = lock.acquire('res', 1000);
    await vi.waitFor(() => expect(clock.pendingTimers()).toBe(1)); // two real replies are in
    clock.advance(80);
    const held = await pending;
    expect(held!.nodesLocked).toBe(2);
    expect(held!.elapsedMs).toBe(80);
    expect(held!.validUntil).toBe(start + 1000 - DRIFT_1000);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('extends on all nodes with the quorum rule, and fails once a majority lost the key', async () => {
    const c = await cluster(3);
    const lock = redlock()(realContext(c.connect(), 'a'));
    const held = await lock.acquire('res', 1000);
    const extended = await lock.extend(held!, 60_000);
    expect(extended).not.toBeNull();
    expect(extended!.nodesLocked).toBe(3);
    for (const admin of c.admin) expect(await admin.pttl('res')).toBeGreaterThan(1000);
    await c.admin[0].del('res');
    expect((await lock.extend(held!, 60_000))!.nodesLocked).toBe(2);
    await c.admin[1].set('res', 'someone-else', 'PX', 5000);
    expect(await lock.extend(held!, 60_000)).toBeNull();
    expect(await c.admin[1].pttl('res')).toBeLessThanOrEqual(5000);
  });

  describe('deliberate flaws', () => {
    it('checkValidity=false reports a lease even when elapsed > ttl; the correct algorithm refuses and cleans up', async () => {
      const c = await cluster(3);
      const clock = new ManualClock();
      const nodes = c.connect().map((node) => withLatency(node, clock, 1500));
      const correct = redlock({ timeoutMs: 5000, retryCount: 0 })(manualContext(nodes, clock, 'a'));
      expect(await correct.acquire('res', 1000)).toBeNull();
      expect(await c.values('res')).toEqual([null, null, null]);

      const flawed = redlock({ timeoutMs: 5000, retryCount: 0, checkValidity: false })(manualContext(nodes, clock, 'b'));
      expect(flawed.name).toBe('redlock(checkValidity=false,timeoutMs=5000,retryCount=0)');
      const held = await flawed.acquire('res', 1000);
      expect(held).not.toBeNull();
      expect(held!.elapsedMs).toBe(1500);
      expect(held!.validityMs).toBeLessThan(0);
      expect(held!.validUntil).toBeLessThan(clock.monotonic());
    });

    it('driftFactor=0 gives a larger validity (only the 2 ms constant remains)', async () => {
      const c = await cluster(3);
      const clock = new ManualClock();
      const nodes = c.connect().map((node) => withLatency(node, clock, 30));
      const correct = await redlock({ timeoutMs: 500 })(manualContext(nodes, clock, 'a')).acquire('a', 1000);
      const flawed = await redlock({ timeoutMs: 500, driftFactor: 0 })(manualContext(nodes, clock, 'b')).acquire('b', 1000);
      expect(correct!.validityMs).toBe(1000 - 30 - 12);
      expect(flawed!.validityMs).toBe(1000 - 30 - 2);
      expect(flawed!.validUntil - flawed!.startedAt).toBeGreaterThan(correct!.validUntil - correct!.startedAt);
    });

    it('releaseOnFailure=false leaves keys on the minority nodes', async () => {
      const c = await cluster(3);
      await c.stop(1);
      await c.stop(2);
      const lock = redlock({ timeoutMs: 300, retryCount: 0, releaseOnFailure: false })(realContext(c.connect(), 'a'));
      expect(lock.name).toBe('redlock(releaseOnFailure=false,timeoutMs=300,retryCount=0)');
      expect(await lock.acquire('res', 5000)).toBeNull();
      expect(await c.admin[0].exists('res')).toBe(1);
    });

    it('releaseOnFailure=false: a failed attempt leaves its key on the node it got; the correct algorithm removes it', async () => {
      for (const releaseOnFailure of [true, false]) {
        const c = await cluster(3);
        // Someone else holds nodes 0 and 1; this client can only get node 2.
        await c.admin[0].set('res', 'other', 'PX', 60_000);
        await c.admin[1].set('res', 'other', 'PX', 60_000);
        const lock = redlock({ retryCount: 0, releaseOnFailure, timeoutMs: 500 })(realContext(c.connect(), 'a'));
        expect(await lock.acquire('res', 5000)).toBeNull();
        expect(await c.admin[2].exists('res')).toBe(releaseOnFailure ? 0 : 1);
        expect(await c.values('res')).toEqual(['other', 'other', releaseOnFailure ? null : expect.any(String)]);
      }
    });

    it("release=del: a stale holder's release deletes the next holder's keys; compare-and-delete does not", async () => {
      for (const release of ['compare-and-delete', 'del'] as const) {
        const c = await cluster(3);
        const a = redlock({ release })(realContext(c.connect(), 'a'));
        const b = redlock()(realContext(c.connect(), 'b'));
        const stale = await a.acquire('res', 10_000);
        await Promise.all(c.admin.map((admin) => admin.del('res'))); // A's lease expired
        const fresh = await b.acquire('res', 10_000);
        await a.release(stale!);
        const expected = release === 'del' ? [null, null, null] : [fresh!.value, fresh!.value, fresh!.value];
        expect(await c.values('res')).toEqual(expected);
      }
    });

    it("release=del also applies to the clean-up after a failed attempt: the loser deletes the winner's keys", async () => {
      const c = await cluster(3);
      const winner = redlock()(realContext(c.connect(), 'a'));
      const held = await winner.acquire('res', 10_000);
      const loser = redlock({ release: 'del', retryCount: 0 })(realContext(c.connect(), 'b'));
      expect(await loser.acquire('res', 10_000)).toBeNull();
      expect(await c.values('res')).toEqual([null, null, null]);
      expect(held).not.toBeNull();
    });

    it("extend=pexpire: a stale holder's extend succeeds on the next holder's keys", async () => {
      const c = await cluster(3);
      const a = redlock({ extend: 'pexpire' })(realContext(c.connect(), 'a'));
      const b = redlock()(realContext(c.connect(), 'b'));
      const stale = await a.acquire('res', 10_000);
      await Promise.all(c.admin.map((admin) => admin.del('res')));
      const fresh = await b.acquire('res', 5_000);
      expect(await a.extend(stale!, 60_000)).not.toBeNull();
      for (const admin of c.admin) expect(await admin.pttl('res')).toBeGreaterThan(5000);
      expect(await c.values('res')).toEqual([fresh!.value, fresh!.value, fresh!.value]);
      const correct = redlock()(realContext(c.connect(), 'c'));
      expect(await correct.extend(stale!, 60_000)).toBeNull();
    });

    it("timeSource=wall is fooled by a wall-clock step back during the acquire; monotonic is not", async () => {
      const c = await cluster(3);
      for (const timeSource of ['monotonic', 'wall'] as const) {
        const clock = new ManualClock();
        let stepped = false;
        // The client is paused for 1500 ms while the replies are in flight, and NTP steps its wall clock back 1500 ms.
        const nodes = c.connect().map((node) =>
          tap(node, {
            after: (command) => {
              if (command !== 'SET' || stepped) return;
              stepped = true;
              clock.advance(1500);
              clock.jumpWall(-1500);
            },
          }),
        );
        const lock = redlock({ timeSource, timeoutMs: 5000, retryCount: 0 })(manualContext(nodes, clock, timeSource));
        const held = await lock.acquire(`res-${timeSource}`, 1000);
        if (timeSource === 'monotonic') {
          expect(held).toBeNull();
        } else {
          expect(lock.name).toBe('redlock(timeSource=wall,timeoutMs=5000,retryCount=0)');
          expect(held).not.toBeNull();
          expect(held!.elapsedMs).toBe(0);
          expect(held!.validityMs).toBe(1000 - DRIFT_1000);
        }
      }
    });
  });
});
