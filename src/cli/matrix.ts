/**
 * `locksim matrix`: every cell of the verdict matrix (rows: the catalog's scenarios tagged
 * `matrix`, one fault each; columns: their variants, one mechanism each) run at seeds 1..N, and
 * the grid of the verdicts the runs reached (report/matrix.ts).
 */
import { booleanFlag, parseArgs, parseSeedRange, stringFlag, UsageError } from './args.ts';
import { exitCode } from './present.ts';
import { buildMatrix, isMatrixRow, matrixCells, matrixJson, renderMatrixText, type MatrixRun } from '../report/matrix.ts';
import { loadCatalog, loadScenario } from '../scenario/load.ts';
import { runScenario } from '../scenario/run.ts';
import type { Scenario } from '../scenario/types.ts';

/** Seeds per cell by default: enough to see a cell that depends on its seed, quick enough to run often. */
export const MATRIX_DEFAULT_SEEDS = 5;

export const MATRIX_HELP = `usage: locksim matrix [<scenario>...] [--seeds N | --seeds A..B] [--json]

The verdict matrix: Redis, Redlock, PostgreSQL and SQL Server locks and Azure blob leases on the
same faults, side by side (docs/matrix.md). Each row is a catalog scenario tagged matrix (one
fault: a pause, a partition, a node crash, a clock step, a slow clock, a delayed write, none);
each column one mechanism, a variant of the same name in every row. Runs every cell at seeds
1..N (default ${MATRIX_DEFAULT_SEEDS}) and prints the grid: each cell the verdict its runs reached, SAFE, UNSAFE
or STUCK, with the seeds that concluded otherwise, if any. The grid is computed from the runs,
never read from the scenarios; a cell whose runs are not all its expected verdict is marked ✗
and listed under the grid with the command that reruns it.

  <scenario>...   the rows to run instead (catalog names or scenario files)
  --seeds N       run each cell at seeds 1..N (A..B: at seeds A to B)
  --json          print { schema: "locksim-matrix/1", version, command, seeds: { from, to }, ok,
                  columns, rows: [{ scenario, title, cells: [{ variant, verdict, expected,
                  matches, others: [{ seed, verdict }], runs: [{ seed, verdict }], note }] }] }
                  (a mechanism a row leaves out: { variant, verdict: null })

Exit code 0 when every run reached its cell's expected verdict, 1 otherwise, 4 when some run
had no verdict (INVALID).
`;

/** `--seeds N` (1..N) or `--seeds A..B`; N must be at least 1. */
function seedsOf(text: string | undefined): { from: number; to: number } {
  if (text === undefined) return { from: 1, to: MATRIX_DEFAULT_SEEDS };
  if (/^-?\d+$/.test(text.trim())) {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`matrix: --seeds N runs each cell at seeds 1..N, so N must be a whole number of at least 1, got '${text}' (e.g. --seeds 5)`);
    return { from: 1, to: n };
  }
  return parseSeedRange('matrix', text);
}

export async function matrixCommand(args: string[]): Promise<number> {
  const parsed = parseArgs('matrix', args, { '--seeds': 'string', '--json': 'boolean', '--help': 'boolean' });
  if (booleanFlag(parsed, '--help')) {
    process.stdout.write(MATRIX_HELP);
    return 0;
  }
  const seeds = seedsOf(stringFlag(parsed, '--seeds'));
  const named = parsed.positional.length > 0;
  const rows: Array<{ scenario: Scenario; ref: string }> = named
    ? await Promise.all(parsed.positional.map(async (ref) => ({ scenario: await loadScenario(ref), ref })))
    : (await loadCatalog()).filter(isMatrixRow).map((s) => ({ scenario: s, ref: s.name }));
  if (rows.length === 0) throw new UsageError('matrix: the catalog has no scenario tagged matrix; name the rows to run (locksim matrix <scenario>...)');
  const runs: MatrixRun[] = [];
  for (const { scenario } of rows) {
    for (const variant of scenario.variants) {
      for (let seed = seeds.from; seed <= seeds.to; seed++) {
        // The verdict is all a cell needs: no history is kept (src/scenario/run.ts, verdictOnly).
        const r = await runScenario(scenario, { seed, variant: variant.name, keepTrace: false, verdictOnly: true });
        runs.push({ scenario: r.scenario, variant: r.variant, seed: r.seed, verdict: r.verdict, expected: r.expected, invalid: r.invalid, evidence: r.evidence, durationOverrideMs: r.durationOverrideMs });
      }
    }
  }
  const matrix = buildMatrix(rows.map((r) => r.scenario), runs);
  if (booleanFlag(parsed, '--json')) process.stdout.write(`${JSON.stringify(matrixJson(matrix, seeds))}\n`);
  else {
    const refs = new Map(rows.map((r) => [r.scenario.name, r.ref]));
    process.stdout.write(`${renderMatrixText(matrix, (name) => refs.get(name) ?? name)}\n`);
  }
  return exitCode(matrixCells(matrix).flatMap((c) => c.runs));
}
