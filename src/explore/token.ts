import type { Fault } from '../faults/fault.ts';
import { runLengthProblem } from '../scenario/validate.ts';

/**
 * A replay token: everything needed to reproduce one run bit for bit, in one printable word.
 * It names the scenario (catalog name or file path), the variant, the seed, the exact fault
 * schedule and, when it was not the scenario's own, the run's length; the run is a pure function of these and the locksim version.
 */
export interface ReplayToken {
  readonly v: 1;
  readonly scenario: string;
  readonly variant: string;
  readonly seed: number;
  readonly faults: readonly Fault[];
  /** The run length, ms, when it was not the scenario's own (e.g. `locksim run --duration`). */
  readonly durationMs?: number;
}

export function encodeToken(token: Omit<ReplayToken, 'v'>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...token }), 'utf8').toString('base64url');
}

export function decodeToken(text: string): ReplayToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text.trim(), 'base64url').toString('utf8'));
  } catch {
    throw new Error(`not a replay token: '${text.slice(0, 40)}${text.length > 40 ? '…' : ''}' (copy the whole token that explore or a failing test printed)`);
  }
  const t = parsed as Partial<ReplayToken> | null;
  if (t === null || typeof t !== 'object' || t.v !== 1 || typeof t.scenario !== 'string' || typeof t.variant !== 'string' || !Number.isInteger(t.seed) || !Array.isArray(t.faults)) {
    throw new Error('not a replay token of this locksim version (expected scenario, variant, seed and faults)');
  }
  if (!Number.isSafeInteger(t.seed)) throw new Error(`the token's seed ${String(t.seed)} is not a whole number up to ${Number.MAX_SAFE_INTEGER} (it would not replay exactly): copy the whole token again`);
  if (t.durationMs !== undefined) {
    const problem = runLengthProblem(t.durationMs);
    if (problem !== null) throw new Error(`the token's run length (durationMs) ${problem}: copy the whole token again`);
  }
  return t as ReplayToken;
}

/** The one command line that replays a token. */
export function replayCommand(token: string): string {
  return `npx locksim replay ${token}`;
}
