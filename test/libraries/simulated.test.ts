/**
 * The libraries' published behaviour holds in simulation: each library, loaded unmodified into a
 * realm per simulated client, against simulated nodes in virtual time.
 */
import { describe, it } from 'vitest';
import { simulationHarness } from './harness.ts';
import { LIBRARY_CASES, librarySuite } from './suite.ts';

describe('published libraries in simulation (virtual time)', () => {
  for (const c of LIBRARY_CASES) {
    it(`${c.name}: one winner, release lets the other in, keep-alive outlives the TTL, expiry`, async () => {
      await librarySuite(simulationHarness(), c, 'suite:resource');
    });
  }
});
