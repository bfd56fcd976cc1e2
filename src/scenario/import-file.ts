/**
 * Importing a user's scenario file in whatever kind of project it sits: an ES-module project
 * ("type": "module") or a CommonJS one (npm init's default), as `.ts`, `.mts`, `.cts`, `.js`,
 * `.mjs` or `.cjs`, as vitest and tsx users expect.
 *
 * A file Node already loads as an ES module (`.mts`, `.mjs`, or `.ts`/`.js` in an ES-module
 * project) is imported as it is. A file written with `import`/`export` that Node would load as
 * CommonJS (`.ts`, `.js`, `.cts` in a CommonJS project) cannot be: requiring it runs into Node's
 * require(esm) cycle rule. Its text is compiled to an ES module (esbuild, as tsx does, with an
 * inline source map so errors point at the file's own lines) into a hidden file beside it, so its
 * relative imports and its node_modules resolve as they would for the file itself; that file is
 * imported and removed at once. The modules it imports load as they always do, and it shares
 * them (locksim's own included) with the command that loads it. A file written in CommonJS
 * (`module.exports = scenario`) is required as it is; it cannot require locksim (an ES module)
 * though, as Node 20 refuses require() of an ES module while a loader is registered, and the
 * error says to write it with import/export.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import { transform } from 'esbuild';
import { projectRoot } from './locate.ts';

/** The "type" of the package a file belongs to (its nearest package.json): 'module' or 'commonjs'. */
export function packageType(file: string): 'module' | 'commonjs' {
  const root = projectRoot(dirname(file));
  if (root === null) return 'commonjs';
  try {
    const type = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { type?: unknown }).type;
    return type === 'module' ? 'module' : 'commonjs';
  } catch {
    return 'commonjs';
  }
}

/** Whether Node loads `file` as an ES module by its extension and package. */
function loadsAsModule(file: string): boolean {
  const ext = extname(file);
  if (ext === '.mts' || ext === '.mjs') return true;
  if (ext === '.cts' || ext === '.cjs') return false;
  return packageType(file) === 'module';
}

/** `import` or `export` statements: the file is written as an ES module, whatever its extension says. */
const MODULE_SYNTAX = /^\s*(?:import\s*(?:[\w*{$]|type\b|["'])|export\s+(?:default\b|const\b|let\b|var\b|function\b|async\b|class\b|type\b|interface\b|enum\b|\{|\*))/m;

let serial = 0;

/** Imports a scenario file; resolves to its module namespace (`default` is the scenario). */
export async function importScenarioFile(file: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(file).href;
  if (loadsAsModule(file)) return (await import(url)) as { default?: unknown };
  const source = readFileSync(file, 'utf8');
  if (!MODULE_SYNTAX.test(source)) {
    try {
      return unwrapCommonJs((await import(url)) as { default?: unknown });
    } catch (error) {
      // Node 20 cannot require() an ES module (locksim is one) while a module loader (tsx, for
      // TypeScript files) is registered: the error it gives ("request for … is not in cache") says nothing of that.
      const message = error instanceof Error ? error.message : String(error);
      if (/is not in cache|ERR_REQUIRE_ESM|require\(\) of ES Module|Cannot require\(\) ES Module/.test(message)) {
        throw new Error(`${message}: a scenario file written in CommonJS (require, module.exports) cannot require locksim, an ES module, under the locksim command; write it with import and export default (any extension: .ts, .cts, .js, in any project)`);
      }
      throw error;
    }
  }
  const ext = extname(file);
  const loader = ext === '.ts' || ext === '.cts' || ext === '.mts' ? 'ts' : 'js';
  const compiled = await transform(source, { loader, format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file, tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false } } });
  const hidden = join(dirname(file), `.${basename(file)}.locksim-${process.pid}-${threadId}-${++serial}.mjs`);
  writeFileSync(hidden, compiled.code);
  try {
    return (await import(pathToFileURL(hidden).href)) as { default?: unknown };
  } finally {
    rmSync(hidden, { force: true });
  }
}

/** A CommonJS file's `module.exports` (or its `exports.default`, as TypeScript writes it). */
function unwrapCommonJs(module: { default?: unknown }): { default?: unknown } {
  const exported = module.default as Record<string, unknown> | undefined;
  if (typeof exported === 'object' && exported !== null && 'default' in exported && !('name' in exported)) return { default: exported.default };
  return module;
}
