/**
 * Temporary folders of real mode (a redis-server's data folder: `<tmp>/locksim-redis-*`) and
 * their owners. Each folder gets an owner file naming the process that made it and its host; a
 * process killed with SIGKILL runs no cleanup and leaves its folders behind, so the next real run
 * removes every such folder whose owner is dead. A folder is only removed when that is certain:
 * its owner file names this host and a pid that is not running. Folders of a live process, of
 * another host or container sharing the temporary folder, or without an owner file (made by an
 * older locksim, or being made right now) are left alone.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from './process-group.ts';

/** The prefix of a redis-server's data folder in the temporary folder. */
export const REDIS_DIR_PREFIX = 'locksim-redis-';
/** The owner file in each folder: `{ "pid": 1234, "host": "ci-runner-7" }`. */
export const OWNER_FILE = '.locksim-owner';

/** Makes `<tmp>/<prefix>XXXXXX` with an owner file naming this process. */
export function ownedTempDir(prefix = REDIS_DIR_PREFIX, parent = tmpdir()): string {
  const dir = mkdtempSync(join(parent, prefix));
  writeFileSync(join(dir, OWNER_FILE), `${JSON.stringify({ pid: process.pid, host: hostname() })}\n`);
  return dir;
}

/** Whether `dir`'s owner is certainly gone: its owner file names this host and a dead pid. */
function ownerDead(dir: string): boolean {
  let owner: unknown;
  try {
    owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8'));
  } catch {
    return false;
  }
  if (typeof owner !== 'object' || owner === null) return false;
  const { pid, host } = owner as { pid?: unknown; host?: unknown };
  return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && host === hostname() && !processAlive(pid);
}

/** Removes the folders `<parent>/<prefix>*` whose owner is dead; returns their paths. */
export function sweepStaleTempDirs(prefix = REDIS_DIR_PREFIX, parent = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(parent, name);
    if (!ownerDead(dir)) continue;
    try {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Another process's folder we may not remove, or one removed meanwhile: not ours to fail on.
    }
  }
  return removed;
}

let swept: readonly string[] | null = null;

/** {@link sweepStaleTempDirs} of the redis folders, once per process; the folders removed. */
export function sweepStaleRedisDirsOnce(): readonly string[] {
  if (swept === null) swept = sweepStaleTempDirs();
  return swept;
}
