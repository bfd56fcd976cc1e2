/**
 * A small CommonJS loader for a realm: `require` resolved relative to the requiring file, as
 * Node does it for CommonJS.
 *
 * - `./x`, `../x`, `/x`: the file, or with `.js`, `.json`, `.cjs` added, or the folder's
 *   `package.json` `main`, or its `index.js` / `index.json`.
 * - `pkg`, `pkg/sub`, `@scope/pkg`: looked for in `node_modules` of the requiring file's folder
 *   and every folder above it (a module is known by its real path, symbolic links resolved, as
 *   in Node: a package pnpm links in finds its own dependencies); inside the package, `exports` (conditions `require`, `node`,
 *   `default`, in the order the package lists them; subpath patterns with `*`) or else `main`.
 * - `node:x` and Node's builtin names: the realm's builtins (builtins.ts).
 * - `.json` files are parsed with the realm's own `JSON`.
 * - ES modules (`.mjs`, or `.js` under `"type": "module"`) are turned into CommonJS at load time
 *   (esm.ts) and run like it; a CommonJS `require` of one gets its namespace (`default` and the
 *   named exports), as Node 22's `require(esm)` does. An ES module's own imports resolve with the
 *   conditions `import`, `node`, `default`; a `require` takes `require`, `node`, `default`, and
 *   falls back to `import` for a package that publishes ES modules only. `#internal` specifiers
 *   resolve through the package's `imports`.
 * - `fs` (and `fs/promises`) is a read-only file system confined to the requiring module's own
 *   package folder (fs.ts); `module` offers `createRequire`, `builtinModules` and `isBuiltin`.
 *
 * Files are compiled once per process of the host (a `vm.Script` is not bound to a context) and
 * run once per realm, so a fresh realm per simulated process costs a context and a module
 * evaluation, not a compilation.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { RealmBuiltins } from './builtins.ts';
import { ESM_WRAPPER_PARAMS, esmToCommonJs } from './esm.ts';
import { confinedFs } from './fs.ts';

/** What the loader needs from its realm. */
export interface LoaderHost {
  readonly context: vm.Context;
  readonly builtins: RealmBuiltins;
  /** A plain object of the realm (so `module.exports instanceof Object` holds inside). */
  object(): Record<string, unknown>;
  /** Parses JSON with the realm's `JSON`. */
  parseJson(text: string): unknown;
  /** Builds an error with the realm's `Error`. */
  error(message: string, code?: string): Error;
  /** The realm's `Promise` (for `fs.promises`). */
  readonly Promise: PromiseConstructor;
  /** An array of the realm. */
  array<T>(items: readonly T[]): T[];
  /** A `Date` of the realm at `ms` since the epoch. */
  date(ms: number): Date;
  /** Queues a callback on a simulated 0 ms timer (fs callbacks). */
  later(callback: () => void): void;
  /** A module given to the realm for this exact specifier (Realm.provide), if any. */
  provided?(specifier: string): { exports: unknown } | undefined;
}

/** How a module asks for another: `require` (CommonJS) or `import` (an ES module's imports). */
export type ResolveMode = 'require' | 'import';

/** A CommonJS module record, as `module` inside the module. */
export interface CjsModule {
  id: string;
  filename: string;
  path: string;
  exports: unknown;
  loaded: boolean;
  children: CjsModule[];
  parent: CjsModule | null;
  paths: string[];
  require: (id: string) => unknown;
}

interface LoadedModule extends CjsModule {
  /** An ES module turned into CommonJS. */
  esm: boolean;
}

const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const ESM_WRAPPER_HEAD = `(function (exports, require, module, __filename, __dirname, ${ESM_WRAPPER_PARAMS}) {`;
const WRAPPER_TAIL = '\n})';

// Caches shared by every realm of this host process: file kinds, package.json contents, compiled scripts.
const kinds = new Map<string, 'file' | 'dir' | null>();
const packageJsons = new Map<string, PackageJson | null>();
const scripts = new Map<string, vm.Script>();
const realPaths = new Map<string, string>();
const resolutions = new Map<string, string>();
const modulePaths = new Map<string, readonly string[]>();

