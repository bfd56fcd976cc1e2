import type { DelayModel } from '../sim/network.ts';

/** How fault descriptions word what they name (one process, or a set of them; a length; a delay). */

/** `client-1`, or `{client-1,client-2}`. */
export const processList = (names: readonly string[]): string => (names.length === 1 ? (names[0] as string) : `{${names.join(',')}}`);

/** ` for 500ms`, or nothing for a fault without a length. */
export const forMs = (ms: number | undefined): string => (ms === undefined ? '' : ` for ${ms}ms`);

/** `300ms`, or `100-500ms`. */
export const delayText = (d: DelayModel): string => (d.kind === 'fixed' ? `${d.ms}ms` : `${d.minMs}-${d.maxMs}ms`);
