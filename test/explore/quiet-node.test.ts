/**
 * A lock whose fencing counter lives on a node of its own, where the lock key never is: no
 * turn of the lock names that node, yet its crash right after an acquire is the one fault that
 * breaks the lock when the node keeps nothing. Written against the public interface only, as a
 * user would; its twin keeps the counter on disk (AOF always) and must pass.
 */
import { describe, expect, it } from 'vitest';
import { checkLock, LockCheckError, type Lease, type LockFactory, type NodeSpec } from '../../src/index.ts';

interface FencedLease extends Lease {
  readonly fencingToken: number;
}

/** SET NX PX on nodes[0], the token INCR'd on nodes[1] (and the lease given up if that took too long), compare-and-delete release. */
const counterOnItsOwnNode: LockFactory = ({ nodes, clock, random }) => ({
  name: 'lock-and-counter',
  async acquire(resource, ttlMs) {
    const value = random.hex(16);
    const startedAt = clock.monotonic();
    if ((await nodes[0]!.call('SET', resource, value, 'NX', 'PX', ttlMs)) !== 'OK') return null;
    const token = Number(await nodes[1]!.call('INCR', `${resource}:token`));
    const validUntil = startedAt + ttlMs - ttlMs * 0.01 - 2;
    // A token that came back after the lease ran out orders nothing: give the lock up.
    if (clock.monotonic() >= validUntil) return null;
    const lease: FencedLease = { resource, value, validUntil, timeSource: 'monotonic', fencingToken: token };
    return lease;
  },
  async release(lease) {
    await nodes[0]!.call('EVAL', "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end", 1, lease.resource, lease.value);
  },
});

const world = (counter: NodeSpec['persistence']): NodeSpec[] => [
  { name: 'redis-1', persistence: 'aof-always' },
  { name: 'redis-2', persistence: counter },
];

describe('single faults reach a lock node no turn touches', () => {
  it.each([1, 2, 3])('a counter that restarts empty is found by one crash of its node (seed %i)', async (seed) => {
    const error = await checkLock({ lock: counterOnItsOwnNode, nodes: world('none'), resource: 'fenced', runs: 100, seed }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LockCheckError);
    const found = error as LockCheckError;
    // By the single faults tried first, not by a lucky random schedule.
    expect(found.message.split('\n')[0]).toMatch(/found after \d+ runs, by a single fault at one of the lock's turns\)/);
    expect(found.result.faults.filter((f) => f.kind !== 'heal')).toEqual([expect.objectContaining({ kind: 'crash', process: 'redis-2' })]);
  });

  it('its twin, with the counter on disk, passes', async () => {
    await expect(checkLock({ lock: counterOnItsOwnNode, nodes: world('aof-always'), resource: 'fenced', runs: 100, seed: 1 })).resolves.toBeUndefined();
  });
});
