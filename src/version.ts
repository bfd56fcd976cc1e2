/**
 * locksim's version, as package.json says (test/version.test.ts keeps the two equal), and the
 * schema of the results it prints. A run is a pure function of (scenario, seed, version): replay
 * tokens and JSON results carry the version. A constant rather than a read of package.json, so
 * that the playground's browser bundle has it too.
 */
export const LOCKSIM_VERSION = '0.1.0';

/**
 * The schema of every result `run`, `replay`, `explore`, `sweep` and `real` print with `--json`
 * and `run` writes beside its HTML report (src/report/json.ts, docs/json.md). A change that
 * removes or renames a field, or changes what one means, takes the next number.
 */
export const RESULT_SCHEMA = 'locksim-result/1';
