import { createClient } from '../redis/client.ts';
import { addRedisNode } from '../redis/node.ts';
import { World, seconds } from '../sim/index.ts';

export interface RedisFigures {
  commandsPerSecond: number;
  evalshaPerSecond: number;
}

/**
 * Simulated Redis through the full path (ioredis-like client, network, node, engine): clients
 * looping over SET/GET, and over EVALSHA of the compare-and-delete script.
 */
export async function measureRedis(simSeconds: number): Promise<RedisFigures> {
  const run = async (useScript: boolean): Promise<number> => {
    const world = new World({ seed: 1 });
    const nodes = new Map();
    const node = addRedisNode(world, 'redis-1', {}, nodes);
    for (let c = 0; c < 8; c++) {
      world.addProcess(`client-${c}`, async (ctx) => {
        const redis = createClient(ctx, 'redis-1');
        const sha = (await redis.script('LOAD', "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end")) as string;
        for (let i = 0; ; i++) {
          const key = `k${c}:${i % 16}`;
          if (useScript) await redis.evalsha(sha, 1, key, 'v');
          else if (i % 2 === 0) await redis.set(key, 'v', 'PX', 10_000);
          else await redis.get(key);
        }
      });
    }
    const start = performance.now();
    await world.run({ until: seconds(simSeconds) });
    return node.stats.commands / ((performance.now() - start) / 1000);
  };
  return { commandsPerSecond: await run(false), evalshaPerSecond: await run(true) };
}
