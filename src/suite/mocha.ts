/**
 * A small mocha-compatible runner for a library's own test file inside a realm: the globals
 * `describe`/`context`, `it`/`specify`, `before`, `after`, `beforeEach`, `afterEach` (with
 * `.skip` and `.only`, and `xdescribe`/`xit`), tests and hooks that take a `done` callback,
 * return a promise, or are synchronous, `this.timeout(ms)` (default 2 000 ms, 0: none),
 * `this.skip()`, and an uncaught exception mapped to the test or hook that is running (as
 * mocha does through `process.on('uncaughtException')`). Time is the simulated process's: a
 * suite's sleeps and timeouts take no wall time.
 *
 * Semantics kept from mocha 8: `before` hooks run once before a suite's tests, `after` hooks
 * after them; `beforeEach` hooks run outermost first, `afterEach` innermost first; a failing
 * `before`/`beforeEach` hook skips the tests it guards (they are reported neither passed nor
 * failed, the hook is a failure, as mocha counts it); `done` called twice, or with a non-error,
 * is a failure; a test that times out fails with mocha's message and the run goes on.
 */
import type { Clock } from '../locks/interface.ts';

type Fn = (this: unknown, done?: (error?: unknown) => void) => unknown;

/** One test's outcome. */
export interface TestOutcome {
  /** `Suite title Nested title test title`, as mocha's `fullTitle()`. */
  readonly title: string;
  readonly state: 'passed' | 'failed' | 'pending';
  /** `Name: message` of the failure. */
  readonly error?: string;
  /** Simulated ms the test took. */
  readonly durationMs: number;
}

export interface SuiteReport {
  readonly tests: TestOutcome[];
  /** Failed hooks (mocha counts them as failures): `"before all" hook in "Suite"`. */
  readonly hookFailures: Array<{ readonly title: string; readonly error: string }>;
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
}

interface Hook {
  readonly kind: 'before all' | 'after all' | 'before each' | 'after each';
  readonly title: string;
  readonly fn: Fn;
}

interface Test {
  readonly title: string;
  readonly fn: Fn | null;
  readonly suite: Suite;
  readonly skipped: boolean;
  readonly only: boolean;
}

class Suite {
  readonly suites: Suite[] = [];
  readonly tests: Test[] = [];
  readonly hooks: Hook[] = [];
  timeoutMs: number | null = null;
  constructor(
    readonly title: string,
    readonly parent: Suite | null,
    readonly skipped: boolean,
    readonly only: boolean,
  ) {}

  get fullTitle(): string {
    return [this.parent?.fullTitle ?? '', this.title].filter((t) => t !== '').join(' ');
  }

  timeout(): number {
    return this.timeoutMs ?? this.parent?.timeout() ?? DEFAULT_TIMEOUT_MS;
  }

  hasOnly(): boolean {
    return this.only || this.tests.some((t) => t.only) || this.suites.some((s) => s.hasOnly());
  }
}

/** mocha's default per-test timeout. */
export const DEFAULT_TIMEOUT_MS = 2_000;

/** What the runner needs from the process it runs in. */
export interface MochaHost {
  /** The simulated process's clock (timeouts, durations). */
  readonly clock: Clock;
  /** An error of the realm (for messages the runner makes). */
  error(message: string): Error;
}

/** Thrown by `this.skip()`. */
class Pending {
  readonly pending = true;
}

function describe(error: unknown): string {
  if (error !== null && typeof error === 'object' && 'message' in error) {
    const name = (error as { name?: unknown }).name;
    return `${typeof name === 'string' && name !== '' ? name : 'Error'}: ${String((error as { message: unknown }).message)}`;
  }
  return `non-error thrown: ${String(error)}`;
}

export class MochaRunner {
  private readonly root = new Suite('', null, false, false);
  private current: Suite = this.root;
  /** Where an uncaught exception goes now (the running test or hook). */
  private onUncaught: ((error: unknown) => void) | null = null;
  private readonly strays: string[] = [];

  constructor(private readonly host: MochaHost) {}

