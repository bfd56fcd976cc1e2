/**
 * The text reports, composed from the sentences of words.ts and the text timeline: one run
 * (`run`, `replay`, and `real` with its real-mode lines), a shrunk failure (`explore`, and
 * checkLock's error message), and a stored history judged again (`check`). The command line and
 * checkLock print these and write no words of their own.
 */
import { droppedText, runLockWord } from '../check/history.ts';
import type { Property } from '../check/judge.ts';
import { describeFault } from '../faults/fault.ts';
import { modelLines } from '../faults/model.ts';
import type { RealRunResult } from '../real/runner.ts';
import type { RunResult } from '../scenario/run.ts';
import type { Scenario } from '../scenario/types.ts';
import { renderTimeline, type TimelineOptions } from './timeline.ts';
import { worldBlock, worldConditions } from './world.ts';
import { countsLine, evidenceLine, faultLine, processErrorLine, traceHashLine, verdictLine, violationSummary, worldConditionsLine } from './words.ts';

/** How a text report draws its timeline. */
export interface TextOptions {
  /** Draw the timeline even when no property broke. */
  readonly timeline: boolean;
  /** Which commands on the lock key the node columns show (see {@link TimelineOptions.commands}). */
  readonly commands?: TimelineOptions['commands'];
}

/** The full text report of one simulated run: the world, the timeline (when something broke, or asked), the verdict and why, and how to replay it. */
export function runReport(scenario: Scenario, result: RunResult, replay: string, options: TextOptions): string {
  const parts = [worldBlock(scenario, result), ''];
  if (options.timeline || result.violations.length > 0) parts.push(renderTimeline(result, { commands: options.commands }), '');
  parts.push(verdictLine(result), evidenceLine(result.evidence));
  parts.push(...violationSummary(result.violations, 5, runLockWord(result.history)).map((line) => `  - ${line}`));
  parts.push(...modelLines(result));
  parts.push(...result.faultsFired.map((f) => faultLine(f)));
  const world = worldConditionsLine(worldConditions(scenario, result), result.faultsFired.length > 0);
  if (world !== null) parts.push(world);
  parts.push(...result.processErrors.map(processErrorLine));
  parts.push(countsLine(result.stats, result.events, 'kernel events', result.evidence.requestsAre));
  if (result.history.dropped !== undefined) parts.push(`  ${droppedText(result.history.dropped)}`);
  parts.push(traceHashLine(result.traceHash), `  replay: ${replay}`);
  return parts.join('\n');
}

/**
 * The text report of one real run: the same world, timeline, verdict and sentences as a
 * simulated run's, with when each fault took effect, the real run's own id, and its verdict
 * beside its simulated twin's (`twinReplay` replays the twin).
 */
export function realReport(scenario: Scenario, result: RealRunResult, twinReplay: string | null, options: TextOptions): string {
  const world = worldBlock(scenario, result).replace(/network delay .*, run \d+ ms$/m, `network: loopback through Toxiproxy, run ${result.durationMs} ms`);
  const mode = result.external === null ? `mode      real: ${result.servers}, Toxiproxy, one process per client` : `mode      real, on running servers from ${result.external}: one process per client`;
  const parts = [world, mode, ''];
  if (options.timeline || result.violations.length > 0) parts.push(renderTimeline(result, { commands: options.commands }), '');
  parts.push(`${verdictLine(result)}  [real]`, evidenceLine(result.evidence));
  parts.push(...violationSummary(result.violations, 5, runLockWord(result.history)).map((line) => `  - ${line}`));
  result.faultsFired.forEach((f, i) => {
    const t = result.faultTimings[i];
    parts.push(faultLine(f, t === undefined ? '' : t.beforeStart ? ' [in place before the clients started]' : ` [took effect at ${t.appliedMs.toFixed(1)} ms, ${lagText(t.lagMs)} late]`));
  });
  parts.push(...result.processErrors.map(processErrorLine));
  parts.push(...result.notes.map((n) => `  note: ${n}`));
  parts.push(countsLine(result.stats, result.events, 'history events', result.evidence.requestsAre));
  parts.push(`  real run ${result.runId} (not bit-exact: its verdict must agree with its simulated twin's)`);
  parts.push(`  ${(result.durationMs / 1000).toFixed(1)} s of real time, ${(result.wallMs / 1000).toFixed(1)} s in all`);
  if (result.simulated !== null) parts.push(`  the simulated twin: trace hash ${result.simulated.traceHash}${twinReplay === null ? '' : `; ${twinReplay}`}`);
  parts.push(comparisonLine(result));
  return parts.join('\n');
}

