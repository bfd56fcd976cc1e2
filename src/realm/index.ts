/**
 * Realms: published libraries loaded into a `node:vm` context per simulated process, on that
 * process's simulated clock, timers and random stream (see realm.ts).
 */
export { createRealm, describeThrown, LOCKSIM_ROOT, Realm, RealmCrash, type RealmFailure, type RealmFailureKind, type RealmOptions } from './realm.ts';
export { RealmRedis, RealmPipeline, flattenArgs, isSimRedis } from './redis.ts';
export { RealmTimers, SimTimer, TIMEOUT_MAX } from './timers.ts';
export { resolveExports } from './loader.ts';
