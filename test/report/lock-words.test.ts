/**
 * The reports call each node's lock what it is: a Redis key, a database session's lock, a blob's
 * lease. A SQL Server crash that ends client-1's application lock is not "client-1's key".
 */
import { describe, expect, it } from 'vitest';
import blobBroken from '../../scenarios/blob-broken-lease.ts';
import nodeCrash from '../../scenarios/matrix/node-crash.ts';
import { runLockWord } from '../../src/check/history.ts';
import { readKeyCommands } from '../../src/check/key-commands.ts';
import { runReport } from '../../src/report/text.ts';
import { renderTimelineSvg } from '../../src/report/svg.ts';
import { runScenario } from '../../src/scenario/run.ts';

describe("a node's lock is named by its service", () => {
  it('a SQL Server crash loses client-1\'s lock, not its key', async () => {
    const result = await runScenario(nodeCrash, { seed: 1, variant: 'sqlserver' });
    expect(result.history.lockWords?.['sqlserver-1']).toBe('lock');
    expect(runLockWord(result.history)).toBe('lock');
    const report = runReport(nodeCrash, result, 'npx locksim replay x', { timeline: true });
    expect(report).toContain("crash: client-1's lock");
    expect(report).not.toMatch(/client-\d's key/);
  });

  it('a broken blob lease is a lease in the timeline, the tooltips and the violation', async () => {
    const variant = blobBroken.variants.find((v) => v.expected === 'unsafe')!.name;
    const result = await runScenario(blobBroken, { seed: 1, variant, keepTrace: true });
    expect(result.verdict).toBe('unsafe');
    expect(runLockWord(result.history)).toBe('lease');
    expect(readKeyCommands(result.history).every((r) => r.lockIs === 'lease')).toBe(true);
    const report = runReport(blobBroken, result, 'npx locksim replay x', { timeline: true });
    expect(report).toContain('its lease was released or broken on a quorum');
    expect(report).not.toMatch(/its key|'s key/);
    const svg = renderTimelineSvg({ result });
    expect(svg).toMatch(/the lease/);
    expect(svg).not.toMatch(/'s key|the key (now|lives|expired)/);
  });

  it('a Redis node crash still loses a key', async () => {
    const result = await runScenario(nodeCrash, { seed: 1, variant: 'redis' });
    expect(runLockWord(result.history)).toBe('key');
    const report = runReport(nodeCrash, result, 'npx locksim replay x', { timeline: true });
    expect(report).toMatch(/crash: client-\d's key|its key was lost in a node crash/);
  });
});
