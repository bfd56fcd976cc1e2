/**
 * PostgreSQL as a service: its node (node.ts) in the world, and node-postgres's `Client` and
 * `Pool` (pg-client.ts, pg-pool.ts) in each client process, one database per lock node.
 * Database node `i` of a lock listens on 127.0.0.1:5432+i, so a client made with the default
 * address reaches the first.
 */
import { AddressMap } from '../../clients/addresses.ts';
import type { DatabaseLike, SqlClientConfig, SqlPoolConfig } from '../../locks/interface.ts';
import type { NodeSpec } from '../../scenario/types.ts';
import type { ClientSetup, ServiceClients, SimService } from '../service.ts';
import { addPostgresNode } from './node.ts';
import { DEFAULT_PG_PORT, SimPgClient, type PgBinding } from './pg-client.ts';
import { SimPgPool } from './pg-pool.ts';
import { settingsProblems } from './settings.ts';

export const postgresService: SimService = {
  name: 'postgres',
  title: 'PostgreSQL',
  requestsAre: 'PostgreSQL queries',
  lockIs: 'lock',

  addNode(world, spec) {
    return addPostgresNode(world, spec.name, spec.postgres ?? {}, { driftPpm: spec.driftPpm, wallOffsetMs: spec.wallOffsetMs });
  },

  clients(setup: ClientSetup, nodes: readonly string[]): ServiceClients {
    const made: SimPgClient[] = [];
    const binding: PgBinding = { ctx: setup.ctx, addresses: AddressMap.forNodes(nodes, {}, DEFAULT_PG_PORT), resolve: setup.resolve, onSend: setup.onSend, made };
    const databases = nodes.map((name, i): DatabaseLike => {
      const address = { host: '127.0.0.1', port: DEFAULT_PG_PORT + i };
      return {
        name,
        client: (config: SqlClientConfig = {}) => new SimPgClient(binding, { ...config, ...address }),
        pool: (config: SqlPoolConfig = {}) => new SimPgPool(binding, { ...config, ...address }),
      };
    });
    return {
      context: { databases },
      waitReason: () => made.map((c) => c.waitReason()).find((w) => w !== null) ?? null,
    };
  },

  validateNode(spec: NodeSpec, where: string): string[] {
    const problems: string[] = [];
    if (spec.persistence !== undefined) problems.push(`${where}.persistence: a Redis setting; a PostgreSQL node keeps its sequences across a crash and loses its sessions and locks (drop persistence)`);
    if (spec.replicaOf !== undefined) problems.push(`${where}.replicaOf: PostgreSQL replicas are not simulated (drop replicaOf)`);
    if (spec.postgres !== undefined) problems.push(...settingsProblems(spec.postgres, `${where}.postgres`));
    return problems;
  },
};
