import { microfleetIoredisLock } from '../../src/libraries/index.ts';
import { singleInstanceLibraryScenario } from './single-instance-page.ts';

/** @microfleet/ioredis-lock 6.0.1 (the published package, unmodified): what any TTL lock has under a pause, and nothing more. */
export default singleInstanceLibraryScenario({
  name: 'library-microfleet-ioredis-lock',
  title: '@microfleet/ioredis-lock 6.0.1 (npm, unmodified): unsafe under a stop-the-world pause, safe under in-model faults',
  explanation:
    '@microfleet/ioredis-lock 6.0.1 is a single-instance lock (lib/lock.js (an ES module)): `_attemptLock` sends `SET key <uuid> PX timeout NX` (retries 6 by default, 50 ms × random[1, 1.2) apart);',
  lock: microfleetIoredisLock(),
});
