/**
 * A database session lock has no expiry (its lease's validUntil is Number.MAX_SAFE_INTEGER): the
 * reports say so instead of printing that number or "ran 9007199254728948 ms short of the validity".
 */
import { describe, expect, it } from 'vitest';
import dbSessionPartition from '../../scenarios/db-session-partition.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { renderTimeline } from '../../src/report/timeline.ts';
import { violationSummary } from '../../src/report/words.ts';
import { renderRunHtml } from '../../src/report/html.ts';

describe('a lock with no expiry', () => {
  it('is worded as one in the timeline, the violation lines and the HTML report', async () => {
    const result = await runScenario(dbSessionPartition, { seed: 1, variant: 'session-lock', keepTrace: true });
    expect(result.verdict).toBe('unsafe');
    const text = [renderTimeline(result), ...violationSummary(result.violations)].join('\n');
    expect(text).toContain('ACQUIRED no expiry');
    expect(text).toContain('held a lock with no expiry');
    expect(text).not.toMatch(/9007199254|short of the validity/);
    // The server let go of it: no quorum of keys was involved.
    expect(text).toContain('past the moment its lock was released on the server');
    expect(text).not.toMatch(/its key was .* on a quorum/);
    const html = renderRunHtml(dbSessionPartition, result, { replayCommand: 'npx locksim run db-session-partition --variant session-lock --seed 1' });
    expect(html).not.toMatch(/9007199254\d/);
  });
});
