import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { oneLineSummary, renderCatalogIndex } from '../../src/report/index-page.ts';
import { runResultJson, toJsonValue } from '../../src/report/json.ts';
import { renderJUnit } from '../../src/report/junit.ts';
import { runReportPath, safeName, writeCatalogReports, writeFileAtomic, writeRunReport } from '../../src/report/write.ts';
import type { RunResult } from '../../src/scenario/run.ts';
import { fixtureRun, SCENARIO } from './fixtures.ts';
import { parseXml } from './xml.ts';

const unsafe = fixtureRun({ fenced: false });
const fenced = fixtureRun({ fenced: true });
/** A run that did not conclude as expected, with names that need escaping. */
const wrong: RunResult = { ...fenced, variant: 'redlock(checkValidity=false),x', expected: 'safe', verdict: 'unsafe', violations: unsafe.violations };
const tricky: RunResult = { ...wrong, scenario: 'a<b & "c"', variant: "it's <here>" };

describe('JUnit XML', () => {
  const xml = renderJUnit([unsafe, fenced, wrong], { name: 'locksim catalog' });
  const els = parseXml(xml);

  it('has a test case per scenario × variant and a failure where the verdict differs', () => {
    const root = els[0]!;
    expect(root.name).toBe('testsuites');
    expect(root.attributes).toMatchObject({ name: 'locksim catalog', tests: '3', failures: '1' });
    const cases = els.filter((e) => e.name === 'testcase');
    expect(cases.map((c) => [c.attributes.classname, c.attributes.name])).toEqual([
      ['fixture-pause', 'redlock'],
      ['fixture-pause', 'redlock+fencing'],
      ['fixture-pause', 'redlock(checkValidity=false),x'],
    ]);
    const failures = els.filter((e) => e.name === 'failure');
    expect(failures).toHaveLength(1);
    expect(els[failures[0]!.parent]?.attributes.name).toBe('redlock(checkValidity=false),x');
    expect(failures[0]!.attributes.message).toBe('expected safe, observed unsafe');
    // The words of the text report: one line per incident, its first pair in it.
    expect(failures[0]!.text).toContain('- mutual exclusion broken: one incident of 13 overlapping pairs');
    expect(failures[0]!.text).toContain('the first pair: client-1 and client-2 both in their critical sections');
    expect(els.filter((e) => e.name === 'testsuite').map((s) => s.attributes.failures)).toEqual(['1']);
  });

  it('times are each run\'s wall time in seconds (summed per suite), and a failure carries its replay command', () => {
    const wall = new Map<RunResult, number>([[unsafe, 1234.5], [fenced, 20], [wrong, 3000]]);
    const timed = parseXml(renderJUnit([unsafe, fenced, wrong], { name: 'x', wallMs: (r) => wall.get(r), replay: (r) => `npx locksim replay TOKEN-${r.variant}` }));
    expect(timed.filter((e) => e.name === 'testcase').map((c) => c.attributes.time)).toEqual(['1.234', '0.020', '3.000']);
    expect(timed.filter((e) => e.name === 'testsuite').map((c) => c.attributes.time)).toEqual(['4.255']);
    expect(timed[0]!.attributes.time).toBe('4.255');
    expect(timed.find((e) => e.name === 'failure')!.text).toMatch(/\nreplay: npx locksim replay TOKEN-redlock\(checkValidity=false\),x$/);
    expect(els.filter((e) => e.name === 'testcase').map((c) => c.attributes.time)).toEqual(['0.000', '0.000', '0.000']);
  });

  it('escapes <, & and " in names and text', () => {
    const x = renderJUnit([tricky], { name: 'a "quoted" & <angled> name' });
    expect(x).toContain('classname="a&lt;b &amp; &quot;c&quot;"');
    expect(x).toContain('name="it&#39;s &lt;here&gt;"');
    const parsed = parseXml(x);
    expect(parsed[0]!.attributes.name).toBe('a "quoted" & <angled> name');
    expect(parsed.find((e) => e.name === 'testcase')!.attributes.classname).toBe('a<b & "c"');
  });

  it('an expected failure that did not happen says so', () => {
    const quiet: RunResult = { ...unsafe, verdict: 'safe', violations: [] };
    const failure = parseXml(renderJUnit([quiet], { name: 'x' })).find((e) => e.name === 'failure')!;
    expect(failure.text).toContain('the faults did not produce the expected failure');
    expect(failure.text).toContain('pause client-1 for 15000ms: 1 timer firing or message');
  });
});

