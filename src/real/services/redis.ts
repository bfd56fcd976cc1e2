/**
 * Redis in real mode: a `redis-server` per node (its persistence, under the clock shim with the
 * node's wall-clock offset and drift), reached by the lock's ioredis clients through their
 * Toxiproxy links. A replica follows its primary through its own link.
 *
 * ioredis is configured so a command is sent at most once, as in the simulation: no offline
 * queue, no resend after a reconnect, and commands pending when a connection closes are failed.
 */
import { Redis } from 'ioredis';
import { buildClockShim } from '../clock-shim.ts';
import { NodeHandle } from '../node-handle.ts';
import type { NodeEndpoint } from '../protocol.ts';
import { RedisProcess, redisServerPath } from '../redis-process.ts';
import type { RealClientSetup, RealServiceClients, RealServiceParts } from '../service.ts';

/** Connects one ioredis client; resolves when connected or after `timeoutMs` (a node may be down). */
function connectNode(endpoint: NodeEndpoint, name: string, setup: RealClientSetup, timeoutMs: number): Promise<Redis> {
  const redis = new Redis({
    host: endpoint.host ?? '127.0.0.1',
    port: endpoint.port,
    lazyConnect: true,
    enableOfflineQueue: false,
    // With enableReadyCheck false, ioredis 5 can emit a stale 'ready' after a close that
    // followed a fresh connect, and then never reconnects: keep the ready check.
    enableReadyCheck: true,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 20,
    connectTimeout: 2_000,
    commandTimeout: setup.commandTimeoutMs,
    connectionName: name,
  });
  redis.on('error', () => {
    // Connection errors are the faults at work; the lock sees them as failed commands.
  });
  const debug = setup.debug;
  if (debug !== undefined) {
    for (const event of ['connect', 'ready', 'close', 'reconnecting', 'end', 'error']) {
      redis.on(event, (detail: unknown) => debug(`${name}: ${event}${detail instanceof Error ? ` ${detail.message}` : ''}`));
    }
  }
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    setup.countRequest();
    return send(command, stream);
  };
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(redis), timeoutMs);
    redis.connect().then(
      () => {
        clearTimeout(timer);
        resolve(redis);
      },
      () => {
        // retried by retryStrategy; the timer resolves
      },
    );
  });
}

export const realRedis: RealServiceParts = {
  name: 'redis',
  title: 'Redis',
  refused: null,
  serverWords: 'redis-server (clock shim)',

  async checkTools() {
    redisServerPath();
    await buildClockShim();
  },

  problems({ nodes, world }) {
    const byName = new Map(world.map((n) => [n.name, n]));
    return nodes.flatMap((n) => {
      const primary = n.replicaOf === undefined ? undefined : byName.get(n.replicaOf);
      return primary?.replicaOf !== undefined ? [`node ${n.name} is a replica of ${primary.name}, itself a replica: real mode replicates from primaries only`] : [];
    });
  },

  async startNode(spec) {
    const redis = await RedisProcess.start({
      name: spec.name,
      persistence: spec.persistence ?? 'none',
      clock: { offsetMs: spec.wallOffsetMs ?? 0, rate: 1 + (spec.driftPpm ?? 0) / 1_000_000 },
    });
    return new NodeHandle(spec.name, redis, spec.replicaOf, { host: redis.host, port: redis.port });
  },

  async clients(setup, endpoints): Promise<RealServiceClients> {
    const nodes = await Promise.all(endpoints.map((n) => connectNode(n, `${setup.client}-${n.name}`, setup, 2_000)));
    return { context: { nodes } };
  },
};
