/**
 * Tells a realm that `require('ioredis')`, `require('redis')` and `require('@redis/client')`
 * mean locksim's simulated clients (this folder), so a library that makes its own clients (or
 * a library's test file) reaches simulated nodes through the address map.
 */
import type { Realm } from '../realm/realm.ts';
import type { SimRedisOptions } from '../redis/client.ts';
import type { ProcessContext } from '../sim/process.ts';
import type { AddressMap } from './addresses.ts';
import { realmBinding } from './binding.ts';
import { ioredisModule } from './ioredis.ts';
import { nodeRedisModule } from './node-redis.ts';
import { nodeRedisV3Module } from './node-redis-v3.ts';

export interface ProvideClientsOptions {
  /** Which API `require('redis')` gives: node_redis `v3` (callbacks) or `v4` and later (default). */
  readonly redis?: 'v3' | 'v4';
  /** Options every connection gets first (e.g. `onSend`). */
  readonly defaults?: SimRedisOptions;
}

/** Provides the simulated `ioredis`, `redis` and `@redis/client` modules to `realm`, whose code runs as `ctx`. */
export function provideClients(realm: Realm, ctx: ProcessContext, addresses: AddressMap, options: ProvideClientsOptions = {}): void {
  if (options.redis !== undefined && options.redis !== 'v3' && options.redis !== 'v4') {
    throw new Error(`provideClients: redis must be 'v3' or 'v4', got ${JSON.stringify(options.redis)}`);
  }
  const binding = realmBinding(realm, ctx, addresses, options.defaults);
  realm.provide('ioredis', () => ioredisModule(binding));
  if (options.redis === 'v3') {
    realm.provide('redis', () => nodeRedisV3Module(binding));
  } else {
    let made: ReturnType<typeof nodeRedisModule> | null = null;
    const nodeRedis = () => (made ??= nodeRedisModule(binding));
    realm.provide('redis', nodeRedis);
    realm.provide('@redis/client', nodeRedis);
  }
}