describe('JSON', () => {
  it('is plain data: round-trips through JSON unchanged, finite numbers only', () => {
    const json = runResultJson(unsafe, { command: 'run', token: null, history: true });
    const text = JSON.stringify(json);
    expect(JSON.parse(text)).toEqual(json);
    expect(text).not.toMatch(/NaN|Infinity/);
    expect(json).toMatchObject({ schema: 'locksim-result/1', command: 'run', scenario: 'fixture-pause', variant: 'redlock', verdict: 'unsafe', expected: 'unsafe', matches: true, traceHash: unsafe.traceHash });
    expect((json.history?.events as unknown[]).length).toBe(unsafe.history.events.length);
    expect(json.violations.length).toBe(unsafe.violations.length);
    expect(json.traceEntries).toBe(unsafe.trace?.length);
  });

  it('turns NaN and Infinity into null, drops undefined, and refuses cycles', () => {
    expect(toJsonValue({ a: Number.NaN, b: Number.NEGATIVE_INFINITY, c: undefined, d: [1, undefined] })).toEqual({ a: null, b: null, d: [1, null] });
    const shared = { x: 1 };
    expect(toJsonValue({ p: shared, q: shared })).toEqual({ p: { x: 1 }, q: { x: 1 } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJsonValue(cyclic)).toThrow(/circular reference at \$\.self/);
  });
});

describe('the catalog index', () => {
  const href = (r: RunResult): string => runReportPath(r);
  const html = renderCatalogIndex([{ scenario: SCENARIO, results: [unsafe, fenced, wrong], reportHref: href }]);

  it('is a matrix: a row per scenario, a cell per variant, green when as expected and red when not', () => {
    expect(html.match(/<tr data-scenario=/g)).toHaveLength(1);
    expect(html.match(/class="cell agree"/g)).toHaveLength(2);
    expect(html.match(/class="cell disagree"/g)).toHaveLength(1);
    expect(html).toContain(`href="${runReportPath(unsafe)}"`);
    expect(html).toContain('href="fixture-pause/redlock_fencing-');
    expect(html).toContain(SCENARIO.title);
    expect(html).toContain(oneLineSummary(SCENARIO));
    expect(html).toContain('3 runs: <strong>2</strong> concluded as expected, <strong class="bad">1 did not</strong>');
  });

  it('marks variants that were not run and escapes names', () => {
    const partial = renderCatalogIndex([{ scenario: SCENARIO, results: [unsafe], reportHref: href }]);
    expect(partial.match(/class="cell not-run"/g)).toHaveLength(2);
    const odd = renderCatalogIndex([{ scenario: { ...SCENARIO, title: 'A <b> & "c"' }, results: [], reportHref: href }]);
    expect(odd).toContain('A &lt;b&gt; &amp; &quot;c&quot;');
  });

  it('summarises a scenario in one sentence', () => {
    expect(oneLineSummary(SCENARIO)).toBe('client-1 acquires the lock and is frozen for 15 s.');
    expect(oneLineSummary({ ...SCENARIO, explanation: 'x'.repeat(400) }).length).toBeLessThanOrEqual(160);
  });
});

describe('writing reports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'locksim-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names files safely and never maps two names to one file', () => {
    expect(safeName('redlock')).toBe('redlock');
    expect(safeName('gc-pause')).toBe('gc-pause');
    const names = ['redlock+fencing', 'redlock(fencing)', 'redlock=fencing', 'redlock,fencing', 'redlock fencing', 'redlock_fencing', '../etc', '.', '..', '', 'a/b'];
    const safe = names.map(safeName);
    expect(new Set(safe).size).toBe(names.length);
    for (const s of safe) expect(s).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    expect(safeName('redlock(checkValidity=false)')).toMatch(/^redlock_checkValidity_false-[0-9a-f]{8}$/);
  });

  it('writes <scenario>/<variant>.html and .json, and the index and junit.xml', () => {
    const a = writeRunReport(dir, SCENARIO, unsafe, 'A');
    const b = writeRunReport(dir, SCENARIO, wrong, 'B', { indexHref: '../index.html' });
    expect(a.html).toBe(join(dir, 'fixture-pause', 'redlock.html'));
    expect(a.json).toBe(join(dir, 'fixture-pause', 'redlock.json'));
    expect(b.html).toMatch(/fixture-pause\/redlock_checkValidity_false_x-[0-9a-f]{8}\.html$/);
    expect(readFileSync(b.html, 'utf8')).toContain('<a href="../index.html">catalog</a>');
    expect(JSON.parse(readFileSync(a.json, 'utf8')).verdict).toBe('unsafe');
    const c = writeCatalogReports(dir, [{ scenario: SCENARIO, results: [unsafe, wrong], reportHref: (r) => runReportPath(r) }], { name: 'catalog' });
    expect(readFileSync(c.index, 'utf8')).toContain('href="fixture-pause/redlock.html"');
    expect(parseXml(readFileSync(c.junit, 'utf8'))[0]!.attributes).toMatchObject({ name: 'catalog', tests: '2', failures: '1' });
    // No temporary file is left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(join(dir, 'fixture-pause')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('never leaves a half-written file: a failed write keeps the old file and cleans up', () => {
    const target = join(dir, 'keep.html');
    writeFileAtomic(target, 'old report');
    // A directory where the file should go makes the rename fail after the temp file is written.
    const blocked = join(dir, 'blocked.html');
    mkdirSync(join(blocked, 'inside'), { recursive: true });
    expect(() => writeFileAtomic(blocked, 'new report')).toThrow();
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(readFileSync(target, 'utf8')).toBe('old report');
    writeFileAtomic(target, 'new report');
    expect(readFileSync(target, 'utf8')).toBe('new report');
    expect(existsSync(`${target}.tmp`)).toBe(false);
  });
});
