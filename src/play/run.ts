/**
 * One playground run: resolve the state, check it as the command line would check the same
 * input (a token's schedule, a scenario file), run it with `runScenario`, and say how to
 * reproduce it. The page calls this on every change; the tests call it in Node and compare.
 */
import { runScenario, type RunResult } from '../scenario/run.ts';
import { variantWorld } from '../scenario/types.ts';
import { checkFaultSchedule, ScenarioError, validateScenario } from '../scenario/validate.ts';
import { reproduce, type Reproduction } from './reproduce.ts';
import { resolvePlay, runOptions, type ResolvedPlay } from './resolve.ts';
import type { PlayState } from './state.ts';

export type PlayOutcome =
  | { readonly ok: true; readonly play: ResolvedPlay; readonly result: RunResult; readonly reproduction: Reproduction }
  | { readonly ok: false; readonly play: ResolvedPlay; readonly error: string };

export async function runPlay(state: PlayState): Promise<PlayOutcome> {
  const play = resolvePlay(state);
  try {
    if (play.kind === 'catalog') {
      const world = variantWorld(play.scenario, play.variant);
      checkFaultSchedule(play.faults, { ...world, durationMs: play.durationMs ?? world.durationMs }, `${play.scenario.name}/${play.variant.name}`);
    } else {
      validateScenario(play.scenario, play.fileName);
    }
    const result = await runScenario(play.scenario, runOptions(play));
    return { ok: true, play, result, reproduction: reproduce(state, play, result) };
  } catch (error) {
    if (error instanceof ScenarioError) return { ok: false, play, error: error.message };
    throw error;
  }
}
