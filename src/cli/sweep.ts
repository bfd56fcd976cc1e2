/** `locksim sweep`: one run per seed, on all cores, splittable across CI jobs with --shard. */
import { availableParallelism } from 'node:os';
import { booleanFlag, integerFlag, parseArgs, stringFlag, UsageError } from './args.ts';
import { decodeToken, replayCommand } from '../explore/token.ts';
import { EXIT_INVALID } from './present.ts';
import { sweepInWorkers } from '../explore/sweep-pool.ts';
import { shardSeeds, sweepAgrees, sweepOne, type SweepRun } from '../explore/sweep.ts';
import { noRunResultJson, runResultJson, toJsonValue, type ResultJson } from '../report/json.ts';
import { loadScenario } from '../scenario/load.ts';
import { findVariant, runScenario } from '../scenario/run.ts';
import type { Scenario, Variant, Verdict } from '../scenario/types.ts';

export const SWEEP_HELP = `usage: locksim sweep <scenario> [--variant V] [--runs N] [--from S] [--shard i/n] [--workers K] [--json]

Runs the scenario once per seed S, S+1, …, S+N-1 (default --from 1 --runs 1000); seed s draws its
own fault schedule from the scenario's generator, so a seed always means the same run. --shard
i/n runs only the seeds with s mod n = i-1: n CI jobs with shards 1/n … n/n cover the same seeds
as one sweep. --workers K runs on K worker threads (default: every core; 1 = in this thread).
Prints progress on a terminal, then the verdict counts, how many runs were judged on evidence
and how many were INVALID (no verdict: a client died of an error, or no client ever acquired),
and a replay command per seed that was not safe. --json prints one result (docs/json.md): the
sweep's verdict (invalid, else unsafe, else stuck, else safe, if any run had it) with the run
that stands for it (the first seed with that verdict, run again here for its violations), the
counts, the seeds and shard, and every unsafe, stuck and invalid run with its replay token in
"failed"; locksim merge combines the shards' results into one summary and report.
Exit code 0 when the sweep agrees with the variant's expected verdict (no unsafe run for a safe
variant, at least one for an unsafe variant) and no run was invalid, 4 when some run was
invalid, 1 otherwise.
`;

function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || count < 1 || index < 1 || index > count) throw new UsageError(`sweep: --shard takes i/n with 1 <= i <= n, e.g. --shard 2/4; got '${text}'`);
  return { index, count };
}

