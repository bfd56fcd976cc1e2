/**
 * Scenarios that run published lock libraries, unmodified, in simulation (one per library;
 * see docs/libraries.md), listed at the end of the catalog (scenarios/index.ts).
 */
import type { Scenario } from '../../src/scenario/types.ts';
import ioredisLock from './ioredis-lock.ts';
import microfleetIoredisLock from './microfleet-ioredis-lock.ts';
import nodeRedisWarlock from './node-redis-warlock.ts';
import redisSemaphore from './redis-semaphore.ts';
import redlock4 from './redlock4.ts';
import redlock5 from './redlock5.ts';
import redlockUniversal from './redlock-universal.ts';
import sesamecareRedlock from './sesamecare-redlock.ts';

export { ioredisLock, microfleetIoredisLock, nodeRedisWarlock, redisSemaphore, redlock4, redlock5, redlockUniversal, sesamecareRedlock };

export const libraryScenarios: readonly Scenario[] = [redlock4, redlock5, redisSemaphore, sesamecareRedlock, nodeRedisWarlock, ioredisLock, microfleetIoredisLock, redlockUniversal];
