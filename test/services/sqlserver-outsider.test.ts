/**
 * An outsider's lock on SQL Server, written against locksim's public API only (`locksim`,
 * `locksim/testing`): sp_getapplock through the mssql module the lock context gives, checked by
 * `checkLock` with its default faults. The version that forgets the return code (it takes -1,
 * "the lock request timed out", for a grant) must be caught unsafe; its twin that reads the code
 * must pass while its session lives, and still break when the server crashes: without fencing, a
 * session lock is only as safe as the holder's knowledge of its session (matrix-node-crash).
 */
import { describe, expect, it } from 'vitest';
import type { Lease, LockFactory } from '../../src/index.ts';
import { checkLock, IN_MODEL_FAULTS, LockCheckError } from '../../src/testing.ts';

const SQL_SERVER = [{ name: 'sqlserver-1', service: 'sqlserver' as const }];

/** sp_getapplock with @LockOwner Session and @LockTimeout 0, on a pool of one connection (one session). */
function appLock(readsReturnCode: boolean): LockFactory {
  return (context) => {
    const server = context.sqlServers?.[0];
    if (server === undefined) throw new Error('this lock needs a SQL Server node');
    const sql = server.mssql;
    const pool = new sql.ConnectionPool({ ...server.config, pool: { max: 1 } });
    let connected: Promise<unknown> | null = null;
    return {
      name: readsReturnCode ? 'applock(reads the return code)' : 'applock(forgets the return code)',
      async acquire(resource: string): Promise<Lease | null> {
        connected ??= pool.connect();
        await connected;
        const result = await pool
          .request()
          .input('Resource', sql.NVarChar, resource)
          .input('LockMode', sql.VarChar, 'Exclusive')
          .input('LockOwner', sql.VarChar, 'Session')
          .input('LockTimeout', sql.Int, 0)
          .execute('sp_getapplock');
        if (readsReturnCode && result.returnValue < 0) return null;
        return { resource, value: context.random.hex(8), validUntil: Number.MAX_SAFE_INTEGER, timeSource: 'monotonic' };
      },
      async release(lease: Lease): Promise<void> {
        await pool.request().input('Resource', sql.NVarChar, lease.resource).input('LockOwner', sql.VarChar, 'Session').execute('sp_releaseapplock');
      },
    };
  };
}

describe('an outsider\'s SQL Server lock under checkLock', () => {
  it('forgetting the return code (-1 taken for a grant) is caught unsafe', async () => {
    const failure = await checkLock({ lock: appLock(false), nodes: SQL_SERVER, runs: 20 }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(LockCheckError);
    expect((failure as LockCheckError).result.verdict).toBe('unsafe');
  }, 120_000);

  it('its twin that reads the return code passes while its session lives', async () => {
    // Every in-model fault but a crash of the server: partitions, delays, node pauses and drift, client crashes and clock steps.
    await checkLock({ lock: appLock(true), nodes: SQL_SERVER, runs: 100, faults: { ...IN_MODEL_FAULTS, nodeFaults: ['pause', 'drift'] } });
  }, 300_000);

  it('and a crash of the server still breaks the twin (found among the single faults): the pool replaces the dead session without a word, and nothing fences', async () => {
    const failure = await checkLock({ lock: appLock(true), nodes: SQL_SERVER, runs: 100 }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(LockCheckError);
    const result = (failure as LockCheckError).result;
    expect(result.verdict).toBe('unsafe');
    expect(result.faults.filter((f) => f.kind !== 'heal').map((f) => `${f.kind} ${'process' in f ? f.process : ''}`)).toEqual(['crash sqlserver-1']);
  }, 300_000);
});
