import { createClient } from '../redis/client.ts';
import { addRedisNode } from '../redis/node.ts';
import { World, seconds } from '../sim/index.ts';

export interface RedisFigures {
  commandsPerSecond: number;
  /** Compare-and-delete, which runs natively (src/redis/engine/native-scripts.ts). */
  evalshaPerSecond: number;
  /** The same script with one token changed, so that it runs in the Lua VM. */
  evalshaVmPerSecond: number;
}

export interface LuaSetupFigures {
  /** Wall ms per node of the first world built in this process (loads the Lua VM, cold JIT). */
  firstWorldMsPerNode: number;
  /** Median wall ms per node of the worlds built after it. */
  laterWorldMsPerNode: number;
}

/** Lock scripts every node of a world is asked to run once (acquire in the Lua VM; extend and release, which run natively). */
const SETUP_SCRIPTS = [
  "return redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])",
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end",
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
];

/**
 * World set-up cost per node: a world of `nodes` simulated Redis nodes, one client each, until
 * every node has run its first scripts (compiled and run once). `worlds` worlds in a row; the
 * first one pays for loading the Lua VM and building its one state (once per process).
 */
export async function measureLuaSetup(nodes: number, worlds: number): Promise<LuaSetupFigures> {
  const perNode: number[] = [];
  for (let w = 0; w < worlds; w++) {
    const world = new World({ seed: w + 1 });
    const registry = new Map();
    for (let n = 0; n < nodes; n++) {
      const name = `redis-${n + 1}`;
      addRedisNode(world, name, {}, registry);
      world.addProcess(`client-${n + 1}`, async (ctx) => {
        const redis = createClient(ctx, name);
        await redis.eval(SETUP_SCRIPTS[0], 1, 'lock', 'token', 10_000);
        await redis.eval(SETUP_SCRIPTS[1], 1, 'lock', 'token', 10_000);
        await redis.eval(SETUP_SCRIPTS[2], 1, 'lock', 'token');
      });
    }
    const start = performance.now();
    await world.run({ until: seconds(1) });
    perNode.push((performance.now() - start) / nodes);
  }
  const later = perNode.slice(1).sort((a, b) => a - b);
  return { firstWorldMsPerNode: perNode[0], laterWorldMsPerNode: later.length === 0 ? perNode[0] : later[later.length >> 1] };
}

/** Compare-and-delete (native), and a script the VM runs: the same with `return -1` for 0. */
const NATIVE_SCRIPT = "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end";
const VM_SCRIPT = "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return -1 end";

/**
 * Simulated Redis through the full path (ioredis-like client, network, node, engine): clients
 * looping over SET/GET, and over EVALSHA of the compare-and-delete script (natively, and a
 * variant of it in the Lua VM).
 */
export async function measureRedis(simSeconds: number): Promise<RedisFigures> {
  const run = async (script: string | null): Promise<number> => {
    const world = new World({ seed: 1 });
    const nodes = new Map();
    const node = addRedisNode(world, 'redis-1', {}, nodes);
    for (let c = 0; c < 8; c++) {
      world.addProcess(`client-${c}`, async (ctx) => {
        const redis = createClient(ctx, 'redis-1');
        const sha = (await redis.script('LOAD', script ?? NATIVE_SCRIPT)) as string;
        for (let i = 0; ; i++) {
          const key = `k${c}:${i % 16}`;
          if (script !== null) await redis.evalsha(sha, 1, key, 'v');
          else if (i % 2 === 0) await redis.set(key, 'v', 'PX', 10_000);
          else await redis.get(key);
        }
      });
    }
    const start = performance.now();
    await world.run({ until: seconds(simSeconds) });
    return node.stats.commands / ((performance.now() - start) / 1000);
  };
  return { commandsPerSecond: await run(null), evalshaPerSecond: await run(NATIVE_SCRIPT), evalshaVmPerSecond: await run(VM_SCRIPT) };
}
