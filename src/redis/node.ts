import type { World, ProcessOptions } from '../sim/world.ts';
import type { ProcessContext, SimProcess } from '../sim/process.ts';
import { endpoint } from '../sim/rpc.ts';
import type { RandomStream } from '../sim/random.ts';
import { isWriteCommand, RedisEngine, type EngineOptions, type Session } from './engine/engine.ts';
import { PubSub } from './engine/pubsub.ts';
import type { Reply } from './engine/reply.ts';

/**
 * What a node keeps across a crash: `none` restarts empty; `aof-always` keeps every
 * acknowledged write; `aof-everysec` writes every command to the operating system at once and
 * fsyncs once a second, so a process crash (SIGKILL) loses nothing acknowledged, while a machine
 * crash (power loss: `crash` with `machine: true`) loses the writes of the last second of the
 * node's own (monotonic) time since the last fsync.
 */
export type Persistence = 'none' | 'aof-everysec' | 'aof-always';
export const PERSISTENCE_MODES: readonly Persistence[] = ['none', 'aof-everysec', 'aof-always'];

/**
 * A command as it travels from a client to a node by {@link Endpoint.request}. On a TCP
 * connection (SimRedis) the arguments travel alone: the connection is the segment's.
 */
export interface NodeRequest {
  /** The client connection (MULTI and WATCH state are per connection). */
  readonly connection: number;
  readonly args: readonly string[];
}

/** What a watched key held on a node at a true time (the report draws key lifetimes from these). */
export interface KeyObservation {
  /** True time, µs. */
  readonly at: number;
  readonly key: string;
  /** The value, or null when the key is absent (expired, deleted, lost). */
  readonly value: string | null;
  /** When it will expire if nothing changes, in true time (from the node's clock now), µs. */
  readonly expiresAt: number | null;
  /** Why it was observed: a command, a restart, a crash, a clock change. */
  readonly cause: 'command' | 'restart' | 'crash' | 'clock';
}

/** A command that named a watched key (or a whole keyspace: EXEC, FLUSHALL), as the node ran it. */
export interface KeyCommandObservation {
  /** True time, µs. */
  readonly at: number;
  readonly key: string;
  /** The process that sent it: a client, or the primary whose replication stream carried it. */
  readonly from: string;
  readonly args: readonly string[];
  readonly reply: Reply;
}

/** A write effect on its way from a primary to its replica. */
interface ReplicationMessage {
  readonly repl: readonly string[];
  /**
   * The database the effect applies to. The stream carries Redis's SELECTs too; the number makes
   * a replica that restarted (its link starts in database 0) apply the next effect in the right one.
   */
  readonly db: number;
}

export interface RedisNodeOptions extends ProcessOptions {
  readonly persistence?: Persistence;
  /** Makes this node an asynchronous replica of the named node (the replication delay is the delay of the link from the primary). */
  readonly replicaOf?: string;
}

/** Counters that show what happened to a node (so faults can prove they fired). */
export interface RedisNodeStats {
  commands: number;
  restarts: number;
  /** Keys in the keyspace just before each crash, summed: what a crash put at risk. */
  keysAtCrash: number;
  /** Keys the restart brought back (from persistence). */
  keysRecovered: number;
  /** Write effects sent to the replica. */
  replicated: number;
  /** Client writes refused because this node was a replica. */
  readonlyRefused: number;
}

/**
 * A simulated Redis node: a process serving the command engine over the simulated network,
 * with expiry on its own wall clock (the engine is given `ctx.clock.now()` for every command),
 * persistence across crashes, and optional asynchronous replication. Registered with the world
 * as a factory, so `world.restart(name)` brings it back with what its persistence kept.
 */
export class RedisNode {
  readonly stats: RedisNodeStats = { commands: 0, restarts: 0, keysAtCrash: 0, keysRecovered: 0, replicated: 0, readonlyRefused: 0 };
  /** The live keyspace of the current incarnation. */
  engine: RedisEngine;
  /** What the disk holds (aof-everysec: the last fsync's snapshot). */
  private disk: RedisEngine | null = null;
  private replicas: string[] = [];
  private role: 'primary' | 'replica';
  private context: ProcessContext | null = null;
  /** This node's process in the world (its clock decides what a watched key's expiry means in true time). */
  private readonly process: SimProcess;
  /** Where SPOP, SRANDMEMBER and RANDOMKEY draw from: this node's own seeded stream, across restarts. */
  private readonly random: RandomStream;
  /** Keys whose life on this node is recorded (the lock's resource), and what was seen. */
  /**
   * The watched keys, and each one's value and expiry (wall ms) as last reported (a renewal
   * changes only the expiry), in parallel arrays: there is one key in a run, looked at after
   * every command that names it (a Map's iterator, and an object per change, showed in profiles).
   */
  private readonly watchedKeys: string[] = [];
  private readonly watchedValues: Array<string | null> = [];
  private readonly watchedExpiry: Array<number | null> = [];
  /**
   * Receives every observation of a watched key as it happens. The node keeps none of them
   * (a long run must stay flat): the run's checkers derive key lifetimes from them online.
   */
  onKeyObservation: ((observation: KeyObservation) => void) | null = null;
  /**
   * Receives every command that may have touched a watched key, right after the key observation
   * it caused (if it changed the key): a report shows which command did what, and which did nothing.
   */
  onKeyCommand: ((command: KeyCommandObservation) => void) | null = null;

