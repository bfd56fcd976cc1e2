/**
 * Process hygiene for real mode: every child process real mode starts (redis-server,
 * toxiproxy-server, client processes) is spawned through {@link spawnManaged}, which keeps it in
 * a registry until it exits. Whatever way this Node process ends, the registry's children die
 * with it:
 *
 * - normal exit, `process.exit()`, an uncaught exception: the `exit` event SIGKILLs them all;
 * - SIGINT (Ctrl-C), SIGTERM, SIGHUP: a handler SIGKILLs them all, runs the synchronous cleanups
 *   (e.g. removing temporary data folders), then — if nobody else listens to that signal —
 *   re-raises it so the process still dies of it, as it would have without us;
 * - SIGKILL of this process (which no handler sees): where util-linux `setpriv` exists (Debian
 *   has it in an essential package) children are started as `setpriv --pdeathsig KILL -- cmd`,
 *   so the kernel kills them when their parent dies.
 *
 * Each child leads its own process group (spawned `detached`), so a signal to it also reaches
 * anything it forked (Redis' AOF-rewrite child), and a Ctrl-C typed at the terminal reaches only
 * this process, which then decides.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** How a managed child ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedSpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Default: stdin ignored, stdout and stderr piped. */
  readonly stdio?: StdioOptions;
  /** Kill the child if this process is SIGKILLed (via `setpriv --pdeathsig`). Default true. */
  readonly dieWithParent?: boolean;
  /** Run the child as this user and group (PostgreSQL refuses to run as root). Default: ours. */
  readonly uid?: number;
  readonly gid?: number;
}

/** A child process in the registry. */
export interface ManagedChild {
  /** A label for messages, e.g. "redis n1". */
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves once the child has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** True until the child has exited. */
  readonly alive: boolean;
  /** Sends `signal` to the child's process group (the child and anything it forked). False if it had exited. */
  signal(signal: NodeJS.Signals): boolean;
  /** SIGKILLs the group and resolves once the child has exited. */
  kill(): Promise<ExitInfo>;
}

const children = new Set<ManagedChild>();
const cleanups = new Set<() => void>();
let hooksInstalled = false;
let setprivUsable: boolean | undefined;

const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Finds an executable: an absolute or relative path is checked as is, a bare name is looked up
 * on PATH. Undefined when there is none.
 */
export function findExecutable(command: string): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '').map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, fsConstants.X_OK);
      return isAbsolute(candidate) ? candidate : join(process.cwd(), candidate);
    } catch {
      // not here
    }
  }
  return undefined;
}

function canUseSetpriv(): boolean {
  if (setprivUsable === undefined) {
    const setpriv = findExecutable('setpriv');
    setprivUsable =
      setpriv !== undefined && spawnSync(setpriv, ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' }).status === 0;
  }
  return setprivUsable;
}

/**
 * Starts `command` (an executable path or a name on PATH) as a managed child. Throws if the
 * executable does not exist (so callers can turn that into a "how to install it" message).
 */
export function spawnManaged(
  name: string,
  command: string,
  args: readonly string[],
  options: ManagedSpawnOptions = {},
): ManagedChild {
  const executable = findExecutable(command);
  if (executable === undefined) {
    throw Object.assign(new Error(`${command}: executable not found`), { code: 'ENOENT' });
  }
  installHooks();
  const wrap = (options.dieWithParent ?? true) && canUseSetpriv();
  const child = spawn(
    wrap ? 'setpriv' : executable,
    wrap ? ['--pdeathsig', 'KILL', '--', executable, ...args] : [...args],
    {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(options.uid === undefined ? {} : { uid: options.uid }),
      ...(options.gid === undefined ? {} : { gid: options.gid }),
    },
  );
  const pid = child.pid;
  if (pid === undefined) {
    // spawn failed synchronously (e.g. EAGAIN); the 'error' event follows — swallow it.
    child.once('error', () => {});
    throw new Error(`could not start ${name} (${executable})`);
  }
  let alive = true;
  let resolveExit: (info: ExitInfo) => void = () => {};
  const exited = new Promise<ExitInfo>((resolve) => {
    resolveExit = resolve;
  });
  const managed: ManagedChild = {
    name,
    pid,
    process: child,
    exited,
    get alive() {
      return alive;
    },
    signal(signal) {
      if (!alive) return false;
      return signalGroup(pid, signal);
    },
    async kill() {
      managed.signal('SIGKILL');
      return exited;
    },
  };
  child.on('error', () => {
    // Reported through 'exit'/'close'; an unhandled 'error' would crash the process.
  });
  child.once('exit', (code, signal) => {
    alive = false;
    children.delete(managed);
    // Sweep anything the child forked and left in its group (e.g. an AOF-rewrite child).
    signalGroup(pid, 'SIGKILL');
    resolveExit({ code, signal });
  });
  children.add(managed);
  return managed;
}

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** The children still alive, oldest first. */
export function liveChildren(): readonly ManagedChild[] {
  return [...children];
}

/** SIGKILLs every managed child now (synchronously sends the signals; returns how many). */
export function killAllSync(): number {
  let count = 0;
  for (const child of children) {
    if (signalGroup(child.pid, 'SIGKILL')) count++;
  }
  return count;
}

/** SIGKILLs every managed child and resolves once they have all exited. */
export async function killAll(): Promise<void> {
  const all = [...children];
  killAllSync();
  await Promise.all(all.map((child) => child.exited));
}

/**
 * Registers a synchronous cleanup (e.g. removing a temporary folder) to run when this process
 * exits or is interrupted; returns a function that unregisters it.
 */
export function registerCleanup(cleanup: () => void): () => void {
  installHooks();
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

function runCleanupsSync(): void {
  killAllSync();
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // best effort while exiting
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runCleanupsSync();
  // Die of the signal, as without our handler — unless someone else also handles it.
  const ours = signalHandlers.get(signal);
  if (ours !== undefined && process.listenerCount(signal) === 1) {
    process.removeListener(signal, ours);
    process.kill(process.pid, signal);
  }
}

const signalHandlers = new Map<NodeJS.Signals, () => void>();

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', runCleanupsSync);
  for (const signal of HANDLED_SIGNALS) {
    const handler = () => onSignal(signal);
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}

/**
 * Whether a process id belongs to a live process (a zombie — dead, not yet reaped — counts as
 * dead). Linux only (reads /proc).
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const status = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = status.slice(status.lastIndexOf(')') + 2, status.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
