/**
 * Starts real `redis-server` processes for tests: loopback only, a free port, a private data
 * folder, stopped when the test ends (register `stop` in afterAll/afterEach: it is idempotent).
 *
 * With CI=true a missing binary is a failure; on a laptop without Redis the tests that need it
 * are skipped with a message that says how to install it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/real/redis-process.ts';

export const REDIS_BINARY = process.env.LOCKSIM_REDIS_SERVER ?? 'redis-server';

/** True when `redis-server` can be run here. */
export function redisServerAvailable(): boolean {
  const probe = spawnSync(REDIS_BINARY, ['--version'], { encoding: 'utf8' });
  return probe.status === 0;
}

/**
 * Whether tests that need real servers should run: always under CI (where a missing binary
 * must fail loudly), otherwise only when the binary is there.
 */
export function realRedisTestsEnabled(): boolean {
  if (process.env.CI === 'true') return true;
  const ok = redisServerAvailable();
  if (!ok) {
    console.warn(`skipping real-Redis tests: '${REDIS_BINARY}' not found (apt-get install redis-server)`);
  }
  return ok;
}

export { freePort };

export interface RedisServerOptions {
  /** Extra `redis-server` arguments, e.g. ['--appendonly', 'yes']. */
  args?: string[];
  /** Reuse a data folder (to restart a node on what it persisted). */
  dir?: string;
  /** Reuse a port (to restart a node where its clients expect it). */
  port?: number;
}

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dir: string;
  readonly process: ChildProcess;
  /** Stops the server (SIGKILL unless `graceful`) and, unless `keepDir`, removes its folder. */
  stop(options?: { graceful?: boolean; keepDir?: boolean }): Promise<void>;
}

const running = new Set<RedisServer>();
process.once('exit', () => {
  for (const server of running) server.process.kill('SIGKILL');
});

/** Starts one `redis-server` and resolves once it accepts connections. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'locksim-redis-'));
  const lastError: string[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? (await freePort());
    const child = spawn(
      REDIS_BINARY,
      [
        '--bind', '127.0.0.1',
        '--port', String(port),
        '--dir', dir,
        '--save', '',
        '--appendonly', 'no',
        '--protected-mode', 'yes',
        '--daemonize', 'no',
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const outcome = await new Promise<'ready' | string>((resolve) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve('ready');
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => resolve(`could not start '${REDIS_BINARY}': ${error.message} (apt-get install redis-server)`));
      child.once('exit', (code) => resolve(`redis-server exited with code ${code} before it was ready:\n${output}`));
    });
    if (outcome === 'ready') {
      child.stdout?.removeAllListeners('data');
      child.stderr?.removeAllListeners('data');
      child.stdout?.resume();
      child.stderr?.resume();
      const server: RedisServer = {
        host: '127.0.0.1',
        port,
        dir,
        process: child,
        async stop(stopOptions = {}) {
          running.delete(server);
          if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
            child.kill(stopOptions.graceful ? 'SIGTERM' : 'SIGKILL');
            await exited;
          }
          if (!stopOptions.keepDir && options.dir === undefined) rmSync(dir, { recursive: true, force: true });
        },
      };
      running.add(server);
      return server;
    }
    lastError.push(outcome);
    if (!outcome.includes('Address already in use') || options.port !== undefined) break;
  }
  if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  throw new Error(lastError.join('\n'));
}