function lagText(lagMs: number): string {
  const lag = Math.abs(lagMs) < 0.05 ? 0 : lagMs;
  return `${lag >= 0 ? '+' : ''}${lag.toFixed(1)} ms`;
}

/** The side-by-side line: `real: UNSAFE, simulated: UNSAFE — agree`, or a loud disagreement. */
export function comparisonLine(result: Pick<RealRunResult, 'verdict' | 'simulated' | 'agrees' | 'scenario' | 'variant' | 'seed'>): string {
  const real = result.verdict.toUpperCase();
  if (result.simulated === null) return `real: ${real} (not simulated)`;
  const simulated = result.simulated.verdict.toUpperCase();
  if (result.agrees === true) return `real: ${real}, simulated: ${simulated} — agree`;
  return [
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    `!! DISAGREEMENT: real: ${real}, simulated: ${simulated} (${result.scenario}/${result.variant}, seed ${result.seed})`,
    '!! The real run and the simulation of the same scenario reached different verdicts.',
    '!! Look at the fault lags and process errors above, and at the timeline (--timeline).',
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  ].join('\n');
}

/** What a failure report says above and below the run: its first line, and the one way to replay it. */
export interface FailureFraming {
  /** The first line: what failed and how it was found. */
  readonly head: string;
  /** The world block to print (the command line's `explore`), or none (checkLock: the world is the test's own). */
  readonly scenario?: Scenario;
  /** What replays it: a `npx locksim replay …` command, or checkLock's `checkLock({ ...sameOptions, replay: '…' })`. */
  readonly replay: string;
  /** At most this many timeline lines (default 200). */
  readonly maxTimelineLines?: number;
  /** Which lock-key commands the timeline shows (default all; see TimelineOptions.commands). */
  readonly nodeCommands?: 'all' | 'changes' | 'none';
}

/**
 * A failure found by exploration and shrunk (`locksim explore`, checkLock): the head, the
 * smallest fault schedule, the timeline, the verdict and each incident, whether its faults were
 * inside the lock's model, the trace hash and the replay. A run with no verdict (`invalid`) says
 * why, what it was judged on and the first errors instead.
 */
export function failureReport(result: RunResult, framing: FailureFraming): string {
  if (result.verdict === 'invalid') {
    return [
      framing.head,
      evidenceLine(result.evidence),
      ...result.processErrors.slice(0, 3).map(processErrorLine),
      traceHashLine(result.traceHash),
      `  replay: ${framing.replay}`,
    ].join('\n');
  }
  return [
    framing.head,
    ...result.faults.map((f) => `  ${describeFault(f)}`),
    '',
    ...(framing.scenario === undefined ? [] : [worldBlock(framing.scenario, result), '']),
    renderTimeline(result, { maxLines: framing.maxTimelineLines, commands: framing.nodeCommands }),
    '',
    verdictLine(result),
    evidenceLine(result.evidence),
    ...violationSummary(result.violations, 3, runLockWord(result.history)).map((line) => `  - ${line}`),
    ...modelLines(result),
    traceHashLine(result.traceHash),
    `  replay: ${framing.replay}`,
  ].join('\n');
}

/**
 * The head of an exploration's failure: `violation found after 44 runs; shrunk 56 times to 2
 * faults:` (the final heal not counted), `violation found after 3 runs, by a single fault at one
 * of the lock's turns:`, or why a run had no verdict.
 */
