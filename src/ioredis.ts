/**
 * `locksim/ioredis`: ioredis 5's API over simulated connections (src/clients/ioredis.ts), for a
 * simulated process's own code and for realms.
 *
 * ```ts
 * import { simulatedIoredis } from 'locksim/ioredis';
 * world.addProcess('client-1', async (ctx) => {
 *   const Redis = simulatedIoredis(ctx, { nodes: ['redis-1', 'redis-2'] });
 *   const a = new Redis();          // 127.0.0.1:6379 → redis-1
 *   const b = new Redis(6380);      // 127.0.0.1:6380 → redis-2
 *   await a.set('k', 'v', 'PX', 1000, 'NX');
 * });
 * // Inside a realm (a library that does require('ioredis')):
 * provideClients(realm, ctx, AddressMap.forNodes(['redis-1']));
 * ```
 */
import { AddressMap } from './clients/addresses.ts';
import { hostBinding } from './clients/binding.ts';
import { ioredisModule, type IoredisModule } from './clients/ioredis.ts';
import type { SimRedisOptions } from './redis/client.ts';
import type { ProcessContext } from './sim/process.ts';

export { AddressMap, addressKey, DEFAULT_PORT } from './clients/addresses.ts';
export { hostBinding, realmBinding, type ClientBinding } from './clients/binding.ts';
export { ioredisModule, parseIoredisArguments, parseRedisUrl, type IoredisModule, type IoredisOptions } from './clients/ioredis.ts';
export { provideClients, type ProvideClientsOptions } from './clients/provide.ts';

export interface SimulatedClientOptions {
  /** The world's node names: node `i` at 127.0.0.1:6379+i (default `['redis-1']`). */
  readonly nodes?: readonly string[];
  /** More `host:port` → node entries, or a whole map. */
  readonly addresses?: Readonly<Record<string, string>> | AddressMap;
  /** Options every connection gets first. */
  readonly defaults?: SimRedisOptions;
}

/** The address map of {@link SimulatedClientOptions}. */
export function addressesOf(options: SimulatedClientOptions): AddressMap {
  if (options.addresses instanceof AddressMap) return options.addresses;
  return AddressMap.forNodes(options.nodes ?? ['redis-1'], options.addresses);
}

/** ioredis's `Redis` class for host code running as the simulated process `ctx`. */
export function simulatedIoredis(ctx: ProcessContext, options: SimulatedClientOptions = {}): IoredisModule {
  return ioredisModule(hostBinding(ctx, addressesOf(options), options.defaults));
}
