/**
 * The realm: a library's globals come from the simulated process (clocks, timers, random), its
 * failures are the process's, and its modules load as Node would load them (CommonJS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libraryEnvironment } from '../../src/libraries/index.ts';
import { createRealm, type Realm } from '../../src/realm/index.ts';
import { SimRedis } from '../../src/redis/client.ts';
import { addRedisNode } from '../../src/redis/node.ts';
import type { ProcessContext } from '../../src/sim/process.ts';
import { ms, seconds } from '../../src/sim/time.ts';
import { World } from '../../src/sim/world.ts';
import { writeTree } from '../support/file-tree.ts';

let fixtures: string;

/** Writes a file tree (path → contents) under the fixtures folder. */
const files = (tree: Record<string, string>): void => writeTree(fixtures, tree);

beforeAll(() => {
  fixtures = mkdtempSync(join(tmpdir(), 'locksim-realm-'));
  files({
    // Conditional exports: the CommonJS entry must win over "import".
    'node_modules/dual/package.json': JSON.stringify({ name: 'dual', exports: { '.': { import: './esm.mjs', require: './cjs.js' }, './feature': './lib/feature.js', './data/*': './data/*.json' } }),
    'node_modules/dual/cjs.js': "exports.kind = 'cjs'; exports.version = require('./package.json').name;",
    'node_modules/dual/esm.mjs': "export const kind = 'esm';",
    'node_modules/dual/lib/feature.js': "module.exports = 'feature';",
    'node_modules/dual/data/one.json': '{"n": 1}',
    // main without extension, a folder index, a cycle.
    'node_modules/plain/package.json': JSON.stringify({ name: 'plain', main: 'lib/main' }),
    'node_modules/plain/lib/main.js': "const b = require('./b'); module.exports = { a: true, b: b.b, sawPartialA: b.sawPartialA, dep: require('dep') };",
    'node_modules/plain/lib/b.js': "const a = require('./main'); exports.sawPartialA = typeof a === 'object' && a.a === undefined; exports.b = true;",
    'node_modules/plain/node_modules/dep/index.js': "module.exports = 'nested dep';",
    'node_modules/esm-only/package.json': JSON.stringify({ name: 'esm-only', type: 'module', main: 'index.js' }),
    'node_modules/esm-only/index.js': 'export default 1;',
    'node_modules/uses-fs/index.js': "require('fs').writeFileSync('/tmp/locksim-x', '');",
    'node_modules/uses-net/index.js': "require('net');",
    'node_modules/optional/index.js': "let found = true; try { require('not-installed'); } catch (e) { found = e.code; } module.exports = found;",
    // What a library sees of its globals.
    'node_modules/probe/index.js': `
      const crypto = require('node:crypto');
      const util = require('util');
      module.exports = {
        now: () => Date.now(),
        fresh: () => new Date().getTime(),
        dateString: () => Date(),
        epoch: () => new Date(0).toISOString(),
        isDate: () => new Date() instanceof Date,
        mono: () => performance.now(),
        hr: () => process.hrtime.bigint(),
        random: () => Math.random(),
        bytes: () => crypto.randomBytes(8).toString('hex'),
        uuid: () => crypto.randomUUID(),
        hash: (s) => crypto.createHash('sha1').update(s).digest('hex'),
        isNode: () => Object.prototype.toString.call(process),
        env: () => Object.keys(process.env).length,
        errorIsError: (e) => e instanceof Error,
        timers: { setTimeout, setInterval, setImmediate, clearTimeout, clearInterval },
        sleep: util.promisify(setTimeout),
        sleepP: require('timers/promises').setTimeout,
        nextTick: (f) => process.nextTick(f),
        microtask: (f) => queueMicrotask(f),
        abortAfter: (ms) => AbortSignal.timeout(ms),
        exit: () => process.exit(3),
        evalshaError: async (client) => {
          try { await client.evalsha('0000000000000000000000000000000000000000', 0); return 'no error'; }
          catch (e) { return [e instanceof Error, e.name, e.message.split(' ')[0]]; }
        },
        callback: (client, f) => client.set('k', 'v', (err, res) => f(err, res)),
        log: (...a) => console.log(...a),
      };`,
  });
});

afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Fn = (...args: any[]) => any;
type Probe = Record<string, Fn> & { timers: Record<string, Fn> };

const crashOf = (world: World) => world.errors.map((e) => `${e.process}: ${e.message}`);

/** Runs `body` in a simulated process with a realm loaded from the fixtures; resolves with the world. */
async function inProcess(body: (realm: Realm, ctx: ProcessContext, world: World) => unknown, options: { seed?: number; driftPpm?: number; until?: number } = {}): Promise<World> {
  const world = new World({ seed: options.seed ?? 1 });
  addRedisNode(world, 'redis-1');
  world.addProcess('client-1', (ctx) => body(createRealm({ clock: ctx.clock, random: ctx.random, name: 'probe', baseDir: fixtures }), ctx, world), { driftPpm: options.driftPpm, wallOffsetMs: 12_345 });
  await world.run({ until: options.until ?? seconds(10) });
  return world;
}

describe('realm globals come from the simulated process', () => {
  it('Date, performance, hrtime read the process clocks; Date is still a Date', async () => {
    const seen: Record<string, unknown> = {};
    await inProcess(async (realm, ctx) => {
      const p = realm.require<Probe>('probe');
      await ctx.clock.sleep(250);
      Object.assign(seen, { now: p.now(), fresh: p.fresh(), wall: ctx.clock.now(), mono: p.mono(), clockMono: ctx.clock.monotonic(), hr: p.hr(), epoch: p.epoch(), isDate: p.isDate(), dateString: p.dateString(), isNode: p.isNode(), env: p.env() });
    });
    expect(seen.now).toBe(seen.wall);
    expect(seen.fresh).toBe(seen.wall);
    expect(seen.mono).toBe(seen.clockMono);
    expect(seen.mono).toBe(250);
    expect(seen.hr).toBe(250_000_000n);
    expect(seen.epoch).toBe('1970-01-01T00:00:00.000Z');
    expect(seen.isDate).toBe(true);
    expect(String(seen.dateString)).toContain('2026');
    expect(seen.isNode).toBe('[object process]');
    expect(seen.env).toBe(0);
  });

  it('Math.random and crypto draw from the seeded stream: same seed, same values; another seed, others', async () => {
    const draw = async (seed: number) => {
      let values: unknown[] = [];
      await inProcess((realm) => {
        const p = realm.require<Probe>('probe');
        values = [p.random(), p.bytes(), p.uuid(), p.hash('x')];
      }, { seed });
      return values;
    };
    const a = await draw(1);
    expect(await draw(1)).toEqual(a);
    const b = await draw(2);
    expect(b[0]).not.toBe(a[0]);
    expect(b[1]).not.toBe(a[1]);
    expect(String(a[2])).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(b[3]).toBe(a[3]);
  });

  it('timers keep Node\'s rules and run on the monotonic clock', async () => {
    const log: string[] = [];
    await inProcess((realm, ctx, world) => {
      const p = realm.require<Probe>('probe');
      const t = p.timers;
      // Local monotonic ms (2 decimals: true time is whole microseconds), then true ms.
      const at = (label: string) => () => log.push(`${label}@${ctx.clock.monotonic().toFixed(2)}/${(world.now / 1000).toFixed(2)}`);
      t.setTimeout!(at('timeout0'), 0);
      t.setImmediate!(at('immediate'));
      const interval = t.setInterval!(() => {
        at('interval')();
        if (log.filter((l) => l.startsWith('interval')).length === 3) t.clearInterval!(interval);
      }, 100) as { unref(): unknown; hasRef(): boolean };
      expect(interval.unref()).toBe(interval);
      expect(interval.hasRef()).toBe(false);
      const byNumber = t.setTimeout!(at('cleared-by-number'), 50);
      t.clearTimeout!(Number(byNumber));
      const refreshed = t.setTimeout!(at('refreshed'), 200) as { refresh(): unknown };
      t.setTimeout!(() => refreshed.refresh(), 150);
    }, { driftPpm: 100_000 });
    // A +10 % clock: a local 100 ms is 90.91 true ms. setTimeout(f, 0) waits 1 ms as in Node.
    expect(log).toEqual(['immediate@0.00/0.00', 'timeout0@1.00/0.91', 'interval@100.00/90.91', 'interval@200.00/181.82', 'interval@300.00/272.73', 'refreshed@350.00/318.18']);
  });

  it('promisified timers, timers/promises and AbortSignal.timeout use simulated time', async () => {
    const log: string[] = [];
    const world = await inProcess(async (realm, ctx) => {
      const p = realm.require<Probe>('probe');
      const signal = p.abortAfter(300) as AbortSignal;
      signal.addEventListener('abort', () => log.push(`aborted@${ctx.clock.monotonic()} ${(signal.reason as Error).name}`));
      await p.sleep(100);
      log.push(`promisify@${ctx.clock.monotonic()}`);
      await p.sleepP(100);
      log.push(`timers/promises@${ctx.clock.monotonic()}`);
    });
    expect(world.errors).toEqual([]);
    expect(log).toEqual(['promisify@100', 'timers/promises@200', 'aborted@300 TimeoutError']);
  });

  it('nextTick callbacks run in order, before the next kernel event; queueMicrotask too', async () => {
    const log: string[] = [];
    await inProcess((realm) => {
      const p = realm.require<Probe>('probe');
      p.timers.setImmediate!(() => log.push('immediate'));
      p.nextTick(() => {
        log.push('tick 1');
        p.nextTick(() => log.push('tick 3 (queued by tick 1)'));
      });
      p.nextTick(() => log.push('tick 2'));
      p.microtask(() => log.push('microtask'));
    });
    expect(log).toEqual(['tick 1', 'tick 2', 'tick 3 (queued by tick 1)', 'microtask', 'immediate']);
  });

  it('console output is captured in the realm log, not printed', async () => {
    let lines: string[] = [];
    await inProcess((realm) => {
      realm.require<Probe>('probe').log('hello %s', 'world');
      lines = realm.log.lines;
    });
    expect(lines).toEqual(['  hello world']);
  });
});