export async function sweepCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('sweep', args, {
    '--variant': 'string', '--runs': 'integer', '--from': 'integer', '--shard': 'string', '--workers': 'integer', '--json': 'boolean', '--help': 'boolean',
  });
  if (booleanFlag(parsed, '--help')) {
    process.stdout.write(SWEEP_HELP);
    return 0;
  }
  if (parsed.positional.length !== 1) throw new UsageError('sweep: name one scenario (locksim list shows them)');
  const ref = parsed.positional[0] as string;
  const scenario = await loadScenario(ref);
  const variant = findVariant(scenario, stringFlag(parsed, '--variant'));
  const runs = integerFlag(parsed, '--runs') ?? 1000;
  if (runs < 1) throw new UsageError(`sweep: --runs must be at least 1, got ${runs}`);
  const from = integerFlag(parsed, '--from') ?? 1;
  if (from + runs - 1 > Number.MAX_SAFE_INTEGER) throw new UsageError(`sweep: seeds --from ${from} with --runs ${runs} go past ${Number.MAX_SAFE_INTEGER} (they would not replay exactly); start lower or run fewer`);
  const shardText = stringFlag(parsed, '--shard');
  const shard = shardText === undefined ? { index: 1, count: 1 } : parseShard(shardText);
  const workers = integerFlag(parsed, '--workers') ?? availableParallelism();
  if (workers < 1) throw new UsageError(`sweep: --workers must be at least 1, got ${workers}`);
  const seeds = shardSeeds(from, runs, shard);
  const asJson = booleanFlag(parsed, '--json');
  const tty = process.stderr.isTTY === true && !asJson;
  const started = performance.now();
  let unsafe = 0;
  const progress = (run: SweepRun, done: number): void => {
    if (run.verdict === 'unsafe') unsafe++;
    if (tty) process.stderr.write(`\r  ${done}/${seeds.length} runs, ${unsafe} unsafe, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  let results: SweepRun[];
  if (workers === 1) {
    results = [];
    for (const seed of seeds) {
      const run = await sweepOne(scenario, ref, variant.name, seed);
      results.push(run);
      progress(run, results.length);
    }
  } else {
    results = await sweepInWorkers(ref, variant.name, seeds, workers, progress);
  }
  if (tty) process.stderr.write('\n');
  const counts = { safe: 0, unsafe: 0, stuck: 0, invalid: 0 };
  for (const r of results) counts[r.verdict]++;
  const judged = results.length - counts.invalid;
  const agrees = sweepAgrees(variant.expected, counts);
  const code = counts.invalid > 0 ? EXIT_INVALID : agrees ? 0 : 1;
  const wallMs = Math.round(performance.now() - started);
  if (asJson) {
    const failed = { unsafe: results.filter((r) => r.verdict === 'unsafe'), stuck: results.filter((r) => r.verdict === 'stuck'), invalid: results.filter((r) => r.verdict === 'invalid') };
    const representative = await standFor(scenario, variant, results, agrees);
    const sweep = { seeds: { from, runs, shard: `${shard.index}/${shard.count}` }, counts, judged, workers, wallMs, failed: toJsonValue(failed) };
    process.stdout.write(`${JSON.stringify({ ...representative, matches: agrees, ...sweep })}\n`);
    return code;
  }
  process.stdout.write(
    `${scenario.name}/${variant.name}: ${results.length} runs (seeds ${from}..${from + runs - 1}, shard ${shard.index}/${shard.count}) on ${workers} worker${workers === 1 ? '' : 's'} in ${(wallMs / 1000).toFixed(1)} s\n` +
      `  safe ${counts.safe}, unsafe ${counts.unsafe}, stuck ${counts.stuck}, invalid ${counts.invalid}; ${judged} of ${results.length} runs judged on evidence; expected ${variant.expected}: ${agrees ? 'as expected' : 'NOT as expected'}\n`,
  );
  const firstInvalid = results.find((r) => r.verdict === 'invalid');
  if (firstInvalid !== undefined) process.stdout.write(`  INVALID runs have no verdict; seed ${firstInvalid.seed}: ${firstInvalid.invalid ?? 'no evidence'}\n`);
  for (const r of results.filter((x) => x.verdict !== 'safe').slice(0, 10)) process.stdout.write(`  seed ${r.seed} ${r.verdict}: ${replayCommand(r.token)}\n`);
  return code;
}

/** The sweep's verdict: invalid, else unsafe, else stuck, if any run had it; else safe. */
const SWEEP_VERDICTS: readonly Verdict[] = ['invalid', 'unsafe', 'stuck', 'safe'];

/**
 * The result a sweep prints: the first seed with the sweep's verdict, run again here from its
 * token for its violations and faults. A run is a pure function of its seed and schedule, so
 * the rerun's trace hash must be the sweep's; if not, that is a bug of locksim, said loudly.
 */
async function standFor(scenario: Scenario, variant: Variant, results: readonly SweepRun[], agrees: boolean): Promise<ResultJson> {
  const bySeed = [...results].sort((a, b) => a.seed - b.seed);
  const verdict = SWEEP_VERDICTS.find((v) => bySeed.some((r) => r.verdict === v)) ?? 'safe';
  const run = bySeed.find((r) => r.verdict === verdict);
  // A shard may hold no seed at all (--runs 1 --shard 2/2): then no run stands for it.
  if (run === undefined) return noRunResultJson('sweep', { scenario: scenario.name, variant: variant.name, verdict, expected: variant.expected, matches: agrees });
  const rerun = await runScenario(scenario, { seed: run.seed, variant: variant.name, faults: decodeToken(run.token).faults });
  if (rerun.traceHash !== run.traceHash) throw new Error(`sweep: seed ${run.seed} ran again with trace hash ${rerun.traceHash}, not the sweep's ${run.traceHash}: a run should be a pure function of its seed and schedule`);
  return runResultJson(rerun, { command: 'sweep', token: run.token });
}
