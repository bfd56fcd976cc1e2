/**
 * An adapter finds its library in the user's project first (the scenario file's folder, then the
 * working directory), then beside locksim; found nowhere, the run says which package and the
 * `npm install` to run (src/libraries/resolve.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installedVersion } from '../../src/libraries/common.ts';
import { ioredisLockFamily } from '../../src/libraries/ioredis-lock.ts';
import { LibraryNotFoundError, librarySearchPath, locateLibrary, withLibrariesFrom } from '../../src/libraries/resolve.ts';
import { createRealm, LOCKSIM_ROOT } from '../../src/realm/realm.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';

let project = '';

// A project of the user's with its own "ioredis-lock": a different version from locksim's, whose
// lock always reports it acquired (so a run shows which copy ran).
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'locksim-resolve-'));
  const pkg = join(project, 'node_modules', 'ioredis-lock');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'ioredis-lock', version: '99.0.0-users', main: 'index.js' }));
  writeFileSync(
    join(pkg, 'index.js'),
    `exports.createLock = (client, options) => ({
      _id: 'users-copy',
      acquire: async (key) => { await client.set(key, 'users-copy', 'PX', options.timeout); },
      release: async () => {},
      extend: async () => {},
    });\n`,
  );
  mkdirSync(join(project, 'locksim'));
  writeFileSync(
    join(project, 'locksim', 'scenario.ts'),
    `import { ioredisLock } from ${JSON.stringify(join(LOCKSIM_ROOT, 'src', 'libraries', 'index.ts'))};
export default {
  name: 'users-copy', title: 't', explanation: 'e',
  world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }], durationMs: 2_000 },
  workload: { resource: 'lock:r', ttlMs: 1_000, workMs: { min: 10, max: 20 }, thinkMs: { min: 10, max: 20 } },
  faults: [],
  variants: [{ name: 'v', lock: ioredisLock(), expected: 'safe' }],
};\n`,
  );
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('library resolution', () => {
  it('looks from the scenario file\'s folder, then the working directory, then locksim\'s folder', async () => {
    expect(librarySearchPath()).toEqual([...new Set([process.cwd(), LOCKSIM_ROOT].map((d) => join(d, '.')))]);
    const inside = await withLibrariesFrom(join(project, 'locksim'), async () => librarySearchPath());
    expect(inside[0]).toBe(join(project, 'locksim'));
    expect(locateLibrary('ioredis-lock', inside)).toEqual({ from: join(project, 'locksim'), dir: join(project, 'node_modules', 'ioredis-lock') });
    expect(installedVersion('ioredis-lock', inside)).toBe('99.0.0-users');
    // locksim's own copy when the project has none.
    expect(installedVersion('ioredis-lock', [LOCKSIM_ROOT])).toBe('4.0.0');
  });

  it('a scenario file runs the library its own project installed, not locksim\'s', async () => {
    const scenario = await loadScenario(join(project, 'locksim', 'scenario.ts'));
    const result = await runScenario(scenario, { seed: 1 });
    expect(result.lockName).toBe('ioredis-lock@99.0.0-users');
    expect(result.verdict).toBe('safe');
  });

  it('a package linked in from elsewhere (pnpm\'s layout) loads in a realm with its own dependencies and files', () => {
    // node_modules/linked-lock -> .pnpm/linked-lock@1.0.0/node_modules/linked-lock, whose
    // dependency is only beside its real folder (pnpm keeps node_modules/ strict).
    const store = join(project, 'node_modules', '.pnpm', 'linked-lock@1.0.0', 'node_modules');
    mkdirSync(join(store, 'linked-lock'), { recursive: true });
    mkdirSync(join(store, 'linked-dep'), { recursive: true });
    writeFileSync(join(store, 'linked-dep', 'package.json'), JSON.stringify({ name: 'linked-dep', version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(store, 'linked-dep', 'index.js'), `module.exports = 'the dependency';\n`);
    writeFileSync(join(store, 'linked-lock', 'package.json'), JSON.stringify({ name: 'linked-lock', version: '1.0.0', main: 'index.js' }));
    writeFileSync(join(store, 'linked-lock', 'script.lua'), 'return 1\n');
    writeFileSync(join(store, 'linked-lock', 'index.js'), `exports.dep = require('linked-dep'); exports.lua = require('fs').readFileSync(__dirname + '/script.lua', 'utf8');\n`);
    symlinkSync(join(store, 'linked-lock'), join(project, 'node_modules', 'linked-lock'), 'dir');
    const { from } = locateLibrary('linked-lock', [project]);
    expect(installedVersion('linked-lock', [project])).toBe('1.0.0');
    const realm = createRealm({ clock: { now: () => 0, monotonic: () => 0, sleep: async () => {}, setTimer: () => () => {} }, random: { next: () => 0.5, int: (a) => a, hex: (n) => '0'.repeat(2 * n) } });
    expect({ ...realm.require<{ dep: string; lua: string }>('linked-lock', from) }).toEqual({ dep: 'the dependency', lua: 'return 1\n' });
  });

  it('a library found nowhere: the error names it and the npm install to run; the run is INVALID with it, not an internal error', async () => {
    expect(() => locateLibrary('no-such-lock/sub', [project])).toThrow(LibraryNotFoundError);
    expect(() => locateLibrary('@acme/no-such-lock', [project])).toThrow(
      `the library '@acme/no-such-lock' is not installed: locksim looked for node_modules/@acme/no-such-lock from ${project} and every folder above them. Run \`npm install --save-dev @acme/no-such-lock\` in your project`,
    );
    // Made without the library: no error where the lock is made (the catalog still loads).
    expect(() => locateLibrary('redlock5', [project])).toThrow('Run `npm install --save-dev redlock5@npm:redlock@5.0.0-beta.2` in your project');
    const lock = ioredisLockFamily('no-such-lock');
    const scenario: Scenario = {
      name: 'missing-library',
      title: 't',
      explanation: 'e',
      world: { nodes: 1, clients: [{ name: 'client-1', startMs: 0 }], durationMs: 1_000 },
      workload: { resource: 'lock:r', ttlMs: 500, workMs: { min: 10, max: 20 }, thinkMs: { min: 10, max: 20 } },
      faults: [],
      variants: [{ name: 'v', lock, expected: 'safe' }],
    };
    const result = await runScenario(scenario, { seed: 1 });
    expect(result.verdict).toBe('invalid');
    expect(result.invalid?.firstError).toContain("the library 'no-such-lock' is not installed");
    expect(result.invalid?.firstError).toContain('npm install --save-dev no-such-lock');
  });
});
