/**
 * What a playground state runs, and how the command line reproduces it.
 *
 * - While the setup (world, workload, lock) is still one of the lesson's catalog variants, the
 *   state is that variant with a fault schedule, a seed and maybe a run length: exactly what a
 *   replay token carries. The page runs it as `locksim replay` does.
 * - Once a control changes the setup itself (the TTL, a node's drift, the lock's options…), no
 *   token of the catalog can say so: the state becomes a scenario file of its own (one variant,
 *   `play`), which the page offers for download, and whose token replays it from the folder it
 *   is saved in. The page runs the very object the file's text writes out.
 */
import type { Fault } from '../faults/fault.ts';
import type { RunOptions } from '../scenario/run.ts';
import { variantFaults, variantWorld, type Scenario, type Variant, type Verdict } from '../scenario/types.ts';
import { buildLock } from './lock-spec.ts';
import { setupOfVariant, sameSetup } from './setup.ts';
import { lessonOf, type PlayState } from './state.ts';

/** The variant name of a playground scenario file. */
export const PLAY_VARIANT = 'play';

export interface CatalogPlay {
  readonly kind: 'catalog';
  readonly scenario: Scenario;
  readonly variant: Variant;
  readonly seed: number;
  readonly faults: readonly Fault[];
  /** The run length when it is not the variant's own (a token's `durationMs`). */
  readonly durationMs?: number;
}

export interface FilePlay {
  readonly kind: 'file';
  /** The scenario the file defines (its variant's `expected` is filled in from the run). */
  readonly scenario: Scenario;
  readonly seed: number;
  /** The lesson and variant the state started from. */
  readonly from: { readonly scenario: Scenario; readonly variant: string };
  /** The file's name, to be saved at the root of a project (beside its package.json). */
  readonly fileName: string;
}

export type ResolvedPlay = CatalogPlay | FilePlay;

/** The catalog variant whose setup the state has (its preset first), or undefined. */
function matchingVariant(state: PlayState): Variant | undefined {
  const lesson = lessonOf(state);
  const variants = [...lesson.scenario.variants].sort((a, b) => Number(b.name === state.preset) - Number(a.name === state.preset));
  return variants.find((v) => {
    const lock = lesson.locks[v.name];
    return lock !== undefined && sameSetup(setupOfVariant(lesson.scenario, v, lock), state.setup);
  });
}

/** `redis-1 … redis-N` with nothing declared is written as the count N, as the catalog writes it. */
function compact<T extends { readonly name: string }>(specs: readonly T[], prefix: string): number | readonly T[] {
  return specs.every((spec, i) => spec.name === `${prefix}-${i + 1}` && Object.keys(spec).length === 1) ? specs.length : specs;
}

/** The scenario file of a state: the lesson's scenario with the state's setup and faults, one variant. */
function playScenario(state: PlayState, expected: Verdict): Scenario {
  const lesson = lessonOf(state);
  const s = state.setup;
  const source = lesson.scenario;
  const variant: Variant = {
    name: PLAY_VARIANT,
    lock: buildLock(s.lock),
    ...(s.lockNodes === undefined ? {} : { nodes: s.lockNodes }),
    ...(s.resource === 'unguarded' ? {} : { resource: s.resource }),
    ...(s.properties === undefined ? {} : { properties: s.properties }),
    ...(s.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: s.commandTimeoutMs }),
    expected,
    note: `made in the locksim playground from ${source.name} / ${state.preset}`,
  };
  return {
    name: `play-${source.name}`,
    title: `${source.title} (from the playground)`,
    explanation: `${source.explanation} (Made in the locksim playground from ${source.name} / ${state.preset}, with its own world, workload or lock: where the numbers above differ from this file's, the file's hold.)`,
    ...(source.tags === undefined ? {} : { tags: source.tags }),
    world: { nodes: compact(s.nodes, 'redis'), clients: compact(s.clients, 'client'), ...(s.delay === undefined ? {} : { delay: s.delay }), durationMs: s.durationMs },
    workload: s.workload,
    faults: state.faults,
    variants: [variant],
    ...(source.livenessBoundMs === undefined ? {} : { livenessBoundMs: source.livenessBoundMs }),
  };
}

/** What the state runs: a catalog variant with a schedule, or a scenario file of its own. */
export function resolvePlay(state: PlayState): ResolvedPlay {
  const lesson = lessonOf(state);
  const variant = matchingVariant(state);
  if (variant !== undefined) {
    const ownLength = variantWorld(lesson.scenario, variant).durationMs;
    return {
      kind: 'catalog',
      scenario: lesson.scenario,
      variant,
      seed: state.seed,
      faults: state.faults,
      ...(state.setup.durationMs === ownLength ? {} : { durationMs: state.setup.durationMs }),
    };
  }
  return {
    kind: 'file',
    scenario: playScenario(state, 'safe'),
    seed: state.seed,
    from: { scenario: lesson.scenario, variant: state.preset },
    fileName: `locksim-play-${lesson.scenario.name}.ts`,
  };
}

/** The file's scenario expecting what its run showed (a run without a verdict expects 'safe' and says so). */
export function fileScenario(play: FilePlay, observed: Verdict): Scenario {
  const expected: Verdict = observed === 'invalid' ? 'safe' : observed;
  return { ...play.scenario, variants: play.scenario.variants.map((v) => ({ ...v, expected })) };
}

/** The options `runScenario` gets for a resolved state: as `locksim replay` (catalog) or `locksim run <file>` passes them. */
export function runOptions(play: ResolvedPlay): RunOptions & { readonly variant: string } {
  if (play.kind === 'catalog') {
    return { seed: play.seed, variant: play.variant.name, faults: play.faults, keepTrace: true, ...(play.durationMs === undefined ? {} : { durationMs: play.durationMs }) };
  }
  return { seed: play.seed, variant: PLAY_VARIANT, keepTrace: true };
}

/** True when a catalog state's schedule is the variant's own (then `locksim run` reproduces it too). */
export function isCatalogSchedule(play: CatalogPlay): boolean {
  return JSON.stringify(play.faults) === JSON.stringify(variantFaults(play.scenario, play.variant));
}
