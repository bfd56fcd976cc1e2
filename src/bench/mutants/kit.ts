/**
 * What the planted-bug corpus shares: one command to one node with an optional timeout, the Lua
 * scripts, and the drift allowance. Written only against the public lock interface (a user's lock
 * sees nothing else), so every mutant here is a lock a user could have written.
 */
import type { Clock, RedisLike } from '../../index.ts';

/** What one command to one node came back with. */
export type Outcome = { readonly kind: 'reply'; readonly value: unknown } | { readonly kind: 'error' } | { readonly kind: 'timeout' };

/** Sends one command; resolves (never rejects) with the reply, an error, or `timeout` after `timeoutMs` of monotonic time (Infinity waits, as ioredis does). */
export function send(clock: Clock, node: RedisLike, timeoutMs: number, command: string, ...args: Array<string | number>): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let done = false;
    let cancel: (() => void) | undefined;
    const settle = (o: Outcome): void => {
      if (done) return;
      done = true;
      cancel?.();
      resolve(o);
    };
    node.call(command, ...args).then(
      (value) => settle({ kind: 'reply', value }),
      () => settle({ kind: 'error' }),
    );
    if (!done && timeoutMs !== Infinity) cancel = clock.setTimer(timeoutMs, () => settle({ kind: 'timeout' }));
  });
}

export const replied = (o: Outcome, expected: unknown): boolean => o.kind === 'reply' && o.value === expected;

export const CAD = "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end";
export const CAP = "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) else return 0 end";
export const RECREATE =
  "local v=redis.call('get',KEYS[1]) if v==ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) " +
  "elseif v==false then redis.call('set',KEYS[1],ARGV[1],'PX',ARGV[2]) return 1 else return 0 end";

/** Redlock's drift allowance: ttl × 1 % + 2 ms. */
export const drift = (ttlMs: number): number => ttlMs * 0.01 + 2;
