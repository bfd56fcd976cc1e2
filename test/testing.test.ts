import { describe, expect, it } from 'vitest';
import { checkLock, LockCheckError } from '../src/testing.ts';
import { redlock, type LockFactory } from '../src/locks/index.ts';

/** A user's lock, as users write them: SET NX PX, and (the planted flaw) release by plain DEL. */
const userLock: LockFactory = ({ nodes, clock, random }) => ({
  name: 'user-lock',
  async acquire(resource, ttlMs) {
    const value = random.hex(8);
    for (let attempt = 0; attempt < 100; attempt++) {
      const start = clock.monotonic();
      if ((await nodes[0]!.call('SET', resource, value, 'NX', 'PX', ttlMs)) === 'OK') {
        return { resource, value, validUntil: start + ttlMs * 0.9, timeSource: 'monotonic' };
      }
      await clock.sleep(20);
    }
    return null;
  },
  async release(lease) {
    await nodes[0]!.call('DEL', lease.resource);
  },
});

describe('checkLock for users\' own locks', () => {
  it('passes a correct lock', async () => {
    await expect(checkLock({ lock: redlock({ retryCount: 100, retryDelayMs: 20, retryJitterMs: 20 }), runs: 30 })).resolves.toBeUndefined();
  });

  it('fails a flawed lock with a shrunk schedule and a replay that reproduces it', async () => {
    const error = await checkLock({ lock: userLock, nodes: 1, runs: 50, faults: { kinds: ['delay', 'pause'], clientFaults: false } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockCheckError);
    const failure = error as LockCheckError;
    expect(failure.message).toContain('user-lock is unsafe');
    expect(failure.message).toContain("replay: checkLock({ ...sameOptions, replay: '");
    const again = await checkLock({ lock: userLock, nodes: 1, replay: failure.token }).catch((e: unknown) => e);
    expect((again as LockCheckError).result.traceHash).toBe(failure.result.traceHash);
    // The token carries the options that shape the run: a replay under others is refused, naming them.
    const otherTtl = await checkLock({ lock: userLock, nodes: 1, ttlMs: 5_000, replay: failure.token }).catch((e: unknown) => e);
    expect(otherTtl).not.toBeInstanceOf(LockCheckError);
    expect((otherTtl as Error).message).toBe('checkLock: the replay token was made with other options (ttlMs: 2000 in the token, 5000 here): replay with the options the failure ran with, or the run would be another one');
    const otherWorld = await checkLock({ lock: userLock, replay: failure.token, workload: { thinkMs: { min: 0, max: 50 } } }).catch((e: unknown) => e);
    expect((otherWorld as Error).message).toContain('(nodes: 1 in the token, 3 here; workload: {} in the token, {"thinkMs":{"max":50,"min":0}} here)');
    const otherLock = await checkLock({ lock: redlock(), nodes: 1, replay: failure.token }).catch((e: unknown) => e);
    expect((otherLock as Error).message).toBe('checkLock: the replay token was made with the lock user-lock, and this one is redlock: replay with the lock the failure ran with');
  });
});
