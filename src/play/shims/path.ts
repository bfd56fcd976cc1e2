/**
 * `node:path` in the browser build: POSIX paths from the root '/' (the browser build's only
 * files are fengari's sources under /node_modules/fengari/src).
 */
export const sep = '/';

function normalizeParts(parts: readonly string[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

export function isAbsolute(path: string): boolean {
  return path.startsWith('/');
}

export function resolve(...paths: string[]): string {
  let joined = '/';
  for (const p of paths) joined = isAbsolute(p) ? p : `${joined}/${p}`;
  return `/${normalizeParts(joined.split('/')).join('/')}`;
}

export function join(...paths: string[]): string {
  const joined = paths.filter((p) => p !== '').join('/');
  const body = normalizeParts(joined.split('/')).join('/');
  return isAbsolute(joined) ? `/${body}` : body === '' ? '.' : body;
}

export function dirname(path: string): string {
  const parts = path.split('/');
  parts.pop();
  const dir = parts.join('/');
  return dir === '' ? (isAbsolute(path) ? '/' : '.') : dir;
}

export function basename(path: string, ext?: string): string {
  const base = path.split('/').filter((p) => p !== '').pop() ?? '';
  return ext !== undefined && base.endsWith(ext) ? base.slice(0, -ext.length) : base;
}

export function extname(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

export function relative(from: string, to: string): string {
  const a = normalizeParts(resolve(from).split('/'));
  const b = normalizeParts(resolve(to).split('/'));
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => '..'), ...b.slice(common)].join('/');
}

export default { sep, isAbsolute, resolve, join, dirname, basename, extname, relative };