describe('realm failures are the simulated process\'s', () => {
  it('a throw in a timer callback crashes the process at once (uncaught exception); later timers never run', async () => {
    const ran: string[] = [];
    let realm!: Realm;
    const world = await inProcess((r) => {
      realm = r;
      const p = r.require<Probe>('probe');
      p.timers.setTimeout!(() => {
        throw new (r.global['Error'] as ErrorConstructor)('boom');
      }, 10);
      p.timers.setTimeout!(() => ran.push('later'), 20);
    });
    expect(crashOf(world)).toEqual(['client-1: RealmCrash: uncaught exception in probe (setTimeout callback): Error: boom']);
    expect(world.process('client-1').state).toBe('crashed');
    expect(ran).toEqual([]);
    expect(realm.failures.map((f) => f.kind)).toEqual(['uncaught-exception']);
  });

  it('a throw in a nextTick callback crashes it through a 0 ms timer', async () => {
    const world = await inProcess((r) => {
      r.require<Probe>('probe').nextTick(() => {
        throw new TypeError('tick failed');
      });
    });
    expect(crashOf(world)).toEqual(['client-1: RealmCrash: uncaught exception in probe (nextTick callback): TypeError: tick failed']);
  });

  it('an async setInterval callback that rejects is an unhandled rejection: the process dies', async () => {
    const world = await inProcess((r) => {
      const p = r.require<Probe>('probe');
      p.timers.setInterval!(async () => {
        throw new (r.global['Error'] as ErrorConstructor)('refresh failed');
      }, 100);
    });
    expect(crashOf(world)).toEqual(['client-1: RealmCrash: unhandled rejection in probe: Error: refresh failed']);
    expect(world.errors[0]!.at).toBe(ms(100));
  });

  it('process.exit() ends the process', async () => {
    const world = await inProcess((r) => {
      r.require<Probe>('probe').timers.setTimeout!(() => r.require<Probe>('probe').exit(), 5);
    });
    expect(crashOf(world)).toEqual(['client-1: RealmCrash: process exit in probe: Error: process.exit(3) called']);
  });

  it('a lease signal handed out by an adapter is aborted when the realm fails', async () => {
    let reason: unknown = null;
    await inProcess((_r, ctx) => {
      const env = libraryEnvironment({ nodes: [new SimRedis(ctx, 'redis-1')], clock: ctx.clock, random: ctx.random }, 'lib');
      const controller = env.leaseController();
      controller.signal.addEventListener('abort', () => (reason = controller.signal.reason));
      env.realm!.fail('uncaught-exception', new Error('library bug'));
    });
    expect(String(reason)).toBe('Error: the process crashed: uncaught exception in lib: Error: library bug');
  });
});

