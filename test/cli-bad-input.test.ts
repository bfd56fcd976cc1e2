/**
 * Every bad input of issue #17 (and those found since), one row each: exit code 2, a message that
 * names the problem and how to fix it, and no stack trace or "internal error".
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'locksim.js');
const LOCKSIM = pathToFileURL(join(import.meta.dirname, '..', 'src', 'index.ts')).href;
const dir = mkdtempSync(join(tmpdir(), 'locksim-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: readonly string[]): Promise<{ stdout: string; stderr: string; status: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    return { stdout, stderr, status: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, status: e.code };
  }
}

const token = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const gcPause = (changes: Record<string, unknown>): string => token({ v: 1, scenario: 'gc-pause', variant: 'redlock', seed: 1, faults: [], ...changes });

/** A scenario file in the test's folder: a good scenario with `patch` (JavaScript on `s`) applied. */
function scenarioFile(name: string, patch: string): string {
  writeFileSync(
    join(dir, `${name}.mts`),
    `import { singleInstance } from '${LOCKSIM}';
const s: any = {
  name: '${name}', title: 'a scenario', explanation: 'for the bad-input test',
  world: { nodes: 1, clients: 2, durationMs: 5000 },
  workload: { resource: 'lock:x', ttlMs: 1000, workMs: { min: 10, max: 20 }, thinkMs: { min: 10, max: 20 } },
  faults: [{ kind: 'pause', at: 1000, process: 'client-1', durationMs: 500 }],
  variants: [{ name: 'si', lock: singleInstance(), expected: 'safe' }],
};
${patch}
export default s;
`,
  );
  return `./${name}.mts`;
}

