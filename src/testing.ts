/**
 * Property tests of your own lock in a few lines of vitest (or any test runner):
 *
 * ```ts
 * import { test } from 'vitest';
 * import { checkLock } from 'locksim/testing';
 *
 * test('my lock keeps mutual exclusion under faults', async () => {
 *   await checkLock({ lock: myLock, runs: 100, seed: 1 });
 * });
 * ```
 *
 * `checkLock` tries each single fault at the lock's turns, then explores random fault schedules (inside Redlock's model by default: partitions,
 * delays, node pauses, crashes with AOF always, node drift within 1 %, client clock jumps) and
 * throws on the first unsafe run, shrunk, with its timeline and a replay token; passing that
 * token back as `replay` re-runs exactly that case. A run with no evidence (`invalid`: a client
 * died of an error, e.g. the lock's factory threw, or no client ever acquired) throws too,
 * whatever `failOn` says, with the reason: a lock that never ran is not safe.
 */
import type { FaultGenerator } from './faults/arbitrary.ts';
import { explore } from './explore/explore.ts';
import { decodeToken, encodeToken, tokenVersionWarning } from './explore/token.ts';
import type { LockFactory } from './locks/interface.ts';
import { lockCheckReport } from './report/text.ts';
import { runScenario, type RunResult } from './scenario/run.ts';
import type { NodeSpec, Scenario, Verdict } from './scenario/types.ts';
import type { WorkloadOptions } from './workload/client.ts';
import type { ResourceMode } from './workload/resource.ts';

export { IN_MODEL_FAULTS, ALL_FAULTS } from './faults/model.ts';

export interface LockCheckOptions {
  readonly lock: LockFactory;
  /** A name for messages (default: the lock's own name). */
  readonly name?: string;
  /** Redis nodes (default 3, AOF always), or the nodes spelled out (a database lock's: `[{ name: 'sqlserver-1', service: 'sqlserver' }]`). */
  readonly nodes?: number | readonly NodeSpec[];
  readonly clients?: number;
  readonly ttlMs?: number;
  /** Simulated length of each run, ms (default 12 000). */
  readonly durationMs?: number;
  /**
   * What faults to draw (default: inside the lock's model, src/faults/model.ts: IN_MODEL_FAULTS,
   * with client pauses and delayed writes too when `resource` is 'fenced'; ALL_FAULTS opts out).
   */
  readonly faults?: FaultGenerator;
  readonly resource?: ResourceMode;
  readonly workload?: Partial<WorkloadOptions>;
  /** Runs to try (default 100). */
  readonly runs?: number;
  /** The exploration's seed (default: LOCKSIM_SEED, else 1: tests are reproducible). */
  readonly seed?: number;
  /**
   * Verdicts that fail the check (default ['unsafe']; add 'stuck' to check liveness too). An
   * `invalid` run always fails, except one whose faults alone kept every client from acquiring
   * (the fault-free run of its seed acquires): that fails only with 'stuck'.
   */
  readonly failOn?: readonly Verdict[];
  /** A token a failure printed: re-runs exactly that case instead of exploring. */
  readonly replay?: string;
}

/** Thrown by {@link checkLock}; `result` is the shrunk failing run, `token` replays it. */
export class LockCheckError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
    readonly token: string,
  ) {
    super(message);
    this.name = 'LockCheckError';
  }
}

