/**
 * Real `redis-server` processes for real mode: one node per process, listening on 127.0.0.1
 * only, on a free port (or a given one), with its own data folder and a persistence mode,
 * optionally under the clock shim (src/real/clock-shim.ts). A node can be stopped (SIGTERM,
 * Redis' clean shutdown), crashed (SIGKILL), restarted on the same port and folder (so an AOF is
 * reloaded), and paused/resumed (SIGSTOP/SIGCONT). Every process goes through the registry of
 * src/real/process-group.ts, so none outlives this process.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { buildClockShim, ClockControl, clockShimEnv } from './clock-shim.ts';
import { findExecutable, registerCleanup, spawnManaged, type ExitInfo, type ManagedChild } from './process-group.ts';
import { OUTPUT_TAIL_CHARS, SignalledServer, startedOrDisposed } from './signalled-server.ts';
import { ownedTempDir, sweepStaleRedisDirsOnce } from './temp-dirs.ts';

/** How a node persists writes. */
export type Persistence = 'none' | 'aof-always' | 'aof-everysec';

/** The `redis-server` arguments for a persistence mode (RDB snapshots are always off). */
export function persistenceArgs(persistence: Persistence): string[] {
  switch (persistence) {
    case 'none':
      return ['--save', '', '--appendonly', 'no'];
    case 'aof-always':
      return ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    case 'aof-everysec':
      return ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'];
  }
}

/** `redis-server` is not installed (or not where LOCKSIM_REDIS_SERVER points). */
export class RedisServerMissingError extends Error {
  constructor(binary: string) {
    super(`redis-server not found: apt-get install redis-server (looked for '${binary}'; set LOCKSIM_REDIS_SERVER to override)`);
    this.name = 'RedisServerMissingError';
  }
}

/** The port a node must listen on is taken by another process. */
export class PortInUseError extends Error {
  constructor(readonly port: number, detail = '') {
    super(`port ${port} on 127.0.0.1 is already in use${detail === '' ? '' : `: ${detail}`}`);
    this.name = 'PortInUseError';
  }
}

