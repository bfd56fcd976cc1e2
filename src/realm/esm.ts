/**
 * ES modules in a realm: each module is turned into CommonJS at load time with esbuild's
 * `transformSync` (the same transform tsx applies to locksim's own sources) and then runs in the
 * realm as the loader runs CommonJS, on the realm's simulated globals. `node:vm`'s
 * `SourceTextModule` would keep true ES-module semantics but needs `--experimental-vm-modules`.
 *
 * What the transform keeps of Node's semantics:
 * - `import x from 'cjs'` gives `module.exports` (Node's interop, even for `__esModule` modules);
 *   `import x from './esm.js'` gives that module's `export default` (see {@link INTEROP}).
 * - `import.meta.url`, `.filename`, `.dirname`, `.resolve()` of the file.
 * - `await import('x')` becomes a `require` in a promise of the realm (same module graph).
 * - Strict mode, and `this` at top level is `undefined`.
 * What it does not: live bindings of `export let` reassigned later are read through getters
 * (they stay live), but a cycle between ES modules sees a partly filled namespace, as with
 * CommonJS. Top-level `await` cannot be expressed in CommonJS and is an error naming the file.
 */
import { transformSync } from 'esbuild';

/** The parameters an ES module's wrapper takes beyond CommonJS's. */
export const ESM_WRAPPER_PARAMS = '__locksim_import_meta, __locksim_is_esm';

/**
 * esbuild's `__toESM(mod, isNodeMode)` sets `default` to `module.exports` in node mode, also for
 * a module that was itself an ES module turned into CommonJS (whose `default` is its own
 * `export default`). The loader knows which modules were ES modules: the helper asks it.
 */
const INTEROP = 'isNodeMode || !mod || !mod.__esModule';
const INTEROP_FIXED = 'isNodeMode && !__locksim_is_esm(mod) || !mod || !mod.__esModule';

/** The CommonJS body for the ES module `source` of `filename`; throws a message naming the file. */
export function esmToCommonJs(filename: string, source: string): string {
  let code: string;
  try {
    code = transformSync(source, {
      format: 'cjs',
      loader: 'js',
      platform: 'node',
      target: 'node20',
      // `.mjs` puts esbuild's interop in node mode (a default import of CommonJS is module.exports).
      sourcefile: filename.endsWith('.mjs') ? filename : `${filename}#.mjs`,
      supported: { 'dynamic-import': false },
      define: { 'import.meta': '__locksim_import_meta' },
      logLevel: 'silent',
    }).code;
  } catch (error) {
    const first = (error as { errors?: Array<{ text: string; location?: { line: number; column: number } | null }> }).errors?.[0];
    const where = first?.location ? `:${first.location.line}:${first.location.column}` : '';
    throw new Error(`'${filename}${where}' is an ES module the locksim realm could not turn into CommonJS: ${first?.text ?? String(error)}`);
  }
  if (code.includes('__toESM(')) {
    if (!code.includes(INTEROP)) {
      throw new Error(`'${filename}': esbuild's ES-module interop helper is not the one locksim adapts (esbuild version changed?)`);
    }
    code = code.replace(INTEROP, INTEROP_FIXED);
  }
  return `"use strict";${code}`;
}
