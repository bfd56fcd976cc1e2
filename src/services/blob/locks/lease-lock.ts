/**
 * A lock on an Azure blob's lease: acquire takes a lease on the blob named by the resource, release
 * releases it, extend renews it. Written only against locksim's @azure/storage-blob-shaped client
 * (BlobLeaseClient, BlobClient), a Clock and a Random.
 *
 * - The lease lasts the lock's TTL, which must be a whole number of seconds from 15 to 60 (the
 *   service's only fixed durations); an infinite lease is not offered (a crashed holder would keep
 *   it for ever).
 * - Each acquire proposes a fresh lease ID (a version-4 UUID from the algorithm's random source). A
 *   busy blob (409 LeaseAlreadyPresent, LeaseIsBreakingAndCannotBeAcquired) is tried again after
 *   `retryDelayMs` plus up to `retryJitterMs`, `retryCount` more times. A blob that does not exist
 *   is created empty first (`createBlob`), with If-None-Match: * so that an existing blob is never
 *   overwritten.
 * - A request that failed without an answer (after the SDK's own retries) may have taken the lease:
 *   acquiring again with the same ID is harmless (the service re-acquires its own lease), and giving
 *   up releases it, best effort.
 * - Validity: `start + ttl - drift` on the client's monotonic clock, `start` read before the
 *   request and `drift = ttl * driftFactor + 2` ms, as locksim's Redis locks compute it. The
 *   service's lease ends `duration` seconds after *its* clock saw the acquire or the last renewal;
 *   the holder's validity is only its own estimate of that.
 * - Extend renews (the service restarts the lease's clock; it renews an expired lease too, "as if
 *   nothing happened", if nobody leased or wrote the blob since). A renewal cannot change the
 *   duration, so an extend with another TTL is refused with a RangeError.
 *
 * `blobLeaseLock()` wraps it in locksim's auto-renewing lease (src/locks/lease.ts): it renews every
 * third of the duration on the client's clock, and `lease.signal` aborts when a renewal is refused
 * (reason 'renewal-failed') or the validity passes before one succeeds ('expired': a renewal that
 * hangs, or SDK retries that outlast the lease, or a pause). With `watchValidity: false` it keeps no
 * watch of its own validity and trusts the service instead: after a pause past its lease it renews,
 * and if the service renews the expired lease the holder never learns it lapsed.
 */
import type { Clock, Lease, LockAlgorithm, LockContext, Random } from '../../../locks/interface.ts';
import { checkInteger, checkNumber, measuredLease, nameWithOptions, withDefaults, type MeasuredLease, type RenewMethod } from '../../../locks/common.ts';
import { AutoRenewingLock } from '../../../locks/lease.ts';
import { randomUuid } from '../client/blob-lease-client.ts';
import { isRestError } from '../client/rest-error.ts';
import { blobLockContext, type BlobContainerLike, type BlobLockContext } from './context.ts';

/** Options of the blob lease lock. Every field is optional; defaults in {@link BLOB_LEASE_DEFAULTS}. */
export interface BlobLeaseOptions {
  /** Clock-drift allowance factor: `drift = ttl * driftFactor + 2` ms. Default 0.01. */
  driftFactor?: number;
  /** How many more attempts after a busy blob (total attempts = 1 + retryCount). Default 3. */
  retryCount?: number;
  /** Fixed part of the pause between attempts, ms. Default 200. */
  retryDelayMs?: number;
  /** Random part of the pause between attempts: uniform in [0, retryJitterMs) ms. Default 200. */
  retryJitterMs?: number;
  /** Create the blob (empty, only if absent) when it does not exist. Default true. */
  createBlob?: boolean;
  /**
   * Break a lease that has kept the blob busy this long (ms on the client's monotonic clock, from
   * the start of the acquire), then take it: the impatient take-over of a lock "that must be
   * stuck". 0 (the default): never break. The old holder is not told; it learns at its next
   * renewal, and the blob refuses its writes that name its lease from the break on.
   */
  breakAfterMs?: number;
}

export const BLOB_LEASE_DEFAULTS: Readonly<Required<BlobLeaseOptions>> = Object.freeze({
  driftFactor: 0.01,
  retryCount: 3,
  retryDelayMs: 200,
  retryJitterMs: 200,
  createBlob: true,
  breakAfterMs: 0,
});

