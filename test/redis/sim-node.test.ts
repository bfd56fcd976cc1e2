/**
 * The simulated node as a process in the world: expiry on its own wall clock, persistence across
 * crashes, restart, pause, replication and failover, and the client's ioredis-like behaviour
 * over the simulated network.
 */
import { describe, expect, it } from 'vitest';
import { createClient, type SimRedis } from '../../src/redis/client.ts';
import { addRedisNode, type Persistence, type RedisNode } from '../../src/redis/node.ts';
import { World, endpoint, ms, type ProcessContext } from '../../src/sim/index.ts';

interface Harness {
  world: World;
  nodes: Map<string, RedisNode>;
  /** Runs `script` in a client process against `node`; resolves with what it returns. */
  client<T>(node: string, script: (redis: SimRedis, ctx: ProcessContext) => Promise<T>, options?: { commandTimeout?: number; name?: string }): Promise<T>;
}

function harness(seed = 1): Harness {
  const world = new World({ seed, delay: { kind: 'fixed', ms: 1 } });
  const nodes = new Map<string, RedisNode>();
  let serial = 0;
  return {
    world,
    nodes,
    client(node, script, options = {}) {
      return new Promise((resolve, reject) => {
        world.addProcess(options.name ?? `client-${++serial}`, async (ctx) => {
          try {
            resolve(await script(createClient(ctx, node, { commandTimeout: options.commandTimeout }), ctx));
          } catch (error) {
            reject(error);
          }
        });
      });
    },
  };
}

