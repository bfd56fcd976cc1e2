/**
 * Merging sweep shards (`locksim merge`): the `sweep --json` objects of n CI jobs, each one shard
 * of the same seeds, become one result per scenario/variant (the verdict counts summed, every
 * unsafe, stuck and invalid run kept with its replay token, the wall time summed, the shards
 * that are missing named), then one JUnit file and one index page. Pure: reading the files and
 * writing the reports is the command's (src/cli/merge.ts).
 */
import { SWEEP_FORMAT, sweepAgrees, type SweepRun } from '../explore/sweep.ts';
import { replayCommand } from '../explore/token.ts';
import type { Verdict } from '../scenario/types.ts';
import { RESULT_SCHEMA } from '../version.ts';
import { esc } from './escape.ts';
import { PAGE_STYLE } from './html.ts';
import { junitDocument, type JUnitCase } from './junit.ts';

/** One shard's result as `sweep --json` prints it (the fields merge reads). */
export interface SweepShard {
  readonly scenario: string;
  readonly variant: string;
  readonly expected: Verdict;
  readonly seeds: { readonly from: number; readonly runs: number; readonly shard: string };
  readonly counts: Record<Verdict, number>;
  readonly unsafe: readonly SweepRun[];
  readonly stuck: readonly SweepRun[];
  readonly invalid: readonly SweepRun[];
  readonly wallMs: number;
}

