/**
 * Publish/subscribe through the simulated clients and node (src/redis/engine/pubsub.ts, pushes on the
 * simulated TCP connection): the same steps with real ioredis 5 and real node-redis 5 against a
 * real redis-server give the same replies, messages, subscriber-mode errors, and messages again
 * after the server restarts (both clients subscribe again on reconnecting).
 *
 * With CI=true a missing redis-server fails the real half; elsewhere it is skipped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import * as realRedis from 'redis';
import { simulatedIoredis } from '../../src/ioredis.ts';
import { simulatedNodeRedis } from '../../src/node-redis.ts';
import { addRedisNode } from '../../src/redis/node.ts';
import { World, ms } from '../../src/sim/index.ts';
import { realRedisTestsEnabled, startRedisServer, type RedisServer } from '../support/redis-server.ts';

type Io = Record<string, (...args: unknown[]) => Promise<unknown>> & { on(e: string, l: (...a: unknown[]) => void): unknown; status: string; mode?: string };
type Nr = Record<string, (...args: unknown[]) => Promise<unknown>> & { connect(): Promise<Nr>; isReady: boolean };

interface Env {
  sleep(ms: number): Promise<void>;
  restart(): Promise<void>;
}

const outcome = (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (e: Error) => `error: ${e.message}`);

async function ioredisSteps(make: () => Io, env: Env): Promise<unknown[]> {
  const out: unknown[] = [];
  const sub = make();
  const pub = make();
  sub.on('error', () => {});
  pub.on('error', () => {});
  const got: unknown[] = [];
  sub.on('message', (ch, msg) => got.push(['message', ch, msg]));
  sub.on('pmessage', (p, ch, msg) => got.push(['pmessage', p, ch, msg]));
  out.push(await sub.subscribe('news', 'alerts'), await sub.psubscribe('lock:*'), sub.mode);
  out.push(await outcome(sub.get('k')));
  out.push(await pub.publish('news', 'hello'), await pub.publish('lock:a', 'released'), await pub.publish('nobody', 'x'));
  out.push(await pub.call('pubsub', 'numpat'), await pub.call('pubsub', 'numsub', 'news', 'nobody'));
  await env.sleep(20);
  out.push([...got]);
  out.push(await sub.unsubscribe('news'), await pub.publish('news', 'again'));
  await env.restart();
  while (sub.status !== 'ready' || pub.status !== 'ready') await env.sleep(10);
  await env.sleep(50);
  got.length = 0;
  out.push(await pub.publish('alerts', 'after restart'), await pub.publish('lock:b', 'after restart'));
  await env.sleep(20);
  out.push([...got]);
  out.push(await sub.unsubscribe('alerts'), await sub.punsubscribe('lock:*'), sub.mode, await sub.get('k'));
  await sub.quit();
  await pub.quit();
  return out;
}

async function nodeRedisSteps(make: () => Nr, env: Env): Promise<unknown[]> {
  const out: unknown[] = [];
  const sub = await make().connect();
  const pub = await make().connect();
  const got: unknown[] = [];
  await sub.subscribe('news', (m: unknown, ch: unknown) => got.push([ch, m]));
  await sub.pSubscribe('lock:*', (m: unknown, ch: unknown) => got.push(['p', ch, m]));
  // The node refuses other commands on a subscribed connection (node-redis sends them).
  out.push(await outcome(sub.get('k')), await outcome(sub.sendCommand(['SET', 'k', 'v'])));
  out.push(await pub.publish('news', 'hello'), await pub.publish('lock:a', 'x'), await pub.publish('nobody', 'x'));
  await env.sleep(20);
  out.push([...got]);
  await sub.unsubscribe('news');
  out.push(await pub.publish('news', 'again'));
  await env.restart();
  while (!sub.isReady || !pub.isReady) await env.sleep(10);
  await env.sleep(50);
  got.length = 0;
  out.push(await pub.publish('lock:c', 'after restart'));
  await env.sleep(20);
  out.push([...got]);
  await sub.close();
  await pub.close();
  return out;
}

function simulate<T>(steps: (ctx: Parameters<Parameters<World['addProcess']>[1]>[0], env: Env) => Promise<T>): Promise<T> {
  const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
  addRedisNode(world, 'redis-1');
  let result: { value: T } | null = null;
  world.addProcess('client-1', async (ctx) => {
    const value = await steps(ctx, {
      sleep: (d) => ctx.clock.sleep(d),
      restart: async () => {
        world.crash('redis-1');
        await ctx.clock.sleep(20);
        world.restart('redis-1');
      },
    });
    result = { value };
  });
  return world.run({ until: ms(30_000) }).then(() => {
    if (result === null) throw new Error(`the simulated steps never finished ${world.errors.map((e) => e.message).join('; ')}`);
    return (result as { value: T }).value;
  });
}

const simIoredis = () => simulate((ctx, env) => ioredisSteps(() => new (simulatedIoredis(ctx))() as unknown as Io, env));
const simNodeRedis = () => simulate((ctx, env) => nodeRedisSteps(() => simulatedNodeRedis(ctx).createClient() as unknown as Nr, env));

describe('pub/sub in simulation', () => {
  it('ioredis shape: messages, pattern messages, subscriber mode, re-subscribed after a restart', async () => {
    const out = await simIoredis();
    expect(out.slice(0, 4)).toEqual([2, 3, 'subscriber', 'error: Connection in subscriber mode, only subscriber commands may be used']);
    expect(out[9]).toEqual([['message', 'news', 'hello'], ['pmessage', 'lock:*', 'lock:a', 'released']]);
    expect(out[14]).toEqual([['message', 'alerts', 'after restart'], ['pmessage', 'lock:*', 'lock:b', 'after restart']]);
  });

  it('node-redis shape: listeners get (message, channel)', async () => {
    const out = await simNodeRedis();
    expect(out.slice(0, 6)).toEqual([
      "error: ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
      "error: ERR Can't execute 'set': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
      1,
      1,
      0,
      [['news', 'hello'], ['p', 'lock:a', 'x']],
    ]);
  });
});

const real = realRedisTestsEnabled();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!real)('pub/sub parity with real clients + redis-server', () => {
  async function realEnv(): Promise<{ port: () => number; env: Env }> {
    let server: RedisServer = await startRedisServer();
    cleanups.push(() => server.stop());
    return {
      port: () => server.port,
      env: {
        sleep: (d) => new Promise((r) => setTimeout(r, d)),
        restart: async () => {
          await server.stop({ keepDir: true });
          await new Promise((r) => setTimeout(r, 20));
          server = await startRedisServer({ port: server.port });
        },
      },
    };
  }

  it('ioredis 5: the same replies and messages', async () => {
    const { port, env } = await realEnv();
    const made: Redis[] = [];
    cleanups.push(() => made.forEach((r) => r.disconnect()));
    const realOut = await ioredisSteps(() => {
      const r = new Redis({ port: port() });
      made.push(r);
      return r as unknown as Io;
    }, env);
    expect(await simIoredis()).toEqual(realOut);
  }, 30_000);

  it('node-redis 5: the same replies and messages', async () => {
    const { port, env } = await realEnv();
    const realOut = await nodeRedisSteps(() => {
      const c = realRedis.createClient({ socket: { port: port(), host: '127.0.0.1' } });
      c.on('error', () => {});
      return c as unknown as Nr;
    }, env);
    expect(await simNodeRedis()).toEqual(realOut);
  }, 30_000);
});
