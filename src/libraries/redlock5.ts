/**
 * Adapter for `redlock` 5.0.0-beta.2 (installed under the npm alias `redlock5`, so it can sit
 * beside redlock 4): `new Redlock(clients, settings)`, `acquire(resources, duration)`,
 * `release(lock)`, `extend(lock, duration)`, and `using(resources, duration, routine)` with
 * automatic extension and an abort signal.
 *
 * What the library does, in its own code: the same scripts as redlock 4, sent to every client
 * at once; an operation resolves as soon as a quorum `floor(N/2)+1` has voted for it, or a
 * quorum against (an error, a timeout or a "0" is a vote against), and is retried up to
 * `retryCount` times. `acquire` reads `start = Date.now()` once, before the first attempt, and
 * returns a lock with `expiration = start + duration - drift` without comparing it with the
 * time after the replies (redlock 4 does). `extend` refuses a lock whose expiration passed.
 * `using` acquires, then extends whenever `automaticExtensionThreshold` ms (default 500) are
 * left on the wall clock (a `setTimeout` of `expiration - Date.now() - threshold`); when an
 * extension fails and the expiration has passed, it aborts the routine's signal
 * (`signal.error` holds the cause).
 *
 * Mapping, `mode: 'acquire'`: `acquire` → `acquire([resource], ttl)` (an ExecutionError after
 * the retries → null); `validUntil` is the library's `lock.expiration` (wall clock);
 * `release` → `release` (ExecutionError: lost, not an error); `extend` → `extend`.
 * `mode: 'using'`: `acquire` starts `using([resource], ttl, routine)` and resolves when the
 * routine starts; the routine's signal becomes `lease.signal` (aborted with `signal.error`);
 * `release` ends the routine and waits for `using` to release. The routine cannot see the
 * lock, so the lease's `value` is a placeholder and `validUntil` the first expiration as
 * `acquire` computes it (start + ttl − drift on the wall clock).
 */
import type { Lease, LockAlgorithm, LockFactory } from '../locks/interface.ts';
import { installedVersion, libraryLock, optionText, thrownName, type AdapterOptions, type LibraryEnvironment, LeaseHandles } from './common.ts';
import { usingRoutineLock } from './using-routine.ts';

/** redlock 5's settings (defaults: driftFactor 0.01, retryCount 10, retryDelay 200, retryJitter 100, automaticExtensionThreshold 500). */
export interface Redlock5Settings {
  readonly driftFactor?: number;
  readonly retryCount?: number;
  readonly retryDelay?: number;
  readonly retryJitter?: number;
  readonly automaticExtensionThreshold?: number;
}

export interface Redlock5Options extends AdapterOptions {
  /** `acquire` (explicit acquire/extend/release, default) or `using` (auto-extension, abort signal). */
  readonly mode5?: 'acquire' | 'using';
  readonly settings?: Redlock5Settings;
  /** The package to load (default `redlock5`): a fork with the same API, e.g. `@sesamecare-oss/redlock`. */
  readonly package?: string;
}

interface Redlock5Lock {
  readonly value: string;
  expiration: number;
}

interface Redlock5 {
  acquire(resources: string[], duration: number): Promise<Redlock5Lock>;
  release(lock: Redlock5Lock): Promise<unknown>;
  extend(lock: Redlock5Lock, duration: number): Promise<Redlock5Lock>;
  using<T>(resources: string[], duration: number, routine: (signal: AbortSignal & { error?: Error }) => Promise<T>): Promise<T>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

type Redlock5Constructor = new (clients: readonly unknown[], settings?: Redlock5Settings) => Redlock5;

/**
 * The Redlock class of a loaded package: its default export (redlock 5), or its named export
 * `Redlock` (the fork @sesamecare-oss/redlock has only that one), or the module itself.
 */
export function redlockConstructor(module: unknown, pkg: string): Redlock5Constructor {
  const exports = (module ?? {}) as { default?: unknown; Redlock?: unknown };
  const inner = exports.default as { default?: unknown; Redlock?: unknown } | undefined;
  const candidates = [exports.default, exports.Redlock, inner?.Redlock, inner?.default, module];
  const found = candidates.find((c) => typeof c === 'function');
  if (found !== undefined) return found as Redlock5Constructor;
  const keys = module !== null && (typeof module === 'object' || typeof module === 'function') ? Object.keys(module) : [];
  throw new Error(
    `${pkg}: no Redlock constructor: neither its default export nor a named export 'Redlock' is a class (it exports ${keys.length === 0 ? `${typeof module === 'object' ? 'nothing' : typeof module}` : keys.map((k) => `'${k}'`).join(', ')})`,
  );
}

/** The npm alias redlock 5 is installed under (`npm install redlock5@npm:redlock@5.0.0-beta.2`). */
export const REDLOCK5_PACKAGE = 'redlock5';

/** Errors with which redlock 5 says "no quorum": a refusal, not a failure of the caller. */
const REFUSALS = new Set(['ExecutionError', 'ResourceLockedError']);

/** A lock factory running the published redlock 5 beta. */
export function redlock5(options: Redlock5Options = {}): LockFactory {
  const mode = options.mode5 ?? 'acquire';
  const settings = options.settings ?? {};
  const pkg = options.package ?? REDLOCK5_PACKAGE;
  const label = pkg === REDLOCK5_PACKAGE ? 'redlock' : pkg;
  const name = `${label}@${installedVersion(pkg)}${mode === 'using' ? '.using' : ''}${optionText(settings)}`;
  return libraryLock(
    name,
    (env) => {
      const Redlock = redlockConstructor(env.require<unknown>(pkg), pkg);
      const redlock = new Redlock(env.clients, settings);
      return mode === 'using' ? usingLock(name, env, redlock, settings) : acquireLock(name, redlock);
    },
    options,
  );
}

function acquireLock(name: string, redlock: Redlock5): LockAlgorithm {
  const locks = new LeaseHandles<Redlock5Lock>(name);
  const leaseOf = (resource: string, lock: Redlock5Lock): Lease => {
    const lease: Lease = { resource, value: lock.value, validUntil: lock.expiration, timeSource: 'wall' };
    locks.set(lease, lock);
    return lease;
  };
  const lockOf = (lease: Lease): Redlock5Lock => locks.of(lease);
  return {
    name,
    async acquire(resource, ttlMs) {
      try {
        return leaseOf(resource, await redlock.acquire([resource], ttlMs));
      } catch (error) {
        if (REFUSALS.has(thrownName(error))) return null;
        throw error;
      }
    },
    async release(lease) {
      try {
        await redlock.release(lockOf(lease));
      } catch (error) {
        if (!REFUSALS.has(thrownName(error))) throw error;
      }
    },
    async extend(lease, ttlMs) {
      try {
        return leaseOf(lease.resource, await redlock.extend(lockOf(lease), ttlMs));
      } catch (error) {
        if (REFUSALS.has(thrownName(error))) return null;
        throw error;
      }
    },
  };
}

/** `using`: the routine's signal is the lease's; validity start + ttl − drift on the wall clock, as the library counts it. */
function usingLock(name: string, env: LibraryEnvironment, redlock: Redlock5, settings: Redlock5Settings): LockAlgorithm {
  const driftFactor = settings.driftFactor ?? 0.01;
  return usingRoutineLock(name, env, {
    run: (resource, ttlMs, routine) => redlock.using([resource], ttlMs, routine),
    refusals: REFUSALS,
    validity: (ttlMs) => ({ validUntil: env.clock.now() + ttlMs - (Math.round(driftFactor * ttlMs) + 2), timeSource: 'wall' }),
  });
}