/** The shards of one sweep merged. */
export interface MergedSweep {
  readonly scenario: string;
  readonly variant: string;
  readonly expected: Verdict;
  readonly from: number;
  readonly runs: number;
  /** n of the shards i/n. */
  readonly shardCount: number;
  /** The shards merged (i of i/n), in order, and the ones missing. */
  readonly shards: readonly number[];
  readonly missing: readonly number[];
  readonly counts: Record<Verdict, number>;
  /** Runs merged (the sum of the counts). */
  readonly total: number;
  readonly unsafe: readonly SweepRun[];
  readonly stuck: readonly SweepRun[];
  readonly invalid: readonly SweepRun[];
  /** The shards' wall times summed, ms (CI time spent, not elapsed time). */
  readonly wallMs: number;
  /** As expected (sweep's own rule) and complete (no shard missing). */
  readonly ok: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const VERDICTS: readonly Verdict[] = ['safe', 'unsafe', 'stuck', 'invalid'];

/**
 * Checks that `value` (a parsed file) is what `sweep --json` prints (a result of schema
 * locksim-result/1 whose command is `sweep`, its failed runs in `failed`; or an older sweep's
 * object of format locksim-sweep/1); returns it typed, or the problem in words.
 */
export function readShard(value: unknown): SweepShard | string {
  if (!isObject(value)) return 'not a JSON object';
  const expected = `merge takes what locksim sweep --json prints (schema ${RESULT_SCHEMA}, command sweep)`;
  if (value.schema === RESULT_SCHEMA && value.command === 'sweep') {
    if (!isObject(value.failed)) return 'failed must hold the unsafe, stuck and invalid runs';
    return checkShard({ ...value, ...value.failed });
  }
  if (value.schema === RESULT_SCHEMA) return `the result of locksim ${String(value.command)}: ${expected}`;
  if (value.format === SWEEP_FORMAT) return checkShard(value);
  const what = value.format === 'locksim-run/1' ? "a run's JSON report" : typeof value.format === 'string' ? `format ${value.format}` : 'not the output of locksim sweep --json';
  return `${what}: ${expected}`;
}

/** The fields merge reads, checked. */
function checkShard(value: Record<string, unknown>): SweepShard | string {
  const seeds = value.seeds;
  const counts = value.counts;
  if (typeof value.scenario !== 'string' || typeof value.variant !== 'string' || typeof value.expected !== 'string' || !VERDICTS.includes(value.expected as Verdict)) return 'scenario, variant or expected is missing';
  if (!isObject(seeds) || !Number.isSafeInteger(seeds.from) || !Number.isSafeInteger(seeds.runs) || typeof seeds.shard !== 'string' || !/^\d+\/\d+$/.test(seeds.shard)) return 'seeds must be { from, runs, shard: "i/n" }';
  if (!isObject(counts) || VERDICTS.some((v) => !Number.isSafeInteger(counts[v]))) return 'counts must give safe, unsafe, stuck and invalid';
  for (const list of ['unsafe', 'stuck', 'invalid'] as const) if (!Array.isArray(value[list])) return `${list} must be a list of runs`;
  if (typeof value.wallMs !== 'number') return 'wallMs is missing';
  return value as unknown as SweepShard;
}

const shardOf = (s: SweepShard): { index: number; count: number } => {
  const [index, count] = s.seeds.shard.split('/').map(Number) as [number, number];
  return { index, count };
};

/**
 * Merges shards, grouping them by scenario, variant and seed range. Throws an Error naming the
 * files when two disagree (a shard given twice, shards of different counts for one sweep, one
 * variant expected two ways).
 */
export function mergeShards(shards: ReadonlyArray<{ readonly file: string; readonly shard: SweepShard }>): MergedSweep[] {
  const groups = new Map<string, Array<{ file: string; shard: SweepShard }>>();
  for (const entry of shards) {
    const s = entry.shard;
    const key = JSON.stringify([s.scenario, s.variant, s.seeds.from, s.seeds.runs]);
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as { file: string; shard: SweepShard };
    const name = `${first.shard.scenario}/${first.shard.variant} (seeds ${first.shard.seeds.from}..${first.shard.seeds.from + first.shard.seeds.runs - 1})`;
    const count = shardOf(first.shard).count;
    const seen = new Map<number, string>();
    for (const { file, shard } of group) {
      const { index, count: n } = shardOf(shard);
      if (n !== count) throw new Error(`${name}: ${first.file} is shard ${first.shard.seeds.shard} and ${file} is shard ${shard.seeds.shard}: the shards of one sweep split it the same way (i/n with one n)`);
      if (seen.has(index)) throw new Error(`${name}: shard ${shard.seeds.shard} is given twice (${seen.get(index)} and ${file})`);
      if (shard.expected !== first.shard.expected) throw new Error(`${name}: ${first.file} expects ${first.shard.expected} and ${file} expects ${shard.expected}: were they made with different versions of the scenario?`);
      seen.set(index, file);
    }
    const counts = { safe: 0, unsafe: 0, stuck: 0, invalid: 0 };
    for (const { shard } of group) for (const v of VERDICTS) counts[v] += shard.counts[v];
    const bySeed = (a: SweepRun, b: SweepRun) => a.seed - b.seed;
    const shardsDone = [...seen.keys()].sort((a, b) => a - b);
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
    return {
      scenario: first.shard.scenario,
      variant: first.shard.variant,
      expected: first.shard.expected,
      from: first.shard.seeds.from,
      runs: first.shard.seeds.runs,
      shardCount: count,
      shards: shardsDone,
      missing,
      counts,
      total: VERDICTS.reduce((sum, v) => sum + counts[v], 0),
      unsafe: group.flatMap((g) => g.shard.unsafe).sort(bySeed),
      stuck: group.flatMap((g) => g.shard.stuck).sort(bySeed),
      invalid: group.flatMap((g) => g.shard.invalid).sort(bySeed),
      wallMs: group.reduce((sum, g) => sum + g.shard.wallMs, 0),
      ok: missing.length === 0 && sweepAgrees(first.shard.expected, counts),
    };
  });
}

/** `seeds 1..20000, shards 1-4 of 4` or `seeds 1..20000, shards 1, 2, 4 of 4; shard 3/4 missing (its seeds were not run)`. */
export function coverageText(m: MergedSweep): string {
  const seeds = `seeds ${m.from}..${m.from + m.runs - 1}`;
  if (m.missing.length === 0) return m.shardCount === 1 ? seeds : `${seeds}, shards 1-${m.shardCount} of ${m.shardCount}`;
  const one = m.missing.length === 1;
  return `${seeds}, shard${m.shards.length === 1 ? '' : 's'} ${m.shards.join(', ')} of ${m.shardCount}; shard${one ? '' : 's'} ${m.missing.map((i) => `${i}/${m.shardCount}`).join(', ')} missing (${one ? 'its' : 'their'} seeds were not run)`;
}

/** `unsafe 3, …; expected unsafe: as expected` */
export function countsText(m: MergedSweep): string {
  const agreement = m.missing.length > 0 ? 'INCOMPLETE' : m.ok ? 'as expected' : 'NOT as expected';
  return `safe ${m.counts.safe}, unsafe ${m.counts.unsafe}, stuck ${m.counts.stuck}, invalid ${m.counts.invalid}; expected ${m.expected}: ${agreement}`;
}

