/**
 * The `locksim` command line. Exit codes: 0 every observed verdict is the expected one,
 * 1 some verdict differs from what the scenario expects, 2 bad input (the message says what),
 * 3 an internal error of locksim, 4 some run had no verdict (`invalid`: a client died of an
 * error, or no client ever acquired; it takes precedence over 1).
 */
import { echoWorld } from '../sim/demo/echo-world.ts';
import { booleanFlag, integerFlag, nodeCommandsHelp, nodeCommandsFlag, parseArgs, parseDuration, parseSeedRange, stringFlag, UsageError } from './args.ts';
import { spawn } from 'node:child_process';
import { sweepCommand } from './sweep.ts';
import { relative, resolve } from 'node:path';
import { EXIT_INVALID, exitCode } from './present.ts';
import { runReportPath, writeCatalogReports, writeRunReport } from '../report/write.ts';
import { defaultGenerator, explore } from '../explore/explore.ts';
import { ALL_FAULTS } from '../faults/model.ts';
import { decodeToken, replayCommand, runToken, tokenVersionWarning } from '../explore/token.ts';
import { noRunResultJson, resultsJson, runResultJson, type ResultJson } from '../report/json.ts';
import { exploreHead, failureReport, runReport } from '../report/text.ts';
import { evidenceLine, seedRunLine, verdictLine } from '../report/words.ts';
import { loadCatalog, loadScenario } from '../scenario/load.ts';
import { locateScenario } from '../scenario/locate.ts';
import { findVariant, runScenario, type RunResult } from '../scenario/run.ts';
import { variantWorld, type Scenario } from '../scenario/types.ts';
import { checkFaultSchedule, MAX_RUN_MS, ScenarioError } from '../scenario/validate.ts';
import { formatMicros, seconds } from '../sim/index.ts';
import { REAL_HELP, realCommand } from './real.ts';
import { CHECK_HELP, checkCommand } from './check.ts';
import { MERGE_HELP, mergeCommand } from './merge.ts';
import { PLAY_HELP, playCommand } from './play.ts';
import { MATRIX_HELP, matrixCommand } from './matrix.ts';
import { historyDocument } from '../check/history-file.ts';
import { writeFileSync } from 'node:fs';

