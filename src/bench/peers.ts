/**
 * locksim beside what a user would otherwise reach for, on the same workloads, in one process,
 * interleaved (each round runs every peer once, so a busier moment of the machine falls on all of
 * them): locksim's simulated path (ioredis-shaped client, simulated network with its delays,
 * simulated node), ioredis-mock (an in-memory fake: no network, no clocks), and a real
 * redis-server over loopback through ioredis. Each peer gets the same 8 clients, each awaiting
 * its commands one after another.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import RedisMock from 'ioredis-mock';
import { createClient } from '../redis/client.ts';
import { addRedisNode } from '../redis/node.ts';
import { redisServerPath, startRedis, type RedisProcess } from '../real/redis-process.ts';
import { EventQueue, type SimEvent } from '../sim/event-queue.ts';
import { RandomStream, World, ms, seconds } from '../sim/index.ts';
import { drive } from '../sim/scheduler.ts';

export type PeerWorkload = 'set-get' | 'evalsha';
export const PEER_WORKLOADS: readonly PeerWorkload[] = ['set-get', 'evalsha'];

/** The compare-and-delete script every peer runs in the `evalsha` workload. */
const SCRIPT = "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end";
const SHA = createHash('sha1').update(SCRIPT).digest('hex');
const CLIENTS = 8;

/** The commands a workload client needs, as ioredis, ioredis-mock and locksim's client all have them. */
interface PeerClient {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  get(key: string): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
  evalsha(sha: string, numKeys: number, ...args: string[]): Promise<unknown>;
}

/**
 * One client's loop: SET k PX 10000 and GET k alternately over 16 keys of its own, or
 * compare-and-delete by EVALSHA (loaded by one EVAL first) on the same keys; `count` is told of
 * every command answered. Runs until `more()` says stop.
 */
async function workloadLoop(redis: PeerClient, client: number, workload: PeerWorkload, count: () => void, more: () => boolean): Promise<void> {
  if (workload === 'evalsha') await redis.eval(SCRIPT, 1, `k${client}:setup`, 'v');
  for (let i = 0; more(); i++) {
    const key = `k${client}:${i & 15}`;
    if (workload === 'evalsha') await redis.evalsha(SHA, 1, key, 'v');
    else if ((i & 1) === 0) await redis.set(key, 'v', 'PX', 10_000);
    else await redis.get(key);
    count();
  }
}

/** Commands per wall second of `CLIENTS` host clients (ioredis-mock or ioredis) for `wallMs`. */
async function measureHost(clients: readonly PeerClient[], workload: PeerWorkload, wallMs: number): Promise<number> {
  let done = 0;
  let deadline = Number.POSITIVE_INFINITY;
  const more = (): boolean => performance.now() < deadline;
  // Set-up (the EVAL) before the clock starts, as for locksim.
  const start = performance.now();
  deadline = start + wallMs;
  await Promise.all(clients.map((redis, c) => workloadLoop(redis, c, workload, () => done++, more)));
  return done / ((performance.now() - start) / 1000);
}

/**
 * Commands per wall second of locksim's simulated path: a world of one node and `CLIENTS` client
 * processes, run in slices of one simulated second until `wallMs` of wall time have passed.
 */
async function measureLocksim(workload: PeerWorkload, wallMs: number): Promise<{ perSecond: number; simulatedSecondsPerSecond: number }> {
  const world = new World({ seed: 1 });
  addRedisNode(world, 'redis-1', {}, new Map());
  let done = 0;
  for (let c = 0; c < CLIENTS; c++) {
    world.addProcess(`client-${c}`, (ctx) => workloadLoop(createClient(ctx, 'redis-1'), c, workload, () => done++, () => true));
  }
  // The first 50 simulated ms: the clients connect and load the script.
  await world.run({ until: ms(50) });
  const before = done;
  const simStart = world.now;
  const start = performance.now();
  while (performance.now() - start < wallMs) await world.run({ until: world.now + seconds(1) });
  const wall = (performance.now() - start) / 1000;
  return { perSecond: (done - before) / wall, simulatedSecondsPerSecond: (world.now - simStart) / 1e6 / wall };
}

/**
 * The floor under locksim's figure: the same clients and workload on the kernel's own event heap
 * and await barrier alone (src/sim/event-queue.ts, src/sim/scheduler.ts), with a seeded delay per
 * hop and a Map for the keyspace. Every command is still two events (the request reaching the
 * server, the reply reaching the client) and a barrier before the client goes on; nothing else of
 * the simulation is there: no links, no TCP model, no trace hash, no Redis engine, no client.
 * What locksim spends above it is what its models cost; the floor is what this kernel's design
 * costs every command. (The clients loop until the end; their last promises are left pending.)
 */