/** A lease on a blob: `value` is the lease ID; `durationSeconds` the service's lease duration. */
export interface BlobLease extends MeasuredLease {
  readonly durationSeconds: number;
}

/** Codes of a blob that is leased by someone else (try again later). */
const BUSY = new Set(['LeaseAlreadyPresent', 'LeaseIsBreakingAndCannotBeAcquired']);

/** The lease's duration in seconds for a TTL, or a RangeError that says what the service accepts. */
export function leaseSeconds(ttlMs: number): number {
  if (!Number.isInteger(ttlMs) || ttlMs % 1000 !== 0 || ttlMs < 15_000 || ttlMs > 60_000) {
    throw new RangeError(`a blob lease lasts a whole number of seconds from 15 to 60: ttlMs must be one of 15000, 16000, ..., 60000, got ${ttlMs}`);
  }
  return ttlMs / 1000;
}

/** The blob lease lock without renewal, for one client. Prefer {@link blobLeaseLock}. */
export class BlobLeaseAlgorithm implements LockAlgorithm {
  readonly name: string;
  readonly options: Readonly<Required<BlobLeaseOptions>>;
  private readonly container: BlobContainerLike;
  private readonly clock: Clock;
  private readonly random: Random;

  constructor(context: BlobLockContext | LockContext, options: BlobLeaseOptions = {}) {
    const merged = withDefaults(BLOB_LEASE_DEFAULTS, options);
    checkNumber('driftFactor', merged.driftFactor, 0);
    checkInteger('retryCount', merged.retryCount, 0);
    checkNumber('retryDelayMs', merged.retryDelayMs, 0);
    checkNumber('retryJitterMs', merged.retryJitterMs, 0);
    checkNumber('breakAfterMs', merged.breakAfterMs, 0);
    this.options = Object.freeze(merged);
    this.name = nameWithOptions('blob-lease', merged, BLOB_LEASE_DEFAULTS);
    const blob = blobLockContext(context);
    this.container = blob.container;
    this.clock = blob.clock;
    this.random = blob.random;
  }

  async acquire(resource: string, ttlMs: number): Promise<BlobLease | null> {
    const seconds = leaseSeconds(ttlMs);
    const blob = this.container.getBlockBlobClient(resource);
    const leaseClient = blob.getBlobLeaseClient(randomUuid(this.random));
    let created = false;
    let unanswered = false;
    const began = this.clock.monotonic();
    for (let attempt = 1; ; ) {
      const startedAt = this.clock.monotonic();
      try {
        await leaseClient.acquireLease(seconds);
        return this.leaseOf(resource, leaseClient.leaseId, ttlMs, seconds, startedAt, attempt);
      } catch (error) {
        if (!isRestError(error)) throw error;
        if (error.details?.errorCode === 'BlobNotFound' && this.options.createBlob && !created) {
          created = true;
          await this.createEmpty(resource);
          continue;
        }
        if (error.statusCode === undefined) unanswered = true;
        else if (!BUSY.has(error.details?.errorCode ?? '')) break;
        else if (this.options.breakAfterMs > 0 && this.clock.monotonic() - began >= this.options.breakAfterMs) {
          await this.breakBusy(resource);
          continue;
        }
      }
      if (attempt > this.options.retryCount) break;
      attempt++;
      await this.clock.sleep(this.options.retryDelayMs + Math.floor(this.random.next() * this.options.retryJitterMs));
    }
    // An acquire that got no answer may have taken the lease: give it back.
    if (unanswered) await this.releaseId(resource, leaseClient.leaseId);
    return null;
  }

  async release(lease: Lease): Promise<void> {
    await this.releaseId(lease.resource, lease.value);
  }

  /** Renews the lease (the only way a blob lease is extended); null if the service refused or did not answer. */
  async extend(lease: Lease, ttlMs: number): Promise<BlobLease | null> {
    return this.renew(lease, ttlMs, 'compare-and-pexpire');
  }

