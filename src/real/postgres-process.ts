/**
 * Real PostgreSQL servers for real mode: Debian's binaries (`apt-get install postgresql`), one
 * cluster per node made by initdb in a temporary folder (trust authentication, user `postgres`),
 * listening on 127.0.0.1 only, on a free port, with the node's settings passed as `-c name=value`.
 * PostgreSQL will not run as root: as root it runs as the `postgres` user the package creates;
 * otherwise as the user running locksim. A crash is SIGKILL of the postmaster's process group
 * (the backends go with it: every session and lock), a restart starts it again on the same folder
 * and port (crash recovery replays the WAL: sequences survive), a pause is SIGSTOP of the group.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { RealServerProcess } from '../faults/real-context.ts';
import { registerCleanup, spawnManaged } from './process-group.ts';
import { OUTPUT_TAIL_CHARS, SignalledServer, startedOrDisposed } from './signalled-server.ts';
import { freePort } from './redis-process.ts';
import { ownedTempDir, sweepStaleTempDirs } from './temp-dirs.ts';

/** The prefix of a PostgreSQL node's folder in the temporary folder. */
export const POSTGRES_DIR_PREFIX = 'locksim-pg-';

/** PostgreSQL's server binaries are not installed. */
export class PostgresMissingError extends Error {
  constructor() {
    super('PostgreSQL is not installed: no server in /usr/lib/postgresql (apt-get install postgresql), or set LOCKSIM_PG_BIN to the folder of initdb and postgres');
    this.name = 'PostgresMissingError';
  }
}

/** Where the server's binaries are (Debian's newest version, or LOCKSIM_PG_BIN), or null. */
export function postgresBinDir(): string | null {
  if (process.env.LOCKSIM_PG_BIN !== undefined) return process.env.LOCKSIM_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? null : join(root, versions[0] as string, 'bin');
}

/** The binaries' folder, or {@link PostgresMissingError}. */
export function requirePostgres(): string {
  const bin = postgresBinDir();
  if (bin === null) throw new PostgresMissingError();
  return bin;
}

/** The user PostgreSQL runs as: ours, or (as root) the package's `postgres` user. */
function serverUser(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error("running as root, PostgreSQL needs the 'postgres' user (apt-get install postgresql creates it), or run locksim as an ordinary user");
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

let swept = false;

export interface PostgresProcessOptions {
  /** A label for messages. */
  readonly name: string;
  /** postgresql.conf settings (the node's `postgres` settings), passed as `-c name=value`. */
  readonly settings?: Readonly<Record<string, string | number>>;
  /** How long to wait for "ready to accept connections". Default 30 s. */
  readonly startTimeoutMs?: number;
}

export class PostgresProcess extends SignalledServer implements RealServerProcess {
  readonly host = '127.0.0.1' as const;
  /** What a crash keeps: the WAL (sequences); sessions and locks are gone. */
  readonly persistence = 'wal';
  /** No clock shim under PostgreSQL: its timeouts run on the machine's clock. */
  readonly clock = undefined;
  private readonly unregisterCleanup: () => void;

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    private readonly bin: string,
    private readonly user: { uid?: number; gid?: number },
    private readonly settings: Readonly<Record<string, string | number>>,
    private readonly startTimeoutMs: number,
  ) {
    super();
    this.unregisterCleanup = registerCleanup(() => rmSync(dir, { recursive: true, force: true }));
  }

  /** Makes a cluster and starts the server; resolves once it accepts connections. */
  static async start(options: PostgresProcessOptions): Promise<PostgresProcess> {
    const bin = requirePostgres();
    const user = serverUser();
    if (!swept) {
      swept = true;
      sweepStaleTempDirs(POSTGRES_DIR_PREFIX);
    }
    const dir = ownedTempDir(POSTGRES_DIR_PREFIX);
    try {
      if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
      const init = spawnSync(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { encoding: 'utf8', ...user });
      if (init.status !== 0) throw new Error(`initdb for ${options.name} failed:\n${init.stderr}`);
      const node = new PostgresProcess(options.name, await freePort(), dir, bin, user, options.settings ?? {}, options.startTimeoutMs ?? 30_000);
      return await startedOrDisposed(node, () => node.launch());
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** SIGKILL of the postmaster and every backend. */
  kill(): Promise<unknown> {
    return this.killChild();
  }

  /** Starts it again on the same folder and port (after a kill: crash recovery). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.kill();
    this.unregisterCleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const options: Record<string, string | number> = { listen_addresses: '127.0.0.1', fsync: 'off', ...this.settings };
    const args = ['-D', join(this.dir, 'data'), '-p', String(this.port), '-k', this.dir, ...Object.entries(options).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const child = spawnManaged(`${this.name} (postgres :${this.port})`, join(this.bin, 'postgres'), args, { ...this.user });
    this.child = child;
    this.pausedFlag = false;
    let sinceStart = '';
    let readyResolve: () => void = () => {};
    const ready = new Promise<void>((done) => (readyResolve = done));
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      this.keepOutput(text);
      sinceStart = (sinceStart + text).slice(-OUTPUT_TAIL_CHARS);
      if (sinceStart.includes('database system is ready to accept connections')) readyResolve();
    };
    child.process.stdout?.on('data', onData);
    child.process.stderr?.on('data', onData);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), this.startTimeoutMs)));
    const outcome = await Promise.race([ready.then(() => 'ready' as const), child.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'ready') return;
    if (outcome === 'timeout') {
      await child.kill();
      throw new Error(`${this.name} (PostgreSQL) did not start within ${this.startTimeoutMs} ms:\n${sinceStart}`);
    }
    throw new Error(`${this.name} (PostgreSQL) exited (code ${outcome.code}, signal ${outcome.signal}) before it was ready:\n${sinceStart}`);
  }
}
