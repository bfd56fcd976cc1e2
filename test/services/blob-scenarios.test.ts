/**
 * The blob catalog scenarios conclude what they do for the reason their explanations give, not
 * only with the verdict the catalog test checks: the service renewed the expired lease "as if
 * nothing happened", a renewal was refused after the stale write, the slow clock's renewal came
 * after the lease ended on the service's clock.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import blobPauseRenewal from '../../scenarios/blob-pause-renewal.ts';
import blobSlowClientClock from '../../scenarios/blob-slow-client-clock.ts';
import blobBrokenLease from '../../scenarios/blob-broken-lease.ts';
import blobEtagGuard from '../../scenarios/blob-etag-guard.ts';
import blobNodeCrash from '../../scenarios/blob-node-crash.ts';

const SEEDS = [1, 2, 3];

const notes = (trace: readonly { kind: string; detail: string; process: string }[] | null): string[] => (trace ?? []).filter((e) => e.kind === 'note').map((e) => `${e.process}: ${e.detail}`);

describe('blob-pause-renewal', () => {
  it('nobody in between: the holder renews the lapsed lease at resume and the service renews it as if nothing happened', async () => {
    for (const seed of SEEDS) {
      const result = await runScenario(blobPauseRenewal, { seed, variant: 'blob-lease(watchValidity=false),alone', keepTrace: true });
      expect(notes(result.trace).filter((n) => n.includes('as if nothing happened')), `seed ${seed}`).toEqual(['blob-1: client-1 renewed the expired lease on locksim/lock:counter: as if nothing happened']);
      // The holder never learned: no lost signal, and its write after the pause landed.
      expect(result.history.events.filter((e) => e.kind === 'lost')).toEqual([]);
      expect(result.history.writes.filter((w) => w.process === 'client-1' && w.at > 32_000_000 && w.accepted).length).toBeGreaterThan(0);
    }
  });

  it('another holder in between: the stale write lands at resume, and the service does not renew the lease client-2 held', async () => {
    for (const seed of SEEDS) {
      const result = await runScenario(blobPauseRenewal, { seed, variant: 'blob-lease(watchValidity=false),taken', keepTrace: true });
      const staleWrite = result.history.writes.find((w) => w.process === 'client-1' && w.at >= 32_000_000);
      expect(staleWrite?.at, `seed ${seed}`).toBeLessThan(32_010_000);
      expect(staleWrite?.accepted).toBe(true);
      expect(staleWrite?.readValue).toBeLessThan(staleWrite?.before ?? 0);
      expect(notes(result.trace).filter((n) => n.includes('as if nothing happened'))).toEqual([]);
    }
  });

  it('watching its own validity, the holder learns at resume and writes nothing after the pause', async () => {
    for (const seed of SEEDS) {
      const result = await runScenario(blobPauseRenewal, { seed, variant: 'blob-lease,taken' });
      const lost = result.history.events.find((e) => e.process === 'client-1' && e.kind === 'lost');
      expect(lost?.at, `seed ${seed}`).toBe(32_000_000);
      expect(lost?.reason).toMatch(/expired|validity/);
      expect(result.history.writes.filter((w) => w.process === 'client-1' && w.at >= 32_000_000 && w.at < 33_000_000)).toEqual([]);
    }
  });
});

describe('blob-slow-client-clock', () => {
  it('the holder on a slow clock loses the lease to a refused renewal after client-2 took it; its renewals every third never lapse', async () => {
    for (const seed of SEEDS) {
      const late = await runScenario(blobSlowClientClock, { seed, variant: 'blob-lease(renew-at=14s)' });
      const taken = late.history.events.find((e) => e.process === 'client-2' && e.kind === 'acquire' && e.phase === 'ok');
      const lost = late.history.events.find((e) => e.process === 'client-1' && e.kind === 'lost');
      // Lease from ~0 s on the service's clock: over at 15 s; the renewal leaves at 14 s of a clock 10 % slow, 15.56 s.
      expect((taken?.at ?? 0) / 1000, `seed ${seed}`).toBeGreaterThan(15_000);
      expect((lost?.at ?? 0) / 1000).toBeGreaterThan(15_500);
      expect((lost?.at ?? 0) / 1000).toBeLessThan(15_700);
      expect(lost?.reason).toMatch(/renewal failed/);
      const third = await runScenario(blobSlowClientClock, { seed, variant: 'blob-lease' });
      expect(third.history.events.filter((e) => e.kind === 'lost')).toEqual([]);
    }
  });
});

describe('blob-broken-lease', () => {
  it('client-2 breaks the lease after 20 s; the leased blob refuses client-1\'s write that names the broken lease, and client-2\'s lands', async () => {
    for (const seed of SEEDS) {
      const result = await runScenario(blobBrokenLease, { seed, variant: 'blob-lease(breakAfterMs=20000)+lease-guard' });
      const [first, second] = result.history.writes;
      expect(first?.process, `seed ${seed}`).toBe('client-1');
      expect(first?.accepted).toBe(false);
      expect(first?.reason).toBe('412 LeaseIdMismatchWithBlobOperation');
      expect(second).toMatchObject({ process: 'client-2', accepted: true, readValue: 0, before: 0 });
      // Counter elsewhere, the same write lands and client-2's update is the one lost.
      const elsewhere = await runScenario(blobBrokenLease, { seed, variant: 'blob-lease(breakAfterMs=20000)' });
      expect(elsewhere.history.writes.slice(0, 2).map((w) => `${w.process} ${w.accepted} ${w.readValue}/${w.before}`)).toEqual(['client-1 true 0/0', 'client-2 true 0/1']);
    }
  });
});

describe('blob-etag-guard', () => {
  it('the resumed holder\'s write to the counter blob: lands without a guard, refused by the ETag, refused by the lease on the leased blob', async () => {
    for (const seed of SEEDS) {
      const stale = async (variant: string): Promise<string> => {
        const result = await runScenario(blobEtagGuard, { seed, variant });
        const write = result.history.writes.find((w) => w.process === 'client-1' && w.at >= 21_000_000);
        return `${write?.accepted === true ? 'landed' : `refused ${write?.reason ?? ''}`} (based on ${write?.readValue}, counter ${write?.before})`;
      };
      expect(await stale('blob-lease'), `seed ${seed}`).toBe('landed (based on 0, counter 1)');
      expect(await stale('blob-lease+etag')).toBe('refused 409 BlobAlreadyExists (based on 0, counter 1)');
      expect(await stale('blob-lease+lease-guard')).toMatch(/^refused 412 Lease\w+ \(based on 0, counter 1\)$/);
    }
  });
});

describe('blob-node-crash', () => {
  it('Azurite killed before its first autosave comes back without the lease, and client-2 takes one while client-1 works; durable, client-2 waits', async () => {
    for (const seed of SEEDS) {
      const lost = await runScenario(blobNodeCrash, { seed, variant: 'autosave' });
      expect(lost.faultsFired[0]?.effect, `seed ${seed}`).toBe('blob-1 restarted from its last autosave: 2 acknowledged change(s) lost');
      const taken = lost.history.events.find((e) => e.process === 'client-2' && e.kind === 'acquire' && e.phase === 'ok');
      expect((taken?.at ?? 0) / 1000).toBeLessThan(3_000);
      const durable = await runScenario(blobNodeCrash, { seed, variant: 'durable' });
      expect(durable.faultsFired[0]?.effect).toBe('blob-1 restarted with every blob and lease (durable)');
      const waited = durable.history.events.find((e) => e.process === 'client-2' && e.kind === 'acquire' && e.phase === 'ok');
      expect((waited?.at ?? 0) / 1000).toBeGreaterThan(8_000); // after client-1's release
    }
  });
});