  constructor(
    private readonly world: World,
    readonly name: string,
    readonly persistence: Persistence,
    readonly replicaOf: string | undefined,
    processOptions: ProcessOptions,
  ) {
    this.role = replicaOf === undefined ? 'primary' : 'replica';
    this.random = world.random(`redis-node/${name}`);
    this.engine = this.newEngine();
    this.process = world.addProcess(name, (ctx) => this.start(ctx), processOptions);
  }

  /** 'primary' or 'replica' (a failover promotes a replica). */
  get currentRole(): 'primary' | 'replica' {
    return this.role;
  }

  /** Registers `replica` to receive this node's write effects. */
  addReplica(replica: string): void {
    if (!this.replicas.includes(replica)) this.replicas.push(replica);
    this.engine.setPropagation(this.propagateSink);
  }

  /** Failover: this replica becomes a primary (what had not reached it is lost). */
  promote(): void {
    if (this.role === 'primary') return;
    this.role = 'primary';
    this.engine.setReplica(false);
    this.context?.note('promoted to primary');
  }

  /** Records the life of `key` (in database 0) on this node from now on (see {@link RedisNode.onKeyObservation}). */
  watch(key: string): void {
    if (this.watchedKeys.includes(key)) return;
    this.watchedKeys.push(key);
    this.watchedValues.push(null);
    this.watchedExpiry.push(null);
  }

