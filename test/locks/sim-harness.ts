/**
 * A small harness for running the lock algorithms inside the simulation: a World with N
 * simulated Redis nodes, client processes that build their locks from simulated clients and
 * record what happened (with true times), and synchronous inspection of the nodes' keyspaces.
 *
 * Everything runs on virtual time, so the numbers a test expects can be computed exactly:
 * with `delayMs: 5` every request/reply round trip takes exactly 10 ms of true time, and a
 * client without drift reads `clock.monotonic()` equal to true time in ms (it was added at
 * true time 0).
 */
import { createClient, toIoredis, type SimRedis, type SimRedisOptions } from '../../src/redis/client.ts';
import { addRedisNode, type RedisNode, type RedisNodeOptions } from '../../src/redis/node.ts';
import { World, ms, toMs, type DelayModel, type ProcessContext, type ProcessOptions, type RunSummary } from '../../src/sim/index.ts';
import type { LockContext, RedisLike } from '../../src/locks/interface.ts';

/** What a client script gets. */
export interface ClientEnv {
  readonly ctx: ProcessContext;
  /** One simulated client per node, in node order (`redis-1`, `redis-2`, …). */
  readonly redis: SimRedis[];
  /** A lock context made of `redis`, the process's clock and its random stream. */
  readonly context: LockContext;
  /** True time now, in ms (for the test's bookkeeping; an algorithm never sees it). */
  now(): number;
  /** Fresh connections to every node (another "client" inside the same process). */
  connect(options?: SimRedisOptions): SimRedis[];
}

/** What became of a client script, read after the run. */
export interface Outcome<T> {
  readonly name: string;
  /** True once the script returned or threw. */
  readonly done: boolean;
  /** True time (ms) the script finished at. */
  readonly finishedAt: number | undefined;
  /** The script's result; throws its error, or says it never finished. */
  get(): T;
}

export interface SimClusterOptions {
  /** How many Redis nodes (named redis-1 … redis-N). Default 3. */
  nodes?: number;
  seed?: number;
  /** A fixed one-way delay on every link, ms (makes every number exact). */
  delayMs?: number;
  /** Any delay model (the default is the world's: uniform 0.1-2 ms). Ignored with `delayMs`. */
  delay?: DelayModel;
  /** Options of every node (persistence, drift). */
  node?: RedisNodeOptions;
}

export interface ClientOptions {
  /** The client first sleeps this long on its own clock (true ms when it has no drift). */
  startMs?: number;
  /** Options of the simulated clients (ioredis's `commandTimeout`, …). */
  redis?: SimRedisOptions;
  /** Clock drift and wall offset of the client process. */
  process?: ProcessOptions;
}

/** A simulated Redis cluster in a fresh World. */
export class SimCluster {
  readonly world: World;
  readonly nodes = new Map<string, RedisNode>();
  readonly names: string[];

  constructor(options: SimClusterOptions = {}) {
    const delay: DelayModel | undefined = options.delayMs !== undefined ? { kind: 'fixed', ms: options.delayMs } : options.delay;
    this.world = new World({ seed: options.seed ?? 1, delay });
    const n = options.nodes ?? 3;
    this.names = Array.from({ length: n }, (_, i) => `redis-${i + 1}`);
    for (const name of this.names) addRedisNode(this.world, name, options.node ?? {}, this.nodes);
  }

  /** The node by index (0-based) or name. */
  node(which: number | string): RedisNode {
    const name = typeof which === 'number' ? this.names[which] : which;
    const node = name === undefined ? undefined : this.nodes.get(name);
    if (node === undefined) throw new Error(`no node ${String(which)} (nodes: ${this.names.join(', ')})`);
    return node;
  }

  /** True time now, ms. */
  now(): number {
    return toMs(this.world.now);
  }

  /** Runs `action` at true time `tMs`. */
  at(tMs: number, action: () => void): void {
    this.world.at(ms(tMs), action);
  }

  /** Adds a client process running `script`; read its outcome after the run. */
  client<T>(name: string, script: (env: ClientEnv) => Promise<T>, options: ClientOptions = {}): Outcome<T> {
    const state: { done: boolean; finishedAt?: number; value?: T; error?: unknown; failed: boolean } = { done: false, failed: false };
    const world = this.world;
    const names = this.names;
    this.world.addProcess(
      name,
      async (ctx) => {
        const connect = (redisOptions: SimRedisOptions = options.redis ?? {}): SimRedis[] =>
          names.map((node) => createClient(ctx, node, redisOptions));
        const redis = connect();
        const env: ClientEnv = {
          ctx,
          redis,
          context: { nodes: redis, clock: ctx.clock, random: ctx.random },
          now: () => toMs(world.now),
          connect,
        };
        try {
          if (options.startMs !== undefined) await ctx.clock.sleep(options.startMs);
          state.value = await script(env);
        } catch (error) {
          state.failed = true;
          state.error = error;
        }
        state.done = true;
        state.finishedAt = toMs(world.now);
      },
      options.process,
    );
    return {
      name,
      get done() {
        return state.done;
      },
      get finishedAt() {
        return state.finishedAt;
      },
      get(): T {
        if (!state.done) throw new Error(`client ${name} did not finish by the end of the run`);
        if (state.failed) throw state.error;
        return state.value as T;
      },
    };
  }

  /** Runs one command on a node now, as an administrator would (no network, no time passes). */
  inspect(which: number | string, args: ReadonlyArray<string | number>): unknown {
    const reply = this.node(which).inspect(args.map(String));
    const value = toIoredis(reply, (message) => new Error(message));
    if (value instanceof Error) throw value;
    return value;
  }

  /** `GET key` on one node now. */
  value(which: number | string, key: string): string | null {
    return this.inspect(which, ['GET', key]) as string | null;
  }

  /** `GET key` on every node now (null where absent or the node is down). */
  values(key: string): Array<string | null> {
    return this.names.map((name) => (this.world.process(name).state === 'crashed' ? null : this.value(name, key)));
  }

  /** `PTTL key` on one node now. */
  pttl(which: number | string, key: string): number {
    return this.inspect(which, ['PTTL', key]) as number;
  }

  /** An administrator's RedisLike on every node (commands run at once, outside the network). */
  admin(): RedisLike[] {
    return this.names.map((name) => ({ call: async (command: string, ...args: Array<string | number>) => this.inspect(name, [command, ...args]) }));
  }

  /** Runs the world until `untilMs` of true time (always bounded: nodes may keep timers alive). */
  async run(untilMs: number): Promise<RunSummary> {
    const summary = await this.world.run({ until: ms(untilMs) });
    if (this.world.errors.length > 0) {
      throw new Error(`processes failed: ${this.world.errors.map((e) => `${e.process}: ${e.message}`).join('; ')}`);
    }
    return summary;
  }
}

/** Records the true-time intervals during which clients believed they held a lock. */
export class HoldLog {
  readonly holds: Array<{ client: string; from: number; to: number; token?: number }> = [];

  add(client: string, from: number, to: number, token?: number): void {
    this.holds.push(token === undefined ? { client, from, to } : { client, from, to, token });
  }

  /** Pairs of holds that overlap in true time (empty when mutual exclusion held). */
  overlaps(): Array<[string, string]> {
    const sorted = [...this.holds].sort((a, b) => a.from - b.from);
    const found: Array<[string, string]> = [];
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const a = sorted[i];
        const b = sorted[j];
        if (b.from >= a.to) break;
        found.push([`${a.client}@${a.from}-${a.to}`, `${b.client}@${b.from}-${b.to}`]);
      }
    }
    return found;
  }
}
