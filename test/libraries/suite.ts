/**
 * The libraries' own published behaviour, as one suite that runs against simulated nodes in
 * virtual time and against real redis-server processes: contention has one winner, a release
 * lets the other client in, an extension (or the library's automatic renewal) keeps the lock
 * past its first TTL, and an unreleased lock expires.
 */
import { expect } from 'vitest';
import type { Lease, LockAlgorithm, LockFactory } from '../../src/locks/interface.ts';
import { redisSemaphore, redlock4, redlock5, type RedisSemaphoreClass } from '../../src/libraries/index.ts';

/** What a suite body can do, in either world. */
export interface SuiteContext {
  /** A new client (its own connections to the first `nodes` nodes) running `factory`. */
  lock(factory: LockFactory, nodes: number): LockAlgorithm;
  sleep(ms: number): Promise<void>;
  /** PTTL of `key` on node `i` (-2: absent). */
  pttl(i: number, key: string): Promise<number>;
}

/** One world to run the suite in: simulation or real Redis. */
export interface Harness {
  readonly name: string;
  /** The TTL the suite asks for (real time needs more room for timer lateness than virtual time). */
  readonly ttl: number;
  /** Runs `body` against `nodes` fresh nodes. */
  run(nodes: number, body: (s: SuiteContext) => Promise<void>): Promise<void>;
}

/** One library configuration under test. */
export interface LibraryCase {
  readonly name: string;
  readonly nodes: number;
  /** The library with retries off: one attempt per acquire. */
  readonly once: LockFactory;
  /** The library's key on the nodes for resource `r`. */
  readonly key: (resource: string) => string;
  /** How the lock outlives its TTL: explicit `extend`, or the library's own renewal. */
  readonly keepAlive: 'extend' | 'auto';
}

const semaphoreCase = (kind: RedisSemaphoreClass, nodes: number): LibraryCase => ({
  name: `redis-semaphore ${kind}`,
  nodes,
  once: redisSemaphore({ kind, options: { acquireAttemptsLimit: 1 } }),
  key: (r) => `${kind.includes('Semaphore') ? 'semaphore' : 'mutex'}:${r}`,
  keepAlive: 'auto',
});

export const LIBRARY_CASES: readonly LibraryCase[] = [
  { name: 'redlock 4', nodes: 3, once: redlock4({ retryCount: 0 }), key: (r) => r, keepAlive: 'extend' },
  { name: 'redlock 5 acquire', nodes: 3, once: redlock5({ settings: { retryCount: 0 } }), key: (r) => r, keepAlive: 'extend' },
  // The extension threshold (default 500 ms) must be at least 100 ms under the TTL.
  { name: 'redlock 5 using', nodes: 3, once: redlock5({ mode5: 'using', settings: { retryCount: 0, automaticExtensionThreshold: 300 } }), key: (r) => r, keepAlive: 'auto' },
  semaphoreCase('Mutex', 1),
  semaphoreCase('RedlockMutex', 3),
  semaphoreCase('Semaphore', 1),
  semaphoreCase('RedlockSemaphore', 3),
];

/** Runs the suite for one library in one harness. */
export async function librarySuite(harness: Harness, c: LibraryCase, resource: string): Promise<void> {
  const TTL = harness.ttl;
  await harness.run(c.nodes, async (s) => {
    const a = s.lock(c.once, c.nodes);
    const b = s.lock(c.once, c.nodes);
    const key = c.key(resource);
    const held = async (): Promise<number> => {
      let n = 0;
      for (let i = 0; i < c.nodes; i++) if ((await s.pttl(i, key)) > 0) n++;
      return n;
    };

    // Contention: both try at once; exactly one wins.
    const both = await Promise.all([a.acquire(resource, TTL), b.acquire(resource, TTL)]);
    expect(both.filter((l) => l !== null)).toHaveLength(1);
    const [winner, loser] = both[0] !== null ? [a, b] : [b, a];
    let lease = (both[0] ?? both[1]) as Lease;
    expect(await held()).toBeGreaterThanOrEqual(Math.floor(c.nodes / 2) + 1);
    expect(await loser.acquire(resource, TTL)).toBeNull();

    // A release lets the other in.
    await winner.release(lease);
    expect(await held()).toBe(0);
    const second = await loser.acquire(resource, TTL);
    expect(second).not.toBeNull();
    lease = second as Lease;

    // Keep-alive: the lock outlives its first TTL.
    if (c.keepAlive === 'extend') {
      await s.sleep(TTL / 2);
      const extended = await loser.extend!(lease, 3 * TTL);
      expect(extended).not.toBeNull();
      lease = extended as Lease;
      await s.sleep(TTL);
      // Past the first expiry: still held, with time left from the extension.
      expect(await held()).toBeGreaterThanOrEqual(Math.floor(c.nodes / 2) + 1);
      for (let i = 0; i < c.nodes; i++) expect(await s.pttl(i, key)).toBeGreaterThan(TTL / 2);
    } else {
      await s.sleep(2.5 * TTL);
      expect(lease.signal?.aborted ?? false).toBe(false);
      expect(await held()).toBeGreaterThanOrEqual(Math.floor(c.nodes / 2) + 1);
    }
    expect(await winner.acquire(resource, TTL)).toBeNull();
    await loser.release(lease);
    const third = await winner.acquire(resource, TTL);
    expect(third).not.toBeNull();

    // Expiry: an unreleased lock is free again after its TTL (stop the renewals first by
    // releasing the auto-renewing lease only after the check).
    if (c.keepAlive === 'extend') {
      await s.sleep(TTL + 100);
      expect(await held()).toBe(0);
      const fourth = await loser.acquire(resource, TTL);
      expect(fourth).not.toBeNull();
      await loser.release(fourth as Lease);
    } else {
      await winner.release(third as Lease);
      expect(await held()).toBe(0);
    }
  });
}
