/**
 * A throwaway project for the playground's scenario files, as a user's project is: a
 * package.json at its root, and `locksim` resolvable from it. Here `locksim` is this checkout's
 * own sources (node_modules/locksim re-exports src/index.ts), so a file the page offers runs
 * with the code under test, byte for byte as the page wrote it. `cli` runs bin/locksim.js (the
 * command, from the sources) with the project as its working directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'locksim.js');

export interface PlayProject {
  readonly dir: string;
  /** Writes a file at the project's root; returns its path. */
  write(name: string, text: string): string;
  /** Runs the locksim command in the project (or in `cwd`, a folder of it). */
  cli(args: readonly string[], cwd?: string): { stdout: string; stderr: string; status: number };
  remove(): void;
}

export function makePlayProject(): PlayProject {
  const dir = mkdtempSync(join(tmpdir(), 'locksim-play-project-'));
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'play-project', private: true, type: 'module' })}\n`);
  const pkg = join(dir, 'node_modules', 'locksim');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), `${JSON.stringify({ name: 'locksim', type: 'module', exports: { '.': './index.js' } })}\n`);
  writeFileSync(join(pkg, 'index.js'), `export * from ${JSON.stringify(join(ROOT, 'src', 'index.ts'))};\n`);
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cli(args, cwd = dir) {
      const run = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
      if (run.error !== undefined) throw run.error;
      return { stdout: run.stdout, stderr: run.stderr, status: run.status ?? -1 };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
