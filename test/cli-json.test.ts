/**
 * One JSON shape (issue #15): `run`, `replay`, `explore`, `sweep` and `real` print results of
 * schema locksim-result/1 with locksim's version and the README's fields at the top level
 * (docs/json.md). Each command's --json output is parsed and checked here, from the real
 * command line; `real` against real redis-server and Toxiproxy processes (under CI=true always).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeToken } from '../src/explore/token.ts';
import { shimTestsEnabled, toxiproxyTestsEnabled } from './real/helpers.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'locksim.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const dir = mkdtempSync(join(tmpdir(), 'locksim-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Result = Record<string, unknown>;

async function cli(args: readonly string[]): Promise<{ stdout: string; stderr: string; status: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { stdout, stderr, status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.code };
  }
}

async function jsonOf(args: readonly string[]): Promise<Result> {
  const r = await cli([...args, '--json']);
  expect(r.stdout, r.stderr).not.toBe('');
  return JSON.parse(r.stdout) as Result;
}

const VERDICTS = ['safe', 'unsafe', 'stuck', 'invalid'];

/** The fields every result has, with their types; `ran`: the result stands for a run (seed, trace hash and token are its own). */
function expectResult(json: Result, command: string, ran = true): void {
  expect(json.schema).toBe('locksim-result/1');
  expect(json.version).toBe(VERSION);
  expect(json.command).toBe(command);
  expect(json.mode).toBe(command === 'real' ? 'real' : 'simulated');
  expect(typeof json.scenario).toBe('string');
  expect(typeof json.variant).toBe('string');
  expect(VERDICTS).toContain(json.verdict);
  expect(VERDICTS).toContain(json.expected);
  expect(typeof json.matches).toBe('boolean');
  for (const list of ['violations', 'incidents', 'faultsFired', 'faults', 'outsideModel', 'processErrors', 'properties']) expect(Array.isArray(json[list]), list).toBe(true);
  if (!ran) {
    expect([json.seed, json.traceHash, json.token, json.evidence]).toEqual([null, null, null, null]);
    return;
  }
  expect(Number.isSafeInteger(json.seed)).toBe(true);
  expect(json.traceHash).toMatch(/^[0-9a-f]{16}$/);
  const token = decodeToken(json.token as string);
  // The token is the result's own run: its seed, and this locksim's version.
  expect([token.scenario === json.scenario || token.scenario.endsWith('.ts'), token.variant, token.seed, token.locksim]).toEqual([true, json.variant, json.seed, VERSION]);
  expect(typeof (json.evidence as { acquisitions: unknown }).acquisitions).toBe('number');
  expect(typeof json.lockName).toBe('string');
  expect(typeof json.events).toBe('number');
  // The violations, the incidents that group them, and the faults that fired, as plain data.
  const violations = json.violations as Array<{ property: string }>;
  expect((json.incidents as Array<{ violations: number[] }>).flatMap((i) => i.violations).sort((a, b) => a - b)).toEqual(violations.map((_, i) => i));
  for (const f of json.faultsFired as Array<Record<string, unknown>>) expect([typeof f.description, typeof f.at, typeof f.fired]).toEqual(['string', 'number', 'boolean']);
}

