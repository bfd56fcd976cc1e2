import type { Fault } from '../faults/fault.ts';
import { scenarioFileStamp, type ScenarioFileStamp } from '../scenario/locate.ts';
import type { RunResult } from '../scenario/run.ts';
import { runLengthProblem } from '../scenario/validate.ts';
import { LOCKSIM_VERSION } from '../version.ts';

/**
 * A replay token: everything needed to reproduce one run bit for bit, in one printable word.
 * It names the scenario (catalog name or file path), the variant, the seed, the exact fault
 * schedule and, when it was not the scenario's own, the run's length; the run is a pure function
 * of these and the locksim version, which the token carries too: another version still replays
 * it, with a warning ({@link tokenVersionWarning}).
 */
export interface ReplayToken {
  readonly v: 1;
  readonly scenario: string;
  readonly variant: string;
  readonly seed: number;
  readonly faults: readonly Fault[];
  /** The run length, ms, when it was not the scenario's own (e.g. `locksim run --duration`). */
  readonly durationMs?: number;
  /**
   * For a scenario file: its path from its project's root (the folder of its nearest
   * package.json) and a hash of its contents, so that the token replays from any folder of the
   * project and says when the file changed. Added by {@link encodeToken}.
   */
  readonly file?: ScenarioFileStamp;
  /**
   * For a `checkLock` failure: the options that shape its runs (nodes, clients, ttlMs,
   * durationMs, resource, workload) and the lock's name; a replay under other options is refused.
   */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The locksim version that made the token (tokens made before versions were recorded have none). Added by {@link encodeToken}. */
  readonly locksim?: string;
}

/** The token of a run; a scenario file's token also gets the file's project path and hash, and every token this locksim's version. */
export function encodeToken(token: Omit<ReplayToken, 'v' | 'file' | 'locksim'>): string {
  const file = scenarioFileStamp(token.scenario);
  // The version goes last: tokens keep their familiar beginning (`eyJ2IjoxLCJzY2VuYXJpbyI6…`).
  return Buffer.from(JSON.stringify({ v: 1, ...token, ...(file === null ? {} : { file }), locksim: LOCKSIM_VERSION }), 'utf8').toString('base64url');
}

/** The token of a finished run (`scenarioRef`: the catalog name or file path it was loaded by). */
export function runToken(result: Pick<RunResult, 'variant' | 'seed' | 'faults' | 'durationOverrideMs'>, scenarioRef: string): string {
  return encodeToken({
    scenario: scenarioRef,
    variant: result.variant,
    seed: result.seed,
    faults: result.faults,
    ...(result.durationOverrideMs === undefined ? {} : { durationMs: result.durationOverrideMs }),
  });
}

/**
 * A warning when a token was made by another locksim version (the run it replays may differ: a
 * run is a function of the version too), or by one that did not record its version; null when
 * it is this version's.
 */
export function tokenVersionWarning(token: Pick<ReplayToken, 'locksim'>): string | null {
  if (token.locksim === LOCKSIM_VERSION) return null;
  const made = token.locksim === undefined ? 'an older locksim that did not record its version' : `locksim ${token.locksim}`;
  return `this token was made by ${made}, and this is locksim ${LOCKSIM_VERSION}: it replays, but the trace may differ from the run it recorded (the same trace hash is promised only within one version)`;
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
  if (t.file !== undefined && !(typeof t.file === 'object' && t.file !== null && typeof t.file.path === 'string' && typeof t.file.sha256 === 'string')) throw new Error('not a replay token of this locksim version (file must be { path, sha256 })');
  if (t.options !== undefined && (typeof t.options !== 'object' || t.options === null || Array.isArray(t.options))) throw new Error('not a replay token of this locksim version (options must be an object)');
  if (t.locksim !== undefined && (typeof t.locksim !== 'string' || t.locksim === '')) throw new Error(`not a replay token: its locksim version must be a version string, got ${JSON.stringify(t.locksim)}: copy the whole token again`);
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
