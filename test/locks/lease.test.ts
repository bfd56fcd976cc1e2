/**
 * The auto-renewing lease against real redis-server processes: renewals on the real clock, and
 * the exact timing of loss detection on a manual clock.
 */
import { describe, expect, it, vi } from 'vitest';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { LeaseLostError, lease, redlock, singleInstance, type LockFactory } from '../../src/locks/index.ts';
import { ManualClock } from './manual-clock.ts';
import { clusterPerTest, gated, manualContext, realContext } from './helpers.ts';

const WAIT = { timeout: 10_000, interval: 20 };

function lossReason(signal: AbortSignal): string | undefined {
  const reason: unknown = signal.reason;
  return reason instanceof LeaseLostError ? reason.reason : undefined;
}

describe.runIf(realRedisTestsEnabled())('auto-renewing lease on real Redis', () => {
  const cluster = clusterPerTest();

  const inners: Array<[string, LockFactory, number]> = [
    ['single-instance', singleInstance({ timeoutMs: 150 }), 1],
    ['redlock', redlock({ timeoutMs: 150 }), 3],
  ];

  for (const [label, inner, n] of inners) {
    it(`keeps a ${label} lease alive past its TTL, then release stops the renewals`, async () => {
      const c = await cluster(n);
      const lock = lease(inner)(realContext(c.connect(), 'a'));
      const held = await lock.acquire('res', 600);
      expect(held).not.toBeNull();
      const firstValidUntil = held!.validUntil;
      await vi.waitFor(() => expect(held!.renewals).toBeGreaterThanOrEqual(4), WAIT); // > 4 * 200 ms > TTL
      expect(held!.signal.aborted).toBe(false);
      expect(held!.state).toBe('held');
      expect(held!.validUntil).toBeGreaterThan(firstValidUntil);
      for (const value of await c.values('res')) expect(value).toBe(held!.value);
      await lock.release(held!);
      expect(held!.state).toBe('released');
      expect(await c.values('res')).toEqual(new Array(n).fill(null));
      expect(held!.signal.aborted).toBe(false);
    });
  }

  it('fires the signal when a renewal finds the key deleted', async () => {
    const c = await cluster(1);
    const lock = lease(singleInstance({ timeoutMs: 150 }))(realContext(c.connect(), 'a'));
    const held = await lock.acquire('res', 600);
    const aborted = new Promise<unknown>((resolve) => held!.signal.addEventListener('abort', () => resolve(held!.signal.reason)));
    await c.admin[0].del('res');
    const reason = await aborted;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(lossReason(held!.signal)).toBe('renewal-failed');
    expect(held!.state).toBe('lost');
    await lock.release(held!); // still fine to call
  });

  it('fires the signal when the node stops', async () => {
    const c = await cluster(1);
    const lock = lease(singleInstance({ timeoutMs: 200 }), { renewFraction: 0.1 })(realContext(c.connect(), 'a'));
    const held = await lock.acquire('res', 3000);
    await c.stop(0);
    await vi.waitFor(() => expect(held!.signal.aborted).toBe(true), WAIT);
    expect(lossReason(held!.signal)).toBe('renewal-failed');
  });

  it('fires the signal when a Redlock renewal loses its quorum', async () => {
    const c = await cluster(3);
    const lock = lease(redlock({ timeoutMs: 150 }))(realContext(c.connect(), 'a'));
    const held = await lock.acquire('res', 600);
    await c.admin[0].del('res');
    await vi.waitFor(() => expect(held!.renewals).toBeGreaterThanOrEqual(1), WAIT); // 2 of 3 still renew
    expect(held!.signal.aborted).toBe(false);
    await c.admin[1].del('res');
    await vi.waitFor(() => expect(held!.signal.aborted).toBe(true), WAIT);
    expect(lossReason(held!.signal)).toBe('renewal-failed');
  });

  it('extend renews at once and keeps the same live lease object', async () => {
    const c = await cluster(1);
    const clock = new ManualClock();
    const lock = lease(singleInstance())(manualContext(c.connect(), clock, 'a'));
    const held = await lock.acquire('res', 1000);
    clock.advance(100);
    const extended = await lock.extend(held!, 30_000);
    expect(extended).toBe(held);
    expect(held!.validUntil).toBe(clock.monotonic() + 30_000 - (300 + 2));
    expect(held!.renewals).toBe(1);
    expect(await c.admin[0].pttl('res')).toBeGreaterThan(1000);
    await lock.release(held!);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("fires 'expired' when validity passes before a slow renewal succeeds, and ignores the late renewal", async () => {
    const c = await cluster(1);
    const clock = new ManualClock();
    const node = gated(c.connect()[0], (command) => command === 'EVAL');
    const lock = lease(singleInstance({ timeoutMs: Infinity }))(manualContext([node], clock, 'a'));
    const held = await lock.acquire('res', 1000);
    const validUntil = held!.validUntil; // start + 1000 - 12
    clock.advance(334); // the renewal is sent; its reply is held back
    await vi.waitFor(() => expect(node.held()).toBe(1), WAIT);
    clock.advanceTo(validUntil - 1);
    expect(held!.signal.aborted).toBe(false);
    clock.advanceTo(validUntil);
    expect(held!.signal.aborted).toBe(true);
    expect(lossReason(held!.signal)).toBe('expired');
    expect(clock.pendingTimers()).toBe(0);
    node.open();
    await lock.release(held!); // after the late renewal's reply
    expect(held!.renewals).toBe(0);
    expect(held!.validUntil).toBe(validUntil);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("a client paused past its lease learns on resume: 'expired', not a renewal", async () => {
    const c = await cluster(1);
    const clock = new ManualClock();
    let renewalsSent = 0;
    const [raw] = c.connect();
    const node = { call: (command: string, ...args: Array<string | number>) => (command === 'EVAL' && renewalsSent++, raw.call(command, ...args)) };
    const lock = lease(singleInstance())(manualContext([node], clock, 'a'));
    const held = await lock.acquire('res', 1000);
    clock.pause(5000); // every timer fires late, in order, on resume
    expect(lossReason(held!.signal)).toBe('expired');
    expect(renewalsSent).toBe(0);
  });

  it('stops after maxRenewals; the signal then fires when validity passes', async () => {
    const c = await cluster(1);
    const clock = new ManualClock();
    const lock = lease(singleInstance(), { maxRenewals: 2 })(manualContext(c.connect(), clock, 'a'));
    expect(lock.name).toBe('lease(single-instance; maxRenewals=2)');
    const held = await lock.acquire('res', 900);
    for (let i = 1; i <= 2; i++) {
      clock.advance(300);
      await vi.waitFor(() => expect(held!.renewals).toBe(i), WAIT);
    }
    expect(clock.pendingTimers()).toBe(1); // only the expiry watch
    const validUntil = held!.validUntil;
    clock.advanceTo(validUntil - 0.5);
    expect(held!.signal.aborted).toBe(false);
    clock.advanceTo(validUntil);
    expect(lossReason(held!.signal)).toBe('expired');
  });

  describe('deliberate flaws', () => {
    it("renewal=recreate-missing re-creates a deleted key and never fires the signal; 'extend' fires it", async () => {
      const c = await cluster(1);
      const flawed = lease(singleInstance({ timeoutMs: 150 }), { renewal: 'recreate-missing' })(realContext(c.connect(), 'a'));
      expect(flawed.name).toBe('lease(single-instance(timeoutMs=150); renewal=recreate-missing)');
      const held = await flawed.acquire('res', 600);
      await c.admin[0].del('res');
      const before = held!.renewals;
      await vi.waitFor(() => expect(held!.renewals).toBeGreaterThanOrEqual(before + 2), WAIT);
      expect(await c.admin[0].get('res')).toBe(held!.value);
      expect(held!.signal.aborted).toBe(false);
      // A key that someone else holds is not taken over, and that renewal fails.
      await c.admin[0].set('res', 'other', 'PX', 60_000);
      await vi.waitFor(() => expect(held!.signal.aborted).toBe(true), WAIT);
      expect(await c.admin[0].get('res')).toBe('other');
    });

    it('renewal=recreate-missing on Redlock re-creates keys lost on a majority', async () => {
      const c = await cluster(3);
      const flawed = lease(redlock({ timeoutMs: 150 }), { renewal: 'recreate-missing' })(realContext(c.connect(), 'a'));
      const held = await flawed.acquire('res', 600);
      await Promise.all(c.admin.map((admin) => admin.del('res')));
      const before = held!.renewals;
      await vi.waitFor(() => expect(held!.renewals).toBeGreaterThanOrEqual(before + 1), WAIT);
      expect(await c.values('res')).toEqual([held!.value, held!.value, held!.value]);
      expect(held!.signal.aborted).toBe(false);
      await flawed.release(held!);
    });

    it("timeSource=wall: a wall-clock step back keeps the expiry watch quiet past the lease; monotonic fires", async () => {
      const c = await cluster(1);
      for (const timeSource of ['monotonic', 'wall'] as const) {
        const clock = new ManualClock();
        const lock = lease(singleInstance({ timeSource }), { maxRenewals: 0 })(manualContext(c.connect(), clock, timeSource));
        const held = await lock.acquire(`res-${timeSource}`, 1000);
        clock.advance(500);
        clock.jumpWall(-2000); // NTP steps the wall clock back 2 s
        clock.advance(600); // 1100 ms after the acquire: past the lease in true time
        if (timeSource === 'monotonic') {
          expect(lossReason(held!.signal)).toBe('expired');
        } else {
          expect(held!.signal.aborted).toBe(false); // fooled
          clock.advance(2000);
          expect(lossReason(held!.signal)).toBe('expired');
        }
      }
    });
  });
});
