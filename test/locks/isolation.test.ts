/**
 * "One algorithm, two worlds": code in src/locks/ may import only sibling files of src/locks/,
 * and must not touch real time, real timers or real randomness. This test reads every file there
 * and fails on any import from elsewhere (packages, node: modules, other folders) or any use of
 * a forbidden name in code. Comments are left out of the scan (interface.ts documents its clock
 * as "like `Date.now()`"); strings are kept, so a forbidden name in a string still fails.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOCKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../src/locks');

const FORBIDDEN: ReadonlyArray<[string, RegExp]> = [
  ['Math.random', /\bMath\s*\.\s*random\b/],
  ['Date.now', /\bDate\s*\.\s*now\b/],
  ['new Date(', /\bnew\s+Date\s*\(/],
  ['performance.now', /\bperformance\s*\.\s*now\b/],
  ['process.hrtime', /\bprocess\s*\.\s*hrtime\b/],
  ['setTimeout', /\bsetTimeout\b/],
  ['setInterval', /\bsetInterval\b/],
  ['setImmediate', /\bsetImmediate\b/],
  ['queueMicrotask', /\bqueueMicrotask\b/],
];

/** Every module specifier: static imports and re-exports, `import x = require()`, dynamic import(), require(). */
const SPECIFIERS: readonly RegExp[] = [
  /\b(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*([^)]*?)\s*\)/g,
  /\brequire\s*\(\s*([^)]*?)\s*\)/g,
];

const SIBLING = /^['"]?\.\/[A-Za-z0-9_.-]+\.ts['"]?$/;

/** `source` with its comments blanked out (string and template literals kept as they are). */
export function withoutComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function violations(text: string): string[] {
  const source = withoutComments(text);
  const found: string[] = [];
  for (const pattern of SPECIFIERS) {
    for (const match of source.matchAll(pattern)) {
      const specifier = match[1].trim();
      if (!SIBLING.test(specifier)) found.push(`imports ${specifier}`);
    }
  }
  for (const [name, pattern] of FORBIDDEN) if (pattern.test(source)) found.push(`names ${name}`);
  return found;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('src/locks/ isolation', () => {
  const files = filesUnder(LOCKS_DIR);

  it('has the algorithm files', () => {
    const names = files.map((file) => relative(LOCKS_DIR, file)).sort();
    for (const expected of ['interface.ts', 'single-instance.ts', 'redlock.ts', 'lease.ts', 'fencing.ts', 'index.ts']) {
      expect(names).toContain(expected);
    }
  });

  it('holds only TypeScript files directly in src/locks/', () => {
    for (const file of files) {
      expect(relative(LOCKS_DIR, file)).toMatch(/^[A-Za-z0-9_.-]+\.ts$/);
    }
  });

  for (const file of files) {
    it(`${relative(LOCKS_DIR, file)} imports only siblings and names no real time or randomness`, () => {
      expect(violations(readFileSync(file, 'utf8'))).toEqual([]);
    });
  }

  it('the scanner catches what it should', () => {
    expect(violations("import { x } from './ok.ts';\nimport type { Y } from './y.ts';")).toEqual([]);
    expect(violations("export { a, type B } from './a.ts';")).toEqual([]);
    expect(violations("import { Redis } from 'ioredis';")).toEqual(['imports ioredis']);
    expect(violations("import {\n  readFileSync,\n} from 'node:fs';")).toEqual(['imports node:fs']);
    expect(violations("import type { Clock } from '../sim/clock.ts';")).toEqual(['imports ../sim/clock.ts']);
    expect(violations("import './side-effect.js';")).toEqual(['imports ./side-effect.js']);
    expect(violations("export * from '../redis/client.ts';")).toEqual(['imports ../redis/client.ts']);
    expect(violations("const m = await import('node:crypto');")).toEqual(["imports 'node:crypto'"]);
    expect(violations("const m = require('fs');")).toEqual(["imports 'fs'"]);
    expect(violations('const t = Date.now();')).toEqual(['names Date.now']);
    expect(violations('const r = Math.random();')).toEqual(['names Math.random']);
    expect(violations('const d = new Date();')).toEqual(['names new Date(']);
    expect(violations('const t = performance.now();')).toEqual(['names performance.now']);
    expect(violations('process.hrtime.bigint();')).toEqual(['names process.hrtime']);
    expect(violations('setTimeout(f, 1); setInterval(f, 1); setImmediate(f); queueMicrotask(f);')).toEqual([
      'names setTimeout',
      'names setInterval',
      'names setImmediate',
      'names queueMicrotask',
    ]);
    expect(violations('clock.setTimer(5, f); clock.now(); clock.monotonic();')).toEqual([]);
    expect(violations("/** like `Date.now()` */\n// import x from 'ioredis'\nconst u = 'https://x/y'; // setTimeout")).toEqual([]);
    expect(violations("const s = 'a // b'; Date.now();")).toEqual(['names Date.now']);
    expect(violations("const s = `${x}/*`; setTimeout(f); // */")).toEqual(['names setTimeout']);
  });
});
