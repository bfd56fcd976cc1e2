/**
 * The exploration behind docs/libraries.md: for every library scenario and variant, and for
 * several families of faults, fast-check draws fault schedules with a fixed seed, stops at the
 * first failing run, shrinks it and prints it with its replay command. Run it again with the
 * same arguments and it finds the same things.
 *
 *   npx tsx scenarios/libraries/explore.ts [scenario-name …] [--family F] [--variant V] [--runs N] [--seed S] [--json FILE]
 *
 * Families: `any` (the scenario's own generator: pauses, crashes, partitions, drift, jumps,
 * delays), `no-pause` (the same without pauses: what else breaks it), `clocks` (drift and
 * jumps only), `network` (partitions, delays, loss), and `liveness` (any fault; fails on
 * `stuck`: an acquire that never returns, or no acquire after the faults healed).
 */
import { writeFileSync } from 'node:fs';
import { explore, type ExploreResult } from '../../src/explore/explore.ts';
import { replayCommand } from '../../src/explore/token.ts';
import type { FaultGenerator } from '../../src/faults/arbitrary.ts';
import { describeFault } from '../../src/faults/fault.ts';
import { violationText } from '../../src/report/words.ts';
import type { Scenario, Verdict } from '../../src/scenario/types.ts';
import { libraryScenarios } from './index.ts';

export interface Family {
  readonly name: string;
  readonly generator?: FaultGenerator;
  readonly failOn: readonly Verdict[];
}

export const FAMILIES: readonly Family[] = [
  { name: 'any', failOn: ['unsafe'] },
  { name: 'no-pause', generator: { kinds: ['crash', 'partition', 'drift', 'jump', 'delay'] }, failOn: ['unsafe'] },
  { name: 'clocks', generator: { kinds: ['drift', 'jump'] }, failOn: ['unsafe'] },
  { name: 'network', generator: { kinds: ['partition', 'delay', 'loss'] }, failOn: ['unsafe'] },
  { name: 'liveness', failOn: ['stuck'] },
];

/** The file a scenario lives in, for replay tokens (`npx locksim replay` loads it from there). */
export function scenarioFile(scenario: Scenario): string {
  return `scenarios/libraries/${scenario.name.replace(/^library-/, '')}.ts`;
}

export interface Finding {
  readonly scenario: string;
  readonly variant: string;
  readonly family: string;
  readonly found: boolean;
  readonly runs: number;
  readonly shrinks: number;
  readonly verdict: Verdict | null;
  readonly faults: readonly string[];
  readonly violations: readonly string[];
  readonly processErrors: readonly string[];
  readonly replay: string | null;
}

function summarize(scenario: Scenario, family: Family, result: ExploreResult): Finding {
  const shrunk = result.shrunk;
  return {
    scenario: scenario.name,
    variant: result.variant,
    family: family.name,
    found: result.found,
    runs: result.runsToFailure,
    shrinks: result.shrinks,
    verdict: shrunk?.verdict ?? null,
    faults: shrunk?.faults.map(describeFault) ?? [],
    violations: (shrunk?.violations ?? []).slice(0, 3).map(violationText),
    processErrors: (shrunk?.processErrors ?? []).map((e) => `${e.process}: ${e.message}`),
    replay: result.token === null ? null : replayCommand(result.token),
  };
}

export async function exploreLibrary(scenario: Scenario, family: Family, options: { runs: number; seed: number; variant?: string }): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const variant of scenario.variants) {
    if (options.variant !== undefined && variant.name !== options.variant) continue;
    const result = await explore(scenario, {
      variant: variant.name,
      runs: options.runs,
      seed: options.seed,
      generator: family.generator,
      failOn: family.failOn,
      scenarioRef: scenarioFile(scenario),
    });
    findings.push(summarize(scenario, family, result));
  }
  return findings;
}

function print(f: Finding): void {
  const head = `${f.scenario}/${f.variant} [${f.family}]`;
  if (!f.found) {
    console.log(`${head}: nothing found in ${f.runs} runs`);
    return;
  }
  console.log(`${head}: ${f.verdict} after ${f.runs} runs, shrunk ${f.shrinks} times to:`);
  for (const fault of f.faults) console.log(`    ${fault}`);
  for (const v of f.violations) console.log(`  - ${v}`);
  for (const e of f.processErrors) console.log(`  ! ${e}`);
  console.log(`  ${f.replay}`);
}

async function main(argv: string[]): Promise<void> {
  const names: string[] = [];
  let runs = 100;
  let seed = 1;
  let familyName: string | undefined;
  let variant: string | undefined;
  let json: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--family') familyName = argv[++i];
    else if (a === '--variant') variant = argv[++i];
    else if (a === '--json') json = argv[++i];
    else names.push(a);
  }
  const scenarios = names.length === 0 ? libraryScenarios : libraryScenarios.filter((s) => names.includes(s.name) || names.includes(s.name.replace(/^library-/, '')));
  const families = familyName === undefined ? FAMILIES : FAMILIES.filter((f) => f.name === familyName);
  if (scenarios.length === 0 || families.length === 0) throw new Error(`nothing to explore (scenarios: ${libraryScenarios.map((s) => s.name).join(', ')}; families: ${FAMILIES.map((f) => f.name).join(', ')})`);
  const all: Finding[] = [];
  for (const scenario of scenarios) {
    for (const family of families) {
      for (const finding of await exploreLibrary(scenario, family, { runs, seed, variant })) {
        print(finding);
        all.push(finding);
        if (json !== undefined) writeFileSync(json, JSON.stringify(all, null, 2));
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(process.argv.slice(2));
}
