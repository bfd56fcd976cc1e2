/**
 * A lease with auto-renewal, wrapping an algorithm that can extend (single-instance, Redlock,
 * or either of them under the fencing wrapper).
 *
 * After a successful acquire, the lease renews itself in the background every
 * `renewFraction * ttl` ms (on the clock's monotonic timers, counted from the last successful
 * renewal), at most `maxRenewals` times. The holder is told at once, through `lease.signal`,
 * when the lease is lost:
 *
 * - a renewal fails (the inner extend says no, errs or times out): reason `'renewal-failed'`;
 * - the lease's validity passes before a renewal succeeds (a renewal is slow, renewals have
 *   run out, or the process was paused past its lease): reason `'expired'`.
 *
 * The signal is aborted with a {@link LeaseLostError} whose `reason` says which. After a loss no
 * more renewals are made; the holder should stop its work and may still call `release` (it
 * cleans up whatever keys remain). `release` stops renewals and does not abort the signal.
 *
 * The lease object `acquire` returns is a {@link RenewingLease}: a live view whose
 * `validUntil` (and `fencingToken`, `value`) always reflect the latest successful renewal, and
 * which also tells `renewals`, `state` and the `current()` inner lease. `extend` on this
 * algorithm renews at once and resolves to the same live object.
 *
 * Validity is measured on the inner lease's `timeSource` (so a wrapped algorithm configured
 * with `timeSource: 'wall'` makes the expiry watch wall-clock based too, and an NTP step fools
 * it; that flaw belongs to the inner algorithm's option).
 */
import type { CancelTimer, Clock, Lease, LockAlgorithm, LockContext, LockFactory, TimeSource } from './interface.ts';
import { checkInteger, checkNumber, checkTtl, isRenewable, readTime, withDefaults } from './common.ts';

/** How the background renewal renews. */
export type RenewalMethod = 'extend' | 'recreate-missing';

/** Options of the lease wrapper. Every field is optional; defaults in {@link LEASE_DEFAULTS}. */
export interface LeaseOptions {
  /** Renew every `renewFraction * ttl` ms, counted from the acquire or the last renewal. In (0, 1). Default 1/3. */
  renewFraction?: number;
  /** At most this many background renewals (an integer, or Infinity). Default Infinity. */
  maxRenewals?: number;
  /**
   * How to renew. Default `'extend'`: the inner algorithm's own extend. `'recreate-missing'` is
   * a deliberate flaw, shaped as the libraries that have it (a refresh script that SETs a missing
   * key, and nothing else): the renewal SETs the key again when it has vanished (expired,
   * deleted, lost in a node crash), so the renewal "succeeds" and the holder never learns it lost
   * the lock. Like those libraries it keeps no local watch of its own validity: it sends the
   * renewal even after validity passed (a holder paused past its lease resurrects it on resume),
   * and it learns of a loss only from a renewal that fails.
   * It needs an inner algorithm that can renew by a chosen method (single-instance, Redlock).
   */
  renewal?: RenewalMethod;
}

/** The defaults of {@link LeaseOptions}. */
export const LEASE_DEFAULTS: Readonly<Required<LeaseOptions>> = Object.freeze({
  renewFraction: 1 / 3,
  maxRenewals: Infinity,
  renewal: 'extend',
});

/** Why a lease was lost. */
export type LeaseLossReason = 'renewal-failed' | 'expired';

/** The reason a {@link RenewingLease}'s signal is aborted with. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';

  constructor(
    /** `'renewal-failed'`: a renewal was refused, erred or timed out; `'expired'`: validity passed before a renewal succeeded. */
    readonly reason: LeaseLossReason,
    readonly resource: string,
    options?: { cause?: unknown },
  ) {
    super(
      reason === 'renewal-failed'
        ? `lease on '${resource}' lost: a renewal failed`
        : `lease on '${resource}' lost: its validity passed before a renewal succeeded`,
      options,
    );
  }
}

/** Where a {@link RenewingLease} is in its life. */
export type LeaseState = 'held' | 'lost' | 'released';

/**
 * @internal Keeps one lease alive: owns its timers, its current inner lease and its abort
 * controller. Made by {@link AutoRenewingLock.acquire}; not part of the public API.
 */
export class LeaseKeeper {
  current: Lease;
  renewals = 0;
  state: LeaseState = 'held';
  readonly controller = new AbortController();
  private cancelRenewal: CancelTimer | undefined;
  private cancelWatch: CancelTimer | undefined;

