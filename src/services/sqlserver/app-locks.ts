/**
 * SQL Server's application locks (`sp_getapplock`, `sp_releaseapplock`), as the lock manager
 * grants them, for the simulated server. Pure: no kernel, no clock; a waiting request is a
 * callback that runs when the lock is granted, and the server's node times a wait out.
 *
 * Facts kept, in the documentation's words
 * (https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql,
 * https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-releaseapplock-transact-sql):
 * - Modes: "Shared, Update, IntentShared, IntentExclusive, or Exclusive", compatible as the lock
 *   compatibility table of the Transaction Locking and Row Versioning Guide says
 *   (https://learn.microsoft.com/sql/relational-databases/sql-server-transaction-locking-and-row-versioning-guide#lock_compatibility),
 *   see {@link compatible}.
 * - "Locks placed on a resource are associated with either the current transaction or the current
 *   session. Locks associated with the current transaction are released when the transaction
 *   commits or rolls back. Locks associated with the session are released when the session is
 *   logged out. When the server shuts down for any reason, all locks are released."
 * - "When an application calls sp_getapplock multiple times for the same lock resource,
 *   sp_releaseapplock must be called the same number of times to release the lock."
 * - "If sp_getapplock is called multiple times for the same lock resource, but the lock mode that
 *   is specified in any of the requests is not the same as the existing mode, the effect on the
 *   resource is a union of the two lock modes. [...] This stronger lock mode is held until the
 *   lock is ultimately released even if lock release calls have occurred before that time."
 *   (Shared with IntentExclusive is SharedIntentExclusive, Update with IntentExclusive
 *   UpdateIntentExclusive: APPLOCK_MODE's list, "a combination of other lock modes".)
 * - "@Resource is binary-compared, and thus is case-sensitive regardless of the collation
 *   settings of the current database"; it is nvarchar(255): "If a resource string is longer than
 *   nvarchar(255), the value is truncated". A lock resource is identified by the database, the
 *   @DbPrincipal (default public) and the name.
 * - "A deadlock with an application lock does not roll back the transaction that requested the
 *   application lock": the victim's call returns -3 and its transaction stays open.
 *
 * Where PostgreSQL's advisory locks (src/services/postgres/advisory-locks.ts) differ: the lock
 * is named by a string, not a bigint; five modes instead of two; one request may be owned by the
 * session or by the transaction, chosen per call (PostgreSQL: by the function's name); a session
 * that holds a lock in a weaker mode and asks for a stronger one holds the union.
 *
 * Assumed, not documented: waiting is first come, first served (a request compatible with the
 * holders still waits behind an incompatible waiter, as SQL Server's lock manager grants in
 * order), and a session's own Session and Transaction owned locks never block each other (they
 * share its lock space). A deadlock is found when a request closes a cycle of waits, and the
 * request that closed it is the victim; SQL Server's lock monitor searches every 5 s and picks
 * the victim by DEADLOCK_PRIORITY and rollback cost, so the real victim and moment may differ.
 */
import { closesCycle } from '../database/deadlock.ts';

/** The modes sp_getapplock takes. */
export const APPLOCK_MODES = ['Shared', 'Update', 'IntentShared', 'IntentExclusive', 'Exclusive'] as const;
export type AppLockMode = (typeof APPLOCK_MODES)[number];

/** What a holder may hold: a requested mode, or the union of two (APPLOCK_MODE's names). */
export type HeldMode = AppLockMode | 'SharedIntentExclusive' | 'UpdateIntentExclusive';

export type LockOwner = 'Session' | 'Transaction';

type Base = 'IS' | 'S' | 'U' | 'IX' | 'X';

const BASES: Record<HeldMode, readonly Base[]> = {
  IntentShared: ['IS'],
  Shared: ['S'],
  Update: ['U'],
  IntentExclusive: ['IX'],
  Exclusive: ['X'],
  SharedIntentExclusive: ['S', 'IX'],
  UpdateIntentExclusive: ['U', 'IX'],
};

/**
 * The guide's compatibility table (requested × existing granted mode) for the five modes
 * sp_getapplock takes: IS is compatible with all but X; S with IS, S and U; U with IS and S;
 * IX with IS and IX; X with none.
 */
