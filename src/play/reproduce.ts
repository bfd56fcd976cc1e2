/**
 * How the command line reproduces what the page ran: the replay token (and the `locksim replay`
 * line), a `locksim run` line where one does, and for a state that needed its own scenario file,
 * the file's name and text. The token of a file carries its project path and content hash as
 * the CLI's own tokens do (src/explore/token.ts), so `locksim replay` finds the saved file from
 * any folder of the project and checks it is the same file.
 */
import { createHash } from 'node:crypto';
import { encodeToken, replayCommand, type ReplayToken } from '../explore/token.ts';
import { LOCKSIM_VERSION } from '../version.ts';
import { shellWord } from '../report/words.ts';
import type { RunResult } from '../scenario/run.ts';
import { fileScenario, isCatalogSchedule, PLAY_VARIANT, type ResolvedPlay } from './resolve.ts';
import { scenarioFileText } from './scenario-file.ts';
import type { PlayState } from './state.ts';

export interface Reproduction {
  readonly token: string;
  /** `npx locksim replay <token>`. */
  readonly replay: string;
  /** A `locksim run` line that gives the same run, where there is one. */
  readonly run?: string;
  /** The scenario file the token needs, to be saved at the root of a project. */
  readonly file?: { readonly name: string; readonly text: string };
}

/** The first 16 hex digits of the SHA-256 of the text's UTF-8 bytes (src/scenario/locate.ts's contentHash of the saved file). */
export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
}

/** The token of a scenario file saved as `fileName` at a project's root. */
function fileToken(token: Omit<ReplayToken, 'v' | 'file' | 'locksim'>, fileName: string, text: string): string {
  // As encodeToken: the version goes last, so that a replay knows which locksim made it.
  const full: ReplayToken = { v: 1, ...token, file: { path: fileName, sha256: textHash(text) }, locksim: LOCKSIM_VERSION };
  return Buffer.from(JSON.stringify(full), 'utf8').toString('base64url');
}

export function reproduce(state: PlayState, play: ResolvedPlay, result: RunResult): Reproduction {
  if (play.kind === 'catalog') {
    const token = encodeToken({ scenario: play.scenario.name, variant: play.variant.name, seed: play.seed, faults: play.faults, ...(play.durationMs === undefined ? {} : { durationMs: play.durationMs }) });
    const plain = isCatalogSchedule(play) && play.durationMs === undefined;
    return {
      token,
      replay: replayCommand(token),
      ...(plain ? { run: `npx locksim run ${play.scenario.name} --variant ${shellWord(play.variant.name)} --seed ${play.seed}` } : {}),
    };
  }
  const text = scenarioFileText({
    scenario: fileScenario(play, result.verdict),
    lock: state.setup.lock,
    fileName: play.fileName,
    seed: play.seed,
    from: `${play.from.scenario.name} / ${play.from.variant}`,
  });
  const token = fileToken({ scenario: `./${play.fileName}`, variant: PLAY_VARIANT, seed: play.seed, faults: play.scenario.faults }, play.fileName, text);
  return { token, replay: replayCommand(token), run: `npx locksim run ./${play.fileName} --seed ${play.seed}`, file: { name: play.fileName, text } };
}