  constructor(
    private readonly owner: AutoRenewingLock,
    private readonly clock: Clock,
    first: Lease,
    private ttlMs: number,
  ) {
    this.current = first;
  }

  private remaining(): number {
    return this.current.validUntil - readTime(this.clock, this.current.timeSource);
  }

  /** Whether the keeper watches validity on its own clock (the flawed renewal does not, as its libraries do not). */
  private get watchesValidity(): boolean {
    return this.owner.options.renewal !== 'recreate-missing';
  }

  start(): void {
    if (this.watchesValidity) this.watch();
    this.scheduleRenewal();
  }

  private scheduleRenewal(): void {
    this.cancelRenewal?.();
    this.cancelRenewal = undefined;
    if (this.state !== 'held' || this.renewals >= this.owner.options.maxRenewals) return;
    this.cancelRenewal = this.clock.setTimer(this.owner.options.renewFraction * this.ttlMs, () => {
      this.cancelRenewal = undefined;
      void this.renew(this.ttlMs);
    });
  }

  /** (Re)arms the expiry watch for the current validity. */
  private watch(): void {
    this.cancelWatch?.();
    this.cancelWatch = this.clock.setTimer(Math.max(0, this.remaining()), () => {
      this.cancelWatch = undefined;
      if (this.state !== 'held') return;
      // The timer runs on monotonic time; validity may be on another source: look again.
      if (this.remaining() > 0) this.watch();
      else this.lose('expired');
    });
  }

  /** Renews now; resolves true if the lease is held and renewed. Never rejects. */
  async renew(ttlMs: number): Promise<boolean> {
    if (this.state !== 'held') return false;
    if (this.watchesValidity && this.remaining() <= 0) {
      this.lose('expired');
      return false;
    }
    let next: Lease | null = null;
    let cause: unknown;
    try {
      next = await this.owner.renewInner(this.current, ttlMs);
    } catch (error) {
      cause = error;
    }
    if (this.state !== 'held') return false;
    if (next === null) {
      this.lose('renewal-failed', cause);
      return false;
    }
    this.current = next;
    this.ttlMs = ttlMs;
    this.renewals++;
    if (this.watchesValidity) this.watch();
    this.scheduleRenewal();
    return true;
  }

  private stopTimers(): void {
    this.cancelRenewal?.();
    this.cancelRenewal = undefined;
    this.cancelWatch?.();
    this.cancelWatch = undefined;
  }

  lose(reason: LeaseLossReason, cause?: unknown): void {
    if (this.state !== 'held') return;
    this.state = 'lost';
    this.stopTimers();
    const options = cause === undefined ? undefined : { cause };
    this.controller.abort(new LeaseLostError(reason, this.current.resource, options));
  }

  stop(): void {
    if (this.state === 'held') this.state = 'released';
    this.stopTimers();
  }
}

const keepers = new WeakMap<RenewingLease, LeaseKeeper>();

function keeperOf(lease: RenewingLease): LeaseKeeper {
  const keeper = keepers.get(lease);
  if (keeper === undefined) throw new Error('not a lease made by the lease wrapper');
  return keeper;
}

/**
 * The live lease handed out by the lease wrapper. Read `validUntil` whenever you need it: it
 * moves forward with every successful renewal. `signal` aborts (with a {@link LeaseLostError})
 * when the lease is lost.
 */
export class RenewingLease implements Lease {
  /** @internal Use the lease wrapper's acquire. */
  constructor(keeper: LeaseKeeper) {
    keepers.set(this, keeper);
  }
  get resource(): string {
    return keeperOf(this).current.resource;
  }
  get value(): string {
    return keeperOf(this).current.value;
  }
  /** Validity after the latest successful renewal, on `timeSource`. */
  get validUntil(): number {
    return keeperOf(this).current.validUntil;
  }
  get timeSource(): TimeSource {
    return keeperOf(this).current.timeSource;
  }
  get fencingToken(): number | undefined {
    return keeperOf(this).current.fencingToken;
  }
  get signal(): AbortSignal {
    return keeperOf(this).controller.signal;
  }
  /** How many renewals (background and explicit) have succeeded. */
  get renewals(): number {
    return keeperOf(this).renewals;
  }
  /** `'held'`, `'lost'` (the signal has fired) or `'released'`. */
  get state(): LeaseState {
    return keeperOf(this).state;
  }
  /** The inner algorithm's lease as of the latest successful renewal (a snapshot). */
  current(): Lease {
    return keeperOf(this).current;
  }
}