const BASE_COMPATIBLE: Record<Base, ReadonlySet<Base>> = {
  IS: new Set<Base>(['IS', 'S', 'U', 'IX']),
  S: new Set<Base>(['IS', 'S', 'U']),
  U: new Set<Base>(['IS', 'S']),
  IX: new Set<Base>(['IS', 'IX']),
  X: new Set<Base>(),
};

/** Whether a request in `requested` mode is compatible with another owner's lock held in `held` (a union mode: with each part). */
export function compatible(requested: HeldMode, held: HeldMode): boolean {
  return BASES[requested].every((r) => BASES[held].every((h) => BASE_COMPATIBLE[r].has(h)));
}

/** How strong a mode is, for the union of two (the stronger one, or a combined one). */
const STRENGTH: Record<HeldMode, number> = { IntentShared: 1, Shared: 2, Update: 3, IntentExclusive: 2, SharedIntentExclusive: 4, UpdateIntentExclusive: 5, Exclusive: 6 };

/** The union of a held mode and a newly requested one. */
export function union(a: HeldMode, b: HeldMode): HeldMode {
  if (a === b) return a;
  const parts = new Set([...BASES[a], ...BASES[b]]);
  if (parts.has('X')) return 'Exclusive';
  if (parts.has('IX') && parts.has('U')) return 'UpdateIntentExclusive';
  if (parts.has('IX') && parts.has('S')) return 'SharedIntentExclusive';
  return STRENGTH[a] >= STRENGTH[b] ? a : b;
}

/** The identity of a lock resource: principal and name, the name binary-compared and cut at 255 characters. */
export function resourceKey(principal: string, resource: string): string {
  return `${principal}\u0000${resource.slice(0, 255)}`;
}

/** One owner's hold on a resource: how many requests it made, and the mode they add up to. */
interface Hold {
  readonly session: number;
  readonly owner: LockOwner;
  count: number;
  mode: HeldMode;
}

interface Waiter {
  readonly session: number;
  readonly owner: LockOwner;
  readonly mode: AppLockMode;
  readonly granted: () => void;
}

interface Resource {
  readonly holds: Hold[];
  readonly waiters: Waiter[];
}

/** What a request got: granted now, refused (no wait), waiting (the callback runs at the grant), or chosen as a deadlock victim. */
export type AppLockOutcome = 'granted' | 'refused' | 'waiting' | 'deadlock';

/** The application locks of one database (all its sessions). */
export class AppLocks {
  private readonly resources = new Map<string, Resource>();
  /** Called when a resource's last hold of a session went, before any waiter is granted it. */
  onRelease: ((key: string) => void) | null = null;

  /** A request of `session` for `key` in `mode`, owned by `owner`; `wait: false` refuses rather than waits. */
  acquire(session: number, key: string, mode: AppLockMode, owner: LockOwner, wait: boolean, granted: () => void = () => {}): AppLockOutcome {
    const resource = this.resourceOf(key);
    // A session never waits for its own holds; one that holds the resource already goes ahead
    // of the waiters (they may wait for it: making it wait behind them would be a deadlock).
    const holdsIt = resource.holds.some((h) => h.session === session);
    if (!this.conflicts(resource, session, mode) && (holdsIt || !resource.waiters.some((w) => !compatible(mode, w.mode)))) {
      this.grant(resource, session, owner, mode);
      return 'granted';
    }
    if (!wait) {
      this.dropIfUnused(key, resource);
      return 'refused';
    }
    if (this.wouldDeadlock(session, key, mode)) {
      this.dropIfUnused(key, resource);
      return 'deadlock';
    }
    resource.waiters.push({ session, owner, mode, granted });
    return 'waiting';
  }

  /** sp_releaseapplock: one request of the owner fewer; false when the owner holds nothing there (error 1223). */
  release(session: number, key: string, owner: LockOwner): boolean {
    const resource = this.resources.get(key);
    const hold = resource?.holds.find((h) => h.session === session && h.owner === owner);
    if (resource === undefined || hold === undefined) return false;
    hold.count--;
    if (hold.count === 0) resource.holds.splice(resource.holds.indexOf(hold), 1);
    this.settle(key, resource, hold.count === 0);
    return true;
  }

  /** The transaction ended (COMMIT of the outermost, ROLLBACK): its locks go. */
  endTransaction(session: number): void {
    this.releaseOwned(session, 'Transaction');
  }

  /** The session logged out or was killed: all its locks, and its waiting request, go. */
  endSession(session: number): void {
    this.cancelWait(session);
    this.releaseOwned(session, 'Transaction');
    this.releaseOwned(session, 'Session');
  }

