/**
 * A semaphore of one permit in a sorted set (the redis-semaphore shape), written against the
 * public lock interface only: one script removes the holders whose entries are older than the
 * TTL, then adds the caller if fewer than `limit` remain. The correct twin scores entries by the
 * node's own clock (TIME inside the script); the mutant by the client's wall clock, so a client
 * whose clock stepped forward evicts a live holder.
 */
import type { Lease, LockAlgorithm, LockContext, LockFactory } from '../../index.ts';
import { drift, replied, send } from './kit.ts';

const ACQUIRE =
  "local now=tonumber(ARGV[3]) if now<0 then local t=redis.call('time') now=tonumber(t[1])*1000+math.floor(tonumber(t[2])/1000) end " +
  "redis.call('zremrangebyscore',KEYS[1],'-inf',now-tonumber(ARGV[2])) " +
  "if redis.call('zcard',KEYS[1])<tonumber(ARGV[4]) then redis.call('zadd',KEYS[1],now,ARGV[1]) return 1 else return 0 end";

export function zsetSemaphore(name: string, clientClock: boolean): LockFactory {
  return (context: LockContext): LockAlgorithm => {
    const { clock, random } = context;
    const node = context.nodes[0]!;
    return {
      name,
      async acquire(resource: string, ttlMs: number): Promise<Lease | null> {
        const value = random.hex(16);
        for (let attempt = 0; attempt <= 10; attempt++) {
          const startedAt = clock.monotonic();
          // The bug, when clientClock: entries are scored (and expired) by this client's wall clock.
          const now = clientClock ? Math.floor(clock.now()) : -1;
          const got = await send(clock, node, 50, 'EVAL', ACQUIRE, 1, resource, value, ttlMs, now, 1);
          const validity = ttlMs - (clock.monotonic() - startedAt) - drift(ttlMs);
          if (replied(got, 1) && validity > 0) return { resource, value, validUntil: startedAt + ttlMs - drift(ttlMs), timeSource: 'monotonic' };
          if (got.kind !== 'reply' || replied(got, 1)) await send(clock, node, 50, 'ZREM', resource, value);
          await clock.sleep(10 + random.int(0, 20));
        }
        return null;
      },
      async release(lease: Lease): Promise<void> {
        await send(clock, node, 50, 'ZREM', lease.resource, lease.value);
      },
    };
  };
}
