/**
 * PostgreSQL's advisory locks, as its lock manager grants them (src/backend/storage/lmgr/lock.c
 * and proc.c, PostgreSQL 15), for the simulated database. Pure: no kernel, no clock; a waiting
 * request is a callback that runs when the lock is granted.
 *
 * Facts kept (PostgreSQL docs, "Advisory Locks" and "Advisory Lock Functions"):
 * - A lock is exclusive or shared; an exclusive one conflicts with any lock of another session,
 *   a shared one with another session's exclusive lock. A session never conflicts with itself.
 * - Session level locks are held until unlocked or the session ends; transaction level locks until
 *   the transaction ends and cannot be unlocked. Both count: "If a session already holds a given
 *   advisory lock, additional requests by it will always succeed, even if other sessions are
 *   awaiting the lock; this statement is true regardless of whether the existing lock hold and
 *   new request are at session level or transaction level." Each request must be matched by an
 *   unlock (or its transaction's end).
 * - A bigint key and a pair of integer keys are different lock spaces (the lock tag's field 4).
 * - Waiting is first come, first served: a new request that conflicts with a request already
 *   waiting waits too (the lock's wait mask), so a stream of shared lockers cannot starve an
 *   exclusive one; a try-lock refused by a waiter returns false. Only a session that already holds
 *   a lock on the key may go ahead of waiters its held lock conflicts with (ProcSleep).
 */
import { closesCycle } from '../database/deadlock.ts';

export type LockMode = 'exclusive' | 'shared';
export type LockLevel = 'session' | 'transaction';

/** `i8:<bigint>` for `pg_advisory_lock(bigint)`, `i4:<a>:<b>` for `pg_advisory_lock(int, int)`. */
export type LockKey = string;

export const bigintKey = (key: bigint): LockKey => `i8:${key}`;
export const pairKey = (a: number, b: number): LockKey => `i4:${a}:${b}`;

/** How many times a session holds one key, per mode and level. */
interface Holding {
  exclusive: { session: number; transaction: number };
  shared: { session: number; transaction: number };
}

interface Waiter {
  readonly session: number;
  readonly mode: LockMode;
  readonly level: LockLevel;
  readonly granted: () => void;
}

interface LockState {
  readonly holders: Map<number, Holding>;
  readonly waiters: Waiter[];
}

const emptyHolding = (): Holding => ({ exclusive: { session: 0, transaction: 0 }, shared: { session: 0, transaction: 0 } });
const holds = (h: Holding | undefined, mode: LockMode): boolean => h !== undefined && h[mode].session + h[mode].transaction > 0;
const conflicts = (a: LockMode, b: LockMode): boolean => a === 'exclusive' || b === 'exclusive';

/**
 * What a lock request got: granted now, refused (try-lock), waiting (the callback runs at the
 * grant), or a deadlock found at once (ProcSleep's simple case: a waiter it must go ahead of
 * holds a lock its request conflicts with; PostgreSQL raises "deadlock detected").
 */
export type Acquired = 'granted' | 'refused' | 'waiting' | 'deadlock';

/** The advisory locks of one database server (all its sessions). */
export class AdvisoryLocks {
  private readonly locks = new Map<LockKey, LockState>();
  /** Called when a session's last hold of a key went, before any waiter is granted it (the node lane reports the release apart from the grant). */
  onRelease: ((key: LockKey) => void) | null = null;

  /**
   * A lock request. `wait: false` is a try-lock. When the request must wait, `granted` runs once
   * the lock is granted (from inside the release that frees it).
   */
  acquire(session: number, key: LockKey, mode: LockMode, level: LockLevel, wait: boolean, granted: () => void = () => {}): Acquired {
    const lock = this.stateOf(key);
    const mine = lock.holders.get(session);
    // Already held in this mode: just count it (lock.c's LockAcquire on a local lock).
    if (holds(mine, mode)) {
      this.grant(lock, session, mode, level);
      return 'granted';
    }
    const waitConflict = lock.waiters.some((w) => conflicts(w.mode, mode));
    if (!waitConflict && !this.conflictsWithHolders(lock, session, mode)) {
      this.grant(lock, session, mode, level);
      return 'granted';
    }
    if (!wait) {
      this.dropIfUnused(key, lock);
      return 'refused';
    }
    // ProcSleep: a session that holds a lock on the key goes ahead of the first waiter its hold
    // conflicts with, and is granted at once if nothing granted or ahead of it conflicts.
    if (mine !== undefined) {
      const heldModes = (['exclusive', 'shared'] as const).filter((m) => holds(mine, m));
      let ahead: LockMode[] = [];
      for (let i = 0; i < lock.waiters.length; i++) {
        const w = lock.waiters[i] as Waiter;
        if (heldModes.some((m) => conflicts(m, w.mode))) {
          const theirs = lock.holders.get(w.session);
          if ((['exclusive', 'shared'] as const).some((m) => holds(theirs, m) && conflicts(mode, m))) return 'deadlock';
          if (!ahead.some((m) => conflicts(m, mode)) && !this.conflictsWithHolders(lock, session, mode)) {
            this.grant(lock, session, mode, level);
            return 'granted';
          }
          lock.waiters.splice(i, 0, { session, mode, level, granted });
          return 'waiting';
        }
        ahead = [...ahead, w.mode];
      }
    }
    lock.waiters.push({ session, mode, level, granted });
    return 'waiting';
  }

