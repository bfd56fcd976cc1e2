/**
 * `locksim/redis`: node-redis's API (the `redis` package v4 and later; v5 reply shapes) over
 * simulated connections (src/clients/node-redis.ts), and node_redis v3's callback API
 * (src/clients/node-redis-v3.ts).
 *
 * ```ts
 * import { simulatedNodeRedis } from 'locksim/redis';
 * world.addProcess('client-1', async (ctx) => {
 *   const { createClient } = simulatedNodeRedis(ctx);
 *   const client = await createClient({ url: 'redis://127.0.0.1:6379' }).connect();
 *   await client.set('k', 'v', { NX: true, PX: 1000 });
 * });
 * ```
 */
import { hostBinding } from './clients/binding.ts';
import { nodeRedisModule, type NodeRedisModule } from './clients/node-redis.ts';
import { nodeRedisV3Module, type NodeRedisV3Module } from './clients/node-redis-v3.ts';
import { addressesOf, type SimulatedClientOptions } from './ioredis.ts';
import type { ProcessContext } from './sim/process.ts';

export { nodeRedisModule, parseNodeRedisUrl, type NodeRedisModule, type NodeRedisOptions, type NodeRedisClientShape } from './clients/node-redis.ts';
export { nodeRedisV3Module, parseV3Arguments, type NodeRedisV3Module, type NodeRedisV3Options } from './clients/node-redis-v3.ts';
export { AddressMap, provideClients, type SimulatedClientOptions } from './ioredis.ts';

/** node-redis's module (`createClient`, error classes) for host code running as the simulated process `ctx`. */
export function simulatedNodeRedis(ctx: ProcessContext, options: SimulatedClientOptions = {}): NodeRedisModule {
  return nodeRedisModule(hostBinding(ctx, addressesOf(options), options.defaults));
}

/** node_redis v3's module for host code running as the simulated process `ctx`. */
export function simulatedNodeRedisV3(ctx: ProcessContext, options: SimulatedClientOptions = {}): NodeRedisV3Module {
  return nodeRedisV3Module(hostBinding(ctx, addressesOf(options), options.defaults));
}
