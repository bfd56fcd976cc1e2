/**
 * Where a scenario file is, in a form a replay token can carry: its path from the root of the
 * project it belongs to (the nearest folder above it with a package.json), and a hash of its
 * contents. A token made in one folder of a project then replays from any other, and says when
 * the file has changed since.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ScenarioError } from './validate.ts';

/** A scenario reference that names a file rather than a catalog scenario. */
export function isScenarioPath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || /\.(?:[cm]?ts|[cm]?js)$/.test(ref);
}

/** A scenario file as a token records it. */
export interface ScenarioFileStamp {
  /** The path from the project's root (its nearest package.json), with '/' separators. */
  readonly path: string;
  /** The first 16 hex digits of the SHA-256 of the file's contents. */
  readonly sha256: string;
}

/** The nearest folder at or above `from` with a package.json, or null. */
export function projectRoot(from: string): string | null {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export function contentHash(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);
}

const stamps = new Map<string, ScenarioFileStamp | null>();

/**
 * The stamp of the scenario file `ref` (relative to the working directory), or null for a
 * catalog name or a file outside any project or not there. Computed once per file and process
 * (a sweep stamps thousands of tokens).
 */
export function scenarioFileStamp(ref: string): ScenarioFileStamp | null {
  if (!isScenarioPath(ref)) return null;
  const file = resolve(ref);
  const known = stamps.get(file);
  if (known !== undefined) return known;
  let stamp: ScenarioFileStamp | null = null;
  const root = existsSync(file) ? projectRoot(dirname(file)) : null;
  if (root !== null) stamp = { path: relative(root, file).split(sep).join('/'), sha256: contentHash(file) };
  stamps.set(file, stamp);
  return stamp;
}

/** Where a token's scenario file is from here, and a warning when its contents changed since. */
export interface LocatedScenario {
  readonly ref: string;
  readonly warning: string | null;
}

/**
 * Finds a token's scenario file from the working directory: its project-relative path from each
 * folder at and above the working directory (the first whose contents match, else the first that
 * exists), then the path as the token names it. A catalog name is returned as it is.
 */
export function locateScenario(scenario: string, stamp: ScenarioFileStamp | undefined, cwd = process.cwd()): LocatedScenario {
  if (stamp === undefined || isAbsolute(stamp.path)) return { ref: scenario, warning: null };
  const candidates: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, ...stamp.path.split('/'));
    if (existsSync(file)) candidates.push(file);
    if (dirname(dir) === dir) break;
  }
  if (existsSync(resolve(cwd, scenario))) candidates.push(resolve(cwd, scenario));
  // As the user would type it from here: ./scenarios/x.ts, ../x.ts.
  const typed = (file: string): string => {
    const path = relative(cwd, file).split(sep).join('/');
    return path.startsWith('../') ? path : `./${path}`;
  };
  const same = candidates.find((f) => contentHash(f) === stamp.sha256);
  if (same !== undefined) return { ref: typed(same), warning: null };
  const first = candidates[0];
  if (first === undefined) {
    throw new ScenarioError(scenario, [`no ${stamp.path} below any folder at or above ${resolve(cwd)}, nor a file ${resolve(cwd, scenario)}: the token's scenario file is ${stamp.path} from the root of its project (the folder of its package.json); replay from a folder of that project`], 'scenario not found');
  }
  return { ref: typed(first), warning: `${typed(first)} has changed since the token was made (its contents differ): the replay runs the file as it is now, and may not reproduce the run` };
}
