/**
 * The ioredis-shaped client (locksim/ioredis) against real ioredis 5 + a real redis-server: the
 * same steps in both worlds (constructor forms, the commands lock libraries and their tests
 * use, databases, pipelines and MULTI with their `exec()` shapes, WATCH, `defineCommand`,
 * `call`, `sendCommand`, `keyPrefix`, error replies, `duplicate`), the same outcomes.
 *
 * With CI=true a missing redis-server fails the real half; elsewhere it is skipped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AddressMap, simulatedIoredis } from '../../src/ioredis.ts';
import { addRedisNode } from '../../src/redis/node.ts';
import { World, ms } from '../../src/sim/index.ts';
import { realRedisTestsEnabled, startRedisServer } from '../support/redis-server.ts';

type Client = Record<string, (...args: unknown[]) => Promise<unknown>> & {
  options: Record<string, unknown>;
  pipeline(): Chain;
  multi(): Chain;
  defineCommand(name: string, d: { numberOfKeys?: number; lua: string }): void;
  duplicate(): Client;
  sendCommand(c: unknown): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
};
type Chain = Record<string, (...args: unknown[]) => Chain> & { exec(): Promise<Array<[Error | null, unknown]> | null> };

interface Maker {
  /** `new Redis(...args)` with the address of the server (options form). */
  options(extra: Record<string, unknown>): Client;
  /** `new Redis(url)` for database `db`. */
  url(db: number): Client;
  /** `new Redis(port, host)`. */
  portHost(): Client;
  Command: new (name: string, args: unknown[]) => unknown;
}

const outcome = (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (e: Error) => ({ error: e.name, message: e.message }));
const pairs = (r: Array<[Error | null, unknown]> | null) => (r === null ? null : r.map(([e, v]) => (e === null ? v : { error: e.name, message: e.message })));

async function steps(make: Maker): Promise<unknown[]> {
  const out: unknown[] = [];
  const a = make.options({ db: 2 });
  const b = make.portHost();
  const c = make.url(3);
  out.push(await a.flushall());
  out.push(await a.setnx('k', '1'), await a.setnx('k', '2'), await a.psetex('p', 5000, 'v'), await a.getset('k', '3'), await a.unlink('p', 'nope'));
  out.push(await a.sadd('s', 'a', 'b', 'c'), await a.srem('s', 'b'), ((await a.smembers('s')) as string[]).sort(), await a.sismember('s', 'a'), await a.scard('s'));
  out.push(((await a.keys('*')) as string[]).sort(), await a.scan('0', 'MATCH', 's*', 'COUNT', 100));
  out.push(await b.get('k'), await b.select(2), await b.get('k'), await c.dbsize());
  out.push(pairs(await a.pipeline().set('x', '1').incr('x').get('x').hget('k', 'f').exec()));
  out.push(pairs(await a.multi().set('y', '1').incr('y').exec()));
  out.push(await outcome(a.multi().set('y').incr('y').exec()));
  await a.watch('w');
  await b.set('w', 'changed');
  out.push(pairs(await a.multi().set('w', 'mine').exec()), await a.get('w'));
  a.defineCommand('keyAndArg', { numberOfKeys: 1, lua: 'return {KEYS[1], ARGV[1]}' });
  out.push(await a.keyAndArg('kk', 'aa'), pairs(await (a.pipeline() as Chain).keyAndArg('k2', 'a2').exec()));
  out.push(await a.call('SET', 'z', '1', 'PX', '1000', 'NX'), await a.sendCommand(new make.Command('get', ['z'])));
  const prefixed = make.options({ db: 2, keyPrefix: 'pre:' });
  out.push(await prefixed.set('k', 'v'), await prefixed.get('k'), await a.get('pre:k'), await prefixed.eval("return redis.call('get', KEYS[1])", 1, 'k'));
  out.push(await outcome(a.get('s')), await outcome(a.call('nosuchcommand')), await outcome(a.evalsha('0'.repeat(40), 0)));
  const d = a.duplicate();
  out.push(d.options['db'], await d.get('k'));
  out.push(await c.flushdb(), await a.dbsize(), await a.flushdb(), await a.dbsize());
  for (const client of [a, b, c, d, prefixed]) out.push(await client.quit());
  return out;
}

function simulate(): Promise<unknown[]> {
  const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
  addRedisNode(world, 'redis-1');
  let result: unknown[] | null = null;
  world.addProcess('client-1', async (ctx) => {
    const Redis = simulatedIoredis(ctx);
    const make = (...args: unknown[]) => new Redis(...args) as unknown as Client;
    result = await steps({
      options: (extra) => make({ host: '127.0.0.1', port: 6379, ...extra }),
      url: (db) => make(`redis://127.0.0.1:6379/${db}`),
      portHost: () => make(6379, 'localhost'),
      Command: Redis.Command as unknown as Maker['Command'],
    });
  });
  return world.run({ until: ms(60_000) }).then(() => {
    if (result === null) throw new Error('the simulated steps never finished');
    return result;
  });
}

describe('locksim/ioredis in simulation', () => {
  it('runs the steps (databases, sets, pipelines, MULTI, WATCH, scripts, keyPrefix, errors)', async () => {
    const out = await simulate();
    expect(out.slice(0, 6)).toEqual(['OK', 1, 0, 'OK', '1', 1]);
    // Another database: b sees nothing in db 0, then the key in db 2; c (db 3 by URL) is empty.
    expect(out.slice(13, 17)).toEqual([null, 'OK', '3', 0]);
  });

  it('an address nobody listens at is refused with the map in the message', async () => {
    const world = new World({ seed: 1 });
    addRedisNode(world, 'redis-1');
    let message = '';
    world.addProcess('client-1', async (ctx) => {
      const Redis = simulatedIoredis(ctx, { addresses: new AddressMap({ 'cache:6379': 'redis-1' }) });
      try {
        new Redis(6390, '10.0.0.5');
      } catch (error) {
        message = (error as Error).message;
      }
      new Redis({ host: 'cache' }).disconnect();
    });
    await world.run({ until: ms(1_000) });
    expect(message).toBe(
      "ioredis (locksim): no simulated node listens at 10.0.0.5:6390. The address map has cache:6379 → redis-1; give the client one of these addresses, or add this one to the map (the harness or realm option `addresses`)",
    );
  });
});

const real = realRedisTestsEnabled();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!real)('locksim/ioredis parity with real ioredis 5 + redis-server', () => {
  it('the same steps give the same replies, reply shapes and errors', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.stop());
    const made: Redis[] = [];
    cleanups.push(() => made.forEach((r) => r.disconnect()));
    const make = (...args: unknown[]): Client => {
      const r = new (Redis as unknown as new (...a: unknown[]) => Redis)(...args);
      made.push(r);
      return r as unknown as Client;
    };
    const realOut = await steps({
      options: (extra) => make({ host: '127.0.0.1', port: server.port, ...extra }),
      url: (db) => make(`redis://127.0.0.1:${server.port}/${db}`),
      portHost: () => make(server.port, 'localhost'),
      Command: (Redis as unknown as { Command: Maker['Command'] }).Command,
    });
    expect(await simulate()).toEqual(realOut);
  }, 30_000);
});
