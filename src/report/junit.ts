import { runLockWord } from '../check/history.ts';
import type { RunResult } from '../scenario/run.ts';
import { esc } from './escape.ts';
import { faultLine, traceHashLine, violationSummary } from './words.ts';

/**
 * JUnit XML for CI: a `<testsuite>` per scenario, a `<testcase classname="<scenario>"
 * name="<variant>">` per run, and a `<failure>` when the observed verdict differs from the
 * expected one, with the violations (or, for a run expected to break that did not, what the
 * faults did) in words and the command that replays the run. An `invalid` run (no evidence to
 * judge on) is an `<error>`, not a failure and never a pass. A test case's `time` is the wall
 * time the command measured for the run, in seconds (CI dashboards sort and chart by it); it is
 * not part of the run, so the run's own JSON report leaves it out. The simulated duration is a
 * property of each test case.
 */
export interface JUnitOptions {
  /** The name of the `<testsuites>` element (e.g. `locksim catalog`). */
  readonly name: string;
  /** The wall time each run took, ms (its `time`; 0 when not given). */
  readonly wallMs?: (r: RunResult) => number | undefined;
  /** The command that replays a run, shown in its failure or error. */
  readonly replay?: (r: RunResult) => string | undefined;
}

/** One `<testcase>`, whatever it stands for (a run, a merged sweep). */
export interface JUnitCase {
  readonly classname: string;
  readonly name: string;
  readonly wallMs: number;
  readonly properties: ReadonlyArray<readonly [string, string]>;
  readonly failure?: { readonly message: string; readonly text: string };
  /** No verdict (an `invalid` run): an `<error>`. */
  readonly error?: { readonly message: string; readonly text: string };
  readonly systemErr?: string;
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function caseXml(c: JUnitCase): string {
  const props = c.properties.map(([k, v]) => `<property name="${esc(k)}" value="${esc(v)}"/>`).join('');
  const problem =
    c.error !== undefined
      ? `\n      <error message="${esc(c.error.message)}" type="invalid">${esc(c.error.text)}</error>`
      : c.failure !== undefined
        ? `\n      <failure message="${esc(c.failure.message)}" type="verdict">${esc(c.failure.text)}</failure>`
        : '';
  const err = c.systemErr === undefined ? '' : `\n      <system-err>${esc(c.systemErr)}</system-err>`;
  return `    <testcase classname="${esc(c.classname)}" name="${esc(c.name)}" time="${seconds(c.wallMs)}">\n      <properties>${props}</properties>${problem}${err}\n    </testcase>`;
}

/** A JUnit document: a `<testsuite>` per suite name, in the order first seen. */
export function junitDocument(name: string, suites: ReadonlyArray<{ readonly name: string; readonly cases: readonly JUnitCase[] }>): string {
  const all = suites.flatMap((s) => s.cases);
  const count = (cases: readonly JUnitCase[]) => ({
    failures: cases.filter((c) => c.error === undefined && c.failure !== undefined).length,
    errors: cases.filter((c) => c.error !== undefined).length,
    ms: cases.reduce((sum, c) => sum + c.wallMs, 0),
  });
  const total = count(all);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${esc(name)}" tests="${all.length}" failures="${total.failures}" errors="${total.errors}" time="${seconds(total.ms)}">`,
    ...suites.map((s) => {
      const n = count(s.cases);
      return `  <testsuite name="${esc(s.name)}" tests="${s.cases.length}" failures="${n.failures}" errors="${n.errors}" skipped="0" time="${seconds(n.ms)}">\n${s.cases.map(caseXml).join('\n')}\n  </testsuite>`;
    }),
    '</testsuites>',
    '',
  ].join('\n');
}

function failureText(r: RunResult, replay: string | undefined): string {
  const lines = [`${r.scenario}/${r.variant}: observed ${r.verdict}, expected ${r.expected} (seed ${r.seed})`];
  if (r.violations.length > 0) lines.push(...violationSummary(r.violations, 20, runLockWord(r.history)).map((line) => `- ${line}`));
  else lines.push('- no property broke: the faults did not produce the expected failure');
  for (const f of r.faultsFired) lines.push(faultLine(f).trim());
  lines.push(traceHashLine(r.traceHash).trim());
  if (replay !== undefined) lines.push(`replay: ${replay}`);
  return lines.join('\n');
}

function runCase(r: RunResult, options: JUnitOptions): JUnitCase {
  const replay = options.replay?.(r);
  return {
    classname: r.scenario,
    name: r.variant,
    wallMs: options.wallMs?.(r) ?? 0,
    properties: [
      ['seed', String(r.seed)],
      ['lock', r.lockName],
      ['expected', r.expected],
      ['observed', r.verdict],
      ['traceHash', r.traceHash],
      ['simulatedMs', String(r.stats.simulatedMs)],
    ],
    ...(r.verdict === 'invalid'
      ? { error: { message: `no verdict: ${r.invalid?.reason ?? 'no evidence'}`, text: `${r.scenario}/${r.variant}: invalid, expected ${r.expected} (seed ${r.seed})\n${r.invalid?.reason ?? 'no evidence'}${replay === undefined ? '' : `\nreplay: ${replay}`}` } }
      : r.verdict === r.expected
        ? {}
        : { failure: { message: `expected ${r.expected}, observed ${r.verdict}`, text: failureText(r, replay) } }),
    ...(r.processErrors.length === 0 ? {} : { systemErr: r.processErrors.map((e) => `${e.process} at ${e.at / 1000} ms: ${e.message}`).join('\n') }),
  };
}

export function renderJUnit(results: readonly RunResult[], options: JUnitOptions): string {
  const byScenario = new Map<string, JUnitCase[]>();
  for (const r of results) byScenario.set(r.scenario, [...(byScenario.get(r.scenario) ?? []), runCase(r, options)]);
  return junitDocument(options.name, [...byScenario.entries()].map(([name, cases]) => ({ name, cases })));
}
