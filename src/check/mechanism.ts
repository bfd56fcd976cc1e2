import type { FencingViolationKind } from './fencing.ts';
import type { Violation } from './online.ts';

/**
 * What broke, one word each: mutual exclusion, a lost update, one of the fencing checks, or
 * liveness. A catalog variant names the mechanisms its verdict must show (`Variant.breaks`), so
 * the catalog test checks the property that breaks, not only the verdict's label.
 */
export type Mechanism = 'mutex' | 'lost-update' | FencingViolationKind | 'liveness';

export const MECHANISMS: readonly Mechanism[] = ['mutex', 'lost-update', 'token-reused', 'token-out-of-order', 'stale-write-accepted', 'holder-refused', 'liveness'];

export function mechanismOf(v: Violation): Mechanism {
  return v.property === 'fencing' ? v.kind : v.property;
}

/** The mechanisms a run's violations show, in {@link MECHANISMS} order. */
export function mechanismsOf(violations: readonly Violation[]): Mechanism[] {
  const seen = new Set(violations.map(mechanismOf));
  return MECHANISMS.filter((m) => seen.has(m));
}
