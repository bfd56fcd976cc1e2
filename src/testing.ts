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
 * `checkLock` explores random fault schedules (inside Redlock's model by default: partitions,
 * delays, node pauses, crashes with AOF always, node drift within 1 %, client clock jumps) and
 * throws on the first unsafe run, shrunk, with its timeline and a replay token; passing that
 * token back as `replay` re-runs exactly that case.
 */
import { describeFault } from './faults/fault.ts';
import type { FaultGenerator } from './faults/arbitrary.ts';
import { explore } from './explore/explore.ts';
import { decodeToken, encodeToken } from './explore/token.ts';
import type { LockFactory } from './locks/interface.ts';
import { renderTimeline, violationText } from './report/timeline.ts';
import { runScenario, type RunResult } from './scenario/run.ts';
import type { Scenario, Verdict } from './scenario/types.ts';
import type { WorkloadOptions } from './workload/client.ts';
import type { ResourceMode } from './workload/resource.ts';

/** The default fault generator: what Redlock's model allows. */
export const IN_MODEL_FAULTS: FaultGenerator = {
  kinds: ['partition', 'delay', 'pause', 'crash', 'drift', 'jump'],
  maxDriftPpm: 9_000,
  clientFaults: ['jump'],
  nodeFaults: ['pause', 'crash', 'drift'],
};

export interface LockCheckOptions {
  readonly lock: LockFactory;
  /** A name for messages (default: the lock's own name). */
  readonly name?: string;
  /** Redis nodes (default 3, AOF always). */
  readonly nodes?: number;
  readonly clients?: number;
  readonly ttlMs?: number;
  /** Simulated length of each run, ms (default 12 000). */
  readonly durationMs?: number;
  /** What faults to draw (default {@link IN_MODEL_FAULTS}). */
  readonly faults?: FaultGenerator;
  readonly resource?: ResourceMode;
  readonly workload?: Partial<WorkloadOptions>;
  /** Runs to try (default 100). */
  readonly runs?: number;
  /** The exploration's seed (default: LOCKSIM_SEED, else 1: tests are reproducible). */
  readonly seed?: number;
  /** Verdicts that fail the check (default ['unsafe']; add 'stuck' to check liveness too). */
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
      nodes: Array.from({ length: options.nodes ?? 3 }, (_, i) => ({ name: `redis-${i + 1}`, persistence: 'aof-always' as const })),
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
    explore: options.faults ?? IN_MODEL_FAULTS,
    variants: [{ name: options.name ?? 'lock', lock: options.lock, resource: options.resource, expected: 'safe' }],
  };
}

function report(result: RunResult, token: string, runs: number | null): string {
  const lines = [
    `locksim: ${result.lockName || result.variant} is ${result.verdict}${runs === null ? '' : ` (found after ${runs} runs)`}; the smallest failing schedule:`,
    ...result.faults.map((f) => `  ${describeFault(f)}`),
    ...result.violations.slice(0, 3).map((v) => `  - ${violationText(v)}`),
    '',
    renderTimeline(result, { maxLines: 40 }),
    '',
    `replay: checkLock({ ...sameOptions, replay: '${token}' })   (trace hash ${result.traceHash})`,
  ];
  return lines.join('\n');
}

/** Explores random fault schedules against `options.lock`; throws a {@link LockCheckError} on failure. */
export async function checkLock(options: LockCheckOptions): Promise<void> {
  const scenario = lockScenario(options);
  const failOn = options.failOn ?? ['unsafe'];
  const variant = scenario.variants[0]?.name ?? 'lock';
  if (options.replay !== undefined) {
    const token = decodeToken(options.replay);
    const result = await runScenario(scenario, { seed: token.seed, variant, faults: token.faults, keepTrace: true });
    if (failOn.includes(result.verdict)) throw new LockCheckError(report(result, options.replay, null), result, options.replay);
    return;
  }
  const envSeed = Number(process.env.LOCKSIM_SEED);
  const seed = options.seed ?? (Number.isInteger(envSeed) ? envSeed : 1);
  const found = await explore(scenario, { seed, runs: options.runs ?? 100, failOn, variant });
  if (!found.found || found.shrunk === null) return;
  const token = encodeToken({ scenario: 'check-lock', variant, seed: found.shrunk.seed, faults: found.shrunk.faults });
  throw new LockCheckError(report(found.shrunk, token, found.runsToFailure), found.shrunk, token);
}
