/**
 * The simulated client's connection life as ioredis 5 lives it: `lazyConnect` and `connect()`,
 * the status events in order (`connecting`, `connect`, `ready`, `close`, `reconnecting`,
 * `end`), `quit` after the replies already due, `disconnect`, `duplicate` (a new connection).
 * The same steps run in simulation and against real ioredis + a real redis-server (killed and
 * restarted on its port): same events, same replies.
 *
 * With CI=true a missing redis-server fails the real half; elsewhere it is skipped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClient, type SimRedis, type SimRedisOptions } from '../../src/redis/client.ts';
import { addRedisNode } from '../../src/redis/node.ts';
import { World, ms } from '../../src/sim/index.ts';
import { realRedisTestsEnabled, startRedisServer, type RedisServer } from '../support/redis-server.ts';

/** The part of ioredis the steps use (both clients have it). */
interface Client {
  status: string;
  connect(): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<unknown>;
  quit(): Promise<unknown>;
}

interface World2 {
  make(options: { lazyConnect?: boolean }): Client;
  kill(): Promise<void>;
  restart(): Promise<void>;
  sleep(ms: number): Promise<void>;
}

const outcome = (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (e: Error) => `${e.name}: ${e.message}`);

/** The steps: a lazy client connects, works, survives a restart of its server, quits. */
async function steps(w: World2): Promise<{ events: string[]; log: unknown[] }> {
  const events: string[] = [];
  const log: unknown[] = [];
  const redis = w.make({ lazyConnect: true });
  for (const e of ['connecting', 'connect', 'ready', 'close', 'reconnecting', 'end']) redis.on(e, () => events.push(e));
  redis.on('error', () => {});
  log.push(redis.status);
  await redis.connect();
  log.push(redis.status);
  log.push(await outcome(redis.connect()));
  log.push(await redis.set('k', 'v'), await redis.get('k'));
  events.push('--- kill');
  await w.kill();
  while (redis.status === 'ready') await w.sleep(1);
  const queued = outcome(redis.get('k'));
  await w.sleep(30);
  events.push('--- restart');
  await w.restart();
  log.push(await queued);
  await w.sleep(10);
  log.push(redis.status);
  events.push('--- quit');
  log.push(await redis.quit());
  await w.sleep(10);
  log.push(redis.status, await outcome(redis.get('k')));
  return { events, log };
}

function simulated(extra: SimRedisOptions = {}): Promise<{ events: string[]; log: unknown[] }> {
  const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
  addRedisNode(world, 'redis-1');
  let result: { events: string[]; log: unknown[] } | null = null;
  world.addProcess('client-1', async (ctx) => {
    result = await steps({
      make: (options) => createClient(ctx, 'redis-1', { ...options, ...extra }) as unknown as Client,
      kill: async () => void world.crash('redis-1'),
      restart: async () => void world.restart('redis-1'),
      sleep: (d) => ctx.clock.sleep(d),
    });
  });
  return world.run({ until: ms(60_000) }).then(() => {
    if (result === null) throw new Error('the simulated steps never finished');
    return result;
  });
}

/** What both worlds must show. */
const EXPECTED_EVENTS = ['connecting', 'connect', 'ready', '--- kill', 'close', 'reconnecting', '--- restart', 'connecting', 'connect', 'ready', '--- quit', 'close', 'end'];

describe('the simulated connection (ioredis 5 life cycle)', () => {
  it('lazyConnect waits; connect() connects once; a restart reconnects; quit ends it', async () => {
    const { events, log } = await simulated();
    expect(log).toEqual(['wait', 'ready', 'Error: Redis is already connecting/connected', 'OK', 'v', null, 'ready', 'OK', 'end', 'Error: Connection is closed.']);
    // The restart (30 ms after the close) comes before the first attempt (50 ms): one reconnection.
    expect(events).toEqual(EXPECTED_EVENTS);
  });

  it('a command to a lazy client connects it', async () => {
    const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
    addRedisNode(world, 'redis-1');
    const seen: unknown[] = [];
    world.addProcess('client-1', async (ctx) => {
      const redis = createClient(ctx, 'redis-1', { lazyConnect: true });
      seen.push(redis.status);
      seen.push(await redis.set('k', 'v'), redis.status);
    });
    await world.run({ until: ms(1_000) });
    expect(seen).toEqual(['wait', 'OK', 'ready']);
  });

  it('quit waits for the replies already due; disconnect rejects what is in flight', async () => {
    const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
    addRedisNode(world, 'redis-1');
    const seen: unknown[] = [];
    world.addProcess('client-1', async (ctx) => {
      const a = createClient(ctx, 'redis-1');
      const [set, quit] = await Promise.all([a.set('k', 'v'), a.quit()]);
      seen.push(set, quit, a.status);
      const b = createClient(ctx, 'redis-1');
      const get = outcome(b.get('k'));
      b.disconnect();
      seen.push(await get, b.status);
    });
    await world.run({ until: ms(1_000) });
    expect(seen).toEqual(['OK', 'OK', 'end', 'Error: Connection is closed.', 'end']);
  });

  it('duplicate opens a new connection with the same options (its own MULTI)', async () => {
    const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
    addRedisNode(world, 'redis-1');
    const seen: unknown[] = [];
    world.addProcess('client-1', async (ctx) => {
      const a: SimRedis = createClient(ctx, 'redis-1', { commandTimeout: 500 });
      const b = a.duplicate();
      seen.push(b.options.commandTimeout);
      await a.call('multi');
      await a.call('set', 'k', 'from-a');
      // b is another connection: not inside a's transaction.
      seen.push(await b.get('k'), await b.set('k', 'from-b'));
      seen.push(await a.call('exec'), await b.get('k'));
    });
    await world.run({ until: ms(1_000) });
    expect(seen).toEqual([500, null, 'OK', ['OK'], 'from-a']);
  });
});

// ---------------------------------------------------------------------------------------------
// The same steps against real ioredis and a real redis-server.

const real = realRedisTestsEnabled();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!real)('connection life cycle parity with real ioredis 5 + redis-server', () => {
  it('real ioredis shows the same events and replies', async () => {
    let server: RedisServer = await startRedisServer();
    cleanups.push(() => server.stop());
    const sleep = (d: number) => new Promise<void>((r) => setTimeout(r, d));
    const made: Redis[] = [];
    cleanups.push(() => made.forEach((r) => r.disconnect()));
    const realRun = await steps({
      make: (options) => {
        const redis = new Redis({ host: '127.0.0.1', port: server.port, ...options });
        made.push(redis);
        return redis as unknown as Client;
      },
      kill: async () => server.stop({ keepDir: true }),
      restart: async () => {
        server = await startRedisServer({ port: server.port });
      },
      sleep,
    });
    const sim = await simulated();
    expect(realRun.log).toEqual(sim.log);
    // Reconnection attempts while the server is down depend on how long the restart takes:
    // compare the events with repeated failed attempts folded into one.
    // (the restart marker is left out: a real restart takes a while, attempts fall on both sides of it).
    const fold = (events: string[]) =>
      events
        .filter((e) => e !== '--- restart')
        .join(',')
        .replace(/(,connecting,close,reconnecting)+/g, '');
    expect(fold(realRun.events)).toBe(fold(sim.events));
    expect(fold(sim.events)).toBe(fold(EXPECTED_EVENTS));
  }, 30_000);
});