  /** mocha's BDD globals, to install on the realm's global object before the file loads. */
  globals(): Record<string, unknown> {
    const suite = (skipped: boolean, only: boolean) =>
      (title: string, fn?: (this: unknown) => void): Suite => {
        const s = new Suite(String(title), this.current, skipped || this.current.skipped, only);
        this.current.suites.push(s);
        const parent = this.current;
        this.current = s;
        try {
          fn?.call({ timeout: (ms: number) => (s.timeoutMs = ms), slow: () => undefined, retries: () => undefined });
        } finally {
          this.current = parent;
        }
        return s;
      };
    const test = (skipped: boolean, only: boolean) => (title: string, fn?: Fn) => {
      const t: Test = { title: String(title), fn: fn ?? null, suite: this.current, skipped: skipped || this.current.skipped || fn === undefined, only };
      this.current.tests.push(t);
      return t;
    };
    const hook = (kind: Hook['kind']) => (titleOrFn: string | Fn, maybeFn?: Fn) => {
      const fn = typeof titleOrFn === 'function' ? titleOrFn : (maybeFn as Fn);
      const title = typeof titleOrFn === 'string' ? titleOrFn : fn?.name ?? '';
      this.current.hooks.push({ kind, title, fn });
    };
    const describeFn = Object.assign(suite(false, false), { skip: suite(true, false), only: suite(false, true) });
    const itFn = Object.assign(test(false, false), { skip: test(true, false), only: test(false, true) });
    return {
      describe: describeFn,
      context: describeFn,
      xdescribe: describeFn.skip,
      xcontext: describeFn.skip,
      it: itFn,
      specify: itFn,
      xit: itFn.skip,
      xspecify: itFn.skip,
      before: hook('before all'),
      after: hook('after all'),
      beforeEach: hook('before each'),
      afterEach: hook('after each'),
    };
  }

  /** For `process.on('uncaughtException')` of the realm: the error fails what is running. */
  uncaught(error: unknown): void {
    if (this.onUncaught !== null) this.onUncaught(error);
    else this.strays.push(describe(error));
  }

  /** Runs every collected suite in order. */
  async run(): Promise<SuiteReport> {
    const tests: TestOutcome[] = [];
    const hookFailures: Array<{ title: string; error: string }> = [];
    const only = this.root.hasOnly();
    await this.runSuite(this.root, only, tests, hookFailures);
    for (const stray of this.strays) hookFailures.push({ title: 'uncaught exception outside any test', error: stray });
    return {
      tests,
      hookFailures,
      passed: tests.filter((t) => t.state === 'passed').length,
      failed: tests.filter((t) => t.state === 'failed').length + hookFailures.length,
      pending: tests.filter((t) => t.state === 'pending').length,
    };
  }

  private async runSuite(suite: Suite, only: boolean, tests: TestOutcome[], hookFailures: Array<{ title: string; error: string }>): Promise<void> {
    const selected = (t: Test): boolean => !only || t.only || inOnly(t.suite);
    const inOnly = (s: Suite | null): boolean => s !== null && (s.only || inOnly(s.parent));
    const hasWork = (s: Suite): boolean => s.tests.some((t) => selected(t) && !t.skipped) || s.suites.some(hasWork);
    if (!hasWork(suite)) {
      for (const t of allTests(suite)) if (selected(t)) tests.push({ title: fullTitle(t), state: 'pending', durationMs: 0 });
      return;
    }
    const hookTitle = (h: Hook, t?: Test): string => `"${h.kind}" hook${h.title !== '' ? `: ${h.title}` : ''}${t !== undefined ? ` for "${t.title}"` : ` in "${suite.fullTitle}"`}`;
    for (const h of suite.hooks.filter((h) => h.kind === 'before all')) {
      const error = await this.runFn(h.fn, suite.timeout());
      if (error !== null && error !== 'pending') {
        hookFailures.push({ title: hookTitle(h), error });
        return;
      }
    }
    for (const t of suite.tests) {
      if (!selected(t)) continue;
      if (t.skipped || t.fn === null) {
        tests.push({ title: fullTitle(t), state: 'pending', durationMs: 0 });
        continue;
      }
      const started = this.host.clock.monotonic();
      let failedHook = false;
      for (const [s, h] of eachHooks(suite, 'before each')) {
        const error = await this.runFn(h.fn, s.timeout());
        if (error !== null && error !== 'pending') {
          hookFailures.push({ title: `"before each" hook for "${t.title}"`, error });
          failedHook = true;
          break;
        }
      }
      if (failedHook) return;
      const error = await this.runFn(t.fn, suite.timeout(), fullTitle(t));
      const durationMs = this.host.clock.monotonic() - started;
      tests.push(
        error === null
          ? { title: fullTitle(t), state: 'passed', durationMs }
          : error === 'pending'
            ? { title: fullTitle(t), state: 'pending', durationMs }
            : { title: fullTitle(t), state: 'failed', error, durationMs },
      );
      for (const [s, h] of eachHooks(suite, 'after each').reverse()) {
        const hookError = await this.runFn(h.fn, s.timeout());
        if (hookError !== null && hookError !== 'pending') {
          hookFailures.push({ title: `"after each" hook for "${t.title}"`, error: hookError });
          return;
        }
      }
    }
    for (const child of suite.suites) await this.runSuite(child, only, tests, hookFailures);
    for (const h of suite.hooks.filter((h) => h.kind === 'after all')) {
      const error = await this.runFn(h.fn, suite.timeout());
      if (error !== null && error !== 'pending') hookFailures.push({ title: hookTitle(h), error });
    }
  }

