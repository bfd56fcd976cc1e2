/**
 * The node-redis-shaped client (locksim/redis) against the real `redis` package (node-redis 5)
 * + a real redis-server: the same steps in both worlds (createClient forms, connect, isOpen and
 * isReady, commands in node-redis's names with its option objects and reply shapes, scripts,
 * sendCommand, MULTI, WATCH, error classes and messages, close, destroy, duplicate, and a
 * server that dies under a command in flight), the same outcomes.
 *
 * With CI=true a missing redis-server fails the real half; elsewhere it is skipped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as realRedis from 'redis';
import { simulatedNodeRedis } from '../../src/node-redis.ts';
import { addRedisNode } from '../../src/redis/node.ts';
import { World, ms } from '../../src/sim/index.ts';
import { realRedisTestsEnabled, startRedisServer, type RedisServer } from '../support/redis-server.ts';

type Chain = Record<string, (...args: unknown[]) => Chain> & { exec(): Promise<unknown[]> };
type Client = Record<string, (...args: unknown[]) => Promise<unknown>> & {
  isOpen: boolean;
  isReady: boolean;
  connect(): Promise<Client>;
  multi(): Chain;
  duplicate(): Client;
  destroy(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
};

/** What the steps need from a world: node-redis's module, the server's port, killing the server. */
interface Env {
  module: { createClient(options?: object): unknown; [name: string]: unknown };
  port: number;
  /** Kills the server while a command of `client` is in flight; the command's promise. */
  killUnder(client: Client): Promise<unknown>;
  sleep(ms: number): Promise<void>;
}

/** An outcome, with which of node-redis's error classes the error is an instance of. */
function outcomeIn(module: Env['module']) {
  const kinds = ['ErrorReply', 'ClientClosedError', 'ClientOfflineError', 'WatchError', 'MultiErrorReply', 'SocketClosedUnexpectedlyError', 'DisconnectsClientError'];
  return (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      (v) => v,
      (e: Error) => ({ message: e.message, name: e.name, is: kinds.filter((k) => e instanceof (module[k] as new () => Error)) }),
    );
}

async function steps(env: Env): Promise<unknown[]> {
  const out: unknown[] = [];
  const outcome = outcomeIn(env.module);
  const make = (options: object) => env.module.createClient(options) as Client;
  const c = make({ url: `redis://127.0.0.1:${env.port}/1` });
  out.push(c.isOpen, c.isReady, await outcome(c.get('k')));
  out.push((await c.connect()) === c, c.isOpen, c.isReady, await outcome(c.connect()));
  out.push(await c.flushAll());
  out.push(await c.set('k', 'v', { NX: true, PX: 5000 }), await c.set('k', 'w', { NX: true, PX: 5000 }), await c.get('k'));
  out.push(await c.set('k2', 'v', { condition: 'NX', expiration: { type: 'PX', value: 5000 } }), ((await c.pTTL('k2')) as number) > 4000);
  out.push(await c.setNX('n', '1'), await c.getSet('n', '2'), await c.del(['n', 'missing']), await c.exists(['k', 'k2']), await c.pExpire('k', 60_000));
  out.push(await c.eval('return {KEYS[1], ARGV[1], 3}', { keys: ['kk'], arguments: ['aa'] }));
  const sha = (await c.scriptLoad('return 7')) as string;
  out.push(sha, await c.evalSha(sha), await outcome(c.evalSha('0'.repeat(40))));
  out.push(await c.sendCommand(['SET', 'z', '1']), await c.sendCommand(['INCR', 'z']), await outcome(c.sendCommand(['NOSUCH'])));
  out.push(await c.sAdd('s', ['a', 'b']), await c.sIsMember('s', 'a'), ((await c.sMembers('s')) as string[]).sort(), await c.sCard('s'), await c.sRem('s', 'a'));
  out.push(await c.hSet('h', { f1: 'v1', f2: 'v2' }), { ...((await c.hGetAll('h')) as object) }, await c.hGet('h', 'f1'));
  const scanned = (await c.scan('0', { MATCH: 'k*', COUNT: 100 })) as { cursor: string; keys: string[] };
  out.push({ cursor: scanned.cursor, keys: [...scanned.keys].sort() });
  out.push(await outcome(c.get('s')), await outcome(c.incr('k')));
  out.push(await c.multi().set('m', '1').incr('m').get('m').exec());
  out.push(await outcome(c.multi().set('m', 'x').incr('m').exec()));
  const other = await make({ socket: { host: '127.0.0.1', port: env.port }, database: 1 }).connect();
  out.push(await other.get('m'));
  await c.watch('w');
  await other.set('w', 'theirs');
  out.push(await outcome(c.multi().set('w', 'mine').exec()), await c.get('w'));
  const d = c.duplicate();
  out.push(d.isOpen);
  await d.connect();
  out.push(await d.get('m'), await d.flushDb(), await d.dbSize());
  await c.close();
  out.push(c.isOpen, c.isReady, await outcome(c.get('k')));
  d.destroy();
  out.push(d.isOpen, await outcome(d.get('k')));
  // The server dies with a command in flight: it rejects; the client reconnects and waits.
  const errors: string[] = [];
  other.on('error', (e: unknown) => errors.push((e as Error).message));
  out.push(await outcome(env.killUnder(other)), errors[0], other.isOpen);
  return out;
}