interface PackageJson {
  readonly name?: string;
  readonly main?: string;
  readonly type?: string;
  readonly exports?: unknown;
  readonly imports?: unknown;
}

function kind(path: string): 'file' | 'dir' | null {
  let k = kinds.get(path);
  if (k === undefined) {
    try {
      const s = statSync(path);
      k = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : null;
    } catch {
      k = null;
    }
    kinds.set(path, k);
  }
  return k;
}

/**
 * A module's real path, as Node names it (without `--preserve-symlinks`): a package linked in
 * from elsewhere (pnpm's `node_modules/pkg` → `.pnpm/pkg@1/node_modules/pkg`, `npm link`) then
 * finds its own dependencies beside its real folder.
 */
function realPath(path: string): string {
  let real = realPaths.get(path);
  if (real === undefined) {
    real = realpathSync(path);
    realPaths.set(path, real);
  }
  return real;
}

function packageJson(dir: string): PackageJson | null {
  let p = packageJsons.get(dir);
  if (p === undefined) {
    const file = join(dir, 'package.json');
    p = kind(file) === 'file' ? (JSON.parse(readFileSync(file, 'utf8')) as PackageJson) : null;
    packageJsons.set(dir, p);
  }
  return p;
}

/** The nearest package.json above `file` that says something about the module type. */
function moduleType(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const p = packageJson(dir);
    if (p !== null && (p.type !== undefined || p.name !== undefined)) return p.type;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Whether `filename` is an ES module as Node decides it: `.mjs`, or `.js` under `"type": "module"`. */
function isEsModule(filename: string): boolean {
  return filename.endsWith('.mjs') || (filename.endsWith('.js') && moduleType(filename) === 'module');
}

function compiled(filename: string, esm: boolean): vm.Script {
  let script = scripts.get(filename);
  if (script === undefined) {
    const source = readFileSync(filename, 'utf8').replace(/^#!.*/, '');
    script = esm
      ? new vm.Script(ESM_WRAPPER_HEAD + esmToCommonJs(filename, source) + WRAPPER_TAIL, { filename })
      : new vm.Script(WRAPPER_HEAD + source + WRAPPER_TAIL, { filename });
    scripts.set(filename, script);
  }
  return script;
}

/**
 * The folder of the package `file` belongs to: `…/node_modules/pkg` (or `@scope/pkg`) if it is
 * inside one, else the nearest folder above it whose package.json has a name, else its folder.
 */
export function packageRoot(file: string): string {
  const parts = file.split(sep);
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) {
    const length = parts[at + 1]?.startsWith('@') ? 2 : 1;
    if (at + length < parts.length - 1) return parts.slice(0, at + 1 + length).join(sep);
  }
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (packageJson(dir)?.name !== undefined) return dir;
    if (dirname(dir) === dir) return dirname(file);
  }
}

const FS_NAMES = new Set(['fs', 'fs/promises']);

export class CommonJsLoader {
  private readonly cache = new Map<string, LoadedModule>();
  /** The exports of modules that were ES modules (for esbuild's interop helper). */
  private readonly esmExports = new WeakSet<object>();
  /** One confined `fs` per package folder. */
  private readonly fsByRoot = new Map<string, Record<string, unknown>>();
  private moduleBuiltin: Record<string, unknown> | undefined;

  constructor(private readonly host: LoaderHost) {}

  /**
   * `require(specifier)` as a file in `fromDir` would call it (`mode` `import` for an ES module's
   * imports). `parent` is the requiring module (null from the host: the host gets no `fs`).
   */
  require(specifier: string, fromDir: string, parent: CjsModule | null = null, mode: ResolveMode = 'require'): unknown {
    const given = this.host.provided?.(specifier);
    if (given !== undefined) return given.exports;
    if (RealmBuiltins.isBuiltin(specifier)) {
      const name = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
      if (FS_NAMES.has(name)) {
        if (parent === null) throw this.host.error(`'${specifier}' inside a locksim realm is given to a package's own modules only (read-only, confined to its folder)`, 'ERR_LOCKSIM_REALM_FS');
        const fs = this.fsOf(packageRoot(parent.filename));
        return name === 'fs' ? fs : fs['promises'];
      }
      if (name === 'module') return this.moduleShim();
      const builtin = this.host.builtins.get(specifier);
      if (builtin === undefined) throw this.host.error(`No such built-in module: ${specifier} (not offered inside a locksim realm)`, 'ERR_UNKNOWN_BUILTIN_MODULE');
      return builtin;
    }
    const filename = this.resolve(specifier, fromDir, mode);
    const cached = this.cache.get(filename);
    if (cached !== undefined) return cached.exports;
    return this.load(filename, parent).exports;
  }