describe('the realm\'s Redis client', () => {
  it('errors are the realm\'s own Error (instanceof holds inside), named ReplyError as in ioredis', async () => {
    let seen: unknown;
    await inProcess(async (r, ctx) => {
      seen = await r.require<Probe>('probe').evalshaError(r.redis(new SimRedis(ctx, 'redis-1')));
    });
    expect(seen).toEqual([true, 'ReplyError', 'NOSCRIPT']);
  });

  it('Node-style callbacks get (error, result); a throw in one crashes the process', async () => {
    const got: unknown[] = [];
    const world = await inProcess((r, ctx) => {
      const client = r.redis(new SimRedis(ctx, 'redis-1'));
      const p = r.require<Probe>('probe');
      p.callback(client, (e: unknown, v: unknown) => {
        got.push(e, v);
        throw new (r.global['Error'] as ErrorConstructor)('callback bug');
      });
    });
    expect(got).toEqual([null, 'OK']);
    expect(crashOf(world)).toEqual(['client-1: RealmCrash: uncaught exception in probe: Error: callback bug']);
  });
});

describe('the CommonJS loader', () => {
  const realm = () => createRealm({ clock: { now: () => 0, monotonic: () => 0, sleep: async () => {}, setTimer: () => () => {} }, random: { next: () => 0.5, int: (a) => a, hex: (n) => '0'.repeat(2 * n) }, baseDir: fixtures });

  it('takes the "require" condition of exports, subpaths and patterns, and JSON', () => {
    const r = realm();
    expect(r.require('dual')).toEqual({ kind: 'cjs', version: 'dual' });
    expect(r.require('dual/feature')).toBe('feature');
    expect(r.require('dual/data/one')).toEqual({ n: 1 });
    expect(() => r.require('dual/lib/feature.js')).toThrow(/not defined by "exports"/);
  });

  it('resolves main without extension, nested node_modules, and cycles as Node does', () => {
    expect(realm().require('plain')).toEqual({ a: true, b: true, sawPartialA: true, dep: 'nested dep' });
  });

  it('module objects are the realm\'s own', () => {
    const r = realm();
    const m = r.require<object>('dual');
    expect(m instanceof Object).toBe(false);
    expect(m instanceof (r.global['Object'] as ObjectConstructor)).toBe(true);
  });

  it('loads ES modules (test/realm/loader.test.ts), refuses real I/O with errors that say so; a missing module is MODULE_NOT_FOUND', () => {
    const r = realm();
    expect(r.require<{ default: number }>('esm-only').default).toBe(1);
    expect(() => r.require('uses-fs')).toThrow(/realm fs is read-only and confined to the package folder .*uses-fs: writeFileSync\('\/tmp\/locksim-x'\) refused/);
    expect(() => r.require('uses-net')).toThrow(/'net' is not available inside a locksim realm/);
    expect(r.require('optional')).toBe('MODULE_NOT_FOUND');
  });

  it('loads the published libraries from locksim\'s node_modules', () => {
    const r = createRealm({ clock: { now: () => 0, monotonic: () => 0, sleep: async () => {}, setTimer: () => () => {} }, random: { next: () => 0.5, int: (a) => a, hex: (n) => '0'.repeat(2 * n) } });
    expect(typeof r.require('redlock')).toBe('function');
    expect(Object.keys(r.require<object>('redlock5'))).toContain('default');
    expect(Object.keys(r.require<object>('redis-semaphore'))).toEqual(expect.arrayContaining(['Mutex', 'RedlockMutex', 'Semaphore', 'RedlockSemaphore']));
  });
});
