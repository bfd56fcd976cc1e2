/**
 * `node:module` in the browser build: src/redis/engine/fengari.ts asks `createRequire(...)` where
 * fengari is (to read its sources) and, from inside fengari's sources, for the one package
 * they require in a browser: sprintf-js. Anything else names itself.
 */
import * as sprintfJs from 'sprintf-js';
import { FENGARI_DIR } from './fengari-sources.ts';

const PACKAGES: Readonly<Record<string, unknown>> = { 'sprintf-js': sprintfJs };

export interface BrowserRequire {
  (id: string): unknown;
  resolve(id: string): string;
}

export function createRequire(_from: string | URL): BrowserRequire {
  const require = ((id: string): unknown => {
    if (Object.hasOwn(PACKAGES, id)) return PACKAGES[id];
    throw new Error(`locksim play: require('${id}') is not in the browser build (it has: ${Object.keys(PACKAGES).join(', ')})`);
  }) as BrowserRequire;
  require.resolve = (id: string): string => {
    if (id === 'fengari') return `${FENGARI_DIR}/fengari.js`;
    throw new Error(`locksim play: require.resolve('${id}') is not in the browser build`);
  };
  return require;
}

export function isBuiltin(_name: string): boolean {
  return false;
}

export default { createRequire, isBuiltin };
