/**
 * `locksim real`: replays a scenario against real servers (redis-server, PostgreSQL, Azurite),
 * Toxiproxy and client processes (src/real/runner.ts), prints the same report as `locksim run` with the simulated
 * verdict beside the real one, and writes the HTML report with the real-mode badge.
 */
import { basename, dirname, relative, resolve } from 'node:path';
import { replayCommand, runToken } from '../explore/token.ts';
import { RealModeUnsupportedError, runReal, type RealRunResult } from '../real/runner.ts';
import { PostgresMissingError } from '../real/postgres-process.ts';
import { RedisServerMissingError } from '../real/redis-process.ts';
import { sweepStaleRedisDirsOnce } from '../real/temp-dirs.ts';
import { ToxiproxyMissingError } from '../real/toxiproxy.ts';
import { loadTopology, TopologyError, type ExternalTopology } from '../real/external.ts';
import { writeRunReport } from '../report/write.ts';
import { realResultJson, resultsJson } from '../report/json.ts';
import { realReport } from '../report/text.ts';
import { loadScenario } from '../scenario/load.ts';
import { MAX_RUN_MS } from '../scenario/validate.ts';
import { findVariant } from '../scenario/run.ts';
import { booleanFlag, integerFlag, nodeCommandsHelp, nodeCommandsFlag, parseArgs, parseDuration, stringFlag, UsageError } from './args.ts';
import { exitCode } from './present.ts';

