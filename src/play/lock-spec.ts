/**
 * A lock as plain data: which algorithm, its options, and the wrappers around it. The catalog's
 * variants hold their locks as factories (functions), which a page cannot inspect, change or
 * write into a scenario file; the playground describes each one as a spec instead
 * (src/play/lessons.ts, checked against the catalog's own factories by test/play/lessons.test.ts)
 * and builds the factory from it with the same public functions a scenario file calls.
 */
import { fencing, FENCING_DEFAULTS, type FencingOptions } from '../locks/fencing.ts';
import type { LockFactory } from '../locks/interface.ts';
import { lease, LEASE_DEFAULTS, type LeaseOptions } from '../locks/lease.ts';
import { redlock, REDLOCK_DEFAULTS, type RedlockOptions } from '../locks/redlock.ts';
import { singleInstance, SINGLE_INSTANCE_DEFAULTS, type SingleInstanceOptions } from '../locks/single-instance.ts';

export type Algorithm = 'redlock' | 'single-instance';

/** The options of either algorithm that are plain data (no `tokenKey` function). */
export type AlgorithmOptions = Omit<RedlockOptions, 'tokenBytes'> & Pick<SingleInstanceOptions, 'node'>;

export interface LockSpec {
  readonly algorithm: Algorithm;
  /** Only options that differ from the algorithm's defaults (see {@link normalizeLock}). */
  readonly options: Readonly<AlgorithmOptions>;
  /** Wrapped in `lease(...)`: renewed in the background. */
  readonly lease?: Readonly<LeaseOptions>;
  /** Wrapped in `fencing(...)` (outermost): each lease carries a token from INCR. */
  readonly fencing?: Readonly<Omit<FencingOptions, 'tokenKey'>>;
}

/** The options each algorithm takes, with their defaults. */
export const ALGORITHM_DEFAULTS: Readonly<Record<Algorithm, Readonly<Record<string, unknown>>>> = {
  redlock: REDLOCK_DEFAULTS,
  'single-instance': SINGLE_INSTANCE_DEFAULTS,
};

/** Keeps the keys of `options` that `defaults` knows and whose values differ from them. */
function differing<T extends object>(options: T, defaults: Readonly<Record<string, unknown>>): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || !(key in defaults) || Object.is(value, defaults[key])) continue;
    out[key] = value;
  }
  return out as Partial<T>;
}

/**
 * The spec in its one canonical form: options the algorithm does not take dropped (switching
 * from Redlock to a single instance drops `checkValidity`), default values dropped, so that two
 * specs of the same lock are equal.
 */
export function normalizeLock(spec: LockSpec): LockSpec {
  const options = differing(spec.options, ALGORITHM_DEFAULTS[spec.algorithm]);
  return {
    algorithm: spec.algorithm,
    options,
    ...(spec.lease === undefined ? {} : { lease: differing(spec.lease, LEASE_DEFAULTS) }),
    ...(spec.fencing === undefined ? {} : { fencing: differing(spec.fencing, FENCING_DEFAULTS) }),
  };
}

/** The factory the spec describes, made with the public functions (`redlock`, `lease`, `fencing`). */
export function buildLock(spec: LockSpec): LockFactory {
  const s = normalizeLock(spec);
  let factory: LockFactory = s.algorithm === 'redlock' ? redlock(s.options) : singleInstance(s.options);
  if (s.lease !== undefined) factory = lease(factory, s.lease);
  if (s.fencing !== undefined) factory = fencing(factory, s.fencing);
  return factory;
}

/** The TypeScript expression that makes the same factory in a scenario file: `fencing(redlock({ driftFactor: 0 }))`. */
export function lockSource(spec: LockSpec, literal: (value: unknown) => string): string {
  const s = normalizeLock(spec);
  const call = (name: string, inner: string, options: object): string => {
    const args = Object.keys(options).length === 0 ? inner : inner === '' ? literal(options) : `${inner}, ${literal(options)}`;
    return `${name}(${args})`;
  };
  let source = call(s.algorithm === 'redlock' ? 'redlock' : 'singleInstance', '', s.options);
  if (s.lease !== undefined) source = call('lease', source, s.lease);
  if (s.fencing !== undefined) source = call('fencing', source, s.fencing);
  return source;
}

/** The functions {@link lockSource} calls, for the file's import line. */
export function lockImports(spec: LockSpec): string[] {
  return [spec.algorithm === 'redlock' ? 'redlock' : 'singleInstance', ...(spec.lease === undefined ? [] : ['lease']), ...(spec.fencing === undefined ? [] : ['fencing'])];
}
