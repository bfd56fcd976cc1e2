/**
 * The same suite against real redis-server processes, with each library loaded by Node itself
 * and given real ioredis clients: what the simulation claims of a library is what the library
 * does. Under CI=true it always runs (a missing redis-server fails).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { realRedisHarness } from './harness.ts';
import { LIBRARY_CASES, librarySuite } from './suite.ts';

const enabled = realRedisTestsEnabled();

describe.skipIf(!enabled)('published libraries against real redis-server', () => {
  const harness = realRedisHarness();
  beforeAll(() => harness.start(3));
  afterAll(() => harness.close());
  // Real time is mostly spent waiting for TTLs: the cases run side by side, each on its own key.
  for (const c of LIBRARY_CASES) {
    it.concurrent(`${c.name}: one winner, release lets the other in, keep-alive outlives the TTL, expiry`, async () => {
      await librarySuite(harness, c, `suite:${c.name.replace(/\s+/g, '-')}`);
    });
  }
});
