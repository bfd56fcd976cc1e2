/**
 * The verdict matrix (src/report/matrix.ts) is built from runs: each cell the verdict most of its
 * runs reached, the seeds that concluded otherwise named, a cell whose runs are not all its
 * expected verdict marked; and the catalog index embeds it from the runs it was given.
 */
import { describe, expect, it } from 'vitest';
import { renderCatalogIndex } from '../../src/report/index-page.ts';
import { buildMatrix, matrixJson, renderMatrixHtml, renderMatrixText, type MatrixRun } from '../../src/report/matrix.ts';
import { runReportPath } from '../../src/report/write.ts';
import type { RunResult } from '../../src/scenario/run.ts';
import type { Scenario, Verdict } from '../../src/scenario/types.ts';
import { fixtureRun, SCENARIO } from './fixtures.ts';

const ROW: Scenario = { ...SCENARIO, tags: ['matrix'] };
/** A second row that leaves out the third column. */
const OTHER: Scenario = { ...SCENARIO, name: 'fixture-other', title: 'another fault', tags: ['matrix'], variants: SCENARIO.variants.slice(0, 2) };
const base = fixtureRun({ fenced: false });

function run(scenario: Scenario, variant: string, seed: number, verdict: Verdict): RunResult {
  const expected = scenario.variants.find((v) => v.name === variant)?.expected ?? 'safe';
  return { ...base, scenario: scenario.name, variant, seed, verdict, expected };
}

/** Seeds 1-3 of both rows: one cell disagrees with itself at seed 2, one is never what it expects. */
const RUNS: RunResult[] = [1, 2, 3].flatMap((seed) => [
  run(ROW, 'redlock', seed, 'unsafe'),
  run(ROW, 'redlock+fencing', seed, seed === 2 ? 'unsafe' : 'safe'),
  run(ROW, 'redlock(checkValidity=false),x', seed, 'unsafe'),
  run(OTHER, 'redlock', seed, 'unsafe'),
  run(OTHER, 'redlock+fencing', seed, 'safe'),
]);

