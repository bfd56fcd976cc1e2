/**
 * The simulated SQL Server's application locks against Microsoft's documentation of
 * sp_getapplock and sp_releaseapplock (quoted in src/services/sqlserver/app-locks.ts and
 * database.ts): the return codes, the mode compatibility table, the owners, re-entrancy, the
 * timeout, the deadlock victim, and a session's end. SQL Server cannot run on these machines, so
 * these facts, not a differential test, are what the model is checked against.
 */
import { describe, expect, it } from 'vitest';
import { APPLOCK_MODES, compatible, union, type AppLockMode } from '../../src/services/sqlserver/app-locks.ts';
import { SqlServerDatabase, type TdsResult } from '../../src/services/sqlserver/database.ts';

/** One call's result, whenever it comes (a waiting call: null until then). */
function call(db: SqlServerDatabase, spid: number, procedure: string, params: Record<string, unknown>): { result: TdsResult | null; waitedMs: number | null } {
  const out: { result: TdsResult | null; waitedMs: number | null } = { result: null, waitedMs: null };
  db.call(spid, procedure, params, (r) => (out.result = r), (w) => (out.waitedMs = w.timeoutMs));
  return out;
}

function batch(db: SqlServerDatabase, spid: number, text: string): TdsResult {
  let out: TdsResult | null = null;
  db.batch(spid, text, (r) => (out = r));
  if (out === null) throw new Error('a batch answers at once');
  return out;
}

const get = (resource: string, mode: AppLockMode, owner: 'Session' | 'Transaction' = 'Session', timeout = 0): Record<string, unknown> => ({ '@Resource': resource, '@LockMode': mode, '@LockOwner': owner, '@LockTimeout': timeout });
const release = (resource: string, owner: 'Session' | 'Transaction' = 'Session'): Record<string, unknown> => ({ '@Resource': resource, '@LockOwner': owner });

function twoSessions(): SqlServerDatabase {
  const db = new SqlServerDatabase();
  db.open(51);
  db.open(52);
  return db;
}

