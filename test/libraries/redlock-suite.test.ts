/**
 * redlock 4.2.0's own test suite (node_modules/redlock/test.js, as published), unmodified,
 * against locksim's simulated clients: `require('redis')` is the node_redis v3 shape and
 * `require('ioredis')` the ioredis shape (src/clients/), every client reaches one simulated
 * node (127.0.0.1:6379 → redis-1; the multi-server suite's `{ db: 1 }`, `{ db: 2 }`, `{ db: 3 }`
 * are databases of that node), its mocha globals come from src/suite/mocha.ts, and its sleeps
 * (lock expiry waits, retry delays) pass in simulated time. Against real redis-server the same
 * file passes 224 of 224 (mocha 8, chai 4, redis 3, ioredis 5; see the README).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { formatSuiteReport, runLibrarySuite } from '../../src/suite/library-suite.ts';

const require = createRequire(import.meta.url);

describe("redlock 4.2.0's own test.js in simulation", () => {
  it('passes 224 of 224, by name, with nothing failed', async () => {
    const file = require.resolve('redlock/test.js');
    const report = await runLibrarySuite({ file, redis: 'v3' });
    const text = formatSuiteReport(report);
    if (report.failed > 0 || report.passed !== 224) console.log(text);
    expect(report.failed, text).toBe(0);
    expect(report.passed, text).toBe(224);
    expect(report.pending).toBe(0);
    // 224 distinct tests, each passed by its own name.
    expect(new Set(report.tests.filter((t) => t.state === 'passed').map((t) => t.title)).size).toBe(224);
    // Four describe blocks of 56 tests: the four kinds of clients the file builds.
    const blocks = ['single-server: https://www.npmjs.com/package/redis', 'single-server: https://www.npmjs.com/package/redis (string_numbers=true)', 'single-server: https://www.npmjs.com/package/ioredis', 'multi-server: https://www.npmjs.com/package/ioredis'];
    for (const block of blocks) {
      const mine = report.tests.filter((t) => t.title.startsWith(`Redlock: ${block} `) && !blocks.some((b) => b !== block && b.startsWith(block) && t.title.startsWith(`Redlock: ${b} `)));
      expect(mine.filter((t) => t.state === 'passed'), block).toHaveLength(56);
    }
    expect(report.tests.map((t) => t.title)).toContain('Redlock: multi-server: https://www.npmjs.com/package/ioredis callbacks should wait until a lock expires before issuing another lock');
    expect(report.tests.map((t) => t.title)).toContain('Redlock: single-server: https://www.npmjs.com/package/redis (string_numbers=true) quit should quit all clients');
    // The suite waits for locks to expire: tens of simulated seconds.
    expect(report.simulatedMs).toBeGreaterThan(10_000);
  }, 120_000);
});
