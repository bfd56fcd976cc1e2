/**
 * A node-postgres-shaped module (`Client`, `Pool`, `DatabaseError`) bound to one simulated
 * process: what lock code that takes node-postgres as a parameter (`makeLock(pg)`) is given in
 * simulation, and what `locksim/pg` exports. Real mode gives the same code the real `pg`.
 */
import { SimPgClient, type PgBinding, type PgClientConfig } from './pg-client.ts';
import { SimPgPool, type PgPoolConfig } from './pg-pool.ts';
import { DatabaseError } from './pg-result.ts';

export interface PgModule {
  readonly Client: new (config?: string | PgClientConfig) => SimPgClient;
  readonly Pool: new (config?: PgPoolConfig) => SimPgPool;
  readonly DatabaseError: typeof DatabaseError;
}

export function pgModule(binding: PgBinding): PgModule {
  class Client extends SimPgClient {
    constructor(config?: string | PgClientConfig) {
      super(binding, config);
    }
  }
  class Pool extends SimPgPool {
    constructor(config?: PgPoolConfig) {
      super(binding, config);
    }
  }
  return { Client, Pool, DatabaseError };
}
