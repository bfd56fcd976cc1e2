import { defineConfig } from 'vitest/config';

/**
 * The tests mutation testing runs against src/check, src/faults and src/workload (npm run
 * mutate): the ones that pin what decides a verdict and run in seconds. The catalog and
 * exploration suites judge the same code end to end, but take minutes per mutant.
 */
export default defineConfig({
  test: {
    include: [
      'test/check/**/*.test.ts',
      'test/faults/**/*.test.ts',
      'test/workload/**/*.test.ts',
      'test/flaws/**/*.test.ts',
      'test/scenario/evidence.test.ts',
      'test/sim/real-time-guard.test.ts',
      // The fault kinds' real effects live in src/faults/kinds/ now; this drives them without servers.
      'test/real/nemesis.test.ts',
    ],
    testTimeout: 60_000,
  },
});
