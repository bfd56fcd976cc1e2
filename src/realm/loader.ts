/**
 * A small CommonJS loader for a realm: `require` resolved relative to the requiring file, as
 * Node does it for CommonJS.
 *
 * - `./x`, `../x`, `/x`: the file, or with `.js`, `.json`, `.cjs` added, or the folder's
 *   `package.json` `main`, or its `index.js` / `index.json`.
 * - `pkg`, `pkg/sub`, `@scope/pkg`: looked for in `node_modules` of the requiring file's folder
 *   and every folder above it; inside the package, `exports` (conditions `require`, `node`,
 *   `default`, in the order the package lists them; subpath patterns with `*`) or else `main`.
 * - `node:x` and Node's builtin names: the realm's builtins (builtins.ts).
 * - `.json` files are parsed with the realm's own `JSON`.
 * - ES modules (`.mjs`, or `.js` under `"type": "module"`) are refused with an error saying so:
 *   the loader runs CommonJS only (most libraries publish a CommonJS entry under `require`).
 *
 * Files are compiled once per process of the host (a `vm.Script` is not bound to a context) and
 * run once per realm, so a fresh realm per simulated process costs a context and a module
 * evaluation, not a compilation.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve as resolvePath, sep } from 'node:path';
import vm from 'node:vm';
import { RealmBuiltins } from './builtins.ts';

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
}

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

const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAPPER_TAIL = '\n})';

// Caches shared by every realm of this host process: file kinds, package.json contents, compiled scripts.
const kinds = new Map<string, 'file' | 'dir' | null>();
const packageJsons = new Map<string, PackageJson | null>();
const scripts = new Map<string, vm.Script>();

interface PackageJson {
  readonly name?: string;
  readonly main?: string;
  readonly type?: string;
  readonly exports?: unknown;
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

function compiled(filename: string): vm.Script {
  let script = scripts.get(filename);
  if (script === undefined) {
    const source = readFileSync(filename, 'utf8').replace(/^#!.*/, '');
    script = new vm.Script(WRAPPER_HEAD + source + WRAPPER_TAIL, { filename });
    scripts.set(filename, script);
  }
  return script;
}

export class CommonJsLoader {
  private readonly cache = new Map<string, CjsModule>();

  constructor(private readonly host: LoaderHost) {}

  /** `require(specifier)` as a file in `fromDir` would call it. */
  require(specifier: string, fromDir: string, parent: CjsModule | null = null): unknown {
    if (RealmBuiltins.isBuiltin(specifier)) {
      const builtin = this.host.builtins.get(specifier);
      if (builtin === undefined) throw this.host.error(`No such built-in module: ${specifier} (not offered inside a locksim realm)`, 'ERR_UNKNOWN_BUILTIN_MODULE');
      return builtin;
    }
    const filename = this.resolve(specifier, fromDir);
    const cached = this.cache.get(filename);
    if (cached !== undefined) return cached.exports;
    return this.load(filename, parent).exports;
  }

  /** The file `specifier` names from `fromDir` (`require.resolve`). */
  resolve(specifier: string, fromDir: string): string {
    let found: string | null;
    if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..' || isAbsolute(specifier)) {
      const target = resolvePath(fromDir, specifier);
      found = this.asFile(target) ?? this.asDirectory(target);
    } else {
      found = this.fromNodeModules(specifier, fromDir);
    }
    if (found === null) {
      throw this.host.error(`Cannot find module '${specifier}' from '${fromDir}' (locksim realm loader)`, 'MODULE_NOT_FOUND');
    }
    return found;
  }

  private load(filename: string, parent: CjsModule | null): CjsModule {
    const dir = dirname(filename);
    const module: CjsModule = {
      id: filename,
      filename,
      path: dir,
      exports: this.host.object(),
      loaded: false,
      children: [],
      parent,
      paths: nodeModulePaths(dir),
      require: undefined as unknown as (id: string) => unknown,
    };
    const require = Object.assign((id: string) => this.require(String(id), dir, module), {
      resolve: (id: string) => (RealmBuiltins.isBuiltin(id) ? id : this.resolve(id, dir)),
      cache: Object.fromEntries([...this.cache].map(([k, m]) => [k, m])),
      main: undefined,
      extensions: { '.js': null, '.json': null, '.cjs': null },
    });
    module.require = require;
    parent?.children.push(module);
    this.cache.set(filename, module);
    try {
      if (filename.endsWith('.json')) {
        module.exports = this.host.parseJson(readFileSync(filename, 'utf8'));
      } else {
        if (filename.endsWith('.mjs') || (filename.endsWith('.js') && moduleType(filename) === 'module')) {
          throw this.host.error(`'${filename}' is an ES module; the locksim realm loader runs CommonJS only (use the package's "require" entry)`, 'ERR_REQUIRE_ESM');
        }
        const wrapper = compiled(filename).runInContext(this.host.context) as (...args: unknown[]) => unknown;
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

  private fromNodeModules(specifier: string, fromDir: string): string | null {
    const parts = specifier.split('/');
    const nameLength = specifier.startsWith('@') ? 2 : 1;
    const name = parts.slice(0, nameLength).join('/');
    const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join('/')}` : '.';
    for (const modules of nodeModulePaths(fromDir)) {
      const pkgDir = join(modules, name);
      if (kind(pkgDir) !== 'dir') continue;
      const p = packageJson(pkgDir);
      if (p?.exports !== undefined && p.exports !== null) {
        const target = resolveExports(p.exports, subpath);
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
function nodeModulePaths(dir: string): string[] {
  const paths: string[] = [];
  for (let d = resolvePath(dir); ; d = dirname(d)) {
    if (!d.endsWith(`${sep}node_modules`)) paths.push(join(d, 'node_modules'));
    if (dirname(d) === d) return paths;
  }
}

const CONDITIONS = new Set(['require', 'node', 'default', 'node-addons']);

/** Resolves a package's `exports` for `subpath` ('.' or './x') under CommonJS conditions; null if not exported. */
export function resolveExports(exportsField: unknown, subpath: string): string | null {
  let map: Record<string, unknown>;
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) map = { '.': exportsField };
  else if (typeof exportsField === 'object' && exportsField !== null) {
    const keys = Object.keys(exportsField);
    map = keys.length > 0 && !keys[0]!.startsWith('.') ? { '.': exportsField } : (exportsField as Record<string, unknown>);
  } else return null;
  if (Object.hasOwn(map, subpath)) return target(map[subpath], null);
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
  return best === null ? null : target(map[best.key], best.match);
}

function target(value: unknown, match: string | null): string | null {
  if (typeof value === 'string') return match === null ? value : value.split('*').join(match);
  if (Array.isArray(value)) {
    for (const v of value) {
      const t = target(v, match);
      if (t !== null) return t;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [condition, v] of Object.entries(value)) {
      if (!CONDITIONS.has(condition)) continue;
      const t = target(v, match);
      if (t !== null) return t;
    }
  }
  return null;
}
