/**
 * `locksim merge` (issue #17): the shards of sweeps run in a CI matrix, as one summary, JUnit
 * file and index page.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeShards, readShard, type SweepShard } from '../src/report/merge.ts';
import { parseXml } from './report/xml.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'locksim.js');
const dir = mkdtempSync(join(tmpdir(), 'locksim-merge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: readonly string[]): Promise<{ stdout: string; stderr: string; status: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8' });
    return { stdout, stderr, status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.code };
  }
}

const run = (seed: number, verdict: 'unsafe' | 'stuck' | 'invalid') => ({ seed, verdict, traceHash: 'h', violations: 1, token: `T${seed}`, invalid: verdict === 'invalid' ? 'no client ever acquired' : null, acquisitions: 1 });
function shard(index: number, count: number, changes: Partial<SweepShard> = {}): SweepShard {
  return { scenario: 's', variant: 'v', expected: 'safe', seeds: { from: 1, runs: 100, shard: `${index}/${count}` }, counts: { safe: 25, unsafe: 0, stuck: 0, invalid: 0 }, unsafe: [], stuck: [], invalid: [], wallMs: 1000, ...changes, ...({ format: 'locksim-sweep/1' } as object) };
}

describe('merging sweep shards', () => {
  it('sums the counts and wall times, keeps the runs to replay in seed order, and names missing shards', () => {
    const merged = mergeShards([
      { file: 'a', shard: shard(2, 4, { counts: { safe: 24, unsafe: 1, stuck: 0, invalid: 0 }, unsafe: [run(6, 'unsafe')] }) },
      { file: 'b', shard: shard(1, 4, { counts: { safe: 24, unsafe: 1, stuck: 0, invalid: 0 }, unsafe: [run(1, 'unsafe')] }) },
      { file: 'c', shard: shard(4, 4) },
    ]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ total: 75, counts: { safe: 73, unsafe: 2, stuck: 0, invalid: 0 }, wallMs: 3000, shards: [1, 2, 4], missing: [3], ok: false });
    expect(merged[0]?.unsafe.map((r) => r.seed)).toEqual([1, 6]);
    const whole = mergeShards([1, 2, 3, 4].map((i) => ({ file: String(i), shard: shard(i, 4) })));
    expect(whole[0]).toMatchObject({ total: 100, missing: [], ok: true });
  });

  it('refuses a shard given twice, shards split two ways, and what is not a sweep', () => {
    expect(() => mergeShards([{ file: 'a', shard: shard(1, 2) }, { file: 'b', shard: shard(1, 2) }])).toThrow('s/v (seeds 1..100): shard 1/2 is given twice (a and b)');
    expect(() => mergeShards([{ file: 'a', shard: shard(1, 2) }, { file: 'b', shard: shard(2, 3) }])).toThrow('a is shard 1/2 and b is shard 2/3: the shards of one sweep split it the same way');
    expect(readShard({ format: 'locksim-run/1' })).toBe("a run's JSON report: merge takes what locksim sweep --json prints (schema locksim-result/1, command sweep)");
    expect(readShard({ schema: 'locksim-result/1', command: 'run' })).toBe('the result of locksim run: merge takes what locksim sweep --json prints (schema locksim-result/1, command sweep)');
    expect(readShard([])).toBe('not a JSON object');
  });

  it('merges two real shards into a summary, junit.xml with wall times and index.html; bad files exit 2', async () => {
    for (const i of [1, 2]) {
      const r = await cli(['sweep', 'gc-pause', '--variant', 'redlock', '--runs', '4', '--shard', `${i}/2`, '--workers', '1', '--json']);
      writeFileSync(join(dir, `sweep-${i}.json`), r.stdout);
    }
    const whole = await cli(['sweep', 'gc-pause', '--variant', 'redlock', '--runs', '4', '--workers', '1', '--json']);
    const one = JSON.parse(whole.stdout) as { counts: Record<string, number>; failed: { unsafe: Array<{ seed: number; token: string }> } };
    const merged = await cli(['merge', 'sweep-1.json', 'sweep-2.json', '--reports', 'merged']);
    expect(merged.stdout).toContain(`gc-pause/redlock: 4 runs (seeds 1..4, shards 1-2 of 2)`);
    expect(merged.stdout).toContain(`safe ${one.counts.safe}, unsafe ${one.counts.unsafe}, stuck ${one.counts.stuck}, invalid 0; expected unsafe: ${one.counts.unsafe! > 0 ? 'as expected' : 'NOT as expected'}`);
    for (const u of one.failed.unsafe) expect(merged.stdout).toContain(`seed ${u.seed} unsafe: npx locksim replay ${u.token}`);
    expect(merged.status).toBe(one.counts.unsafe! > 0 ? 0 : 1);
    const xml = parseXml(readFileSync(join(dir, 'merged', 'junit.xml'), 'utf8'));
    const testcase = xml.find((e) => e.name === 'testcase');
    expect(testcase?.attributes).toMatchObject({ classname: 'gc-pause', name: 'redlock' });
    expect(Number(testcase?.attributes.time)).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'merged', 'index.html'), 'utf8')).toContain('<td>gc-pause</td><td>redlock</td><td>unsafe</td><td>4</td>');
    const missing = await cli(['merge', 'sweep-1.json', '--no-reports']);
    expect(missing.stdout).toContain('shard 2/2 missing (its seeds were not run)');
    expect(missing.stdout).toContain('INCOMPLETE');
    expect(missing.status).toBe(1);
    writeFileSync(join(dir, 'empty.json'), '');
    const withEmpty = await cli(['merge', 'sweep-1.json', 'empty.json', '--no-reports']);
    expect(withEmpty.stderr).toContain('merge: warning: empty.json is empty (did the sweep that writes it finish?); skipped, so its shard counts as missing');
    expect(withEmpty.stdout).toContain('shard 2/2 missing (its seeds were not run)');
    expect(withEmpty.status).toBe(1);
    for (const [args, message] of [
      [['merge'], 'merge: name the JSON files locksim sweep --json wrote'],
      [['merge', 'nope.json'], 'merge: cannot read nope.json: no such file'],
      [['merge', 'empty.json'], 'merge: nothing to merge: every file given is empty (empty.json)'],
      [['merge', 'sweep-1.json', 'sweep-1.json'], 'shard 1/2 is given twice (sweep-1.json and sweep-1.json)'],
    ] as const) {
      const bad = await cli(args);
      expect(bad.stderr).toContain(message);
      expect(bad.status).toBe(2);
    }
    expect((await cli(['merge', '--help'])).stdout).toContain('usage: locksim merge <sweep.json>...');
  });
});
