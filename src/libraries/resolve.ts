/**
 * Where an adapter finds its library: in the user's project first, then beside locksim.
 *
 * A library is a devDependency of the project that tests it, not of locksim, and with
 * `npm install --install-strategy=nested` or pnpm it is not in a `node_modules` above locksim's
 * own folder. So a package is looked for, as Node would look from a file in each folder, in
 * `node_modules` of these folders and every folder above them, first match wins:
 *
 * 1. the folder of the scenario file being loaded (`locksim run ./locksim/my-scenario.ts`,
 *    a replay token naming it), when the adapter was made while loading it;
 * 2. the current working directory (the project a command or a test runner runs in);
 * 3. locksim's own folder (its devDependencies, in this repository).
 *
 * Found nowhere, the error names the package, where it was looked for, and the install command.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LOCKSIM_ROOT } from '../realm/realm.ts';

const scenarioDirs: string[] = [];

/**
 * Runs `load` (the import of a scenario file) with `dir` searched first by every adapter made
 * meanwhile: an adapter keeps the search path it was made with.
 */
export async function withLibrariesFrom<T>(dir: string, load: () => Promise<T>): Promise<T> {
  scenarioDirs.push(resolve(dir));
  try {
    return await load();
  } finally {
    scenarioDirs.pop();
  }
}

/** The folders a library is looked for from, in order (see the module's comment). */
export function librarySearchPath(): readonly string[] {
  const dirs = [...scenarioDirs.slice(-1), process.cwd(), LOCKSIM_ROOT].map((d) => resolve(d));
  return dirs.filter((d, i) => dirs.indexOf(d) === i);
}

/** What to `npm install` for a package installed under another name (an npm alias). */
const INSTALL_AS: Readonly<Record<string, string>> = {
  redlock5: 'redlock5@npm:redlock@5.0.0-beta.2',
};

/** A package that no folder of the search path can see. */
export class LibraryNotFoundError extends Error {
  override readonly name = 'LibraryNotFoundError';

  constructor(
    readonly pkg: string,
    readonly searched: readonly string[],
  ) {
    super(
      `the library '${pkg}' is not installed: locksim looked for node_modules/${pkg} from ${searched.join(', ')} and every folder above them. ` +
        `Run \`npm install --save-dev ${INSTALL_AS[pkg] ?? pkg}\` in your project (locksim runs the library your project installs; it does not bring its own)`,
    );
  }
}

/** `@scope/name` or `name` of a specifier (`@scope/name/sub/path` → `@scope/name`). */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return parts.slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where `pkg` is installed as seen from `dir` (its folder, holding its package.json), or null. */
export function packageDirFrom(pkg: string, dir: string): string | null {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', pkg);
    if (isFile(join(candidate, 'package.json'))) return candidate;
    if (dirname(d) === d) return null;
  }
}

/** Where a library was found: the folder to resolve from, and the package's own folder. */
export interface LibraryLocation {
  /** The search-path folder that sees the package: `require` resolves from here. */
  readonly from: string;
  /** The package's folder. */
  readonly dir: string;
}

/** The first folder of `searched` that sees the package of `specifier`; throws {@link LibraryNotFoundError}. */
export function locateLibrary(specifier: string, searched: readonly string[] = librarySearchPath()): LibraryLocation {
  const pkg = packageName(specifier);
  for (const from of searched) {
    const dir = packageDirFrom(pkg, from);
    if (dir !== null) return { from, dir };
  }
  throw new LibraryNotFoundError(pkg, searched);
}

/** The installed version of `pkg` (its package.json's), or null when it is found nowhere. */
export function versionOf(pkg: string, searched: readonly string[] = librarySearchPath()): string | null {
  let location: LibraryLocation;
  try {
    location = locateLibrary(pkg, searched);
  } catch (error) {
    if (error instanceof LibraryNotFoundError) return null;
    throw error;
  }
  const json = JSON.parse(readFileSync(join(location.dir, 'package.json'), 'utf8')) as { version?: string };
  return json.version === undefined ? null : json.version.replace(/^v/, '');
}