const HELP: Record<string, string> = {
  main: `usage: locksim <command> [options]

commands:
  list                          the scenario catalog: scenarios, variants, expected verdicts
  run <scenario> | --all        run a scenario (every variant, or --variant V) with a seed
  explore <scenario>            search random fault schedules for a violation, shrink it,
                                print a replay command
  replay <token>                re-run a printed replay token, bit for bit
  sweep <scenario>              one run per seed on all cores (--shard i/n for CI matrices)
  matrix                        the verdict matrix: Redis, Redlock, PostgreSQL, SQL Server
                                and blob leases on the same faults, each cell run at seeds 1..N
  merge <sweep.json>...         combine the shards' sweep --json results into one summary,
                                junit.xml and index.html
  real <scenario>               replay a scenario against real redis-server processes and
                                compare its verdict with the simulation's (--external
                                compose: on the docker-compose.yml servers)
  check <history.json>          judge a stored history (run --history, a run's JSON report,
                                or your own system's log: docs/history-format.md)
  demo                          the kernel's demo world (no Redis): prints a trace hash
  play                          serve the playground: the simulator in a browser page, with
                                sliders, lessons, and the token that replays each state

A <scenario> is a catalog name (locksim list) or a file: locksim run ./my-scenario.ts
Every command takes --help and --json (one JSON object on stdout).
Exit codes: 0 verdicts as expected, 1 a verdict other than expected, 2 bad input,
3 an internal error of locksim, 4 a run with no verdict (INVALID: a client died of an error,
or no client ever acquired; a verdict needs evidence). 4 takes precedence over 1.
`,
  list: `usage: locksim list [<scenario>...] [--json]

Lists the catalog: each scenario with its variants and their expected verdicts. With scenario
names (catalog names or files), lists only those, each with its explanation and one line per
variant: its expected verdict, the resource it guards and why it concludes what it does.
`,
  run: `usage: locksim run <scenario> [--variant V] [--seed N | --seeds A..B] [--duration D] [--history-window D] [--history FILE] [--timeline] [--node-commands W] [--json] [--open]
       locksim run --all [--seed N | --seeds A..B] [--json]

  --seeds A..B        every variant at each seed A, A+1, …, B in this one process: one line per
                      seed and variant (ok/FAIL, the verdict, the expected one), and for a run
                      not as expected the command that reruns it alone; no report files (rerun
                      a seed with --seed N for its report). --json prints one object:
                      { schema, version, command, seeds: { from, to }, ok, results: [one
                      result per run, as --seed's] }
  --duration D        simulate D (30s, 10m, 1h) instead of the scenario's duration; the replay
                      command carries it
  --history-window D  keep only the last D of the history (plus the context of the first
                      violations) instead of all of it: memory stays flat on long runs, and
                      verdicts, violations and counts are the same (the checkers run online);
                      the report draws what was kept
  --history FILE      write the run's history (one run: name a --variant) for locksim check:
                      every operation, resource write, key lifetime and fault, with what
                      judging it needs (docs/history-format.md)
${nodeCommandsHelp(22)}
  --json              print the result as JSON (one run: one result; several: { schema, version,
                      command, seed, ok, results }); the shape is in docs/json.md
  --reports DIR   where the HTML and JSON reports go (default: reports/)
  --no-reports    write no report files
  --open          open the run's HTML report in a browser (or print its path)

Runs the scenario's hand-written fault schedule with seed N (default 1), judges the history
(mutual exclusion, lost updates, fencing, liveness) and prints the world, the timeline when a
property broke (or with --timeline), the verdict, what each fault did, the trace hash and a
replay command. Without --variant every variant runs. --all runs the whole catalog. Reports:
an HTML and a JSON file per run, plus reports/index.html (scenarios x variants, expected and
observed) and reports/junit.xml for the runs of this command (each run's wall time, and the
replay command in each failure). Under the verdict a line says
what it was judged on (acquisitions, sections, writes, Redis commands, per client).
A run with no evidence is INVALID, never SAFE: a client died of an uncaught error (a library
that fails to load), or no client ever acquired; the reason and the first error are printed.
Exit code 0 when every verdict is the expected one, 4 when some run was invalid, 1 otherwise.
`,
  explore: `usage: locksim explore <scenario> [--variant V] [--runs N | --time 30s] [--seed N] [--faults in-model|all] [--json]

First tries, one by one, each single fault at the lock's turns in a fault-free run (a grant's
reply late past the TTL, the granting node held off, a clock step just after an acquire: at most
half the runs). Then draws random fault schedules (and simulation seeds) with fast-check, stops
at the first run whose verdict is unsafe, shrinks it to the smallest schedule that still breaks
(at most 200 runs; every fault left is needed), and prints it with its timeline and one replay
command. --seed fixes the exploration (default: a fresh seed,
printed; under CI=true, 1). Default --runs 200.
Which faults it draws: the scenario's own generator if it names one (the catalog's pitfalls
draw every kind); otherwise --faults in-model (the default): only faults the lock's model
promises to survive (network delays, partitions and loss; node pauses, crashes with AOF always
or a restart delayed past the TTL, node drift under 1 %; client crashes and wall-clock steps;
with a fenced resource also client pauses and delayed writes). --faults all draws every kind
on every process and link. Each schedule uses a random subset of the kinds (swarm testing),
and times and lengths near the TTL and the workload's times as well as uniformly; a violation
says which of its faults were outside the lock's model.
An invalid run (a client died of an error, no client ever acquired without a fault) stops the
exploration: it is reported with its reason, and the exit code is 4. A run whose faults alone
kept every client from acquiring is availability, not safety: it does not stop it.
Exit code 0 when what it found agrees with the variant's expected verdict (a violation for an
unsafe variant, none for a safe one), 4 when a run was invalid, 1 otherwise.
--json prints one result (docs/json.md) standing for the shrunk failure (seed, traceHash and
token are its own; null when nothing was found), with explorationSeed, runs, shrinks,
bySingleFault, interrupted and wallMs.
`,
  replay: `usage: locksim replay <token> [--timeline] [--node-commands W] [--json]

Re-runs the run a token describes (scenario, variant, seed, fault schedule): the same trace
hash, on any machine with the same locksim version. The token records the version that made
it: a token from another version still replays, with a warning that the trace may differ.
${nodeCommandsHelp(22)}
A scenario file's token replays from any
folder of its project (it keeps the file's path from the folder of the nearest package.json)
and warns when the file changed since it was made. Exit code 0 when the verdict is the
expected one, 4 when the run was invalid, 1 otherwise.
`,
  real: REAL_HELP,
  check: CHECK_HELP,
  merge: MERGE_HELP,
  play: PLAY_HELP,
  matrix: MATRIX_HELP,
  demo: `usage: locksim demo [--seed N] [--seconds S] [--trace] [--json]

Runs the kernel's demo world (10 clients looping over request/replies to an echo server over
the simulated network, no Redis) and prints its trace hash; --trace prints every kernel event.
`,
};

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function json(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

async function listCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('list', args, { '--json': 'boolean', '--help': 'boolean' });
  if (booleanFlag(parsed, '--help')) return help('list');
  const named = parsed.positional.length > 0;
  const catalog = named ? await Promise.all(parsed.positional.map((ref) => loadScenario(ref))) : await loadCatalog();
  if (booleanFlag(parsed, '--json')) {
    json({ scenarios: catalog.map((s) => ({ name: s.name, title: s.title, tags: s.tags ?? [], variants: s.variants.map((v) => ({ name: v.name, expected: v.expected, resource: v.resource ?? 'unguarded', ...(named ? { note: v.note ?? null } : {}) })), ...(named ? { explanation: s.explanation } : {}) })) });
    return 0;
  }
  if (named) {
    for (const s of catalog) {
      out(`${s.name}  ${s.title}\n\n${s.explanation.trim()}\n`);
      const width = Math.max(...s.variants.map((v) => v.name.length));
      for (const v of s.variants) out(`  ${v.name.padEnd(width)}  ${v.expected.padEnd(6)}  ${(v.resource ?? 'unguarded').padEnd(9)}${v.note === undefined ? '' : `  ${v.note}`}`);
      out('');
    }
    return 0;
  }
  const width = Math.max(...catalog.map((s) => s.name.length));
  for (const s of catalog) {
    out(`${s.name.padEnd(width)}  ${s.title}`);
    out(`${''.padEnd(width)}  ${s.variants.map((v) => `${v.name}: ${v.expected}`).join(', ')}`);
  }
  return 0;
}

