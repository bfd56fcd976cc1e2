/**
 * The failure report of a shrunk run (src/report/text.ts), as checkLock and `locksim explore`
 * print it: what failed, the smallest schedule, the timeline, the verdict and each incident in
 * words.ts's sentences, and the one line that replays it; a run with no verdict says why.
 */
import { describe, expect, it } from 'vitest';
import type { LockFactory } from '../../src/locks/interface.ts';
import { exploreHead, failureReport, lockCheckReport } from '../../src/report/text.ts';
import { evidenceLine, verdictLine, violationSummary } from '../../src/report/words.ts';
import { describeFault } from '../../src/faults/fault.ts';
import { checkLock, LockCheckError, lockScenario } from '../../src/testing.ts';

/** SET NX PX, released by a plain DEL: a late release deletes the next holder's key. */
const plainDel: LockFactory = ({ nodes, clock, random }) => ({
  name: 'plain-del',
  async acquire(resource, ttlMs) {
    const value = random.hex(8);
    for (let attempt = 0; attempt < 100; attempt++) {
      const start = clock.monotonic();
      if ((await nodes[0]!.call('SET', resource, value, 'NX', 'PX', ttlMs)) === 'OK') return { resource, value, validUntil: start + ttlMs * 0.9, timeSource: 'monotonic' };
      await clock.sleep(20);
    }
    return null;
  },
  async release(lease) {
    await nodes[0]!.call('DEL', lease.resource);
  },
});

async function failureOf(lock: LockFactory): Promise<LockCheckError> {
  const error = await checkLock({ lock, nodes: 1, runs: 50, faults: { kinds: ['delay', 'pause'], clientFaults: false } }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LockCheckError);
  return error as LockCheckError;
}

describe('the failure report', () => {
  it("checkLock's: head, smallest schedule, timeline, verdict and incidents in the one voice, and the replay", async () => {
    const { result, token } = await failureOf(plainDel);
    const text = lockCheckReport(result, token, 12);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`locksim: plain-del is ${result.verdict} (found after 12 runs); the smallest failing schedule:`);
    expect(lines.slice(1, 1 + result.faults.length)).toEqual(result.faults.map((f) => `  ${describeFault(f)}`));
    expect(text).toMatch(/\n {5}true ms \| client-1 /);
    // The same sentences as every other report.
    expect(text).toContain(`\n${verdictLine(result)}\n${evidenceLine(result.evidence)}\n`);
    for (const line of violationSummary(result.violations, 3)) expect(text).toContain(`  - ${line}`);
    expect(lines.slice(-2)).toEqual([`  trace hash ${result.traceHash}`, `  replay: checkLock({ ...sameOptions, replay: '${token}' })`]);
    // A replay (no run count) says so in its head; the timeline keeps to 40 lines and a cut.
    expect(lockCheckReport(result, token, null).split('\n')[0]).toBe(`locksim: plain-del is ${result.verdict}; the smallest failing schedule:`);
    expect(text.split('\n').filter((l) => /^ {4,}\d+\.\d{3} /.test(l)).length).toBeLessThanOrEqual(40);
  }, 120_000);

  it('explore\'s: the world block between the schedule and the timeline; a run with no verdict says why, what it rests on and its errors', async () => {
    const { result, token } = await failureOf(plainDel);
    const faults = result.faults.filter((f) => f.kind !== 'heal').length;
    expect(exploreHead(result, 7, 3)).toBe(`violation found after 7 runs; shrunk 3 times to ${faults} ${faults === 1 ? 'fault' : 'faults'}:`);
    const withWorld = failureReport(result, { head: exploreHead(result, 7, 3), scenario: lockScenario({ lock: plainDel, nodes: 1 }), replay: `npx locksim replay ${token}` });
    expect(withWorld.indexOf('\nscenario  check-lock: ')).toBeGreaterThan(0);
    expect(withWorld.indexOf('\nscenario  check-lock: ')).toBeLessThan(withWorld.indexOf('true ms |'));
    const broken: LockFactory = () => {
      throw new Error('the factory broke');
    };
    const error = await checkLock({ lock: broken, nodes: 1, runs: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockCheckError);
    const invalid = (error as LockCheckError).result;
    expect(invalid.verdict).toBe('invalid');
    const text = failureReport(invalid, { head: exploreHead(invalid, 1, 0), replay: `npx locksim replay ${token}` });
    expect(text.split('\n')[0]).toBe(`run 1 had no verdict (INVALID): ${invalid.invalid?.reason}`);
    expect(text).toContain('the factory broke');
    expect(text).toContain(evidenceLine(invalid.evidence));
    expect(text).not.toContain('true ms');
    expect(text.split('\n').at(-1)).toBe(`  replay: npx locksim replay ${token}`);
  }, 120_000);
});