describe('the verdict matrix', () => {
  const matrix = buildMatrix([ROW, OTHER], RUNS);

  it("is the runs' verdicts: the most common one, the seeds that disagree, and whether every run was the expected one", () => {
    expect(matrix.columns).toEqual(['redlock', 'redlock+fencing', 'redlock(checkValidity=false),x']);
    const [redlock, fenced, odd] = matrix.rows[0]?.cells ?? [];
    expect(redlock).toMatchObject({ verdict: 'unsafe', expected: 'unsafe', others: [], matches: true });
    expect(fenced).toMatchObject({ verdict: 'safe', expected: 'safe', others: [{ seed: 2, verdict: 'unsafe' }], matches: false });
    expect(odd).toMatchObject({ verdict: 'unsafe', expected: 'safe', matches: false });
    expect(fenced?.runs.map((r) => r.seed)).toEqual([1, 2, 3]);
    // A column the row does not have is an empty cell.
    expect(matrix.rows[1]?.cells[2]).toBeNull();
    // A tie goes to the worse verdict; runs of other scenarios are not the matrix's.
    const tie = buildMatrix([ROW], [run(ROW, 'redlock', 1, 'safe'), run(ROW, 'redlock', 2, 'unsafe'), run(OTHER, 'redlock', 1, 'stuck')]);
    expect(tie.rows[0]?.cells[0]).toMatchObject({ verdict: 'unsafe', others: [{ seed: 1, verdict: 'safe' }] });
    expect(tie.rows[0]?.cells[0]?.runs).toHaveLength(2);
  });

  it('prints as a grid, every cell not as expected marked and listed with its rerun command', () => {
    const text = renderMatrixText(matrix, (name) => `./${name}.ts`);
    expect(text).toContain('2 faults × 3 mechanisms, 15 runs (seeds 1..3)');
    expect(text).toMatch(/^ +redlock {2}redlock\+fencing +redlock\(checkValidity=false\),x$/m);
    expect(text).toMatch(/^fixture-pause {2}UNSAFE +SAFE \(seed 2: UNSAFE\) ✗ {2}UNSAFE ✗$/m);
    expect(text).toMatch(/^fixture-other {2}UNSAFE +SAFE +—$/m);
    expect(text).toContain('3 of 5 cells as expected; ✗ 2 not; —: the row leaves the mechanism out');
    expect(text).toContain('FAIL fixture-pause/redlock+fencing seed 2: UNSAFE (expected safe)');
    expect(text).toContain('rerun: locksim run ./fixture-pause.ts --variant redlock+fencing --seed 2 --timeline');
    expect(text).toContain('not as expected at seeds 1..3');
  });

  it('gives JSON with every run of every cell, and HTML coloured by verdict', () => {
    const json = matrixJson(matrix, { from: 1, to: 3 });
    expect(json).toMatchObject({ schema: 'locksim-matrix/1', command: 'matrix', seeds: { from: 1, to: 3 }, ok: false });
    const rows = json.rows as Array<{ cells: Array<Record<string, unknown>> }>;
    expect(rows[0]?.cells[1]).toEqual({
      variant: 'redlock+fencing', verdict: 'safe', expected: 'safe', matches: false,
      others: [{ seed: 2, verdict: 'unsafe' }],
      runs: [{ seed: 1, verdict: 'safe' }, { seed: 2, verdict: 'unsafe' }, { seed: 3, verdict: 'safe' }],
      note: SCENARIO.variants[1]?.note,
    });
    expect(rows[1]?.cells[2]).toEqual({ variant: 'redlock(checkValidity=false),x', verdict: null });
    const html = renderMatrixHtml(matrix, { href: (cell) => `${cell.row}/${cell.column}.html` });
    expect(html.match(/<td class="v-unsafe"/g)).toHaveLength(2);
    expect(html.match(/<td class="v-safe differs"/g)).toHaveLength(1);
    expect(html.match(/<td class="v-unsafe differs"/g)).toHaveLength(1);
    expect(html.match(/<td class="absent"/g)).toHaveLength(1);
    expect(html).toContain('<a href="fixture-pause/redlock+fencing.html">SAFE (seed 2: UNSAFE) ✗</a>');
    expect(html).toContain('2 cells not as expected');
  });

  it('opens the catalog index, built from the runs the index shows (and only when some are matrix rows)', () => {
    const seed1 = RUNS.filter((r) => r.seed === 1);
    const rows = [ROW, OTHER].map((scenario) => ({ scenario, results: seed1.filter((r) => r.scenario === scenario.name), reportHref: (r: RunResult) => runReportPath(r) }));
    const html = renderCatalogIndex(rows);
    const section = html.slice(html.indexOf('<section class="verdict-matrix">'), html.indexOf('</section>'));
    expect(section).toContain('(seed 1)');
    expect(section).toContain(`<a href="${runReportPath(run(ROW, 'redlock', 1, 'unsafe'))}">UNSAFE</a>`);
    expect(section.match(/data-verdict=/g)).toHaveLength(5);
    expect(html.indexOf('verdict-matrix')).toBeLessThan(html.indexOf('<table class="catalog">'));
    const plain = renderCatalogIndex([{ scenario: SCENARIO, results: [base], reportHref: (r) => runReportPath(r) }]);
    expect(plain).not.toContain('verdict-matrix');
  });

  it('keeps only what a run needs (a MatrixRun is a run result)', () => {
    const slim: MatrixRun[] = RUNS.map(({ scenario, variant, seed, verdict, expected, invalid, evidence }) => ({ scenario, variant, seed, verdict, expected, invalid, evidence }));
    expect(buildMatrix([ROW, OTHER], slim).rows.map((r) => r.cells.map((c) => c?.verdict ?? null))).toEqual(matrix.rows.map((r) => r.cells.map((c) => c?.verdict ?? null)));
  });
});