async function runCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('run', args, {
    '--variant': 'string', '--seed': 'integer', '--seeds': 'string', '--timeline': 'boolean', '--json': 'boolean', '--all': 'boolean',
    '--reports': 'string', '--no-reports': 'boolean', '--open': 'boolean', '--duration': 'string', '--history-window': 'string', '--history': 'string', '--node-commands': 'string', '--help': 'boolean',
  });
  if (booleanFlag(parsed, '--help')) return help('run');
  const commands = nodeCommandsFlag('run', parsed);
  const historyFile = stringFlag(parsed, '--history');
  const positive = (flag: string): number | undefined => {
    const text = stringFlag(parsed, flag);
    const value = text === undefined ? undefined : parseDuration('run', text, flag);
    if (value !== undefined && value <= 0) throw new UsageError(`run: ${flag} must be positive, got '${text}'`);
    if (value !== undefined && value > MAX_RUN_MS) throw new UsageError(`run: ${flag} ${text} is longer than the longest run locksim accepts (30 days of simulated time)`);
    return value;
  };
  const durationMs = positive('--duration');
  const windowMs = positive('--history-window');
  const seedsText = stringFlag(parsed, '--seeds');
  if (seedsText !== undefined && parsed.flags.has('--seed')) throw new UsageError('run: pass either --seed N or --seeds A..B, not both');
  const seedRange = seedsText === undefined ? null : parseSeedRange('run', seedsText);
  const seed = integerFlag(parsed, '--seed') ?? 1;
  const asJson = booleanFlag(parsed, '--json');
  const all = booleanFlag(parsed, '--all');
  if (!all && parsed.positional.length !== 1) throw new UsageError('run: name one scenario (locksim list shows them) or pass --all');
  if (all && parsed.positional.length > 0) throw new UsageError('run: --all runs the whole catalog; do not name a scenario with it');
  const scenarios: Array<{ scenario: Scenario; ref: string }> = all
    ? (await loadCatalog()).map((s) => ({ scenario: s, ref: s.name }))
    : [{ scenario: await loadScenario(parsed.positional[0] as string), ref: parsed.positional[0] as string }];
  const variantName = stringFlag(parsed, '--variant');
  if (historyFile !== undefined && (all || seedRange !== null || (variantName === undefined && (scenarios[0]?.scenario.variants.length ?? 0) > 1))) {
    throw new UsageError('run: --history writes one run\'s history: name one scenario, one --variant and one --seed');
  }
  if (historyFile !== undefined && windowMs !== undefined) throw new UsageError('run: --history writes the whole history; drop --history-window');
  if (seedRange !== null) {
    for (const flag of ['--timeline', '--open', '--reports', '--node-commands']) if (parsed.flags.has(flag)) throw new UsageError(`run: ${flag} goes with one seed; --seeds prints a line per run (rerun a seed with --seed N for its timeline and report)`);
    return runSeeds(scenarios, variantName, seedRange, { durationMs, windowMs, asJson });
  }
  const reportDir = booleanFlag(parsed, '--no-reports') ? null : resolve(stringFlag(parsed, '--reports') ?? 'reports');
  const results: Array<{ result: RunResult; scenario: Scenario; ref: string; report: string | null; wallMs: number }> = [];
  for (const { scenario, ref } of scenarios) {
    const variants = variantName === undefined ? scenario.variants : [findVariant(scenario, variantName)];
    for (const variant of variants) {
      // A windowed (long) run keeps no kernel trace either: the report draws without it.
      const started = performance.now();
      const result = await runScenario(scenario, {
        seed,
        variant: variant.name,
        durationMs,
        historyWindow: windowMs === undefined ? undefined : { lastMs: windowMs },
        keepTrace: reportDir !== null && windowMs === undefined,
      });
      const token = runToken(result, ref);
      const replay = replayCommand(token);
      const report = reportDir === null ? null : writeRunReport(reportDir, scenario, result, token).html;
      if (historyFile !== undefined) writeHistory(historyFile, result);
      results.push({ result, scenario, ref, report, wallMs: performance.now() - started });
      if (!asJson && !all) out(`${runReport(scenario, result, replay, { timeline: booleanFlag(parsed, '--timeline'), commands })}${report === null ? '' : `\n  report: ${relative(process.cwd(), report)}`}\n`);
      if (!asJson && all) out(`${verdictLine(result)}\n${evidenceLine(result.evidence)}`);
    }
  }
  let index: string | null = null;
  if (reportDir !== null) {
    const rows = scenarios.map(({ scenario }) => ({
      scenario,
      results: results.filter((r) => r.scenario === scenario).map((r) => r.result),
      reportHref: (r: RunResult) => runReportPath(r),
    }));
    const of = (r: RunResult) => results.find((x) => x.result === r);
    index = writeCatalogReports(reportDir, rows, {
      wallMs: (r) => of(r)?.wallMs,
      replay: (r) => {
        const entry = of(r);
        return entry === undefined ? undefined : replayCommand(runToken(r, entry.ref));
      },
    }).index;
  }
  if (booleanFlag(parsed, '--open')) {
    const target = index ?? results[results.length - 1]?.report ?? null;
    if (target !== null) openInBrowser(target);
  }
  const invalid = results.filter(({ result }) => result.verdict === 'invalid');
  if (asJson) {
    const items = results.map(({ result, ref }) => runResultJson(result, { command: 'run', token: runToken(result, ref) }));
    json(items.length === 1 ? items[0] : resultsJson('run', items, { seed }));
  } else if (results.length > 1) {
    const bad = results.filter(({ result }) => result.verdict !== result.expected);
    out(`\n${results.length - bad.length} of ${results.length} verdicts as expected${bad.length > 0 ? `; differing: ${bad.map(({ result }) => `${result.scenario}/${result.variant}`).join(', ')}` : ''}`);
    if (invalid.length > 0) out(`${invalid.length} of ${results.length} runs INVALID (no evidence to judge on): ${invalid.map(({ result }) => `${result.scenario}/${result.variant}`).join(', ')}`);
  }
  if (!asJson && index !== null && (all || results.length > 1)) out(`reports: ${relative(process.cwd(), index)} (and junit.xml beside it)`);
  return exitCode(results.map(({ result }) => result));
}