  /** A waiting request given up (its timeout, a cancel): it leaves the queue. */
  cancelWait(session: number): boolean {
    for (const [key, resource] of [...this.resources]) {
      const i = resource.waiters.findIndex((w) => w.session === session);
      if (i >= 0) {
        resource.waiters.splice(i, 1);
        this.settle(key, resource, false);
        return true;
      }
    }
    return false;
  }

  /** APPLOCK_MODE: the mode `owner` of `session` holds on `key`, or NoLock. */
  modeOf(session: number, key: string, owner: LockOwner): HeldMode | 'NoLock' {
    return this.resources.get(key)?.holds.find((h) => h.session === session && h.owner === owner)?.mode ?? 'NoLock';
  }

  /** APPLOCK_TEST: whether `mode` could be granted to `session` now. */
  test(session: number, key: string, mode: AppLockMode): boolean {
    const resource = this.resources.get(key);
    return resource === undefined || !this.conflicts(resource, session, mode);
  }

  /** The sessions holding `key`, in the order they were granted it (the report's node lane). */
  holdersOf(key: string): number[] {
    const resource = this.resources.get(key);
    if (resource === undefined) return [];
    return [...new Set(resource.holds.map((h) => h.session))];
  }

  /** How many resources a session holds (for reports). */
  heldBy(session: number): number {
    let n = 0;
    for (const resource of this.resources.values()) if (resource.holds.some((h) => h.session === session)) n++;
    return n;
  }

  private conflicts(resource: Resource, session: number, mode: HeldMode): boolean {
    return resource.holds.some((h) => h.session !== session && !compatible(mode, h.mode));
  }

  /** Whether `session` waiting for `key` in `mode` would close a cycle of waits. */
  private wouldDeadlock(session: number, key: string, mode: AppLockMode): boolean {
    const blockers = (s: number, k: string, m: HeldMode): number[] => {
      const resource = this.resources.get(k);
      if (resource === undefined) return [];
      const out = resource.holds.filter((h) => h.session !== s && !compatible(m, h.mode)).map((h) => h.session);
      for (const w of resource.waiters) if (w.session !== s && !compatible(m, w.mode)) out.push(w.session);
      return out;
    };
    return closesCycle(session, blockers(session, key, mode), (s) => {
      const out: number[] = [];
      for (const [k, resource] of this.resources) for (const w of resource.waiters) if (w.session === s) out.push(...blockers(s, k, w.mode));
      return out;
    });
  }

  private grant(resource: Resource, session: number, owner: LockOwner, mode: AppLockMode): void {
    const hold = resource.holds.find((h) => h.session === session && h.owner === owner);
    if (hold === undefined) resource.holds.push({ session, owner, count: 1, mode });
    else {
      hold.count++;
      hold.mode = union(hold.mode, mode);
    }
  }

  private releaseOwned(session: number, owner: LockOwner): void {
    for (const [key, resource] of [...this.resources]) {
      const i = resource.holds.findIndex((h) => h.session === session && h.owner === owner);
      if (i < 0) continue;
      resource.holds.splice(i, 1);
      this.settle(key, resource, true);
    }
  }

  /** After a release: wake the waiters that can go now, in order (one that cannot go holds back those behind it that conflict with it). */
  private settle(key: string, resource: Resource, released: boolean): void {
    if (released) this.onRelease?.(key);
    const ahead: AppLockMode[] = [];
    const woken: Waiter[] = [];
    for (const w of [...resource.waiters]) {
      if (!ahead.some((m) => !compatible(w.mode, m)) && !this.conflicts(resource, w.session, w.mode)) {
        resource.waiters.splice(resource.waiters.indexOf(w), 1);
        this.grant(resource, w.session, w.owner, w.mode);
        woken.push(w);
      } else {
        ahead.push(w.mode);
      }
    }
    this.dropIfUnused(key, resource);
    for (const w of woken) w.granted();
  }

  private resourceOf(key: string): Resource {
    let resource = this.resources.get(key);
    if (resource === undefined) {
      resource = { holds: [], waiters: [] };
      this.resources.set(key, resource);
    }
    return resource;
  }

  private dropIfUnused(key: string, resource: Resource): void {
    if (resource.holds.length === 0 && resource.waiters.length === 0) this.resources.delete(key);
  }
}