/** The runs to look at, with their replay commands: the first `limit` unsafe, stuck and invalid runs. */
export function notableRuns(m: MergedSweep, limit: number): string[] {
  return [...m.unsafe, ...m.stuck, ...m.invalid].slice(0, limit).map((r) => `seed ${r.seed} ${r.verdict}${r.invalid === null ? '' : ` (${r.invalid})`}: ${replayCommand(r.token)}`);
}

function mergedCase(m: MergedSweep): JUnitCase {
  const lines = [`${m.scenario}/${m.variant}: ${m.total} runs (${coverageText(m)})`, countsText(m), ...notableRuns(m, 20)];
  const more = m.unsafe.length + m.stuck.length + m.invalid.length - 20;
  if (more > 0) lines.push(`… ${more} more`);
  const text = lines.join('\n');
  return {
    classname: m.scenario,
    name: m.variant,
    wallMs: m.wallMs,
    properties: [
      ['expected', m.expected],
      ['runs', String(m.total)],
      ['seeds', `${m.from}..${m.from + m.runs - 1}`],
      ['shards', `${m.shards.length} of ${m.shardCount}`],
      ...VERDICTS.map((v) => [v, String(m.counts[v])] as const),
    ],
    ...(m.counts.invalid > 0
      ? { error: { message: `${m.counts.invalid} runs had no verdict (invalid)`, text } }
      : m.ok
        ? {}
        : { failure: { message: m.missing.length > 0 ? `incomplete: shard${m.missing.length === 1 ? '' : 's'} ${m.missing.map((i) => `${i}/${m.shardCount}`).join(', ')} missing` : m.expected === 'unsafe' ? `expected unsafe, no run of ${m.total} broke` : `expected ${m.expected}, ${m.counts.unsafe} of ${m.total} runs unsafe`, text } }),
  };
}

/** JUnit for merged sweeps: a suite per scenario, a test case per variant with its summed wall time. */
export function renderMergedJUnit(merged: readonly MergedSweep[], name = 'locksim sweep'): string {
  const suites = new Map<string, JUnitCase[]>();
  for (const m of merged) suites.set(m.scenario, [...(suites.get(m.scenario) ?? []), mergedCase(m)]);
  return junitDocument(name, [...suites.entries()].map(([suite, cases]) => ({ name: suite, cases })));
}

/** The index page of merged sweeps: a row per scenario/variant, its counts, and the runs to look at. */
export function renderMergedIndex(merged: readonly MergedSweep[]): string {
  const ok = merged.filter((m) => m.ok).length;
  const rows = merged.map((m) => {
    const runs = notableRuns(m, 10).map((line) => `<li><code>${esc(line)}</code></li>`).join('');
    return `<tr class="${m.ok ? 'agree' : m.counts.invalid > 0 ? 'invalid' : 'disagree'}"><td>${esc(m.scenario)}</td><td>${esc(m.variant)}</td><td>${esc(m.expected)}</td><td>${m.total}</td><td>${m.counts.safe}</td><td>${m.counts.unsafe}</td><td>${m.counts.stuck}</td><td>${m.counts.invalid}</td><td>${esc(coverageText(m))}</td><td>${(m.wallMs / 1000).toFixed(1)} s</td><td>${m.missing.length > 0 ? 'INCOMPLETE' : m.ok ? 'as expected' : 'NOT as expected'}${runs === '' ? '' : `<ul>${runs}</ul>`}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>locksim: merged sweeps</title>
<style>${PAGE_STYLE}
table.merged { border-collapse: collapse; } table.merged td, table.merged th { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
tr.agree td:last-child { background: #e6f4ea; } tr.disagree td:last-child { background: #fce8e6; } tr.invalid td:last-child { background: #e0e0e0; }
code { font-size: 12px; word-break: break-all; }</style></head>
<body><h1>locksim: merged sweeps</h1>
<p>${ok} of ${merged.length} sweeps as expected; ${merged.reduce((s, m) => s + m.total, 0)} runs.</p>
<table class="merged"><thead><tr><th>scenario</th><th>variant</th><th>expected</th><th>runs</th><th>safe</th><th>unsafe</th><th>stuck</th><th>invalid</th><th>seeds and shards</th><th>wall time (summed)</th><th>verdict</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
</body></html>
`;
}