/** `run --history FILE`: the run's history with what judging it again needs. */
function writeHistory(file: string, result: RunResult): void {
  const end = result.livenessEnd;
  const doc = historyDocument(result.history, {
    properties: end === undefined ? result.properties.filter((p) => p !== 'liveness') : result.properties,
    livenessBoundMs: end?.boundMs ?? 0,
    end: { blocked: end?.blocked ?? [], stillTrying: end?.stillTrying ?? [] },
    run: { scenario: result.scenario, variant: result.variant, seed: result.seed, verdict: result.verdict },
  });
  try {
    writeFileSync(file, `${JSON.stringify(doc)}\n`);
  } catch (error) {
    throw new UsageError(`run: cannot write the history to ${file}: ${(error as Error).message}`);
  }
}

/**
 * `run --seeds A..B`: every variant of every scenario at each seed, in this one process (one
 * line per run, no report files). Only what the summary needs is kept of each run.
 */
async function runSeeds(
  scenarios: ReadonlyArray<{ scenario: Scenario; ref: string }>,
  variantName: string | undefined,
  range: { from: number; to: number },
  options: { durationMs: number | undefined; windowMs: number | undefined; asJson: boolean },
): Promise<number> {
  const runs: Array<Pick<RunResult, 'scenario' | 'variant' | 'seed' | 'verdict' | 'expected'>> = [];
  const items: ResultJson[] = [];
  const plan = scenarios.map(({ scenario, ref }) => ({ scenario, ref, variants: variantName === undefined ? scenario.variants : [findVariant(scenario, variantName)] }));
  for (let seed = range.from; seed <= range.to; seed++) {
    for (const { scenario, ref, variants } of plan) {
      for (const variant of variants) {
        const result = await runScenario(scenario, {
          seed,
          variant: variant.name,
          durationMs: options.durationMs,
          historyWindow: options.windowMs === undefined ? undefined : { lastMs: options.windowMs },
          keepTrace: false,
        });
        runs.push({ scenario: result.scenario, variant: result.variant, seed, verdict: result.verdict, expected: result.expected });
        if (options.asJson) items.push(runResultJson(result, { command: 'run', token: runToken(result, ref) }));
        else out(seedRunLine(result, ref));
      }
    }
  }
  if (options.asJson) {
    json(resultsJson('run', items, { seeds: range }));
  } else {
    const name = (r: (typeof runs)[number]) => `${r.scenario}/${r.variant} seed ${r.seed}`;
    const bad = runs.filter((r) => r.verdict !== r.expected);
    const invalid = runs.filter((r) => r.verdict === 'invalid');
    out(`\n${runs.length - bad.length} of ${runs.length} verdicts as expected (seeds ${range.from}..${range.to})${bad.length > 0 ? `; differing: ${bad.map(name).join(', ')}` : ''}`);
    if (invalid.length > 0) out(`${invalid.length} of ${runs.length} runs INVALID (no evidence to judge on): ${invalid.map(name).join(', ')}`);
  }
  return exitCode(runs);
}