export const REAL_HELP = `usage: locksim real <scenario> [--variant V] [--seed N] [--duration 20s] [--external compose|FILE [--flush]] [--timeline] [--node-commands W] [--json]

Replays the scenario against real processes: a server per node as its service runs it (a
redis-server or Azurite's Blob service under the clock shim, so node clock drift and jumps
apply; a PostgreSQL server), Toxiproxy between every client and every node (partitions, cuts and
delays), a Node process per client running the same lock code over the services' own npm clients
(ioredis, node-postgres, @azure/storage-blob; pauses are SIGSTOP/SIGCONT, crashes SIGKILL), and
the protected resource as a TCP server (or the real blob, for a variant that keeps its counter in
one). Real time runs 1:1: a 30 s scenario takes 30 s. The same checkers judge the recorded
history, and the same scenario, variant, seed and fault schedule run in simulation: both verdicts
are printed side by side, and a disagreement is reported loudly.

  --duration D    run D of real time (30s, 20000ms) instead of the scenario's duration (the
                  simulation beside it gets the same)
  --reports DIR   where the HTML and JSON reports go (default: reports/real/)
  --no-reports    write no report files
  --external T    use Redis nodes and a Toxiproxy that already run instead of starting them:
                  'compose' for the docker-compose.yml locksim ships (docker compose -f
                  node_modules/locksim/docker-compose.yml up -d; in a checkout, docker compose
                  up -d: nodes on 127.0.0.1:6381-6385, Toxiproxy API 127.0.0.1:8474, proxies on
                  21000-21099), or a topology JSON file (see README, "Real mode on your own
                  servers"). Faults on a node's process or clock (pause, crash, drift, jump,
                  skewed node clocks, replication) are refused: they need nodes locksim starts.
  --flush         with --external: empty the nodes (FLUSHALL) first; without it a node that
                  holds keys is refused
${nodeCommandsHelp(18)}
  --json          print the result as JSON (docs/json.md): run's shape (its traceHash and token
                  are the simulated twin's), plus mode, runId, simulated, agrees, faultTimings,
                  durationMs, wallMs, notes and external

Without --external it needs redis-server, toxiproxy-server (v2.12.0) and gcc (for the clock
shim); with it, only the running servers (Redis nodes only). A PostgreSQL node needs PostgreSQL
and pg; a blob node needs azurite (3.35.0) and @azure/storage-blob in your project. A replica
follows its primary through its own Toxiproxy link; a failover is REPLICAOF NO ONE with the
clients' links re-pointed. Message loss on links to Redis is not supported in real mode.
Blob nodes (Azurite under the clock shim): a pause is SIGSTOP/SIGCONT of Azurite, a crash is
what the node's blob.persistence keeps (autosave: SIGKILL, losing what LokiJS saved less than
5 s ago, the run starting on its save tick; in-memory: SIGKILL of --inMemoryPersistence;
durable: SIGTERM, on which Azurite saves everything), drift and jumps move its lease clock.
Refused on a blob node: a dropping cut or partition, or message loss, between a client and it
(Toxiproxy loses what a real network retransmits, and the SDK sets no timeout: it would wait
forever; mode: 'hold' and delays are made) and a power loss. A PostgreSQL node refuses cuts and clock faults; SQL Server
nodes have no real mode.
Without --variant every variant runs, one after another. The data folders of a real run that
was killed (kill -9: no cleanup runs) are removed by the next one (<tmp>/locksim-redis-* whose
owner, named in the folder, is dead), with a line that says so.
A real run with no evidence (a client died of an error, no client ever acquired) is INVALID.
Exit code 0 when every real verdict is the expected one, 4 when some real run was invalid,
1 otherwise, 2 bad input or a missing tool.
`;

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export async function realCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('real', args, {
    '--variant': 'string', '--seed': 'integer', '--duration': 'string', '--timeline': 'boolean', '--json': 'boolean',
    '--reports': 'string', '--no-reports': 'boolean', '--external': 'string', '--flush': 'boolean', '--node-commands': 'string', '--help': 'boolean',
  });
  if (booleanFlag(parsed, '--help')) {
    out(REAL_HELP);
    return 0;
  }
  const commands = nodeCommandsFlag('real', parsed);
  if (parsed.positional.length !== 1) throw new UsageError('real: name one scenario (locksim list shows them), e.g. locksim real gc-pause --variant redlock');
  const ref = parsed.positional[0] as string;
  const scenario = await loadScenario(ref);
  const seed = integerFlag(parsed, '--seed') ?? 1;
  const asJson = booleanFlag(parsed, '--json');
  const durationText = stringFlag(parsed, '--duration');
  const durationMs = durationText === undefined ? undefined : parseDuration('real', durationText, '--duration');
  if (durationMs !== undefined && durationMs <= 0) throw new UsageError(`real: --duration must be positive, got '${durationText}'`);
  if (durationMs !== undefined && durationMs > MAX_RUN_MS) throw new UsageError(`real: --duration ${durationText} is longer than the longest run locksim accepts (30 days; a real run lasts as long in real time)`);
  const variantName = stringFlag(parsed, '--variant');
  const variants = variantName === undefined ? scenario.variants : [findVariant(scenario, variantName)];
  const externalRef = stringFlag(parsed, '--external');
  if (booleanFlag(parsed, '--flush') && externalRef === undefined) throw new UsageError('real: --flush empties external nodes; it needs --external compose|FILE');
  let external: ExternalTopology | undefined;
  try {
    external = externalRef === undefined ? undefined : loadTopology(externalRef);
  } catch (error) {
    if (error instanceof TopologyError) throw new UsageError(`real: ${error.message}`);
    throw error;
  }
  const reportDir = booleanFlag(parsed, '--no-reports') ? null : resolve(stringFlag(parsed, '--reports') ?? 'reports/real');
  if (external === undefined) {
    // A real run killed with SIGKILL ran no cleanup: its data folders go now (only a dead owner's).
    const stale = sweepStaleRedisDirsOnce();
    if (stale.length > 0) process.stderr.write(`real: removed ${stale.length} temporary folder${stale.length === 1 ? '' : 's'} left by a killed real run (${stale.map((d) => basename(d)).join(', ')} in ${dirname(stale[0] as string)})\n`);
  }
  const results: RealRunResult[] = [];
  for (const variant of variants) {
    let result: RealRunResult;
    try {
      result = await runReal(scenario, {
        seed,
        variant: variant.name,
        scenarioRef: ref,
        durationMs,
        external,
        flush: booleanFlag(parsed, '--flush'),
        onProgress: (line) => process.stderr.write(`real: ${line}\n`),
      });
    } catch (error) {
      if (error instanceof RealModeUnsupportedError) throw new UsageError(`real: ${error.message}`);
      if (error instanceof TopologyError) {
        process.stderr.write(`locksim: real: ${error.message}\n`);
        return 2;
      }
      if (error instanceof RedisServerMissingError || error instanceof ToxiproxyMissingError || error instanceof PostgresMissingError || (error instanceof Error && /^(gcc not found|real mode with a .* node needs )/.test(error.message))) {
        process.stderr.write(`locksim: real mode needs a tool that is missing:\n${error.message}\n`);
        return 2;
      }
      throw error;
    }
    results.push(result);
    const report = reportDir === null ? null : writeRunReport(reportDir, scenario, result, runToken(result, ref), { real: true }).html;
    const twinReplay = result.simulated === null ? null : replayCommand(runToken(result.simulated, ref));
    if (!asJson) out(`${realReport(scenario, result, twinReplay, { timeline: booleanFlag(parsed, '--timeline'), commands })}${report === null ? '' : `\n  report: ${relative(process.cwd(), report)}`}\n`);
    if (result.agrees === false) process.stderr.write(`locksim: DISAGREEMENT: ${result.scenario}/${result.variant} real ${result.verdict}, simulated ${result.simulated?.verdict}\n`);
  }
  const code = exitCode(results);
  if (asJson) {
    const items = results.map((r) => realResultJson(r, runToken(r, ref)));
    process.stdout.write(`${JSON.stringify(items.length === 1 ? items[0] : resultsJson('real', items, { seed }))}\n`);
  } else if (results.length > 1) {
    const bad = results.filter((r) => r.verdict !== r.expected);
    const disagree = results.filter((r) => r.agrees === false);
    out(`${results.length - bad.length} of ${results.length} real verdicts as expected${bad.length > 0 ? `; differing: ${bad.map((r) => `${r.scenario}/${r.variant}`).join(', ')}` : ''}${disagree.length > 0 ? `; DISAGREEING WITH THE SIMULATION: ${disagree.map((r) => `${r.scenario}/${r.variant}`).join(', ')}` : ''}`);
  }
  return code;
}