async function measureFloor(workload: PeerWorkload, wallMs: number): Promise<number> {
  const queue = new EventQueue();
  const delays = new RandomStream(1, 'floor');
  const store = new Map<string, string>();
  let now = 0;
  const hop = (): number => now + 100 + delays.next() * 1_900;
  const serve = (key: string, value: string | null): string | number | null => {
    if (workload === 'evalsha') {
      if (store.get(key) !== value) return 0;
      store.delete(key);
      return 1;
    }
    if (value !== null) store.set(key, value);
    return store.get(key) ?? null;
  };
  // One command: an event at the server's arrival time runs it, an event at the reply's settles the promise.
  const command = (key: string, value: string | null): Promise<unknown> =>
    new Promise((resolve) => {
      queue.push(hop(), () => {
        const reply = serve(key, value);
        queue.push(hop(), () => {
          resolve(reply);
          return true;
        });
        return false;
      });
    });
  let done = 0;
  for (let c = 0; c < CLIENTS; c++) {
    void (async () => {
      for (let i = 0; ; i++) {
        const key = `k${c}:${i & 15}`;
        await command(key, workload === 'evalsha' || (i & 1) === 0 ? 'v' : null);
        done++;
      }
    })();
  }
  const start = performance.now();
  let steps = 0;
  await drive(() => {
    for (;;) {
      // The wall clock is read every 1 024 events, as locksim's slices of one simulated second do not read it at all.
      if ((++steps & 1023) === 0 && performance.now() - start >= wallMs) return 'done';
      const event = queue.pop() as SimEvent;
      now = event.at;
      if (event.fire()) return 'barrier';
    }
  });
  return done / ((performance.now() - start) / 1000);
}

export interface PeerRow {
  readonly workload: PeerWorkload;
  /** Commands per wall second, median over the rounds. */
  readonly locksim: number;
  readonly ioredisMock: number;
  /** null when no redis-server could be started (see {@link PeerFigures.redisServer}). */
  readonly redisServer: number | null;
  /** locksim's simulated seconds per wall second in these runs. */
  readonly locksimSimulatedSecondsPerSecond: number;
  /** The kernel's event heap and barrier alone, commands per wall second ({@link measureFloor}). */
  readonly floor: number;
}

export interface PeerFigures {
  readonly rounds: number;
  readonly wallMsPerMeasurement: number;
  readonly clients: number;
  /** The redis-server used (version line), or why there was none. */
  readonly redisServer: string;
  readonly rows: readonly PeerRow[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Each workload on each peer, `rounds` times, interleaved; `wallMs` per measurement. A real
 * redis-server is started on 127.0.0.1 on a free port (and stopped); without one, its column is
 * empty and the reason is given.
 */
export async function measurePeers(rounds: number, wallMs: number): Promise<PeerFigures> {
  let server: RedisProcess | null = null;
  let serverText: string;
  try {
    redisServerPath();
    server = await startRedis({ name: 'bench-redis' });
    serverText = `redis-server on 127.0.0.1:${server.port}`;
  } catch (error) {
    serverText = `none: ${error instanceof Error ? error.message : String(error)}`;
  }
  const mocks = Array.from({ length: CLIENTS }, () => new RedisMock() as unknown as Redis);
  const reals = server === null ? [] : Array.from({ length: CLIENTS }, () => new Redis({ host: server.host, port: server.port, lazyConnect: false, maxRetriesPerRequest: 1 }));
  try {
    if (reals.length > 0) {
      await Promise.all(reals.map((r) => r.ping()));
      const info = (await reals[0]!.info('server')).match(/redis_version:(\S+)/)?.[1];
      if (info !== undefined) serverText = `redis-server ${info} on 127.0.0.1:${server!.port}`;
    }
    const rows: PeerRow[] = [];
    for (const workload of PEER_WORKLOADS) {
      // Warm-up of every peer (the JIT's optimised code, connections), as long as a measurement, not measured.
      await measureLocksim(workload, wallMs);
      await measureFloor(workload, wallMs);
      await measureHost(mocks, workload, wallMs);
      if (reals.length > 0) await measureHost(reals, workload, wallMs);
      const sim: number[] = [];
      const simSpeed: number[] = [];
      const floor: number[] = [];
      const mock: number[] = [];
      const real: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const l = await measureLocksim(workload, wallMs);
        sim.push(l.perSecond);
        simSpeed.push(l.simulatedSecondsPerSecond);
        floor.push(await measureFloor(workload, wallMs));
        await mocks[0]!.flushall();
        mock.push(await measureHost(mocks, workload, wallMs));
        if (reals.length > 0) {
          await reals[0]!.flushall();
          real.push(await measureHost(reals, workload, wallMs));
        }
      }
      rows.push({
        workload,
        locksim: median(sim),
        ioredisMock: median(mock),
        redisServer: real.length === 0 ? null : median(real),
        locksimSimulatedSecondsPerSecond: median(simSpeed),
        floor: median(floor),
      });
    }
    return { rounds, wallMsPerMeasurement: wallMs, clients: CLIENTS, redisServer: serverText, rows };
  } finally {
    for (const r of reals) r.disconnect();
    for (const m of mocks) m.disconnect();
    await server?.dispose();
  }
}
