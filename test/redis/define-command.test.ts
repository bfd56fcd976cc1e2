/**
 * `defineCommand` scripts go over the wire as ioredis 5 sends them: EVAL the first time a script
 * is written on a connection, EVALSHA after that, EVAL again after NOSCRIPT or on a new
 * connection (built/Script.js keeps a per-socket set). The same steps run against real ioredis
 * and a real redis-server, behind a small recording proxy that sees exactly what ioredis wrote,
 * and in simulation (the client's `onSend`): the command names and the replies must agree.
 *
 * Why it matters: one round trip more or less on a slow link decides whether a lock's vote
 * arrives before a command timeout (library-sesamecare-redlock/using-slow-node).
 *
 * With CI=true a missing redis-server fails the real half; elsewhere it is skipped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from '../../src/redis/client.ts';
import { addRedisNode } from '../../src/redis/node.ts';
import { World, ms } from '../../src/sim/index.ts';
import { createRealm } from '../../src/realm/index.ts';
import { freePort, realRedisTestsEnabled, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { parseReply } from '../support/resp-client.ts';

const LUA = "return redis.call('get', KEYS[1]) or '0'";
/** The steps' script commands: two at once, one alone, after SCRIPT FLUSH, while the node is down, after it is back. */
const EXPECTED = ['eval', 'evalsha', 'evalsha', 'evalsha', 'eval', 'eval', 'evalsha'];

/** What a client with the method `getOrZero` must offer the steps. */
interface Scripted {
  getOrZero(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  script(sub: string): Promise<unknown>;
}

/** The steps, given ways to take the node down (awaiting the client's notice) and bring it back. */
async function steps(redis: Scripted, down: () => Promise<void>, up: () => Promise<void>, sleep: (ms: number) => Promise<void>): Promise<unknown[]> {
  const replies: unknown[] = [];
  await redis.set('k', 'v');
  replies.push(await Promise.all([redis.getOrZero('k'), redis.getOrZero('k')]));
  replies.push(await redis.getOrZero('k'));
  await redis.script('flush');
  replies.push(await redis.getOrZero('k'));
  await down();
  const queued = redis.getOrZero('k');
  await sleep(200);
  await up();
  replies.push(await queued);
  replies.push(await redis.getOrZero('k'));
  return replies;
}

function simulate(): Promise<{ names: string[]; replies: unknown[] }> {
  const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
  addRedisNode(world, 'redis-1');
  const names: string[] = [];
  let replies: unknown[] | null = null;
  world.addProcess('client-1', async (ctx) => {
    const redis = createClient(ctx, 'redis-1', { onSend: (args) => names.push(args[0]!.toLowerCase()) });
    redis.defineCommand('getOrZero', { numberOfKeys: 1, lua: LUA });
    replies = await steps(
      redis as unknown as Scripted,
      async () => {
        world.crash('redis-1');
        while (redis.status === 'ready') await ctx.clock.sleep(1);
      },
      async () => {
        world.restart('redis-1');
      },
      (d) => ctx.clock.sleep(d),
    );
  });
  return world.run({ until: ms(60_000) }).then(() => {
    if (replies === null) throw new Error('the simulated steps never finished');
    return { names: names.filter((n) => n === 'eval' || n === 'evalsha'), replies };
  });
}

describe('defineCommand in simulation', () => {
  it('sends EVAL on a connection first use, EVALSHA after, EVAL after NOSCRIPT and after a reconnect', async () => {
    const { names, replies } = await simulate();
    expect(names).toEqual(EXPECTED);
    // After the restart the node is empty: the key is gone.
    expect(replies).toEqual([['v', 'v'], 'v', 'v', '0', '0']);
  });

  it('inside a realm, the ioredis-shaped facade sends the same commands', async () => {
    const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
    addRedisNode(world, 'redis-1');
    const names: string[] = [];
    let replies: unknown[] | null = null;
    world.addProcess('client-1', async (ctx) => {
      const sim = createClient(ctx, 'redis-1', { onSend: (args) => names.push(args[0]!.toLowerCase()) });
      const realm = createRealm({ clock: ctx.clock, random: ctx.random });
      const redis = realm.redis(sim);
      (redis as unknown as { defineCommand(n: string, d: object): void }).defineCommand('getOrZero', { numberOfKeys: 1, lua: LUA });
      const down = async () => {
        world.crash('redis-1');
        while (sim.status === 'ready') await ctx.clock.sleep(1);
      };
      replies = await steps(redis as unknown as Scripted, down, async () => void world.restart('redis-1'), (d) => ctx.clock.sleep(d));
    });
    await world.run({ until: ms(60_000) });
    expect(names.filter((n) => n === 'eval' || n === 'evalsha')).toEqual(EXPECTED);
    expect(replies).toEqual([['v', 'v'], 'v', 'v', '0', '0']);
  });
});

// ---------------------------------------------------------------------------------------------
// The same steps against real ioredis and a real redis-server.

/** A TCP proxy that records the name of every command a client writes through it. */
async function recordingProxy(upstreamPort: number): Promise<{ port: number; names: string[]; server: Server; sockets: Set<Socket> }> {
  const names: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client).add(upstream);
    let buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseReply(buffer, 0);
        if (parsed === null) break;
        buffer = buffer.subarray(parsed.end);
        const first = parsed.reply.kind === 'array' ? parsed.reply.value?.[0] : undefined;
        if (first?.kind === 'bulk' && first.value !== null) names.push(first.value.toLowerCase());
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return { port, names, server, sockets };
}

const real = realRedisTestsEnabled();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!real)('defineCommand parity with real ioredis 5 + redis-server', () => {
  it('real ioredis writes the same EVAL/EVALSHA sequence and gets the same replies as the simulation', async () => {
    let server: RedisServer = await startRedisServer();
    cleanups.push(() => server.stop());
    const proxy = await recordingProxy(server.port);
    cleanups.push(() => {
      for (const s of proxy.sockets) s.destroy();
      return new Promise<void>((resolve) => proxy.server.close(() => resolve()));
    });
    const redis = new Redis({ host: '127.0.0.1', port: proxy.port });
    redis.on('error', () => {});
    cleanups.push(() => redis.disconnect());
    redis.defineCommand('getOrZero', { numberOfKeys: 1, lua: LUA });
    const sleep = (d: number) => new Promise<void>((r) => setTimeout(r, d));
    const replies = await steps(
      redis as unknown as Scripted,
      async () => {
        await server.stop({ keepDir: true });
        while (redis.status === 'ready') await sleep(5);
      },
      async () => {
        server = await startRedisServer({ port: server.port });
      },
      sleep,
    );
    const sim = await simulate();
    expect(proxy.names.filter((n) => n === 'eval' || n === 'evalsha')).toEqual(EXPECTED);
    expect(replies).toEqual(sim.replies);
  }, 30_000);
});
