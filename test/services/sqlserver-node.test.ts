/**
 * The simulated SQL Server on the simulated network (src/services/sqlserver/node.ts) through the
 * mssql-shaped client (mssql.ts): when a session ends, and so when its application locks go;
 * @LockTimeout on the server's clock; mssql's requestTimeout and its attention.
 */
import { describe, expect, it } from 'vitest';
import { World, ms, seconds } from '../../src/sim/index.ts';
import type { ProcessContext } from '../../src/sim/process.ts';
import { AddressMap } from '../../src/clients/addresses.ts';
import { addSqlServerNode, type SqlServerNode } from '../../src/services/sqlserver/node.ts';
import { mssqlModule, type MssqlModule, type SimConnectionPool } from '../../src/services/sqlserver/mssql.ts';
import type { SqlServerSettings } from '../../src/services/sqlserver/settings.ts';
import { SQLSERVER_REAL_MODE_REFUSAL } from '../../src/services/sqlserver/real-mode.ts';

interface Harness {
  readonly world: World;
  readonly node: SqlServerNode;
  now(): number;
  client(name: string, main: (sql: MssqlModule, ctx: ProcessContext) => Promise<void>): void;
}

function harness(settings: SqlServerSettings = {}): Harness {
  const world = new World({ seed: 1 });
  const node = addSqlServerNode(world, 'sqlserver-1', settings);
  return {
    world,
    node,
    now: () => world.now / 1000,
    client(name, main) {
      world.addProcess(name, (ctx) => main(mssqlModule({ ctx, addresses: AddressMap.forNodes(['sqlserver-1'], {}, 1433) }), ctx));
    },
  };
}

async function getAppLock(sql: MssqlModule, pool: SimConnectionPool, timeoutMs: number): Promise<number> {
  const result = await pool.request().input('Resource', sql.NVarChar(255), 'r').input('LockMode', sql.VarChar(32), 'Exclusive').input('LockOwner', sql.VarChar(32), 'Session').input('LockTimeout', sql.Int, timeoutMs).execute('sp_getapplock');
  return result.returnValue;
}

describe('the simulated SQL Server ends sessions, and their application locks, as SQL Server does', () => {
  it("Keep Alive (30 s by default, then 10 probes a second apart) ends a partitioned idle session; the waiter's sp_getapplock returns 1", async () => {
    const h = harness();
    let lockedAt = 0;
    let grantedAt = 0;
    let code: number | null = null;
    h.client('holder', async (sql) => {
      const pool = new sql.ConnectionPool({ pool: { max: 1 } });
      await pool.connect();
      expect(await getAppLock(sql, pool, 0)).toBe(0);
      lockedAt = h.now();
    });
    h.client('waiter', async (sql, ctx) => {
      await ctx.clock.sleep(100);
      const pool = new sql.ConnectionPool({ requestTimeout: 120_000, pool: { max: 1 } });
      await pool.connect();
      code = await getAppLock(sql, pool, -1);
      grantedAt = h.now();
    });
    h.world.at(ms(1_000), () => h.world.network.partition([['holder'], ['sqlserver-1']]));
    await h.world.run({ until: seconds(90) });
    expect(code).toBe(1);
    expect(grantedAt - lockedAt).toBeGreaterThan(40_000 - 5);
    expect(grantedAt - lockedAt).toBeLessThan(40_000 + 20);
    expect(h.node.stats.ended.keepalive).toBe(1);
  });

  it('@LockTimeout is timed by the server: -1 after it; a transaction-owned call stays in its open transaction', async () => {
    const h = harness();
    const seen: string[] = [];
    h.client('holder', async (sql) => {
      const pool = new sql.ConnectionPool({ pool: { max: 1 } });
      expect(await getAppLock(sql, await pool.connect(), 0)).toBe(0);
    });
    h.client('waiter', async (sql, ctx) => {
      await ctx.clock.sleep(100);
      const pool = await new sql.ConnectionPool({}).connect();
      const tx = new sql.Transaction(pool);
      await tx.begin();
      const started = h.now();
      const r = await tx.request().input('Resource', sql.NVarChar, 'r').input('LockMode', sql.VarChar, 'Exclusive').input('LockTimeout', sql.Int, 2_000).execute('sp_getapplock');
      // 2 s on the server's clock, plus the request's way there and back.
      seen.push(`${r.returnValue} after ${Math.round((h.now() - started) / 100) * 100} ms, @@TRANCOUNT ${tx.trancount}`);
      await tx.rollback();
    });
    await h.world.run({ until: seconds(10) });
    expect(seen).toEqual(['-1 after 2000 ms, @@TRANCOUNT 1']);
  });

  it("mssql's requestTimeout (15 s) fails a long wait with ETIMEOUT and cancels it on the server (an attention): the lock later goes to nobody waiting", async () => {
    const h = harness();
    const seen: string[] = [];
    h.client('holder', async (sql, ctx) => {
      const pool = await new sql.ConnectionPool({ pool: { max: 1 } }).connect();
      await getAppLock(sql, pool, 0);
      await ctx.clock.sleep(20_000);
      await pool.request().input('Resource', sql.NVarChar, 'r').input('LockOwner', sql.VarChar, 'Session').execute('sp_releaseapplock');
      seen.push(`released at ${Math.round(h.now() / 1000)} s`);
    });
    h.client('waiter', async (sql, ctx) => {
      await ctx.clock.sleep(100);
      const pool = await new sql.ConnectionPool({ pool: { max: 1 } }).connect();
      try {
        await getAppLock(sql, pool, -1);
      } catch (error) {
        seen.push(`${(error as { code?: string }).code}: ${(error as Error).message}`);
      }
      // The connection is usable again once the attention is acknowledged; the lock is still held.
      seen.push(`then ${await getAppLock(sql, pool, 0)}`);
    });
    await h.world.run({ until: seconds(30) });
    expect(seen).toEqual(['ETIMEOUT: Timeout: Request failed to complete in 15000ms', 'then -1', 'released at 20 s']);
  });

  it("a client process that dies closes its socket: the session ends (its host's FIN) and so does the lock", async () => {
    const h = harness();
    let code: number | null = null;
    h.client('holder', async (sql) => {
      const pool = await new sql.ConnectionPool({ pool: { max: 1 } }).connect();
      await getAppLock(sql, pool, 0);
    });
    h.client('waiter', async (sql, ctx) => {
      await ctx.clock.sleep(100);
      const pool = await new sql.ConnectionPool({ requestTimeout: 60_000, pool: { max: 1 } }).connect();
      code = await getAppLock(sql, pool, -1);
    });
    h.world.at(ms(2_000), () => h.world.crash('holder'));
    await h.world.run({ until: seconds(5) });
    expect(code).toBe(1);
    expect(h.node.stats.ended['client-gone']).toBe(1);
  });

  it('real mode refuses a SQL Server node with a plain sentence', () => {
    expect(SQLSERVER_REAL_MODE_REFUSAL).toMatch(/^real mode cannot run a SQL Server node: SQL Server does not run on the machines locksim runs on/);
    expect(SQLSERVER_REAL_MODE_REFUSAL).toMatch(/documentation/);
  });
});
