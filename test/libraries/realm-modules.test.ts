/**
 * A realm can be told what a `require` means (Realm.provide: how `require('ioredis')` becomes
 * locksim's simulated client), and its `process` has Node's `uncaughtException` and
 * `unhandledRejection` listeners (a test runner inside a realm maps a throw to its test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRealm, type Realm } from '../../src/realm/index.ts';
import { ms } from '../../src/sim/time.ts';
import { World } from '../../src/sim/world.ts';
import { writeTree } from '../support/file-tree.ts';

let fixtures: string;

beforeAll(() => {
  fixtures = mkdtempSync(join(tmpdir(), 'locksim-realm-modules-'));
  writeTree(fixtures, {
    'node_modules/uses-ioredis/index.js': "const Redis = require('ioredis'); module.exports = { Redis, resolved: require.resolve('ioredis'), sub: (() => { try { return require('ioredis/built/utils'); } catch (e) { return e.code; } })() };",
    'node_modules/throws-later/index.js': `
      module.exports = (log) => {
        process.on('uncaughtException', (error, origin) => log.push(origin + ': ' + error.message));
        setTimeout(() => { throw new Error('from a timer'); }, 5);
        process.nextTick(() => { throw new Error('from a tick'); });
      };`,
  });
});

afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

function inWorld(body: (realm: Realm) => void | Promise<void>, options: { modules?: Parameters<typeof createRealm>[0]['modules'] } = {}): Promise<World> {
  const world = new World({ seed: 1 });
  world.addProcess('p', async (ctx) => {
    const realm = createRealm({ clock: ctx.clock, random: ctx.random, baseDir: fixtures, ...options });
    await body(realm);
  });
  return world.run({ until: ms(1_000) }).then(() => world);
}

describe('Realm.provide and the modules option', () => {
  it('every require of the exact specifier gets the given module; other specifiers resolve as before', async () => {
    const fake = { fake: true };
    let seen: { Redis: unknown; resolved: unknown; sub: unknown } | null = null;
    await inWorld((realm) => {
      realm.provide('ioredis', { exports: fake });
      seen = realm.require('uses-ioredis');
    });
    expect(seen).not.toBeNull();
    expect(seen!.Redis).toBe(fake);
    expect(seen!.resolved).toBe('ioredis');
    // A subpath is not the provided module: it resolves from node_modules (not installed in the fixture).
    expect(seen!.sub).toBe('MODULE_NOT_FOUND');
  });

  it('a function is called once, with the realm, on the first require', async () => {
    let calls = 0;
    let same = false;
    await inWorld(
      (realm) => {
        const a = realm.require('ioredis');
        const b = realm.require('ioredis');
        same = a === b && (a as { realm: unknown }).realm === realm;
      },
      {
        modules: {
          ioredis: (realm) => {
            calls++;
            return { realm };
          },
        },
      },
    );
    expect(calls).toBe(1);
    expect(same).toBe(true);
  });

  it('bad input names what is wrong', async () => {
    let message = '';
    await inWorld((realm) => {
      try {
        realm.provide('ioredis', 42 as never);
      } catch (error) {
        message = (error as Error).message;
      }
    });
    expect(message).toMatch(/Realm.provide\('ioredis'\): give \{ exports \} or a function/);
  });
});

describe("the realm's process: uncaughtException listeners", () => {
  it('a throw from a timer or a tick goes to the listener and the process lives on', async () => {
    const log: string[] = [];
    let realm: Realm | null = null;
    const world = await inWorld((r) => {
      realm = r;
      (r.require('throws-later') as (log: string[]) => void)(log);
    });
    expect(log).toEqual(['uncaughtException: from a tick', 'uncaughtException: from a timer']);
    expect(realm!.alive).toBe(true);
    expect(world.errors).toEqual([]);
  });

  it('without a listener a throw still crashes the process', async () => {
    const world = await inWorld((realm) => {
      realm.global['setTimeout'] = realm.global['setTimeout'];
      (realm.global['setTimeout'] as (f: () => void, ms: number) => void)(() => {
        throw new Error('boom');
      }, 1);
    });
    expect(world.errors.map((e) => e.message)).toEqual([expect.stringMatching(/uncaught exception in realm.*boom/)]);
  });
});
