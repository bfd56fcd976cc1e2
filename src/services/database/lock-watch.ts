/**
 * What a database node tells the run's recording about a lock it keeps for a session (an
 * advisory lock, an application lock): which session holds it, from when to when, as the node
 * lane of the report shows a Redis key's life. The holder's value is the one the lock's lease
 * carries (src/locks/advisory-common.ts's sessionLockValue), so the recording knows which client
 * held it; a lock held by a session never expires by itself (`expiresAt` null): it ends when
 * the session releases it, its transaction ends, or the session itself ends.
 */
import type { Micros } from '../../sim/time.ts';
import type { NodeObserver } from '../service.ts';

export class LockWatch {
  /** The holder last reported (null: free). */
  private last: string | null = null;

  constructor(
    private readonly node: string,
    private readonly resource: string,
    private readonly observer: NodeObserver,
    /** The holding session's value now, or null when nobody holds the lock. */
    private readonly holder: () => string | null,
  ) {}

  /** After a request of `from` (`command`: what it was, `reply`: how it ended): reports the holder if it changed. */
  changed(at: Micros, from: string, command: string, reply: string): void {
    const value = this.holder();
    if (value === this.last) return;
    this.last = value;
    this.observer.keySample(this.node, { at, key: this.resource, value, expiresAt: null, cause: 'command' });
    this.observer.keyCommand(this.node, { at, key: this.resource, from, args: [command, this.resource], reply });
  }

  /** The server died: every session, and the lock, with it. */
  crashed(at: Micros): void {
    if (this.last === null) return;
    this.last = null;
    this.observer.keySample(this.node, { at, key: this.resource, value: null, expiresAt: null, cause: 'crash' });
  }
}
