/**
 * locksim as a user meets it: packed with `npm pack`, installed into a fresh project outside the
 * repository (with only what that project needs), and used there: a vitest property test of a
 * lock written there (a correct one passes, one with a planted flaw fails with a replay line),
 * `npx locksim run` on a scenario file written there, and its replay with the same trace hash.
 * The commands are the ones examples/github-actions.yml runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; exports: Record<string, unknown> };
const VITEST_VERSION = MANIFEST.devDependencies.vitest as string;

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

/**
 * A published lock library that is not in locksim's catalog, tested the way docs/libraries.md
 * says a user does it: an adapter written with the public `libraryLock`, the library installed
 * from npm in the user's project, loaded unmodified into each simulated client's realm.
 */
const UNIVERSAL_VERSION = '0.8.5';
const UNIVERSAL_ADAPTER = `import { libraryLock, type Lease, type LockFactory } from 'locksim';

interface Handle { readonly value?: string; readonly id?: string }
interface UniversalLock { acquire(): Promise<Handle>; release(handle: Handle): Promise<boolean> }
interface UniversalModule {
  IoredisAdapter: new (client: unknown) => unknown;
  createRedlock(config: { adapters: unknown[]; key: string; ttl: number; retryAttempts?: number; retryDelay?: number }): UniversalLock;
}

/** redlock-universal (npm), unmodified: createRedlock({ adapters, key, ttl }) over every node. */
export function redlockUniversal(): LockFactory {
  const name = 'redlock-universal@${UNIVERSAL_VERSION}';
  return libraryLock(name, (env) => {
    const { IoredisAdapter, createRedlock } = env.require<UniversalModule>('redlock-universal');
    const adapters = env.clients.map((client) => new IoredisAdapter(client));
    const held = new WeakMap<Lease, { lock: UniversalLock; handle: Handle }>();
    return {
      name,
      async acquire(resource, ttlMs) {
        const start = env.clock.monotonic();
        const lock = createRedlock({ adapters, key: resource, ttl: ttlMs, retryAttempts: 10, retryDelay: 100 });
        let handle: Handle;
        try {
          handle = await lock.acquire();
        } catch (error) {
          // A refusal is "no lock"; anything else is a failure of the library.
          if (/LockAcquisitionError/.test((error as { name?: string }).name ?? '')) return null;
          throw error;
        }
        // Redlock's validity: the TTL less the drift allowance, from before the first SET.
        const lease: Lease = { resource, value: String(handle.value ?? handle.id), validUntil: start + ttlMs * 0.99 - 2, timeSource: 'monotonic' };
        held.set(lease, { lock, handle });
        return lease;
      },
      async release(lease) {
        const h = held.get(lease)!;
        await h.lock.release(h.handle);
      },
    };
  });
}
`;

