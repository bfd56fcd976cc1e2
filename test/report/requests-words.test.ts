/**
 * A run's evidence counts the requests its lock's nodes received, and names them by the service:
 * a PostgreSQL or blob run is not judged on "Redis commands".
 */
import { describe, expect, it } from 'vitest';
import blobEtag from '../../scenarios/blob-etag-guard.ts';
import dbSession from '../../scenarios/db-session-partition.ts';
import control from '../../scenarios/control.ts';
import { requestsWords } from '../../src/check/evidence.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { runReport } from '../../src/report/text.ts';

describe('the evidence names the service it counted', () => {
  it.each([
    ['single-instance', 'Redis commands', control],
    ['session-lock', 'PostgreSQL queries', dbSession],
    ['blob-lease+etag', 'Blob service requests', blobEtag],
  ] as const)('%s: %s', async (variant, words, scenario) => {
    const result = await runScenario(scenario, { seed: 1, variant });
    expect(result.evidence.requestsAre).toBe(words);
    expect(result.evidence.redisCommands).toBeGreaterThan(0);
    const report = runReport(scenario, result, 'npx locksim replay x', { timeline: false });
    expect(report).toContain(`${result.evidence.redisCommands} ${words}`);
    if (words !== 'Redis commands') expect(report).not.toContain('Redis commands');
  });
  it('a lock on several services counts requests to its nodes', () => {
    expect(requestsWords(['Redis commands', 'PostgreSQL queries'])).toBe("requests to the lock's nodes");
    expect(requestsWords(['Redis commands', 'Redis commands'])).toBe('Redis commands');
  });
});
