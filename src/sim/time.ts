/**
 * True time, the simulation's one objective time line, is an integer number of microseconds
 * since the world started. Only the kernel and the checkers read it; processes see their own
 * clocks. These helpers keep units explicit at call sites: `world.at(ms(500), …)`.
 */

/** Integer microseconds of true time. */
export type Micros = number;

export const MICROS_PER_MS = 1_000;
export const MICROS_PER_SECOND = 1_000_000;

/** Milliseconds to true-time microseconds (rounded to a whole microsecond). */
export function ms(value: number): Micros {
  return Math.round(value * MICROS_PER_MS);
}

/** Seconds to true-time microseconds. */
export function seconds(value: number): Micros {
  return Math.round(value * MICROS_PER_SECOND);
}

/** True-time microseconds to milliseconds (for printing). */
export function toMs(value: Micros): number {
  return value / MICROS_PER_MS;
}

/** `12.345ms`-style formatting of a true time, for traces and timelines. */
export function formatMicros(value: Micros): string {
  return `${(value / MICROS_PER_MS).toFixed(3)}ms`;
}
