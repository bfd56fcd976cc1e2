/**
 * The playground's JavaScript: the simulator itself (the kernel, simulated Redis with fengari,
 * the lock algorithms, the checkers, the catalog's scenarios, the SVG timeline), bundled for
 * the browser by esbuild from the same sources the CLI runs. Nothing is forked: the few Node
 * built-ins the simulation touches get small browser versions (src/play/shims/), chosen here
 * at bundle time, and the way the simulation computes stays the same (the trace hash of a run
 * is the CLI's, which the browser test checks).
 *
 * - `node:crypto` (SHA-1 of Lua scripts), `node:fs` + `node:module` + `node:vm` + `node:path`
 *   (src/redis/engine/fengari.ts reads fengari's sources, patches and compiles them) → shims;
 * - the free names `process` (the scheduler's `nextTick`) and `Buffer` → injected shims;
 * - the catalog's scenario modules import their lock factories from `src/index.ts`, the whole
 *   public API (published-library adapters in node:vm realms, the CLI's loaders): in the
 *   browser they get `src/locks/index.ts`, where those factories live.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { build, type Plugin } from 'esbuild';

const HERE = import.meta.dirname;
const SRC = resolve(HERE, '..');
const SHIMS = join(HERE, 'shims');
/** '.ts' from the sources (a checkout), '.js' from the built package (dist/): the bundle starts from whichever this is. */
const EXT = import.meta.url.endsWith('.js') ? '.js' : '.ts';

/** The Node built-ins the browser build provides, and the shim that does. */
const BUILTIN_SHIMS: Readonly<Record<string, string>> = {
  crypto: join(SHIMS, `crypto${EXT}`),
  fs: join(SHIMS, `fs${EXT}`),
  module: join(SHIMS, `module${EXT}`),
  path: join(SHIMS, `path${EXT}`),
  vm: join(SHIMS, `vm${EXT}`),
};

/** Where fengari's sources are, as src/redis/engine/fengari.ts finds them in Node. */
function fengariSourceDir(): string {
  return dirname(createRequire(join(SRC, 'redis', 'engine', 'fengari.ts')).resolve('fengari'));
}

/**
 * fengari's sources as its own browser build sees them: it reads `process.env.FENGARICONF`
 * without asking whether there is a `process` (its webpack build defines it as undefined), and
 * elsewhere takes its browser branches where `typeof process` is 'undefined', as here.
 */
function browserSource(file: string, source: string): string {
  if (file !== 'luaconf.js') return source;
  const read = 'process.env.FENGARICONF ? JSON.parse(process.env.FENGARICONF) : {}';
  const at = source.indexOf(read);
  if (at < 0 || source.indexOf(read, at + 1) >= 0) throw new Error(`fengari's luaconf.js no longer reads its configuration as '${read}' (exactly once): the playground's build expects fengari 0.1.5`);
  return source.slice(0, at) + '{}' + source.slice(at + read.length);
}

function browserPlugin(): Plugin {
  return {
    name: 'locksim-play-browser',
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (args) => {
        const name = args.path.slice('node:'.length);
        const shim = BUILTIN_SHIMS[name];
        if (shim === undefined) {
          return { errors: [{ text: `${args.path} (imported by ${args.importer}) has no browser version in src/play/shims/: keep it out of the playground's modules, or add a shim that computes exactly as Node does` }] };
        }
        return { path: shim };
      });
      b.onResolve({ filter: /[\\/]src[\\/]index\.[jt]s$/ }, (args) => {
        if (!args.importer.startsWith(join(SRC, '..', 'scenarios'))) return undefined;
        return { path: join(SRC, 'locks', `index${EXT}`) };
      });
      b.onLoad({ filter: /shims[\\/]fengari-sources\.[jt]s$/ }, (args) => {
        const dir = fengariSourceDir();
        const files: Record<string, string> = {};
        for (const name of readdirSync(dir).sort()) if (name.endsWith('.js')) files[`/node_modules/fengari/src/${name}`] = browserSource(name, readFileSync(join(dir, name), 'utf8'));
        return {
          loader: args.path.endsWith('.ts') ? 'ts' : 'js',
          contents: `export const FENGARI_DIR = '/node_modules/fengari/src';\nexport const FENGARI_SOURCES = ${JSON.stringify(files)};\n`,
        };
      });
    },
  };
}

export interface PlayBundle {
  /** The script the page loads. */
  readonly js: string;
}

/** Bundles `entry` (default: the playground page's script) for the browser. */
export async function bundlePlay(entry = join(HERE, `page${EXT}`)): Promise<PlayBundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    // A classic script, so that the page also works opened from a file (browsers refuse module scripts from file: URLs).
    format: 'iife',
    // src/redis/engine/fengari.ts names its own URL to createRequire, whose browser version does not read it.
    define: { 'import.meta.url': '"locksim-play:bundle"' },
    platform: 'browser',
    target: 'es2022',
    // Names are kept: error messages and notes that reach the trace name classes and functions.
    keepNames: true,
    legalComments: 'none',
    inject: [join(SHIMS, `process${EXT}`), join(SHIMS, `buffer${EXT}`)],
    plugins: [browserPlugin()],
    logLevel: 'silent',
  });
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no output for the playground');
  return { js };
}
