/**
 * Redis as a service: a thin adapter over src/redis/ (the node, the ioredis-shaped client), so
 * the runner and the recording see Redis nodes as service nodes. What a Redis node is stays in
 * src/redis/; this file only plugs it in.
 */
import { SimRedis } from '../redis/client.ts';
import { addRedisNode, PERSISTENCE_MODES, type RedisNode } from '../redis/node.ts';
import type { Reply } from '../redis/engine/reply.ts';
import type { NodeSpec } from '../scenario/types.ts';
import type { ClientSetup, ClockChange, NodeFaultEffects, NodeObserver, ServiceClients, SimService, SimServiceNode } from './service.ts';

/** A simulated Redis node as a service node; `redis` is the node itself (the nemesis's faults act on it). */
export class RedisServiceNode implements SimServiceNode {
  readonly service = 'redis';
  constructor(readonly redis: RedisNode) {}

  get name(): string {
    return this.redis.name;
  }

  commands(): number {
    return this.redis.stats.commands;
  }

  readonly faults: NodeFaultEffects = {
    crash: (machine) => {
      const node = this.redis;
      const keysBefore = node.engine.size();
      const restartsBefore = node.stats.restarts;
      const recoveredBefore = node.stats.keysRecovered;
      return {
        dying: () => {
          node.observeKeys('crash');
          if (machine) node.losePower();
        },
        effect: () => {
          if (node.stats.restarts === restartsBefore) return `${node.name} down with ${keysBefore} keys`;
          const lost = keysBefore - (node.stats.keysRecovered - recoveredBefore);
          return `${keysBefore} keys at crash, ${lost} lost on restart`;
        },
      };
    },
    clock: (change: ClockChange) => {
      const node = this.redis;
      const keys = node.engine.size();
      return {
        changed: () => node.observeKeys('clock'),
        effect: () => {
          if (change.kind === 'jump') return keys > 0 ? `${keys} keys on ${node.name} expire ${Math.abs(change.deltaMs)}ms ${change.deltaMs > 0 ? 'early' : 'late'}` : null;
          return keys > 0 || node.stats.commands > 0 ? `every TTL on ${node.name} ${change.ppm > 0 ? 'shortened' : 'stretched'} by ${Math.abs(change.ppm / 10_000)}%` : null;
        },
      };
    },
    failover: () => {
      const node = this.redis;
      return { primary: node.replicaOf, wasReplica: node.currentRole === 'replica', promote: () => node.promote() };
    },
  };

  watch(resource: string, observer: NodeObserver): void {
    const node = this.redis;
    node.watch(resource);
    node.onKeyObservation = (observation) => observer.keySample(node.name, observation);
    node.onKeyCommand = (command) => observer.keyCommand(node.name, { at: command.at, key: command.key, from: command.from, args: command.args, reply: replyText(command.reply) });
  }
}

export const redisService: SimService = {
  name: 'redis',
  title: 'Redis',
  requestsAre: 'Redis commands',
  lockIs: 'key',

  addNode(world, spec, added) {
    const registry = new Map<string, RedisNode>();
    for (const [name, node] of added) if (node instanceof RedisServiceNode) registry.set(name, node.redis);
    return new RedisServiceNode(addRedisNode(world, spec.name, { persistence: spec.persistence, driftPpm: spec.driftPpm, wallOffsetMs: spec.wallOffsetMs, replicaOf: spec.replicaOf }, registry));
  },

  clients(setup: ClientSetup, nodes: readonly string[]): ServiceClients {
    const { ctx, variant, resolve, onSend } = setup;
    const redisOptions = { ...variant.redisOptions, ...(variant.commandTimeoutMs === undefined ? {} : { commandTimeout: variant.commandTimeoutMs }) };
    const redis = nodes.map((n) => new SimRedis(ctx, { resolve: () => resolve(n) }, { ...redisOptions, onSend }));
    return {
      context: { nodes: redis },
      waitReason: () => redis.map((r) => r.waitReason()).find((w) => w !== null) ?? null,
    };
  },

  validateNode(spec: NodeSpec, where: string): string[] {
    const problems: string[] = [];
    if (spec.persistence !== undefined && !PERSISTENCE_MODES.includes(spec.persistence)) problems.push(`${where}.persistence: must be one of ${PERSISTENCE_MODES.join(', ')}, got ${JSON.stringify(spec.persistence)}`);
    if (spec.postgres !== undefined) problems.push(`${where}.postgres: PostgreSQL settings on a Redis node; add service: 'postgres' to make it a database node, or drop them`);
    return problems;
  },
};

/** A reply in a few characters, as a report shows it: `OK`, `nil`, `1`, `"a1b2c3…"`, the error's text. */
export function replyText(reply: Reply): string {
  switch (reply.kind) {
    case 'status':
      return reply.value;
    case 'error':
      return reply.message.length > 60 ? `${reply.message.slice(0, 59)}…` : reply.message;
    case 'integer':
      return String(reply.value);
    case 'bulk':
      return reply.value === null ? 'nil' : `"${reply.value.length > 12 ? `${reply.value.slice(0, 11)}…` : reply.value}"`;
    case 'array': {
      const text = reply.value === null ? 'nil' : `[${reply.value.map(replyText).join(', ')}]`;
      return text.length > 60 ? `${text.slice(0, 59)}…` : text;
    }
  }
}
