import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { withLibrariesFrom } from '../libraries/resolve.ts';
import { importScenarioFile } from './import-file.ts';
import { isScenarioPath } from './locate.ts';
import type { Scenario } from './types.ts';
import { didYouMean, ScenarioError, validateScenario } from './validate.ts';

/**
 * Node 20 reports the error of a CommonJS module that fails inside an ES-module import twice: it
 * rejects the import (reported here, as bad input) and also raises the same error as an
 * unhandled rejection, which would print its stack and exit 1. That echo, and only it, is dropped.
 */
function swallowEchoes(error: unknown): void {
  const echo = (reason: unknown): boolean => reason === error || (reason instanceof Error && error instanceof Error && reason.message === error.message && (reason as NodeJS.ErrnoException).code === (error as NodeJS.ErrnoException).code);
  // Removed at the echo (no real timer here: loading is simulated code's neighbour, and the
  // determinism guard keeps real timers out of it); until then any other rejection is thrown on,
  // as Node would without a listener.
  const listener = (reason: unknown): void => {
    process.off('unhandledRejection', listener);
    if (echo(reason)) return;
    throw reason;
  };
  process.on('unhandledRejection', listener);
}

/** The catalog, loaded on first use (so that a user's own scenario file needs none of it). */
export async function loadCatalog(): Promise<readonly Scenario[]> {
  const module = (await import('../../scenarios/index.ts')) as { catalog: readonly Scenario[] };
  return module.catalog.map((s) => validateScenario(s, `scenarios/${s.name}.ts`));
}

/**
 * A scenario by catalog name (`gc-pause`) or by file path (`./my-scenario.ts`, a module whose
 * default export is the scenario, in an ES-module or a CommonJS project: src/scenario/import-file.ts).
 * Errors name what was wrong and what exists.
 */
export async function loadScenario(ref: string): Promise<Scenario> {
  if (!isScenarioPath(ref)) {
    const catalog = await loadCatalog();
    const found = catalog.find((s) => s.name === ref);
    if (found !== undefined) return found;
    const guess = didYouMean(ref, catalog.map((s) => s.name));
    throw new ScenarioError(ref, [`no scenario named '${ref}' in the catalog${guess === undefined ? '' : `; did you mean '${guess}'?`} (locksim list shows them all), and no file of that name`], 'scenario not found');
  }
  const path = resolve(ref);
  if (!existsSync(path)) throw new ScenarioError(ref, [`no file '${path}'`], 'scenario not found');
  let module: { default?: unknown };
  try {
    // A library adapter made in the file looks for its library from the file's folder first.
    module = await withLibrariesFrom(dirname(path), () => importScenarioFile(path));
  } catch (error) {
    swallowEchoes(error);
    throw new ScenarioError(ref, [`could not load the module: ${error instanceof Error ? error.message : String(error)}`], 'scenario could not be loaded');
  }
  if (module.default === undefined) throw new ScenarioError(ref, ['the module has no default export: add `export default scenario`']);
  return validateScenario(module.default, ref);
}
