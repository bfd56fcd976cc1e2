/**
 * Redlock, as published by Redis's author
 * (https://redis.io/docs/manual/patterns/distributed-locks/):
 *
 * 1. Read the current time (`start`), before the first node is contacted.
 * 2. Send `SET key value NX PX ttl` to all N nodes in parallel, each with a timeout small against
 *    the TTL; a node that errs or does not answer in time counts as a "no".
 * 3. After the last reply or timeout, `elapsed = now - start`. The lock is acquired only if a
 *    quorum (floor(N/2)+1) said yes AND `validity = ttl - elapsed - drift > 0`, where
 *    `drift = ttl * driftFactor + 2` ms.
 * 4. On failure, release on ALL nodes (even those that said no), wait a random delay and retry.
 *
 * Release is compare-and-delete on all nodes; extend is compare-and-pexpire on all nodes, with
 * the same quorum-and-validity rule. Each deliberate flaw is one option; see
 * {@link RedlockOptions}.
 */
import type { Clock, Lease, LockAlgorithm, LockContext, RedisLike, TimeSource } from './interface.ts';
import {
  answered,
  checkInteger,
  checkNumber,
  checkTtl,
  driftAllowance,
  measuredLease,
  nameWithOptions,
  readTime,
  releaseOn,
  renewOn,
  setIfAbsent,
  withDefaults,
  type ExtendMethod,
  type MeasuredLease,
  type NodeOutcome,
  type ReleaseMethod,
  type RenewableLockAlgorithm,
  type RenewMethod,
} from './common.ts';

/** Options of Redlock. Every field is optional; defaults in {@link REDLOCK_DEFAULTS}. */
export interface RedlockOptions {
  /** The clock time elapsed time and validity are measured on. Default `'monotonic'`; `'wall'` is a deliberate flaw. */
  timeSource?: TimeSource;
  /** Clock-drift allowance factor: `drift = ttl * driftFactor + 2` ms. Default 0.01; `0` is a deliberate flaw. */
  driftFactor?: number;
  /** Whether an acquire or extend also requires `ttl - elapsed - drift > 0` after the last reply. Default true; `false` is a deliberate flaw. */
  checkValidity?: boolean;
  /** Whether a failed attempt releases the key on all nodes before retrying or giving up. Default true; `false` is a deliberate flaw. */
  releaseOnFailure?: boolean;
  /**
   * How to release, both in `release()` and in the clean-up after a failed attempt. Default
   * `'compare-and-delete'`; `'del'` is a deliberate flaw: it deletes whoever's key is there, so
   * a stale holder's release, and a losing client's clean-up, delete the winner's keys.
   */
  release?: ReleaseMethod;
  /** How to extend. Default `'compare-and-pexpire'`; `'pexpire'` is a deliberate flaw (extends whoever's key is there). */
  extend?: ExtendMethod;
  /** Per-node timeout in ms of monotonic time, to be kept small against the TTL. Default 50. `Infinity` waits forever. */
  timeoutMs?: number;
  /** How many more attempts after a failed one (total attempts = 1 + retryCount). Default 3. */
  retryCount?: number;
  /** Fixed part of the pause between attempts, ms. Default 200. */
  retryDelayMs?: number;
  /** Random part of the pause between attempts: uniform in [0, retryJitterMs) ms. Default 200. */
  retryJitterMs?: number;
  /** Random bytes in the lock value (hex-encoded). Default 16. */
  tokenBytes?: number;
}

/** The defaults of {@link RedlockOptions}. */
export const REDLOCK_DEFAULTS: Readonly<Required<RedlockOptions>> = Object.freeze({
  timeSource: 'monotonic',
  driftFactor: 0.01,
  checkValidity: true,
  releaseOnFailure: true,
  release: 'compare-and-delete',
  extend: 'compare-and-pexpire',
  timeoutMs: 50,
  retryCount: 3,
  retryDelayMs: 200,
  retryJitterMs: 200,
  tokenBytes: 16,
});

