/**
 * `locksim/pg`: node-postgres's API (pg 8: `Client`, `Pool`, `DatabaseError`) over simulated
 * connections to simulated PostgreSQL servers (src/services/postgres/), so lock code written for
 * node-postgres runs unmodified inside a simulated process.
 *
 * ```ts
 * import { addPostgresNode, simulatedPg } from 'locksim/pg';
 * addPostgresNode(world, 'postgres-1', { tcp_keepalives_idle: 5, tcp_keepalives_interval: 1, tcp_keepalives_count: 3 });
 * world.addProcess('client-1', async (ctx) => {
 *   const pg = simulatedPg(ctx, { nodes: ['postgres-1'] });   // postgres-1 at 127.0.0.1:5432
 *   const pool = new pg.Pool({ max: 2 });
 *   const client = await pool.connect();
 *   await client.query('SELECT pg_advisory_lock($1)', [42]);
 * });
 * ```
 */
import { AddressMap } from './clients/addresses.ts';
import type { ProcessContext } from './sim/process.ts';
import { DEFAULT_PG_PORT } from './services/postgres/pg-client.ts';
import { pgModule, type PgModule } from './services/postgres/pg-module.ts';

export { addPostgresNode, PostgresNode, type PostgresNodeStats, type SessionEnd } from './services/postgres/node.ts';
export { pgModule, type PgModule } from './services/postgres/pg-module.ts';
export { SimPgClient, DEFAULT_PG_PORT, type PgBinding, type PgClientConfig, type PgQueryConfig } from './services/postgres/pg-client.ts';
export { SimPgPool, type PgPoolConfig, type SimPoolClient } from './services/postgres/pg-pool.ts';
export { DatabaseError, type PgResult, type PgField, type PgNotice } from './services/postgres/pg-result.ts';
export { POSTGRES_DEFAULTS, type PostgresSettings } from './services/postgres/settings.ts';

export interface SimulatedPgOptions {
  /** The world's PostgreSQL nodes: node `i` listens at 127.0.0.1:5432+i (default `['postgres-1']`). */
  readonly nodes?: readonly string[];
  /** More `host:port` → node entries (`{ 'db.internal:5432': 'postgres-1' }`). */
  readonly addresses?: Readonly<Record<string, string>>;
}

/** node-postgres's module for code running as the simulated process `ctx`. */
export function simulatedPg(ctx: ProcessContext, options: SimulatedPgOptions = {}): PgModule {
  return pgModule({ ctx, addresses: AddressMap.forNodes(options.nodes ?? ['postgres-1'], options.addresses, DEFAULT_PG_PORT) });
}
