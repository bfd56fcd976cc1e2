/**
 * `node:fs` in the browser build: a read-only folder holding fengari's sources (which
 * src/redis/engine/fengari.ts reads and patches), and nothing else. A file outside it does not exist.
 */
import { FENGARI_SOURCES } from './fengari-sources.ts';

export function existsSync(path: string): boolean {
  return Object.hasOwn(FENGARI_SOURCES, path);
}

export function readFileSync(path: string, encoding?: string): string {
  const text = FENGARI_SOURCES[path];
  if (text === undefined) throw new Error(`ENOENT: no such file in the browser build: '${path}'`);
  if (encoding !== 'utf8' && encoding !== 'utf-8') throw new Error(`locksim play: readFileSync('${path}') without 'utf8' is not in the browser build`);
  return text;
}

function absent(name: string): () => never {
  return () => {
    throw new Error(`locksim play: fs.${name} is not in the browser build`);
  };
}

export const writeFileSync = absent('writeFileSync');
export const mkdirSync = absent('mkdirSync');
export const renameSync = absent('renameSync');
export const rmSync = absent('rmSync');
export const statSync = absent('statSync');

export default { existsSync, readFileSync, writeFileSync, mkdirSync, renameSync, rmSync, statSync };
