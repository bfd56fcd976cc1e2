/**
 * Pieces the lock algorithms share: reading the configured time source, the drift allowance,
 * a command sent to one node with a timeout on the algorithm's own clock, the Lua scripts, and
 * option checking and naming. Like every file in src/locks/, it sees the world only through
 * the contract in interface.ts.
 */
import type { CancelTimer, Clock, Lease, LockAlgorithm, RedisLike, TimeSource } from './interface.ts';

/** Reads `source` from `clock`: `monotonic()` or the wall clock `now()`. */
export function readTime(clock: Clock, source: TimeSource): number {
  return source === 'wall' ? clock.now() : clock.monotonic();
}

/**
 * The fixed part of the drift allowance, in ms, as in the published Redlock algorithm and its
 * reference implementations: `drift = ttl * driftFactor + 2`.
 */
export const DRIFT_CONSTANT_MS = 2;

/** The clock-drift allowance for a lock of `ttlMs`: `ttlMs * driftFactor + 2`. */
export function driftAllowance(ttlMs: number, driftFactor: number): number {
  return ttlMs * driftFactor + DRIFT_CONSTANT_MS;
}

// ---------------------------------------------------------------------------------------------
// Lua scripts (sent with EVAL, one key, so a simulated node can recognise them by their text).

/** Compare-and-delete: deletes the key only if it still holds the releaser's value. */
export const COMPARE_AND_DELETE_SCRIPT =
  "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end";

/** Compare-and-pexpire: resets the key's TTL to ARGV[2] ms only if it still holds ARGV[1]. */
export const COMPARE_AND_PEXPIRE_SCRIPT =
  "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) else return 0 end";

/**
 * The flawed renewal (`renewal: 'recreate-missing'`): extends the key if it holds ARGV[1], and
 * if the key has vanished (expired, deleted, lost in a crash) SETs it again, so the renewal
 * "succeeds" and the holder never learns it lost the lock. A key held by someone else is left
 * alone (returns 0).
 */
export const RECREATE_MISSING_SCRIPT =
  "local v=redis.call('get',KEYS[1]) " +
  "if v==ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) " +
  "elseif v==false then redis.call('set',KEYS[1],ARGV[1],'PX',ARGV[2]) return 1 " +
  'else return 0 end';

// ---------------------------------------------------------------------------------------------
// One command to one node, with a timeout.

/** The outcome of one command sent to one node. Only `reply` carries Redis's answer. */
export type NodeOutcome =
  | { readonly kind: 'reply'; readonly value: unknown }
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'timeout' };

/**
 * Sends one command to one node and resolves (never rejects) with its outcome: the reply, the
 * error the node or client rejected with, or `timeout` if no answer came within `timeoutMs` of
 * the clock's monotonic time. The timer is cancelled as soon as the answer comes; an answer
 * that comes after the timeout is consumed and ignored, so no rejection is ever left unhandled.
 * `timeoutMs = Infinity` sets no timer.
 */
export function callWithTimeout(
  clock: Clock,
  node: RedisLike,
  timeoutMs: number,
  command: string,
  args: ReadonlyArray<string | number>,
): Promise<NodeOutcome> {
  // Closures here are inline and unnamed: a named one (`const settle = …`) costs a
  // defineProperty per call when the sources run through tsx (esbuild's keepNames), and this
  // runs for every command of every lock.
  return new Promise<NodeOutcome>((resolve) => {
    const call = new TimedCall(resolve);
    let reply: Promise<unknown>;
    try {
      reply = Promise.resolve(node.call(command, ...args));
    } catch (error) {
      call.settle({ kind: 'error', error });
      return;
    }
    reply.then(
      (value) => call.settle({ kind: 'reply', value }),
      (error: unknown) => call.settle({ kind: 'error', error }),
    );
    if (!call.settled && timeoutMs !== Infinity) call.arm(clock.setTimer(timeoutMs, () => call.timeout()));
  });
}

/** One {@link callWithTimeout}: settled once, by the answer or by the timer, which is then cancelled. */
class TimedCall {
  settled = false;
  private cancel: CancelTimer | undefined = undefined;

