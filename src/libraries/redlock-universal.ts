/**
 * Adapter for `redlock-universal` 0.8.5 (ES module with a CommonJS build), a Redlock for
 * node-redis, ioredis and Valkey GLIDE clients; here over node-redis clients (its
 * `NodeRedisAdapter`) or ioredis clients (`IoredisAdapter`).
 *
 * What the library does, in its own code (dist/index.cjs, class RedLock):
 * - `acquire()` tries `retryAttempts + 1` times, `retryDelay` ms apart: `SET key value NX PX ttl`
 *   on every node at once (node-redis: `SCRIPT LOAD` of its scripts first, then EVALSHA with a
 *   NOSCRIPT retry for release), waits for every node, and accepts when a quorum said yes and
 *   `totalTime + floor(ttl × clockDriftFactor) + 2 < ttl`, where `totalTime` is
 *   `Date.now() - startTime`: the elapsed-time check reads the **wall clock** (`Date.now()`).
 *   A refused attempt releases its partial keys.
 * - `release(handle)`: a compare-and-delete script on every node.
 *
 * Mapping: each `acquire` makes a Redlock (`createRedlock({ adapters, key, ttl, … })`) and calls
 * `acquire()`; `LockAcquisitionError` → null. The lease's `validUntil` is the library's own:
 * the call's start + ttl − drift, here on the monotonic clock (what the library means; its own
 * check reads the wall clock, which is its finding on the catalog page).
 */
import type { Lease, LockAlgorithm, LockFactory } from '../locks/interface.ts';
import { installedVersion, LeaseHandles, libraryLock, thrownName, type AdapterOptions, type LibraryEnvironment } from './common.ts';
import { usingRoutineLock } from './using-routine.ts';

export const REDLOCK_UNIVERSAL_PACKAGE = 'redlock-universal';

export interface RedlockUniversalOptions extends AdapterOptions {
  /** Which client library the adapters wrap (default 'node-redis'). */
  readonly client?: 'node-redis' | 'ioredis';
  /**
   * `acquire` (explicit acquire/release, default) or `using` (the routine runs inside
   * `lock.using()`, whose auto-extension keeps the keys alive and aborts the routine's signal
   * when an extension fails; the signal is the lease's).
   */
  readonly mode5?: 'acquire' | 'using';
  /** Attempts after the first (default 10), ms between them (default 100). */
  readonly retryAttempts?: number;
  readonly retryDelay?: number;
}

interface Handle {
  readonly value?: string;
  readonly id?: string;
}
interface UniversalLock {
  acquire(): Promise<Handle>;
  release(handle: Handle): Promise<boolean>;
  using<T>(routine: (signal: AbortSignal & { error?: unknown }) => Promise<T>): Promise<T>;
}
interface UniversalModule {
  NodeRedisAdapter: new (client: unknown) => unknown;
  IoredisAdapter: new (client: unknown) => unknown;
  createRedlock(config: { adapters: unknown[]; key: string; ttl: number; retryAttempts?: number; retryDelay?: number }): UniversalLock;
}

/** The drift the library allows: floor(ttl × 0.01) + 2 ms. */
const drift = (ttlMs: number): number => Math.floor(ttlMs * 0.01) + 2;

export function redlockUniversal(options: RedlockUniversalOptions = {}): LockFactory {
  const client = options.client ?? 'node-redis';
  const using = options.mode5 === 'using';
  const name = `${REDLOCK_UNIVERSAL_PACKAGE}@${installedVersion(REDLOCK_UNIVERSAL_PACKAGE)}(${client})${using ? '.using' : ''}`;
  return libraryLock(
    name,
    (env) => {
      const library = env.require<UniversalModule>(REDLOCK_UNIVERSAL_PACKAGE);
      const adapters = client === 'node-redis' ? env.nodeRedisClients.map((c) => new library.NodeRedisAdapter(c)) : env.clients.map((c) => new library.IoredisAdapter(c));
      const make = (resource: string, ttlMs: number): UniversalLock =>
        library.createRedlock({ adapters, key: resource, ttl: ttlMs, retryAttempts: options.retryAttempts ?? 10, retryDelay: options.retryDelay ?? 100 });
      if (using) return usingLock(name, env, make);
      const held = new LeaseHandles<{ lock: UniversalLock; handle: Handle }>(name);
      return {
        name,
        async acquire(resource, ttlMs) {
          const start = env.clock.monotonic();
          const lock = make(resource, ttlMs);
          let handle: Handle;
          try {
            handle = await lock.acquire();
          } catch (error) {
            if (thrownName(error) === 'LockAcquisitionError') return null;
            throw error;
          }
          const lease: Lease = { resource, value: String(handle.value ?? handle.id), validUntil: start + ttlMs - drift(ttlMs), timeSource: 'monotonic' };
          return held.set(lease, { lock, handle });
        },
        async release(lease) {
          const { lock, handle } = held.of(lease);
          held.delete(lease);
          await lock.release(handle);
        },
      };
    },
    { mode: options.mode },
  );
}

/** `using` mode: the routine's signal is the lease's; validity start + ttl − drift (monotonic). */
function usingLock(name: string, env: LibraryEnvironment, make: (resource: string, ttlMs: number) => UniversalLock): LockAlgorithm {
  return usingRoutineLock(name, env, {
    run: (resource, ttlMs, routine) => make(resource, ttlMs).using(routine),
    refusals: new Set(['LockAcquisitionError']),
    validity: (ttlMs) => ({ validUntil: env.clock.monotonic() + ttlMs - drift(ttlMs), timeSource: 'monotonic' }),
  });
}
