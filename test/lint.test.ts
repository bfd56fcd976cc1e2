/**
 * The linter (eslint.config.js) runs with the tests: src/ has no lint error, so `npm test`
 * enforces it. And its rules do what they say: the determinism rule refuses real time and real
 * randomness in simulated code and allows them in host code and on a line that says why; `any`
 * is refused in src/.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

/** The rule ids of the errors a file at `path` (from the project's root) with `text` gets. */
async function errorsOf(text: string, path: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: join(ROOT, path) });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

describe('the linter', () => {
  it('finds no error in src/', async () => {
    const results = await eslint.lintFiles(['src']);
    expect(results.length).toBeGreaterThan(100);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath.slice(ROOT.length + 1)}:${m.line}: ${m.ruleId ?? ''} ${m.message}`));
    expect(errors).toEqual([]);
  }, 180_000);

  it('refuses real time, real randomness and host timers in simulated code', async () => {
    const cases: Array<[string, string]> = [
      ['export const t = Date.now();', 'no-restricted-properties'],
      ['export const r = Math.random();', 'no-restricted-properties'],
      ['export const p = performance.now();', 'no-restricted-properties'],
      ['export const h = process.hrtime();', 'no-restricted-properties'],
      ['export const d = new Date();', 'no-restricted-syntax'],
      ['setTimeout(() => undefined, 5);', 'no-restricted-globals'],
      ['export const i = setInterval(() => undefined, 5);', 'no-restricted-globals'],
      ['globalThis.setTimeout(() => undefined, 5);', 'no-restricted-properties'],
    ];
    for (const [text, rule] of cases) {
      for (const room of ['sim', 'redis', 'check', 'locks', 'workload', 'faults', 'services', 'scenario']) expect(await errorsOf(text, `src/${room}/probe.ts`), `${text} in src/${room}`).toContain(rule);
      for (const host of ['src/real/probe.ts', 'src/cli/probe.ts', 'src/bench/probe.ts', 'src/play/probe.ts', 'test/probe.test.ts']) expect(await errorsOf(text, host), `${text} in ${host}`).toEqual([]);
    }
    // A simulated time given to Date is no reading of the host clock.
    expect(await errorsOf('export const d = new Date(1_767_225_600_000);', 'src/check/probe.ts')).toEqual([]);
  }, 120_000);

  it('allows a deliberate exception on one line, with its reason; an exception nothing needs is an error', async () => {
    const excused = '// eslint-disable-next-line no-restricted-properties -- a probe: the host clock on purpose\nexport const t = Date.now();\n';
    expect(await errorsOf(excused, 'src/sim/probe.ts')).toEqual([]);
    expect(await errorsOf('// eslint-disable-next-line no-restricted-properties -- nothing here needs it\nexport const t = 1;\n', 'src/sim/probe.ts')).toEqual([expect.stringContaining('Unused eslint-disable directive')]);
  });

  it('refuses `any` and unused variables in src/, and a type imported as a value', async () => {
    expect(await errorsOf('export const f = (x: any): number => x;\n', 'src/check/probe.ts')).toEqual(['@typescript-eslint/no-explicit-any']);
    expect(await errorsOf('const unused = 1;\nexport {};\n', 'src/check/probe.ts')).toEqual(['@typescript-eslint/no-unused-vars']);
    expect(await errorsOf("import { Verdict } from '../scenario/types.ts';\nexport const v: Verdict = 'safe';\n", 'src/check/probe.ts')).toEqual(['@typescript-eslint/consistent-type-imports']);
  });
});