/** The lease wrapper for one client. Prefer the {@link lease} factory. */
export class AutoRenewingLock implements LockAlgorithm {
  readonly name: string;
  readonly options: Readonly<Required<LeaseOptions>>;
  readonly inner: LockAlgorithm;

  constructor(
    inner: LockAlgorithm,
    private readonly clock: Clock,
    options: LeaseOptions = {},
  ) {
    const merged = withDefaults(LEASE_DEFAULTS, options);
    checkNumber('renewFraction', merged.renewFraction, 0);
    if (!(merged.renewFraction > 0 && merged.renewFraction < 1)) {
      throw new RangeError(`renewFraction must be in (0, 1), got ${merged.renewFraction}`);
    }
    if (merged.maxRenewals !== Infinity) checkInteger('maxRenewals', merged.maxRenewals, 0);
    if (merged.renewal === 'extend' && inner.extend === undefined) {
      throw new TypeError(`the lease wrapper needs an algorithm that can extend; '${inner.name}' cannot`);
    }
    if (merged.renewal === 'recreate-missing' && !isRenewable(inner)) {
      throw new TypeError(`renewal 'recreate-missing' needs an algorithm with renew(); '${inner.name}' has none`);
    }
    this.options = Object.freeze(merged);
    this.inner = inner;
    const parts: string[] = [];
    if (merged.renewFraction !== LEASE_DEFAULTS.renewFraction) parts.push(`renewFraction=${merged.renewFraction}`);
    if (merged.maxRenewals !== LEASE_DEFAULTS.maxRenewals) parts.push(`maxRenewals=${merged.maxRenewals}`);
    if (merged.renewal !== LEASE_DEFAULTS.renewal) parts.push(`renewal=${merged.renewal}`);
    this.name = `lease(${inner.name}${parts.length > 0 ? `; ${parts.join(',')}` : ''})`;
  }

  /** @internal One renewal of the inner lease, by the configured method. */
  renewInner(lease: Lease, ttlMs: number): Promise<Lease | null> {
    const inner = this.inner;
    if (this.options.renewal === 'recreate-missing' && isRenewable(inner)) {
      return inner.renew(lease, ttlMs, 'recreate-missing');
    }
    if (inner.extend === undefined) return Promise.resolve(null);
    return inner.extend(lease, ttlMs);
  }

  async acquire(resource: string, ttlMs: number): Promise<RenewingLease | null> {
    checkTtl(ttlMs);
    const first = await this.inner.acquire(resource, ttlMs);
    if (first === null) return null;
    const keeper = new LeaseKeeper(this, this.clock, first, ttlMs);
    const lease = new RenewingLease(keeper);
    keeper.start();
    return lease;
  }

  /** Stops renewals and releases the inner lease (also after a loss, to clean up). */
  async release(lease: Lease): Promise<void> {
    const keeper = lease instanceof RenewingLease ? keepers.get(lease) : undefined;
    if (keeper === undefined) {
      await this.inner.release(lease);
      return;
    }
    keeper.stop();
    await this.inner.release(keeper.current);
  }

  /**
   * Renews at once for `ttlMs` (which later background renewals then use) and resolves to the
   * same live lease, or to null (and the signal fires) if the renewal failed or the lease was no
   * longer held.
   */
  async extend(lease: Lease, ttlMs: number): Promise<RenewingLease | null> {
    checkTtl(ttlMs);
    const keeper = lease instanceof RenewingLease ? keepers.get(lease) : undefined;
    if (keeper === undefined || !(lease instanceof RenewingLease)) {
      throw new TypeError('extend takes a lease made by this lease wrapper');
    }
    return (await keeper.renew(ttlMs)) ? lease : null;
  }
}

/**
 * The lease wrapper factory: `lease(redlock(), { renewFraction: 0.25 })(context)`. Acquire
 * resolves to a {@link RenewingLease}.
 */
export function lease(inner: LockFactory, options: LeaseOptions = {}): (context: LockContext) => AutoRenewingLock {
  return (context: LockContext) => new AutoRenewingLock(inner(context), context.clock, options);
}
