import { microfleetIoredisLock } from '../../src/libraries/index.ts';
import { singleInstanceLibraryScenario } from './single-instance-page.ts';

/** @microfleet/ioredis-lock 6.0.1 (the published package, unmodified): what any TTL lock has under a pause, and nothing more. */
export default singleInstanceLibraryScenario({
  name: 'library-microfleet-ioredis-lock',
  title: '@microfleet/ioredis-lock 6.0.1 (npm, unmodified): unsafe under a stop-the-world pause, safe under in-model faults',
  explanation:
    '@microfleet/ioredis-lock 6.0.1 is a single-instance lock (lib/lock.js (an ES module)): `_attemptLock` sends `SET key <uuid> PX timeout NX` (retries 6 by default, 50 ms × random[1, 1.2) apart); ' +
    '`extend` and `release` run compare-and-PEXPIRE and compare-and-DEL scripts (`pexpireifequal`, ' +
    '`delifequal`) and report a lost key as LockExtendError / LockReleaseError. It computes no validity and never ' +
    'renews by itself. gc-pause: client-1, holding the lock for a 1-2.5 s section, is paused at 0.5 s for 6 s, longer ' +
    'than the 5 s TTL; the key expires, client-2 takes it, and client-1 resumes inside its section and writes: two ' +
    'holders and a lost update, as with any TTL lock without fencing (nothing the holder could check would have ' +
    'stopped a write it was already making). in-model: redis-1 paused for 2 s (commands wait; a SET that timed out ' +
    'on the client is applied later and only delays the next holder), client-1 cut off from redis-1 for 3 s (its ' +
    'release is lost: the key lives out its TTL), client-1 crashed and restarted, and redis-1\'s clock running 0.8 % ' +
    'fast: safe. The 1 s command timeout keeps every granted SET younger than 1 s when its reply arrives, so a 2.5 s ' +
    'section fits in the 5 s TTL; a caller with no command timeout, or sections close to the TTL, would need to ' +
    'check the elapsed time itself, which the library does not do.',
  lock: microfleetIoredisLock(),
});