async function exploreCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('explore', args, { '--variant': 'string', '--seed': 'integer', '--runs': 'integer', '--time': 'string', '--faults': 'string', '--json': 'boolean', '--help': 'boolean' });
  if (booleanFlag(parsed, '--help')) return help('explore');
  if (parsed.positional.length !== 1) throw new UsageError('explore: name one scenario (locksim list shows them)');
  const ref = parsed.positional[0] as string;
  const scenario = await loadScenario(ref);
  const variant = findVariant(scenario, stringFlag(parsed, '--variant'));
  const time = stringFlag(parsed, '--time');
  const runsFlag = integerFlag(parsed, '--runs');
  if (runsFlag !== undefined && runsFlag < 1) throw new UsageError(`explore: --runs must be at least 1, got ${runsFlag}`);
  const timeLimitMs = time === undefined ? undefined : parseDuration('explore', time);
  if (timeLimitMs !== undefined && timeLimitMs <= 0) throw new UsageError(`explore: --time must be positive, got '${time}'`);
  const seed = integerFlag(parsed, '--seed') ?? (process.env.CI === 'true' ? 1 : Math.floor(Math.random() * 2 ** 31));
  const asJson = booleanFlag(parsed, '--json');
  const tty = process.stderr.isTTY === true && !asJson;
  const started = performance.now();
  if (!asJson) out(`exploring ${scenario.name}/${variant.name} with seed ${seed} (${timeLimitMs !== undefined ? `for ${time}` : `${runsFlag ?? 200} runs`}); pass --seed ${seed} to repeat this exploration`);
  const faultsFlag = stringFlag(parsed, '--faults');
  if (faultsFlag !== undefined && faultsFlag !== 'in-model' && faultsFlag !== 'all') throw new UsageError(`explore: --faults takes 'in-model' or 'all', got '${faultsFlag}'`);
  const result = await explore(scenario, {
    variant: variant.name,
    seed,
    ...(faultsFlag === 'all' ? { generator: ALL_FAULTS } : faultsFlag === 'in-model' ? { generator: defaultGenerator({ ...scenario, explore: undefined }, variant) } : {}),
    runs: runsFlag ?? (timeLimitMs !== undefined ? 1_000_000 : 200),
    timeLimitMs,
    scenarioRef: ref,
    onRun: tty ? (n) => process.stderr.write(`\r  ${n} runs, ${((performance.now() - started) / 1000).toFixed(1)} s`) : undefined,
  });
  if (tty) process.stderr.write('\n');
  // The exploration stops at an invalid run too (a run without evidence is never a pass).
  const invalid = result.shrunk?.verdict === 'invalid' ? result.shrunk : null;
  const verdict = invalid !== null ? 'invalid' : result.found ? (result.shrunk?.verdict ?? 'unsafe') : 'safe';
  const agrees = invalid === null && (variant.expected === 'unsafe' ? result.found : !result.found);
  const code = invalid !== null ? EXIT_INVALID : agrees ? 0 : 1;
  if (asJson) {
    const base = result.shrunk === null
      ? noRunResultJson('explore', { scenario: scenario.name, variant: variant.name, verdict, expected: variant.expected, matches: agrees })
      : runResultJson(result.shrunk, { command: 'explore', token: result.token });
    json({ ...base, verdict, matches: agrees, explorationSeed: seed, runs: result.runsToFailure, shrinks: result.shrinks, bySingleFault: result.bySingleFault, interrupted: result.interrupted, wallMs: Math.round(performance.now() - started) });
    return code;
  }
  if (!result.found || result.shrunk === null || result.token === null) {
    out(`no violation in ${result.runsToFailure} runs${result.interrupted ? ' (time limit reached)' : ''}; expected ${variant.expected}: ${agrees ? 'as expected' : 'NOT as expected'}`);
    return code;
  }
  out(failureReport(result.shrunk, { head: exploreHead(result.shrunk, result.runsToFailure, result.shrinks, result.bySingleFault), scenario, replay: replayCommand(result.token) }));
  return code;
}