  /**
   * Runs a test or hook: with a `done` callback when it declares a parameter, else awaiting a
   * returned promise. Resolves with null (passed), 'pending' (`this.skip()`), or the failure.
   */
  private runFn(fn: Fn, timeoutMs: number, title = ''): Promise<string | null | 'pending'> {
    const { clock } = this.host;
    // A second done() in the same turn changes the outcome before the caller reads it.
    const late: { error: string | null; settled: boolean; title: string } = { error: null, settled: false, title };
    return new Promise<string | null | 'pending'>((resolve) => {
      let finished = false;
      let cancel: (() => void) | null = null;
      let timeout = timeoutMs;
      const finish = (outcome: string | null | 'pending'): void => {
        if (finished) return;
        finished = true;
        cancel?.();
        if (this.onUncaught === onUncaught) this.onUncaught = null;
        resolve(outcome);
      };
      const fail = (error: unknown): void => finish(error instanceof Pending ? 'pending' : describe(error));
      const arm = (): void => {
        cancel?.();
        cancel = null;
        if (timeout > 0) {
          cancel = clock.setTimer(timeout, () =>
            finish(`Error: Timeout of ${timeout}ms exceeded. For async tests and hooks, ensure "done()" is called; if returning a Promise, ensure it resolves.`),
          );
        }
      };
      const onUncaught = (error: unknown): void => fail(error);
      this.onUncaught = onUncaught;
      const context = {
        timeout: (ms?: number) => {
          if (ms === undefined) return timeout;
          timeout = ms;
          if (!finished) arm();
          return context;
        },
        slow: () => context,
        retries: () => context,
        skip: () => {
          throw new Pending();
        },
      };
      arm();
      try {
        if (fn.length > 0) {
          let calls = 0;
          fn.call(context, (error?: unknown) => {
            calls++;
            if (calls > 1) {
              // mocha fails the runnable that called done twice (a late call: outside any test).
              if (late.settled) this.strays.push(`Error: done() called multiple times in "${late.title}"`);
              else late.error = 'Error: done() called multiple times';
              return;
            }
            if (error === undefined || error === null) finish(null);
            else if (typeof error === 'object' && 'message' in error) fail(error);
            else fail(this.host.error(`done() invoked with non-Error: ${String(error)}`));
          });
        } else {
          const result = fn.call(context);
          if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
            (result as PromiseLike<unknown>).then(
              () => finish(null),
              (error: unknown) => fail(error ?? this.host.error('Promise rejected with no or falsy reason')),
            );
          } else finish(null);
        }
      } catch (error) {
        fail(error);
      }
    }).then((outcome) => {
      late.settled = true;
      return late.error ?? outcome;
    });
  }
}

function fullTitle(t: Test): string {
  return [t.suite.fullTitle, t.title].filter((s) => s !== '').join(' ');
}

function allTests(suite: Suite): Test[] {
  return [...suite.tests, ...suite.suites.flatMap(allTests)];
}

/** The `kind` hooks of `suite` and its ancestors, outermost first, with the suite that owns each. */
function eachHooks(suite: Suite, kind: Hook['kind']): Array<[Suite, Hook]> {
  const chain: Suite[] = [];
  for (let s: Suite | null = suite; s !== null; s = s.parent) chain.unshift(s);
  return chain.flatMap((s) => s.hooks.filter((h) => h.kind === kind).map((h): [Suite, Hook] => [s, h]));
}