const cases: ReadonlyArray<{ what: string; args: () => readonly string[]; says: RegExp }> = [
  // Unknown variants, in every command that takes one, and in a token.
  { what: 'run --variant unknown', args: () => ['run', 'gc-pause', '--variant', 'redlok', '--no-reports'], says: /no variant 'redlok'; did you mean 'redlock'\? \(variants: single-instance, redlock/ },
  { what: 'sweep --variant unknown', args: () => ['sweep', 'gc-pause', '--variant', 'nope', '--runs', '1'], says: /no variant 'nope' \(variants: / },
  { what: 'explore --variant unknown', args: () => ['explore', 'gc-pause', '--variant', 'nope', '--runs', '1'], says: /no variant 'nope' \(variants: / },
  { what: 'real --variant unknown', args: () => ['real', 'gc-pause', '--variant', 'nope'], says: /no variant 'nope' \(variants: / },
  { what: 'a token naming an unknown variant', args: () => ['replay', gcPause({ variant: 'nope' })], says: /no variant 'nope' \(variants: / },
  // Tokens: faults validated as a scenario's, and the run's length and seed.
  { what: 'a token with an unknown fault kind', args: () => ['replay', gcPause({ faults: [{ kind: 'meteor', at: 1 }] })], says: /replay token: invalid fault schedule in the token \(was it edited or cut short\? copy the whole token[^\n]*\n {2}- faults\[0\]\.kind: unknown fault kind "meteor" \(known: partition, /m },
  { what: 'a token with a fault on an unknown process', args: () => ['replay', gcPause({ faults: [{ kind: 'pause', at: 1, process: 'nobody', durationMs: 5 }] })], says: /faults\[0\]\.process: "nobody" is not a process of this world \(processes: resource, redis-1/ },
  { what: 'a token with a null fault', args: () => ['replay', gcPause({ faults: [null] })], says: /faults\[0\]: a fault must be an object like \{ kind: 'pause'/ },
  { what: 'a token whose faults are not a list', args: () => ['replay', gcPause({ faults: 'none' })], says: /not a replay token of this locksim version \(expected scenario, variant, seed and faults\)/ },
  { what: 'a token with a fault lasting 1e15 ms', args: () => ['replay', gcPause({ faults: [{ kind: 'pause', at: 1000, process: 'client-1', durationMs: 1e15 }] })], says: /faults\[0\]\.durationMs: 1000000000000000 ms is past the longest run locksim accepts \(2592000000 ms, 30 days\)/ },
  { what: 'a token with a misspelt fault key', args: () => ['replay', gcPause({ faults: [{ kind: 'partition', at: 1, groups: [['client-1'], ['redis-1']], durationMS: 5 }] })], says: /faults\[0\]\.durationMS: unknown key; did you mean 'durationMs'\?/ },
  { what: 'a token with a run length of 1e15 ms', args: () => ['replay', gcPause({ durationMs: 1e15 })], says: /the token's run length \(durationMs\) 1000000000000000 ms is longer than the longest run locksim accepts/ },
  { what: 'a token with a seed past 2^53', args: () => ['replay', gcPause({ seed: 1e20 })], says: /the token's seed 100000000000000000000 is not a whole number up to 9007199254740991/ },
  { what: 'a token of an unknown scenario', args: () => ['replay', gcPause({ scenario: 'gc-paus' })], says: /no scenario named 'gc-paus' in the catalog; did you mean 'gc-pause'\?/ },
  { what: 'a token of a scenario file that is not there', args: () => ['replay', gcPause({ scenario: './gone.ts' })], says: /scenario not found:\n {2}- no file / },
  { what: 'not a token', args: () => ['replay', 'abc'], says: /not a replay token: 'abc' \(copy the whole token/ },
  // Numbers.
  { what: 'explore --time 0', args: () => ['explore', 'gc-pause', '--time', '0'], says: /explore: --time must be positive, got '0'/ },
  { what: 'run --seed past 2^53', args: () => ['run', 'gc-pause', '--seed', '99999999999999999999'], says: /--seed takes a whole number up to 9007199254740991, got '99999999999999999999' \(it would not replay exactly\)/ },
  { what: 'explore --seed past 2^53', args: () => ['explore', 'gc-pause', '--seed', '99999999999999999999'], says: /--seed takes a whole number up to 9007199254740991/ },
  { what: 'sweep seeds running past 2^53', args: () => ['sweep', 'gc-pause', '--from', '9007199254740990', '--runs', '5'], says: /sweep: seeds --from 9007199254740990 with --runs 5 go past 9007199254740991/ },
  { what: 'run --duration of a million hours', args: () => ['run', 'gc-pause', '--duration', '1000000h'], says: /run: --duration 1000000h is longer than the longest run locksim accepts \(30 days of simulated time\)/ },
  { what: 'real --duration of a million hours', args: () => ['real', 'gc-pause', '--variant', 'redlock', '--duration', '1000000h'], says: /real: --duration 1000000h is longer than the longest run locksim accepts/ },
  { what: 'run --duration 0s', args: () => ['run', 'gc-pause', '--duration', '0s'], says: /--duration must be positive, got '0s'/ },
  // Scenario files.
  { what: 'a fault after the run ends', args: () => ['run', scenarioFile('late', "s.faults = [{ kind: 'pause', at: 999999, process: 'client-1', durationMs: 100 }];")], says: /faults\[0\]\.at: 999999 ms is at or after the run's end \(5000 ms\): it would never fire; move it earlier or lengthen world\.durationMs/ },
  { what: "a variant's fault after its run ends", args: () => ['run', scenarioFile('late-variant', "s.variants[0].world = { durationMs: 800 };")], says: /faults\[0\]\.at: 1000 ms is at or after the run's end \(800 ms\)/ },
  { what: 'clients: []', args: () => ['run', scenarioFile('no-clients', 's.world.clients = [];')], says: /world\.clients: must be a count \(>= 1\) or a non-empty list of \{ name, driftPpm\?, wallOffsetMs\?, startMs\? \}, got \[\]/ },
  { what: 'an unknown blob option', args: () => ['run', scenarioFile('blob-option', "s.variants[0].blobOptions = { retries: 3 };")], says: /variants\[0\]\.blobOptions\.retries: not a blob option \(retryOptions, resource\)/ },
  { what: 'nodes: []', args: () => ['run', scenarioFile('no-nodes', 's.world.nodes = [];')], says: /world\.nodes: must be a count of Redis nodes \(>= 1\) or a non-empty list/ },
  { what: 'a misspelt workload key', args: () => ['run', scenarioFile('workload-key', 's.workload.checkValidityBeforeWirte = true;')], says: /workload\.checkValidityBeforeWirte: unknown key; did you mean 'checkValidityBeforeWrite'\? \(known: resource, ttlMs/ },
  { what: "a misspelt key in a variant's workload", args: () => ['run', scenarioFile('variant-workload-key', 's.variants[0].workload = { ttlMS: 500 };')], says: /variants\[0\]\.workload\.ttlMS: unknown key; did you mean 'ttlMs'\?/ },
  { what: 'a misspelt variant key', args: () => ['run', scenarioFile('variant-key', "s.variants[0].notes = 'why';")], says: /variants\[0\]\.notes: unknown key; did you mean 'note'\?/ },
  { what: 'a misspelt world key', args: () => ['run', scenarioFile('world-key', "s.world.delays = { kind: 'fixed', ms: 1 };")], says: /world\.delays: unknown key; did you mean 'delay'\?/ },
  { what: 'a misspelt scenario key', args: () => ['run', scenarioFile('scenario-key', "s.tag = ['x'];")], says: /- tag: unknown key; did you mean 'tags'\?/ },
  { what: 'a misspelt key of a listed client', args: () => ['run', scenarioFile('client-key', "s.world.clients = [{ name: 'client-1', startsMs: 0 }, { name: 'client-2' }];")], says: /world\.clients\[0\]\.startsMs: unknown key; did you mean 'startMs'\?/ },
  { what: 'a misspelt fault key', args: () => ['run', scenarioFile('fault-key', "s.faults = [{ kind: 'partition', at: 10, groups: [['client-1'], ['redis-1']], durationMS: 500 }];")], says: /faults\[0\]\.durationMS: unknown key; did you mean 'durationMs'\?/ },
  { what: 'an unknown key, nothing like a known one', args: () => ['run', scenarioFile('odd-key', 's.world.zzz = 1;')], says: /world\.zzz: unknown key \(known: nodes, clients, delay, durationMs\)/ },
  // Names.
  { what: 'list of an unknown scenario', args: () => ['list', 'gc-paus'], says: /no scenario named 'gc-paus' in the catalog; did you mean 'gc-pause'\?/ },
  { what: 'run of an unknown scenario', args: () => ['run', 'nosuch'], says: /no scenario named 'nosuch' in the catalog \(locksim list shows them all\), and no file of that name/ },
  { what: 'run of a file that is not there', args: () => ['run', './nosuch.ts'], says: /scenario not found:\n {2}- no file '.*nosuch\.ts'/ },
  { what: 'an unknown command', args: () => ['frob'], says: /unknown command 'frob' \(commands: / },
  { what: 'an unknown option', args: () => ['run', 'gc-pause', '--sed', '1'], says: /run: unknown option '--sed' \(options: / },
];

describe('bad input: exit 2, a message naming the problem, no stack trace', () => {
  it.each(cases)('$what', async ({ args, says }) => {
    const r = await cli(args());
    expect(r.stderr).toMatch(says);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at \S+ \(|\.ts:\d+:\d+/);
  });

  it('list <scenario> lists that scenario: its explanation and one line per variant', async () => {
    const r = await cli(['list', 'gc-pause']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^gc-pause {2}Holder paused longer than its lease/);
    expect(r.stdout).toMatch(/\n {2}redlock +unsafe +unguarded +Redlock checks elapsed time/);
    const json = JSON.parse((await cli(['list', 'gc-pause', '--json'])).stdout) as { scenarios: Array<{ name: string; explanation: string; variants: Array<{ note: string | null }> }> };
    expect(json.scenarios.map((s) => s.name)).toEqual(['gc-pause']);
    expect(json.scenarios[0]?.variants.length).toBe(4);
  });

  it('a run shortened past its faults says they never fired', async () => {
    const r = await cli(['run', 'gc-pause', '--variant', 'redlock', '--duration', '50ms', '--no-reports']);
    expect(r.stdout).toMatch(/DID NOTHING \(never applied: the run ended at 50 ms, before 100 ms; check the schedule\)/);
  });
});
