import fc from 'fast-check';
import { scheduleDraw, type FaultGenerator, type GeneratorWorld } from '../faults/arbitrary.ts';
import type { Fault } from '../faults/fault.ts';
import { runScenario, findVariant, type RunResult } from '../scenario/run.ts';
import type { Scenario, Variant, Verdict } from '../scenario/types.ts';
import { planRun } from '../scenario/plan.ts';
import { encodeToken } from './token.ts';
import { inModelFaults } from '../faults/model.ts';
import { RESOURCE_PROCESS } from '../workload/resource.ts';
import { Probes } from './probe.ts';

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

/** How many simulation seeds one exploration draws from (each costs one fault-free run). */
const SEED_POOL = 16;

/** The `index`th simulation seed of exploration seed `seed` (a fixed mix: the same exploration draws the same seeds). */
function poolSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f);
  return (h ^ (h >>> 16)) >>> 1;
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
  const draw = scheduleDraw(generatorWorld(scenario, variant), options.generator ?? defaultGenerator(scenario, variant), { anchored: true });
  // Each seed's fault-free run first: it is the run of the empty schedule, and its moments are
  // where anchored faults land (src/faults/anchors.ts).
  const probes = new Probes(scenario, variant);
  let runs = 0;
  let firstFailure: { seed: number; faults: readonly Fault[] } | null = null;
  let runsToFailure = 0;
  const isFailure = (result: RunResult): boolean => failOn.includes(result.verdict) || result.verdict === 'invalid';
  /** One schedule tried (a run, or the seed's fault-free run for an empty schedule); true when it passed. */
  const tried = (seed: number, faults: readonly Fault[], result: RunResult): boolean => {
    runs++;
    options.onRun?.(runs, result);
    // A run without evidence is never a pass, whatever failOn says.
    const failed = isFailure(result);
    if (failed && firstFailure === null) {
      firstFailure = { seed, faults };
      runsToFailure = runs;
    }
    return !failed;
  };
  // Simulation seeds come from a pool of SEED_POOL per exploration, so that each seed's
  // fault-free run is made once and its anchors serve many schedules.
  const seeds = fc.integer({ min: 0, max: SEED_POOL - 1 }).map((i) => poolSeed(options.seed, i));
  const property = fc.asyncProperty(seeds, draw.drawn, async (seed, drawn) => {
    const probe = await probes.get(seed);
    const faults = draw.resolve(drawn, probe.anchors);
    // A seed that fails with no fault fails whatever the schedule: shrinking then reaches the
    // empty schedule, the bug reported with no fault.
    if (faults.length === 0 || isFailure(probe.result)) return tried(seed, [], probe.result);
    // Judged online; the history is not kept (the failure found is run again whole, below).
    return tried(seed, faults, await runScenario(scenario, { seed, variant: variant.name, faults, verdictOnly: true }));
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
  const [seed, drawn] = details.counterexample;
  const probe = await probes.get(seed);
  const faults = isFailure(probe.result) ? [] : draw.resolve(drawn, probe.anchors);
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
