/**
 * The services a world's nodes can run, by name. A node spec names its service (`service:
 * 'postgres'`, `'blob'`); without one it is a Redis node, as every node was before services were plug-ins.
 */
import type { LockWord } from '../check/history.ts';
import type { NodeSpec } from '../scenario/types.ts';
import { blobService } from './blob/service.ts';
import { postgresService } from './postgres/service.ts';
import { redisService } from './redis.ts';
import { sqlServerService } from './sqlserver/service.ts';
import type { SimService } from './service.ts';

export const SERVICES = { redis: redisService, postgres: postgresService, blob: blobService, sqlserver: sqlServerService } as const satisfies Readonly<Record<string, SimService>>;

export type ServiceName = keyof typeof SERVICES;

export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/** The service a node runs. */
export function serviceOf(spec: Pick<NodeSpec, 'service'>): ServiceName {
  return spec.service ?? 'redis';
}

/** What each lock node's lock is called, where it is not a key (a history's `lockWords`); undefined when every one is a key. */
export function lockWordsOf(nodes: readonly Pick<NodeSpec, 'name' | 'service'>[], lockNodes: readonly string[]): Record<string, LockWord> | undefined {
  const words = nodes.filter((spec) => lockNodes.includes(spec.name)).map((spec) => [spec.name, SERVICES[serviceOf(spec)].lockIs] as const).filter(([, word]) => word !== 'key');
  return words.length === 0 ? undefined : Object.fromEntries(words);
}

export function isServiceName(name: unknown): name is ServiceName {
  return typeof name === 'string' && Object.hasOwn(SERVICES, name);
}
