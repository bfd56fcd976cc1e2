import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import gcPause from '../../scenarios/gc-pause.ts';
import { explore } from '../../src/explore/explore.ts';
import { decodeToken } from '../../src/explore/token.ts';
import { runScenario } from '../../src/scenario/run.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'locksim.js');

describe('explore, shrink, replay', () => {
  it('finds the GC-pause violation from random schedules, shrinks it, and replays it bit for bit', async () => {
    const found = await explore(gcPause, { variant: 'redlock', seed: 1, runs: 300 });
    expect(found.found).toBe(true);
    const shrunk = found.shrunk;
    if (shrunk === null || found.token === null) throw new Error('no shrunk run');
    expect(shrunk.verdict).toBe('unsafe');
    // At most three faults besides the final heal.
    expect(shrunk.faults.filter((f) => f.kind !== 'heal').length).toBeLessThanOrEqual(3);

    // The token alone reproduces the run: same trace hash, in this process…
    const token = decodeToken(found.token);
    const again = await runScenario(gcPause, { seed: token.seed, variant: token.variant, faults: token.faults });
    expect(again.traceHash).toBe(shrunk.traceHash);
    // …and in another process, through the command line.
    let stdout = '';
    try {
      stdout = execFileSync(process.execPath, [BIN, 'replay', found.token, '--json'], { encoding: 'utf8' });
    } catch (error) {
      stdout = (error as { stdout: string }).stdout; // exit code 0/1 by verdict; the JSON is what matters
    }
    const replayed = JSON.parse(stdout) as { traceHash: string; verdict: string };
    expect(replayed).toMatchObject({ traceHash: shrunk.traceHash, verdict: 'unsafe' });

    // The same schedule against a fenced resource: the stale write is refused, nothing is lost.
    const fenced = await runScenario(gcPause, { seed: token.seed, variant: 'redlock+fencing', faults: token.faults });
    expect(fenced.verdict).toBe('safe');
  });

  it('a fenced resource refuses the paused holder\'s stale write in the hand-written schedule', async () => {
    const result = await runScenario(gcPause, { seed: 1, variant: 'redlock+fencing' });
    expect(result.verdict).toBe('safe');
    const refused = result.history.writes.filter((w) => !w.accepted);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.process).toBe('client-1');
    expect(refused[0]?.reason).toMatch(/stale token/);
  });
});
