import type { RunResult } from '../scenario/run.ts';
import { esc } from './escape.ts';
import { violationSummary } from './svg.ts';
import { faultEffectText } from '../faults/record.ts';

/**
 * JUnit XML for CI: a `<testsuite>` per scenario, a `<testcase classname="<scenario>"
 * name="<variant>">` per run, and a `<failure>` when the observed verdict differs from the
 * expected one, with the violations (or, for a run expected to break that did not, what the
 * faults did) in words. An `invalid` run (no evidence to judge on) is an `<error>`, not a
 * failure and never a pass. Times are 0: a report is a pure function of the run, and a run's real
 * duration is not part of it; the simulated duration is a property of each test case.
 */
export interface JUnitOptions {
  /** The name of the `<testsuites>` element (e.g. `locksim catalog`). */
  readonly name: string;
}

function failureText(r: RunResult): string {
  const lines = [`${r.scenario}/${r.variant}: observed ${r.verdict}, expected ${r.expected} (seed ${r.seed})`];
  if (r.violations.length > 0) {
    for (const v of r.violations.slice(0, 20)) lines.push(`- ${violationSummary(v)}`);
    if (r.violations.length > 20) lines.push(`- … ${r.violations.length - 20} more`);
  } else {
    lines.push('- no property broke: the faults did not produce the expected failure');
  }
  for (const f of r.faultsFired) lines.push(`fault ${f.description}: ${faultEffectText(f)}`);
  lines.push(`trace hash ${r.traceHash}`);
  return lines.join('\n');
}

function testCase(r: RunResult): string {
  const props = [
    ['seed', String(r.seed)],
    ['lock', r.lockName],
    ['expected', r.expected],
    ['observed', r.verdict],
    ['traceHash', r.traceHash],
    ['simulatedMs', String(r.stats.simulatedMs)],
  ]
    .map(([k, v]) => `<property name="${esc(k as string)}" value="${esc(v as string)}"/>`)
    .join('');
  const failure =
    r.verdict === 'invalid'
      ? `\n      <error message="${esc(`no verdict: ${r.invalid?.reason ?? 'no evidence'}`)}" type="invalid">${esc(`${r.scenario}/${r.variant}: invalid, expected ${r.expected} (seed ${r.seed})\n${r.invalid?.reason ?? 'no evidence'}`)}</error>`
      : r.verdict === r.expected
      ? ''
      : `\n      <failure message="${esc(`expected ${r.expected}, observed ${r.verdict}`)}" type="verdict">${esc(failureText(r))}</failure>`;
  const err = r.processErrors.length === 0 ? '' : `\n      <system-err>${esc(r.processErrors.map((e) => `${e.process} at ${e.at / 1000} ms: ${e.message}`).join('\n'))}</system-err>`;
  return `    <testcase classname="${esc(r.scenario)}" name="${esc(r.variant)}" time="0">\n      <properties>${props}</properties>${failure}${err}\n    </testcase>`;
}

export function renderJUnit(results: readonly RunResult[], options: JUnitOptions): string {
  const byScenario = new Map<string, RunResult[]>();
  for (const r of results) byScenario.set(r.scenario, [...(byScenario.get(r.scenario) ?? []), r]);
  const failed = (r: RunResult): boolean => r.verdict !== r.expected && r.verdict !== 'invalid';
  const failures = results.filter(failed).length;
  const errors = results.filter((r) => r.verdict === 'invalid').length;
  const suites = [...byScenario.entries()].map(([scenario, runs]) => {
    const f = runs.filter(failed).length;
    const e = runs.filter((r) => r.verdict === 'invalid').length;
    return `  <testsuite name="${esc(scenario)}" tests="${runs.length}" failures="${f}" errors="${e}" skipped="0" time="0">\n${runs.map(testCase).join('\n')}\n  </testsuite>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${esc(options.name)}" tests="${results.length}" failures="${failures}" errors="${errors}" time="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
