/**
 * A state whose setup is no catalog variant's becomes a scenario file of its own. The file the
 * page offers must define the very run the page showed: the command line, given the file (saved
 * at a project's root) and the page's token, reproduces the page's trace hash; and the file's
 * object literal is the object the page ran (imported back, it runs with the same hash).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeToken } from '../../src/explore/token.ts';
import { withAlgorithm, withDelay, withDuration, withFencing, withLockOption, withNodeCount, withNodeDrift, withSeed, withTtl } from '../../src/play/edits.ts';
import { findLesson, type Lesson } from '../../src/play/lessons.ts';
import { literal } from '../../src/play/literal.ts';
import { runPlay } from '../../src/play/run.ts';
import { lessonStartState, presetState, type PlayState } from '../../src/play/state.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { validateScenario } from '../../src/scenario/validate.ts';
import { makePlayProject } from './project.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const lesson = (name: string): Lesson => findLesson(name) as Lesson;

/** States that change the setup, one control each, across lessons. */
const STATES: ReadonlyArray<readonly [string, PlayState]> = [
  ['gc-pause: TTL 4 s', withTtl(lessonStartState(lesson('gc-pause')), 4_000)],
  ['gc-pause: 3 nodes, 50 ms network delay', withDelay(withNodeCount(lessonStartState(lesson('gc-pause')), 3), { kind: 'fixed', ms: 50 })],
  ['clock-drift: redis-1 at +5000 ppm, drift factor 0.03', withLockOption(withNodeDrift(lessonStartState(lesson('clock-drift')), 'redis-1', 5_000), 'driftFactor', 0.03)],
  ['clock-jump-partition: fencing on (no such variant)', withFencing(lessonStartState(lesson('clock-jump-partition')), true)],
  ['plain-del-release: Redlock over the one node, seed 4', withSeed(withAlgorithm(lessonStartState(lesson('plain-del-release')), 'redlock'), 4)],
  ['pause-in-flight: the validity check off, keeping the stopping clients', withLockOption(presetState(lesson('pause-in-flight'), 'redlock'), 'checkValidity', false)],
  ['control: single instance with a wall-clock validity, 5 s run', withDuration(withLockOption(presetState(lesson('control'), 'single-instance'), 'timeSource', 'wall'), 5_000)],
];

describe('a playground state as a scenario file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'locksim-play-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('literals evaluate to the values they were written from', async () => {
    const value = { a: -0, b: Infinity, c: 0.1 + 0.2, d: 1e21, e: 123_456_789, f: "it's \\ 'quoted'\n", g: [1, [2, { h: null }]], 'odd-key': true, u: undefined };
    const file = join(dir, 'literal.ts');
    writeFileSync(file, `export default ${literal(value)};\n`);
    const back = ((await import(pathToFileURL(file).href)) as { default: unknown }).default;
    const { u: _dropped, ...defined } = value;
    expect(back).toEqual(defined);
    expect(Object.is((back as { a: number }).a, -0)).toBe(true);
  });

  for (const [name, state] of STATES) {
    it(`${name}: needs a file, and the file's scenario is the one the page ran`, async () => {
      const outcome = await runPlay(state);
      if (!outcome.ok) throw new Error(outcome.error);
      expect(outcome.play.kind).toBe('file');
      const file = outcome.reproduction.file;
      if (file === undefined) throw new Error('no file offered');
      // The file's text with `locksim` pointing at this checkout's sources, imported here.
      const path = join(dir, `${name.replace(/\W+/g, '-')}.ts`);
      writeFileSync(path, file.text.replace("from 'locksim'", `from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))}`));
      const scenario = validateScenario(((await import(pathToFileURL(path).href)) as { default: Scenario }).default, path);
      const again = await runScenario(scenario, { seed: state.seed, variant: 'play' });
      expect(again.traceHash).toBe(outcome.result.traceHash);
      expect(again.verdict).toBe(outcome.result.verdict);
      expect(scenario.variants[0]?.expected).toBe(outcome.result.verdict === 'invalid' ? 'safe' : outcome.result.verdict);
      // The token names the file by its place in a project and its content hash.
      const token = decodeToken(outcome.reproduction.token);
      expect(token.scenario).toBe(`./${file.name}`);
      expect(token.file?.path).toBe(file.name);
      expect(token.seed).toBe(state.seed);
    });
  }

  it('replays on the command line from the saved file with the page\'s trace hash (replay and run), from a sub-folder too', async () => {
    const project = makePlayProject();
    try {
      for (const [name, state] of [STATES[0], STATES[3]] as const) {
        const outcome = await runPlay(state);
        if (!outcome.ok || outcome.reproduction.file === undefined) throw new Error(`${name}: no file`);
        const saved = project.write(outcome.reproduction.file.name, outcome.reproduction.file.text);
        expect(readFileSync(saved, 'utf8')).toBe(outcome.reproduction.file.text);
        const replay = project.cli(['replay', outcome.reproduction.token, '--json']);
        expect(replay.stderr, name).toBe('');
        const replayed = JSON.parse(replay.stdout) as { traceHash: string; verdict: string; token: string };
        expect(replayed.traceHash, name).toBe(outcome.result.traceHash);
        expect(replayed.verdict, name).toBe(outcome.result.verdict);
        // The command prints the page's own token back.
        expect(replayed.token, name).toBe(outcome.reproduction.token);
        const deeper = join(project.dir, 'src', 'deeper');
        mkdirSync(deeper, { recursive: true });
        const fromBelow = project.cli(['replay', outcome.reproduction.token, '--json'], deeper);
        expect(fromBelow.stderr, name).toBe('');
        expect((JSON.parse(fromBelow.stdout) as { traceHash: string }).traceHash, name).toBe(outcome.result.traceHash);
        const run = project.cli([...(outcome.reproduction.run as string).replace(/^npx locksim /, '').split(' '), '--json', '--no-reports']);
        expect(run.status, `${name}: ${run.stderr}`).toBe(0);
        expect((JSON.parse(run.stdout) as { traceHash: string }).traceHash, name).toBe(outcome.result.traceHash);
      }
      // A changed file replays with a warning, not silently.
      const outcome = await runPlay(STATES[0]?.[1] as PlayState);
      if (!outcome.ok || outcome.reproduction.file === undefined) throw new Error('no file');
      project.write(outcome.reproduction.file.name, outcome.reproduction.file.text.replace('ttlMs: 4000', 'ttlMs: 4500'));
      const changed = project.cli(['replay', outcome.reproduction.token, '--json']);
      expect(changed.stderr).toContain('has changed since the token was made');
    } finally {
      project.remove();
    }
  });
});