describe('one JSON shape for run, replay, explore and sweep', () => {
  it('run: one result; several variants: the results in an envelope; the report file is the same result with its history', async () => {
    const one = await jsonOf(['run', 'gc-pause', '--variant', 'redlock', '--reports', 'reports']);
    expectResult(one, 'run');
    expect(one).toMatchObject({ scenario: 'gc-pause', variant: 'redlock', seed: 1, verdict: 'unsafe', expected: 'unsafe', matches: true });
    expect((one.violations as unknown[]).length).toBeGreaterThan(0);
    expect((one.faultsFired as Array<{ description: string }>)[0]?.description).toBe('@100ms pause client-1 for 15000ms');
    expect(one.history).toBeUndefined();
    const file = JSON.parse(readFileSync(join(dir, 'reports', 'gc-pause', 'redlock.json'), 'utf8')) as Result;
    expectResult(file, 'run');
    const { history, ...rest } = file;
    expect(rest).toEqual(one);
    expect(Array.isArray((history as { events: unknown[] }).events)).toBe(true);
    // locksim check judges the report file as the run judged it.
    const checked = await cli(['check', join('reports', 'gc-pause', 'redlock.json')]);
    expect(checked.stdout).toContain('UNSAFE');

    const all = await jsonOf(['run', 'gc-pause', '--seed', '2', '--no-reports']);
    expect(all).toMatchObject({ schema: 'locksim-result/1', version: VERSION, command: 'run', seed: 2 });
    const results = all.results as Result[];
    const listed = (await jsonOf(['list', 'gc-pause'])).scenarios as Array<{ variants: Array<{ name: string }> }>;
    expect(results.map((r) => r.variant)).toEqual(listed[0]?.variants.map((v) => v.name));
    for (const r of results) expectResult(r, 'run');
    expect(all.ok).toBe(results.every((r) => r.matches));
  }, 120_000);

  it('replay: the run again, the same fields and trace hash', async () => {
    const run = await jsonOf(['run', 'control', '--variant', 'single-instance', '--duration', '5s', '--no-reports']);
    const replayed = await jsonOf(['replay', run.token as string]);
    expectResult(replayed, 'replay');
    // Everything but the command is the run's (replay keeps the kernel trace, so it counts it).
    const { command, traceEntries, ...same } = replayed;
    expect([command, typeof traceEntries, run.traceEntries]).toEqual(['replay', 'number', null]);
    expect(same).toEqual((({ command: _c, traceEntries: _t, ...rest }) => rest)(run));
  }, 120_000);

  it('explore: the shrunk failure is the result (its seed and token), the exploration beside it; nothing found stands for no run', async () => {
    const found = await jsonOf(['explore', 'plain-del-release', '--variant', 'release=del', '--runs', '60', '--seed', '1']);
    expectResult(found, 'explore');
    expect(found).toMatchObject({ verdict: 'unsafe', expected: 'unsafe', matches: true, explorationSeed: 1 });
    expect([typeof found.runs, typeof found.shrinks, typeof found.bySingleFault, typeof found.interrupted, typeof found.wallMs]).toEqual(['number', 'number', 'boolean', 'boolean', 'number']);
    expect((found.violations as unknown[]).length).toBeGreaterThan(0);
    const again = await jsonOf(['replay', found.token as string]);
    expect(again.traceHash).toBe(found.traceHash);
    expect(again.violations).toEqual(found.violations);

    const nothing = await jsonOf(['explore', 'control', '--variant', 'redlock', '--runs', '3', '--seed', '1', '--faults', 'in-model']);
    expectResult(nothing, 'explore', false);
    expect(nothing).toMatchObject({ scenario: 'control', variant: 'redlock', verdict: 'safe', matches: true, violations: [], faultsFired: [], explorationSeed: 1 });
  }, 240_000);

  it('sweep: the first run with the sweep\'s verdict stands for it, run again with the same trace hash; every failed run in failed', async () => {
    const swept = await jsonOf(['sweep', 'gc-pause', '--variant', 'redlock', '--runs', '4', '--workers', '1']);
    expectResult(swept, 'sweep');
    const counts = swept.counts as Record<string, number>;
    const failed = swept.failed as Record<string, Array<{ seed: number; traceHash: string; token: string; violations: number }>>;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(4);
    expect([failed.unsafe?.length, failed.stuck?.length, failed.invalid?.length]).toEqual([counts.unsafe, counts.stuck, counts.invalid]);
    expect(swept.seeds).toEqual({ from: 1, runs: 4, shard: '1/1' });
    expect(swept.matches).toBe(counts.unsafe! > 0);
    // The sweep's verdict is its worst; the result is the first seed that had it.
    const verdict = ['invalid', 'unsafe', 'stuck'].find((v) => counts[v]! > 0) ?? 'safe';
    expect(swept.verdict).toBe(verdict);
    if (verdict !== 'safe') {
      const first = [...failed[verdict]!].sort((a, b) => a.seed - b.seed)[0]!;
      expect([swept.seed, swept.traceHash, swept.token]).toEqual([first.seed, first.traceHash, first.token]);
      expect((swept.violations as unknown[]).length).toBe(first.violations);
    }
    const replayed = await jsonOf(['replay', swept.token as string]);
    expect(replayed.traceHash).toBe(swept.traceHash);
  }, 240_000);
});

describe.runIf(shimTestsEnabled() && toxiproxyTestsEnabled())('the JSON of a real run', () => {
  it('real: a run result (the simulated twin\'s trace hash and token), with the real run\'s own fields', async () => {
    const real = await jsonOf(['real', 'control', '--variant', 'single-instance', '--duration', '2s', '--no-reports']);
    expectResult(real, 'real');
    expect(real).toMatchObject({ scenario: 'control', variant: 'single-instance', seed: 1, verdict: 'safe', agrees: true });
    expect(real.runId).toMatch(/^real-\d{8}T\d{6}Z-\d+-[0-9a-f]{6}$/);
    expect((real.simulated as { traceHash: string }).traceHash).toBe(real.traceHash);
    for (const field of ['faultTimings', 'durationMs', 'wallMs', 'notes', 'external']) expect(real, field).toHaveProperty(field);
    const twin = await jsonOf(['replay', real.token as string]);
    expect(twin.traceHash).toBe(real.traceHash);
  }, 120_000);
});
