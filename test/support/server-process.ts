/**
 * Starting a real server for a test: spawn it, wait for the line that says it is ready, and hand
 * back the child with its output drained, or fail with everything it printed. Shared by the
 * PostgreSQL and Azurite supports (the Redis one predates it).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface ReadyOptions {
  /** A line of the server's output (stdout or stderr) that says it accepts connections. */
  readonly ready: string;
  /** What the server is, for messages ("PostgreSQL", "Azurite"). */
  readonly name: string;
  /** Give up after this many ms (default 30 000). */
  readonly timeoutMs?: number;
  readonly spawn?: SpawnOptions;
}

/** Spawns `command` and resolves once it printed `ready`; kills it and throws otherwise. */
export async function spawnUntilReady(command: string, args: readonly string[], options: ReadyOptions): Promise<ChildProcess> {
  const child = spawn(command, args, { ...options.spawn, stdio: ['ignore', 'pipe', 'pipe'] });
  const outcome = await new Promise<'ready' | string>((resolve) => {
    let output = '';
    const timer = setTimeout(() => resolve(`${options.name} was not ready within ${(options.timeoutMs ?? 30_000) / 1000} s:\n${output}`), options.timeoutMs ?? 30_000);
    const settle = (result: 'ready' | string): void => {
      clearTimeout(timer);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(options.ready)) settle('ready');
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => settle(`could not start ${options.name}: ${error.message}`));
    child.once('exit', (code) => settle(`${options.name} exited with code ${code} before it was ready:\n${output}`));
  });
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(outcome);
  }
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}
