/**
 * A Redlock-style lock (SET NX PX on every node, a quorum, validity = start + ttl − drift,
 * compare-and-delete release), written against the public lock interface only. Each field of
 * {@link Core} is one place where a pitfall family plants its bug; the correct twin of a mutant
 * is this same code with that one field back at its default ({@link CORRECT}).
 */
import type { Lease, LockAlgorithm, LockContext, LockFactory, TimeSource } from '../../index.ts';
import { CAD, CAP, drift, replied, send, type Outcome } from './kit.ts';

export interface Core {
  /** Per-node timeout, ms (Infinity: wait for the reply, as ioredis does by default). */
  readonly timeoutMs: number;
  /** Nodes that must say yes. Correct: floor(n/2)+1. */
  readonly quorum: (n: number) => number;
  /** Release (and clean-up): 'cad' compare-and-delete in one script; 'get-del' GET then DEL (two round trips); 'del' plain DEL. */
  readonly release: 'cad' | 'get-del' | 'del';
  /** The clock validity is measured on. Correct: monotonic. */
  readonly timeSource: TimeSource;
  /** Whether validity leaves the drift allowance (ttl × 1 % + 2 ms). */
  readonly driftAllowance: boolean;
  /** Whether a lease is refused when ttl − elapsed − drift ≤ 0. */
  readonly checkElapsed: boolean;
  /** Where validity is counted from: 'start' (before the first SET) or 'reply' (after the last reply). */
  readonly validityFrom: 'start' | 'reply';
  /** Whether a failed attempt removes its keys (minority keys) before retrying. */
  readonly cleanup: boolean;
  /**
   * What a node whose SET NX failed is asked next, in case the key is ours from an earlier SET
   * whose reply was lost: nothing ('none'); 'get' counts it as locked when GET shows our value
   * (leaving its TTL as it is); 'cap' extends it only if it holds our value (compare-and-pexpire);
   * 'pexpire' extends it whoever holds it.
   */
  readonly mine: 'none' | 'get' | 'cap' | 'pexpire';
  /** A fencing token: INCR of `${resource}:token` on node 0 after the lock; 'ttl' gives that counter the lock's TTL. */
  readonly fencing: 'none' | 'counter' | 'ttl';
  /** Attempts after the first, and the pause between attempts (base + jitter), ms. */
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly retryJitterMs: number;
}

export const CORRECT: Core = {
  timeoutMs: 50,
  quorum: (n) => Math.floor(n / 2) + 1,
  release: 'cad',
  timeSource: 'monotonic',
  driftAllowance: true,
  checkElapsed: true,
  validityFrom: 'start',
  cleanup: true,
  mine: 'none',
  fencing: 'none',
  retries: 10,
  retryDelayMs: 10,
  retryJitterMs: 20,
};

interface CoreLease extends Lease {
  readonly fencingToken?: number;
}

/** The lock factory for `core` (fields not given are {@link CORRECT}'s). */
export function redlockLike(name: string, core: Partial<Core> = {}): LockFactory {
  const c: Core = { ...CORRECT, ...core };
  return (context: LockContext): LockAlgorithm => {
    const { nodes, clock, random } = context;
    const time = (): number => (c.timeSource === 'wall' ? clock.now() : clock.monotonic());
    const releaseOn = async (key: string, value: string): Promise<void> => {
      await Promise.all(
        nodes.map(async (node) => {
          if (c.release === 'del') await send(clock, node, c.timeoutMs, 'DEL', key);
          else if (c.release === 'cad') await send(clock, node, c.timeoutMs, 'EVAL', CAD, 1, key, value);
          else {
            const got = await send(clock, node, c.timeoutMs, 'GET', key);
            if (replied(got, value)) await send(clock, node, c.timeoutMs, 'DEL', key);
          }
        }),
      );
    };
    const attemptOn = async (index: number, key: string, value: string, ttlMs: number): Promise<boolean> => {
      const node = nodes[index]!;
      const set: Outcome = await send(clock, node, c.timeoutMs, 'SET', key, value, 'NX', 'PX', ttlMs);
      if (replied(set, 'OK')) return true;
      if (set.kind !== 'reply' || c.mine === 'none') return false;
      if (c.mine === 'get') return replied(await send(clock, node, c.timeoutMs, 'GET', key), value);
      if (c.mine === 'cap') return replied(await send(clock, node, c.timeoutMs, 'EVAL', CAP, 1, key, value, ttlMs), 1);
      return replied(await send(clock, node, c.timeoutMs, 'PEXPIRE', key, ttlMs), 1);
    };
    return {
      name,
      async acquire(resource: string, ttlMs: number): Promise<Lease | null> {
        const value = random.hex(16);
        for (let attempt = 0; ; attempt++) {
          const startedAt = time();
          const yes = (await Promise.all(nodes.map((_, i) => attemptOn(i, resource, value, ttlMs)))).filter(Boolean).length;
          const repliedAt = time();
          const allowance = c.driftAllowance ? drift(ttlMs) : 0;
          const validity = ttlMs - (repliedAt - startedAt) - allowance;
          if (yes >= c.quorum(nodes.length) && (!c.checkElapsed || validity > 0)) {
            const validUntil = (c.validityFrom === 'start' ? startedAt : repliedAt) + ttlMs - allowance;
            if (c.fencing === 'none') return { resource, value, validUntil, timeSource: c.timeSource };
            const counter = `${resource}:token`;
            const incr = await send(clock, nodes[0]!, c.timeoutMs, 'INCR', counter);
            if (c.fencing === 'ttl') await send(clock, nodes[0]!, c.timeoutMs, 'PEXPIRE', counter, ttlMs);
            // A token that came back after the lease's validity orders nothing: give the lease up.
            if (incr.kind === 'reply' && typeof incr.value === 'number' && time() < validUntil) {
              const lease: CoreLease = { resource, value, validUntil, timeSource: c.timeSource, fencingToken: incr.value };
              return lease;
            }
            await releaseOn(resource, value);
            return null;
          }
          if (c.cleanup) await releaseOn(resource, value);
          if (attempt >= c.retries) return null;
          await clock.sleep(c.retryDelayMs + random.int(0, c.retryJitterMs));
        }
      },
      async release(lease: Lease): Promise<void> {
        await releaseOn(lease.resource, lease.value);
      },
    };
  };
}
