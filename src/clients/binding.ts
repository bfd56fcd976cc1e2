/**
 * What a client shape (ioredis, node-redis) needs to make connections in a simulated world: the
 * simulated process it runs in, the address map that leads `host:port` to a node, and the
 * classes of the code that uses it (a realm's own `Promise` and `Error`, so that `instanceof`
 * holds there, or the host's).
 */
import type { Realm } from '../realm/realm.ts';
import type { RealmRedisHost } from '../realm/redis.ts';
import type { SimRedisOptions } from '../redis/client.ts';
import type { ProcessContext } from '../sim/process.ts';
import type { AddressMap } from './addresses.ts';

export interface ClientBinding {
  /** The simulated process whose connections these are. */
  readonly ctx: ProcessContext;
  readonly addresses: AddressMap;
  /** Promises, errors, failures and immediates of the code that uses the client. */
  readonly host: RealmRedisHost;
  /** The `Error` class of that code (the connection's own errors are made with it). */
  readonly errorClass: ErrorConstructor;
  /** Options every connection made through this binding gets first (the client's own win), e.g. `onSend`. */
  readonly defaults?: SimRedisOptions;
}

/** A binding for code inside `realm`, which runs in the simulated process `ctx`. */
export function realmBinding(realm: Realm, ctx: ProcessContext, addresses: AddressMap, defaults?: SimRedisOptions): ClientBinding {
  return { ctx, addresses, host: realm.redisHost(), errorClass: realm.intrinsics.Error, defaults };
}

/**
 * A binding for host code running as the simulated process `ctx` (a scenario's own client
 * process): the host's promises and errors; a throw in a callback crashes the process.
 */
export function hostBinding(ctx: ProcessContext, addresses: AddressMap, defaults?: SimRedisOptions): ClientBinding {
  const host: RealmRedisHost = {
    Promise,
    makeError: (message, name) => {
      const error = new Error(message);
      if (name !== undefined) error.name = name;
      return error;
    },
    uncaught: (error) => {
      ctx.clock.setTimer(0, () => {
        throw error;
      });
    },
    immediate: (callback) => void ctx.clock.setTimer(0, callback),
  };
  return { ctx, addresses, host, errorClass: Error, defaults };
}
