/**
 * The real-mode parts of the services, by the registry's names (src/services/registry.ts). A
 * service that has no real mode is listed with the sentence that refuses it.
 */
import type { NodeSpec } from '../../scenario/types.ts';
import type { RealService, RealServiceParts } from '../service.ts';
import { realBlob } from './blob.ts';
import { realPostgres } from './postgres.ts';
import { realRedis } from './redis.ts';

export const REAL_SERVICES: Readonly<Record<string, RealService>> = {
  redis: realRedis,
  postgres: realPostgres,
  blob: realBlob,
  sqlserver: {
    name: 'sqlserver',
    title: 'SQL Server',
    refused: 'SQL Server has no real mode: locksim starts no SQL Server (its sp_getapplock locks are modelled from the documentation, not replayed against a server); run the scenario in simulation',
  },
};

/** The service a node runs (no `service`: Redis). */
export function realServiceName(spec: Pick<NodeSpec, 'service'>): string {
  return spec.service ?? 'redis';
}

/** The real-mode part of a node's service, or the sentence that refuses it. */
export function realServiceOf(spec: Pick<NodeSpec, 'service'>): RealService {
  const name = realServiceName(spec);
  return REAL_SERVICES[name] ?? { name, title: name, refused: `the ${name} service has no real mode; run the scenario in simulation` };
}

/** The part of a service real mode runs; throws the refusal for one it does not (callers check problems first). */
export function runnableService(spec: Pick<NodeSpec, 'service'>): RealServiceParts {
  const service = realServiceOf(spec);
  if (service.refused !== null) throw new Error(service.refused);
  return service;
}
