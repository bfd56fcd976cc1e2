/**
 * PostgreSQL in real mode: a server per node (src/real/postgres-process.ts: initdb in a temporary
 * folder, the node's settings as `-c name=value`), reached by node-postgres itself (the lock's
 * `databases`) through its Toxiproxy link, as user `postgres`. node-postgres is loaded only when a
 * run has a PostgreSQL node (src/real/node-postgres.ts).
 */
import { describeFault } from '../../faults/fault.ts';
import type { DatabaseLike, SqlClientConfig, SqlPoolConfig } from '../../locks/interface.ts';
import { loadNodePostgres, type NodePostgres } from '../node-postgres.ts';
import { PostgresNodeHandle } from '../postgres-node-handle.ts';
import { PostgresProcess, requirePostgres } from '../postgres-process.ts';
import type { NodeEndpoint } from '../protocol.ts';
import type { RealServiceParts } from '../service.ts';

/** Counts every query a node-postgres client sends. */
function counted<C extends { query: (...args: never[]) => unknown }>(client: C, count: () => void): C {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    count();
    return query(...args);
  };
  return client;
}

/** node-postgres pointed at one PostgreSQL node's link. */
function database(pg: NodePostgres, endpoint: NodeEndpoint, count: () => void): DatabaseLike {
  const address = { host: endpoint.host ?? '127.0.0.1', port: endpoint.port, user: 'postgres', database: 'postgres' };
  return {
    name: endpoint.name,
    client: (config: SqlClientConfig = {}) => counted(new pg.Client({ ...config, ...address }), count),
    pool: (config: SqlPoolConfig = {}) => {
      const pool = new pg.Pool({ ...config, ...address });
      pool.on('connect', (client) => void counted(client, count));
      return pool;
    },
  };
}

export const realPostgres: RealServiceParts = {
  name: 'postgres',
  title: 'PostgreSQL',
  refused: null,
  serverWords: 'PostgreSQL server',

  async checkTools() {
    requirePostgres();
    await loadNodePostgres();
  },

  /**
   * Its clock: the clock shim runs under redis-server only. A network fault between a client and
   * it: Toxiproxy ends TCP on both sides, so the server's keepalive probes are answered by
   * Toxiproxy (a cut never ends a session by keepalive, as it does across a real network and in
   * simulation), and a cut drops the bytes a real network would retransmit after the heal (the
   * node-postgres connection would never hear its answer).
   */
  problems({ lockNodes, clients, faults }) {
    const databases = new Set(lockNodes.map((n) => n.name));
    if (databases.size === 0) return [];
    const clientSet = new Set(clients);
    const problems: string[] = [];
    faults.forEach((f, i) => {
      if ((f.kind === 'drift' || f.kind === 'jump') && databases.has(f.process)) problems.push(`faults[${i}] (${describeFault(f)}): real mode moves only a redis-server's clock (the clock shim); run clock faults on a PostgreSQL node in simulation`);
      const pairs: Array<readonly [string, string]> =
        f.kind === 'partition' ? f.groups.flatMap((g, gi) => f.groups.slice(gi + 1).flatMap((h) => g.flatMap((a) => h.map((b) => [a, b] as const)))) : f.kind === 'cut' || f.kind === 'delay' || f.kind === 'loss' ? f.from.flatMap((a) => f.to.map((b) => [a, b] as const)) : [];
      const touches = pairs.some(([a, b]) => (clientSet.has(a) && databases.has(b)) || (databases.has(a) && clientSet.has(b)));
      if (touches && f.kind !== 'delay') {
        problems.push(
          `faults[${i}] (${describeFault(f)}): a cut between a client and a PostgreSQL node cannot be made through Toxiproxy: it answers the server's TCP keepalive probes itself (the server would never end the session, as it does across a real network) and loses the bytes a real network retransmits after the heal; run it in simulation`,
        );
      }
    });
    return problems;
  },

  async startNode(spec) {
    const server = await PostgresProcess.start({ name: spec.name, settings: { ...spec.postgres } });
    return new PostgresNodeHandle(spec.name, server);
  },

  async clients(setup, endpoints) {
    if (endpoints.length === 0) return { context: {} };
    const pg = await loadNodePostgres();
    return { context: { databases: endpoints.map((n) => database(pg, n, setup.countRequest)) } };
  },
};
