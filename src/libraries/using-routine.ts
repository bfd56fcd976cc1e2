/**
 * A lock library's "run this routine while holding the lock" API (redlock 5's and
 * redlock-universal's `using`) as a {@link LockAlgorithm}: `acquire` starts the library's routine
 * and resolves when it starts; the routine's abort signal becomes the lease's; `release` ends
 * the routine and waits for the library to release. The application (the workload) relies on
 * the signal, not on the validity at acquire: that is what such an API promises.
 */
import type { Lease, LockAlgorithm } from '../locks/interface.ts';
import { hostError, LeaseHandles, thrownName, type LibraryEnvironment } from './common.ts';

export type RoutineSignal = AbortSignal & { readonly error?: unknown };

export interface UsingApi {
  /** Calls the library's `using` for `resource`; its promise settles when the library is done. */
  run(resource: string, ttlMs: number, routine: (signal: RoutineSignal) => Promise<void>): Promise<unknown>;
  /** Error names that mean "not acquired" (a refusal), not a failure. */
  readonly refusals: ReadonlySet<string>;
  /** The lease's validity, read when `acquire` is called (the library's own rule and clock). */
  validity(ttlMs: number): Pick<Lease, 'validUntil' | 'timeSource'>;
}

export function usingRoutineLock(name: string, env: LibraryEnvironment, api: UsingApi): LockAlgorithm {
  const running = new LeaseHandles<{ finish: () => void; done: Promise<unknown> }>(name);
  let serial = 0;
  return {
    name,
    acquire(resource, ttlMs) {
      const validity = api.validity(ttlMs);
      return new Promise<Lease | null>((resolve, reject) => {
        let started = false;
        const controller = env.leaseController();
        const done: Promise<unknown> = api.run(resource, ttlMs, (signal) => {
          started = true;
          signal.addEventListener('abort', () => controller.abort(hostError(signal.error ?? signal.reason)), { once: true });
          const lease: Lease = { resource, value: `using#${++serial}`, ...validity, signal: controller.signal };
          return new Promise<void>((finish) => {
            running.set(lease, { finish, done });
            resolve(lease);
          });
        });
        done.then(
          () => env.forget(controller),
          (error: unknown) => {
            env.forget(controller);
            if (started) return; // release() reports it
            if (api.refusals.has(thrownName(error))) resolve(null);
            else reject(error);
          },
        );
      });
    },
    async release(lease) {
      const run = running.of(lease);
      running.delete(lease);
      run.finish();
      try {
        await run.done;
      } catch (error) {
        if (!api.refusals.has(thrownName(error))) throw error;
      }
    },
  };
}