/** The majority of `n` nodes: floor(n/2)+1. */
export function quorumOf(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** Redlock for one client. Prefer the {@link redlock} factory. */
export class Redlock implements LockAlgorithm, RenewableLockAlgorithm {
  readonly name: string;
  readonly options: Readonly<Required<RedlockOptions>>;
  /** floor(N/2)+1. */
  readonly quorum: number;
  private readonly nodes: readonly RedisLike[];
  private readonly clock: Clock;

  constructor(
    private readonly context: LockContext,
    options: RedlockOptions = {},
  ) {
    const merged = withDefaults(REDLOCK_DEFAULTS, options);
    checkNumber('driftFactor', merged.driftFactor, 0);
    checkNumber('timeoutMs', merged.timeoutMs, 0, true);
    checkInteger('retryCount', merged.retryCount, 0);
    checkNumber('retryDelayMs', merged.retryDelayMs, 0);
    checkNumber('retryJitterMs', merged.retryJitterMs, 0);
    checkInteger('tokenBytes', merged.tokenBytes, 1);
    if (context.nodes.length === 0) throw new RangeError('redlock needs at least one node');
    this.options = Object.freeze(merged);
    this.name = nameWithOptions('redlock', merged, REDLOCK_DEFAULTS);
    this.nodes = context.nodes;
    this.clock = context.clock;
    this.quorum = quorumOf(context.nodes.length);
  }

  private time(): number {
    return readTime(this.clock, this.options.timeSource);
  }

  /** The quorum-and-validity rule, shared by acquire and extend. */
  private succeeded(outcomes: readonly NodeOutcome[], expected: unknown, ttlMs: number, elapsedMs: number): number | null {
    const yes = outcomes.filter((outcome) => answered(outcome, expected)).length;
    if (yes < this.quorum) return null;
    if (this.options.checkValidity && ttlMs - elapsedMs - driftAllowance(ttlMs, this.options.driftFactor) <= 0) return null;
    return yes;
  }

  async acquire(resource: string, ttlMs: number): Promise<MeasuredLease | null> {
    checkTtl(ttlMs);
    const { timeoutMs, retryCount, retryDelayMs, retryJitterMs } = this.options;
    const value = this.context.random.hex(this.options.tokenBytes);
    for (let attempt = 1; ; attempt++) {
      const startedAt = this.time();
      const outcomes = await Promise.all(
        this.nodes.map((node) => setIfAbsent(this.clock, node, timeoutMs, resource, value, ttlMs)),
      );
      const acquiredAt = this.time();
      const nodesLocked = this.succeeded(outcomes, 'OK', ttlMs, acquiredAt - startedAt);
      if (nodesLocked !== null) {
        return measuredLease({
          resource, value, ttlMs, startedAt, acquiredAt, nodesLocked, attempts: attempt,
          timeSource: this.options.timeSource, driftFactor: this.options.driftFactor,
        });
      }
      if (this.options.releaseOnFailure) await this.releaseAll(resource, value);
      if (attempt > retryCount) return null;
      await this.clock.sleep(retryDelayMs + Math.floor(this.context.random.next() * retryJitterMs));
    }
  }

  private async releaseAll(resource: string, value: string): Promise<void> {
    await Promise.all(
      this.nodes.map((node) => releaseOn(this.clock, node, this.options.timeoutMs, this.options.release, resource, value)),
    );
  }

  /** Releases on all nodes (best effort: nodes that err or time out are ignored). */
  async release(lease: Lease): Promise<void> {
    await this.releaseAll(lease.resource, lease.value);
  }

  extend(lease: Lease, ttlMs: number): Promise<MeasuredLease | null> {
    return this.renew(lease, ttlMs, this.options.extend);
  }

  /**
   * Renews `lease` on all nodes by `method`, with the quorum-and-validity rule of acquire. A
   * failed extend releases nothing (the holder decides; the lease wrapper signals the loss).
   */
  async renew(lease: Lease, ttlMs: number, method: RenewMethod): Promise<MeasuredLease | null> {
    checkTtl(ttlMs);
    const startedAt = this.time();
    const outcomes = await Promise.all(
      this.nodes.map((node) =>
        renewOn(this.clock, node, this.options.timeoutMs, method, lease.resource, lease.value, ttlMs),
      ),
    );
    const acquiredAt = this.time();
    const nodesLocked = this.succeeded(outcomes, 1, ttlMs, acquiredAt - startedAt);
    if (nodesLocked === null) return null;
    return measuredLease({
      resource: lease.resource, value: lease.value, ttlMs, startedAt, acquiredAt, nodesLocked, attempts: 1,
      timeSource: this.options.timeSource, driftFactor: this.options.driftFactor,
    });
  }
}

/** The Redlock factory (a LockFactory whose instances are typed): `redlock({ release: 'del' })(context)`. */
export function redlock(options: RedlockOptions = {}): (context: LockContext) => Redlock {
  return (context) => new Redlock(context, options);
}
