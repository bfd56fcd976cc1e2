/**
 * `locksim matrix`: the grid it prints is the runs' verdicts (a planted row whose verdicts are
 * known, checked against `run --seeds` of the same file), its --json shape, exit code 1 when a
 * cell is not its expected verdict, and bad input.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'locksim.js');
const LOCKSIM = pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.ts')).href;
const dir = mkdtempSync(join(tmpdir(), 'locksim-matrix-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: readonly string[]): Promise<{ stdout: string; stderr: string; status: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    return { stdout, stderr, status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.code };
  }
}

/**
 * A planted row: client-1 paused 3 s past a 1 s lease. A plain Redis lock breaks (client-1 writes
 * a stale value inside client-2's section); with a fencing token the resource refuses the write.
 * `plainExpects` is what the row claims for the plain column.
 */
function plantedRow(name: string, plainExpects: 'safe' | 'unsafe'): string {
  writeFileSync(
    join(dir, `${name}.mts`),
    `import { fencing, singleInstance } from '${LOCKSIM}';
export default {
  name: '${name}', title: 'a planted row', explanation: 'A holder paused past its lease.', tags: ['matrix'],
  world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 200 }], durationMs: 8000 },
  workload: { resource: 'lock:x', ttlMs: 1000, workMs: { min: 100, max: 200 }, thinkMs: { min: 50, max: 100 } },
  faults: [{ kind: 'pause', at: 50, process: 'client-1', durationMs: 3000 }],
  variants: [
    { name: 'plain', lock: singleInstance(), expected: '${plainExpects}'${plainExpects === 'unsafe' ? ", breaks: ['mutex']" : ''} },
    { name: 'fenced', lock: fencing(singleInstance()), resource: 'fenced', expected: 'safe' },
  ],
};
`,
  );
  return `./${name}.mts`;
}

interface MatrixJson {
  schema: string;
  version: string;
  command: string;
  seeds: { from: number; to: number };
  ok: boolean;
  columns: string[];
  rows: Array<{ scenario: string; title: string; cells: Array<{ variant: string; verdict: string | null; expected?: string; matches?: boolean; others?: Array<{ seed: number; verdict: string }>; runs?: Array<{ seed: number; verdict: string }>; note?: string | null }> }>;
}

describe('locksim matrix', () => {
  it('prints the verdicts the runs reached: a planted row, cell by cell as run --seeds concludes', async () => {
    const row = plantedRow('planted', 'unsafe');
    const [matrix, run] = await Promise.all([cli(['matrix', row, '--seeds', '3', '--json']), cli(['run', row, '--seeds', '1..3', '--json'])]);
    expect(matrix.stderr).toBe('');
    expect(matrix.status).toBe(0);
    const grid = JSON.parse(matrix.stdout) as MatrixJson;
    const runs = (JSON.parse(run.stdout) as { results: Array<{ variant: string; seed: number; verdict: string }> }).results;
    expect(runs).toHaveLength(6);
    expect(grid).toMatchObject({ schema: 'locksim-matrix/1', command: 'matrix', seeds: { from: 1, to: 3 }, ok: true, columns: ['plain', 'fenced'] });
    expect(grid.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(grid.rows.map((r) => r.scenario)).toEqual(['planted']);
    const cells = grid.rows[0]?.cells ?? [];
    for (const cell of cells) {
      // Every run of the cell is the verdict run --seeds reached for that variant and seed.
      expect(cell.runs).toEqual(runs.filter((r) => r.variant === cell.variant).map((r) => ({ seed: r.seed, verdict: r.verdict })));
      expect(cell.others).toEqual([]);
      expect(cell.matches).toBe(true);
    }
    // And what the planted row was built to show.
    expect(cells.map((c) => [c.variant, c.verdict, c.expected])).toEqual([['plain', 'unsafe', 'unsafe'], ['fenced', 'safe', 'safe']]);

    const text = await cli(['matrix', row, '--seeds', '2']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^\s+plain\s+fenced$/m);
    expect(text.stdout).toMatch(/^planted\s+UNSAFE\s+SAFE$/m);
    expect(text.stdout).toContain('2 of 2 cells as expected');
    expect(text.stdout).toContain('4 runs (seeds 1..2)');
  }, 120_000);

  it('exits 1 when a cell is not its expected verdict, marks it and prints the command that reruns it', async () => {
    const row = plantedRow('planted-wrong', 'safe');
    const text = await cli(['matrix', row, '--seeds', '2']);
    expect(text.status).toBe(1);
    // The grid says what the runs reached, not what the row expects.
    expect(text.stdout).toMatch(/^planted-wrong\s+UNSAFE ✗\s+SAFE$/m);
    expect(text.stdout).toContain('1 of 2 cells as expected; ✗ 1 not');
    expect(text.stdout).toContain('FAIL planted-wrong/plain seed 1: UNSAFE (expected safe)');
    expect(text.stdout).toContain(`rerun: locksim run ${row} --variant plain --seed 1 --timeline`);
    expect(text.stdout).toContain('not as expected at seeds 1..2');
    const json = await cli(['matrix', row, '--seeds', '2', '--json']);
    expect(json.status).toBe(1);
    const grid = JSON.parse(json.stdout) as MatrixJson;
    expect(grid.ok).toBe(false);
    expect(grid.rows[0]?.cells[0]).toMatchObject({ variant: 'plain', verdict: 'unsafe', expected: 'safe', matches: false });
  }, 120_000);

  it("runs the catalog's matrix rows by default, a mechanism a row leaves out as an empty cell", async () => {
    const result = await cli(['matrix', '--seeds', '1', '--json']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const grid = JSON.parse(result.stdout) as MatrixJson;
    expect(grid.rows.length).toBeGreaterThanOrEqual(5);
    expect(grid.rows.every((r) => r.scenario.startsWith('matrix-'))).toBe(true);
    expect(grid.columns).toEqual(expect.arrayContaining(['redis', 'redlock', 'pg-session', 'blob-lease']));
    const jump = grid.rows.find((r) => r.scenario === 'matrix-clock-jump');
    expect(jump?.cells.find((c) => c.variant === 'pg-session')).toEqual({ variant: 'pg-session', verdict: null });
    const control = grid.rows.find((r) => r.scenario === 'matrix-control');
    expect(control?.cells.map((c) => c.verdict)).toEqual(grid.columns.map(() => 'safe'));
  }, 120_000);

  it('--help, and bad input gets a clear error (exit 2)', async () => {
    const help = await cli(['matrix', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: locksim matrix');
    expect((await cli(['--help'])).stdout).toMatch(/^ {2}matrix {2,}the verdict matrix/m);
    const cases: Array<[string[], RegExp]> = [
      [['matrix', '--seeds', '0'], /^locksim: matrix: --seeds N runs each cell at seeds 1\.\.N, so N must be a whole number of at least 1, got '0' \(e\.g\. --seeds 5\)\n$/],
      [['matrix', '--seeds', 'many'], /^locksim: matrix: --seeds takes a range of seeds like 1\.\.20, got 'many'\n$/],
      [['matrix', '--seeds', '5..1'], /--seeds 5\.\.1 is empty/],
      [['matrix', '--seed', '3'], /matrix: unknown option '--seed' \(options: --seeds, --json, --help/],
      [['matrix', 'no-such-row'], /no scenario named 'no-such-row' in the catalog/],
    ];
    for (const [args, says] of cases) {
      const result = await cli(args);
      expect({ args, status: result.status }).toEqual({ args, status: 2 });
      expect(result.stderr).toMatch(says);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  }, 120_000);
});
