/**
 * Simulated code (everything under src/ but real mode, the command line and the benchmark)
 * must not read real time or real randomness: a run must be a pure function of its seed.
 * Only the kernel's scheduler, one marked file, touches Node's scheduling (process.nextTick), and
 * only the kernel's real-time guard names the rest (it wraps them while a world runs, to fail a run
 * whose code reaches them anyway: test/sim/real-time-guard.test.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const NOT_SIMULATED = [/^src\/real\//, /^src\/cli(\.ts|\/)/, /^src\/bench\//];
const FORBIDDEN: Array<[RegExp, string]> = [
  [/\bMath\.random\b/, 'Math.random'],
  [/\bDate\.now\b/, 'Date.now'],
  [/\bnew Date\s*\(/, 'new Date('],
  [/\bperformance\.now\b/, 'performance.now'],
  [/\bprocess\.hrtime\b/, 'process.hrtime'],
  [/\bsetTimeout\s*\(/, 'setTimeout'],
  [/\bsetInterval\s*\(/, 'setInterval'],
  [/\bsetImmediate\s*\(/, 'setImmediate'],
  [/\bqueueMicrotask\s*\(/, 'queueMicrotask'],
  [/\bprocess\.nextTick\b/, 'process.nextTick'],
];
const SCHEDULER = 'src/sim/scheduler.ts';
const SCHEDULER_MAY_USE = new Set(['process.nextTick']);
/** The kernel's real-time guard wraps these names to catch simulated code that reaches them; it never reads them for a run. */
const GUARD = 'src/sim/real-time-guard.ts';

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Source without comments (a name mentioned in a comment is fine). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export function findViolations(): string[] {
  const violations: string[] = [];
  for (const file of tsFiles(join(ROOT, 'src'))) {
    const path = relative(ROOT, file).split('\\').join('/');
    if (NOT_SIMULATED.some((re) => re.test(path))) continue;
    const lines = code(readFileSync(file, 'utf8')).split('\n');
    lines.forEach((line, index) => {
      for (const [pattern, name] of FORBIDDEN) {
        if (!pattern.test(line)) continue;
        if (path === SCHEDULER && SCHEDULER_MAY_USE.has(name)) continue;
        if (path === GUARD) continue;
        violations.push(`${path}:${index + 1}: ${name} in simulated code: ${line.trim()}`);
      }
    });
  }
  return violations;
}

describe('determinism guard', () => {
  it('simulated code reads no real time or randomness', () => {
    expect(findViolations()).toEqual([]);
  });

  it('the guard itself notices a forbidden name', () => {
    const sample = code('const t = Date.now(); // Date.now is fine in a comment\n');
    expect(/\bDate\.now\b/.test(sample)).toBe(true);
    expect(code('// Math.random() only mentioned\n')).not.toMatch(/Math\.random/);
  });
});