/** The scenario {@link checkLock} runs: your lock in a small world. */
export function lockScenario(options: LockCheckOptions): Scenario {
  const ttlMs = options.ttlMs ?? 2_000;
  return {
    name: 'check-lock',
    title: `checkLock(${options.name ?? 'your lock'})`,
    explanation: 'Your lock under random faults, from locksim/testing checkLock.',
    world: {
      nodes: typeof options.nodes === 'object' ? options.nodes : Array.from({ length: options.nodes ?? 3 }, (_, i) => ({ name: `redis-${i + 1}`, persistence: 'aof-always' as const })),
      clients: options.clients ?? 3,
      durationMs: options.durationMs ?? 12_000,
    },
    workload: {
      resource: 'lock:check',
      ttlMs,
      workMs: { min: ttlMs / 2, max: ttlMs * 1.5 },
      thinkMs: { min: 0, max: 20 },
      stopAtValidity: { marginMs: 5 },
      ...options.workload,
    },
    faults: [],
    ...(options.faults === undefined ? {} : { explore: options.faults }),
    variants: [{ name: options.name ?? 'lock', lock: options.lock, resource: options.resource, expected: 'safe' }],
  };
}

/**
 * The options that shape a checkLock run, with their defaults filled in: a failure's token
 * carries them, and its replay under other options is refused (it would be another run). The
 * fault generator does not shape a replay (the token holds the schedule), nor do runs or seed.
 */
function runShape(options: LockCheckOptions): Record<string, unknown> {
  return {
    nodes: options.nodes ?? 3,
    clients: options.clients ?? 3,
    ttlMs: options.ttlMs ?? 2_000,
    durationMs: options.durationMs ?? 12_000,
    resource: options.resource ?? 'unguarded',
    workload: options.workload ?? {},
  };
}

/** JSON with sorted keys, so that two equal option objects print the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().filter((k) => (value as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** `ttlMs: 2000 in the token, 5000 here`, one entry per option that differs. */
function shapeDifferences(token: Readonly<Record<string, unknown>>, here: Record<string, unknown>): string[] {
  return Object.keys(here)
    .filter((k) => k in token && canonical(token[k]) !== canonical(here[k]))
    .map((k) => `${k}: ${canonical(token[k])} in the token, ${canonical(here[k])} here`);
}

/** Explores random fault schedules against `options.lock`; throws a {@link LockCheckError} on failure. */
export async function checkLock(options: LockCheckOptions): Promise<void> {
  const scenario = lockScenario(options);
  const failOn = options.failOn ?? ['unsafe'];
  const variant = scenario.variants[0]?.name ?? 'lock';
  if (options.replay !== undefined) {
    const token = decodeToken(options.replay);
    const versionWarning = tokenVersionWarning(token);
    if (versionWarning !== null) console.warn(`locksim: warning: ${versionWarning}`);
    if (token.options === undefined && token.scenario !== 'check-lock') throw new Error(`checkLock: this token replays the scenario ${token.scenario}, not a checkLock test: run npx locksim replay <token>`);
    const differ = token.options === undefined ? [] : shapeDifferences(token.options, runShape(options));
    if (differ.length > 0) throw new Error(`checkLock: the replay token was made with other options (${differ.join('; ')}): replay with the options the failure ran with, or the run would be another one`);
    const result = await runScenario(scenario, { seed: token.seed, variant, faults: token.faults, keepTrace: true });
    const lock = token.options?.lock;
    if (typeof lock === 'string' && lock !== '' && result.lockName !== '' && lock !== result.lockName) throw new Error(`checkLock: the replay token was made with the lock ${lock}, and this one is ${result.lockName}: replay with the lock the failure ran with`);
    if (failOn.includes(result.verdict) || result.verdict === 'invalid') throw new LockCheckError(lockCheckReport(result, options.replay, null), result, options.replay);
    return;
  }
  const envSeed = Number(process.env.LOCKSIM_SEED);
  const seed = options.seed ?? (Number.isInteger(envSeed) ? envSeed : 1);
  const found = await explore(scenario, { seed, runs: options.runs ?? 100, failOn, variant });
  if (!found.found || found.shrunk === null) return;
  const token = encodeToken({ scenario: 'check-lock', variant, seed: found.shrunk.seed, faults: found.shrunk.faults, options: { ...runShape(options), lock: found.shrunk.lockName } });
  throw new LockCheckError(lockCheckReport(found.shrunk, token, found.runsToFailure, found.bySingleFault), found.shrunk, token);
}
