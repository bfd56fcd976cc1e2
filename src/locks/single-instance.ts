/**
 * The single-instance lock: `SET key value NX PX ttl` on one Redis node, released by
 * compare-and-delete and extended by compare-and-pexpire (both Lua scripts). This is what
 * StackExchange.Redis's LockTake / LockRelease / LockExtend do. It is exactly as safe as that
 * one node: a crash without persistence, or a failover to a replica that had not yet received
 * the key, hands the lock to a second client.
 *
 * Validity: `validUntil = start + ttl - drift` on the configured time source, where `start` is
 * read before the SET is sent and `drift = ttl * driftFactor + 2`. Like LockTake, an acquire
 * whose reply came late is still reported as a success; its `validUntil` may then already be
 * past, and the holder should look (Redlock is where the validity check lives).
 */
import type { Clock, Lease, LockAlgorithm, LockContext, RedisLike, TimeSource } from './interface.ts';
import {
  answered,
  checkInteger,
  checkNodeIndex,
  checkNumber,
  checkTtl,
  measuredLease,
  nameWithOptions,
  readTime,
  releaseOn,
  renewOn,
  setIfAbsent,
  withDefaults,
  type ExtendMethod,
  type MeasuredLease,
  type ReleaseMethod,
  type RenewableLockAlgorithm,
  type RenewMethod,
} from './common.ts';

/** Options of the single-instance lock. Every field is optional; defaults in {@link SINGLE_INSTANCE_DEFAULTS}. */
export interface SingleInstanceOptions {
  /** Index of the node (in `context.nodes`) that holds the lock. Default 0. */
  node?: number;
  /** The clock time validity is measured on. Default `'monotonic'`; `'wall'` is a deliberate flaw (NTP steps fool it). */
  timeSource?: TimeSource;
  /** How to release. Default `'compare-and-delete'`; `'del'` is a deliberate flaw (deletes whoever's lock is there). */
  release?: ReleaseMethod;
  /** How to extend. Default `'compare-and-pexpire'`; `'pexpire'` is a deliberate flaw (extends whoever's lock is there). */
  extend?: ExtendMethod;
  /** Clock-drift allowance factor: `drift = ttl * driftFactor + 2` ms. Default 0.01; `0` is a deliberate flaw. */
  driftFactor?: number;
  /** How long to wait for the node's answer, in ms of monotonic time; no answer counts as a failure. Default 50. `Infinity` waits forever. */
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

/** The defaults of {@link SingleInstanceOptions}. */
export const SINGLE_INSTANCE_DEFAULTS: Readonly<Required<SingleInstanceOptions>> = Object.freeze({
  node: 0,
  timeSource: 'monotonic',
  driftFactor: 0.01,
  release: 'compare-and-delete',
  extend: 'compare-and-pexpire',
  timeoutMs: 50,
  retryCount: 3,
  retryDelayMs: 200,
  retryJitterMs: 200,
  tokenBytes: 16,
});

/** Checks single-instance options, throwing a RangeError on a bad one. */
function checkOptions(options: Required<SingleInstanceOptions>): void {
  checkNumber('driftFactor', options.driftFactor, 0);
  checkNumber('timeoutMs', options.timeoutMs, 0, true);
  checkInteger('retryCount', options.retryCount, 0);
  checkNumber('retryDelayMs', options.retryDelayMs, 0);
  checkNumber('retryJitterMs', options.retryJitterMs, 0);
  checkInteger('tokenBytes', options.tokenBytes, 1);
}

/** The single-instance lock, for one client. Prefer the {@link singleInstance} factory. */
export class SingleInstanceLock implements LockAlgorithm, RenewableLockAlgorithm {
  readonly name: string;
  readonly options: Readonly<Required<SingleInstanceOptions>>;
  private readonly node: RedisLike;
  private readonly clock: Clock;

  constructor(
    private readonly context: LockContext,
    options: SingleInstanceOptions = {},
  ) {
    const merged = withDefaults(SINGLE_INSTANCE_DEFAULTS, options);
    checkOptions(merged);
    checkNodeIndex('node', merged.node, context.nodes.length);
    this.options = Object.freeze(merged);
    this.name = nameWithOptions('single-instance', merged, SINGLE_INSTANCE_DEFAULTS);
    this.node = context.nodes[merged.node];
    this.clock = context.clock;
  }

  private time(): number {
    return readTime(this.clock, this.options.timeSource);
  }

  async acquire(resource: string, ttlMs: number): Promise<MeasuredLease | null> {
    checkTtl(ttlMs);
    const { timeoutMs, retryCount, retryDelayMs, retryJitterMs } = this.options;
    const value = this.context.random.hex(this.options.tokenBytes);
    for (let attempt = 1; ; attempt++) {
      const startedAt = this.time();
      const outcome = await setIfAbsent(this.clock, this.node, timeoutMs, resource, value, ttlMs);
      const acquiredAt = this.time();
      if (answered(outcome, 'OK')) {
        return measuredLease({
          resource, value, ttlMs, startedAt, acquiredAt, attempts: attempt, nodesLocked: 1,
          timeSource: this.options.timeSource, driftFactor: this.options.driftFactor,
        });
      }
      // An error or a timeout leaves it unknown whether the SET happened: clean up. A nil
      // reply means the key was someone else's: nothing of ours to remove.
      if (outcome.kind !== 'reply') {
        await releaseOn(this.clock, this.node, timeoutMs, this.options.release, resource, value);
      }
      if (attempt > retryCount) return null;
      await this.clock.sleep(retryDelayMs + Math.floor(this.context.random.next() * retryJitterMs));
    }
  }

  async release(lease: Lease): Promise<void> {
    await releaseOn(this.clock, this.node, this.options.timeoutMs, this.options.release, lease.resource, lease.value);
  }

  extend(lease: Lease, ttlMs: number): Promise<MeasuredLease | null> {
    return this.renew(lease, ttlMs, this.options.extend);
  }

  /** Renews `lease` by `method` (the lease wrapper's way to ask for `'recreate-missing'`). */
  async renew(lease: Lease, ttlMs: number, method: RenewMethod): Promise<MeasuredLease | null> {
    checkTtl(ttlMs);
    const startedAt = this.time();
    const outcome = await renewOn(this.clock, this.node, this.options.timeoutMs, method, lease.resource, lease.value, ttlMs);
    const acquiredAt = this.time();
    if (!answered(outcome, 1)) return null;
    return measuredLease({
      resource: lease.resource, value: lease.value, ttlMs, startedAt, acquiredAt, attempts: 1, nodesLocked: 1,
      timeSource: this.options.timeSource, driftFactor: this.options.driftFactor,
    });
  }
}

/** The single-instance lock factory (a LockFactory whose instances are typed): `singleInstance({ release: 'del' })(context)`. */
export function singleInstance(options: SingleInstanceOptions = {}): (context: LockContext) => SingleInstanceLock {
  return (context) => new SingleInstanceLock(context, options);
}
