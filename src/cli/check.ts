/**
 * `locksim check <history.json>`: judges a stored history with the checkers a run uses, as
 * Jepsen's `analyze` does: one written by `locksim run --history`, a run's JSON report, or one a
 * user wrote from their own system's log (docs/history-format.md).
 */
import { readFileSync } from 'node:fs';
import { booleanFlag, nodeCommandsHelp, nodeCommandsFlag, parseArgs, parseDuration, stringFlag, UsageError } from './args.ts';
import { EXIT_INVALID } from './present.ts';
import { EvidenceTally, verdictWithEvidence } from '../check/evidence.ts';
import { historyNodes, HistoryFormatError, judgeHistory, parseHistoryDocument, type HistoryDocument } from '../check/history-file.ts';
import type { Property } from '../check/judge.ts';
import { toJsonValue } from '../report/json.ts';
import { historyCheckReport } from '../report/text.ts';
import { LOCKSIM_VERSION } from '../version.ts';

export const CHECK_HELP = `usage: locksim check <history.json> [--properties P,P] [--liveness-bound D] [--timeline] [--node-commands W] [--json]

Judges a stored history with the same checkers a run uses (mutual exclusion in true time, lost
updates, fencing-token order, liveness once faults heal), as Jepsen's analyze does. It reads:
  - a history written by locksim run --history FILE (format "locksim-history/1"): judged as the
    run judged it;
  - a run's JSON report (reports/<scenario>/<variant>.json, schema "locksim-result/1", or an
    older report's format "locksim-run/1"): judged without liveness (the report does not keep
    how each client stood at the end);
  - a history written by hand from your own system's log: the format, with an example, is in
    docs/history-format.md. Only "events" is required (acquire/release/read/write operations
    with their true times in microseconds).
  --properties P,P      check only these (mutex, lost-updates, fencing, liveness)
  --liveness-bound D    liveness bound (e.g. 30s) instead of the file's
  --timeline            print the timeline even when nothing broke
${nodeCommandsHelp(24)}
The timeline has a column per client and, when the history has commands on the lock key or key
lifetimes (run --history writes both), a column per node with what each command did.
Prints the verdict, every violation explained, and what it was judged on.
Exit code 0 when SAFE, 1 when UNSAFE or STUCK, 4 when INVALID (no client ever acquired: a
verdict needs evidence), 2 when the file is not a history (the message names the field).
`;

const PROPERTY_NAMES: readonly Property[] = ['mutex', 'lost-updates', 'fencing', 'liveness'];

export async function checkCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('check', args, { '--properties': 'string', '--liveness-bound': 'string', '--timeline': 'boolean', '--node-commands': 'string', '--json': 'boolean', '--help': 'boolean' });
  if (booleanFlag(parsed, '--help')) {
    process.stdout.write(CHECK_HELP);
    return 0;
  }
  const commands = nodeCommandsFlag('check', parsed);
  if (parsed.positional.length !== 1) throw new UsageError('check: name one history file (locksim run <scenario> --variant V --history run.json writes one)');
  const file = parsed.positional[0] as string;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`check: cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let doc: HistoryDocument;
  try {
    doc = parseHistoryDocument(text, file);
  } catch (error) {
    if (error instanceof HistoryFormatError) throw new UsageError(`check: ${error.message}`);
    throw error;
  }
  doc = withOverrides(doc, stringFlag(parsed, '--properties'), stringFlag(parsed, '--liveness-bound'));

  const judgement = judgeHistory(doc);
  const clients = [...new Set(doc.history.events.map((e) => e.process))];
  const tally = EvidenceTally.of(doc.history, clients);
  // A stored history does not count the service's commands: unknown (NaN, null in JSON), not 0.
  const evidence = tally.evidence(Number.NaN);
  const invalid = tally.invalidity(evidence, [], () => true);
  const verdict = verdictWithEvidence(judgement.verdict, invalid);
  const exit = verdict === 'safe' ? 0 : verdict === 'invalid' ? EXIT_INVALID : 1;

  if (booleanFlag(parsed, '--json')) {
    process.stdout.write(`${JSON.stringify(toJsonValue({
      format: 'locksim-check/1', version: LOCKSIM_VERSION, file, verdict, properties: doc.properties, livenessBoundMs: doc.livenessBoundMs, run: doc.run,
      invalid: verdict === 'invalid' ? invalid : null, evidence, violations: judgement.violations,
    }))}\n`);
    return exit;
  }
  const report = historyCheckReport(
    { file, run: doc.run, properties: doc.properties, livenessBoundMs: doc.livenessBoundMs, history: doc.history, clients, nodes: historyNodes(doc.history), verdict, invalid: verdict === 'invalid' ? invalid : null, evidence, violations: judgement.violations },
    { timeline: booleanFlag(parsed, '--timeline'), commands },
  );
  process.stdout.write(`${report}\n`);
  return exit;
}

function withOverrides(doc: HistoryDocument, properties: string | undefined, bound: string | undefined): HistoryDocument {
  let next = doc;
  if (properties !== undefined) {
    const list = properties.split(',').map((p) => p.trim()).filter((p) => p !== '');
    const unknown = list.filter((p) => !(PROPERTY_NAMES as readonly string[]).includes(p));
    if (list.length === 0 || unknown.length > 0) throw new UsageError(`check: --properties takes a comma-separated list of ${PROPERTY_NAMES.join(', ')}; got '${properties}'`);
    next = { ...next, properties: list as Property[] };
  }
  if (bound !== undefined) {
    const ms = parseDuration('check', bound, '--liveness-bound');
    if (ms <= 0) throw new UsageError(`check: --liveness-bound must be positive, got '${bound}'`);
    next = { ...next, livenessBoundMs: ms };
  }
  return next;
}
