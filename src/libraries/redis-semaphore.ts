/**
 * Adapter for `redis-semaphore` 5.x (swarthy/redis-semaphore): `Mutex` (one node),
 * `RedlockMutex` (N nodes), `Semaphore` and `RedlockSemaphore` (used with limit 1 as a lock).
 *
 * What the library does, in its own code:
 * - `Mutex`: `SET mutex:<key> <uuid> PX lockTimeout NX`, retried every `retryInterval` ms
 *   (default 10) until `acquireTimeout` (default 10 s) on `Date.now()`; while held, a
 *   `setInterval` every `refreshInterval` ms (default 0.8 × lockTimeout) runs a
 *   compare-and-PEXPIRE script; when it answers 0 the lock is lost and `onLockLost(error)` is
 *   called (the default throws: an unhandled rejection that kills the process). Release is a
 *   compare-and-delete script. No validity is computed: the holder believes it holds the lock
 *   until a refresh says otherwise.
 * - `RedlockMutex`: the same on every node, quorum `round((N+1)/2)`; a refresh that reaches a
 *   quorum also re-SETs the key (NX) on the nodes that lost it.
 * - `Semaphore` / `RedlockSemaphore`: a sorted set of holders scored by the acquirer's
 *   `Date.now()`; every acquire first removes entries older than `now - lockTimeout` by the
 *   acquirer's own wall clock, then adds itself if fewer than `limit` remain.
 *
 * Mapping: each `acquire` builds a fresh lock object (a fresh identifier) with
 * `lockTimeout = ttl` and calls `tryAcquire()` (false after `acquireTimeout` → null);
 * `onLockLost` aborts `lease.signal`; `release` → `release()`. The library keeps no validity;
 * the lease's `validUntil` is what it implicitly assumes: the key lives `ttl` from the moment
 * `tryAcquire` resolved (that is when its refresh timer starts), on the monotonic clock. The
 * keys were in fact written earlier, by as long as the acquire then waited (for a slow node,
 * say): the reports' "ran past validity" figure shows what that assumption costs.
 */
import type { Lease, LockFactory } from '../locks/interface.ts';
import { hostError, installedVersion, libraryLock, optionText, type AdapterOptions } from './common.ts';

export type RedisSemaphoreClass = 'Mutex' | 'RedlockMutex' | 'Semaphore' | 'RedlockSemaphore';
export const REDIS_SEMAPHORE_CLASSES: readonly RedisSemaphoreClass[] = ['Mutex', 'RedlockMutex', 'Semaphore', 'RedlockSemaphore'];

/** redis-semaphore's lock options (lockTimeout comes from the workload's TTL). */
export interface RedisSemaphoreLockOptions {
  readonly acquireTimeout?: number;
  readonly acquireAttemptsLimit?: number;
  readonly retryInterval?: number;
  /** 0 turns automatic refresh off. Default 0.8 × lockTimeout. */
  readonly refreshInterval?: number;
}

export interface RedisSemaphoreOptions extends AdapterOptions {
  readonly kind: RedisSemaphoreClass;
  /** For the semaphores (default 1: a lock). */
  readonly limit?: number;
  readonly options?: RedisSemaphoreLockOptions;
  /**
   * `signal` (default): `onLockLost` aborts the lease's signal. `default`: the library's own
   * default, which throws inside its refresh timer: an unhandled rejection that crashes the process.
   */
  readonly onLockLost?: 'signal' | 'default';
}

interface SemaphoreLock {
  readonly identifier: string;
  tryAcquire(): Promise<boolean>;
  release(): Promise<void>;
}

type SemaphoreModule = Record<RedisSemaphoreClass, new (...args: unknown[]) => SemaphoreLock>;

export const REDIS_SEMAPHORE_PACKAGE = 'redis-semaphore';

/** A lock factory running the published redis-semaphore class `kind`. */
export function redisSemaphore(config: RedisSemaphoreOptions): LockFactory {
  const { kind } = config;
  const limit = config.limit ?? 1;
  const extra = { ...config.options, ...(kind.includes('Semaphore') && limit !== 1 ? { limit } : {}), ...(config.onLockLost === 'default' ? { onLockLost: 'default' } : {}) };
  const name = `redis-semaphore@${installedVersion(REDIS_SEMAPHORE_PACKAGE)}.${kind}${optionText(extra)}`;
  return libraryLock(
    name,
    (env) => {
      const library = env.require<SemaphoreModule>(REDIS_SEMAPHORE_PACKAGE);
      const Class = library[kind];
      const held = new WeakMap<Lease, { lock: SemaphoreLock; controller: AbortController }>();
      const make = (resource: string, options: Record<string, unknown>): SemaphoreLock => {
        switch (kind) {
          case 'Mutex':
            return new Class(env.clients[0], resource, options);
          case 'RedlockMutex':
            return new Class(env.clients, resource, options);
          case 'Semaphore':
            return new Class(env.clients[0], resource, limit, options);
          case 'RedlockSemaphore':
            return new Class(env.clients, resource, limit, options);
        }
      };
      return {
        name,
        async acquire(resource, ttlMs) {
          const controller = env.leaseController();
          const options: Record<string, unknown> = { ...config.options, lockTimeout: ttlMs };
          if (config.onLockLost !== 'default') options['onLockLost'] = (error: unknown) => controller.abort(hostError(error));
          const lock = make(resource, options);
          let acquired: boolean;
          try {
            acquired = await lock.tryAcquire();
          } catch (error) {
            env.forget(controller);
            throw error;
          }
          if (!acquired) {
            env.forget(controller);
            return null;
          }
          const lease: Lease = { resource, value: lock.identifier, validUntil: env.clock.monotonic() + ttlMs, timeSource: 'monotonic', signal: controller.signal };
          held.set(lease, { lock, controller });
          return lease;
        },
        async release(lease) {
          const h = held.get(lease);
          if (h === undefined) throw new Error(`${name}: not a lease of this lock`);
          held.delete(lease);
          env.forget(h.controller);
          await h.lock.release();
        },
      };
    },
    config,
  );
}
