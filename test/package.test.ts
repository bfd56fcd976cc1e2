/**
 * locksim as a user meets it: packed with `npm pack`, installed into a fresh project outside the
 * repository (with only what that project needs), and used there: a vitest property test of a
 * lock written there (a correct one passes, one with a planted flaw fails with a replay line),
 * `npx locksim run` on a scenario file written there, and its replay with the same trace hash.
 * The commands are the ones examples/github-actions.yml runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const VITEST_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.vitest as string;

const LOCKS = `import type { LockFactory } from 'locksim';

function lock(releaseScript: string): LockFactory {
  return ({ nodes, clock, random }) => ({
    name: releaseScript.includes('get') ? 'careful-lock' : 'sloppy-lock',
    async acquire(resource, ttlMs) {
      const value = random.hex(8);
      for (let attempt = 0; attempt < 200; attempt++) {
        const start = clock.monotonic();
        if ((await nodes[0]!.call('SET', resource, value, 'NX', 'PX', ttlMs)) === 'OK') {
          const validUntil = start + ttlMs * 0.98 - 2;
          // A reply that came back after the lease ran out is no lease (a slow network, a pause).
          if (clock.monotonic() < validUntil) return { resource, value, validUntil, timeSource: 'monotonic' as const };
          await nodes[0]!.call('EVAL', releaseScript, 1, resource, value);
          return null;
        }
        await clock.sleep(20);
      }
      return null;
    },
    async release(lease) {
      await nodes[0]!.call('EVAL', releaseScript, 1, lease.resource, lease.value);
    },
  });
}

export const carefulLock = lock("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0");
// The planted flaw: release deletes whatever is there, the next holder's lock included.
export const sloppyLock = lock("return redis.call('del', KEYS[1])");
`;

const TESTS = `import { test } from 'vitest';
import { checkLock } from 'locksim/testing';
import { carefulLock, sloppyLock } from './locks.ts';

const faults = { kinds: ['delay', 'partition'] as const, clientFaults: false };

test('the careful lock keeps mutual exclusion', async () => {
  await checkLock({ lock: carefulLock, nodes: 1, runs: 40, faults: { ...faults, kinds: [...faults.kinds] } });
}, 120_000);

test('the sloppy lock', async () => {
  await checkLock({ lock: sloppyLock, nodes: 1, runs: 40, faults: { ...faults, kinds: [...faults.kinds] } });
}, 120_000);
`;

const SCENARIO = `import { fencing, singleInstance, type Scenario } from 'locksim';

const scenario: Scenario = {
  name: 'my-pause',
  title: 'My service under a long GC pause',
  explanation: 'The holder is paused past its lease; fencing saves the resource.',
  world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 500 }], durationMs: 20_000 },
  workload: { resource: 'lock:mine', ttlMs: 5_000, workMs: { min: 100, max: 200 }, thinkMs: { min: 20, max: 50 } },
  faults: [{ kind: 'pause', at: 50, process: 'client-1', durationMs: 8_000 }],
  variants: [
    { name: 'plain', lock: singleInstance(), expected: 'unsafe' },
    { name: 'fenced', lock: fencing(singleInstance()), resource: 'fenced', expected: 'safe' },
  ],
};
export default scenario;
`;

const inCi = process.env.CI === 'true';
let project = '';
let tarball = '';

function run(cmd: string, args: string[], cwd: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', LOCKSIM_SEED: '1', FORCE_COLOR: '0' }, timeout: 300_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.runIf(inCi || process.env.LOCKSIM_PACKAGE_TEST === '1')('the packed package in a fresh project', () => {
  beforeAll(() => {
    const packDir = mkdtempSync(join(tmpdir(), 'locksim-pack-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string }>;
    tarball = join(packDir, packed[0]?.filename ?? '');
    project = mkdtempSync(join(tmpdir(), 'locksim-user-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-service', private: true, type: 'module' }, null, 2));
    writeFileSync(join(project, 'locks.ts'), LOCKS);
    writeFileSync(join(project, 'locks.test.ts'), TESTS);
    mkdirSync(join(project, 'locksim'));
    writeFileSync(join(project, 'locksim', 'my-scenario.ts'), SCENARIO);
    const install = run('npm', ['install', '--no-audit', '--no-fund', '--save-dev', tarball, `vitest@${VITEST_VERSION}`], project);
    if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  }, 600_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
    if (tarball) rmSync(join(tarball, '..'), { recursive: true, force: true });
  });

  it('the tarball holds what a user needs and nothing of the tests or reports', () => {
    const listing = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
    const files = (listing[0]?.files ?? []).map((f) => f.path);
    for (const needed of ['bin/locksim.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/testing.js', 'dist/scenarios/index.js', 'src/real/shim/clock-shim.c', 'README.md']) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('reports/') || f.startsWith('scratch/'))).toEqual([]);
    expect(statSync(tarball).size).toBeGreaterThan(0);
  });

  it('a vitest property test passes the careful lock and fails the sloppy one with a replay line', () => {
    const r = run('npx', ['vitest', 'run', 'locks.test.ts'], project);
    const output = r.stdout + r.stderr;
    expect(r.status).toBe(1);
    expect(output).toMatch(/✓ .*the careful lock keeps mutual exclusion|the careful lock keeps mutual exclusion/);
    expect(output).toContain('sloppy-lock is unsafe');
    expect(output).toContain("replay: checkLock({ ...sameOptions, replay: '");
    expect(output).toMatch(/1 failed/);
    expect(output).toMatch(/1 passed/);
  });

  it('npx locksim runs a scenario file written there, and replays it with the same trace hash', () => {
    const first = run('npx', ['locksim', 'run', './locksim/my-scenario.ts', '--variant', 'plain', '--json', '--no-reports'], project);
    expect(first.stderr).toBe('');
    const result = JSON.parse(first.stdout) as { verdict: string; traceHash: string; token: string };
    expect(result.verdict).toBe('unsafe');
    expect(first.status).toBe(0);
    const again = run('npx', ['locksim', 'replay', result.token, '--json'], project);
    expect((JSON.parse(again.stdout) as { traceHash: string }).traceHash).toBe(result.traceHash);
    const help = run('npx', ['locksim', '--help'], project);
    expect(help.stdout).toContain('usage: locksim');
  });

  it('npx locksim real works from the installed package (built client process, clock shim built there)', () => {
    const real = run('npx', ['locksim', 'real', './locksim/my-scenario.ts', '--variant', 'plain', '--duration', '9s', '--json', '--no-reports'], project);
    expect(real.status, real.stderr).toBe(0);
    const result = JSON.parse(real.stdout) as { mode: string; verdict: string; agrees: boolean };
    expect(result).toMatchObject({ mode: 'real', verdict: 'unsafe', agrees: true });
  }, 120_000);
});
