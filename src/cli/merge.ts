/** `locksim merge`: the shards of sweeps run on many CI machines, as one summary and report. */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { booleanFlag, parseArgs, stringFlag, UsageError } from './args.ts';
import { EXIT_INVALID } from './present.ts';
import { countsText, coverageText, mergeShards, notableRuns, readShard, renderMergedIndex, renderMergedJUnit, type SweepShard } from '../report/merge.ts';
import { writeFileAtomic } from '../report/write.ts';

export const MERGE_HELP = `usage: locksim merge <sweep.json>... [--reports DIR | --no-reports] [--json]

Combines what locksim sweep --json printed in each job of a CI matrix (one file per shard, and
per variant or scenario) into one result per scenario/variant: the verdict counts summed, every
unsafe, stuck and invalid run with its replay command, the shards' wall times summed, and the
shards that are missing. Prints a line per sweep and writes DIR/junit.xml (a test case per
scenario/variant, its time the shards' wall time, its failure the runs to replay),
DIR/index.html (a table of the sweeps) and DIR/merged.json (the merged results; default DIR:
reports/). --json prints the merged results on stdout instead of the text.

  locksim sweep ./it.ts --variant redlock --runs 100000 --shard 3/8 --json > sweep-redlock-3.json
  locksim merge sweep-*.json

A sweep's shards must split the same seeds the same way (--from, --runs, and i/n with one n);
a shard given twice is refused. An empty file (a job whose sweep died before printing) is skipped
with a warning, and its shard counts as missing. Exit code 0 when every sweep agrees with its variant's expected
verdict (as sweep decides) and has all its shards, 4 when a run was invalid, 1 otherwise, 2 when
a file is not a sweep's JSON.
`;

export async function mergeCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('merge', args, { '--reports': 'string', '--no-reports': 'boolean', '--json': 'boolean', '--help': 'boolean' });
  if (booleanFlag(parsed, '--help')) {
    process.stdout.write(MERGE_HELP);
    return 0;
  }
  if (parsed.positional.length === 0) throw new UsageError('merge: name the JSON files locksim sweep --json wrote, e.g. locksim merge shards/*.json');
  if (booleanFlag(parsed, '--no-reports') && parsed.flags.has('--reports')) throw new UsageError('merge: pass --reports DIR or --no-reports, not both');
  const shards: Array<{ file: string; shard: SweepShard }> = [];
  for (const file of parsed.positional) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`merge: cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    if (text.trim() === '') {
      // A CI job whose sweep died before printing: its seeds show up as a missing shard.
      process.stderr.write(`locksim: merge: warning: ${file} is empty (did the sweep that writes it finish?); skipped, so its shard counts as missing\n`);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`merge: ${file} is not JSON (${(error as Error).message}): merge takes what locksim sweep --json prints`);
    }
    const shard = readShard(value);
    if (typeof shard === 'string') throw new UsageError(`merge: ${file}: ${shard}`);
    shards.push({ file, shard });
  }
  if (shards.length === 0) throw new UsageError(`merge: nothing to merge: every file given is empty (${parsed.positional.join(', ')})`);
  let merged;
  try {
    merged = mergeShards(shards);
  } catch (error) {
    throw new UsageError(`merge: ${(error as Error).message}`);
  }
  const reportDir = booleanFlag(parsed, '--no-reports') ? null : resolve(stringFlag(parsed, '--reports') ?? 'reports');
  if (reportDir !== null) {
    writeFileAtomic(join(reportDir, 'junit.xml'), renderMergedJUnit(merged));
    writeFileAtomic(join(reportDir, 'index.html'), renderMergedIndex(merged));
    writeFileAtomic(join(reportDir, 'merged.json'), `${JSON.stringify({ format: 'locksim-merged/1', sweeps: merged }, null, 1)}\n`);
  }
  const code = merged.some((m) => m.counts.invalid > 0) ? EXIT_INVALID : merged.every((m) => m.ok) ? 0 : 1;
  if (booleanFlag(parsed, '--json')) {
    process.stdout.write(`${JSON.stringify({ format: 'locksim-merged/1', ok: code === 0, sweeps: merged })}\n`);
    return code;
  }
  for (const m of merged) {
    process.stdout.write(`${m.ok ? 'ok  ' : 'FAIL'} ${m.scenario}/${m.variant}: ${m.total} runs (${coverageText(m)}), ${(m.wallMs / 1000).toFixed(1)} s of wall time\n  ${countsText(m)}\n`);
    for (const line of notableRuns(m, 10)) process.stdout.write(`  ${line}\n`);
  }
  const ok = merged.filter((m) => m.ok).length;
  process.stdout.write(`\n${ok} of ${merged.length} sweeps as expected, from ${shards.length} file${shards.length === 1 ? '' : 's'}\n`);
  if (reportDir !== null) process.stdout.write(`reports: ${relative(process.cwd(), join(reportDir, 'index.html'))} (and junit.xml, merged.json beside it)\n`);
  return code;
}
