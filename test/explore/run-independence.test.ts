/**
 * A run is a pure function of (scenario, seed, version), whatever ran before it in the same
 * worker. The process shares what is costly to build and safe to share (one Lua state for every
 * simulated node, compiled Lua chunks, compiled library modules, the native script table); this
 * proves the sharing does not show: runs A, then B, then A again in one process give A the same
 * trace hash and verdict both times, and the same as A run alone in a fresh process. The runs
 * cover the native script path (control/redlock), scripts in the Lua VM with realms
 * (redis-semaphore, whose scripts have no native version) and a library realm with native
 * scripts (redlock 5), each with the random fault schedules a sweep draws.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepOne } from '../../src/explore/sweep.ts';
import { loadScenario } from '../../src/scenario/load.ts';

const ROOT = join(import.meta.dirname, '..', '..');

interface Outcome {
  ref: string;
  variant: string;
  seed: number;
  verdict: string;
  traceHash: string;
}

const A: Array<[string, string, number]> = [
  ['control', 'redlock', 7],
  ['library-redis-semaphore', 'Mutex', 3],
  ['library-redlock5', 'acquire-3-nodes', 5],
];
/** What runs in between: other scenarios, other seeds, the same scripts on other nodes. */
const B: Array<[string, string, number]> = [
  ['library-redis-semaphore', 'RedlockSemaphore', 11],
  ['control', 'redlock', 8],
  ['library-redlock4', '3-nodes', 2],
  ['library-redlock5', 'using-3-nodes', 9],
];

async function runAll(list: Array<[string, string, number]>): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const [ref, variant, seed] of list) {
    const run = await sweepOne(await loadScenario(ref), ref, variant, seed);
    out.push({ ref, variant, seed, verdict: run.verdict, traceHash: run.traceHash });
  }
  return out;
}

describe('runs in one worker do not depend on what ran before them', () => {
  it('A, B, A: the same hashes and verdicts as A alone in a fresh process', async () => {
    const alone = execFileSync(process.execPath, ['--import', 'tsx', 'test/support/run-alone.ts', ...A.flat().map(String)], { cwd: ROOT, encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Outcome);
    expect(alone).toHaveLength(A.length);
    const first = await runAll(A);
    const between = await runAll(B);
    const again = await runAll(A);
    expect(first).toEqual(alone);
    expect(again).toEqual(alone);
    // B's runs are runs too (not a no-op): distinct from A's.
    expect(between.map((o) => o.traceHash)).not.toContain(first[0]?.traceHash);
  }, 120_000);

  it('the comparison can fail: another seed gives another hash', async () => {
    const [a] = await runAll([A[0]!]);
    const [other] = await runAll([[A[0]![0], A[0]![1], A[0]![2] + 1]]);
    expect(other?.traceHash).not.toBe(a?.traceHash);
  });
});
