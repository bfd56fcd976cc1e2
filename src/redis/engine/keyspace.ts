/**
 * The keyspace of one node: its 16 numbered databases (values, absolute expiry times in ms on the
 * node's wall clock), lazy expiry, WATCH bookkeeping and the propagation of write effects.
 *
 * Commands work on the *selected* database: `data`, `expires` and the watchers point at it, and
 * the engine selects the calling session's database before each command (a pointer swap when
 * it differs, nothing on the common path where every client stays in database 0).
 *
 * Expiry follows Redis 7.0: a key is logically expired when `now > expireAt`. Reads never see
 * such a key. On a primary, finding it deletes it and propagates a DEL; a replica only hides it
 * and waits for its primary's DEL; a session applying a replication stream / AOF sees it as
 * present (Redis's master client and loading rules).
 */
import { EffectStream } from './effects.ts';
import type { Session, WatchedKey } from './session.ts';
import { RedisSet } from './set.ts';
import { ZSet } from './zset.ts';

export type HashValue = Map<string, string>;
/** string: a Redis string; Map: a hash; ZSet: a sorted set; RedisSet: a set. */
export type RedisValue = string | HashValue | ZSet | RedisSet;

export type RedisType = 'string' | 'hash' | 'zset' | 'set';

/** Redis's default `databases`: SELECT takes 0 to 15. */
export const DATABASES = 16;

export function typeOf(value: RedisValue): RedisType {
  if (typeof value === 'string') return 'string';
  if (value instanceof ZSet) return 'zset';
  if (value instanceof RedisSet) return 'set';
  return 'hash';
}

/** A deep copy of a value (COPY, snapshots). */
export function copyValue(value: RedisValue): RedisValue {
  if (typeof value === 'string') return value;
  if (value instanceof ZSet || value instanceof RedisSet) return value.clone();
  return new Map(value);
}

/** One numbered database. */
interface Database {
  /** Keys and their expiries: SWAPDB exchanges these between two databases. */
  data: Map<string, RedisValue>;
  expires: Map<string, number>;
  /** The WATCHes on keys of this database, by key: these stay with the number on SWAPDB. */
  readonly watchers: Map<string, WatchedKey[]>;
}

function newDatabase(): Database {
  return { data: new Map(), expires: new Map(), watchers: new Map() };
}

const EMPTY_DATA: ReadonlyMap<string, RedisValue> = new Map();
const EMPTY_EXPIRES: ReadonlyMap<string, number> = new Map();

export class Keyspace {
  /** The selected database's keys. */
  data: Map<string, RedisValue>;
  /** The selected database's expiry times. */
  expires: Map<string, number>;
  /** The selected database's number. */
  db = 0;
  /** The databases by number, created when first selected. */
  private readonly dbs: Array<Database | undefined> = new Array(DATABASES).fill(undefined);
  /** The current command's time snapshot, integer ms on the node's wall clock. */
  now = 0;
  /** A replica never deletes expired keys on its own. */
  replica: boolean;
  /** The current command comes from a replication stream / AOF load: nothing is expired. */
  applyingStream = false;
  /** The WATCHes on keys of the selected database. */
  private watchers: Map<string, WatchedKey[]>;
  /** The write effects of the current top-level command, flushed by the engine. */
  readonly effects: EffectStream;
  /** The engine's counters; this class bumps `expiredKeys`. */
  private readonly stats: Record<string, number>;

  constructor(replica: boolean, propagateSink: ((command: string[]) => void) | null, stats: Record<string, number>) {
    this.replica = replica;
    this.effects = new EffectStream(propagateSink);
    this.stats = stats;
    const db0 = newDatabase();
    this.dbs[0] = db0;
    this.data = db0.data;
    this.expires = db0.expires;
    this.watchers = db0.watchers;
  }

  // ------------------------------------------------------------------ databases

  private database(index: number): Database {
    let db = this.dbs[index];
    if (db === undefined) {
      db = newDatabase();
      this.dbs[index] = db;
    }
    return db;
  }

  /** Makes database `index` (0 to {@link DATABASES} - 1) the one commands work on. */
  select(index: number): void {
    const db = this.database(index);
    this.db = index;
    this.data = db.data;
    this.expires = db.expires;
    this.watchers = db.watchers;
  }

  /** The keys of database `index` (empty when never used), without selecting it. */
  keysOf(index: number): ReadonlyMap<string, RedisValue> {
    return this.dbs[index]?.data ?? EMPTY_DATA;
  }

  /** The expiry times of database `index`, without selecting it. */
  expiresOf(index: number): ReadonlyMap<string, number> {
    return this.dbs[index]?.expires ?? EMPTY_EXPIRES;
  }

  /** Keys stored in every database (logically expired ones not yet deleted included). */
  get totalKeys(): number {
    let total = 0;
    for (const db of this.dbs) if (db !== undefined) total += db.data.size;
    return total;
  }

  /** SWAPDB: the two databases exchange their keys; WATCHes stay with the numbers and are touched. */
  swap(a: number, b: number): void {
    if (a === b) return;
    const x = this.database(a);
    const y = this.database(b);
    this.touchAllWatchedKeys(x, y);
    this.touchAllWatchedKeys(y, x);
    const data = x.data;
    const expires = x.expires;
    x.data = y.data;
    x.expires = y.expires;
    y.data = data;
    y.expires = expires;
    this.select(this.db);
  }