const UNIVERSAL_TESTS = `import { expect, test } from 'vitest';
import { ALL_FAULTS } from 'locksim';
import { checkLock } from 'locksim/testing';
import { redlockUniversal } from './redlock-universal.ts';

test('redlock-universal keeps mutual exclusion under the faults of its model', async () => {
  await checkLock({ lock: redlockUniversal(), nodes: 3, runs: 30, seed: 1 });
}, 300_000);

test('redlock-universal breaks under faults outside its model, with a replay line', async () => {
  await expect(checkLock({ lock: redlockUniversal(), nodes: 3, runs: 100, seed: 1, faults: ALL_FAULTS })).rejects.toThrow(/redlock-universal@${UNIVERSAL_VERSION} is unsafe[\\s\\S]*replay: /);
}, 300_000);
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

const enabled = process.env.CI === 'true' || process.env.LOCKSIM_PACKAGE_TEST === '1';
let project = '';
let tarball = '';

function run(cmd: string, args: string[], cwd: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true', LOCKSIM_SEED: '1', FORCE_COLOR: '0' }, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `npm pack` once for every project of this file (it builds dist/ first). */
function pack(): string {
  if (tarball === '') {
    const packDir = mkdtempSync(join(tmpdir(), 'locksim-pack-'));
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8' })) as Array<{ filename: string }>;
    tarball = join(packDir, packed[0]?.filename ?? '');
  }
  return tarball;
}

afterAll(() => {
  if (tarball) rmSync(join(tarball, '..'), { recursive: true, force: true });
});

/** `locksim list`, `run gc-pause --variant redlock` and `replay` of its token, from the installed package. */
function catalogCommands(dir: string): void {
  const list = run('npx', ['locksim', 'list'], dir);
  expect(list.status, list.stderr).toBe(0);
  expect(list.stdout).toContain('gc-pause');
  expect(list.stdout).toContain('library-redlock4');
  const first = run('npx', ['locksim', 'run', 'gc-pause', '--variant', 'redlock', '--json', '--no-reports'], dir);
  expect(first.stderr).toBe('');
  expect(first.status).toBe(0);
  const result = JSON.parse(first.stdout) as { verdict: string; expected: string; traceHash: string; token: string };
  expect(result.verdict).toBe(result.expected);
  const again = run('npx', ['locksim', 'replay', result.token, '--json'], dir);
  expect(again.stderr).toBe('');
  expect((JSON.parse(again.stdout) as { traceHash: string }).traceHash).toBe(result.traceHash);
}

/** `explore` of a scenario file's fenced variant, then a sweep in two shards that `locksim merge` combines. */
function exploreAndMergedSweep(dir: string, file: string): void {
  const explored = run('npx', ['locksim', 'explore', file, '--variant', 'fenced', '--runs', '10', '--seed', '1', '--json'], dir);
  expect(explored.stderr).toBe('');
  expect(JSON.parse(explored.stdout)).toMatchObject({ scenario: 'my-pause', variant: 'fenced', expected: 'safe' });
  for (const shard of ['1/2', '2/2']) {
    const swept = run('npx', ['locksim', 'sweep', file, '--variant', 'fenced', '--runs', '4', '--shard', shard, '--workers', '1', '--json'], dir);
    expect(swept.stderr).toBe('');
    writeFileSync(join(dir, `sweep-${shard[0]}.json`), swept.stdout);
  }
  const merged = run('npx', ['locksim', 'merge', 'sweep-1.json', 'sweep-2.json', '--reports', 'merged'], dir);
  expect(merged.stdout).toContain('my-pause/fenced: 4 runs (seeds 1..4, shards 1-2 of 2)');
  expect(existsSync(join(dir, 'merged', 'junit.xml'))).toBe(true);
}

/** The vitest file of the published library: both tests pass (the second expects the finding). */
function libraryTests(dir: string): void {
  const r = run('npx', ['vitest', 'run', 'redlock-universal.test.ts'], dir);
  const output = r.stdout + r.stderr;
  expect(r.status, output).toBe(0);
  expect(output).toMatch(/2 passed/);
}

describe.runIf(enabled)('the packed package in a fresh project', () => {
  beforeAll(() => {
    pack();
    project = mkdtempSync(join(tmpdir(), 'locksim-user-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-service', private: true, type: 'module' }, null, 2));
    writeFileSync(join(project, 'locks.ts'), LOCKS);
    writeFileSync(join(project, 'locks.test.ts'), TESTS);
    writeFileSync(join(project, 'redlock-universal.ts'), UNIVERSAL_ADAPTER);
    writeFileSync(join(project, 'redlock-universal.test.ts'), UNIVERSAL_TESTS);
    mkdirSync(join(project, 'locksim'));
    writeFileSync(join(project, 'locksim', 'my-scenario.ts'), SCENARIO);
    const install = run('npm', ['install', '--no-audit', '--no-fund', '--save-dev', tarball, `vitest@${VITEST_VERSION}`, `redlock-universal@${UNIVERSAL_VERSION}`], project);
    if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  }, 600_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('the tarball holds what a user needs and nothing of the tests or reports', () => {
    const listing = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as Array<{ files: Array<{ path: string }> }>;
    const files = (listing[0]?.files ?? []).map((f) => f.path);
    for (const needed of ['bin/locksim.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/testing.js', 'dist/scenarios/index.js', 'src/real/shim/clock-shim.c', 'README.md', 'docker-compose.yml', 'examples/github-actions.yml', 'examples/history-overlap.json', 'docs/report-screenshot.png']) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('reports/') || f.startsWith('scratch/'))).toEqual([]);
    // The registry page shows the README without the repository: its image is an absolute link to the shipped file.
    for (const image of readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) expect(image[1]).toMatch(/^https:\/\/unpkg\.com\/locksim\/(.+)$/);
    for (const image of readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\(https:\/\/unpkg\.com\/locksim\/([^)]+)\)/g)) expect(files).toContain(image[1]);
    expect(statSync(tarball).size).toBeGreaterThan(0);
  });

  it('every entry point package.json exports loads from the installed package, with its named exports', () => {
    const entries = Object.keys(MANIFEST.exports).filter((e) => e !== './package.json').map((e) => `locksim${e.slice(1)}`);
    expect(entries).toEqual(expect.arrayContaining(['locksim', 'locksim/testing', 'locksim/pg', 'locksim/mssql']));
    const script = `for (const e of ${JSON.stringify(entries)}) { const m = await import(e); if (Object.keys(m).length === 0) throw new Error(e + ' exports nothing'); }`;
    const r = run('node', ['--input-type=module', '-e', script], project);
    expect(r.status, r.stderr).toBe(0);
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

  it('npx locksim list, run of a catalog scenario and its replay', () => {
    catalogCommands(project);
  }, 120_000);

  it('explore of the scenario file, and a two-shard sweep merged', () => {
    exploreAndMergedSweep(project, './locksim/my-scenario.ts');
  }, 300_000);

  it('a vitest checkLock test of a published library not in the catalog: a clean bill inside its model, a finding outside it', () => {
    libraryTests(project);
  }, 600_000);

  it('npx locksim real works from the installed package (built client process, clock shim built there)', () => {
    const real = run('npx', ['locksim', 'real', './locksim/my-scenario.ts', '--variant', 'plain', '--duration', '9s', '--json', '--no-reports'], project);
    expect(real.status, real.stderr).toBe(0);
    const result = JSON.parse(real.stdout) as { mode: string; verdict: string; agrees: boolean };
    expect(result).toMatchObject({ mode: 'real', verdict: 'unsafe', agrees: true });
  }, 120_000);
});

/**
 * npm init's default project is CommonJS: scenario files written with import/export load there as
 * .ts (with a lock in a local .ts module), replay from another folder of the project, explore,
 * and sweep in two shards that locksim merge combines.
 */
describe.runIf(enabled)('the packed package in a CommonJS project (npm init)', () => {
  let cjs = '';
  beforeAll(() => {
    pack();
    cjs = mkdtempSync(join(tmpdir(), 'locksim-cjs-'));
    const init = run('npm', ['init', '-y'], cjs);
    if (init.status !== 0) throw new Error(`npm init failed:\n${init.stderr}`);
    writeFileSync(join(cjs, 'locks.ts'), LOCKS);
    writeFileSync(join(cjs, 'locks.test.ts'), TESTS);
    writeFileSync(join(cjs, 'redlock-universal.ts'), UNIVERSAL_ADAPTER);
    writeFileSync(join(cjs, 'redlock-universal.test.ts'), UNIVERSAL_TESTS);
    writeFileSync(join(cjs, 'it.ts'), SCENARIO.replace("import { fencing, singleInstance, type Scenario } from 'locksim';", "import { fencing, singleInstance, type Scenario } from 'locksim';\nimport { carefulLock } from './locks.ts';").replace("{ name: 'plain', lock: singleInstance(), expected: 'unsafe' },", "{ name: 'plain', lock: singleInstance(), expected: 'unsafe' },\n    { name: 'careful', lock: carefulLock, expected: 'unsafe' },"));
    mkdirSync(join(cjs, 'sub'));
    const install = run('npm', ['install', '--no-audit', '--no-fund', '--save-dev', tarball, `vitest@${VITEST_VERSION}`, `redlock-universal@${UNIVERSAL_VERSION}`], cjs);
    if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  }, 600_000);

  afterAll(() => {
    if (cjs) rmSync(cjs, { recursive: true, force: true });
  });

  it('npx locksim run ./it.ts, replay from a subfolder, explore, and a two-shard sweep merged', () => {
    expect((JSON.parse(readFileSync(join(cjs, 'package.json'), 'utf8')) as { type?: string }).type ?? 'commonjs').toBe('commonjs');
    for (const variant of ['plain', 'careful']) {
      const first = run('npx', ['locksim', 'run', './it.ts', '--variant', variant, '--json', '--no-reports'], cjs);
      expect(first.stderr).toBe('');
      const result = JSON.parse(first.stdout) as { verdict: string; traceHash: string; token: string };
      expect(result.verdict).toBe('unsafe');
      const again = run('npx', ['locksim', 'replay', result.token, '--json'], join(cjs, 'sub'));
      expect(again.stderr).toBe('');
      expect((JSON.parse(again.stdout) as { traceHash: string }).traceHash).toBe(result.traceHash);
    }
    exploreAndMergedSweep(cjs, './it.ts');
  }, 300_000);

  it('npx locksim list, run of a catalog scenario and its replay', () => {
    catalogCommands(cjs);
  }, 120_000);

  it('vitest checkLock tests: the hand-written locks (one passes, one fails with a replay line) and a published library', () => {
    const r = run('npx', ['vitest', 'run', 'locks.test.ts'], cjs);
    const output = r.stdout + r.stderr;
    expect(r.status).toBe(1);
    expect(output).toContain('sloppy-lock is unsafe');
    expect(output).toContain("replay: checkLock({ ...sameOptions, replay: '");
    expect(output).toMatch(/1 failed/);
    expect(output).toMatch(/1 passed/);
    libraryTests(cjs);
  }, 600_000);
});

// The libraries issues #22 and #16 added, at the versions locksim pins, and their catalog pages.
const LIBRARIES: ReadonlyArray<{ pkg: string; page: string }> = [
  { pkg: '@sesamecare-oss/redlock', page: 'library-sesamecare-redlock' },
  { pkg: 'ioredis-lock', page: 'library-ioredis-lock' },
  { pkg: '@microfleet/ioredis-lock', page: 'library-microfleet-ioredis-lock' },
  { pkg: 'node-redis-warlock', page: 'library-node-redis-warlock' },
  // Over locksim's node-redis-shaped clients (issue #16).
  { pkg: 'redlock-universal', page: 'library-redlock-universal' },
];
const SEEDS = { from: 1, to: 20 };

const LIBRARY_SCENARIO = `import { ioredisLock, sesamecareRedlock, type Scenario } from 'locksim';

