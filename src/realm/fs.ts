/**
 * The `fs` a package's modules get inside a realm: read-only, and confined to the package's own
 * folder (many libraries read their own files at load time, e.g. Lua scripts next to the code).
 *
 * - Offered: `readFileSync`, `existsSync`, `readdirSync`, `statSync`, `lstatSync`, `accessSync`,
 *   `realpathSync`, their callback forms (called back on a simulated 0 ms timer, as Node's thread
 *   pool would) and `fs.promises` / `fs/promises` (`readFile`, `readdir`, `stat`, `lstat`,
 *   `access`, `realpath`).
 * - Confined: a path is resolved (relative paths from the realm's cwd, `/`; symbolic links
 *   followed) and must lie under the real path of the package folder; anything else, and any
 *   write, is an error naming the call, the path and why. Errors are the realm's own `Error`.
 * - Deterministic: files of an installed package do not change during a run, and stats carry no
 *   times (every time is the epoch), so nothing read here varies between runs or machines.
 */
import * as hostFs from 'node:fs';
import { basename, dirname, join, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the fs shim needs from its realm. */
export interface RealmFsHost {
  readonly Promise: PromiseConstructor;
  /** An error of the realm's own `Error`. */
  error(message: string, code?: string): Error;
  /** A plain object of the realm. */
  object(): Record<string, unknown>;
  /** An array of the realm. */
  array<T>(items: readonly T[]): T[];
  /** A `Date` of the realm at `ms` since the epoch. */
  date(ms: number): Date;
  /** Queues a callback as Node would from its thread pool (a simulated 0 ms timer). */
  later(callback: () => void): void;
}

/** fs functions that would change the file system: refused as writes. */
const WRITE = /^(write|append|mkdir|mkdtemp|rm|rmdir|unlink|rename|copyFile|cp|symlink|link|truncate|ftruncate|chmod|lchmod|fchmod|chown|lchown|fchown|utimes|lutimes|futimes|fsync|fdatasync|createWriteStream|writev)/;

type PathLike = string | Buffer | URL;

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
function realOf(path: string): string {
  try {
    return hostFs.realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realOf(parent), basename(path));
  }
}