  /**
   * Renews by the given method, for the auto-renewing wrapper: a blob lease renews only by its ID,
   * so the compare-and-extend renewal and the "recreate-missing" one (the wrapper's no-watch mode)
   * both send Renew Lease; a renewal that extends whoever's lease is there does not exist here.
   */
  async renew(lease: Lease, ttlMs: number, method: RenewMethod): Promise<BlobLease | null> {
    if (method === 'pexpire') throw new RangeError("renewal 'pexpire' does not apply to a blob lease: the service renews a lease only by its own ID");
    const seconds = leaseSeconds(ttlMs);
    const held = (lease as Partial<BlobLease>).durationSeconds;
    if (held !== undefined && held !== seconds) {
      throw new RangeError(`a blob lease's duration cannot be changed by renewing it (the lease on '${lease.resource}' lasts ${held} s; extend with ttlMs ${held * 1000})`);
    }
    const startedAt = this.clock.monotonic();
    try {
      await this.container.getBlockBlobClient(lease.resource).getBlobLeaseClient(lease.value).renewLease();
    } catch (error) {
      if (isRestError(error)) return null;
      throw error;
    }
    return this.leaseOf(lease.resource, lease.value, ttlMs, seconds, startedAt, 1);
  }

  private leaseOf(resource: string, leaseId: string, ttlMs: number, seconds: number, startedAt: number, attempts: number): BlobLease {
    const measured = measuredLease({
      resource, value: leaseId, ttlMs, startedAt, acquiredAt: this.clock.monotonic(), attempts, nodesLocked: 1,
      timeSource: 'monotonic', driftFactor: this.options.driftFactor,
    });
    return Object.freeze({ ...measured, durationSeconds: seconds });
  }

  /** Breaks whoever's lease keeps the blob busy, at once (break period 0); a refusal or no answer is left to the next attempt. */
  private async breakBusy(resource: string): Promise<void> {
    try {
      await this.container.getBlockBlobClient(resource).getBlobLeaseClient().breakLease(0);
    } catch (error) {
      if (!isRestError(error)) throw error;
    }
  }

  /** Creates the blob empty unless it exists (If-None-Match: *); a blob someone else created or leased meanwhile is fine. */
  private async createEmpty(resource: string): Promise<void> {
    try {
      await this.container.getBlockBlobClient(resource).upload('', 0, { conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      if (!isRestError(error)) throw error;
    }
  }

  private async releaseId(resource: string, leaseId: string): Promise<void> {
    try {
      await this.container.getBlockBlobClient(resource).getBlobLeaseClient(leaseId).releaseLease();
    } catch (error) {
      // Best effort: a lease that is gone, or a service that does not answer, is not an error here.
      if (!isRestError(error)) throw error;
    }
  }
}

/** Options of the auto-renewing blob lease lock. */
export interface BlobLeaseLockOptions extends BlobLeaseOptions {
  /** Renew every `renewFraction * ttl` ms of the client's monotonic clock. Default 1/3. */
  renewFraction?: number;
  /**
   * Watch the lease's validity on the client's own clock (default true): a holder whose validity
   * passed before a renewal succeeded (a pause, a hung renewal) learns it at once ('expired') and
   * sends no renewal. false: trust the service instead; renew whatever the own clock says, and
   * learn of a loss only from a refused renewal (the service renews an expired lease nobody touched).
   */
  watchValidity?: boolean;
}

/**
 * The blob lease lock with auto-renewal: `blobLeaseLock()({ container, clock, random })`. Acquire
 * resolves to locksim's live RenewingLease (its `signal` aborts when the lease is lost).
 */
export function blobLeaseLock(options: BlobLeaseLockOptions = {}): (context: BlobLockContext | LockContext) => AutoRenewingLock {
  const { renewFraction = 1 / 3, watchValidity = true, ...leaseOptions } = options;
  return (context) => {
    const lock = new AutoRenewingLock(new BlobLeaseAlgorithm(context, leaseOptions), context.clock, { renewFraction, renewal: watchValidity ? 'extend' : 'recreate-missing' });
    // The wrapper's own word for the no-watch renewal is Redis's; say what it means for a blob.
    if (!watchValidity) Object.defineProperty(lock, 'name', { value: lock.name.replace('renewal=recreate-missing', 'watchValidity=false') });
    return lock;
  };
}