  /** The file `specifier` names from `fromDir` (`require.resolve`, or an ES module's import with `mode` `import`). */
  resolve(specifier: string, fromDir: string, mode: ResolveMode = 'require'): string {
    // A resolution is a function of the (read-only) files alone: every realm of the process shares them.
    const key = `${mode}\u0000${fromDir}\u0000${specifier}`;
    const known = resolutions.get(key);
    if (known !== undefined) return known;
    const found = this.resolveUncached(specifier, fromDir, mode);
    resolutions.set(key, found);
    return found;
  }

  private resolveUncached(specifier: string, fromDir: string, mode: ResolveMode): string {
    let found: string | null;
    if (specifier.startsWith('file:')) specifier = fileURLToPath(specifier);
    if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..' || isAbsolute(specifier)) {
      const target = resolvePath(fromDir, specifier);
      found = this.asFile(target) ?? this.asDirectory(target);
    } else if (specifier.startsWith('#')) {
      found = this.fromImports(specifier, fromDir, mode);
    } else {
      found = this.fromNodeModules(specifier, fromDir, mode);
    }
    if (found === null) {
      throw this.host.error(`Cannot find module '${specifier}' from '${fromDir}' (locksim realm loader)`, 'MODULE_NOT_FOUND');
    }
    return realPath(found);
  }

  private fsOf(root: string): Record<string, unknown> {
    let fs = this.fsByRoot.get(root);
    if (fs === undefined) {
      fs = confinedFs(root, this.host);
      this.fsByRoot.set(root, fs);
    }
    return fs;
  }

  /** `module`: `createRequire` (from a path or file URL), `builtinModules`, `isBuiltin`. */
  private moduleShim(): Record<string, unknown> {
    if (this.moduleBuiltin === undefined) {
      const shim = this.host.object();
      Object.assign(shim, {
        createRequire: (from: string | URL) => {
          const filename = String(from instanceof URL ? from.href : from).startsWith('file:') ? fileURLToPath(String(from instanceof URL ? from.href : from)) : String(from);
          const module = this.record(filename, null);
          return this.requireFunction(module, 'require');
        },
        builtinModules: this.host.array(['events', 'buffer', 'path', 'string_decoder', 'url', 'querystring', 'async_hooks', 'assert', 'crypto', 'util', 'timers', 'perf_hooks', 'tty', 'os', 'fs', 'module']),
        isBuiltin: (id: string) => RealmBuiltins.isBuiltin(String(id)),
      });
      this.moduleBuiltin = shim;
    }
    return this.moduleBuiltin;
  }

  /** Whether `exports` are those of a module that was an ES module. */
  private isEsmExports(exports: unknown): boolean {
    if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return false;
    if (this.esmExports.has(exports)) return true;
    // A module still loading (a cycle) is in the cache but not yet in the set.
    for (const m of this.cache.values()) if (m.esm && m.exports === exports) return true;
    return false;
  }

  private record(filename: string, parent: CjsModule | null): LoadedModule {
    const dir = dirname(filename);
    return {
      id: filename,
      filename,
      path: dir,
      exports: this.host.object(),
      loaded: false,
      children: [],
      parent,
      paths: cachedModulePaths(dir),
      require: undefined as unknown as (id: string) => unknown,
      esm: false,
    };
  }

  private requireFunction(module: LoadedModule, mode: ResolveMode): (id: string) => unknown {
    const dir = module.path;
    const require = Object.assign((id: string) => this.require(String(id), dir, module, mode), {
      resolve: (id: string) => (RealmBuiltins.isBuiltin(id) || this.host.provided?.(id) !== undefined ? id : this.resolve(id, dir, mode)),
      main: undefined,
      extensions: { '.js': null, '.json': null, '.cjs': null },
    });
    // `require.cache`: the modules loaded so far, made when first read (almost never: a copy per
    // module, made eagerly, cost a realm time quadratic in its number of modules).
    let cache: Record<string, LoadedModule> | undefined;
    Object.defineProperty(require, 'cache', {
      get: () => (cache ??= Object.fromEntries([...this.cache].map(([k, m]) => [k, m]))),
      set: (value: Record<string, LoadedModule>) => {
        cache = value;
      },
      enumerable: true,
      configurable: true,
    });
    module.require = require;
    return require;
  }

  private load(filename: string, parent: CjsModule | null): CjsModule {
    const dir = dirname(filename);
    const esm = !filename.endsWith('.json') && isEsModule(filename);
    const module = this.record(filename, parent);
    module.esm = esm;
    const require = this.requireFunction(module, esm ? 'import' : 'require');
    parent?.children.push(module);
    this.cache.set(filename, module);
    try {
      if (filename.endsWith('.json')) {
        module.exports = this.host.parseJson(readFileSync(filename, 'utf8'));
      } else if (esm) {
        const meta = this.host.object();
        Object.assign(meta, {
          url: pathToFileURL(filename).href,
          filename,
          dirname: dir,
          resolve: (specifier: string) => pathToFileURL(this.resolve(String(specifier), dir, 'import')).href,
        });
        const isEsm = (exports: unknown) => this.isEsmExports(exports);
        let script: vm.Script;
        try {
          script = compiled(filename, true);
        } catch (error) {
          // esbuild's message, as an error of the realm.
          throw this.host.error(error instanceof Error ? error.message : String(error), 'ERR_LOCKSIM_ESM');
        }
        const wrapper = script.runInContext(this.host.context) as (...args: unknown[]) => unknown;
        wrapper.call(undefined, module.exports, require, module, filename, dir, meta, isEsm);
        if (module.exports !== null && typeof module.exports === 'object') this.esmExports.add(module.exports);
      } else {
        const wrapper = compiled(filename, false).runInContext(this.host.context) as (...args: unknown[]) => unknown;
        wrapper.call(module.exports, module.exports, require, module, filename, dir);
      }
      module.loaded = true;
    } catch (error) {
      this.cache.delete(filename);
      throw error;
    }
    return module;
  }

  private asFile(path: string): string | null {
    if (kind(path) === 'file') return path;
    for (const ext of ['.js', '.json', '.cjs']) if (kind(path + ext) === 'file') return path + ext;
    return null;
  }

  private asDirectory(dir: string): string | null {
    if (kind(dir) !== 'dir') return null;
    const p = packageJson(dir);
    if (p?.main !== undefined) {
      const main = resolvePath(dir, p.main);
      const found = this.asFile(main) ?? this.asIndex(main);
      if (found !== null) return found;
    }
    return this.asIndex(dir);
  }

  private asIndex(dir: string): string | null {
    for (const index of ['index.js', 'index.json', 'index.cjs']) if (kind(join(dir, index)) === 'file') return join(dir, index);
    return null;
  }

  /** `#name` through the `imports` of the nearest package.json above `fromDir`. */
  private fromImports(specifier: string, fromDir: string, mode: ResolveMode): string | null {
    for (let dir = resolvePath(fromDir); ; dir = dirname(dir)) {
      const p = packageJson(dir);
      if (p !== null && (p.name !== undefined || p.imports !== undefined)) {
        const map = typeof p.imports === 'object' && p.imports !== null ? (p.imports as Record<string, unknown>) : {};
        const target = resolveMap(map, specifier, conditionsOf(mode)) ?? (mode === 'require' ? resolveMap(map, specifier, IMPORT_CONDITIONS) : null);
        if (target === null) throw this.host.error(`Package import specifier '${specifier}' is not defined in ${join(dir, 'package.json')}`, 'ERR_PACKAGE_IMPORT_NOT_DEFINED');
        if (target.startsWith('./')) return this.asFile(resolvePath(dir, target));
        return this.fromNodeModules(target, dir, mode);
      }
      if (dirname(dir) === dir) return null;
    }
  }

  private fromNodeModules(specifier: string, fromDir: string, mode: ResolveMode): string | null {
    const parts = specifier.split('/');
    const nameLength = specifier.startsWith('@') ? 2 : 1;
    const name = parts.slice(0, nameLength).join('/');
    const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join('/')}` : '.';
    for (const modules of nodeModulePaths(fromDir)) {
      const pkgDir = join(modules, name);
      if (kind(pkgDir) !== 'dir') continue;
      const p = packageJson(pkgDir);
      if (p?.exports !== undefined && p.exports !== null) {
        // A `require` of a package that publishes ES modules only takes its `import` entry.
        const target = resolveExports(p.exports, subpath, conditionsOf(mode)) ?? (mode === 'require' ? resolveExports(p.exports, subpath, IMPORT_CONDITIONS) : null);
        if (target === null) {
          throw this.host.error(`Package subpath '${subpath}' is not defined by "exports" in ${join(pkgDir, 'package.json')}`, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
        }
        const file = resolvePath(pkgDir, target);
        if (kind(file) === 'file') return file;
        return null;
      }
      const target = subpath === '.' ? pkgDir : join(pkgDir, subpath);
      const found = subpath === '.' ? this.asDirectory(target) : (this.asFile(target) ?? this.asDirectory(target));
      if (found !== null) return found;
    }
    return null;
  }
}

/** Node's lookup list: `node_modules` in `dir` and every folder above it. */
/** {@link nodeModulePaths}, computed once per folder (each module gets its own copy: `module.paths` is mutable). */
function cachedModulePaths(dir: string): string[] {
  let paths = modulePaths.get(dir);
  if (paths === undefined) {
    paths = nodeModulePaths(dir);
    modulePaths.set(dir, paths);
  }
  return [...paths];
}

function nodeModulePaths(dir: string): string[] {
  const paths: string[] = [];
  for (let d = resolvePath(dir); ; d = dirname(d)) {
    if (!d.endsWith(`${sep}node_modules`)) paths.push(join(d, 'node_modules'));
    if (dirname(d) === d) return paths;
  }
}

/** The conditions Node matches for a CommonJS `require`. */
export const REQUIRE_CONDITIONS: ReadonlySet<string> = new Set(['require', 'node', 'default', 'node-addons']);
/** The conditions Node matches for an ES module's `import`. */
export const IMPORT_CONDITIONS: ReadonlySet<string> = new Set(['import', 'node', 'default', 'node-addons']);

const conditionsOf = (mode: ResolveMode): ReadonlySet<string> => (mode === 'import' ? IMPORT_CONDITIONS : REQUIRE_CONDITIONS);

/**
 * Resolves a package's `exports` for `subpath` ('.' or './x') under `conditions` (default:
 * CommonJS's); null if not exported.
 */
export function resolveExports(exportsField: unknown, subpath: string, conditions: ReadonlySet<string> = REQUIRE_CONDITIONS): string | null {
  let map: Record<string, unknown>;
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) map = { '.': exportsField };
  else if (typeof exportsField === 'object' && exportsField !== null) {
    const keys = Object.keys(exportsField);
    map = keys.length > 0 && !keys[0]!.startsWith('.') ? { '.': exportsField } : (exportsField as Record<string, unknown>);
  } else return null;
  return resolveMap(map, subpath, conditions);
}

/** `subpath` in an `exports` or `imports` map (exact keys, then `*` patterns) under `conditions`. */
function resolveMap(map: Record<string, unknown>, subpath: string, conditions: ReadonlySet<string>): string | null {
  if (Object.hasOwn(map, subpath)) return target(map[subpath], null, conditions);
  // Subpath patterns: "./lib/*": "./dist/*.js"; the longest matching prefix wins.
  let best: { key: string; match: string } | null = null;
  for (const key of Object.keys(map)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      if (best === null || prefix.length > best.key.indexOf('*')) best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  return best === null ? null : target(map[best.key], best.match, conditions);
}

function target(value: unknown, match: string | null, conditions: ReadonlySet<string>): string | null {
  if (typeof value === 'string') return match === null ? value : value.split('*').join(match);
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = target(v, match, conditions);
      if (t !== null) return t;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [condition, v] of Object.entries(value)) {
      if (!conditions.has(condition)) continue;
      const t = target(v, match, conditions);
      if (t !== null) return t;
    }
  }
  return null;
}