  /**
   * `pg_advisory_unlock(_shared)`: releases one session level hold. False (with PostgreSQL's
   * warning) when the session holds none in that mode at session level.
   */
  unlock(session: number, key: LockKey, mode: LockMode): boolean {
    const lock = this.locks.get(key);
    const mine = lock?.holders.get(session);
    if (lock === undefined || mine === undefined || mine[mode].session === 0) return false;
    mine[mode].session--;
    this.settle(key, lock, session);
    return true;
  }

  /** `pg_advisory_unlock_all()` (and session end): every session level hold of the session. */
  unlockAll(session: number): void {
    this.releaseLevel(session, 'session');
  }

  /** The end of a transaction (commit or rollback): its transaction level holds. */
  endTransaction(session: number): void {
    this.releaseLevel(session, 'transaction');
  }

  /** The session ended (closed, killed, timed out): all its holds and its waiting request go. */
  endSession(session: number): void {
    for (const [key, lock] of [...this.locks]) {
      const before = lock.waiters.length;
      const kept = lock.waiters.filter((w) => w.session !== session);
      if (kept.length !== before) {
        lock.waiters.length = 0;
        lock.waiters.push(...kept);
      }
      const held = lock.holders.delete(session);
      if (held) this.onRelease?.(key);
      if (held || kept.length !== before) this.settle(key, lock, session);
    }
  }

  /** A waiting request given up (a statement timeout, a cancel): it leaves the queue. */
  cancelWait(session: number): boolean {
    for (const [key, lock] of [...this.locks]) {
      const i = lock.waiters.findIndex((w) => w.session === session);
      if (i >= 0) {
        lock.waiters.splice(i, 1);
        this.settle(key, lock, session);
        return true;
      }
    }
    return false;
  }

  /** Whether `session` waiting for `key` in `mode` would close a cycle of waits (a deadlock). */
  wouldDeadlock(session: number, key: LockKey, mode: LockMode): boolean {
    const blockers = (s: number, k: LockKey, m: LockMode): number[] => {
      const lock = this.locks.get(k);
      if (lock === undefined) return [];
      const out = [...lock.holders].filter(([other, h]) => other !== s && (['exclusive', 'shared'] as const).some((hm) => holds(h, hm) && conflicts(hm, m))).map(([other]) => other);
      for (const w of lock.waiters) if (w.session !== s && conflicts(w.mode, m)) out.push(w.session);
      return out;
    };
    return closesCycle(session, blockers(session, key, mode), (s) => {
      const out: number[] = [];
      for (const [k, lock] of this.locks) for (const w of lock.waiters) if (w.session === s) out.push(...blockers(s, k, w.mode));
      return out;
    });
  }

  /** The sessions that hold `key` now, in the order they were first granted it (the report's node lane). */
  holdersOf(key: LockKey): number[] {
    const lock = this.locks.get(key);
    return lock === undefined ? [] : [...lock.holders.keys()];
  }

  /** What a session holds (for tests and reports): key → mode → level counts. */
  heldBy(session: number): Map<LockKey, Holding> {
    const out = new Map<LockKey, Holding>();
    for (const [key, lock] of this.locks) {
      const h = lock.holders.get(session);
      if (h !== undefined) out.set(key, { exclusive: { ...h.exclusive }, shared: { ...h.shared } });
    }
    return out;
  }

  /** Whether any session waits for a lock. */
  isWaiting(session: number): boolean {
    for (const lock of this.locks.values()) if (lock.waiters.some((w) => w.session === session)) return true;
    return false;
  }

  private stateOf(key: LockKey): LockState {
    let lock = this.locks.get(key);
    if (lock === undefined) {
      lock = { holders: new Map(), waiters: [] };
      this.locks.set(key, lock);
    }
    return lock;
  }

  private conflictsWithHolders(lock: LockState, session: number, mode: LockMode): boolean {
    for (const [other, h] of lock.holders) if (other !== session && ((holds(h, 'exclusive') && conflicts('exclusive', mode)) || (holds(h, 'shared') && conflicts('shared', mode)))) return true;
    return false;
  }

  private grant(lock: LockState, session: number, mode: LockMode, level: LockLevel): void {
    const h = lock.holders.get(session) ?? emptyHolding();
    h[mode][level]++;
    lock.holders.set(session, h);
  }

  private releaseLevel(session: number, level: LockLevel): void {
    for (const [key, lock] of [...this.locks]) {
      const h = lock.holders.get(session);
      if (h === undefined || h.exclusive[level] + h.shared[level] === 0) continue;
      h.exclusive[level] = 0;
      h.shared[level] = 0;
      this.settle(key, lock, session);
    }
  }

  /** After a release: forget an empty hold, wake the waiters that can go now (ProcLockWakeup). */
  private settle(key: LockKey, lock: LockState, session: number): void {
    const h = lock.holders.get(session);
    if (h !== undefined && !holds(h, 'exclusive') && !holds(h, 'shared')) {
      lock.holders.delete(session);
      this.onRelease?.(key);
    }
    const ahead: LockMode[] = [];
    const woken: Waiter[] = [];
    for (const w of [...lock.waiters]) {
      if (!ahead.some((m) => conflicts(m, w.mode)) && !this.conflictsWithHolders(lock, w.session, w.mode)) {
        lock.waiters.splice(lock.waiters.indexOf(w), 1);
        this.grant(lock, w.session, w.mode, w.level);
        woken.push(w);
      } else {
        ahead.push(w.mode);
      }
    }
    this.dropIfUnused(key, lock);
    for (const w of woken) w.granted();
  }

  private dropIfUnused(key: LockKey, lock: LockState): void {
    if (lock.holders.size === 0 && lock.waiters.length === 0) this.locks.delete(key);
  }
}
