/**
 * Helpers for the lock tests: real redis-server clusters (stopped after each test), node
 * wrappers that add latency or hold replies on a {@link ManualClock}, scripted fake nodes, and
 * contexts.
 */
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import type { LockContext, Random, RedisLike } from '../../src/locks/interface.ts';
import { RandomStream } from '../../src/sim/random.ts';
import { RealClock } from '../../src/real/clock.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import type { ManualClock } from './manual-clock.ts';

export interface Cluster {
  readonly servers: RedisServer[];
  /** One client per node for the test's own inspection. */
  readonly admin: Redis[];
  /** Fresh connections to every node (one "client process"). */
  connect(): Redis[];
  /** Stops node `i` (SIGKILL). */
  stop(i: number): Promise<void>;
  /** Values of `key` on every node (null where absent or the node is down). */
  values(key: string): Promise<Array<string | null>>;
  /** Disconnects every client and stops every server. Never throws. */
  close(): Promise<void>;
}

export function connectTo(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  // A stopped node makes ioredis emit connection errors; the tests look at replies instead.
  client.on('error', () => {});
  return client;
}

export async function startCluster(n: number): Promise<Cluster> {
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const connect = (): Redis[] => {
    const made = servers.map((server) => connectTo(server.port));
    clients.push(...made);
    return made;
  };
  const close = async (): Promise<void> => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.allSettled(servers.map((server) => server.stop()));
  };
  try {
    for (let i = 0; i < n; i++) servers.push(await startRedisServer());
  } catch (error) {
    await close();
    throw error;
  }
  const admin = connect();
  const stopped = new Set<number>();
  return {
    servers,
    admin,
    connect,
    async stop(i) {
      stopped.add(i);
      await servers[i].stop();
    },
    async values(key) {
      return Promise.all(admin.map((client, i) => (stopped.has(i) ? null : client.get(key))));
    },
    close,
  };
}

/** Clusters started through this are closed after each test of the file that calls it. */
export function clusterPerTest(): (n: number) => Promise<Cluster> {
  const started: Cluster[] = [];
  afterEach(async () => {
    await Promise.allSettled(started.splice(0).map((cluster) => cluster.close()));
  });
  return async (n) => {
    const cluster = await startCluster(n);
    started.push(cluster);
    return cluster;
  };
}

/** A context on the real clock with a seeded random source. */
export function realContext(nodes: readonly RedisLike[], seed: string): LockContext {
  return { nodes, clock: new RealClock(), random: new RandomStream(seed) };
}

/** A context on a manual clock. */
export function manualContext(nodes: readonly RedisLike[], clock: ManualClock, seed: string): LockContext {
  return { nodes, clock, random: new RandomStream(seed) };
}

/** Calls `before(command, args)` as a command is sent and `after(command, args)` when its reply (or error) comes back, before handing it on. */
export function tap(
  node: RedisLike,
  hooks: { before?: (command: string, args: Array<string | number>) => void; after?: (command: string, args: Array<string | number>) => void },
): RedisLike {
  return {
    async call(command, ...args) {
      hooks.before?.(command, args);
      try {
        return await node.call(command, ...args);
      } finally {
        hooks.after?.(command, args);
      }
    },
  };
}

/**
 * The reply of each command arrives `latencyMs` after it was sent, on the manual clock: when the
 * real reply comes, the clock is advanced to send time + latency (firing any due timers, such as
 * a per-node timeout, first). Parallel calls thus end at send time + the largest latency.
 */
export function withLatency(node: RedisLike, clock: ManualClock, latencyMs: number): RedisLike {
  return {
    async call(command, ...args) {
      const sent = clock.monotonic();
      try {
        return await node.call(command, ...args);
      } finally {
        clock.advanceTo(sent + latencyMs);
      }
    },
  };
}

/** Holds the replies of commands matching `matches` until `open()`. */
export function gated(node: RedisLike, matches: (command: string) => boolean): RedisLike & { open(): void; held(): number } {
  let waiting: Array<() => void> = [];
  let isOpen = false;
  return {
    async call(command, ...args) {
      const reply = node.call(command, ...args);
      if (!matches(command) || isOpen) return reply;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return reply;
    },
    open() {
      isOpen = true;
      const release = waiting;
      waiting = [];
      for (const resolve of release) resolve();
    },
    held() {
      return waiting.length;
    },
  };
}

/** A fake node whose replies come from `handler` (which may throw or return a promise). */
export function scriptedNode(handler: (command: string, args: Array<string | number>) => unknown): RedisLike & { calls: Array<[string, Array<string | number>]> } {
  const calls: Array<[string, Array<string | number>]> = [];
  return {
    calls,
    async call(command, ...args) {
      calls.push([command, args]);
      return handler(command, args);
    },
  };
}

/** A node that never answers. */
export function silentNode(): RedisLike & { calls: Array<[string, Array<string | number>]> } {
  return scriptedNode(() => new Promise(() => {}));
}

/** A Random whose `next()` returns `value` and whose hex counts up, for exact expectations. */
export function fixedRandom(value: number): Random {
  let counter = 0;
  return {
    next: () => value,
    int: (min, max) => min + Math.floor(value * (max - min)),
    hex: (bytes) => (counter++).toString(16).padStart(bytes * 2, '0'),
  };
}
