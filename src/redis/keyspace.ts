/**
 * The keyspace of one node: values, absolute expiry times (ms on the node's wall clock), lazy
 * expiry, WATCH bookkeeping and the propagation of write effects.
 *
 * Expiry follows Redis 7.0: a key is logically expired when `now > expireAt`. Reads never see
 * such a key. On a primary, finding it deletes it and propagates a DEL; a replica only hides it
 * and waits for its primary's DEL; a session applying a replication stream / AOF sees it as
 * present (Redis's master client and loading rules).
 */
import type { Session, WatchedKey } from './session.ts';
import { ZSet } from './zset.ts';

export type HashValue = Map<string, string>;
/** string: a Redis string; Map: a hash; ZSet: a sorted set. */
export type RedisValue = string | HashValue | ZSet;

export type RedisType = 'string' | 'hash' | 'zset';

export function typeOf(value: RedisValue): RedisType {
  if (typeof value === 'string') return 'string';
  if (value instanceof ZSet) return 'zset';
  return 'hash';
}

export class Keyspace {
  readonly data = new Map<string, RedisValue>();
  readonly expires = new Map<string, number>();
  /** The current command's time snapshot, integer ms on the node's wall clock. */
  now = 0;
  /** A replica never deletes expired keys on its own. */
  replica: boolean;
  /** The current command comes from a replication stream / AOF load: nothing is expired. */
  applyingStream = false;
  /** Sessions watching each key. */
  private readonly watchers = new Map<string, Set<Session>>();
  /** Where write effects go (null: nobody listens, nothing is recorded). */
  propagateSink: ((command: string[]) => void) | null;
  /** Effects of the current top-level command, flushed by the engine. */
  readonly pending: string[][] = [];
  /** The engine's counters; this class bumps `expiredKeys`. */
  private readonly stats: Record<string, number>;

  constructor(replica: boolean, propagateSink: ((command: string[]) => void) | null, stats: Record<string, number>) {
    this.replica = replica;
    this.propagateSink = propagateSink;
    this.stats = stats;
  }

  // ------------------------------------------------------------------ expiry

  /** `keyIsExpired`: present, has an expiry, and `now > expireAt` (false while applying a stream). */
  isLogicallyExpired(key: string): boolean {
    if (this.applyingStream) return false;
    const at = this.expires.get(key);
    return at !== undefined && this.now > at;
  }

  /**
   * Redis's lookupKey: the value, or undefined when absent or logically expired. On a primary an
   * expired key is deleted (and DEL propagated) right here.
   */
  lookup(key: string): RedisValue | undefined {
    const value = this.data.get(key);
    if (value === undefined) return undefined;
    if (this.expires.size !== 0 && !this.applyingStream) {
      const at = this.expires.get(key);
      if (at !== undefined && this.now > at) {
        if (!this.replica) this.deleteExpired(key);
        return undefined;
      }
    }
    return value;
  }

  /** `expireIfNeeded` without the read: true when the key is (now) gone because it expired. */
  expireIfNeeded(key: string): boolean {
    if (!this.isLogicallyExpired(key)) return false;
    if (!this.replica) this.deleteExpired(key);
    return true;
  }

  private deleteExpired(key: string): void {
    this.data.delete(key);
    this.expires.delete(key);
    this.stats.expiredKeys++;
    this.propagate(['DEL', key]);
    this.touch(key);
  }

  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  setExpire(key: string, at: number): void {
    this.expires.set(key, at);
  }

  removeExpire(key: string): boolean {
    return this.expires.delete(key);
  }

  // ------------------------------------------------------------------ writes

  /**
   * `setKey`: stores `value`, dropping any expiry unless `keepTtl`. The caller touches the key
   * and propagates.
   */
  set(key: string, value: RedisValue, keepTtl = false): void {
    this.data.set(key, value);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
  }

  /**
   * Adds a key that the current command found absent. A logically expired key still stored
   * (on a replica) is replaced together with its old expiry.
   */
  add(key: string, value: RedisValue): void {
    this.data.set(key, value);
    if (this.expires.size !== 0) this.expires.delete(key);
  }

  /** `dbDelete`: true when the key was present. */
  delete(key: string): boolean {
    if (!this.data.delete(key)) return false;
    if (this.expires.size !== 0) this.expires.delete(key);
    return true;
  }

  /** FLUSHALL: touches the watched keys that exist, then empties everything. */
  flush(): void {
    if (this.watchers.size !== 0) {
      for (const [key, sessions] of this.watchers) {
        if (!this.data.has(key)) continue;
        for (const session of sessions) {
          const wk = session.watched.get(key) as WatchedKey;
          if (wk.expired) {
            // An already expired key being removed is no logical change.
            wk.expired = false;
            continue;
          }
          session.dirtyCas = true;
        }
      }
    }
    this.data.clear();
    this.expires.clear();
  }

  // ------------------------------------------------------------------ WATCH

  watch(session: Session, key: string): void {
    if (session.watched.has(key)) return;
    session.watched.set(key, { expired: this.data.has(key) && this.isLogicallyExpired(key) });
    let set = this.watchers.get(key);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(session);
  }

  unwatchAll(session: Session): void {
    if (session.watched.size === 0) return;
    for (const key of session.watched.keys()) {
      const set = this.watchers.get(key);
      if (set === undefined) continue;
      set.delete(session);
      if (set.size === 0) this.watchers.delete(key);
    }
    session.watched.clear();
  }

  /** EXEC's check: a watched key that was not expired at WATCH time is expired now. */
  watchedKeyExpired(session: Session): boolean {
    for (const [key, wk] of session.watched) {
      if (wk.expired) continue;
      if (this.data.has(key) && this.isLogicallyExpired(key)) return true;
    }
    return false;
  }

  /** `signalModifiedKey` / `touchWatchedKey`: marks every session watching `key` dirty. */
  touch(key: string): void {
    if (this.watchers.size === 0) return;
    const sessions = this.watchers.get(key);
    if (sessions === undefined) return;
    for (const session of sessions) {
      const wk = session.watched.get(key) as WatchedKey;
      if (wk.expired && !this.data.has(key)) {
        // The key was already expired when watched and is now deleted: no logical change.
        wk.expired = false;
        continue;
      }
      session.dirtyCas = true;
    }
  }

  // ------------------------------------------------------------------ propagation

  /** True when write effects are being recorded (someone listens). */
  get propagating(): boolean {
    return this.propagateSink !== null;
  }

  /** Records a write effect of the current command (as replicas/AOF would receive it). */
  propagate(command: string[]): void {
    if (this.propagateSink !== null) this.pending.push(command);
  }

  /** Records the current command's own arguments as its effect. */
  propagateArgs(args: readonly string[]): void {
    if (this.propagateSink !== null) this.pending.push(args.slice());
  }

  /** Emits the current command's effects: one command as is, several wrapped in MULTI/EXEC. */
  flushPropagation(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    if (this.propagateSink === null) {
      pending.length = 0;
      return;
    }
    const sink = this.propagateSink;
    const commands = pending.splice(0);
    if (commands.length === 1) {
      sink(commands[0]);
      return;
    }
    sink(['MULTI']);
    for (const command of commands) sink(command);
    sink(['EXEC']);
  }

  // ------------------------------------------------------------------ copies

  /** A deep copy of data and expiry times (no watchers, no pending effects). */
  cloneInto(target: Keyspace): void {
    for (const [key, value] of this.data) {
      target.data.set(key, typeof value === 'string' ? value : value instanceof ZSet ? value.clone() : new Map(value));
    }
    for (const [key, at] of this.expires) target.expires.set(key, at);
  }
}
