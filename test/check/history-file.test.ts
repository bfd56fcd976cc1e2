/**
 * A history judged again later (src/check/history-file.ts, `locksim run --history` and `locksim
 * check`): a run's history written to JSON and read back gets the run's verdict and violations;
 * a hand-written history from the documented format is judged by the same checkers (a double
 * grant is found, its twin without the overlap passes); a malformed one is refused naming the field.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyDocument, HistoryFormatError, judgeHistory, parseHistoryDocument } from '../../src/check/history-file.ts';
import { toJsonValue } from '../../src/report/json.ts';
import { loadScenario } from '../../src/scenario/load.ts';
import { runScenario } from '../../src/scenario/run.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'locksim.js');
const EXAMPLE = join(ROOT, 'examples', 'history-overlap.json');
const dir = mkdtempSync(join(tmpdir(), 'locksim-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): { stdout: string; stderr: string; status: number } {
  try {
    return { stdout: execFileSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), stderr: '', status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; status: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.status };
  }
}

describe('a run\'s history, written and judged again', () => {
  // One of each verdict and checker: mutual exclusion and lost updates, fencing, liveness, safe.
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['gc-pause', 'redlock'],
    ['gc-pause', 'redlock+fencing'],
    ['fencing-regression', 'persistence-none'],
    ['library-sesamecare-redlock', 'acquire-2-nodes-split'],
    ['control', 'redlock'],
  ];
  it.each(cases)('%s / %s: the same verdict and violations', async (name, variant) => {
    const scenario = await loadScenario(name);
    const result = await runScenario(scenario, { seed: 1, variant });
    const end = result.livenessEnd;
    expect(end).toBeDefined();
    const doc = historyDocument(result.history, { properties: result.properties, livenessBoundMs: end?.boundMs ?? 0, end: { blocked: end?.blocked ?? [], stillTrying: end?.stillTrying ?? [] } });
    const again = judgeHistory(parseHistoryDocument(JSON.stringify(doc), 'run.json'));
    expect(again.verdict).toBe(result.verdict);
    expect(toJsonValue(again.violations)).toEqual(toJsonValue(result.violations));
  }, 60_000);
});

describe('a hand-written history (docs/history-format.md)', () => {
  const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { history: { events: Array<Record<string, unknown>>; writes: Array<Record<string, unknown>> } };

  it('the documented example: a double grant and the update it lost', () => {
    const judgement = judgeHistory(parseHistoryDocument(JSON.stringify(example), 'example'));
    expect(judgement.verdict).toBe('unsafe');
    expect(judgement.violations.map((v) => v.property).sort()).toEqual(['lost-update', 'mutex']);
  });

  it('its twin, worker-b acquiring only after worker-a released, is safe', () => {
    // Shift worker-b's story to after worker-a's release at 1.501 s (+1 s), and make the writes chain.
    const shift = (e: Record<string, unknown>) => (e.process === 'worker-b' ? { ...e, at: (e.at as number) + 1_000_000 } : e);
    const events = example.history.events.map(shift).map((e) => (e.process === 'worker-b' && e.kind === 'read' ? { ...e, value: 42 } : e)).map((e) => (e.process === 'worker-b' && e.kind === 'write' ? { ...e, value: 43, readValue: 42 } : e));
    events.sort((a, b) => (a.at as number) - (b.at as number));
    const writes = [
      { at: 1_500_000, process: 'worker-a', value: 42, readValue: 41, accepted: true, before: 41 },
      { at: 2_200_000, process: 'worker-b', value: 43, readValue: 42, accepted: true, before: 42 },
    ];
    const judgement = judgeHistory(parseHistoryDocument(JSON.stringify({ ...example, history: { events, writes } }), 'twin'));
    expect(judgement.violations).toEqual([]);
    expect(judgement.verdict).toBe('safe');
  });

  it('a malformed history is refused, naming the field and what it must be', () => {
    const refuse = (doc: unknown) => () => parseHistoryDocument(JSON.stringify(doc), 'h.json');
    expect(refuse({ format: 'nope' })).toThrow(/h\.json: \$\.format must be "locksim-history\/1"/);
    expect(refuse({ format: 'locksim-history/1', history: {} })).toThrow(/\$\.history\.events must be an array, got nothing/);
    const events = example.history.events;
    expect(refuse({ format: 'locksim-history/1', history: { events: [{ ...events[0], at: 'soon' }] } })).toThrow(/\$\.history\.events\[0\]\.at must be a finite number, got "soon"/);
    expect(refuse({ format: 'locksim-history/1', history: { events: [{ ...events[1], lease: undefined }] } })).toThrow(/\$\.history\.events\[0\]\.lease is missing/);
    expect(refuse({ format: 'locksim-history/1', history: { events: [events[2], events[0]] } })).toThrow(/\$\.history\.events\[1\]\.at goes back in time/);
    expect(refuse({ format: 'locksim-history/1', history: { events: [{ ...events[0], kind: 'grab' }] } })).toThrow(/kind must be one of "acquire"/);
    expect(refuse({ format: 'locksim-history/1', properties: ['mutex', 'speed'], history: { events } })).toThrow(/\$\.properties\[1\] must be one of/);
    expect(() => parseHistoryDocument('{', 'h.json')).toThrow(HistoryFormatError);
  });
});

describe('locksim run --history and locksim check', () => {
  it('check gives a run\'s history the run\'s verdict; exit codes 1 unsafe, 0 safe', () => {
    const file = join(dir, 'gc.json');
    const run = cli(['run', 'gc-pause', '--variant', 'redlock', '--no-reports', '--history', file]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const unsafe = cli(['check', file, '--json']);
    expect(unsafe.status).toBe(1);
    const json = JSON.parse(unsafe.stdout) as { verdict: string; run: { scenario: string; verdict: string }; violations: Array<{ property: string }> };
    expect(json).toMatchObject({ verdict: 'unsafe', run: { scenario: 'gc-pause', verdict: 'unsafe' } });
    expect(json.violations.some((v) => v.property === 'mutex')).toBe(true);
    const safeFile = join(dir, 'fenced.json');
    cli(['run', 'gc-pause', '--variant', 'redlock+fencing', '--no-reports', '--history', safeFile]);
    const safe = cli(['check', safeFile]);
    expect(safe.status).toBe(0);
    expect(safe.stdout).toContain('\nSAFE\n');
  }, 180_000);

  it('draws the run\'s node columns from history.commands: the same timeline as the run\'s own; --node-commands hides the no-op votes', () => {
    const file = join(dir, 'plain-del.json');
    const run = cli(['run', 'plain-del-release', '--variant', 'release=del', '--no-reports', '--timeline', '--history', file]);
    const timeline = (text: string): string => text.slice(text.indexOf('     true ms |'), text.indexOf('\n\n', text.indexOf('     true ms |')));
    const checked = cli(['check', file, '--timeline']);
    expect(checked.stdout).toMatch(/\d+ resource writes, \d+ key lifetimes, [1-9]\d* commands on the lock key/);
    expect(checked.stdout).toMatch(/; nodes redis-1\n/);
    expect(timeline(checked.stdout)).toBe(timeline(run.stdout));
    expect(timeline(checked.stdout)).toMatch(/^ {5}true ms \| client-1 .*\| redis-1$/m);
    expect(timeline(checked.stdout)).toMatch(/DELETED client-\d's key/);
    expect(timeline(checked.stdout)).toContain('lost (');
    const changes = timeline(cli(['check', file, '--timeline', '--node-commands', 'changes']).stdout);
    expect(changes).not.toContain('lost (');
    expect(changes).toMatch(/DELETED client-\d's key/);
    expect(changes).toContain('| won');
    // run takes the same flag, and draws the same.
    expect(timeline(cli(['run', 'plain-del-release', '--variant', 'release=del', '--no-reports', '--timeline', '--node-commands', 'changes']).stdout)).toBe(changes);
    expect(cli(['check', file, '--node-commands', 'some']).stderr).toContain("check: --node-commands takes all, changes, none; got 'some'");
  }, 120_000);

  it('reads history.commands written by hand, and names a bad field', () => {
    const command = { at: 2_000, node: 'n1', key: 'lock', from: 'a', command: 'SET NX PX 500', reply: 'OK', before: null, beforeExpiresAt: null, after: 'va', afterExpiresAt: 502_000 };
    const doc = { format: 'locksim-history/1', history: { events: [{ process: 'a', kind: 'acquire', phase: 'ok', at: 2_000, lease: { value: 'va', validUntil: 50 } }], commands: [command] } };
    const parsed = parseHistoryDocument(JSON.stringify(doc), 'h.json');
    expect(parsed.history.commands).toEqual([command]);
    expect(() => parseHistoryDocument(JSON.stringify({ ...doc, history: { ...doc.history, commands: [{ ...command, node: 5 }] } }), 'h.json')).toThrow('h.json: $.history.commands[0].node must be a non-empty string, got 5');
    expect(() => parseHistoryDocument(JSON.stringify({ ...doc, history: { ...doc.history, commands: [command, { ...command, at: 1 }] } }), 'h.json')).toThrow('$.history.commands[1].at goes back in time');
  });

  it('prints the timeline and the explained violations of the documented example', () => {
    const r = cli(['check', EXAMPLE]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('XX mutual exclusion broken: worker-a and worker-b both in their critical sections from 1102.000 to 1201.000 ms');
    expect(r.stdout).toContain('worker-a ran 501.0 ms past the validity it computed');
    expect(r.stdout).toContain('lost update: worker-a wrote 42 based on 41, but the value was 42');
  }, 60_000);

  it('refuses bad input with exit 2 and a message that names it', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'locksim-history/1', history: { events: [{ process: 'a', kind: 'acquire', phase: 'ok', at: 5 }] } }));
    const r = cli(['check', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('$.history.events[0].lease is missing');
    expect(r.stderr).not.toContain('    at ');
    expect(cli(['check', join(dir, 'none.json')]).stderr).toContain('no such file');
    expect(cli(['check', EXAMPLE, '--properties', 'mutex,speed']).stderr).toContain('--properties takes a comma-separated list');
    expect(cli(['run', 'gc-pause', '--history', join(dir, 'x.json'), '--no-reports']).stderr).toContain('--history writes one run');
  }, 180_000);

  it('a history where nobody acquired is INVALID (exit 4), not SAFE', () => {
    const idle = join(dir, 'idle.json');
    writeFileSync(idle, JSON.stringify({ format: 'locksim-history/1', history: { events: [{ process: 'a', kind: 'acquire', phase: 'invoke', at: 0 }, { process: 'a', kind: 'acquire', phase: 'fail', at: 10 }] } }));
    const r = cli(['check', idle]);
    expect(r.status).toBe(4);
    expect(r.stdout).toContain('INVALID');
  }, 60_000);
});
