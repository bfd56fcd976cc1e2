/**
 * Adapter for `redlock` 4.x (mike-marcacci/node-redlock, the Bluebird-based release most
 * projects still run): `new Redlock(clients, options)`, `lock(resource, ttl)`,
 * `unlock(lock)`, `extend(lock, ttl)`.
 *
 * What the library does, in its own code: a Lua script SETs the key PX ttl on every node if
 * absent; an attempt succeeds with a quorum `floor(N/2)+1` of "1" replies and if
 * `start + ttl - drift > Date.now()` after the last reply (drift = round(driftFactor × ttl) + 2,
 * start = `Date.now()` when the attempt began): validity on the **wall clock**. A failed
 * attempt unlocks everywhere and retries after `retryDelay ± retryJitter` ms, `retryCount`
 * times. `extend` runs the same loop with a compare-and-set script. Errors of individual nodes
 * (a command timeout) count as "no".
 *
 * Mapping: `acquire` → `lock` (a LockError after the retries → null); the lease's
 * `validUntil` is the library's own `lock.expiration` on the wall clock; `release` → `unlock`
 * (a LockError, "could not release on a quorum", is a lost lease, not an error); `extend` →
 * `extend` (LockError → null).
 */
import type { Lease, LockFactory } from '../locks/interface.ts';
import { installedVersion, libraryLock, optionText, thrownName, type AdapterOptions, LeaseHandles } from './common.ts';

/** redlock 4's own options (defaults: driftFactor 0.01, retryCount 10, retryDelay 200, retryJitter 100). */
export interface Redlock4Options {
  readonly driftFactor?: number;
  readonly retryCount?: number;
  readonly retryDelay?: number;
  readonly retryJitter?: number;
}

interface Redlock4Lock {
  resource: string | string[];
  value: string;
  expiration: number;
}

interface Redlock4 {
  lock(resource: string, ttl: number): Promise<Redlock4Lock>;
  unlock(lock: Redlock4Lock): Promise<void>;
  extend(lock: Redlock4Lock, ttl: number): Promise<Redlock4Lock>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

type Redlock4Constructor = new (clients: readonly unknown[], options?: Redlock4Options) => Redlock4;

export const REDLOCK4_PACKAGE = 'redlock';

/** A lock factory running the published redlock 4 with `options`. */
export function redlock4(options: Redlock4Options = {}, adapter: AdapterOptions = {}): LockFactory {
  const name = `redlock@${installedVersion(REDLOCK4_PACKAGE)}${optionText(options)}`;
  return libraryLock(
    name,
    (env) => {
      const Redlock = env.require<Redlock4Constructor>(REDLOCK4_PACKAGE);
      const redlock = new Redlock(env.clients, options);
      // The README's advice: listen to clientError (a node's error is a "no" vote, not a failure).
      let clientErrors = 0;
      redlock.on('clientError', () => void clientErrors++);
      const locks = new LeaseHandles<Redlock4Lock>(name);
      const leaseOf = (resource: string, lock: Redlock4Lock): Lease => {
        const lease: Lease = { resource, value: lock.value, validUntil: lock.expiration, timeSource: 'wall' };
        locks.set(lease, lock);
        return lease;
      };
      const lockOf = (lease: Lease): Redlock4Lock => locks.of(lease);
      return {
        name,
        get clientErrors() {
          return clientErrors;
        },
        async acquire(resource, ttlMs) {
          try {
            return leaseOf(resource, await redlock.lock(resource, ttlMs));
          } catch (error) {
            if (thrownName(error) === 'LockError') return null;
            throw error;
          }
        },
        async release(lease) {
          try {
            await redlock.unlock(lockOf(lease));
          } catch (error) {
            if (thrownName(error) !== 'LockError') throw error;
          }
        },
        async extend(lease, ttlMs) {
          try {
            return leaseOf(lease.resource, await redlock.extend(lockOf(lease), ttlMs));
          } catch (error) {
            if (thrownName(error) === 'LockError') return null;
            throw error;
          }
        },
      };
    },
    adapter,
  );
}
