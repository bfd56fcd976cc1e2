/** How runs and explorations are shown on a terminal and as JSON. */
import { evidenceText } from '../check/evidence.ts';
import { droppedText } from '../check/history.ts';
import { modelLines } from '../faults/model.ts';
import { encodeToken, replayCommand } from '../explore/token.ts';
import { renderTimeline, violationSummary } from '../report/timeline.ts';
import type { RunResult, Violation } from '../scenario/run.ts';
import type { Scenario } from '../scenario/types.ts';
import { faultEffectText } from '../faults/record.ts';
import { worldBlock, worldConditions } from '../report/world.ts';
import { incidentsJson } from '../report/json.ts';

export function tokenOf(result: RunResult, scenarioRef: string): string {
  return encodeToken({
    scenario: scenarioRef,
    variant: result.variant,
    seed: result.seed,
    faults: result.faults,
    ...(result.durationOverrideMs === undefined ? {} : { durationMs: result.durationOverrideMs }),
  });
}

/**
 * Exit code of a command whose runs had no verdict (`invalid`: a client died of an error, or no
 * client ever acquired); it takes precedence over 1 (a verdict other than expected).
 */
export const EXIT_INVALID = 4;

/** 0 every verdict as expected, {@link EXIT_INVALID} some run invalid, 1 some verdict not as expected. */
export function exitCode(results: ReadonlyArray<Pick<RunResult, 'verdict' | 'expected'>>): number {
  if (results.some((r) => r.verdict === 'invalid')) return EXIT_INVALID;
  return results.every((r) => r.verdict === r.expected) ? 0 : 1;
}

export function verdictLine(result: RunResult): string {
  const ok = result.verdict === result.expected;
  const why = result.verdict === 'invalid' && result.invalid !== null ? `: no verdict, ${result.invalid.reason}` : '';
  return `${ok ? 'ok  ' : 'FAIL'} ${result.scenario}/${result.variant}: ${result.verdict.toUpperCase()} (expected ${result.expected})${why}`;
}

/**
 * One run of `run --seeds`, on one line: `ok   scenario/variant seed 3: UNSAFE (expected unsafe)`
 * and what it was judged on; a run not as expected also gets the command that reruns it alone.
 */
export function seedRunLine(result: RunResult, scenarioRef: string): string {
  const ok = result.verdict === result.expected;
  const why = result.verdict === 'invalid' && result.invalid !== null ? `: no verdict, ${result.invalid.reason}` : '';
  const e = result.evidence;
  const line = `${ok ? 'ok  ' : 'FAIL'} ${result.scenario}/${result.variant} seed ${result.seed}: ${result.verdict.toUpperCase()} (expected ${result.expected})${why}; ${e.acquisitions} acquisitions, ${e.redisCommands} Redis commands`;
  const duration = result.durationOverrideMs === undefined ? '' : ` --duration ${result.durationOverrideMs}ms`;
  return ok ? line : `${line}\n     rerun: locksim run ${scenarioRef} --variant ${result.variant} --seed ${result.seed}${duration} --timeline`;
}

/** The line under a verdict: what it was judged on. */
export function evidenceLine(result: RunResult): string {
  return `  evidence: ${evidenceText(result.evidence)}`;
}

/** The full text report of one run. */
export function runReport(scenario: Scenario, result: RunResult, scenarioRef: string, options: { timeline: boolean }): string {
  const parts = [worldBlock(scenario, result), ''];
  if (options.timeline || result.violations.length > 0) parts.push(renderTimeline(result), '');
  parts.push(verdictLine(result));
  parts.push(evidenceLine(result));
  for (const line of violationSummary(result.violations)) parts.push(`  - ${line}`);
  parts.push(...modelLines(result));
  for (const f of result.faultsFired) parts.push(`  fault ${f.description}: ${faultEffectText(f)}`);
  const world = worldConditions(scenario, result);
  if (world.length > 0) parts.push(`  ${result.faultsFired.length === 0 ? 'no faults, but not a control run: ' : ''}the world itself (no heal undoes it): ${world.join('; ')}`);
  for (const e of result.processErrors) parts.push(`  error in ${e.process} at ${(e.at / 1000).toFixed(3)} ms: ${e.message}`);
  const s = result.stats;
  parts.push(`  ${s.acquired} acquisitions, ${s.acquireFailures} failed attempts, ${s.writesAccepted} writes accepted, ${s.writesRefused} refused, ${s.redisCommands} Redis commands, ${result.events} kernel events`);
  if (result.history.dropped !== undefined) parts.push(`  ${droppedText(result.history.dropped)}`);
  parts.push(`  trace hash ${result.traceHash}`);
  parts.push(`  replay: ${replayCommand(tokenOf(result, scenarioRef))}`);
  return parts.join('\n');
}


/** The JSON of one run (plain data; the history is included for `locksim check`). */
export function runJson(result: RunResult, scenarioRef: string, withHistory: boolean): Record<string, unknown> {
  return {
    scenario: result.scenario,
    variant: result.variant,
    seed: result.seed,
    verdict: result.verdict,
    expected: result.expected,
    matches: result.verdict === result.expected,
    invalid: result.invalid,
    evidence: result.evidence,
    violations: result.violations,
    incidents: incidentsJson(result.violations),
    traceHash: result.traceHash,
    faultsFired: result.faultsFired,
    faults: result.faults,
    stats: result.stats,
    events: result.events,
    processErrors: result.processErrors,
    token: tokenOf(result, scenarioRef),
    ...(withHistory ? { history: result.history } : {}),
  };
}
