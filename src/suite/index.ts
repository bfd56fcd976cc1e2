/**
 * `locksim/suite`: run a library's own mocha test file, unmodified, against simulated nodes in
 * simulated time (library-suite.ts), with a small mocha-compatible runner (mocha.ts).
 */
export { runLibrarySuite, formatSuiteReport, type LibrarySuiteOptions, type LibrarySuiteReport } from './library-suite.ts';
export { MochaRunner, DEFAULT_TIMEOUT_MS, type SuiteReport, type TestOutcome, type MochaHost } from './mocha.ts';
