/**
 * SQL Server as a service: its node (node.ts) in the world, and the mssql module (mssql.ts) in
 * each client process, pointed at each SQL Server node of the lock. Node `i` of a lock listens on
 * 127.0.0.1:1433+i, so a pool made with the default address reaches the first.
 */
import { AddressMap } from '../../clients/addresses.ts';
import type { SqlServerLike } from '../../locks/mssql-like.ts';
import type { NodeSpec } from '../../scenario/types.ts';
import type { ClientSetup, ServiceClients, SimService } from '../service.ts';
import { DEFAULT_SQLSERVER_PORT, mssqlModule, type MssqlBinding, type TdsConnection } from './mssql.ts';
import { addSqlServerNode } from './node.ts';
import { sqlServerSettingsProblems } from './settings.ts';

export const sqlServerService: SimService = {
  name: 'sqlserver',
  title: 'SQL Server',
  requestsAre: 'SQL Server requests',
  lockIs: 'lock',

  addNode(world, spec) {
    return addSqlServerNode(world, spec.name, spec.sqlserver ?? {}, { driftPpm: spec.driftPpm, wallOffsetMs: spec.wallOffsetMs });
  },

  clients(setup: ClientSetup, nodes: readonly string[]): ServiceClients {
    const made: TdsConnection[] = [];
    const binding: MssqlBinding = { ctx: setup.ctx, addresses: AddressMap.forNodes(nodes, {}, DEFAULT_SQLSERVER_PORT), resolve: setup.resolve, onSend: setup.onSend, made };
    const mssql = mssqlModule(binding);
    const sqlServers = nodes.map((name, i): SqlServerLike => ({ name, mssql, config: { server: '127.0.0.1', port: DEFAULT_SQLSERVER_PORT + i } }));
    return {
      context: { sqlServers },
      waitReason: () => made.map((c) => c.waitReason()).find((w) => w !== null) ?? null,
    };
  },

  validateNode(spec: NodeSpec, where: string): string[] {
    const problems: string[] = [];
    if (spec.persistence !== undefined) problems.push(`${where}.persistence: a Redis setting; a SQL Server node keeps its sequences across a crash and loses its sessions and application locks (drop persistence)`);
    if (spec.replicaOf !== undefined) problems.push(`${where}.replicaOf: SQL Server replicas (Always On) are not simulated (drop replicaOf)`);
    if (spec.postgres !== undefined) problems.push(`${where}.postgres: PostgreSQL settings on a SQL Server node (use sqlserver: { keepAliveMs, keepAliveIntervalMs, keepAliveProbes })`);
    if (spec.sqlserver !== undefined) problems.push(...sqlServerSettingsProblems(spec.sqlserver, `${where}.sqlserver`));
    return problems;
  },
};
