/**
 * Adapter for `node-redis-warlock` 1.0.2 (a fork of TheDeveloper/warlock for node-redis
 * v0.10-style clients): `Warlock(redis)` → `lock(key, ttl, cb)`, `unlock(key, id, cb)`,
 * `touch(key, id, ttl, cb)`, `optimistic(key, ttl, maxAttempts, wait, cb)`.
 *
 * The client API it needs is node-redis v0.10's callback style, `redis.set(key, id, 'PX', ttl,
 * 'NX', cb)`, `redis.evalsha(sha, numKeys, ...args, cb)` and `redis.script('load', src, cb)`,
 * and ioredis serves exactly that (a trailing Node-style callback on every command), so the
 * realm's ioredis-compatible client runs it unmodified. It reads its two Lua scripts from its
 * own folder at load time (lib/scripts.js, `fs.readFileSync`): the realm's read-only `fs`.
 *
 * What the library does, in its own code:
 * - `lock` (lib/warlock.js): `SET <key>:lock <uuid v1> PX ttl NX`; an error → `cb(err)`;
 *   otherwise `cb(null, unlock | false, id)`. No validity is computed.
 * - `unlock` runs parityDel.lua (GET, compare, DEL) and `touch` parityRelock.lua (GET, compare,
 *   `SET key id PX ttl XX`), both through node-redis-script's `createScript`
 *   (node-redis-script/src/index.js). Its `runScript` catches the EVALSHA's error, and only if
 *   the message contains NOSCRIPT does it load the script and retry; **any other error is
 *   dropped and `runScript` resolves `undefined`**. So `unlock` calls `cb(null, undefined)`
 *   and `touch` calls `cb(null, undefined)` after a command timeout, a closed connection or an
 *   error reply: a failed unlock or renewal reports success. Only the script's own "0" (the
 *   key is not ours) reaches the caller as a failure.
 *
 * Mapping: `acquire` → `lock(resource, ttl)` (`unlock` false → null; an error is the
 * acquire's error); the lease's `validUntil` is the moment `lock` was called + ttl on the
 * monotonic clock (the library computes none; the key cannot live longer than that).
 * `release` → `unlock`. Renewal is the caller's job with this library: with `touchEveryMs`,
 * the adapter calls `touch(key, id, ttl)` on that period while the lease is held, as the
 * README shows (`warlock.touch(key, id, ttl2, function (err) {})`), and aborts `lease.signal`
 * when touch reports a failure. `check: 'error'` (default) reads the callback as Node's
 * convention and the README do: a failure is an `err`, or the script's 0; `check: 'result'`
 * also treats anything but the script's `'OK'` as a failure (what a caller who distrusts the
 * helper must write).
 */
import type { Lease, LockFactory } from '../locks/interface.ts';
import { hostError, installedVersion, libraryLock, optionText, type AdapterOptions } from './common.ts';

export const NODE_REDIS_WARLOCK_PACKAGE = 'node-redis-warlock';

export interface NodeRedisWarlockOptions extends AdapterOptions {
  /** Call `touch` every this many ms while the lease is held (default: no renewal). */
  readonly touchEveryMs?: number;
  /** How a touch's answer is judged (default `error`: an `err` or the script's 0 means lost). */
  readonly check?: 'error' | 'result';
}

type Callback = (error: Error | null, ...results: unknown[]) => void;

interface Warlock {
  lock(key: string, ttl: number, cb: Callback): unknown;
  unlock(key: string, id: string, cb: Callback): Promise<void>;
  touch(key: string, id: string, ttl: number, cb: Callback): Promise<unknown>;
}

interface Held {
  readonly controller: AbortController;
  stop(): void;
}

/** A lock factory running the published node-redis-warlock on one node. */
export function nodeRedisWarlock(options: NodeRedisWarlockOptions = {}): LockFactory {
  const touchEveryMs = options.touchEveryMs ?? 0;
  const check = options.check ?? 'error';
  const name = `node-redis-warlock@${installedVersion(NODE_REDIS_WARLOCK_PACKAGE)}${optionText({ touchEveryMs: touchEveryMs > 0 ? touchEveryMs : undefined, check: options.check })}`;
  return libraryLock(
    name,
    (env) => {
      const create = env.require<(redis: unknown) => Warlock>(NODE_REDIS_WARLOCK_PACKAGE);
      const warlock = create(env.clients[0]);
      const held = new WeakMap<Lease, Held>();

      /** Renews with `touch` every `touchEveryMs` until stopped or until touch reports a failure. */
      const keep = (resource: string, id: string, ttlMs: number, controller: AbortController): (() => void) => {
        let stopped = false;
        let cancel: (() => void) | null = null;
        const schedule = (): void => {
          cancel = env.clock.setTimer(touchEveryMs, () => {
            cancel = null;
            if (stopped) return;
            void warlock.touch(resource, id, ttlMs, (error, result) => {
              if (stopped) return;
              const lost = error !== null || result === 0 || (check === 'result' && result !== 'OK');
              if (lost) {
                stopped = true;
                controller.abort(error !== null ? hostError(error) : new Error(`touch answered ${JSON.stringify(result)}: the lock is lost`));
                return;
              }
              schedule();
            });
          });
        };
        if (touchEveryMs > 0) schedule();
        return () => {
          stopped = true;
          cancel?.();
        };
      };

      return {
        name,
        acquire(resource, ttlMs) {
          const start = env.clock.monotonic();
          return new Promise<Lease | null>((resolve, reject) => {
            warlock.lock(resource, ttlMs, (error, unlock, id) => {
              if (error !== null) {
                reject(hostError(error));
                return;
              }
              if (typeof unlock !== 'function') {
                resolve(null);
                return;
              }
              const controller = env.leaseController();
              const value = String(id);
              const lease: Lease = { resource, value, validUntil: start + ttlMs, timeSource: 'monotonic', signal: controller.signal };
              held.set(lease, { controller, stop: keep(resource, value, ttlMs, controller) });
              resolve(lease);
            });
          });
        },
        release(lease) {
          const h = held.get(lease);
          if (h === undefined) throw new Error(`${name}: not a lease of this lock`);
          held.delete(lease);
          h.stop();
          env.forget(h.controller);
          return new Promise<void>((resolve, reject) => {
            void warlock.unlock(lease.resource, lease.value, (error) => (error === null ? resolve() : reject(hostError(error))));
          });
        },
      };
    },
    options,
  );
}