export function exploreHead(result: RunResult, runs: number, shrinks: number, bySingleFault = false): string {
  if (result.verdict === 'invalid') return `run ${runs} had no verdict (INVALID): ${result.invalid?.reason ?? 'no evidence'}`;
  const faults = result.faults.filter((f) => f.kind !== 'heal').length;
  if (bySingleFault && faults > 0) return `violation found after ${runs} runs, by a single fault at one of the lock's turns:`;
  return `violation found after ${runs} runs; shrunk ${shrinks} times to ${faults} ${faults === 1 ? 'fault' : 'faults'}:`;
}

/**
 * The head of checkLock's error: `locksim: my-lock is unsafe (found after 12 runs); the smallest
 * failing schedule:`, or `(found after 3 runs, by a single fault at one of the lock's turns)`.
 */
export function lockCheckHead(result: RunResult, runs: number | null, bySingleFault = false): string {
  const name = result.lockName || result.variant;
  if (result.verdict === 'invalid') return `locksim: ${name} has no verdict (invalid)${runs === null ? '' : ` in run ${runs}`}: ${result.invalid?.reason ?? 'no evidence'}`;
  const single = bySingleFault && result.faults.some((f) => f.kind !== 'heal') ? ", by a single fault at one of the lock's turns" : '';
  return `locksim: ${name} is ${result.verdict}${runs === null ? '' : ` (found after ${runs} runs${single})`}; the smallest failing schedule:`;
}

/**
 * checkLock's error message: its failure report, replayed by passing the token back to checkLock.
 * `runs` is how many runs found it (null for a replay).
 */
export function lockCheckReport(result: RunResult, token: string, runs: number | null, bySingleFault = false): string {
  return failureReport(result, { head: lockCheckHead(result, runs, bySingleFault), replay: `checkLock({ ...sameOptions, replay: '${token}' })`, maxTimelineLines: 40, nodeCommands: 'changes' });
}

/** A stored history judged again (`locksim check`): where it came from, what it holds, the timeline, the verdict. */
export interface HistoryCheck extends Pick<RunResult, 'history' | 'verdict' | 'invalid' | 'evidence' | 'violations'> {
  readonly file: string;
  /** The run that wrote the history, if one did. */
  readonly run?: { readonly scenario: string; readonly variant: string; readonly seed: number; readonly verdict: string };
  readonly properties: readonly Property[];
  readonly livenessBoundMs: number;
  readonly clients: readonly string[];
  readonly nodes: readonly string[];
}

export function historyCheckReport(check: HistoryCheck, options: TextOptions): string {
  const h = check.history;
  const from = check.run === undefined ? '' : ` (written by ${check.run.scenario}/${check.run.variant}, seed ${check.run.seed}: the run said ${check.run.verdict.toUpperCase()})`;
  const lines = [
    `history   ${check.file}${from}`,
    `judged    ${check.properties.join(', ')}${check.properties.includes('liveness') ? ` (liveness bound ${check.livenessBoundMs} ms)` : ''}`,
    `holds     ${h.events.length} events, ${h.writes.length} resource writes, ${h.keys.length} key lifetimes, ${(h.commands ?? []).length} commands on the lock key, ${h.faults.length} faults; clients ${check.clients.join(', ') || 'none'}${check.nodes.length === 0 ? '' : `; nodes ${check.nodes.join(', ')}`}`,
  ];
  if (check.violations.length > 0 || options.timeline) {
    const timeline = renderTimeline(
      { processes: { clients: check.clients, nodes: check.nodes }, history: h, faultsFired: h.faults, violations: check.violations, processErrors: [], verdict: check.verdict, invalid: check.invalid },
      { commands: options.commands },
    );
    lines.push('', timeline, '');
  }
  lines.push(check.verdict.toUpperCase());
  lines.push(evidenceLine(check.evidence, { redisCommands: false }));
  if (check.verdict === 'invalid' && check.invalid !== null) lines.push(`  no verdict: ${check.invalid.reason}`);
  lines.push(...violationSummary(check.violations, 20, runLockWord(h)).map((line) => `  - ${line}`));
  return lines.join('\n');
}
