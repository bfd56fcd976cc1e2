/**
 * The two worlds the library suite runs in: simulated nodes in virtual time (one driver
 * process whose clients are separate lock instances, each with its own realm and connections)
 * and real redis-server processes with real ioredis clients (the library loaded by Node itself).
 */
import { Redis } from 'ioredis';
import type { LockFactory } from '../../src/locks/interface.ts';
import { RealClock } from '../../src/real/clock.ts';
import { RandomStream } from '../../src/sim/random.ts';
import { SimRedis } from '../../src/redis/client.ts';
import { addRedisNode, type RedisNode } from '../../src/redis/node.ts';
import { seconds } from '../../src/sim/time.ts';
import { World } from '../../src/sim/world.ts';
import { startRedisServer, type RedisServer } from '../support/redis-server.ts';
import type { Harness, SuiteContext } from './suite.ts';

/** Simulation: the body runs inside a simulated process; its sleeps are virtual. */
export function simulationHarness(seed = 1): Harness {
  return {
    name: 'simulation',
    ttl: 1_000,
    async run(nodeCount: number, body: (s: SuiteContext) => Promise<void>): Promise<void> {
      const world = new World({ seed });
      const nodes: RedisNode[] = [];
      for (let i = 1; i <= nodeCount; i++) nodes.push(addRedisNode(world, `redis-${i}`));
      let outcome: { error: unknown } | null = null;
      world.addProcess('driver', async (ctx) => {
        const s: SuiteContext = {
          lock: (factory: LockFactory, n: number) =>
            factory({ nodes: nodes.slice(0, n).map((node) => new SimRedis(ctx, node.name, { commandTimeout: 1_000 })), clock: ctx.clock, random: ctx.random }),
          sleep: (ms) => ctx.clock.sleep(ms),
          pttl: async (i, key) => {
            const reply = nodes[i]!.inspect(['pttl', key]);
            return reply.kind === 'integer' ? reply.value : Number.NaN;
          },
        };
        try {
          await body(s);
          outcome = { error: null };
        } catch (error) {
          outcome = { error };
        }
      });
      await world.run({ until: seconds(120) });
      if (world.errors.length > 0) throw new Error(`simulated process errors: ${world.errors.map((e) => `${e.process}: ${e.message}`).join('; ')}`);
      const settled = outcome as { error: unknown } | null;
      if (settled === null) throw new Error('the suite body never finished in 120 simulated seconds');
      if (settled.error !== null) throw settled.error;
    },
  };
}

/** Real Redis: fresh redis-server processes, ioredis clients, real time. */
export function realRedisHarness(): Harness & { start(nodes: number): Promise<void>; close(): Promise<void> } {
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const connect = (port: number): Redis => {
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, commandTimeout: 1_000 });
    client.on('error', () => {});
    clients.push(client);
    return client;
  };
  return {
    name: 'real redis',
    ttl: 2_000,
    async start(nodeCount) {
      while (servers.length < nodeCount) servers.push(await startRedisServer());
    },
    async run(nodeCount, body) {
      if (servers.length < nodeCount) throw new Error(`realRedisHarness: start(${nodeCount}) first`);
      // Cases share the servers (and may run concurrently): each uses its own keys.
      const admin = servers.slice(0, nodeCount).map((s) => connect(s.port));
      let serial = 0;
      const s: SuiteContext = {
        lock: (factory, n) => factory({ nodes: servers.slice(0, n).map((server) => connect(server.port)), clock: new RealClock(), random: new RandomStream(++serial) }),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        pttl: (i, key) => admin[i]!.pttl(key),
      };
      await body(s);
    },
    async close() {
      for (const c of clients.splice(0)) c.disconnect();
      await Promise.allSettled(servers.splice(0).map((s) => s.stop()));
    },
  };
}