  constructor(private readonly resolve: (outcome: NodeOutcome) => void) {}

  settle(outcome: NodeOutcome): void {
    if (this.settled) return;
    this.settled = true;
    if (this.cancel !== undefined) {
      this.cancel();
      this.cancel = undefined;
    }
    this.resolve(outcome);
  }

  /** The timer was set: cancel it at once if the answer already came, else keep it for then. */
  arm(cancelTimer: CancelTimer): void {
    if (this.settled) cancelTimer();
    else this.cancel = cancelTimer;
  }

  timeout(): void {
    this.cancel = undefined;
    this.settle({ kind: 'timeout' });
  }
}

/** True if the node answered with exactly `expected` (`'OK'` for SET, `1` for a script). */
export function answered(outcome: NodeOutcome, expected: unknown): boolean {
  return outcome.kind === 'reply' && outcome.value === expected;
}

// ---------------------------------------------------------------------------------------------
// The per-node operations, with the deliberate flaws as alternatives.

/** How a lock is released. `'del'` is the flaw: it deletes the key whoever holds it. */
export type ReleaseMethod = 'compare-and-delete' | 'del';

/** How a lock is extended. `'pexpire'` is the flaw: it extends the key whoever holds it. */
export type ExtendMethod = 'compare-and-pexpire' | 'pexpire';

/**
 * Every way a held lock's key can be renewed: the two {@link ExtendMethod}s, plus the flawed
 * `'recreate-missing'` renewal used by the lease wrapper (see {@link RECREATE_MISSING_SCRIPT}).
 */
export type RenewMethod = ExtendMethod | 'recreate-missing';

/** `SET key value NX PX ttl` on one node; succeeded if the reply is `'OK'`. */
export function setIfAbsent(
  clock: Clock,
  node: RedisLike,
  timeoutMs: number,
  key: string,
  value: string,
  ttlMs: number,
): Promise<NodeOutcome> {
  return callWithTimeout(clock, node, timeoutMs, 'SET', [key, value, 'NX', 'PX', ttlMs]);
}

/** Releases `key` on one node by the given method. */
export function releaseOn(
  clock: Clock,
  node: RedisLike,
  timeoutMs: number,
  method: ReleaseMethod,
  key: string,
  value: string,
): Promise<NodeOutcome> {
  if (method === 'del') return callWithTimeout(clock, node, timeoutMs, 'DEL', [key]);
  return callWithTimeout(clock, node, timeoutMs, 'EVAL', [COMPARE_AND_DELETE_SCRIPT, 1, key, value]);
}

/** Renews `key` on one node for `ttlMs` by the given method; succeeded if the reply is `1`. */
export function renewOn(
  clock: Clock,
  node: RedisLike,
  timeoutMs: number,
  method: RenewMethod,
  key: string,
  value: string,
  ttlMs: number,
): Promise<NodeOutcome> {
  switch (method) {
    case 'pexpire':
      return callWithTimeout(clock, node, timeoutMs, 'PEXPIRE', [key, ttlMs]);
    case 'recreate-missing':
      return callWithTimeout(clock, node, timeoutMs, 'EVAL', [RECREATE_MISSING_SCRIPT, 1, key, value, ttlMs]);
    case 'compare-and-pexpire':
      return callWithTimeout(clock, node, timeoutMs, 'EVAL', [COMPARE_AND_PEXPIRE_SCRIPT, 1, key, value, ttlMs]);
  }
}

// ---------------------------------------------------------------------------------------------
// Renewal with a chosen method (how the lease wrapper asks for the flawed renewal).

/**
 * An algorithm that can renew a lease by a method chosen by the caller. The lease wrapper uses
 * it for `renewal: 'recreate-missing'`; single-instance and Redlock implement it (their
 * `extend` is `renew` with their configured `extend` method), and the fencing wrapper forwards
 * it when its inner algorithm has it.
 */
export interface RenewableLockAlgorithm extends LockAlgorithm {
  renew(lease: Lease, ttlMs: number, method: RenewMethod): Promise<Lease | null>;
}