/** Builds a package's realm `fs` (with `promises`), confined to `root`. */
export function confinedFs(root: string, host: RealmFsHost): Record<string, unknown> {
  const rootReal = realOf(root);
  const prefix = `realm fs is read-only and confined to the package folder ${root}`;
  const show = (path: unknown): string => (typeof path === 'string' ? `'${path}'` : path instanceof URL ? `'${path.href}'` : Buffer.isBuffer(path) ? `'${path.toString()}'` : String(path));
  const refuseWrite = (call: string, path: unknown): never => {
    throw host.error(`${prefix}: ${call}(${show(path)}) refused (a write)`, 'EACCES');
  };
  const notOffered = (call: string, path: unknown): never => {
    throw host.error(`${prefix}: ${call}(${show(path)}) refused (fs.${call} is not offered inside a locksim realm)`, 'ERR_LOCKSIM_REALM_FS');
  };

  /** The checked real path of `path` for `call`, or an error naming both. */
  const confined = (call: string, path: unknown): string => {
    let text: string;
    if (typeof path === 'string') text = path;
    else if (Buffer.isBuffer(path)) text = path.toString();
    else if (path instanceof URL || (typeof path === 'object' && path !== null && typeof (path as { href?: unknown }).href === 'string')) {
      const href = String((path as { href: string }).href);
      if (!href.startsWith('file:')) throw host.error(`${prefix}: ${call}(${show(path)}) refused (not a file: URL)`, 'ERR_INVALID_URL_SCHEME');
      text = fileURLToPath(href);
    } else throw host.error(`${call}: the "path" argument must be a string, Buffer or URL (got ${typeof path})`, 'ERR_INVALID_ARG_TYPE');
    const real = realOf(resolvePath('/', text));
    if (real !== rootReal && !real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)) {
      throw host.error(`${prefix}: ${call}(${show(path)}) refused (${real} is outside the package folder)`, 'EACCES');
    }
    return real;
  };

  /** Runs a host fs call; its errors become the realm's, with Node's fields. */
  const run = <T>(body: () => T): T => {
    try {
      return body();
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      const realmError = host.error(e.message, e.code) as NodeJS.ErrnoException;
      for (const key of ['errno', 'syscall', 'path'] as const) if (e[key] !== undefined) (realmError as unknown as Record<string, unknown>)[key] = e[key];
      throw realmError;
    }
  };

  const stats = (s: hostFs.Stats): Record<string, unknown> => {
    const o = host.object();
    const kind = { file: s.isFile(), dir: s.isDirectory(), link: s.isSymbolicLink() };
    Object.assign(o, {
      dev: 0, ino: 0, mode: s.mode, nlink: 1, uid: 0, gid: 0, rdev: 0, size: s.size, blksize: 4096, blocks: Math.ceil(s.size / 512),
      atimeMs: 0, mtimeMs: 0, ctimeMs: 0, birthtimeMs: 0,
      atime: host.date(0), mtime: host.date(0), ctime: host.date(0), birthtime: host.date(0),
      isFile: () => kind.file,
      isDirectory: () => kind.dir,
      isSymbolicLink: () => kind.link,
      isBlockDevice: () => false,
      isCharacterDevice: () => false,
      isFIFO: () => false,
      isSocket: () => false,
    });
    return o;
  };

  const encodingOf = (options: unknown): BufferEncoding | undefined =>
    typeof options === 'string' ? (options as BufferEncoding) : ((options as { encoding?: BufferEncoding } | undefined)?.encoding ?? undefined);

  const sync = {
    readFileSync: (path: PathLike, options?: unknown): string | Buffer => {
      const flag = typeof options === 'object' && options !== null ? (options as { flag?: string }).flag : undefined;
      if (flag !== undefined && /[wa+]/.test(flag)) refuseWrite('readFileSync', path);
      const real = confined('readFileSync', path);
      const encoding = encodingOf(options);
      return run(() => hostFs.readFileSync(real, encoding === undefined ? undefined : { encoding }));
    },
    existsSync: (path: PathLike): boolean => {
      if (typeof path !== 'string' && !Buffer.isBuffer(path) && !(path instanceof URL)) return false;
      const real = confined('existsSync', path);
      return hostFs.existsSync(real);
    },
    readdirSync: (path: PathLike, options?: unknown): unknown[] => {
      const real = confined('readdirSync', path);
      const withFileTypes = typeof options === 'object' && options !== null && (options as { withFileTypes?: boolean }).withFileTypes === true;
      const encoding = encodingOf(options);
      return host.array(
        run(() => (withFileTypes ? hostFs.readdirSync(real, { withFileTypes: true }) : hostFs.readdirSync(real, encoding === undefined ? undefined : { encoding: encoding as 'utf8' }))) as unknown[],
      );
    },
    statSync: (path: PathLike, options?: { throwIfNoEntry?: boolean }): Record<string, unknown> | undefined => {
      const real = confined('statSync', path);
      const s = run(() => hostFs.statSync(real, { throwIfNoEntry: options?.throwIfNoEntry ?? true }));
      return s === undefined ? undefined : stats(s);
    },
    lstatSync: (path: PathLike, options?: { throwIfNoEntry?: boolean }): Record<string, unknown> | undefined => {
      const real = confined('lstatSync', path);
      const s = run(() => hostFs.lstatSync(real, { throwIfNoEntry: options?.throwIfNoEntry ?? true }));
      return s === undefined ? undefined : stats(s);
    },
    accessSync: (path: PathLike, mode: number = hostFs.constants.F_OK): void => {
      if ((mode & hostFs.constants.W_OK) !== 0) refuseWrite('accessSync', path);
      const real = confined('accessSync', path);
      run(() => hostFs.accessSync(real, mode));
    },
    realpathSync: Object.assign((path: PathLike): string => run(() => hostFs.realpathSync(confined('realpathSync', path))), {
      native: (path: PathLike): string => run(() => hostFs.realpathSync(confined('realpathSync', path))),
    }),
  };

  /** `f(...args)` as a promise of the realm, settled at once (the read is synchronous). */
  const promised = <A extends unknown[], R>(f: (...args: A) => R) => (...args: A): Promise<R> =>
    new host.Promise<R>((resolve, reject) => {
      try {
        resolve(f(...args));
      } catch (error) {
        reject(error);
      }
    });
  const promises = host.object();
  Object.assign(promises, {
    readFile: promised(sync.readFileSync),
    readdir: promised(sync.readdirSync),
    stat: promised(sync.statSync),
    lstat: promised(sync.lstatSync),
    access: promised(sync.accessSync),
    realpath: promised(sync.realpathSync),
    constants: hostFs.constants,
  });

  /** `f`'s callback form: `(…args, callback)` called back on a simulated 0 ms timer. */
  const callbackForm = (f: (...args: never[]) => unknown, name: string) => (...args: unknown[]): void => {
    const callback = args.pop();
    if (typeof callback !== 'function') throw host.error(`${name}: the "callback" argument must be of type function`, 'ERR_INVALID_ARG_TYPE');
    let result: unknown;
    let failure: unknown = null;
    try {
      result = (f as (...a: unknown[]) => unknown)(...args);
    } catch (error) {
      failure = error;
    }
    host.later(() => (failure === null ? callback(null, result) : callback(failure)));
  };

  const fs = host.object();
  // Everything Node's fs has that is not offered: a write is refused as one; the rest as not offered.
  for (const key of Object.keys(hostFs)) {
    if (typeof (hostFs as Record<string, unknown>)[key] !== 'function' || /^[A-Z]/.test(key)) continue;
    fs[key] = (path?: unknown) => (WRITE.test(key) ? refuseWrite(key, path) : notOffered(key, path));
  }
  Object.assign(fs, sync, {
    readFile: callbackForm(sync.readFileSync, 'readFile'),
    readdir: callbackForm(sync.readdirSync, 'readdir'),
    stat: callbackForm(sync.statSync, 'stat'),
    lstat: callbackForm(sync.lstatSync, 'lstat'),
    access: callbackForm(sync.accessSync, 'access'),
    realpath: callbackForm(sync.realpathSync, 'realpath'),
    exists: (path: PathLike, callback: (exists: boolean) => void) => {
      const exists = sync.existsSync(path);
      host.later(() => callback(exists));
    },
    constants: hostFs.constants,
    promises,
  });
  for (const key of Object.keys(hostFs.promises)) {
    if (promises[key] !== undefined || typeof (hostFs.promises as Record<string, unknown>)[key] !== 'function') continue;
    promises[key] = (path?: unknown) =>
      new host.Promise((_resolve, reject) => {
        try {
          if (WRITE.test(key)) refuseWrite(`promises.${key}`, path);
          notOffered(`promises.${key}`, path);
        } catch (error) {
          reject(error);
        }
      });
  }
  return fs;
}
