/**
 * sqlServerAppLock (src/locks/sqlserver-applock.ts) on the simulated network, where timing makes
 * the difference: mssql's requestTimeout can fire on the client after the server granted the
 * lock (the grant is on its way back). SQL Server then holds the lock for a session whose client
 * believes it failed; the lock must let go of it, or its next grant only counts it again.
 */
import { describe, expect, it } from 'vitest';
import { World, seconds } from '../../src/sim/index.ts';
import { AddressMap } from '../../src/clients/addresses.ts';
import { addSqlServerNode } from '../../src/services/sqlserver/node.ts';
import { mssqlModule, type MssqlModule, type SimConnectionPool } from '../../src/services/sqlserver/mssql.ts';
import { sqlServerAppLock } from '../../src/locks/index.ts';
import type { ProcessContext } from '../../src/sim/process.ts';

describe('sqlServerAppLock with owner Session', () => {
  it('a requestTimeout that fires just after the server granted the lock leaves no hold behind', async () => {
    const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 5 } });
    const node = addSqlServerNode(world, 'sqlserver-1');
    const waiterSends: number[] = [];
    const module = (ctx: ProcessContext, onSend?: () => void): MssqlModule => mssqlModule({ ctx, addresses: AddressMap.forNodes(['sqlserver-1'], {}, 1433), ...(onSend === undefined ? {} : { onSend }) });
    const getAppLock = async (sql: MssqlModule, pool: SimConnectionPool): Promise<number> => {
      return (await pool.request().input('Resource', sql.NVarChar, 'r').input('LockMode', sql.VarChar, 'Exclusive').input('LockOwner', sql.VarChar, 'Session').input('LockTimeout', sql.Int, 0).execute('sp_getapplock')).returnValue;
    };
    const seen: string[] = [];
    world.addProcess('holder', async (ctx) => {
      const sql = module(ctx);
      const pool = await new sql.ConnectionPool({ pool: { max: 1 } }).connect();
      expect(await getAppLock(sql, pool)).toBe(0);
      // The waiter's 4th request is its sp_getapplock (test login, logout, login, the call):
      // release so that the grant reaches the server 5 ms before the waiter's attention does.
      while (waiterSends.length < 4) await ctx.clock.sleep(1);
      await ctx.clock.sleep((waiterSends[3] as number) + 995 - world.now / 1000);
      await pool.request().input('Resource', sql.NVarChar, 'r').input('LockOwner', sql.VarChar, 'Session').execute('sp_releaseapplock');
    });
    world.addProcess('waiter', async (ctx) => {
      await ctx.clock.sleep(100);
      const sql = module(ctx, () => waiterSends.push(world.now / 1000));
      const lock = sqlServerAppLock({ owner: 'Session', timeoutMs: -1, requestTimeoutMs: 1_000, retryCount: 0 })({ nodes: [], clock: ctx.clock, random: ctx.random, sqlServers: [{ name: 'sqlserver-1', mssql: sql, config: { server: '127.0.0.1', port: 1433 } }] });
      seen.push(`waiter: ${(await lock.acquire('r', 10_000)) === null ? 'not acquired' : 'acquired'}`);
    });
    world.addProcess('prober', async (ctx) => {
      await ctx.clock.sleep(3_000);
      const sql = module(ctx);
      seen.push(`prober: ${await getAppLock(sql, await new sql.ConnectionPool({ pool: { max: 1 } }).connect())}`);
    });
    await world.run({ until: seconds(5) });
    // The waiter's call timed out on the client after the server granted it (without the lock's
    // clean-up the prober gets -1: its session keeps the lock); the prober holds it now.
    expect(seen).toEqual(['waiter: not acquired', 'prober: 0']);
    expect(node.database.locks.holdersOf('public\u0000r')).toHaveLength(1);
  });
});
