import fc from 'fast-check';
import { faultSchedule, type FaultGenerator } from '../faults/arbitrary.ts';
import type { Fault } from '../faults/fault.ts';
import { findVariant, runScenario, type RunResult } from '../scenario/run.ts';
import { variantFaults, type Scenario } from '../scenario/types.ts';
import { defaultGenerator, generatorWorld } from './explore.ts';
import { encodeToken } from './token.ts';

/**
 * Seed sweeps: run a scenario once per seed, each seed drawing its own fault schedule from the
 * scenario's generator. Seed s always means the same run, so sweeps split across CI jobs
 * (`--shard i/n` takes the seeds with s mod n = i - 1) cover exactly the seeds of one big sweep.
 */
export interface SweepRun {
  readonly seed: number;
  readonly verdict: RunResult['verdict'];
  readonly traceHash: string;
  readonly violations: number;
  readonly token: string;
  /** Why the run had no verdict (`invalid`), else null. */
  readonly invalid: string | null;
  /** Acquisitions the verdict rests on (0 for most invalid runs). */
  readonly acquisitions: number;
}

/** The fault schedule seed `seed` draws for a variant (deterministic: fast-check's own generator, seeded). */
export function scheduleForSeed(scenario: Scenario, variantName: string | undefined, seed: number, generator?: FaultGenerator): Fault[] {
  const variant = findVariant(scenario, variantName);
  const arbitrary = faultSchedule(generatorWorld(scenario, variant), generator ?? defaultGenerator(scenario, variant));
  const [faults] = fc.sample(arbitrary, { seed, numRuns: 1 });
  return faults ?? [];
}

/**
 * Runs one seed of a sweep: with a schedule drawn for the seed, or (`ownSchedule`) with the
 * scenario's own hand-written schedule, so that only the seed varies.
 */
export async function sweepOne(scenario: Scenario, scenarioRef: string, variantName: string, seed: number, ownSchedule = false): Promise<SweepRun> {
  const faults = ownSchedule ? [...variantFaults(scenario, findVariant(scenario, variantName))] : scheduleForSeed(scenario, variantName, seed);
  // A sweep keeps a run's verdict, not its history: the checkers judge online whatever the
  // history keeps, so keeping none changes no verdict, violation or count (nor the trace), and
  // the run neither holds nor promotes its history, nor logs the commands on the lock key.
  const result = await runScenario(scenario, { seed, variant: variantName, faults, verdictOnly: true });
  return {
    seed,
    verdict: result.verdict,
    traceHash: result.traceHash,
    violations: result.violations.length,
    invalid: result.invalid?.reason ?? null,
    acquisitions: result.evidence.acquisitions,
    token: encodeToken({ scenario: scenarioRef, variant: variantName, seed, faults }),
  };
}

/** The format of what `sweep --json` prints (`locksim merge` reads it). */
export const SWEEP_FORMAT = 'locksim-sweep/1';

/**
 * Whether a sweep's verdict counts agree with the variant's expected verdict: no run invalid,
 * and at least one unsafe run for an unsafe variant, none for any other. One rule for `sweep`
 * and for `merge` of its shards.
 */
export function sweepAgrees(expected: RunResult['verdict'], counts: { readonly unsafe: number; readonly invalid: number }): boolean {
  return counts.invalid === 0 && (expected === 'unsafe' ? counts.unsafe > 0 : counts.unsafe === 0);
}

/** The seeds of shard `index` (1-based) of `count`, from the range [from, from + runs). */
export function shardSeeds(from: number, runs: number, shard: { index: number; count: number }): number[] {
  const seeds: number[] = [];
  for (let s = from; s < from + runs; s++) if (((s % shard.count) + shard.count) % shard.count === shard.index - 1) seeds.push(s);
  return seeds;
}
