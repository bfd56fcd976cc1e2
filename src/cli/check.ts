/**
 * `locksim check <history.json>`: judges a stored history with the checkers a run uses, as
 * Jepsen's `analyze` does: one written by `locksim run --history`, a run's JSON report, or one a
 * user wrote from their own system's log (docs/history-format.md).
 */
import { readFileSync } from 'node:fs';
import { booleanFlag, parseArgs, parseDuration, stringFlag, UsageError } from './args.ts';
import { EXIT_INVALID } from './present.ts';
import { EvidenceTally, evidenceText, verdictWithEvidence } from '../check/evidence.ts';
import { HistoryFormatError, judgeHistory, parseHistoryDocument, type HistoryDocument } from '../check/history-file.ts';
import type { Property } from '../check/judge.ts';
import { toJsonValue } from '../report/json.ts';
import { renderTimeline, violationSummary } from '../report/timeline.ts';

export const CHECK_HELP = `usage: locksim check <history.json> [--properties P,P] [--liveness-bound D] [--timeline] [--json]

Judges a stored history with the same checkers a run uses (mutual exclusion in true time, lost
updates, fencing-token order, liveness once faults heal), as Jepsen's analyze does. It reads:
  - a history written by locksim run --history FILE (format "locksim-history/1"): judged as the
    run judged it;
  - a run's JSON report (reports/<scenario>/<variant>.json, format "locksim-run/1"): judged
    without liveness (the report does not keep how each client stood at the end);
  - a history written by hand from your own system's log: the format, with an example, is in
    docs/history-format.md. Only "events" is required (acquire/release/read/write operations
    with their true times in microseconds).
  --properties P,P      check only these (mutex, lost-updates, fencing, liveness)
  --liveness-bound D    liveness bound (e.g. 30s) instead of the file's
  --timeline            print the timeline even when nothing broke
Prints the verdict, every violation explained, and what it was judged on.
Exit code 0 when SAFE, 1 when UNSAFE or STUCK, 4 when INVALID (no client ever acquired: a
verdict needs evidence), 2 when the file is not a history (the message names the field).
`;

const PROPERTY_NAMES: readonly Property[] = ['mutex', 'lost-updates', 'fencing', 'liveness'];

export async function checkCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('check', args, { '--properties': 'string', '--liveness-bound': 'string', '--timeline': 'boolean', '--json': 'boolean', '--help': 'boolean' });
  if (booleanFlag(parsed, '--help')) {
    process.stdout.write(CHECK_HELP);
    return 0;
  }
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
      format: 'locksim-check/1', file, verdict, properties: doc.properties, livenessBoundMs: doc.livenessBoundMs, run: doc.run,
      invalid: verdict === 'invalid' ? invalid : null, evidence, violations: judgement.violations,
    }))}\n`);
    return exit;
  }
  const lines: string[] = [];
  const from = doc.run === undefined ? '' : ` (written by ${doc.run.scenario}/${doc.run.variant}, seed ${doc.run.seed}: the run said ${doc.run.verdict.toUpperCase()})`;
  lines.push(`history   ${file}${from}`);
  lines.push(`judged    ${doc.properties.join(', ')}${doc.properties.includes('liveness') ? ` (liveness bound ${doc.livenessBoundMs} ms)` : ''}`);
  const h = doc.history;
  lines.push(`holds     ${h.events.length} events, ${h.writes.length} resource writes, ${h.keys.length} key lifetimes, ${h.faults.length} faults; clients ${clients.join(', ') || 'none'}`);
  if (judgement.violations.length > 0 || booleanFlag(parsed, '--timeline')) {
    const timeline = renderTimeline({
      processes: { clients, nodes: [] },
      history: h,
      faultsFired: h.faults,
      violations: judgement.violations,
      processErrors: [],
      verdict,
      invalid: verdict === 'invalid' ? invalid : null,
    });
    lines.push('', timeline, '');
  }
  lines.push(verdict.toUpperCase());
  lines.push(`  evidence: ${evidenceText(evidence, { redisCommands: false })}`);
  if (verdict === 'invalid' && invalid !== null) lines.push(`  no verdict: ${invalid.reason}`);
  for (const line of violationSummary(judgement.violations, 20)) lines.push(`  - ${line}`);
  process.stdout.write(`${lines.join('\n')}\n`);
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
