/**
 * Fencing tokens, wrapping any algorithm: after a successful acquire, `INCR` a token key
 * (`${resource}:fencing` by default) on one node and hand the result out as
 * `lease.fencingToken`. A resource that remembers the highest token it has seen and refuses
 * lower ones turns a stale holder's late write into a refused write.
 *
 * This is deliberately the simple version, and its weakness is a scenario of its own: the
 * counter lives on ONE node. If that node crashes and restarts without having persisted the
 * counter, or fails over to a replica that had not received the latest INCR, the counter goes
 * back and old token numbers are handed out again. And the token is taken after the lock, so
 * it orders acquisitions only as well as the lock itself excludes them.
 *
 * If the INCR fails (error or timeout), the lease is released and acquire resolves to null: a
 * lease without its token is not handed out. Extending keeps the token (the lock has not
 * changed hands).
 */
import type { Clock, Lease, LockAlgorithm, LockContext, LockFactory, RedisLike, TimeSource } from './interface.ts';
import {
  callWithTimeout,
  checkNodeIndex,
  checkNumber,
  isRenewable,
  nameWithOptions,
  withDefaults,
  type RenewableLockAlgorithm,
  type RenewMethod,
} from './common.ts';

/** Options of the fencing wrapper. Every field is optional; defaults in {@link FENCING_DEFAULTS}. */
export interface FencingOptions {
  /** Index of the node (in `context.nodes`) that holds the token counter. Default 0. */
  node?: number;
  /** The counter's key for a resource. Default `${resource}:fencing`. */
  tokenKey?: (resource: string) => string;
  /** How long to wait for the INCR, ms of monotonic time. Default 50. `Infinity` waits forever. */
  timeoutMs?: number;
}

/** The default token key: `${resource}:fencing`. */
export function defaultTokenKey(resource: string): string {
  return `${resource}:fencing`;
}

/** The defaults of {@link FencingOptions}. */
export const FENCING_DEFAULTS: Readonly<Required<FencingOptions>> = Object.freeze({
  node: 0,
  tokenKey: defaultTokenKey,
  timeoutMs: 50,
});

/**
 * A lease with a fencing token. Everything but the token is read through from the inner lease,
 * so wrapping a live lease (the lease wrapper's) stays live.
 */
export class FencedLease implements Lease {
  constructor(
    /** The inner algorithm's lease. */
    readonly inner: Lease,
    readonly fencingToken: number,
  ) {}
  get resource(): string {
    return this.inner.resource;
  }
  get value(): string {
    return this.inner.value;
  }
  get validUntil(): number {
    return this.inner.validUntil;
  }
  get timeSource(): TimeSource {
    return this.inner.timeSource;
  }
  get signal(): AbortSignal | undefined {
    return this.inner.signal;
  }
}

function innerOf(lease: Lease): Lease {
  return lease instanceof FencedLease ? lease.inner : lease;
}

/** The fencing wrapper for one client. Prefer the {@link fencing} factory. */
export class FencedLock implements LockAlgorithm {
  readonly name: string;
  readonly options: Readonly<Required<FencingOptions>>;
  readonly inner: LockAlgorithm;
  /** Present when the inner algorithm can extend. */
  readonly extend?: (lease: Lease, ttlMs: number) => Promise<FencedLease | null>;
  /** Present when the inner algorithm can renew by a chosen method (see the lease wrapper). */
  readonly renew?: (lease: Lease, ttlMs: number, method: RenewMethod) => Promise<FencedLease | null>;
  private readonly node: RedisLike;

  constructor(
    inner: LockAlgorithm,
    private readonly clock: Clock,
    nodes: readonly RedisLike[],
    options: FencingOptions = {},
  ) {
    const merged = withDefaults(FENCING_DEFAULTS, options);
    checkNodeIndex('node', merged.node, nodes.length);
    checkNumber('timeoutMs', merged.timeoutMs, 0, true);
    this.options = Object.freeze(merged);
    this.inner = inner;
    this.node = nodes[merged.node];
    const suffix = nameWithOptions('', merged, FENCING_DEFAULTS);
    this.name = `fencing(${inner.name}${suffix === '' ? '' : `; ${suffix.slice(1, -1)}`})`;
    const extend = inner.extend?.bind(inner);
    if (extend !== undefined) {
      this.extend = async (lease, ttlMs) => this.keepToken(lease, await extend(innerOf(lease), ttlMs));
    }
    if (isRenewable(inner)) {
      const renewable: RenewableLockAlgorithm = inner;
      this.renew = async (lease, ttlMs, method) =>
        this.keepToken(lease, await renewable.renew(innerOf(lease), ttlMs, method));
    }
  }

  private keepToken(old: Lease, next: Lease | null): FencedLease | null {
    if (next === null) return null;
    return new FencedLease(next, old.fencingToken ?? next.fencingToken ?? 0);
  }

  async acquire(resource: string, ttlMs: number): Promise<FencedLease | null> {
    const inner = await this.inner.acquire(resource, ttlMs);
    if (inner === null) return null;
    const outcome = await callWithTimeout(this.clock, this.node, this.options.timeoutMs, 'INCR', [
      this.options.tokenKey(resource),
    ]);
    const reply = outcome.kind === 'reply' ? outcome.value : undefined;
    const token = typeof reply === 'number' ? reply : typeof reply === 'string' ? Number(reply) : NaN;
    if (!Number.isSafeInteger(token)) {
      await this.inner.release(inner);
      return null;
    }
    return new FencedLease(inner, token);
  }

  async release(lease: Lease): Promise<void> {
    await this.inner.release(innerOf(lease));
  }
}

/** The fencing wrapper factory: `fencing(redlock(), { node: 2 })(context)`. */
export function fencing(inner: LockFactory, options: FencingOptions = {}): (context: LockContext) => FencedLock {
  return (context: LockContext) => new FencedLock(inner(context), context.clock, context.nodes, options);
}
