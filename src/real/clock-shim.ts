/**
 * The realtime-clock shim for real mode (see src/real/shim/clock-shim.c for the C side):
 *
 * - {@link buildClockShim} compiles the LD_PRELOAD library (once; again only when the source
 *   changed) and returns its path;
 * - {@link ClockControl} owns one node's control file and moves that node's wall clock: a rate
 *   (drift) and jumps (NTP steps), keeping time continuous across rate changes;
 * - {@link clockShimEnv} gives the environment variables that put a process under the shim.
 *
 * Control file format (one line, ASCII, replaced atomically by write-then-rename):
 *
 *     <anchor_real_ns> <anchor_fake_ns> <rate>\n
 *
 * and the shimmed process sees, for a real CLOCK_REALTIME reading `real` (ns),
 *
 *     fake = anchor_fake_ns + (real - anchor_real_ns) * rate
 *
 * Only the realtime calls are faked (`clock_gettime(CLOCK_REALTIME[_COARSE])`, `gettimeofday`,
 * `time`); CLOCK_MONOTONIC is untouched. The shim re-reads the file at most every
 * {@link CLOCK_SHIM_REFRESH_MS} ms, so a change is seen by the node within that delay of its next
 * clock read; {@link ClockControl.settle} waits long enough for that.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable } from './process-group.ts';

/** How often (at most) the shim re-reads its control file, ms. Matches DEFAULT_REFRESH_NS in the C source. */
export const CLOCK_SHIM_REFRESH_MS = 1;

/** The repository root (this file is src/real/clock-shim.ts). */
/** The package root: the folder holding scripts/build-clock-shim.sh (from src/real, or from dist/src/real when built). */
const REPO_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'scripts', 'build-clock-shim.sh'))) return dir;
    dir = resolve(dir, '..');
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
})();

/** The C source of the shim. */
export const CLOCK_SHIM_SOURCE = join(REPO_ROOT, 'src', 'real', 'shim', 'clock-shim.c');

/** The script that builds it (also usable by hand and from CI). */
export const CLOCK_SHIM_BUILD_SCRIPT = join(REPO_ROOT, 'scripts', 'build-clock-shim.sh');

/** Where {@link buildClockShim} puts the library unless told otherwise. */
export const DEFAULT_CLOCK_SHIM_PATH = join(REPO_ROOT, 'build', 'clock-shim.so');

export interface BuildClockShimOptions {
  /** Output path of the .so. Default: build/clock-shim.so at the repository root. */
  readonly output?: string;
  /** Rebuild even if the library is newer than its source. */
  readonly force?: boolean;
}

const builds = new Map<string, Promise<string>>();

/**
 * Builds the shim if it is missing or older than its source, and returns the .so path.
 * `LOCKSIM_CLOCK_SHIM=/path/to/clock-shim.so` skips the build and uses that file.
 * Fails with "gcc not found: apt-get install gcc" when gcc is missing.
 */
export function buildClockShim(options: BuildClockShimOptions = {}): Promise<string> {
  const prebuilt = process.env.LOCKSIM_CLOCK_SHIM;
  if (prebuilt !== undefined && prebuilt !== '' && options.output === undefined) {
    if (!existsSync(prebuilt)) return Promise.reject(new Error(`LOCKSIM_CLOCK_SHIM=${prebuilt}: no such file`));
    return Promise.resolve(resolve(prebuilt));
  }
  const output = resolve(options.output ?? DEFAULT_CLOCK_SHIM_PATH);
  if (!options.force && upToDate(output)) return Promise.resolve(output);
  let build = builds.get(output);
  if (build === undefined || options.force) {
    build = runBuild(output, options.force ?? false);
    builds.set(output, build);
    build.catch(() => builds.delete(output));
  }
  return build;
}

function upToDate(output: string): boolean {
  try {
    return statSync(output).mtimeMs >= statSync(CLOCK_SHIM_SOURCE).mtimeMs;
  } catch {
    return false;
  }
}

async function runBuild(output: string, force: boolean): Promise<string> {
  if (findExecutable('gcc') === undefined) throw new Error('gcc not found: apt-get install gcc');
  if (findExecutable('bash') === undefined) throw new Error('bash not found (needed to run scripts/build-clock-shim.sh)');
  mkdirSync(dirname(output), { recursive: true });
  const result = await new Promise<{ code: number | null; output: string }>((resolveRun, reject) => {
    const child = spawn('bash', [CLOCK_SHIM_BUILD_SCRIPT, output], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE: force ? '1' : '0' },
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, output: text }));
  });
  if (result.code === 127 && result.output.includes('gcc not found')) throw new Error('gcc not found: apt-get install gcc');
  if (result.code !== 0 || !existsSync(output)) {
    throw new Error(`building the clock shim failed (exit ${result.code}):\n${result.output}`);
  }
  return output;
}

/** Environment variables that put a process under the shim, driven by `controlFile`. */
export function clockShimEnv(shimPath: string, controlFile: string): Record<string, string> {
  const existing = process.env.LD_PRELOAD;
  return {
    LD_PRELOAD: existing !== undefined && existing !== '' ? `${shimPath} ${existing}` : shimPath,
    LOCKSIM_CLOCK_FILE: controlFile,
  };
}

/** The parameters in one control file line. */
export interface ClockLine {
  /** A real CLOCK_REALTIME reading, ns since the epoch. */
  readonly anchorRealNs: bigint;
  /** The faked time at that instant, ns since the epoch. */
  readonly anchorFakeNs: bigint;
  /** Fake seconds per real second (> 0). */
  readonly rate: number;
}