  /**
   * Looks at every watched key now and reports what changed (or, for `clock` and `crash`, reports
   * anyway: a clock change moves the predicted expiry; a crash makes the key unreachable).
   */
  observeKeys(cause: KeyObservation['cause']): void {
    const keys = this.watchedKeys;
    if (keys.length === 0) return;
    const at = this.world.now;
    const clock = this.process.clock;
    const wallMs = clock.wallMicros(at) / 1000;
    const engine = this.engine;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const stored = cause === 'crash' ? undefined : engine.peekValue(key);
      const storedExpireAt = stored === undefined ? null : engine.peekExpireAt(key);
      const live = stored !== undefined && (storedExpireAt === null || wallMs <= storedExpireAt);
      const value = live ? stored : null;
      const expireAt = value === null ? null : storedExpireAt;
      // A renewal keeps the value and moves the expiry: it is reported too (the lifetime goes on).
      if (value === this.watchedValues[i] && expireAt === this.watchedExpiry[i] && cause === 'command') continue;
      this.watchedValues[i] = value;
      this.watchedExpiry[i] = expireAt;
      const expiresAt = value === null || storedExpireAt === null ? null : at + Math.max(0, (storedExpireAt - wallMs) * 1000) / (1 + clock.driftPpm / 1e6);
      this.onKeyObservation?.({ at, key, value, expiresAt, cause });
    }
  }

  private observeCommand(from: string, args: readonly string[], reply: Reply): void {
    this.observeKeys('command');
    if (this.onKeyCommand === null) return;
    const keys = this.watchedKeys;
    for (let i = 0; i < keys.length; i++) this.onKeyCommand({ at: this.world.now, key: keys[i] as string, from, args, reply });
  }

  /** Runs one command as if a client sent it now (for tests and the checkers' view of a node). */
  inspect(args: readonly string[]): Reply {
    return this.engine.execute(this.engine.newSession(), args, this.context?.clock.now() ?? 0);
  }

  private readonly propagateSink = (command: string[]): void => this.propagate(command);
  private readonly draw = (): number => this.random.next();

  /**
   * Engines propagate write effects only while this node has replicas: without any, propagate()
   * drops them anyway, and not building them saves work on every write.
   */
  private engineOptions(): EngineOptions {
    return {
      replica: this.role === 'replica',
      onPropagate: this.replicas.length > 0 ? this.propagateSink : undefined,
      random: this.draw,
    };
  }

  private newEngine(): RedisEngine {
    return new RedisEngine(this.engineOptions());
  }

  private start(ctx: ProcessContext): void {
    if (ctx.incarnation > 0) {
      this.stats.restarts++;
      this.stats.keysAtCrash += this.engine.size();
      this.engine = this.recover();
      this.stats.keysRecovered += this.engine.size();
      ctx.note(`restarted with persistence ${this.persistence}: ${this.engine.size()} keys recovered`);
    }
    this.context = ctx;
    if (ctx.incarnation > 0) this.observeKeys('restart');
    // Sessions by connection number (unique per client object in a run), then by sender: a
    // connection has one sender but for plain requests (NodeRequest), so a short chain, not a Map.
    const sessions = new Map<number, SenderSession>();
    // The last session used: a client sends command after command on one connection.
    let lastConnection = -1;
    let lastFrom = '';
    let lastSession: Session | null = null;
    const ep = endpoint(ctx);
    // Publish/subscribe (pubsub.ts): channels live as long as this incarnation.
    const pubsub = new PubSub((connection, message) => void ep.push(connection, message));
    ep.serve((from, body, tcpConnection) => {
      let connection: number;
      let args: readonly string[];
      if (tcpConnection >= 0 && Array.isArray(body)) {
        connection = tcpConnection;
        args = body as string[];
      } else {
        connection = (body as NodeRequest).connection;
        args = (body as NodeRequest).args;
      }
      this.stats.commands++;
      if (pubsub.handles(connection, args[0] ?? '')) {
        const reply = pubsub.execute(connection, args);
        if (reply !== null) return reply;
      }
      let session: Session;
      if (connection === lastConnection && from === lastFrom && lastSession !== null) session = lastSession;
      else {
        const first = sessions.get(connection);
        let entry = first;
        while (entry !== undefined && entry.from !== from) entry = entry.next;
        if (entry === undefined) {
          entry = { from, session: this.engine.newSession(), next: first };
          sessions.set(connection, entry);
        }
        const found = entry.session;
        session = found;
        lastConnection = connection;
        lastFrom = from;
        lastSession = found;
      }
      if (this.role === 'replica' && isWriteCommand(args[0] ?? '')) {
        this.stats.readonlyRefused++;
        return { kind: 'error', message: "READONLY You can't write against a read only replica." } satisfies Reply;
      }
      const reply = this.engine.execute(session, args, ctx.clock.now());
      if (this.watchedKeys.length > 0 && touchesWatched(args, this.watchedKeys)) this.observeCommand(from, args, reply);
      return reply;
    });
    // The replication stream is applied as Redis applies its master link: nothing expires while applying.
    const replication = this.engine.newSession({ applyingStream: true });
    ep.onPost((from, body) => {
      const message = body as ReplicationMessage;
      if (this.role === 'replica') {
        if (replication.db !== message.db) replication.db = message.db;
        const reply = this.engine.execute(replication, message.repl, ctx.clock.now());
        if (this.watchedKeys.length > 0 && touchesWatched(message.repl, this.watchedKeys)) this.observeCommand(from, message.repl, reply);
      }
    });
    if (this.persistence === 'aof-everysec') {
      this.disk = this.engine.clone(this.engineOptions());
      const fsync = (): void => {
        this.disk = this.engine.clone(this.engineOptions());
        ctx.clock.setTimer(1000, fsync);
      };
      ctx.clock.setTimer(1000, fsync);
    }
  }

  /** Whether the next restart follows a machine crash (power loss) rather than a process crash. */
  private powerLost = false;

  /** The next crash is a machine crash: what was not fsynced is lost (see {@link Persistence}). */
  losePower(): void {
    this.powerLost = true;
  }

  private recover(): RedisEngine {
    const powerLost = this.powerLost;
    this.powerLost = false;
    if (this.persistence === 'aof-everysec' && !powerLost) {
      // The process died, the kernel did not: every write already reached the page cache.
      this.engine.flushScripts();
      return this.engine;
    }
    switch (this.persistence) {
      case 'none':
        return this.newEngine();
      case 'aof-always':
        // Every acknowledged write reached the disk: the keyspace is what it was. Scripts are not persisted.
        this.engine.flushScripts();
        return this.engine;
      case 'aof-everysec':
        return this.disk === null ? this.newEngine() : this.disk.clone(this.engineOptions());
    }
  }

  private propagate(command: readonly string[]): void {
    if (this.role !== 'primary' || this.replicas.length === 0 || this.context === null) return;
    const ep = endpoint(this.context);
    const db = this.engine.propagationDb;
    for (const replica of this.replicas) {
      this.stats.replicated++;
      ep.post(replica, { repl: command, db } satisfies ReplicationMessage);
    }
  }
}

/** A session of the node's, by connection then sender (see RedisNode.start). */
interface SenderSession {
  readonly from: string;
  readonly session: Session;
  readonly next: SenderSession | undefined;
}

function touchesWatched(args: readonly string[], watched: readonly string[]): boolean {
  for (let i = 1; i < args.length; i++) if (watched.includes(args[i] as string)) return true;
  const name = (args[0] ?? '').toLowerCase();
  return name === 'flushall' || name === 'flushdb' || name === 'swapdb' || name === 'exec';
}

/**
 * Adds a Redis node process to the world. With `replicaOf`, the node is an asynchronous
 * replica of that (already added) node.
 */
export function addRedisNode(world: World, name: string, options: RedisNodeOptions = {}, registry?: Map<string, RedisNode>): RedisNode {
  const node = new RedisNode(world, name, options.persistence ?? 'none', options.replicaOf, {
    driftPpm: options.driftPpm,
    wallOffsetMs: options.wallOffsetMs,
  });
  if (options.replicaOf !== undefined) {
    const primary = registry?.get(options.replicaOf);
    if (primary === undefined) throw new Error(`addRedisNode: replicaOf '${options.replicaOf}' names no node added before '${name}'`);
    primary.addReplica(name);
  }
  registry?.set(name, node);
  return node;
}
