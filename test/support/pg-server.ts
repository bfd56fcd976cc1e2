/**
 * Starts a real PostgreSQL server for tests: Debian's binaries (apt-get install postgresql), a
 * fresh cluster in a temporary folder (initdb, trust authentication), 127.0.0.1 on a free port,
 * stopped and removed when the test ends (register `stop` in afterAll; it is idempotent).
 * PostgreSQL refuses to run as root: as root it runs as the `postgres` user the package creates.
 *
 * With CI=true a missing binary is a failure; elsewhere the tests that need it are skipped with a
 * message that says how to install it.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { spawnUntilReady } from './server-process.ts';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/real/redis-process.ts';

/** Where Debian puts the server's binaries (the newest version installed), or LOCKSIM_PG_BIN. */
export function postgresBinDir(): string | null {
  if (process.env.LOCKSIM_PG_BIN !== undefined) return process.env.LOCKSIM_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? null : join(root, versions[0] as string, 'bin');
}

/** Whether tests that need PostgreSQL run: always under CI (a missing server fails), else when it is installed. */
export function postgresTestsEnabled(): boolean {
  if (process.env.CI === 'true') return true;
  if (postgresBinDir() !== null) return true;
  console.warn('skipping PostgreSQL tests: no server in /usr/lib/postgresql (apt-get install postgresql)');
  return false;
}

/** The uid and gid of the `postgres` user the Debian package creates (PostgreSQL will not run as root). */
function postgresUser(): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error("running as root, PostgreSQL needs the 'postgres' user (apt-get install postgresql creates it)");
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const running = new Set<PostgresServer>();
process.once('exit', () => {
  for (const server of running) server.process.kill('SIGKILL');
});

/** Starts one PostgreSQL server and resolves once it accepts connections. */
export async function startPostgres(settings: Record<string, string> = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error('PostgreSQL is not installed: no server in /usr/lib/postgresql (apt-get install postgresql), or set LOCKSIM_PG_BIN');
  // As root, run as the package's postgres user (spawn's uid/gid: signals reach postgres itself).
  const user: { uid?: number; gid?: number } = userInfo().uid === 0 ? postgresUser() : {};
  const dir = mkdtempSync(join(tmpdir(), 'locksim-pg-'));
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], { encoding: 'utf8', ...user });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed:\n${init.stderr}`);
  }
  const port = await freePort();
  const options = { listen_addresses: '127.0.0.1', fsync: 'off', ...settings };
  const args = ['-D', data, '-p', String(port), '-k', dir, ...Object.entries(options).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  let child: ChildProcess;
  try {
    child = await spawnUntilReady(join(bin, 'postgres'), args, { name: 'PostgreSQL', ready: 'database system is ready to accept connections', spawn: user });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const server: PostgresServer = {
    host: '127.0.0.1',
    port,
    process: child,
    async stop() {
      running.delete(server);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        // Immediate shutdown: the postmaster takes its backends with it.
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(server);
  return server;
}
