/**
 * Databases on a simulated node in the world: each connection keeps its database, a replica
 * applies each effect in the database it was made in (also after the replica restarted, when its
 * link starts again in database 0), and the replica refuses every write command.
 */
import { describe, expect, it } from 'vitest';
import { createClient, type SimRedis } from '../../src/redis/client.ts';
import { addRedisNode, type RedisNode } from '../../src/redis/node.ts';
import { World, ms, type ProcessContext } from '../../src/sim/index.ts';

function world(): { world: World; nodes: Map<string, RedisNode>; client<T>(node: string, db: number, script: (redis: SimRedis, ctx: ProcessContext) => Promise<T>): Promise<T> } {
  const w = new World({ seed: 3, delay: { kind: 'fixed', ms: 1 } });
  const nodes = new Map<string, RedisNode>();
  let serial = 0;
  return {
    world: w,
    nodes,
    client: (node, db, script) =>
      new Promise((resolve, reject) => {
        w.addProcess(`client-${++serial}`, async (ctx) => {
          try {
            resolve(await script(createClient(ctx, node, { db }), ctx));
          } catch (error) {
            reject(error);
          }
        });
      }),
  };
}

describe('databases on a simulated node', () => {
  it('a replica applies writes in their databases, also after it restarted', async () => {
    const h = world();
    addRedisNode(h.world, 'primary', {}, h.nodes);
    const replica = addRedisNode(h.world, 'replica', { replicaOf: 'primary' }, h.nodes);
    const writer = h.client('primary', 3, async (redis, ctx) => {
      await redis.set('k', 'three');
      await redis.call('SADD', 'set', 'a', 'b');
      await ctx.clock.sleep(1_000);
      // The replica restarted meanwhile (empty: no persistence); its link starts in database 0.
      await redis.set('after', 'restart');
      await redis.call('SELECT', '0');
      await redis.set('k', 'zero');
      return 'done';
    });
    h.world.at(ms(500), () => h.world.restart('replica'));
    await h.world.run({ until: ms(5_000) });
    expect(await writer).toBe('done');
    const read = (db: number, ...args: string[]) => {
      const session = replica.engine.newSession();
      replica.engine.execute(session, ['SELECT', String(db)], 0);
      return replica.engine.execute(session, args, 0);
    };
    expect(read(3, 'GET', 'after')).toEqual({ kind: 'bulk', value: 'restart' });
    expect(read(0, 'GET', 'after')).toEqual({ kind: 'bulk', value: null });
    expect(read(0, 'GET', 'k')).toEqual({ kind: 'bulk', value: 'zero' });
    // Written before the restart: lost with the replica's memory.
    expect(read(3, 'GET', 'k')).toEqual({ kind: 'bulk', value: null });
  });

  it('each connection has its own database; a replica refuses writes of every kind', async () => {
    const h = world();
    addRedisNode(h.world, 'primary', {}, h.nodes);
    addRedisNode(h.world, 'replica', { replicaOf: 'primary' }, h.nodes);
    const one = h.client('primary', 1, async (redis, ctx) => {
      await redis.set('k', 'one');
      await ctx.clock.sleep(100);
      return [await redis.get('k'), await redis.call('DBSIZE')];
    });
    const zero = h.client('primary', 0, async (redis, ctx) => {
      await ctx.clock.sleep(50);
      return [await redis.get('k'), await redis.call('DBSIZE')];
    });
    const refused = h.client('replica', 2, async (redis, ctx) => {
      await ctx.clock.sleep(200);
      const out: string[] = [];
      for (const args of [['SADD', 's', 'x'], ['FLUSHDB'], ['GETSET', 'k', 'v'], ['SETNX', 'k', 'v'], ['SWAPDB', '0', '1']]) {
        out.push(await redis.call(args[0] as string, ...args.slice(1)).then(String, (e: Error) => e.message));
      }
      out.push(String(await redis.call('SCARD', 's')));
      return out;
    });
    await h.world.run({ until: ms(2_000) });
    expect(await one).toEqual(['one', 1]);
    expect(await zero).toEqual([null, 0]);
    const readonly = "READONLY You can't write against a read only replica.";
    expect(await refused).toEqual([readonly, readonly, readonly, readonly, readonly, '0']);
  });
});
