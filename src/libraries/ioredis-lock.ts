/**
 * Adapter for `ioredis-lock` 4.0.0 (makeomatic/ioredis-lock, CommonJS, Bluebird), a
 * single-instance lock; {@link ioredisLockFamily} also serves its ES-module successor
 * `@microfleet/ioredis-lock` 6 (src/libraries/microfleet-ioredis-lock.ts), whose lock is the
 * same code in TypeScript.
 *
 * What the library does, in its own code (lib/lock.js):
 * - `acquire(key)` → `_attemptLock`: `SET key <uuid> PX timeout NX`; on a nil reply it waits
 *   `delay` ms (6: × a random factor in [1, jitter)) and tries again, `retries` times; then
 *   `LockAcquisitionError`. Any Redis error (a command timeout) is wrapped into a
 *   `LockAcquisitionError` too.
 * - `extend(time)`: the `pexpireifequal` script (GET, compare, PEXPIRE); 0 → `LockExtendError
 *   "had expired"`. `release()`: `delifequal` (GET, compare, DEL); 0 → `LockReleaseError`.
 * - No validity is computed and nothing renews in the background: the holder believes it
 *   holds the lock until it calls `extend` or `release` and is told otherwise.
 *
 * Mapping: each `acquire` makes a fresh lock (`createLock(client, { timeout: ttl, … })`, a
 * fresh id) and calls `acquire(resource)`; a `LockAcquisitionError` → null. `release` →
 * `release()` (`LockReleaseError`: lost, not an error); `extend` → `extend(ttl)`
 * (`LockExtendError` → null). The lease's `validUntil` is the moment `acquire` was called +
 * ttl on the monotonic clock: the key cannot live longer than that (the library keeps none).
 */
import type { Lease, LockFactory } from '../locks/interface.ts';
import { installedVersion, libraryLock, optionText, thrownName, type AdapterOptions, LeaseHandles } from './common.ts';

export const IOREDIS_LOCK_PACKAGE = 'ioredis-lock';

/** The lock's options (timeout comes from the workload's TTL). */
export interface IoredisLockSettings {
  /** Retries after a refused SET (ioredis-lock 4: 0, @microfleet 6: 6). */
  readonly retries?: number;
  /** ms between retries (default 50). */
  readonly delay?: number;
  /** @microfleet 6 only: each delay is multiplied by a random factor in [1, jitter) (default 1.2). */
  readonly jitter?: number;
}

export interface IoredisLockOptions extends AdapterOptions {
  readonly settings?: IoredisLockSettings;
}

interface IoredisLockLock {
  readonly _id: string;
  acquire(key: string): Promise<unknown>;
  release(): Promise<unknown>;
  extend(time: number): Promise<unknown>;
}

interface IoredisLockModule {
  createLock(client: unknown, options: Record<string, unknown>): IoredisLockLock;
}

/** A lock factory for ioredis-lock's API, loaded from `pkg` (ioredis-lock 4 or @microfleet/ioredis-lock 6). */
export function ioredisLockFamily(pkg: string, options: IoredisLockOptions = {}): LockFactory {
  const settings = options.settings ?? {};
  const name = `${pkg}@${installedVersion(pkg)}${optionText(settings)}`;
  return libraryLock(
    name,
    (env) => {
      const library = env.require<IoredisLockModule>(pkg);
      if (typeof library.createLock !== 'function') throw new Error(`${pkg}: no createLock export`);
      const locks = new LeaseHandles<IoredisLockLock>(name);
      const lockOf = (lease: Lease): IoredisLockLock => locks.of(lease);
      return {
        name,
        async acquire(resource, ttlMs) {
          const start = env.clock.monotonic();
          const lock = library.createLock(env.clients[0], { ...settings, timeout: ttlMs });
          try {
            await lock.acquire(resource);
          } catch (error) {
            if (thrownName(error) === 'LockAcquisitionError') return null;
            throw error;
          }
          const lease: Lease = { resource, value: lock._id, validUntil: start + ttlMs, timeSource: 'monotonic' };
          locks.set(lease, lock);
          return lease;
        },
        async release(lease) {
          const lock = lockOf(lease);
          locks.delete(lease);
          try {
            await lock.release();
          } catch (error) {
            if (thrownName(error) !== 'LockReleaseError') throw error;
          }
        },
        async extend(lease, ttlMs) {
          const lock = lockOf(lease);
          const start = env.clock.monotonic();
          try {
            await lock.extend(ttlMs);
          } catch (error) {
            if (thrownName(error) === 'LockExtendError') return null;
            throw error;
          }
          const extended: Lease = { ...lease, validUntil: start + ttlMs };
          locks.delete(lease);
          locks.set(extended, lock);
          return extended;
        },
      };
    },
    options,
  );
}

/** A lock factory running the published ioredis-lock 4 on one node. */
export function ioredisLock(options: IoredisLockOptions = {}): LockFactory {
  return ioredisLockFamily(IOREDIS_LOCK_PACKAGE, options);
}
