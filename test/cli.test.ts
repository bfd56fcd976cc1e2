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

  it('run --duration changes the run length, and its replay command carries it (same trace hash)', () => {
    const short = JSON.parse(cli(['run', 'control', '--variant', 'single-instance', '--duration', '5s', '--no-reports', '--json']).stdout) as { traceHash: string; token: string; stats: { simulatedMs: number } };
    const full = JSON.parse(cli(['run', 'control', '--variant', 'single-instance', '--no-reports', '--json']).stdout) as { traceHash: string };
    expect(short.stats.simulatedMs).toBe(5_000);
    expect(short.traceHash).not.toBe(full.traceHash);
    const replayed = JSON.parse(cli(['replay', short.token, '--json']).stdout) as { traceHash: string };
    expect(replayed.traceHash).toBe(short.traceHash);
    expect(cli(['run', 'control', '--duration', '0s']).stderr).toContain("--duration must be positive, got '0s'");
    expect(cli(['run', 'control', '--history-window', 'soon']).stderr).toContain("--history-window takes a duration like 30s, 2m, 1h or 500ms, got 'soon'");
  });

  it('run --history-window judges the same, and says how much history it did not keep', () => {
    const args = ['run', 'gc-pause', '--variant', 'redlock', '--no-reports'];
    const whole = cli(args);
    const windowed = cli([...args, '--history-window', '2s']);
    expect(windowed.status).toBe(0);
    const verdictAndHash = (out: string) => out.split('\n').filter((l) => /^ok |trace hash|mutual exclusion broken/.test(l.trim()));
    expect(verdictAndHash(windowed.stdout)).toEqual(verdictAndHash(whole.stdout));
    expect(windowed.stdout).toMatch(/history windowed: \d+ events, \d+ writes and \d+ key lifetimes not kept \(the checkers saw them all\)/);
    expect(whole.stdout).not.toContain('history windowed');
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