describe('a simulated node in the world', () => {
  it('expires keys on its own wall clock: a forward jump expires them early', async () => {
    const h = harness();
    addRedisNode(h.world, 'redis-1', {}, h.nodes);
    const seen = h.client('redis-1', async (redis, ctx) => {
      await redis.set('k', 'v', 'PX', 10_000);
      await ctx.clock.sleep(2_000);
      const before = await redis.get('k');
      await ctx.clock.sleep(2_000); // the node's clock jumps +9 s at 3 s of true time
      return [before, await redis.get('k')];
    });
    h.world.at(ms(3_000), () => h.world.jumpClock('redis-1', 9_000));
    await h.world.run({ until: ms(60_000) });
    expect(await seen).toEqual(['v', null]);
  });

  it('a fast node clock shortens every TTL on that node', async () => {
    const h = harness();
    addRedisNode(h.world, 'redis-1', { driftPpm: 100_000 }, h.nodes);
    const seen = h.client('redis-1', async (redis, ctx) => {
      await redis.set('k', 'v', 'PX', 1_000);
      await ctx.clock.sleep(950); // the client's clock is true; 950 ms true = 1045 ms on the node
      return redis.get('k');
    });
    await h.world.run({ until: ms(60_000) });
    expect(await seen).toBeNull();
  });

  const persistenceCases: Array<[Persistence, number, boolean, string | null]> = [
    ['none', 3_000, false, null],
    ['aof-always', 3_000, true, 'v'],
    // The write at ~0 s was fsynced at 1 s: it survives a power loss at 3 s…
    ['aof-everysec', 3_000, true, 'v'],
    // …but not a power loss before the first fsync…
    ['aof-everysec', 500, true, null],
    // …while a killed process loses nothing it handed to the kernel.
    ['aof-everysec', 500, false, 'v'],
  ];
  for (const [persistence, crashAt, machine, expected] of persistenceCases) {
    it(`persistence ${persistence}, ${machine ? 'power loss' : 'process crash'} at ${crashAt} ms: the key is ${expected === null ? 'lost' : 'kept'}`, async () => {
      const h = harness();
      addRedisNode(h.world, 'redis-1', { persistence }, h.nodes);
      const seen = h.client('redis-1', async (redis, ctx) => {
        await redis.set('k', 'v');
        await ctx.clock.sleep(5_000);
        return redis.get('k');
      });
      h.world.at(ms(crashAt), () => {
        if (machine) h.nodes.get('redis-1')?.losePower();
        h.world.crash('redis-1');
      });
      h.world.at(ms(crashAt + 100), () => h.world.restart('redis-1'));
      await h.world.run({ until: ms(60_000) });
      expect(await seen).toBe(expected);
      expect(h.nodes.get('redis-1')?.stats.restarts).toBe(1);
    });
  }

  it('a node that is down does not answer; a command with commandTimeout rejects like ioredis', async () => {
    const h = harness();
    addRedisNode(h.world, 'redis-1', {}, h.nodes);
    const seen = h.client(
      'redis-1',
      async (redis, ctx) => {
        await ctx.clock.sleep(100);
        try {
          await redis.get('k');
          return 'answered';
        } catch (error) {
          return (error as Error).message;
        }
      },
      { commandTimeout: 50 },
    );
    h.world.at(ms(10), () => h.world.crash('redis-1'));
    await h.world.run({ until: ms(60_000) });
    expect(await seen).toBe('Command timed out');
  });

  it('the script cache is empty after a restart: EVALSHA gets NOSCRIPT', async () => {
    const h = harness();
    addRedisNode(h.world, 'redis-1', { persistence: 'aof-always' }, h.nodes);
    const seen = h.client('redis-1', async (redis, ctx) => {
      const sha = (await redis.script('LOAD', 'return 1')) as string;
      const first = await redis.evalsha(sha, 0);
      await ctx.clock.sleep(1_000);
      try {
        await redis.evalsha(sha, 0);
        return [first, 'no error'];
      } catch (error) {
        return [first, (error as Error).message];
      }
    });
    h.world.at(ms(500), () => h.world.restart('redis-1'));
    await h.world.run({ until: ms(60_000) });
    expect(await seen).toEqual([1, 'NOSCRIPT No matching script. Please use EVAL.']);
  });

  it('a paused node queues commands and runs them on resume, even ones whose client gave up', async () => {
    const h = harness();
    addRedisNode(h.world, 'redis-1', {}, h.nodes);
    const seen = h.client(
      'redis-1',
      async (redis, ctx) => {
        await ctx.clock.sleep(100);
        let first: string;
        try {
          await redis.set('k', 'late');
          first = 'answered';
        } catch (error) {
          first = (error as Error).message;
        }
        // The SET timed out here, but the node runs it when it resumes at 1 s.
        await ctx.clock.sleep(2_000);
        return [first, await redis.get('k')];
      },
      { commandTimeout: 200 },
    );
    h.world.at(ms(50), () => h.world.pause('redis-1'));
    h.world.at(ms(1_000), () => h.world.resume('redis-1'));
    await h.world.run({ until: ms(60_000) });
    expect(await seen).toEqual(['Command timed out', 'late']);
  });

  it('a reply that arrives after its command timed out is never taken for a later command', async () => {
    const h = harness();
    addRedisNode(h.world, 'redis-1', {}, h.nodes);
    const seen = h.client(
      'redis-1',
      async (redis, ctx) => {
        await redis.set('a', 'A');
        await redis.set('b', 'B');
        await ctx.clock.sleep(100);
        const first = await redis.get('a').catch((e: Error) => e.message);
        // The late reply to GET a ("A") arrives while GET b is waiting: GET b must get "B".
        await ctx.clock.sleep(700);
        return [first, await redis.get('b'), endpoint(ctx).lateReplies];
      },
      { commandTimeout: 300 },
    );
    // Two SETs take 4 ms, so GET a leaves at 104 ms; its reply is held on the way back until
    // 1401.5 ms. GET b leaves at 1104 ms (after the 300 ms timeout and 700 ms of sleep) and is
    // answered behind the held reply on the same in-order link, before its own timeout.
    h.world.at(ms(101.5), () => h.world.network.setOneWay(['redis-1'], ['client-1'], 'hold'));
    h.world.at(ms(1_401.5), () => h.world.network.heal());
    await h.world.run({ until: ms(60_000) });
    expect(await seen).toEqual(['Command timed out', 'B', 1]);
  });

  it('an asynchronous replica applies writes after the replication delay; failover loses what had not arrived', async () => {
    const h = harness();
    addRedisNode(h.world, 'redis-1', {}, h.nodes);
    addRedisNode(h.world, 'replica', { replicaOf: 'redis-1' }, h.nodes);
    h.world.network.link('redis-1', 'replica').delay = { kind: 'fixed', ms: 500 };
    const writer = h.client('redis-1', async (redis, ctx) => {
      await redis.set('early', '1');
      await ctx.clock.sleep(1_000);
      await redis.set('late', '2');
      return 'done';
    });
    const reader = h.client('replica', async (redis, ctx) => {
      await ctx.clock.sleep(1_200);
      const refused = await redis.set('x', '1').catch((e: Error) => e.message);
      await ctx.clock.sleep(300); // failover at 1.3 s: 'late' (written at ~1 s) was still on its way
      return [refused, await redis.get('early'), await redis.get('late'), await redis.set('x', '1')];
    });
    h.world.at(ms(1_250), () => h.world.crash('redis-1'));
    h.world.at(ms(1_300), () => h.nodes.get('replica')?.promote());
    await h.world.run({ until: ms(60_000) });
    expect(await writer).toBe('done');
    expect(await reader).toEqual(["READONLY You can't write against a read only replica.", '1', null, 'OK']);
  });
});

describe('the ioredis-compatible client', () => {
  it('converts replies like ioredis and supports multi/exec, defineCommand and callbacks', async () => {
    const h = harness();
    addRedisNode(h.world, 'redis-1', {}, h.nodes);
    const seen = h.client('redis-1', async (redis) => {
      const set = await redis.set('n', '5');
      const incr = await redis.incr('n');
      const missing = await redis.get('nope');
      const exec = await redis.multi().incr('n').get('n').exec();
      redis.defineCommand('getOrZero', { numberOfKeys: 1, lua: "return redis.call('get', KEYS[1]) or '0'" });
      const custom = await (redis as unknown as { getOrZero(key: string): Promise<unknown> }).getOrZero('nope');
      const wrongType = await redis.call('HGET', 'n', 'f').catch((e: Error) => [e.name, e.message]);
      const viaCallback = await new Promise((resolve) => void redis.get('n', (error: Error | null, value?: unknown) => resolve([error, value])));
      return { set, incr, missing, exec, custom, wrongType, viaCallback };
    });
    await h.world.run({ until: ms(60_000) });
    expect(await seen).toEqual({
      set: 'OK',
      incr: 6,
      missing: null,
      exec: [[null, 7], [null, '7']],
      custom: '0',
      wrongType: ['ReplyError', 'WRONGTYPE Operation against a key holding the wrong kind of value'],
      viaCallback: [null, '7'],
    });
  });
});