/** Whether `algorithm` implements {@link RenewableLockAlgorithm}. */
export function isRenewable(algorithm: LockAlgorithm): algorithm is RenewableLockAlgorithm {
  return typeof (algorithm as Partial<RenewableLockAlgorithm>).renew === 'function';
}

// ---------------------------------------------------------------------------------------------
// Option checking and naming.

/** Throws a RangeError unless `ttlMs` is a positive integer (Redis's PX takes integers). */
export function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  }
}

/** Throws a RangeError unless `value` is a finite number >= `min` (or an allowed Infinity). */
export function checkNumber(name: string, value: number, min: number, allowInfinity = false): void {
  const ok = (allowInfinity && value === Infinity) || (Number.isFinite(value) && value >= min);
  if (!ok) throw new RangeError(`${name} must be a ${allowInfinity ? 'number or Infinity' : 'finite number'} >= ${min}, got ${value}`);
}

/** Throws a RangeError unless `value` is an integer >= `min`. */
export function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Throws a RangeError unless `index` names one of `count` nodes. */
export function checkNodeIndex(name: string, index: number, count: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`${name} must be the index of one of the ${count} nodes, got ${index}`);
  }
}

/**
 * `base` followed by the options that differ from their defaults, in the order given:
 * `redlock(release=del,checkValidity=false)`, or just `redlock` with none.
 */
export function nameWithOptions<T extends object>(base: string, options: T, defaults: T): string {
  const parts: string[] = [];
  for (const key of Object.keys(defaults) as Array<keyof T & string>) {
    const value = options[key];
    if (!Object.is(value, defaults[key])) parts.push(`${key}=${formatOption(value)}`);
  }
  return parts.length === 0 ? base : `${base}(${parts.join(',')})`;
}

function formatOption(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) || !Number.isFinite(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (typeof value === 'function') return 'custom';
  return String(value);
}

/** Copies `options` over `defaults`, ignoring keys whose value is `undefined`. */
export function withDefaults<T extends object>(defaults: Readonly<T>, options: Partial<T>): T {
  const merged = { ...defaults } as T;
  for (const key of Object.keys(options) as Array<keyof T>) {
    const value = options[key];
    if (value !== undefined) merged[key] = value as T[keyof T];
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------
// What single-instance and Redlock report about an acquire or extend.

/**
 * A lease from single-instance or Redlock, with how it was obtained. All times are on the
 * lease's `timeSource`. `validUntil = startedAt + ttl - drift`, which equals
 * `acquiredAt + validityMs` with `validityMs = ttl - elapsedMs - drift`: the time left after the
 * last reply, as the published Redlock algorithm computes it.
 */
export interface MeasuredLease extends Lease {
  /** When the successful attempt started (before the first node was contacted). */
  readonly startedAt: number;
  /** When the last reply (or timeout) of the successful attempt came. */
  readonly acquiredAt: number;
  /** `acquiredAt - startedAt`. */
  readonly elapsedMs: number;
  /** `ttl - elapsedMs - drift`: what remained of the lease when the attempt completed (may be <= 0 where no validity check is made). */
  readonly validityMs: number;
  /** How many nodes said yes. */
  readonly nodesLocked: number;
  /** Which attempt succeeded (1 = the first; always 1 for an extend). */
  readonly attempts: number;
}

/** Builds a frozen {@link MeasuredLease}. */
export function measuredLease(fields: {
  resource: string;
  value: string;
  timeSource: TimeSource;
  ttlMs: number;
  driftFactor: number;
  startedAt: number;
  acquiredAt: number;
  nodesLocked: number;
  attempts: number;
}): MeasuredLease {
  const drift = driftAllowance(fields.ttlMs, fields.driftFactor);
  const elapsedMs = fields.acquiredAt - fields.startedAt;
  return Object.freeze({
    resource: fields.resource,
    value: fields.value,
    timeSource: fields.timeSource,
    validUntil: fields.startedAt + fields.ttlMs - drift,
    startedAt: fields.startedAt,
    acquiredAt: fields.acquiredAt,
    elapsedMs,
    validityMs: fields.ttlMs - elapsedMs - drift,
    nodesLocked: fields.nodesLocked,
    attempts: fields.attempts,
  });
}
