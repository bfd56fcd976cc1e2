/**
 * The verdict matrix: the catalog's scenarios tagged `matrix` are its rows (one fault each), their
 * variants its columns (one mechanism each, with the same name in every row), and each cell the
 * verdict its runs reached. Built only from runs, never from a variant's `expected`: the expected
 * verdict is what a cell is checked against. `locksim matrix` prints it as text or JSON; the
 * catalog index embeds it as HTML, from the runs `run --all` already did.
 */
import type { RunResult } from '../scenario/run.ts';
import type { Scenario, Verdict } from '../scenario/types.ts';
import { LOCKSIM_VERSION } from '../version.ts';
import { esc } from './escape.ts';
import { matrixCellText, seedRunLine } from './words.ts';

/** The tag that makes a catalog scenario a row of the matrix. */
export const MATRIX_TAG = 'matrix';

/** The schema of `locksim matrix --json`; a change that removes or renames a field takes the next number. */
export const MATRIX_SCHEMA = 'locksim-matrix/1';

/** What of a run the matrix keeps. */
export type MatrixRun = Pick<RunResult, 'scenario' | 'variant' | 'seed' | 'verdict' | 'expected' | 'invalid' | 'evidence' | 'durationOverrideMs'>;

export interface MatrixCell {
  readonly row: string;
  readonly column: string;
  readonly expected: Verdict;
  /** The verdict most of its runs reached (a tie goes to the worse: invalid, unsafe, stuck, safe). */
  readonly verdict: Verdict;
  /** The seeds that concluded something else, each with what. */
  readonly others: ReadonlyArray<{ readonly seed: number; readonly verdict: Verdict }>;
  /** Every run of the cell, in seed order. */
  readonly runs: readonly MatrixRun[];
  /** Every run reached the expected verdict. */
  readonly matches: boolean;
  /** The variant's note: why the mechanism survives or breaks under the row's fault. */
  readonly note: string | null;
}

export interface MatrixRow {
  readonly scenario: string;
  readonly title: string;
  /** One entry per column, null where the row has no such variant (or it was not run). */
  readonly cells: ReadonlyArray<MatrixCell | null>;
}

export interface VerdictMatrix {
  readonly columns: readonly string[];
  readonly rows: readonly MatrixRow[];
}

export function isMatrixRow(scenario: Scenario): boolean {
  return (scenario.tags ?? []).includes(MATRIX_TAG);
}

/** Worse first: a tie between verdicts goes to the one a reader must not miss. */
const SEVERITY: readonly Verdict[] = ['invalid', 'unsafe', 'stuck', 'safe'];

function cellOf(scenario: Scenario, column: string, runs: readonly MatrixRun[]): MatrixCell | null {
  const variant = scenario.variants.find((v) => v.name === column);
  if (variant === undefined || runs.length === 0) return null;
  const counts = new Map<Verdict, number>();
  for (const r of runs) counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
  const verdict = [...counts].sort(([a, n], [b, m]) => m - n || SEVERITY.indexOf(a) - SEVERITY.indexOf(b))[0]?.[0] as Verdict;
  const sorted = [...runs].sort((a, b) => a.seed - b.seed);
  return {
    row: scenario.name,
    column,
    expected: variant.expected,
    verdict,
    others: sorted.filter((r) => r.verdict !== verdict).map((r) => ({ seed: r.seed, verdict: r.verdict })),
    runs: sorted,
    matches: sorted.every((r) => r.verdict === variant.expected),
    note: variant.note ?? null,
  };
}

/**
 * The matrix of these rows from these runs (runs of other scenarios are ignored). The columns are
 * the rows' variant names, in the order they first appear.
 */
export function buildMatrix(rows: readonly Scenario[], runs: readonly MatrixRun[]): VerdictMatrix {
  const columns: string[] = [];
  for (const s of rows) for (const v of s.variants) if (!columns.includes(v.name)) columns.push(v.name);
  return {
    columns,
    rows: rows.map((s) => ({
      scenario: s.name,
      title: s.title,
      cells: columns.map((column) => cellOf(s, column, runs.filter((r) => r.scenario === s.name && r.variant === column))),
    })),
  };
}

