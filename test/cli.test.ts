import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { echoWorld } from '../src/sim/demo/echo-world.ts';
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

  it('run --seeds A..B runs every variant at each seed in one process, one line per run; a bad range is refused', () => {
    const text = cli(['run', 'gc-pause', '--seeds', '1..3']);
    expect(text.status, text.stderr).toBe(0);
    const catalog = JSON.parse(cli(['list', '--json']).stdout) as { scenarios: Array<{ name: string; variants: Array<{ name: string }> }> };
    const variants = (catalog.scenarios.find((s) => s.name === 'gc-pause')?.variants ?? []).map((v) => v.name);
    expect(variants.length).toBeGreaterThan(1);
    const lines = text.stdout.split('\n').filter((l) => /^(ok|FAIL) /.test(l));
    expect(lines).toEqual([1, 2, 3].flatMap((seed) => variants.map((v) => expect.stringMatching(new RegExp(`^ok {3}gc-pause/${v.replace('+', '\\+')} seed ${seed}: (SAFE|UNSAFE|STUCK) \\(expected (safe|unsafe|stuck)\\); [1-9]\\d* acquisitions, [1-9]\\d* Redis commands$`)))));
    expect(text.stdout).toContain(`${lines.length} of ${lines.length} verdicts as expected (seeds 1..3)`);
    const asJson = JSON.parse(cli(['run', 'gc-pause', '--seeds', '1..3', '--json']).stdout) as { seeds: { from: number; to: number }; ok: boolean; results: Array<{ seed: number; variant: string; traceHash: string; matches: boolean }> };
    expect(asJson.seeds).toEqual({ from: 1, to: 3 });
    expect(asJson.ok).toBe(true);
    expect(asJson.results.map((r) => r.seed)).toEqual([1, 2, 3].flatMap((s) => variants.map(() => s)));
    // Seed 2 of the range is the run --seed 2 gives, bit for bit.
    const single = JSON.parse(cli(['run', 'gc-pause', '--variant', variants[0] as string, '--seed', '2', '--no-reports', '--json']).stdout) as { traceHash: string };
    expect(asJson.results.find((r) => r.seed === 2 && r.variant === variants[0])?.traceHash).toBe(single.traceHash);
    for (const [range, message] of [
      ['3..1', "--seeds 3..1 is empty: the first seed must not be above the last (e.g. 1..3)"],
      ['1-20', "--seeds takes a range of seeds like 1..20, got '1-20'"],
      ['1..99999999999999999999', '--seeds takes seeds up to 9007199254740991'],
    ] as const) {
      const bad = cli(['run', 'gc-pause', '--seeds', range]);
      expect([bad.status, bad.stdout]).toEqual([2, '']);
      expect(bad.stderr).toContain(message);
    }
    const both = cli(['run', 'gc-pause', '--seeds', '1..2', '--seed', '3']);
    expect([both.status, both.stderr.trim()]).toEqual([2, 'locksim: run: pass either --seed N or --seeds A..B, not both']);
    expect(cli(['run', '--help']).stdout).toContain('--seeds A..B');
  });

  it('bad flags get an error that names the problem, and exit code 2', () => {
    const bad = cli(['demo', '--seed', 'abc']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--seed takes a whole number, got 'abc'");
    const unknown = cli(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it('an unknown variant, a zero --time and a misspelt --faults are bad input (exit 2, the message names them, no stack)', () => {
    for (const args of [
      ['run', 'gc-pause', '--variant', 'bogus', '--no-reports'],
      ['explore', 'gc-pause', '--variant', 'bogus', '--runs', '1'],
      ['sweep', 'gc-pause', '--variant', 'bogus', '--runs', '1', '--workers', '1'],
    ]) {
      const r = cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain("no variant 'bogus' (variants: single-instance, redlock");
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
    const zero = cli(['explore', 'gc-pause', '--time', '0']);
    expect([zero.status, zero.stderr.trim()]).toEqual([2, "locksim: explore: --time must be positive, got '0'"]);
    const huge = cli(['run', 'gc-pause', '--seed', '99999999999999999999', '--no-reports']);
    expect(huge.status).toBe(2);
    expect(huge.stderr).toContain("--seed takes a whole number up to 9007199254740991, got '99999999999999999999'");
    const faults = cli(['explore', 'gc-pause', '--faults', 'most']);
    expect([faults.status, faults.stderr.trim()]).toEqual([2, "locksim: explore: --faults takes 'in-model' or 'all', got 'most'"]);
  });

  it('a run with no evidence (every client died: "X is not a constructor") is INVALID, exit code 4, no stack trace', () => {
    const file = join(import.meta.dirname, 'scenario', 'fixtures', 'throwing-lock.ts');
    const run = cli(['run', file, '--no-reports']);
    expect(run.status).toBe(4);
    expect(run.stdout).toContain('FAIL throwing-lock/throws: INVALID (expected safe): no verdict, client-1 died of an uncaught error (and 1 other client): TypeError: Redlock is not a constructor');
    expect(run.stdout).toMatch(/\n {2}evidence: judged on 0 acquisitions, 0 sections, 0 writes accepted and 0 refused, 0 Redis commands/);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
    const asJson = JSON.parse(cli(['run', file, '--no-reports', '--json']).stdout) as { verdict: string; invalid: { reason: string; firstError: string }; evidence: { acquisitions: number; perClient: Record<string, unknown> } };
    expect(asJson.verdict).toBe('invalid');
    expect(asJson.invalid.firstError).toBe('TypeError: Redlock is not a constructor');
    expect(asJson.evidence.acquisitions).toBe(0);
    expect(Object.keys(asJson.evidence.perClient)).toEqual(['client-1', 'client-2']);
    const sweep = cli(['sweep', file, '--runs', '2', '--workers', '1']);
    expect(sweep.status).toBe(4);
    expect(sweep.stdout).toContain('invalid 2; 0 of 2 runs judged on evidence');
    const explore = cli(['explore', file, '--runs', '2', '--seed', '1']);
    expect(explore.status).toBe(4);
    expect(explore.stdout).toContain('had no verdict (INVALID): client-1 died of an uncaught error');
  });

  it('a judged run prints what it was judged on; an unknown adapter mode is bad input naming the valid modes', () => {
    const ok = cli(['run', 'control', '--variant', 'single-instance', '--no-reports']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/\n {2}evidence: judged on [1-9]\d* acquisitions, \d+ sections, \d+ writes accepted and 0 refused, [1-9]\d* Redis commands \(acquisitions\/sections\/writes per client: client-1 /);
    const bogus = cli(['run', join(import.meta.dirname, 'scenario', 'fixtures', 'bogus-mode.ts'), '--no-reports']);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain(`unknown mode "bogus": the valid modes are 'auto', 'realm', 'host'`);
  });

  it('--help answers', () => {
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: locksim');
  });
});