function simulate(): Promise<unknown[]> {
  const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
  addRedisNode(world, 'redis-1');
  let result: unknown[] | null = null;
  world.addProcess('client-1', async (ctx) => {
    const module = simulatedNodeRedis(ctx) as unknown as Env['module'];
    result = await steps({
      module,
      port: 6379,
      killUnder: (client) => {
        // The request is on the wire (0.1 ms) when the node dies.
        const inFlight = client.get('k');
        world.crash('redis-1');
        return inFlight;
      },
      sleep: (d) => ctx.clock.sleep(d),
    });
  });
  return world.run({ until: ms(20_000) }).then(() => {
    if (result === null) throw new Error(`the simulated steps never finished ${world.errors.map((e) => e.message).join('; ')}`);
    return result;
  });
}

describe('locksim/redis (node-redis 5 shape) in simulation', () => {
  it('runs the steps', async () => {
    const out = await simulate();
    expect(out.slice(0, 3)).toEqual([false, false, { message: 'The client is closed', name: 'Error', is: ['ClientClosedError'] }]);
    expect(out.slice(-3)).toEqual([{ message: 'Socket closed unexpectedly', name: 'Error', is: ['SocketClosedUnexpectedlyError'] }, 'Socket closed unexpectedly', true]);
  });
});

const real = realRedisTestsEnabled();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!real)('locksim/redis parity with real node-redis 5 + redis-server', () => {
  it('the same steps give the same replies, reply shapes, errors and error classes', async () => {
    const server: RedisServer = await startRedisServer();
    cleanups.push(() => server.stop());
    const made: Client[] = [];
    cleanups.push(() => made.forEach((c) => c.isOpen && c.destroy()));
    const module = {
      ...(realRedis as unknown as Env['module']),
      createClient: (options: object) => {
        // No reconnection on the real side once the server is killed for good (the steps end there).
        const c = realRedis.createClient({ ...options, socket: { ...(options as { socket?: object }).socket, reconnectStrategy: () => 60_000 } }) as unknown as Client;
        made.push(c);
        return c;
      },
    };
    const realOut = await steps({
      module,
      port: server.port,
      killUnder: async (client) => {
        // A command that blocks stays in flight until the server dies.
        const inFlight = client.sendCommand(['BLPOP', 'nothing', '0']);
        inFlight.catch(() => {});
        await new Promise((r) => setTimeout(r, 20));
        await server.stop();
        return inFlight;
      },
      sleep: (d) => new Promise((r) => setTimeout(r, d)),
    });
    expect(await simulate()).toEqual(realOut);
  }, 30_000);
});
