/**
 * `locksim/mssql`: the mssql package's API (v12: `ConnectionPool`, `Request`, `Transaction`, the
 * SQL types) over simulated connections to simulated SQL Servers (src/services/sqlserver/), so
 * lock code written for mssql runs unmodified inside a simulated process. SQL Server has no real
 * mode: the model is checked against Microsoft's documentation (see its README section).
 *
 * ```ts
 * import { addSqlServerNode, simulatedMssql } from 'locksim/mssql';
 * addSqlServerNode(world, 'sqlserver-1', { keepAliveMs: 5000 });
 * world.addProcess('client-1', async (ctx) => {
 *   const sql = simulatedMssql(ctx, { nodes: ['sqlserver-1'] });   // sqlserver-1 at 127.0.0.1:1433
 *   const pool = await new sql.ConnectionPool({ pool: { max: 1 } }).connect();
 *   const r = await pool.request().input('Resource', sql.NVarChar(255), 'job').input('LockMode', sql.VarChar(32), 'Exclusive')
 *     .input('LockOwner', sql.VarChar(32), 'Session').execute('sp_getapplock');
 *   if (r.returnValue < 0) throw new Error('not granted');
 * });
 * ```
 */
import { AddressMap } from './clients/addresses.ts';
import type { ProcessContext } from './sim/process.ts';
import { DEFAULT_SQLSERVER_PORT, mssqlModule, type MssqlModule } from './services/sqlserver/mssql.ts';

export { addSqlServerNode, SqlServerNode, type SqlServerNodeStats, type SqlServerSessionEnd } from './services/sqlserver/node.ts';
export { mssqlModule, MssqlError, SimConnectionPool, SimRequest, SimTransaction, DEFAULT_SQLSERVER_PORT, type MssqlBinding, type MssqlModule, type MssqlResult } from './services/sqlserver/mssql.ts';
export { SQLSERVER_DEFAULTS, type SqlServerSettings } from './services/sqlserver/settings.ts';
export { SQLSERVER_REAL_MODE_REFUSAL } from './services/sqlserver/real-mode.ts';

export interface SimulatedMssqlOptions {
  /** The world's SQL Server nodes: node `i` listens at 127.0.0.1:1433+i (default `['sqlserver-1']`). */
  readonly nodes?: readonly string[];
  /** More `host:port` → node entries (`{ 'db.internal:1433': 'sqlserver-1' }`). */
  readonly addresses?: Readonly<Record<string, string>>;
}

/** The mssql module for code running as the simulated process `ctx`. */
export function simulatedMssql(ctx: ProcessContext, options: SimulatedMssqlOptions = {}): MssqlModule {
  return mssqlModule({ ctx, addresses: AddressMap.forNodes(options.nodes ?? ['sqlserver-1'], options.addresses, DEFAULT_SQLSERVER_PORT) });
}
