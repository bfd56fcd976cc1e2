/**
 * Published lock libraries, run unmodified: each adapter loads the library from node_modules
 * (into a realm per simulated process in simulation; with Node's own require against real
 * Redis) and maps its API onto {@link LockAlgorithm}. See docs/libraries.md. The library is the
 * one the user's project installs (resolve.ts); the package's root export offers these
 * (`import { ioredisLock } from 'locksim'`).
 */
export {
  hostError,
  installedVersion,
  libraryEnvironment,
  libraryLock,
  optionText,
  thrownName,
  type AdapterOptions,
  type LibraryEnvironment,
  type LibraryMode,
} from './common.ts';
export { LibraryNotFoundError, librarySearchPath, locateLibrary, type LibraryLocation } from './resolve.ts';
export { REDLOCK4_PACKAGE, redlock4, type Redlock4Options } from './redlock4.ts';
export { REDLOCK5_PACKAGE, redlock5, type Redlock5Options, type Redlock5Settings } from './redlock5.ts';
export {
  REDIS_SEMAPHORE_CLASSES,
  REDIS_SEMAPHORE_PACKAGE,
  redisSemaphore,
  type RedisSemaphoreClass,
  type RedisSemaphoreLockOptions,
  type RedisSemaphoreOptions,
} from './redis-semaphore.ts';
export { SESAMECARE_REDLOCK_PACKAGE, sesamecareRedlock, type SesamecareRedlockOptions } from './sesamecare-redlock.ts';
export { NODE_REDIS_WARLOCK_PACKAGE, nodeRedisWarlock, type NodeRedisWarlockOptions } from './node-redis-warlock.ts';
export { IOREDIS_LOCK_PACKAGE, ioredisLock, ioredisLockFamily, type IoredisLockOptions, type IoredisLockSettings } from './ioredis-lock.ts';
export { MICROFLEET_IOREDIS_LOCK_PACKAGE, microfleetIoredisLock } from './microfleet-ioredis-lock.ts';
export { REDLOCK_UNIVERSAL_PACKAGE, redlockUniversal, type RedlockUniversalOptions } from './redlock-universal.ts';
