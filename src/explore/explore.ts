import fc from 'fast-check';
import { scheduleDraw, type FaultGenerator, type GeneratorWorld } from '../faults/arbitrary.ts';
import type { Fault } from '../faults/fault.ts';
import { runScenario, findVariant, type RunResult } from '../scenario/run.ts';
import { crashKeeps, type Scenario, type Variant, type Verdict } from '../scenario/types.ts';
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
  /**
   * At most this many runs while shrinking (default 200): past it the smallest failing schedule
   * found so far is reported. Counted in runs, not time, so the result does not depend on the
   * machine.
   */
  readonly shrinkRuns?: number;
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
  /** Found by a single fault at one of the lock's turns (src/faults/singles.ts), before any random schedule. */
  readonly bySingleFault: boolean;
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

/** Runs shrinking may make, by default (a shrink that needs more is cut there: see `shrinkRuns`). */
export const SHRINK_RUNS = 200;

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
    lockNodes: plan.lockNodes,
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
  // A node whose crash loses the lock restarts only after a TTL (src/scenario/types.ts, crashKeeps).
  const volatile = planRun(scenario, variant).nodes.filter((n) => crashKeeps(n) !== 'aof-always').map((n) => n.name);
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
  const shrinkBudget = options.shrinkRuns ?? SHRINK_RUNS;
  // A run without evidence fails whatever failOn says, except one whose faults alone kept every
  // client from acquiring (its seed's fault-free run acquires): that is availability, judged
  // only when failOn has 'stuck'.
  const starved = (result: RunResult): boolean => result.invalid?.kind === 'no-progress' && result.faults.length > 0;
  const isFailure = (result: RunResult): boolean => failOn.includes(result.verdict) || (result.verdict === 'invalid' && (!starved(result) || failOn.includes('stuck')));
  // Shrinking proposes many drawings that place the same faults (an anchored fault's own time,
  // say, which its anchor replaces): a schedule already run is judged by that run.
  const judged = new Map<string, boolean>();
  const keyOf = (seed: number, faults: readonly Fault[]): string => `${seed} ${JSON.stringify(faults)}`;
  /** Runs one schedule (the seed's fault-free run stands for the empty one); true when it passed. */
  const passes = async (seed: number, faults: readonly Fault[], budgeted = true): Promise<boolean> => {
    const key = keyOf(seed, faults);
    const known = judged.get(key);
    if (known !== undefined) return known;
    // Past the budget every schedule not yet run counts as passing: fast-check then stops at
    // the smallest failure it has.
    if (budgeted && firstFailure !== null && runs - runsToFailure >= shrinkBudget) return true;
    const probe = await probes.get(seed);
    // A seed that fails with no fault fails whatever the schedule: shrinking then reaches the
    // empty schedule, the bug reported with no fault. Otherwise judged online, the history not
    // kept (the failure found is run again whole, below).
    const empty = faults.length === 0 || isFailure(probe.result);
    const result = empty ? probe.result : await runScenario(scenario, { seed, variant: variant.name, faults, verdictOnly: true });
    runs++;
    options.onRun?.(runs, result);
    const failed = isFailure(result);
    if (failed && firstFailure === null) {
      firstFailure = { seed, faults: empty ? [] : faults };
      runsToFailure = runs;
    }
    judged.set(key, !failed);
    return !failed;
  };
  // Simulation seeds come from a pool of SEED_POOL per exploration, so that each seed's
  // fault-free run is made once and its anchors serve many schedules. A seed is not shrunk:
  // another seed is not a simpler failure, only another one to search.
  const seeds = fc.noShrink(fc.integer({ min: 0, max: SEED_POOL - 1 })).map((i) => poolSeed(options.seed, i));
  const runBudget = options.runs ?? 200;
  // First every single fault at the lock's turns, on the pool's first seed (src/faults/singles.ts).
  const firstSeed = poolSeed(options.seed, 0);
  const singles = draw.singles((await probes.get(firstSeed)).anchors);
  // At most half the runs: the random schedules that follow find what needs more than one fault.
  for (const faults of singles.slice(0, Math.ceil(runBudget / 2))) {
    if (!(await passes(firstSeed, faults))) {
      const shrunk = await withoutNeedless(faults, async (fewer) => !(await passes(firstSeed, fewer, false)));
      return foundResult(firstSeed, shrunk, { shrinks: 0, bySingleFault: true }, { seed: options.seed, path: null, interrupted: false });
    }
  }
  const property = fc.asyncProperty(seeds, draw.drawn, async (seed, drawn) => {
    const faults = draw.resolve(drawn, (await probes.get(seed)).anchors);
    // While searching, a schedule already run (the empty one drawn again, say: a quarter of
    // draws) is not a new run: fast-check draws another in its place, so that --runs counts runs.
    fc.pre(firstFailure !== null || !judged.has(keyOf(seed, faults)));
    return passes(seed, faults);
  });
  const details = await fc.check(property, {
    numRuns: Math.max(0, runBudget - runs),
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
      bySingleFault: false,
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
  const faults = await withoutNeedless(draw.resolve(drawn, probe.anchors), async (fewer) => !(await passes(seed, fewer, false)));
  return foundResult(seed, faults, { shrinks: details.numShrinks, bySingleFault: false }, { seed: details.seed, path: details.counterexamplePath, interrupted: details.interrupted });

  /** The failure found, `faults` on `seed`, run again whole (its trace kept) for the report. */
  async function foundResult(seed: number, faults: readonly Fault[], how: { shrinks: number; bySingleFault: boolean }, fcRun: { seed: number; path: string | null; interrupted: boolean }): Promise<ExploreResult> {
    const shrunk = await runScenario(scenario, { seed, variant: variant.name, faults, keepTrace: true });
    const token = encodeToken({ scenario: options.scenarioRef ?? scenario.name, variant: variant.name, seed, faults });
    return {
      scenario: scenario.name,
      variant: variant.name,
      found: true,
      runsToFailure,
      ...how,
      firstFailure,
      shrunk,
      token,
      fcSeed: fcRun.seed,
      fcPath: fcRun.path,
      interrupted: fcRun.interrupted,
    };
  }
}

/**
 * The schedule with every fault it does not need left out: each fault in turn (the final heal
 * stays), kept only when the schedule without it no longer fails. What fast-check's shrinking
 * leaves is then one-minimal: leave out any one fault of it and the run passes. A seed that fails
 * with no fault loses every fault here (its empty schedule is its fault-free run, made already).
 */
async function withoutNeedless(faults: readonly Fault[], fails: (faults: readonly Fault[]) => Promise<boolean>): Promise<Fault[]> {
  let kept = [...faults];
  for (let i = kept.length - 1; i >= 0; i--) {
    if (kept[i]?.kind === 'heal') continue;
    const fewer = kept.filter((_, j) => j !== i);
    const onlyHeal = fewer.every((f) => f.kind === 'heal');
    if (await fails(onlyHeal ? [] : fewer)) kept = onlyHeal ? [] : fewer;
  }
  return kept;
}
