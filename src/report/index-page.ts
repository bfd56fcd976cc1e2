import type { RunResult } from '../scenario/run.ts';
import type { Scenario } from '../scenario/types.ts';
import { esc } from './escape.ts';
import { documentHead, PAGE_STYLE } from './html.ts';
import { buildMatrix, isMatrixRow, MATRIX_STYLE, renderMatrixHtml } from './matrix.ts';

/**
 * The catalog index (reports/index.html): a matrix with a row per scenario and a cell per
 * variant, each cell giving the expected and the observed verdict (green when they agree, red
 * when not) and linking to that run's report. Self-contained and deterministic like the run
 * reports: no timestamps, so the same runs give the same bytes. When the runs include the verdict
 * matrix's rows (scenarios tagged `matrix`), the page opens with that grid, built from those same
 * runs (nothing is run twice), each cell linking to its run's report.
 */
export interface CatalogRow {
  readonly scenario: Scenario;
  readonly results: readonly RunResult[];
  readonly reportHref: (result: RunResult) => string;
}

/** The first sentence of a scenario's explanation (at most about 160 characters). */
export function oneLineSummary(scenario: Scenario): string {
  const text = scenario.explanation.replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(text);
  const sentence = m?.[1] ?? text;
  return sentence.length <= 160 ? sentence : `${sentence.slice(0, 157).replace(/\s+\S*$/, '')}…`;
}

/** The verdict matrix of the rows that are matrix rows and were run, or null when there are none. */
function matrixSection(rows: ReadonlyArray<CatalogRow>): string | null {
  const matrixRows = rows.filter((r) => isMatrixRow(r.scenario) && r.results.length > 0);
  if (matrixRows.length === 0) return null;
  const matrix = buildMatrix(matrixRows.map((r) => r.scenario), matrixRows.flatMap((r) => r.results));
  return renderMatrixHtml(matrix, {
    href: (cell) => {
      const row = matrixRows.find((r) => r.scenario.name === cell.row);
      const result = row?.results.find((r) => r.variant === cell.column && r.seed === cell.runs[0]?.seed);
      return row === undefined || result === undefined ? undefined : row.reportHref(result);
    },
  });
}

export function renderCatalogIndex(rows: ReadonlyArray<CatalogRow>): string {
  const all = rows.flatMap((r) => r.results);
  const agree = all.filter((r) => r.verdict === r.expected).length;
  const invalid = all.filter((r) => r.verdict === 'invalid').length;
  const columns = Math.max(1, ...rows.map((r) => Math.max(r.scenario.variants.length, r.results.length)));
  const body = rows.map(({ scenario, results, reportHref }) => {
    // The scenario's own variant order; a result for a variant the scenario no longer has goes last.
    const ordered = [
      ...scenario.variants.map((v) => ({ name: v.name, expected: v.expected, result: results.find((r) => r.variant === v.name) })),
      ...results.filter((r) => !scenario.variants.some((v) => v.name === r.variant)).map((r) => ({ name: r.variant, expected: r.expected, result: r })),
    ];
    const cells = ordered.map(({ name, expected, result }) => {
      if (result === undefined) {
        return `<td class="cell not-run" data-variant="${esc(name)}"><div class="variant">${esc(name)}</div><div>expected ${esc(expected)}</div><div class="muted">not run</div></td>`;
      }
      const ok = result.verdict === result.expected;
      const invalid = result.verdict === 'invalid';
      return (
        `<td class="cell ${ok ? 'agree' : invalid ? 'invalid' : 'disagree'}" data-variant="${esc(name)}" data-verdict="${esc(result.verdict)}" data-expected="${esc(result.expected)}">` +
        `<a href="${esc(reportHref(result))}"><div class="variant">${esc(name)}</div>` +
        `<div>expected <b>${esc(result.expected)}</b></div><div>observed <b>${esc(result.verdict)}</b> ${ok ? '✓' : '✗'}</div>${invalid ? `<div class="why">no verdict: ${esc(result.invalid?.reason ?? 'no evidence')}</div>` : ''}</a></td>`
      );
    });
    for (let i = ordered.length; i < columns; i++) cells.push('<td class="empty"></td>');
    const tags = scenario.tags === undefined || scenario.tags.length === 0 ? '' : `<div class="tags">${scenario.tags.map((t) => `<span class="tag">${esc(t)}</span>`).join(' ')}</div>`;
    return `<tr data-scenario="${esc(scenario.name)}"><th scope="row"><div class="scenario-name"><code>${esc(scenario.name)}</code></div><div class="scenario-title">${esc(scenario.title)}</div><div class="summary">${esc(oneLineSummary(scenario))}</div>${tags}</th>${cells.join('')}</tr>`;
  });
  const style = `${PAGE_STYLE}
table.catalog{width:100%}
table.catalog th[scope=row]{font-weight:normal;background:#fff;min-width:320px;max-width:460px}
.scenario-title{font-weight:600}
.summary{font-size:13px;color:#424a53}
.tags{margin-top:3px}
.tag{display:inline-block;font-size:11px;background:#eaeef2;border-radius:8px;padding:0 6px;color:#424a53}
td.cell{min-width:150px;font-size:13px;padding:0}
td.cell a,td.cell.not-run{display:block;padding:6px 8px;color:inherit;text-decoration:none}
td.cell a:hover{text-decoration:underline}
td.agree{background:#dafbe1}
td.disagree{background:#ffcfcc;outline:2px solid #d62828;outline-offset:-2px}
td.invalid{background:#1f2328;color:#ffd8b5;outline:2px solid #bc4c00;outline-offset:-2px}
.why{font-size:12px}
td.not-run{background:#f6f8fa;color:#656d76}
td.empty{background:#fff;border:none}
.variant{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-weight:600;word-break:break-all}
.muted{color:#656d76}
.totals{font-size:16px}
${MATRIX_STYLE}`;
  const matrix = matrixSection(rows);
  return [
    ...documentHead('locksim scenario catalog', style),
    '<body>',
    '<main>',
    '<h1>locksim: the scenario catalog</h1>',
    `<p class="totals">${all.length} runs: <strong>${agree}</strong> concluded as expected${all.length - agree > 0 ? `, <strong class="bad">${all.length - agree} did not</strong>` : ''}${invalid > 0 ? ` (<strong class="bad">${invalid} invalid</strong>: no evidence to judge on)` : ''}.</p>`,
    '<p>Each row is a scenario that teaches one distributed-lock pitfall; each cell one variant (an algorithm, a safeguard) with the verdict it should reach and the one it reached. Green: as expected; red: not. Open a cell for the run\'s timeline and its replay command.</p>',
    ...(matrix === null ? [] : [matrix, '<h2>Every scenario</h2>']),
    `<table class="catalog"><thead><tr><th>scenario</th><th colspan="${columns}">variants</th></tr></thead><tbody>`,
    ...body,
    '</tbody></table>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
