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

/** Where a database engine tells of a lock it let go (set again on each new engine, after a restart). */
export interface ReleaseSource<Key> {
  onRelease: ((key: Key) => void) | null;
}

/**
 * A database node's side of the node lane: the lock it watches, and the request being served
 * while that request may release it, so that a release is reported as it happens, before the
 * waiter it lets in is granted (and then that grant is).
 */
export class WatchedLock<Key> {
  private watched: { readonly key: Key; readonly watch: LockWatch } | null = null;
  private acting: { readonly from: string; readonly command: string; readonly reply: string } | null = null;

  constructor(private readonly now: () => Micros) {}

  /** Watches `key` (the engine's name for the lock of `watch`'s resource) in `locks`. */
  watch(key: Key, watch: LockWatch, locks: ReleaseSource<Key>): void {
    this.watched = { key, watch };
    this.hook(locks);
  }

  /** Reports the releases of `locks` (a new engine's, after a restart). */
  hook(locks: ReleaseSource<Key>): void {
    const watched = this.watched;
    if (watched === null) return;
    locks.onRelease = (key) => {
      if (key === watched.key && this.acting !== null) watched.watch.changed(this.now(), this.acting.from, this.acting.command, this.acting.reply);
    };
  }

  /** Runs `work` as the request of `from` that the node lane names for what it changes. */
  actingFor(from: string, command: string, reply: string, work: () => void): void {
    const before = this.acting;
    this.acting = { from, command, reply };
    try {
      work();
    } finally {
      this.acting = before;
    }
  }

  /** After a request of `from`: reports the holder if it changed. */
  changed(from: string, command: string, reply: string): void {
    this.watched?.watch.changed(this.now(), from, command, reply);
  }

  /** The server died, and the lock with it. */
  crashed(): void {
    this.watched?.watch.crashed(this.now());
  }
}