export function matrixCells(matrix: VerdictMatrix): MatrixCell[] {
  return matrix.rows.flatMap((r) => r.cells.filter((c): c is MatrixCell => c !== null));
}

/** A cell on the grid: its verdict, the seeds that disagree, and ✗ when some run was not the expected verdict. */
function cellText(cell: MatrixCell | null): string {
  if (cell === null) return '—';
  return `${matrixCellText(cell.verdict, cell.others)}${cell.matches ? '' : ' ✗'}`;
}

/** Which seeds a set of runs covers: `seed 1`, `seeds 1..5`, or a list. */
function seedsText(seeds: readonly number[]): string {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  if (sorted.length === 1) return `seed ${sorted[0]}`;
  const first = sorted[0] as number;
  const last = sorted[sorted.length - 1] as number;
  return last - first + 1 === sorted.length ? `seeds ${first}..${last}` : `seeds ${sorted.join(', ')}`;
}

/**
 * The grid as text: a row per fault, a column per mechanism, each cell the verdict its runs
 * reached; under it the count of cells as expected and, for each cell that is not, its first run
 * not as expected with the command that reruns it (`refOf`: how to name the row's scenario).
 */
export function renderMatrixText(matrix: VerdictMatrix, refOf: (scenario: string) => string = (s) => s): string {
  const cells = matrixCells(matrix);
  const runs = cells.flatMap((c) => c.runs);
  const labelWidth = Math.max(5, ...matrix.rows.map((r) => r.scenario.length));
  const widths = matrix.columns.map((column, i) => Math.max(column.length, ...matrix.rows.map((r) => cellText(r.cells[i] ?? null).length)));
  const line = (label: string, texts: readonly string[]): string => `${label.padEnd(labelWidth)}  ${texts.map((t, i) => t.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  const bad = cells.filter((c) => !c.matches);
  const lines = [
    `the verdict matrix: ${matrix.rows.length} faults × ${matrix.columns.length} mechanisms, ${runs.length} runs (${seedsText(runs.map((r) => r.seed))}); each cell is the verdict its runs reached`,
    '',
    line('', matrix.columns),
    ...matrix.rows.map((r) => line(r.scenario, r.cells.map(cellText))),
    '',
    `${cells.length - bad.length} of ${cells.length} cells as expected${bad.length > 0 ? `; ✗ ${bad.length} not` : ''}${matrix.rows.some((r) => r.cells.includes(null)) ? '; —: the row leaves the mechanism out (locksim list <row> says why)' : ''}`,
  ];
  for (const cell of bad) {
    const first = cell.runs.find((r) => r.verdict !== cell.expected) as MatrixRun;
    const wrong = cell.runs.filter((r) => r.verdict !== cell.expected).map((r) => r.seed);
    lines.push(`${seedRunLine(first, refOf(cell.row))}${wrong.length > 1 ? `\n     not as expected at ${seedsText(wrong)}` : ''}`);
  }
  return lines.join('\n');
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function cellJson(c: MatrixCell | null, column: string): Json {
  if (c === null) return { variant: column, verdict: null };
  return {
    variant: c.column,
    verdict: c.verdict,
    expected: c.expected,
    matches: c.matches,
    others: c.others.map((o) => ({ seed: o.seed, verdict: o.verdict })),
    runs: c.runs.map((run) => ({ seed: run.seed, verdict: run.verdict })),
    note: c.note,
  };
}

/** `locksim matrix --json`: the grid, each cell with its verdict, the seeds that disagree and every run's verdict. */
export function matrixJson(matrix: VerdictMatrix, seeds: { readonly from: number; readonly to: number }): { [key: string]: Json } {
  const cells = matrixCells(matrix);
  return {
    schema: MATRIX_SCHEMA,
    version: LOCKSIM_VERSION,
    command: 'matrix',
    seeds: { from: seeds.from, to: seeds.to },
    ok: cells.every((c) => c.matches),
    columns: [...matrix.columns],
    rows: matrix.rows.map((r) => ({
      scenario: r.scenario,
      title: r.title,
      cells: r.cells.map((c, i) => cellJson(c, matrix.columns[i] as string)),
    })),
  };
}

/** The style the matrix's HTML needs, for a page that embeds it (report/index-page.ts). */
export const MATRIX_STYLE = `table.matrix{border-collapse:collapse;margin:6px 0 10px}
table.matrix th,table.matrix td{border:1px solid #d0d7de;padding:4px 8px;font-size:13px}
table.matrix thead th{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;background:#f6f8fa}
table.matrix th[scope=row]{text-align:left;font-weight:normal;background:#fff}
table.matrix td{text-align:center;font-weight:600;min-width:90px}
table.matrix td a{color:inherit;text-decoration:none;display:block}
table.matrix td a:hover{text-decoration:underline}
table.matrix td.v-safe{background:#dafbe1}
table.matrix td.v-unsafe{background:#ffcfcc}
table.matrix td.v-stuck{background:#fff1c2}
table.matrix td.v-invalid{background:#1f2328;color:#ffd8b5}
table.matrix td.differs{outline:2px solid #d62828;outline-offset:-2px}
table.matrix td.absent{color:#8c959f;background:#fff;font-weight:normal}`;

/**
 * The grid as an HTML section (a heading, a sentence, the table) for a page with {@link MATRIX_STYLE}:
 * each cell coloured by the verdict its runs reached, outlined in red when some run was not the
 * expected one, its note in a tooltip, and linked to its run's report when `href` gives one.
 */
export function renderMatrixHtml(matrix: VerdictMatrix, options: { readonly href?: (cell: MatrixCell) => string | undefined } = {}): string {
  const cells = matrixCells(matrix);
  const runs = cells.flatMap((c) => c.runs);
  const bad = cells.filter((c) => !c.matches).length;
  const td = (cell: MatrixCell | null, column: string): string => {
    if (cell === null) return `<td class="absent" data-variant="${esc(column)}" title="the row leaves this mechanism out: its explanation says why">—</td>`;
    const href = options.href?.(cell);
    const text = esc(cellText(cell));
    const title = `${cell.column}: ${matrixCellText(cell.verdict, cell.others)}, expected ${cell.expected}${cell.note === null ? '' : `. ${cell.note}`}`;
    return `<td class="v-${esc(cell.verdict)}${cell.matches ? '' : ' differs'}" data-variant="${esc(cell.column)}" data-verdict="${esc(cell.verdict)}" data-expected="${esc(cell.expected)}" title="${esc(title)}">${href === undefined ? text : `<a href="${esc(href)}">${text}</a>`}</td>`;
  };
  return [
    '<section class="verdict-matrix">',
    '<h2>The verdict matrix</h2>',
    `<p>Each row is one fault, each column one mechanism facing it at the same moment; each cell is the verdict its run${runs.length === 1 ? '' : 's'} reached (${esc(seedsText(runs.map((r) => r.seed)))}), green safe, red unsafe, amber stuck${bad > 0 ? `; <strong class="bad">${bad} cell${bad === 1 ? '' : 's'} not as expected</strong> (outlined)` : ', every one as expected'}. Hover a cell for why; <code>locksim matrix</code> runs it at more seeds.</p>`,
    '<table class="matrix">',
    `<thead><tr><th>fault</th>${matrix.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...matrix.rows.map((r) => `<tr data-scenario="${esc(r.scenario)}"><th scope="row"><code>${esc(r.scenario)}</code><br>${esc(r.title)}</th>${r.cells.map((c, i) => td(c, matrix.columns[i] as string)).join('')}</tr>`),
    '</tbody></table>',
    '</section>',
  ].join('\n');
}