const scenario: Scenario = {
  name: 'my-libraries',
  title: 'Our two lock libraries, as installed in this project',
  explanation: 'ioredis-lock has nothing to stop a holder paused past its lease; sesamecare redlock on 3 calm nodes is safe.',
  world: { nodes: 3, clients: [{ name: 'client-1', startMs: 0 }, { name: 'client-2', startMs: 500 }], durationMs: 20_000 },
  workload: { resource: 'lock:mine', ttlMs: 5_000, workMs: { min: 1_000, max: 2_500 }, thinkMs: { min: 20, max: 50 } },
  faults: [],
  variants: [
    { name: 'ioredis-lock-paused', lock: ioredisLock(), nodes: ['redis-1'], faults: [{ kind: 'pause', at: 500, process: 'client-1', durationMs: 6_000 }], expected: 'unsafe' },
    { name: 'sesamecare-calm', lock: sesamecareRedlock(), expected: 'safe' },
  ],
};
export default scenario;
`;

interface SeedsJson {
  seeds: { from: number; to: number };
  ok: boolean;
  results: Array<{ variant: string; seed: number; verdict: string; expected: string; matches: boolean; invalid: unknown; evidence: { acquisitions: number; redisCommands: number } }>;
}

/**
 * Published libraries from the installed package, with the libraries where a user's project has
 * them and locksim cannot see them from its own folder: a workspace whose root installs locksim
 * and whose app (app/) installs the libraries, both with `--install-strategy=nested`. The
 * catalog's library pages run from app/ (found from the working directory), a scenario file in
 * app/ runs from the root (found from the file's folder), and a page run where no library is
 * installed says which package to install.
 */
describe.runIf(enabled)('published libraries from the packed package, installed in the user\'s project', () => {
  let workspace = '';
  let app = '';
  const bin = () => join(workspace, 'node_modules', 'locksim', 'bin', 'locksim.js');

  beforeAll(() => {
    pack();
    workspace = mkdtempSync(join(tmpdir(), 'locksim-workspace-'));
    app = join(workspace, 'app');
    mkdirSync(join(app, 'locksim'), { recursive: true });
    writeFileSync(join(workspace, 'package.json'), JSON.stringify({ name: 'my-workspace', private: true, type: 'module', devDependencies: { locksim: `file:${tarball}` } }, null, 2));
    const libraries = Object.fromEntries(LIBRARIES.map(({ pkg }) => [pkg, MANIFEST.devDependencies[pkg] as string]));
    // ioredis-lock 4 declares the peer ioredis ~4; locksim's own override lets it take ioredis 5 (docs/libraries.md).
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'my-service', private: true, type: 'module', devDependencies: { ...libraries, ioredis: MANIFEST.dependencies.ioredis }, overrides: { 'ioredis-lock': { ioredis: '$ioredis' } } }, null, 2),
    );
    writeFileSync(join(app, 'locksim', 'my-scenario.ts'), LIBRARY_SCENARIO);
    for (const dir of [workspace, app]) {
      const install = run('npm', ['install', '--install-strategy=nested', '--no-audit', '--no-fund'], dir);
      if (install.status !== 0) throw new Error(`npm install in ${dir} failed:\n${install.stderr}`);
    }
  }, 600_000);

  afterAll(() => {
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('the libraries are in app/ only: not beside locksim, nor in a folder above it', () => {
    for (const { pkg } of LIBRARIES) {
      expect(existsSync(join(app, 'node_modules', pkg, 'package.json')), pkg).toBe(true);
      expect(existsSync(join(workspace, 'node_modules', pkg)), pkg).toBe(false);
      expect(existsSync(join(workspace, 'node_modules', 'locksim', 'node_modules', pkg)), pkg).toBe(false);
    }
  });

  for (const { pkg, page } of LIBRARIES) {
    it(`${page}: every variant holds its expected verdict at seeds ${SEEDS.from}..${SEEDS.to}, each judged on evidence (${pkg} from app/node_modules)`, () => {
      const listed = JSON.parse(run('node', [bin(), 'list', '--json'], app).stdout) as { scenarios: Array<{ name: string; variants: Array<{ name: string }> }> };
      const variants = (listed.scenarios.find((s) => s.name === page)?.variants ?? []).map((v) => v.name);
      expect(variants.length, `${page} in locksim list`).toBeGreaterThan(0);
      const r = run('node', [bin(), 'run', page, '--seeds', `${SEEDS.from}..${SEEDS.to}`, '--json'], app);
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as SeedsJson;
      const notAsExpected = out.results.filter((x) => !x.matches).map((x) => `${x.variant} seed ${x.seed}: ${x.verdict} (expected ${x.expected})${x.invalid === null ? '' : ` ${JSON.stringify(x.invalid)}`}`);
      expect(notAsExpected).toEqual([]);
      expect(r.status).toBe(0);
      expect(out.ok).toBe(true);
      const seeds = Array.from({ length: SEEDS.to - SEEDS.from + 1 }, (_, i) => SEEDS.from + i);
      expect(out.results.map((x) => `${x.variant}@${x.seed}`).sort()).toEqual(seeds.flatMap((seed) => variants.map((v) => `${v}@${seed}`)).sort());
      for (const x of out.results) {
        expect(x.verdict, `${x.variant} seed ${x.seed}`).not.toBe('invalid');
        expect(x.evidence.redisCommands, `${x.variant} seed ${x.seed}`).toBeGreaterThan(0);
      }
    }, 180_000);
  }

  it('a scenario file in app/ using the adapters exported by locksim runs the libraries app/ installed, from the workspace root', () => {
    const r = run('npx', ['locksim', 'run', './app/locksim/my-scenario.ts', '--seeds', '1..3', '--json'], workspace);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as SeedsJson;
    expect(out.results.map((x) => [x.variant, x.seed, x.verdict])).toEqual([1, 2, 3].flatMap((seed) => [['ioredis-lock-paused', seed, 'unsafe'], ['sesamecare-calm', seed, 'safe']]));
    for (const x of out.results) expect(x.evidence.acquisitions, `${x.variant} seed ${x.seed}`).toBeGreaterThan(0);
    expect(r.status).toBe(0);
  }, 180_000);

  it('where no library is installed the catalog still lists, and a library page\'s run is INVALID naming the package and the npm install to run', () => {
    expect(run('npx', ['locksim', 'list'], workspace).status).toBe(0);
    const r = run('npx', ['locksim', 'run', 'library-ioredis-lock', '--variant', 'in-model', '--json', '--no-reports'], workspace);
    expect(r.status).toBe(4);
    const out = JSON.parse(r.stdout) as { verdict: string; invalid: { firstError: string } };
    expect(out.verdict).toBe('invalid');
    expect(out.invalid.firstError).toContain("the library 'ioredis-lock' is not installed");
    expect(out.invalid.firstError).toContain('`npm install --save-dev ioredis-lock` in your project');
  }, 120_000);
});