/** The `redis-server` binary to use: `binary`, else LOCKSIM_REDIS_SERVER, else `redis-server` on PATH. */
export function redisServerPath(binary?: string): string {
  const wanted = binary ?? process.env.LOCKSIM_REDIS_SERVER ?? 'redis-server';
  const found = findExecutable(wanted);
  if (found === undefined) throw new RedisServerMissingError(wanted);
  return found;
}

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a probe socket'));
        return;
      }
      const { port } = address;
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portListening(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (result: boolean) => {
      socket.destroy();
      resolveProbe(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Put the node under the clock shim. */
export interface RedisClockOptions {
  /** The shim library; default: {@link buildClockShim}'s result. */
  readonly shimPath?: string;
  /** The control file; default: `clock` in the node's data folder. */
  readonly controlFile?: string;
  /** Initial skew. */
  readonly offsetMs?: number;
  readonly rate?: number;
}

export interface RedisProcessOptions {
  /** A label for messages and the registry. Default "redis". */
  readonly name?: string;
  /** Listen on this port (127.0.0.1). Default: a free one, chosen once and kept across restarts. */
  readonly port?: number;
  /** Data folder (AOF lives here). Default: a new temporary folder, removed by `dispose()`. */
  readonly dir?: string;
  /** Default 'none'. */
  readonly persistence?: Persistence;
  /** Run under the clock shim (`true` for the defaults). */
  readonly clock?: boolean | RedisClockOptions;
  /** More `redis-server` arguments, e.g. ['--maxmemory', '10mb']. */
  readonly extraArgs?: readonly string[];
  /** How long to wait for "Ready to accept connections". Default 15 s. */
  readonly startTimeoutMs?: number;
  /** `redis-server` binary; default LOCKSIM_REDIS_SERVER or `redis-server` on PATH. */
  readonly binary?: string;
}

export type RedisState = 'running' | 'paused' | 'stopped';


/** One real `redis-server` node. */
export class RedisProcess extends SignalledServer {
  readonly name: string;
  readonly host = '127.0.0.1' as const;
  readonly dir: string;
  readonly persistence: Persistence;
  /** The node's clock when it runs under the shim. */
  readonly clock: ClockControl | undefined;
  private portValue: number;
  private readonly ownsDir: boolean;
  private readonly unregisterCleanup: () => void;
  private readonly binary: string;
  private readonly args: readonly string[];
  private readonly shimEnv: Record<string, string>;
  private readonly startTimeoutMs: number;
  private readonly fixedPort: boolean;

  private constructor(init: {
    name: string;
    port: number;
    fixedPort: boolean;
    dir: string;
    ownsDir: boolean;
    persistence: Persistence;
    binary: string;
    args: readonly string[];
    clock: ClockControl | undefined;
    shimEnv: Record<string, string>;
    startTimeoutMs: number;
  }) {
    super();
    this.name = init.name;
    this.portValue = init.port;
    this.fixedPort = init.fixedPort;
    this.dir = init.dir;
    this.ownsDir = init.ownsDir;
    this.persistence = init.persistence;
    this.binary = init.binary;
    this.args = init.args;
    this.clock = init.clock;
    this.shimEnv = init.shimEnv;
    this.startTimeoutMs = init.startTimeoutMs;
    const dir = this.dir;
    this.unregisterCleanup = this.ownsDir ? registerCleanup(() => rmSync(dir, { recursive: true, force: true })) : () => {};
  }

  /**
   * Starts a node and resolves once it accepts connections. Throws {@link RedisServerMissingError}
   * if there is no `redis-server`, {@link PortInUseError} if a given port is taken.
   */
  static async start(options: RedisProcessOptions = {}): Promise<RedisProcess> {
    const binary = redisServerPath(options.binary);
    const ownsDir = options.dir === undefined;
    // Folders left by real runs that were SIGKILLed (no cleanup ran) go first.
    if (ownsDir) sweepStaleRedisDirsOnce();
    const dir = ownsDir ? ownedTempDir() : resolve(options.dir as string);
    mkdirSync(dir, { recursive: true });
    try {
      let clock: ClockControl | undefined;
      let shimEnv: Record<string, string> = {};
      if (options.clock !== undefined && options.clock !== false) {
        const clockOptions: RedisClockOptions = options.clock === true ? {} : options.clock;
        const shimPath = clockOptions.shimPath ?? (await buildClockShim());
        const controlFile = resolve(clockOptions.controlFile ?? join(dir, 'clock'));
        clock = new ClockControl(controlFile, { offsetMs: clockOptions.offsetMs, rate: clockOptions.rate });
        shimEnv = clockShimEnv(shimPath, controlFile);
      }
      const node = new RedisProcess({
        name: options.name ?? 'redis',
        port: options.port ?? (await freePort()),
        fixedPort: options.port !== undefined,
        dir,
        ownsDir,
        persistence: options.persistence ?? 'none',
        binary,
        args: options.extraArgs ?? [],
        clock,
        shimEnv,
        startTimeoutMs: options.startTimeoutMs ?? 15_000,
      });
      return await startedOrDisposed(node, () => node.launch(true));
    } catch (error) {
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get port(): number {
    return this.portValue;
  }

  /** `redis://127.0.0.1:port`. */
  get url(): string {
    return `redis://${this.host}:${this.portValue}`;
  }

  /** The pid of the running server (undefined when stopped). */
  get pid(): number | undefined {
    return this.child?.alive ? this.child.pid : undefined;
  }

  /** Clean shutdown (SIGTERM; Redis flushes and fsyncs its AOF). SIGKILL if it takes over `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<ExitInfo | undefined> {
    const child = this.child;
    if (child === undefined || !child.alive) return undefined;
    child.signal('SIGTERM');
    if (this.pausedFlag) child.signal('SIGCONT');
    this.pausedFlag = false;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([child.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') return child.kill();
    return outcome;
  }

  /** Crash: SIGKILL, nothing flushed beyond what the persistence mode already wrote. */
  kill(): Promise<ExitInfo | undefined> {
    return this.killChild();
  }

  /**
   * Starts the server again on the same port and data folder (so an AOF is reloaded). If it is
   * still running, it is SIGKILLed first (a crash-restart). Throws {@link PortInUseError} if
   * another process took the port meanwhile.
   */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch(false);
  }

  /** SIGSTOP: the server freezes (clients time out; its clock keeps running). A stopped server cannot be paused. */
  override pause(): void {
    this.requireRunning('pause');
    super.pause();
  }

  /** SIGCONT after {@link pause}. */
  override resume(): void {
    this.requireRunning('resume');
    super.resume();
  }

  /** Kills the server if needed and removes its data folder if this object created it. Idempotent. */
  async dispose(): Promise<void> {
    await this.kill();
    this.unregisterCleanup();
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private requireRunning(what: string): ManagedChild {
    const child = this.child;
    if (child === undefined || !child.alive) throw new Error(`cannot ${what} ${this.name}: it is not running`);
    return child;
  }


  /** Spawns the server; on a taken port, a first start on a port we chose retries with another. */
  private async launch(first: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.spawnOnce();
      if (outcome === 'ready') return;
      if (outcome === 'port-in-use') {
        if (first && !this.fixedPort && attempt < 5) {
          this.portValue = await freePort();
          continue;
        }
        throw new PortInUseError(this.portValue, `${this.name} could not bind it`);
      }
      throw new Error(outcome);
    }
  }

  private async spawnOnce(): Promise<'ready' | 'port-in-use' | string> {
    const args = [
      '--bind', '127.0.0.1',
      '--port', String(this.portValue),
      '--dir', this.dir,
      '--protected-mode', 'yes',
      '--daemonize', 'no',
      '--logfile', '',
      ...persistenceArgs(this.persistence),
      ...this.args,
    ];
    const child = spawnManaged(`${this.name} (:${this.portValue})`, this.binary, args, {
      env: { ...process.env, ...this.shimEnv },
      cwd: this.dir,
    });
    this.child = child;
    this.pausedFlag = false;
    let sinceStart = '';
    let ready = false;
    let readyResolve: () => void = () => {};
    const readySeen = new Promise<void>((done) => {
      readyResolve = done;
    });
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      this.keepOutput(text);
      if (!ready) {
        sinceStart = (sinceStart + text).slice(-OUTPUT_TAIL_CHARS);
        if (sinceStart.includes('Ready to accept connections')) {
          ready = true;
          readyResolve();
        }
      }
    };
    child.process.stdout?.on('data', onData);
    child.process.stderr?.on('data', onData);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), this.startTimeoutMs);
    });
    const outcome = await Promise.race([readySeen.then(() => 'ready' as const), child.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'ready') return 'ready';
    if (outcome === 'timeout') {
      await child.kill();
      return `${this.name} did not start within ${this.startTimeoutMs} ms:\n${sinceStart}`;
    }
    if (/Address already in use/i.test(sinceStart)) return 'port-in-use';
    return `${this.name} exited (code ${outcome.code}, signal ${outcome.signal}) before it was ready:\n${sinceStart}`;
  }
}

/** Starts one node (see {@link RedisProcess.start}). */
export function startRedis(options: RedisProcessOptions = {}): Promise<RedisProcess> {
  return RedisProcess.start(options);
}