async function replayCommandLine(args: string[]): Promise<number> {
  const parsed = parseArgs('replay', args, { '--timeline': 'boolean', '--node-commands': 'string', '--json': 'boolean', '--help': 'boolean' });
  if (booleanFlag(parsed, '--help')) return help('replay');
  const commands = nodeCommandsFlag('replay', parsed);
  if (parsed.positional.length !== 1) throw new UsageError('replay: pass the token that explore, run or a failing test printed');
  let token;
  try {
    token = decodeToken(parsed.positional[0] as string);
  } catch (error) {
    throw new UsageError(`replay: ${(error as Error).message}`);
  }
  if (token.options !== undefined || token.scenario === 'check-lock') throw new UsageError(`replay: this token is from a checkLock test (its lock is in your test file): replay it there, with checkLock({ ...sameOptions, replay: '<token>' })`);
  const versionWarning = tokenVersionWarning(token);
  if (versionWarning !== null) process.stderr.write(`locksim: warning: ${versionWarning}\n`);
  const located = locateScenario(token.scenario, token.file);
  if (located.warning !== null) process.stderr.write(`locksim: warning: ${located.warning}\n`);
  const scenario = await loadScenario(located.ref);
  const variant = findVariant(scenario, token.variant);
  const world = variantWorld(scenario, variant);
  checkFaultSchedule(token.faults, { ...world, durationMs: token.durationMs ?? world.durationMs }, 'replay token', "invalid fault schedule in the token (was it edited or cut short? copy the whole token that explore, run or the failing test printed)");
  const result = await runScenario(scenario, { seed: token.seed, variant: token.variant, faults: token.faults, durationMs: token.durationMs, keepTrace: true });
  const again = runToken(result, located.ref);
  if (booleanFlag(parsed, '--json')) json(runResultJson(result, { command: 'replay', token: again }));
  else out(runReport(scenario, result, replayCommand(again), { timeline: true, commands }));
  return exitCode([result]);
}

