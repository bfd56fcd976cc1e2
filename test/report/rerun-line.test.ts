/**
 * The rerun command under a run not as expected is pasted into a shell: variant names hold
 * parentheses, commas and spaces (`lease(redlock,renewal=recreate-missing)`), so each word must
 * reach locksim as it was printed. Checked with a real shell, not by comparing strings.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellWord } from '../../src/report/words.ts';

/** The words a POSIX shell makes of `line`. */
function shellWords(line: string): string[] {
  return execFileSync('sh', ['-c', `for w in ${line}; do printf '%s\\n' "$w"; done`], { encoding: 'utf8' }).split('\n').slice(0, -1);
}

describe('a rerun line is safe to paste into a shell', () => {
  it.each(["lease(redlock,renewal=recreate-missing)", 'redlock', "it's (odd) name", 'blob-lease+etag', './my scenarios/x.ts'])('%s reaches the command as one word', (word) => {
    expect(shellWords(`run --variant ${shellWord(word)} --seed 3`)).toEqual(['run', '--variant', word, '--seed', '3']);
  });
});
