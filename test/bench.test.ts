import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

describe('npm run bench', () => {
  it('still works in quick mode and prints its figures as JSON (no figure is asserted)', () => {
    const stdout = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'src/bench/main.ts', '--quick', '--json', '--only', 'kernel,reference'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const figures = JSON.parse(stdout) as { kernel: Record<string, number>; reference: Record<string, number> };
    expect(Object.keys(figures.kernel)).toEqual(expect.arrayContaining(['scheduledEventsPerSecond', 'kernelEventsPerSecond', 'simulatedSecondsPerSecond', 'heapMiB']));
    expect(Object.keys(figures.reference)).toEqual(expect.arrayContaining(['simulatedSecondsPerSecond', 'redisCommandsPerSecond']));
  });

  it('rejects an unknown section with exit code 2', () => {
    let status = 0;
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'src/bench/main.ts', '--only', 'nonsense'], { cwd: ROOT, stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(2);
  });
});
