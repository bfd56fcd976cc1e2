/**
 * The realm loads what real packages do (issue #22): ES-module packages (turned into CommonJS at
 * load time, on the realm's simulated globals) and packages that read their own files at load
 * time (a read-only fs confined to the package's folder).
 *
 * Packages are loaded as src/libraries/common.ts loads a library for a client: a realm on the
 * simulated process's clock and random stream, then `realm.require(name)`.
 */
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRealm, type Realm } from '../../src/realm/index.ts';
import { addRedisNode } from '../../src/redis/node.ts';
import type { ProcessContext } from '../../src/sim/process.ts';
import { seconds } from '../../src/sim/time.ts';
import { World } from '../../src/sim/world.ts';
import { writeTree } from '../support/file-tree.ts';

let fixtures: string;

/** Writes a file tree (path → contents) under the fixtures folder. */
const files = (tree: Record<string, string>): void => writeTree(fixtures, tree);

beforeAll(() => {
  // realpath: the messages name the package folder as the loader resolved it.
  fixtures = realpathSync(mkdtempSync(join(tmpdir(), 'locksim-loader-')));
  files({
    // An ES-module-only package, as @microfleet/ioredis-lock 6 publishes itself.
    'node_modules/esm-lock/package.json': JSON.stringify({
      name: 'esm-lock',
      version: '6.0.1',
      type: 'module',
      exports: { '.': { types: './src/index.d.ts', import: './src/index.js' }, './package.json': './package.json' },
    }),
    'node_modules/esm-lock/src/index.js': `
      import { setTimeout as sleep } from 'node:timers/promises';
      import { readFileSync } from 'node:fs';
      import { createRequire } from 'node:module';
      import helper, { twice } from './helper.js';
      import * as helpers from './helper.js';
      import dual from 'esm-dual';
      import cjsDefault from 'cjs-flagged';
      import { inner } from 'cjs-flagged';
      export { twice as double } from './helper.js';
      export * from './more.js';
      export const url = import.meta.url;
      export const metaDirname = import.meta.dirname;
      export const script = readFileSync(new URL('../lua/x.lua', import.meta.url), 'utf8');
      export const version = createRequire(import.meta.url)('../package.json').version;
      export const topThis = this === undefined;
      export const strict = (function () { return this === undefined; })();
      export default class Lock {
        now() { return Date.now(); }
        fresh() { return new Date().getTime(); }
        wait(ms) { return new Promise((resolve) => setTimeout(() => resolve(Date.now()), ms)); }
        sleep(ms) { return sleep(ms).then(() => performance.now()); }
        random() { return Math.random(); }
      }
      export function imports() {
        return { helper: helper(), twice: twice(2), namespaceDefault: helpers.default(), dual, cjsDefaultType: typeof cjsDefault, cjsDefaultInner: cjsDefault.default, inner };
      }
      export async function lazy() {
        const m = await import('./lazy.js');
        return m.default + ':' + m.named;
      }`,
    'node_modules/esm-lock/src/helper.js': "export default function helper() { return 'helper'; }\nexport const twice = (n) => 2 * n;",
    'node_modules/esm-lock/src/more.js': "export const more = 'more';",
    'node_modules/esm-lock/src/lazy.js': "export default 'lazy'; export const named = 'named';",
    'node_modules/esm-lock/lua/x.lua': "return redis.call('GET', KEYS[1])",
    // Conditions: an ES module's import takes "import", a require takes "require".
    'node_modules/esm-dual/package.json': JSON.stringify({ name: 'esm-dual', exports: { '.': { import: './index.mjs', require: './index.cjs' } } }),
    'node_modules/esm-dual/index.mjs': "export default 'import entry';",
    'node_modules/esm-dual/index.cjs': "module.exports = 'require entry';",
    // CommonJS compiled from TypeScript: Node's `import x from` gives module.exports, not .default.
    'node_modules/cjs-flagged/index.js': "Object.defineProperty(exports, '__esModule', { value: true }); exports.default = 'inner default'; exports.inner = 'inner named';",
    // An ES module whose top-level await CommonJS cannot express.
    'node_modules/esm-tla/package.json': JSON.stringify({ name: 'esm-tla', type: 'module', main: 'index.js' }),
    'node_modules/esm-tla/index.js': "export const x = await Promise.resolve(1);",
    // `#internal` imports of an ES module.
    'node_modules/esm-imports/package.json': JSON.stringify({ name: 'esm-imports', type: 'module', exports: './index.js', imports: { '#util': './lib/util.js' } }),
    'node_modules/esm-imports/index.js': "export { util } from '#util';",
    'node_modules/esm-imports/lib/util.js': "export const util = 'util';",
    // A CommonJS package that reads its own Lua script at load time, as node-redis-warlock does.
    'node_modules/reads-lua/package.json': JSON.stringify({ name: 'reads-lua', main: 'lib/index.js' }),
    'node_modules/reads-lua/lib/index.js': `
      const fs = require('fs');
      const path = require('path');
      const lua = path.join(__dirname, '../lua/x.lua');
      const stat = fs.statSync(lua);
      module.exports = {
        script: fs.readFileSync(lua, 'utf8'),
        bytes: fs.readFileSync(lua).length,
        exists: fs.existsSync(lua),
        missing: fs.existsSync(path.join(__dirname, 'nope.lua')),
        list: fs.readdirSync(path.join(__dirname, '../lua')),
        listIsArray: Array.isArray(fs.readdirSync(path.join(__dirname, '../lua'))),
        stat: { isFile: stat.isFile(), size: stat.size, mtimeMs: stat.mtimeMs, mtimeIsDate: stat.mtime instanceof Date },
        promised: () => require('fs/promises').readFile(lua, 'utf8'),
        viaPromises: () => fs.promises.readFile(lua, 'utf8'),
        callback: (done) => fs.readFile(lua, 'utf8', done),
        read: (p) => fs.readFileSync(p, 'utf8'),
        missingFile: () => { try { fs.readFileSync(path.join(__dirname, 'nope.lua')); } catch (e) { return [e instanceof Error, e.code]; } },
      };`,
    'node_modules/reads-lua/lua/x.lua': "return redis.call('DEL', KEYS[1])",
    'node_modules/reads-outside/index.js': "module.exports = require('fs').readFileSync('/etc/hostname', 'utf8');",
    'node_modules/reads-sibling/index.js': "module.exports = require('fs').readFileSync(require('path').join(__dirname, '../reads-lua/lua/x.lua'), 'utf8');",
    'node_modules/reads-link/index.js': "module.exports = require('fs').readFileSync(require('path').join(__dirname, 'link'), 'utf8');",
    'node_modules/writes/index.js': "require('fs').writeFileSync('/tmp/x', 'y');",
    'node_modules/writes-own/index.js': "require('fs').writeFileSync(__dirname + '/cache.json', '{}');",
    'node_modules/writes-async/index.js': "module.exports = () => require('fs/promises').writeFile(__dirname + '/x', 'y');",
  });
  symlinkSync('/etc/hostname', join(fixtures, 'node_modules/reads-link/link'));
});

afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

/** Runs `body` in a simulated process with a realm as common.ts makes one (plus the fixtures as base folder). */
async function inProcess(body: (realm: Realm, ctx: ProcessContext) => unknown, seed = 1): Promise<World> {
  const world = new World({ seed });
  addRedisNode(world, 'redis-1');
  world.addProcess('client-1', (ctx) => body(createRealm({ clock: ctx.clock, random: ctx.random, name: 'esm-lock@6', baseDir: fixtures }), ctx), { wallOffsetMs: 12_345 });
  await world.run({ until: seconds(10) });
  return world;
}

/** A realm outside any world (module loading only). */
const staticRealm = () =>
  createRealm({ clock: { now: () => 0, monotonic: () => 0, sleep: async () => {}, setTimer: () => () => {} }, random: { next: () => 0.5, int: (a) => a, hex: (n) => '0'.repeat(2 * n) }, baseDir: fixtures });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

describe('ES-module packages load in a realm', () => {
  it('an ES module sees the simulated clock, timers and random stream, and loading it reaches no real time', async () => {
    const seen: Record<string, unknown> = {};
    const world = await inProcess(async (realm, ctx) => {
      const { default: Lock } = realm.require<Any>('esm-lock');
      const lock = new Lock();
      await ctx.clock.sleep(250);
      seen.now = lock.now();
      seen.fresh = lock.fresh();
      seen.wall = ctx.clock.now();
      seen.waited = await lock.wait(100);
      seen.wallAfter = ctx.clock.now();
      seen.monoAfterWait = ctx.clock.monotonic();
      seen.slept = await lock.sleep(50);
      seen.random = lock.random();
    });
    expect(world.errors).toEqual([]);
    expect(world.realTimeCalls).toEqual([]);
    expect(seen.now).toBe(seen.wall);
    expect(seen.fresh).toBe(seen.wall);
    expect(seen.waited).toBe(seen.wallAfter);
    expect(seen.waited).toBe((seen.wall as number) + 100);
    expect(seen.monoAfterWait).toBe(350);
    expect(seen.slept).toBe(400);
    // Seeded: the same seed draws the same number.
    let again: unknown;
    await inProcess((realm) => void (again = new (realm.require<Any>('esm-lock').default)().random()));
    expect(again).toBe(seen.random);
  });

  it('default and named exports are both reachable from a CommonJS consumer (the namespace)', () => {
    const m = staticRealm().require<Any>('esm-lock');
    expect(typeof m.default).toBe('function');
    expect(m.default.name).toBe('Lock');
    expect(m.double(21)).toBe(42);
    expect(m.more).toBe('more');
    expect(Object.keys(m)).toEqual(expect.arrayContaining(['default', 'double', 'more', 'url', 'imports', 'lazy']));
    // An adapter reading `.default` or a named export both work; a realm object, as CommonJS exports are.
    expect(m instanceof Object).toBe(false);
  });

  it('imports follow Node: "import" conditions, default of CommonJS is module.exports, of ES modules export default', () => {
    const r = staticRealm();
    expect(r.require<Any>('esm-lock').imports()).toEqual({
      helper: 'helper',
      twice: 4,
      namespaceDefault: 'helper',
      dual: 'import entry',
      cjsDefaultType: 'object',
      cjsDefaultInner: 'inner default',
      inner: 'inner named',
    });
    // A CommonJS require of the same dual package takes its "require" entry.
    expect(r.require('esm-dual')).toBe('require entry');
    expect(r.require<Any>('esm-imports').util).toBe('util');
  });

  it('import.meta, createRequire, strict mode and a dynamic import() of a relative module', async () => {
    const m = staticRealm().require<Any>('esm-lock');
    const file = join(fixtures, 'node_modules/esm-lock/src/index.js');
    expect(m.url).toBe(pathToFileURL(file).href);
    expect(m.metaDirname).toBe(dirname(file));
    expect(m.script).toBe("return redis.call('GET', KEYS[1])");
    expect(m.version).toBe('6.0.1');
    expect(m.topThis).toBe(true);
    expect(m.strict).toBe(true);
    expect(await m.lazy()).toBe('lazy:named');
  });

  it('top-level await is an error naming the file and the reason', () => {
    expect(() => staticRealm().require('esm-tla')).toThrow(/esm-tla\/index\.js:1:\d+' is an ES module the locksim realm could not turn into CommonJS: Top-level await/);
  });
});

describe('a package reads its own files through a read-only fs confined to its folder', () => {
  const folder = (name: string) => join(fixtures, 'node_modules', name);

  it('reads inside the package folder work: readFileSync, existsSync, readdirSync, statSync, promises, callbacks', async () => {
    let m: Any;
    let viaPromises: unknown;
    let viaFsPromises: unknown;
    let viaCallback: unknown[] = [];
    const world = await inProcess(async (realm) => {
      m = realm.require<Any>('reads-lua');
      viaPromises = await m.promised();
      viaFsPromises = await m.viaPromises();
      viaCallback = await new Promise((resolve) => m.callback((e: unknown, text: unknown) => resolve([e, text])));
    });
    expect(world.errors).toEqual([]);
    expect(world.realTimeCalls).toEqual([]);
    const lua = "return redis.call('DEL', KEYS[1])";
    expect(m.script).toBe(lua);
    expect(m.bytes).toBe(lua.length);
    expect(m.exists).toBe(true);
    expect(m.missing).toBe(false);
    expect([...m.list]).toEqual(['x.lua']);
    expect(m.listIsArray).toBe(true);
    // Stats carry no real times: nothing read varies between machines or runs.
    expect({ ...m.stat }).toEqual({ isFile: true, size: lua.length, mtimeMs: 0, mtimeIsDate: true });
    expect(viaPromises).toBe(lua);
    expect(viaFsPromises).toBe(lua);
    expect(viaCallback).toEqual([null, lua]);
    expect([...m.missingFile()]).toEqual([true, 'ENOENT']);
  });

  it('a read outside the folder is refused with the path and why: absolute, ../ to a sibling, a symlink out', () => {
    const r = staticRealm();
    expect(() => r.require('reads-outside')).toThrow(
      `realm fs is read-only and confined to the package folder ${folder('reads-outside')}: readFileSync('/etc/hostname') refused (/etc/hostname is outside the package folder)`,
    );
    expect(() => r.require('reads-sibling')).toThrow(new RegExp(`confined to the package folder ${folder('reads-sibling')}: readFileSync\\('.*reads-lua/lua/x\\.lua'\\) refused \\(.*is outside the package folder\\)`));
    expect(() => r.require('reads-link')).toThrow(/readFileSync\('.*reads-link\/link'\) refused \(\/etc\/hostname is outside the package folder\)/);
    expect(() => r.require<Any>('reads-lua').read('/etc/passwd')).toThrow(/readFileSync\('\/etc\/passwd'\) refused/);
  });

  it('any write is refused with the path, inside the folder too; an async write rejects', async () => {
    const r = staticRealm();
    expect(() => r.require('writes')).toThrow(`realm fs is read-only and confined to the package folder ${folder('writes')}: writeFileSync('/tmp/x') refused (a write)`);
    expect(() => r.require('writes-own')).toThrow(`writeFileSync('${folder('writes-own')}/cache.json') refused (a write)`);
    await expect(r.require<() => Promise<unknown>>('writes-async')()).rejects.toThrow(`promises.writeFile('${folder('writes-async')}/x') refused (a write)`);
  });

  it('errors are the realm\'s own (instanceof Error holds inside); the host itself gets no fs', () => {
    const r = staticRealm();
    let thrown: unknown;
    try {
      r.require('writes');
    } catch (error) {
      thrown = error;
    }
    expect(thrown instanceof (r.global['Error'] as ErrorConstructor)).toBe(true);
    expect((thrown as { code?: string }).code).toBe('EACCES');
    expect(() => r.require('fs')).toThrow(/given to a package's own modules only/);
  });
});