/** Formats a control-file line (with the trailing newline). */
export function formatClockLine(line: ClockLine): string {
  checkRate(line.rate);
  return `${line.anchorRealNs} ${line.anchorFakeNs} ${formatRate(line.rate)}\n`;
}

/** Parses a control-file line; undefined if malformed (the shim would ignore it too). */
export function parseClockLine(text: string): ClockLine | undefined {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  const match = line === undefined ? null : /^([+-]?\d+)[ \t]+([+-]?\d+)[ \t]+\+?(\d*\.?\d*)(?:\s|$)/.exec(line);
  if (match === null) return undefined;
  const rate = Number(match[3]);
  if (match[3] === '' || match[3] === '.' || !(rate > 0) || rate > 1e6) return undefined;
  return { anchorRealNs: BigInt(match[1]), anchorFakeNs: BigInt(match[2]), rate };
}

/** The shim's formula: the faked time (ns) at real time `realNs` under `line`. */
export function fakeTimeNs(line: ClockLine, realNs: bigint): bigint {
  if (line.rate === 1) return line.anchorFakeNs + (realNs - line.anchorRealNs);
  return line.anchorFakeNs + BigInt(Math.trunc(Number(realNs - line.anchorRealNs) * line.rate));
}

/** The machine's real CLOCK_REALTIME, ns (ms resolution, which is all the anchors need). */
function realNowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/**
 * Owns one shimmed process's control file and moves its wall clock. Every change rewrites the
 * file atomically (write a temporary file beside it, then rename it over the old one).
 *
 * - `setRate(r)`: from now on the clock advances `r` fake seconds per real second (2: twice as
 *   fast, 0.5: half as fast); time is continuous (re-anchored at the current instant).
 * - `jump(deltaMs)`: steps the clock by `deltaMs` (forward if positive, back if negative).
 * - `offsetMs()`: how far the faked clock is ahead of the real one right now (negative: behind).
 */
export class ClockControl {
  readonly file: string;
  private line: ClockLine;
  private writes = 0;

  /**
   * Takes over `file`: if it already holds a valid line, carries on from it; otherwise starts
   * at the real time (offset 0, rate 1). The file is written at once, so a process started
   * afterwards under the shim reads it from its first clock call.
   */
  constructor(file: string, initial: { offsetMs?: number; rate?: number } = {}) {
    this.file = resolve(file);
    const existing = existsSync(this.file) ? parseClockLine(readFileSync(this.file, 'utf8')) : undefined;
    const now = realNowNs();
    this.line = existing ?? { anchorRealNs: now, anchorFakeNs: now, rate: 1 };
    if (initial.rate !== undefined || initial.offsetMs !== undefined) {
      const rate = checkRate(initial.rate ?? this.line.rate);
      const fakeNow = fakeTimeNs(this.line, now) + msToNs(initial.offsetMs ?? 0);
      this.line = { anchorRealNs: now, anchorFakeNs: fakeNow, rate };
    }
    mkdirSync(dirname(this.file), { recursive: true });
    this.write();
  }

  /** The current rate (fake seconds per real second). */
  rate(): number {
    return this.line.rate;
  }

  /** The line in force (what the file holds). */
  current(): ClockLine {
    return this.line;
  }

  /** Changes the rate from now on, without a jump in time. */
  setRate(rate: number): void {
    checkRate(rate);
    const now = realNowNs();
    this.line = { anchorRealNs: now, anchorFakeNs: fakeTimeNs(this.line, now), rate };
    this.write();
  }

  /** Steps the clock by `deltaMs` (an NTP step). */
  jump(deltaMs: number): void {
    if (!Number.isFinite(deltaMs)) throw new RangeError(`jump needs a finite number of ms, got ${deltaMs}`);
    this.line = { ...this.line, anchorFakeNs: this.line.anchorFakeNs + msToNs(deltaMs) };
    this.write();
  }

  /** Back to the real time: offset 0, rate 1. */
  reset(): void {
    const now = realNowNs();
    this.line = { anchorRealNs: now, anchorFakeNs: now, rate: 1 };
    this.write();
  }

  /** The faked clock minus the real clock now, ms (fractional). */
  offsetMs(): number {
    const now = realNowNs();
    return Number(fakeTimeNs(this.line, now) - now) / 1e6;
  }

  /** What the shimmed process reads as the wall clock now, ms since the epoch. */
  nowMs(): number {
    return Number(fakeTimeNs(this.line, realNowNs()) / 1000n) / 1000;
  }

  /** Resolves once a shimmed process is sure to have picked up the last change (a few ms). */
  settle(): Promise<void> {
    return new Promise((done) => setTimeout(done, CLOCK_SHIM_REFRESH_MS * 5 + 5));
  }

  /** Removes the control file (the shimmed process keeps the last line it read). */
  remove(): void {
    try {
      unlinkSync(this.file);
    } catch {
      // already gone
    }
  }

  private write(): void {
    const tmp = `${this.file}.tmp-${process.pid}-${this.writes++}`;
    writeFileSync(tmp, formatClockLine(this.line));
    renameSync(tmp, this.file);
  }
}

function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

function checkRate(rate: number): number {
  if (!(Number.isFinite(rate) && rate > 0 && rate <= 1e6)) {
    throw new RangeError(`rate must be a finite number in (0, 1e6], got ${rate}`);
  }
  return rate;
}

/** A decimal without exponent, as the shim parses it. */
function formatRate(rate: number): string {
  if (Number.isInteger(rate)) return String(rate);
  const text = rate.toFixed(15).replace(/0+$/, '');
  return text.endsWith('.') ? `${text}0` : text;
}