async function demoCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('demo', args, { '--seed': 'integer', '--seconds': 'integer', '--trace': 'boolean', '--json': 'boolean', '--help': 'boolean' });
  if (booleanFlag(parsed, '--help')) return help('demo');
  const seed = integerFlag(parsed, '--seed') ?? 1;
  const simSeconds = integerFlag(parsed, '--seconds') ?? 1;
  if (simSeconds <= 0) throw new UsageError(`demo: --seconds must be positive, got ${simSeconds}`);
  const trace = booleanFlag(parsed, '--trace');
  const world = echoWorld({ seed, keepTrace: trace });
  const summary = await world.run({ until: seconds(simSeconds) });
  if (booleanFlag(parsed, '--json')) {
    json({ seed, simulatedSeconds: simSeconds, events: summary.events, traceHash: summary.traceHash });
    return 0;
  }
  if (trace) for (const e of world.trace.entries ?? []) out(`${formatMicros(e.at).padStart(14)}  ${e.kind.padEnd(8)} ${e.process.padEnd(10)} ${e.detail}`);
  out(`demo world: seed ${seed}, ${simSeconds} simulated s, ${summary.events} events\ntrace hash ${summary.traceHash}\nreplay: locksim demo --seed ${seed} --seconds ${simSeconds}`);
  return 0;
}

/** Opens a report with the desktop's opener when there is one; otherwise says where it is. */
function openInBrowser(path: string): void {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const child = spawn(opener, [path], { stdio: 'ignore', detached: true });
  child.on('error', () => out(`open ${path} in a browser (no '${opener}' here)`));
  child.unref();
}

function help(command: string): number {
  out(HELP[command] ?? HELP.main ?? '');
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  sweep: sweepCommand,
  merge: mergeCommand,
  list: listCommand,
  run: runCommand,
  check: checkCommand,
  explore: exploreCommand,
  replay: replayCommandLine,
  demo: demoCommand,
  real: realCommand,
  play: playCommand,
  matrix: matrixCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      process.stderr.write(HELP.main ?? '');
      return 2;
    }
    if (command === 'help' || command === '--help' || command === '-h') return help(rest[0] ?? 'main');
    const run = COMMANDS[command];
    if (run === undefined) throw new UsageError(`unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')}; try: locksim --help)`);
    return await run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`locksim: ${error.message}\n`);
      return 2;
    }
    if (error instanceof ScenarioError) {
      process.stderr.write(`locksim: ${error.message}\n`);
      return 2;
    }
    // Not the user's fault: say so plainly; the stack only on request.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`locksim: internal error: ${message}\n(set LOCKSIM_DEBUG=1 for the stack; please report it with the command you ran)\n`);
    if (process.env.LOCKSIM_DEBUG && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return 3;
  }
}

