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

  it('runs its peers section in quick mode: locksim, ioredis-mock, a real redis-server and the kernel floor on the same workloads (no figure is asserted)', () => {
    const stdout = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'src/bench/main.ts', '--quick', '--json', '--only', 'peers'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const figures = JSON.parse(stdout) as { peers: { redisServer: string; rows: Array<Record<string, unknown>> } };
    expect(figures.peers.rows.map((r) => r['workload'])).toEqual(['set-get', 'evalsha']);
    for (const row of figures.peers.rows) {
      expect(row['locksim']).toBeGreaterThan(0);
      expect(row['ioredisMock']).toBeGreaterThan(0);
      expect(row['floor']).toBeGreaterThan(0);
      // Under CI a real redis-server must be there (the house rule for real-server tests).
      if (process.env.CI === 'true') expect(row['redisServer']).toBeGreaterThan(0);
    }
    if (process.env.CI === 'true') expect(figures.peers.redisServer).toMatch(/^redis-server /);
  }, 120_000);

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