  // ------------------------------------------------------------------ expiry

  /** `keyIsExpired`: present, has an expiry, and `now > expireAt` (false while applying a stream). */
  isLogicallyExpired(key: string): boolean {
    if (this.applyingStream) return false;
    const at = this.expires.get(key);
    return at !== undefined && this.now > at;
  }

  /** `keyIsExpired` in any database. */
  private expiredIn(db: Database, key: string): boolean {
    if (this.applyingStream) return false;
    const at = db.expires.get(key);
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

  /** FLUSHDB: touches the watched keys of the selected database, then empties it. */
  flushSelected(): void {
    const db = this.database(this.db);
    this.touchAllWatchedKeys(db, null);
    db.data.clear();
    db.expires.clear();
  }

  /** FLUSHALL: FLUSHDB on every database. */
  flush(): void {
    for (const db of this.dbs) {
      if (db === undefined) continue;
      this.touchAllWatchedKeys(db, null);
      db.data.clear();
      db.expires.clear();
    }
  }

  /**
   * `touchAllWatchedKeysInDb`: `emptied` loses its keys (FLUSHDB) or gets those of
   * `replacedWith` (SWAPDB): every watch on a key that exists in either is a change, except
   * that a key already expired when watched that stays absent or expired is none.
   */
  private touchAllWatchedKeys(emptied: Database, replacedWith: Database | null): void {
    if (emptied.watchers.size === 0) return;
    for (const [key, watches] of emptied.watchers) {
      const existsInEmptied = emptied.data.has(key);
      const existsInReplacement = replacedWith !== null && replacedWith.data.has(key);
      if (!existsInEmptied && !existsInReplacement) continue;
      for (const wk of watches) {
        if (wk.expired) {
          if (!existsInReplacement) {
            // An expired key now deleted: no logical change, and no longer flagged as expired.
            wk.expired = false;
            continue;
          }
          if (this.expiredIn(replacedWith as Database, key)) continue;
        } else if (!existsInEmptied && this.expiredIn(replacedWith as Database, key)) {
          // An absent key replaced by an expired one.
          wk.expired = true;
          continue;
        }
        wk.session.dirtyCas = true;
      }
    }
  }

  // ------------------------------------------------------------------ WATCH

  /** WATCH `key` of the selected database (a key watched already in this database is kept as is). */
  watch(session: Session, key: string): void {
    const db = this.db;
    for (const wk of session.watched) if (wk.db === db && wk.key === key) return;
    const wk: WatchedKey = { session, db, key, expired: this.data.has(key) && this.isLogicallyExpired(key) };
    session.watched.push(wk);
    const watches = this.watchers.get(key);
    if (watches === undefined) this.watchers.set(key, [wk]);
    else watches.push(wk);
  }

  unwatchAll(session: Session): void {
    const watched = session.watched;
    if (watched.length === 0) return;
    for (const wk of watched) {
      const watchers = (this.dbs[wk.db] as Database).watchers;
      const watches = watchers.get(wk.key);
      if (watches === undefined) continue;
      const i = watches.indexOf(wk);
      if (i >= 0) watches.splice(i, 1);
      if (watches.length === 0) watchers.delete(wk.key);
    }
    watched.length = 0;
  }

  /** EXEC's check: a watched key that was not expired at WATCH time is expired now. */
  watchedKeyExpired(session: Session): boolean {
    for (const wk of session.watched) {
      if (wk.expired) continue;
      const db = this.dbs[wk.db] as Database;
      if (db.data.has(wk.key) && this.expiredIn(db, wk.key)) return true;
    }
    return false;
  }

  /** `signalModifiedKey` / `touchWatchedKey`: marks every session watching `key` (selected database) dirty. */
  touch(key: string): void {
    if (this.watchers.size === 0) return;
    const watches = this.watchers.get(key);
    if (watches === undefined) return;
    for (const wk of watches) {
      if (wk.expired) {
        if (!this.data.has(key)) {
          // The key was already expired when watched and is now deleted: no logical change.
          wk.expired = false;
          continue;
        }
        // Redis 7.0.15 leaves the loop here (`break` in touchWatchedKey): a watch on a key that
        // was expired when watched and is written while still stored (only a replication
        // stream does that) marks neither this session nor the ones after it.
        break;
      }
      wk.session.dirtyCas = true;
    }
  }

  // ------------------------------------------------------------------ propagation

  /** True when write effects are being recorded (someone listens). */
  get propagating(): boolean {
    return this.effects.sink !== null;
  }

  /** Records a write effect of the current command (as replicas/AOF would receive it). */
  propagate(command: string[]): void {
    if (this.effects.sink !== null) this.effects.record(this.db, command);
  }

  /** Records the current command's own arguments as its effect. */
  propagateArgs(args: readonly string[]): void {
    if (this.effects.sink !== null) this.effects.record(this.db, args.slice());
  }

  // ------------------------------------------------------------------ copies

  /** A deep copy of every database's data and expiry times (no watchers, no pending effects). */
  cloneInto(target: Keyspace): void {
    for (let i = 0; i < DATABASES; i++) {
      const db = this.dbs[i];
      if (db === undefined || (db.data.size === 0 && i !== 0)) continue;
      const copy = target.database(i);
      for (const [key, value] of db.data) copy.data.set(key, copyValue(value));
      for (const [key, at] of db.expires) copy.expires.set(key, at);
    }
  }
}