describe('sp_getapplock return codes', () => {
  it('0: "granted synchronously"; -1 with @LockTimeout 0 when another session holds it; 1: "granted after waiting"', () => {
    const db = twoSessions();
    expect(call(db, 51, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(0);
    expect(call(db, 52, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(-1);
    const waiting = call(db, 52, 'sp_getapplock', get('r', 'Exclusive', 'Session', -1));
    expect(waiting.result).toBeNull();
    expect(waiting.waitedMs).toBe(-1);
    expect(call(db, 51, 'sp_releaseapplock', release('r')).result?.returnValue).toBe(0);
    expect(waiting.result?.returnValue).toBe(1);
  });

  it('-1 when the wait times out, -2 when it is cancelled; the session can ask again', () => {
    const db = twoSessions();
    call(db, 51, 'sp_getapplock', get('r', 'Exclusive'));
    const timed = call(db, 52, 'sp_getapplock', get('r', 'Exclusive', 'Session', 500));
    expect(timed.waitedMs).toBe(500);
    expect(db.timeOut(52)).toBe(true);
    expect(timed.result?.returnValue).toBe(-1);
    const cancelled = call(db, 52, 'sp_getapplock', get('r', 'Exclusive', 'Session', -1));
    expect(db.cancel(52)).toBe(true);
    expect(cancelled.result?.returnValue).toBe(-2);
    // Neither left a waiter behind: a release frees the resource for anyone.
    call(db, 51, 'sp_releaseapplock', release('r'));
    expect(call(db, 52, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(0);
  });

  it('-3: two sessions waiting on each other, the one that closes the cycle is the victim; its transaction stays open', () => {
    const db = twoSessions();
    batch(db, 51, 'BEGIN TRAN');
    batch(db, 52, 'BEGIN TRAN');
    call(db, 51, 'sp_getapplock', get('a', 'Exclusive', 'Transaction'));
    call(db, 52, 'sp_getapplock', get('b', 'Exclusive', 'Transaction'));
    const first = call(db, 51, 'sp_getapplock', get('b', 'Exclusive', 'Transaction', -1));
    expect(first.result).toBeNull();
    const victim = call(db, 52, 'sp_getapplock', get('a', 'Exclusive', 'Transaction', -1));
    expect(victim.result?.returnValue).toBe(-3);
    // "A deadlock with an application lock does not roll back the transaction that requested the application lock."
    expect(db.trancount(52)).toBe(1);
    batch(db, 52, 'ROLLBACK');
    expect(first.result?.returnValue).toBe(1);
  });

  it('-999 for a parameter validation or call error, with the message SQL Server prints', () => {
    const db = twoSessions();
    const badMode = call(db, 51, 'sp_getapplock', get('r', 'Bogus' as AppLockMode)).result;
    expect(badMode?.returnValue).toBe(-999);
    expect(badMode?.messages[0]).toMatchObject({ number: 15625, class: 10, message: "Option 'Bogus' not recognized for '@LockMode' parameter." });
    expect(call(db, 51, 'sp_getapplock', { ...get('r', 'Exclusive'), '@LockOwner': 'Nobody' }).result?.returnValue).toBe(-999);
    expect(call(db, 51, 'sp_getapplock', { ...get('r', 'Exclusive'), '@LockTimeout': -2 }).result?.returnValue).toBe(-999);
    expect(call(db, 51, 'sp_getapplock', { '@LockMode': 'Exclusive' }).result?.returnValue).toBe(-999);
  });
});

describe('owners', () => {
  it('owner Transaction without a transaction: message 15626 and -999, no lock', () => {
    const db = twoSessions();
    const r = call(db, 51, 'sp_getapplock', get('r', 'Exclusive', 'Transaction')).result;
    expect(r?.returnValue).toBe(-999);
    expect(r?.error).toBeNull();
    expect(r?.messages[0]).toMatchObject({ number: 15626, class: 10, message: 'You attempted to acquire a transactional application lock without an active transaction.' });
    expect(call(db, 52, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(0);
  });

  it('@LockOwner defaults to Transaction; the lock ends with the outermost COMMIT or with ROLLBACK', () => {
    const db = twoSessions();
    batch(db, 51, 'BEGIN TRAN');
    batch(db, 51, 'BEGIN TRAN');
    expect(call(db, 51, 'sp_getapplock', { '@Resource': 'r', '@LockMode': 'Exclusive' }).result?.returnValue).toBe(0);
    batch(db, 51, 'COMMIT');
    expect(call(db, 52, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(-1);
    batch(db, 51, 'COMMIT');
    expect(call(db, 52, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(0);
    call(db, 52, 'sp_releaseapplock', release('r'));
    batch(db, 51, 'BEGIN TRAN');
    call(db, 51, 'sp_getapplock', get('r', 'Exclusive', 'Transaction'));
    batch(db, 51, 'ROLLBACK');
    expect(call(db, 52, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(0);
  });

  it('a session-owned lock outlives COMMIT; releasing what the owner does not hold is error 1223 and -999', () => {
    const db = twoSessions();
    batch(db, 51, 'BEGIN TRAN');
    call(db, 51, 'sp_getapplock', get('r', 'Exclusive', 'Session'));
    batch(db, 51, 'COMMIT');
    expect(call(db, 52, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(-1);
    const foreign = call(db, 52, 'sp_releaseapplock', release('r')).result;
    expect(foreign?.returnValue).toBe(-999);
    expect(foreign?.error).toMatchObject({ number: 1223, class: 16, message: "Cannot release the application lock (Database Principal: 'public', Resource: 'r') because it is not currently held." });
  });
});

describe('re-entrancy and names', () => {
  it('"sp_releaseapplock must be called the same number of times"', () => {
    const db = twoSessions();
    call(db, 51, 'sp_getapplock', get('r', 'Exclusive'));
    call(db, 51, 'sp_getapplock', get('r', 'Exclusive'));
    call(db, 51, 'sp_releaseapplock', release('r'));
    expect(call(db, 52, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(-1);
    call(db, 51, 'sp_releaseapplock', release('r'));
    expect(call(db, 52, 'sp_getapplock', get('r', 'Exclusive')).result?.returnValue).toBe(0);
  });

  it('the union of modes is held until the last release: Shared then Exclusive stays Exclusive', () => {
    const db = twoSessions();
    call(db, 51, 'sp_getapplock', get('r', 'Shared'));
    call(db, 51, 'sp_getapplock', get('r', 'Exclusive'));
    call(db, 51, 'sp_releaseapplock', release('r'));
    expect(batch(db, 51, "SELECT APPLOCK_MODE('public', 'r', 'Session') AS mode").recordset[0]?.mode).toBe('Exclusive');
    expect(call(db, 52, 'sp_getapplock', get('r', 'Shared')).result?.returnValue).toBe(-1);
    expect(union('Shared', 'IntentExclusive')).toBe('SharedIntentExclusive');
    expect(union('Update', 'IntentExclusive')).toBe('UpdateIntentExclusive');
  });

  it('resource names are binary compared (case-sensitive) and cut at 255 characters', () => {
    const db = twoSessions();
    call(db, 51, 'sp_getapplock', get('Form1', 'Exclusive'));
    expect(call(db, 52, 'sp_getapplock', get('form1', 'Exclusive')).result?.returnValue).toBe(0);
    call(db, 51, 'sp_getapplock', get(`${'x'.repeat(255)}a`, 'Exclusive'));
    expect(call(db, 52, 'sp_getapplock', get(`${'x'.repeat(255)}b`, 'Exclusive')).result?.returnValue).toBe(-1);
  });
});

describe('mode compatibility (the lock compatibility table of the locking guide)', () => {
  // Requested mode (row) against a mode another session holds (column): IS, S, U, IX, X.
  const TABLE: Record<AppLockMode, readonly boolean[]> = {
    IntentShared: [true, true, true, true, false],
    Shared: [true, true, true, false, false],
    Update: [true, true, false, false, false],
    IntentExclusive: [true, false, false, true, false],
    Exclusive: [false, false, false, false, false],
  };
  const COLUMNS: AppLockMode[] = ['IntentShared', 'Shared', 'Update', 'IntentExclusive', 'Exclusive'];

  it('matches the table, pairwise', () => {
    for (const requested of APPLOCK_MODES) for (const [i, held] of COLUMNS.entries()) expect(compatible(requested, held), `${requested} against ${held}`).toBe(TABLE[requested][i]);
  });

  it('the engine grants by it: a second session gets 0 for a compatible mode and -1 for a conflicting one', () => {
    for (const held of COLUMNS) {
      for (const requested of COLUMNS) {
        const db = twoSessions();
        call(db, 51, 'sp_getapplock', get('r', held));
        const code = call(db, 52, 'sp_getapplock', get('r', requested)).result?.returnValue;
        expect(code, `${requested} while ${held} is held`).toBe(TABLE[requested][COLUMNS.indexOf(held)] ? 0 : -1);
      }
    }
  });

  it('APPLOCK_TEST says whether a mode could be granted now', () => {
    const db = twoSessions();
    call(db, 51, 'sp_getapplock', get('r', 'Shared'));
    expect(batch(db, 52, "SELECT APPLOCK_TEST('public', 'r', 'Shared', 'Session') AS ok").recordset[0]?.ok).toBe(1);
    expect(batch(db, 52, "SELECT APPLOCK_TEST('public', 'r', 'Exclusive', 'Session') AS ok").recordset[0]?.ok).toBe(0);
  });
});

describe('session end', () => {
  it('"Locks associated with the session are released when the session is logged out": both owners, and a waiter gets it', () => {
    const db = twoSessions();
    batch(db, 51, 'BEGIN TRAN');
    call(db, 51, 'sp_getapplock', get('s', 'Exclusive', 'Session'));
    call(db, 51, 'sp_getapplock', get('t', 'Exclusive', 'Transaction'));
    const waiter = call(db, 52, 'sp_getapplock', get('s', 'Exclusive', 'Session', -1));
    db.close(51);
    expect(waiter.result?.returnValue).toBe(1);
    expect(call(db, 52, 'sp_getapplock', get('t', 'Exclusive')).result?.returnValue).toBe(0);
  });

  it('batches outside the model are errors that name them, never silent successes', () => {
    const db = twoSessions();
    expect(batch(db, 51, 'DELETE FROM t').error?.message).toMatch(/does not run this batch/);
    expect(batch(db, 51, 'COMMIT').error?.number).toBe(3902);
  });
});
