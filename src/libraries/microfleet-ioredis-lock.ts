/**
 * Adapter for `@microfleet/ioredis-lock` 6.0.1, the ES-module successor of ioredis-lock
 * (`"type": "module"`, loaded by the realm's ES-module support, src/realm/esm.ts). Its `Lock`
 * (lib/lock.js) is ioredis-lock 4's in TypeScript: `SET key <randomUUID> PX timeout NX`, retried
 * `retries` times (default 6) after `delay × random[1, jitter)` ms (`node:timers/promises`,
 * simulated in the realm); `extend` and `release` by the same `pexpireifequal` / `delifequal`
 * scripts; no validity, no background renewal. The mapping is ioredis-lock's
 * (src/libraries/ioredis-lock.ts).
 */
import type { LockFactory } from '../locks/interface.ts';
import { ioredisLockFamily, type IoredisLockOptions } from './ioredis-lock.ts';

export const MICROFLEET_IOREDIS_LOCK_PACKAGE = '@microfleet/ioredis-lock';

/** A lock factory running the published @microfleet/ioredis-lock 6 on one node. */
export function microfleetIoredisLock(options: IoredisLockOptions = {}): LockFactory {
  return ioredisLockFamily(MICROFLEET_IOREDIS_LOCK_PACKAGE, options);
}
