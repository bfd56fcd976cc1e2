import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { echoWorld } from '../src/bench/echo-world.ts';
import { seconds } from '../src/sim/index.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'locksim.js');

function cli(args: string[]): { stdout: string; stderr: string; status: number } {
  try {
    const stdout = execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { stdout, stderr: '', status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; status: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.status };
  }
}

describe('locksim command line', () => {
  it('the same seed gives the same trace hash in separate processes and in this one', async () => {
    const a = JSON.parse(cli(['demo', '--seed', '5', '--json']).stdout) as { traceHash: string; events: number };
    const b = JSON.parse(cli(['demo', '--seed', '5', '--json']).stdout) as { traceHash: string; events: number };
    expect(b).toEqual(a);
    const world = echoWorld({ seed: 5 });
    await world.run({ until: seconds(1) });
    expect(world.traceHash).toBe(a.traceHash);
    expect(world.events).toBe(a.events);
  });

  it('bad flags get an error that names the problem, and exit code 2', () => {
    const bad = cli(['demo', '--seed', 'abc']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--seed takes a whole number, got 'abc'");
    const unknown = cli(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it('--help answers', () => {
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: locksim');
  });
});
