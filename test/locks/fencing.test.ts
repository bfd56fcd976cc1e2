/**
 * Fencing tokens against real redis-server processes, alone and composed with the lease.
 */
import { describe, expect, it, vi } from 'vitest';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { FencedLease, RenewingLease, fencing, lease, redlock, singleInstance } from '../../src/locks/index.ts';
import { ManualClock } from './manual-clock.ts';
import { clusterPerTest, manualContext, realContext } from './helpers.ts';

const WAIT = { timeout: 10_000, interval: 20 };

describe.runIf(realRedisTestsEnabled())('fencing tokens on real Redis', () => {
  const cluster = clusterPerTest();

  it('hands out increasing tokens across clients, from INCR on the token key of node 0', async () => {
    const c = await cluster(3);
    const a = fencing(redlock())(realContext(c.connect(), 'a'));
    const b = fencing(redlock())(realContext(c.connect(), 'b'));
    expect(a.name).toBe('fencing(redlock)');
    const tokens: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (const lock of [a, b]) {
        const held = await lock.acquire('res', 2000);
        expect(held).toBeInstanceOf(FencedLease);
        tokens.push(held!.fencingToken);
        await lock.release(held!);
      }
    }
    expect(tokens).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await c.values('res:fencing')).toEqual(['6', null, null]);
    expect(await c.values('res')).toEqual([null, null, null]);
  });

  it('keeps the counter on the chosen node under the chosen key', async () => {
    const c = await cluster(3);
    const lock = fencing(redlock(), { node: 2, tokenKey: (r) => `{${r}}:token` })(realContext(c.connect(), 'a'));
    const held = await lock.acquire('res', 2000);
    expect(held!.fencingToken).toBe(1);
    expect(await c.values('{res}:token')).toEqual([null, null, '1']);
  });

  it('gives null and releases the lock when the token node is down', async () => {
    const c = await cluster(3);
    await c.stop(0);
    const lock = fencing(redlock({ timeoutMs: 300 }), { timeoutMs: 300 })(realContext(c.connect(), 'a'));
    expect(await lock.acquire('res', 5000)).toBeNull();
    expect(await c.values('res')).toEqual([null, null, null]);
  });

  it('a crash of the token node without persistence makes tokens go back (the honest weakness)', async () => {
    const c = await cluster(3);
    const lock = fencing(redlock())(realContext(c.connect(), 'a'));
    const first = await lock.acquire('res', 2000);
    await lock.release(first!);
    await c.admin[0].flushall(); // what a restart without persistence leaves
    const second = await lock.acquire('res', 2000);
    expect(second!.fencingToken).toBe(first!.fencingToken);
  });

  it('extend keeps the token', async () => {
    const c = await cluster(3);
    const lock = fencing(redlock())(realContext(c.connect(), 'a'));
    const held = await lock.acquire('res', 2000);
    const extended = await lock.extend!(held!, 5000);
    expect(extended!.fencingToken).toBe(held!.fencingToken);
    expect(await c.values('res:fencing')).toEqual(['1', null, null]);
  });

  it('fencing(lease(...)): the token, the live validity and the signal all come through', async () => {
    const c = await cluster(3);
    const clock = new ManualClock();
    const lock = fencing(lease(redlock()))(manualContext(c.connect(), clock, 'a'));
    const held = await lock.acquire('res', 900);
    expect(held!.fencingToken).toBe(1);
    expect(held!.inner).toBeInstanceOf(RenewingLease);
    const before = held!.validUntil;
    clock.advance(300);
    await vi.waitFor(() => expect((held!.inner as RenewingLease).renewals).toBe(1), WAIT);
    expect(held!.validUntil).toBe(before + 300);
    expect(held!.signal!.aborted).toBe(false);
    await Promise.all(c.admin.map((admin) => admin.del('res')));
    clock.advance(300);
    await vi.waitFor(() => expect(held!.signal!.aborted).toBe(true), WAIT);
    await lock.release(held!);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('lease(fencing(...)): renewals keep the token; recreate-missing is forwarded', async () => {
    const c = await cluster(1);
    const clock = new ManualClock();
    const lock = lease(fencing(singleInstance()), { renewal: 'recreate-missing' })(manualContext(c.connect(), clock, 'a'));
    expect(lock.name).toBe('lease(fencing(single-instance); renewal=recreate-missing)');
    const held = await lock.acquire('res', 900);
    expect(held!.fencingToken).toBe(1);
    await c.admin[0].del('res');
    clock.advance(300);
    await vi.waitFor(() => expect(held!.renewals).toBe(1), WAIT);
    expect(held!.fencingToken).toBe(1);
    expect(await c.admin[0].get('res')).toBe(held!.value);
    await lock.release(held!);
  });
});
