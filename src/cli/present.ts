/**
 * Exit codes of the commands that judge runs. What a run says, in text and JSON, is the
 * report room's (report/words.ts, report/text.ts, report/json.ts).
 */
import type { RunResult } from '../scenario/run.ts';

/**
 * Exit code of a command whose runs had no verdict (`invalid`: a client died of an error, or no
 * client ever acquired); it takes precedence over 1 (a verdict other than expected).
 */
export const EXIT_INVALID = 4;

/** 0 every verdict as expected, {@link EXIT_INVALID} some run invalid, 1 some verdict not as expected. */
export function exitCode(results: ReadonlyArray<Pick<RunResult, 'verdict' | 'expected'>>): number {
  if (results.some((r) => r.verdict === 'invalid')) return EXIT_INVALID;
  return results.every((r) => r.verdict === r.expected) ? 0 : 1;
}
