import { ioredisLock } from '../../src/libraries/index.ts';
import { singleInstanceLibraryScenario } from './single-instance-page.ts';

/** ioredis-lock 4.0.0 (the published package, unmodified): what any TTL lock has under a pause, and nothing more. */
export default singleInstanceLibraryScenario({
  name: 'library-ioredis-lock',
  title: 'ioredis-lock 4.0.0 (npm, unmodified): unsafe under a stop-the-world pause, safe under in-model faults',
  explanation:
    'ioredis-lock 4.0.0 is a single-instance lock (lib/lock.js): `_attemptLock` sends `SET key <uuid> PX timeout NX` (retries 0 by default: one SET, then LockAcquisitionError);',
  lock: ioredisLock(),
});
