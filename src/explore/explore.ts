import fc from 'fast-check';
import { faultSchedule, type FaultGenerator, type GeneratorWorld } from '../faults/arbitrary.ts';
import type { Fault } from '../faults/fault.ts';
import { runScenario, findVariant, type RunResult } from '../scenario/run.ts';
import type { Scenario, Variant, Verdict } from '../scenario/types.ts';
import { planRun } from '../scenario/plan.ts';
import { encodeToken } from './token.ts';
import { inModelFaults } from '../faults/model.ts';
import { RESOURCE_PROCESS } from '../workload/resource.ts';

export interface ExploreOptions {
  /** The variant to explore (default: the first). */
  readonly variant?: string;
  /** Stop after this many runs (default 200). */
  readonly runs?: number;
  /** Or after this much wall time, ms (the command line's `--time`). */
  readonly timeLimitMs?: number;
  /** fast-check's seed: the same seed explores the same schedules in the same order. */
  readonly seed: number;
  /** Overrides the scenario's fault generator. */
  readonly generator?: FaultGenerator;
  /** Which verdicts count as a failure (default: unsafe only; an `invalid` run always does). */
  readonly failOn?: readonly Verdict[];
  /** The name the replay token uses for the scenario (a catalog name or a file path). */
  readonly scenarioRef?: string;
  /** Called after every run (progress bars). */
  readonly onRun?: (runs: number, result: RunResult) => void;
}

export interface ExploreResult {
  readonly scenario: string;
  readonly variant: string;
  readonly found: boolean;
  /** Runs made before the first failure (or in total, when none was found). */
  readonly runsToFailure: number;
  readonly shrinks: number;
  /** The failure as first found, and the shrunk one (re-run with its trace kept). */
  readonly firstFailure: { readonly seed: number; readonly faults: readonly Fault[] } | null;
  readonly shrunk: RunResult | null;
  readonly token: string | null;
  /** fast-check's seed and path, to replay the exploration itself. */
  readonly fcSeed: number;
  readonly fcPath: string | null;
  readonly interrupted: boolean;
}

/** The world a variant's random fault schedules are drawn for. */
export function generatorWorld(scenario: Scenario, variant: Variant): GeneratorWorld {
  const plan = planRun(scenario, variant);
  const { nodes, workload } = plan;
  const ttlMs = workload.ttlMs;
  // Moments that matter: the TTL and the usual renewal intervals, and the workload's own times.
  const moments = [ttlMs / 3, ttlMs / 2, ttlMs, workload.workMs.min, workload.workMs.max, workload.thinkMs.max].filter((m) => m >= 10);
  return {
    clients: plan.clients.map((c) => c.name),
    nodes: nodes.map((n) => n.name),
    replicas: plan.replicas,
    resource: RESOURCE_PROCESS,
    resourceFenced: plan.resourceMode === 'fenced',
    durationMs: plan.durationMs,
    ttlMs,
    moments: [...new Set(moments.map((m) => Math.round(m)))],
  };
}

/**
 * What exploration draws for a variant: the scenario's own generator if it has one, else what
 * the lock's model allows (src/faults/model.ts): a correct lock is not reported broken by a
 * fault it never claimed to survive. `--faults all` (ALL_FAULTS) opts out of the model.
 */
export function defaultGenerator(scenario: Scenario, variant: Variant): FaultGenerator {
  if (scenario.explore !== undefined) return scenario.explore;
  const volatile = planRun(scenario, variant).nodes.filter((n) => n.persistence !== 'aof-always').map((n) => n.name);
  return { ...inModelFaults(variant.resource), delayedRestart: volatile };
}

/**
 * Draws fault schedules (and simulation seeds) with fast-check, runs the scenario with each,
 * stops at the first run whose verdict is a failure, shrinks it to the smallest schedule that
 * still fails, and returns a replay token for the result.
 */
export async function explore(scenario: Scenario, options: ExploreOptions): Promise<ExploreResult> {
  const variant = findVariant(scenario, options.variant);
  const failOn = options.failOn ?? ['unsafe'];
  const schedules = faultSchedule(generatorWorld(scenario, variant), options.generator ?? defaultGenerator(scenario, variant));
  let runs = 0;
  let firstFailure: { seed: number; faults: readonly Fault[] } | null = null;
  let runsToFailure = 0;
  const property = fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), schedules, async (seed, faults) => {
    const result = await runScenario(scenario, { seed, variant: variant.name, faults });
    runs++;
    options.onRun?.(runs, result);
    // A run without evidence is never a pass, whatever failOn says.
    const failed = failOn.includes(result.verdict) || result.verdict === 'invalid';
    if (failed && firstFailure === null) {
      firstFailure = { seed, faults };
      runsToFailure = runs;
    }
    return !failed;
  });
  const details = await fc.check(property, {
    numRuns: options.runs ?? 200,
    seed: options.seed,
    interruptAfterTimeLimit: options.timeLimitMs,
    markInterruptAsFailure: false,
  });
  if (!details.failed || details.counterexample === null) {
    return {
      scenario: scenario.name,
      variant: variant.name,
      found: false,
      runsToFailure: runs,
      shrinks: 0,
      firstFailure: null,
      shrunk: null,
      token: null,
      fcSeed: details.seed,
      fcPath: null,
      interrupted: details.interrupted,
    };
  }
  const [seed, faults] = details.counterexample;
  const shrunk = await runScenario(scenario, { seed, variant: variant.name, faults, keepTrace: true });
  const token = encodeToken({ scenario: options.scenarioRef ?? scenario.name, variant: variant.name, seed, faults });
  return {
    scenario: scenario.name,
    variant: variant.name,
    found: true,
    runsToFailure,
    shrinks: details.numShrinks,
    firstFailure,
    shrunk,
    token,
    fcSeed: details.seed,
    fcPath: details.counterexamplePath,
    interrupted: details.interrupted,
  };
}
