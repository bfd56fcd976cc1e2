/**
 * Adapter for `@sesamecare-oss/redlock` 1.4.0, the maintained fork of redlock 5 (TypeScript,
 * ioredis ≥ 5): the same `acquire` / `release` / `extend` / `using` API, exported only as the
 * named class `Redlock` (no default export), with a `db` setting (its scripts run
 * `redis.pcall("SELECT", db)` first, so the arguments are `db, value, duration`).
 *
 * What the library does, in its own code (src/index.ts of the package), unchanged from the
 * redlock 5 beta: `_attemptOperation` sends the script to every client and resolves when the
 * votes for, or the votes against, reach the quorum `floor(N/2)+1` (an error, a timeout or a
 * "0" is a vote against); `_execute` retries an attempt that was voted against up to
 * `retryCount` times (default 10) every `retryDelay` ± `retryJitter` ms (200 ± 100). `acquire`
 * returns `expiration = start + duration − drift`, `start` read before the attempt that won,
 * without comparing it with the clock afterwards. `extend` refuses a lock whose expiration has
 * passed (ExecutionError "Cannot extend an already-expired lock") and otherwise runs the same
 * retry loop. `using` acquires, then schedules `extend()` when `automaticExtensionThreshold` ms
 * (default 500) are left on the wall clock; when an extension throws it tries again at once if
 * the lock has not expired yet (`if (context.lock.expiration > Date.now()) return (extension =
 * extend())`), and aborts the routine's signal otherwise.
 *
 * The mapping is redlock 5's (src/libraries/redlock5.ts), with this package.
 */
import type { LockFactory } from '../locks/interface.ts';
import { redlock5, type Redlock5Options } from './redlock5.ts';

/** The package's name in node_modules. */
export const SESAMECARE_REDLOCK_PACKAGE = '@sesamecare-oss/redlock';

export type SesamecareRedlockOptions = Omit<Redlock5Options, 'package'>;

/** A lock factory running the published @sesamecare-oss/redlock (`mode5: 'acquire'` or `'using'`). */
export function sesamecareRedlock(options: SesamecareRedlockOptions = {}): LockFactory {
  return redlock5({ ...options, package: SESAMECARE_REDLOCK_PACKAGE });
}
