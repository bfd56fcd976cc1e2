/**
 * The mocha-compatible runner (src/suite/mocha.ts) keeps mocha's semantics that a library's own
 * suite relies on: hook order, done callbacks and promises, timeouts in simulated time,
 * `this.timeout`, `this.skip`, `.only`, a failing hook skipping what it guards, an uncaught
 * exception failing the running test, done() called twice.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLibrarySuite, type LibrarySuiteReport } from '../../src/suite/library-suite.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'locksim-mocha-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let serial = 0;
async function run(source: string): Promise<LibrarySuiteReport> {
  const file = join(dir, `suite-${++serial}.js`);
  writeFileSync(file, source);
  return runLibrarySuite({ file });
}

const states = (r: LibrarySuiteReport) => Object.fromEntries(r.tests.map((t) => [t.title, t.error === undefined ? t.state : `${t.state}: ${t.error}`]));

describe('the mocha-compatible runner', () => {
  it('runs hooks in mocha order around each test', async () => {
    const r = await run(`
      const log = [];
      describe('outer', function () {
        before(() => log.push('before outer'));
        beforeEach(() => log.push('beforeEach outer'));
        afterEach(() => log.push('afterEach outer'));
        after(() => log.push('after outer'));
        it('a', () => log.push('a'));
        describe('inner', function () {
          beforeEach(() => log.push('beforeEach inner'));
          afterEach(() => log.push('afterEach inner'));
          it('b', () => log.push('b'));
        });
      });
      describe('check', () => it('order', () => {
        const expected = ['before outer', 'beforeEach outer', 'a', 'afterEach outer', 'beforeEach outer', 'beforeEach inner', 'b', 'afterEach inner', 'afterEach outer', 'after outer'];
        if (JSON.stringify(log) !== JSON.stringify(expected)) throw new Error(JSON.stringify(log));
      }));
    `);
    expect(states(r)).toEqual({ 'outer a': 'passed', 'outer inner b': 'passed', 'check order': 'passed' });
  });

  it('done callbacks, promises and sync tests; failures carry their messages', async () => {
    const r = await run(`
      describe('s', () => {
        it('done later', (done) => setTimeout(done, 1500));
        it('done with an error', (done) => setTimeout(() => done(new Error('boom')), 10));
        it('promise', () => new Promise((resolve) => setTimeout(resolve, 100)));
        it('rejected promise', () => Promise.reject(new TypeError('nope')));
        it('throws', () => { throw new RangeError('sync'); });
        it('uncaught in a callback', (done) => setTimeout(() => { throw new Error('from a timer'); }, 5));
        it('done twice', (done) => { done(); done(); });
        it('after done twice', () => {});
      });
    `);
    expect(states(r)).toEqual({
      's done later': 'passed',
      's done with an error': 'failed: Error: boom',
      's promise': 'passed',
      's rejected promise': 'failed: TypeError: nope',
      's throws': 'failed: RangeError: sync',
      's uncaught in a callback': 'failed: Error: from a timer',
      's done twice': 'failed: Error: done() called multiple times',
      's after done twice': 'passed',
    });
  });

  it('times out in simulated time with mocha message; this.timeout changes it; a describe can set it', async () => {
    const r = await run(`
      describe('t', function () {
        it('never calls done', (done) => {});
        it('slow but allowed', function (done) { this.timeout(5000); setTimeout(done, 4000); });
        describe('suite timeout', function () {
          this.timeout(100);
          it('too slow for the suite', () => new Promise((resolve) => setTimeout(resolve, 200)));
        });
      });
    `);
    expect(states(r)).toEqual({
      't never calls done': 'failed: Error: Timeout of 2000ms exceeded. For async tests and hooks, ensure "done()" is called; if returning a Promise, ensure it resolves.',
      't slow but allowed': 'passed',
      't suite timeout too slow for the suite': 'failed: Error: Timeout of 100ms exceeded. For async tests and hooks, ensure "done()" is called; if returning a Promise, ensure it resolves.',
    });
    // 2 s + 4 s + 0.1 s of simulated time, no wall time.
    expect(r.simulatedMs).toBeGreaterThan(6_000);
  });

  it('a failing before hook skips its suite and counts as a failure; skip and only', async () => {
    const r = await run(`
      describe('guarded', () => {
        before((done) => done(new Error('set-up failed')));
        it('never runs', () => {});
      });
      describe('skips', () => {
        it.skip('skipped', () => {});
        it('pending (no function)');
        it('skips itself', function () { this.skip(); });
        xit('x', () => {});
      });
    `);
    expect(r.hookFailures).toEqual([{ title: '"before all" hook in "guarded"', error: 'Error: set-up failed' }]);
    expect(states(r)).toEqual({ 'skips skipped': 'pending', 'skips pending (no function)': 'pending', 'skips skips itself': 'pending', 'skips x': 'pending' });
    expect([r.passed, r.failed, r.pending]).toEqual([0, 1, 4]);
    const only = await run(`
      describe('a', () => { it('not this', () => {}); it.only('this', () => {}); });
      describe('b', () => { it('nor this', () => {}); });
    `);
    expect(only.tests.filter((t) => t.state === 'passed').map((t) => t.title)).toEqual(['a this']);
  });
});
