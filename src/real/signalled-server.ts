/**
 * What every real-mode server process does the same way (redis-server, PostgreSQL, Azurite): its
 * child process, whether it is paused, the tail of what it printed across restarts, and the
 * signals a fault sends it (SIGSTOP and SIGCONT for a pause, SIGKILL for a crash).
 */
import type { ExitInfo, ManagedChild } from './process-group.ts';

/** How much of a server's output is kept for error messages. */
export const OUTPUT_TAIL_CHARS = 16_384;

export abstract class SignalledServer {
  protected child: ManagedChild | undefined;
  protected pausedFlag = false;
  private tail = '';

  get state(): 'running' | 'paused' | 'stopped' {
    if (this.child === undefined || !this.child.alive) return 'stopped';
    return this.pausedFlag ? 'paused' : 'running';
  }

  /** The last ~16 KB the server printed, across restarts. */
  output(): string {
    return this.tail;
  }

  /** SIGSTOP: the server freezes (its clients wait; its clock keeps running). */
  pause(): void {
    if (this.child?.alive !== true || this.pausedFlag) return;
    this.child.signal('SIGSTOP');
    this.pausedFlag = true;
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    if (this.child?.alive !== true || !this.pausedFlag) return;
    this.child.signal('SIGCONT');
    this.pausedFlag = false;
  }

  /** Keeps `text` the server printed. */
  protected keepOutput(text: string): void {
    this.tail = (this.tail + text).slice(-OUTPUT_TAIL_CHARS);
  }

  /** SIGKILL of the server (and its process group), nothing flushed beyond what it already wrote. */
  protected killChild(): Promise<ExitInfo | undefined> {
    const child = this.child;
    if (child === undefined || !child.alive) return Promise.resolve(undefined);
    this.pausedFlag = false;
    return child.kill();
  }
}

/** Starts a server just built; one that fails to start is disposed (its process killed) before the error goes on. */
export async function startedOrDisposed<T extends { dispose(): Promise<void> }>(server: T, start: () => Promise<void>): Promise<T> {
  try {
    await start();
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return server;
}
