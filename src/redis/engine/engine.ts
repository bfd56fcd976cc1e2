/**
 * A simulated Redis 7.0 node's command engine: pure, synchronous, with time and randomness passed in.
 *
 * `execute(session, args, nowMs)` runs one command as the node would at `nowMs` on its own wall
 * clock, and returns the exact RESP2 reply Redis would give (see docs/redis-commands.md for the
 * supported commands and the known differences). Write effects are reported through
 * `onPropagate`, in the form Redis sends them to replicas and the AOF, so that replaying them
 * (on a session made with `{ applyingStream: true }`) rebuilds the same keyspace.
 *
 * Nothing here reads a clock, a timer or a random source: the only time is `nowMs`, and the
 * commands that choose at random (SPOP, SRANDMEMBER, RANDOMKEY) draw from `options.random`.
 */
import {
  arityOk,
  asciiLower,
  CMD_NOSCRIPT,
  CMD_TXN_IMMEDIATE,
  CMD_WRITE,
  CommandTable,
  REDIS_COMMAND_NAMES,
  REDIS_NOSCRIPT_COMMANDS,
  type CommandContext,
  type CommandSpec,
  type EngineHost,
} from './command-table.ts';
import { databaseCommands } from './commands/databases.ts';
import { hashCommands } from './commands/hash.ts';
import { keyCommands } from './commands/keys.ts';
import { scanCommands } from './commands/scan.ts';
import { scriptingCommands } from './commands/scripting.ts';
import { serverCommands } from './commands/server.ts';
import { setCommands } from './commands/sets.ts';
import { stringCommands } from './commands/strings.ts';
import { transactionCommands } from './commands/transaction.ts';
import { zsetCommands } from './commands/zset.ts';
import { DATABASES, Keyspace, typeOf, type RedisType } from './keyspace.ts';
import { LuaScripting } from './lua.ts';
import { parseInt64 } from './numbers.ts';
import { Rand48 } from './rand48.ts';
import { array, error, Errors, NIL_ARRAY, NOT_INTEGER, QUEUED, wrongArity, type Reply } from './reply.ts';
import { Session, type SessionOptions } from './session.ts';
import { RedisSet } from './set.ts';
import { ZSet } from './zset.ts';

export { Session, type SessionOptions } from './session.ts';
export type { Reply } from './reply.ts';

export interface EngineOptions {
  /** A replica never expires keys itself (reads still treat logically expired keys as absent). */
  replica?: boolean;
  /**
   * Called with every write effect, in order, as Redis would propagate it to replicas/AOF:
   * relative expiries rewritten to absolute (SET k v PXAT <ms>, PEXPIREAT), a DEL when a key is
   * found expired (lazy expiry on a primary), scripts propagated as the write commands they ran
   * (effects replication), MULTI/EXEC as its writes. A command with several effects (EXEC, EVAL,
   * or a write that first expired a key) is wrapped in MULTI ... EXEC. Replaying these on a
   * fresh engine (through a session with `applyingStream: true`) rebuilds the same keyspace.
   */
  onPropagate?: (command: string[]) => void;
  /**
   * Where SPOP, SRANDMEMBER and RANDOMKEY get their random choices: a float in [0, 1) per call.
   * A simulated node passes its own seeded stream; the default is a fixed-seed generator, so an
   * engine on its own is deterministic too. Never Math.random (runs must replay).
   */
  random?: () => number;
  /**
   * Run the well-known lock scripts natively (src/redis/native-scripts.ts; default true). The
   * replies, keyspace, effects and stats are the same either way; tests turn it off to prove it.
   */
  nativeScripts?: boolean;
}

/** One key of {@link RedisEngine.dump}. */
export interface KeyDump {
  key: string;
  type: RedisType;
  /** string: the value; hash: [field, value] pairs in order; zset: [member, score] by rank; set: members as listed. */
  value: string | Array<[string, string]> | Array<[string, number]> | string[];
  /** Absolute expiry in ms on the node's clock, or null. */
  expireAt: number | null;
}

/** The simulated commands, shared by every engine (the table is immutable). */
const COMMANDS = new CommandTable();
COMMANDS.add(
  ...serverCommands,
  ...stringCommands,
  ...keyCommands,
  ...scanCommands,
  ...hashCommands,
  ...setCommands,
  ...zsetCommands,
  ...databaseCommands,
  ...transactionCommands,
  ...scriptingCommands,
);

/** True when `name` (any case) is a simulated command that writes (a replica refuses it). */
export function isWriteCommand(name: string): boolean {
  const spec = COMMANDS.lookup(name);
  return spec !== undefined && (spec.flags & CMD_WRITE) !== 0;
}

/** Names of the commands the engine simulates (lower case, subcommands as `script|load`). */
export function supportedCommands(): string[] {
  const names: string[] = [];
  for (const name of COMMANDS.names()) {
    const spec = COMMANDS.lookup(name) as CommandSpec;
    if (spec.subcommands !== undefined) for (const sub of spec.subcommands.values()) names.push(sub.name);
    else names.push(name);
  }
  return names.sort();
}

const EXECABORT = error(Errors.execAbort);
const EXEC_WITHOUT_MULTI = error(Errors.execWithoutMulti);
const NOSCRIPT = error(Errors.noScript);
const UNKNOWN_FROM_SCRIPT = error('ERR Unknown Redis command called from script');
const ARITY_FROM_SCRIPT = error('ERR Wrong number of args calling Redis command from script');
const NOT_ALLOWED_FROM_SCRIPT = error('ERR This Redis command is not allowed from script');

function newStats(): Record<string, number> {
  return {
    /** Commands received by execute() (including queued and rejected ones). */
    commands: 0,
    /** Keys deleted because they were found expired (primary only). */
    expiredKeys: 0,
    /** EVAL/EVALSHA runs. */
    scriptCalls: 0,
    /** Commands run by scripts through redis.call/pcall. */
    scriptCommands: 0,
    /** Scripts compiled (EVAL of a new body, SCRIPT LOAD). */
    scriptsCompiled: 0,
    /** EVAL/EVALSHA runs answered by a script's native version (native-scripts.ts) instead of the Lua VM. */
    nativeScriptCalls: 0,
    /** EXECs that ran their queue. */
    transactions: 0,
    /** EXECs that answered nil (WATCH) or EXECABORT. */
    transactionsAborted: 0,
    /** Handler exceptions turned into error replies: always 0 unless locksim has a bug. */
    internalErrors: 0,
  };
}

function internalError(name: string, e: unknown): Reply {
  return error(`ERR locksim internal error in '${name}': ${e instanceof Error ? e.message : String(e)}`);
}

function unsupported(name: string): Reply {
  return error(`ERR locksim does not simulate the '${name.toUpperCase()}' command`.replace(/[\r\n]/g, ' '));
}

/** Redis's rejection of a command it does not know (or one Redis knows and locksim does not simulate). */
function rejectUnknown(args: readonly string[]): Reply {
  const name = args[0];
  if (REDIS_COMMAND_NAMES.has(asciiLower(name))) return unsupported(name);
  let text = '';
  for (let i = 1; i < args.length && text.length < 128; i++) text += `'${args[i].slice(0, 128 - text.length)}' `;
  return error(`ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${text}`.replace(/[\r\n]/g, ' '));
}

export class RedisEngine {
  /** Counters (plain numbers): commands, expiredKeys, scriptCalls, scriptCommands, ... */
  readonly stats: Record<string, number> = newStats();
  private readonly ks: Keyspace;
  private readonly ctx: CommandContext;
  private lua: LuaScripting | null = null;
  private readonly nativeScripts: boolean;
  private sessionIds = 0;
  /** The client scripts run their commands as. */
  private readonly scriptSession: Session;

  constructor(options: EngineOptions = {}) {
    this.ks = new Keyspace(options.replica ?? false, options.onPropagate ?? null, this.stats);
    this.nativeScripts = options.nativeScripts ?? true;
    const random = options.random ?? defaultRandom();
    const host: EngineHost = {
      stats: this.stats,
      exec: (session) => this.exec(session),
      discard: (session) => this.discard(session),
      evalScript: (args, bySha) => this.evalScript(args, bySha),
      loadScript: (body) => this.loadScript(body),
      scriptExists: (sha) => this.lua !== null && this.lua.has(asciiLower(sha)),
      flushScriptCache: () => this.lua?.flush(),
      random,
    };
    this.scriptSession = new Session(0);
    this.ctx = { ks: this.ks, session: this.scriptSession, inScript: false, nowExact: 0, host };
  }

  /** Per-connection state (MULTI queue, WATCHed keys). */
  newSession(options?: SessionOptions): Session {
    return new Session(++this.sessionIds, options);
  }

  /** Whether this node is a replica (it then never expires keys itself). */
  get replica(): boolean {
    return this.ks.replica;
  }

  /**
   * Where write effects go from now on (null: nowhere, and the commands skip building them).
   * Replies and the keyspace are the same either way.
   */
  setPropagation(onPropagate: ((command: string[]) => void) | null): void {
    this.ks.effects.sink = onPropagate;
  }

  /**
   * The database the propagation stream is in after the effects emitted so far: the receiver of
   * an effect applies it there (a SELECT precedes an effect made in another database).
   */
  get propagationDb(): number {
    return this.ks.effects.db;
  }

  /** Promotes a replica (false) or demotes a primary (true), as REPLICAOF would. */
  setReplica(replica: boolean): void {
    this.ks.replica = replica;
  }

  /**
   * Runs one command (args[0] is the command name, any case) at wall-clock time `nowMs` (ms since
   * the epoch on the node's own clock; fractional values are floored for expiry, and give TIME its
   * microseconds). Never throws for bad input: returns an error reply.
   */
  execute(session: Session, args: readonly string[], nowMs: number): Reply {
    this.stats.commands++;
    try {
      return this.dispatch(session, args, nowMs);
    } catch (e) {
      // Only a locksim bug (or arguments that are not strings) gets here.
      this.stats.internalErrors++;
      this.ks.effects.truncate(0);
      return internalError(String(args[0]), e);
    }
  }

  private dispatch(session: Session, args: readonly string[], nowMs: number): Reply {
    if (args.length === 0) return error("ERR unknown command '', with args beginning with: ");
    let spec = COMMANDS.lookup(args[0]);
    if (spec === undefined) {
      if (session.multi !== null) session.multiError = true;
      return rejectUnknown(args);
    }
    if (spec.subcommands !== undefined && args.length >= 2) {
      const sub = spec.subcommands.get(asciiLower(args[1]));
      if (sub === undefined) {
        if (session.multi !== null) session.multiError = true;
        const subName = asciiLower(args[1]);
        if (spec.unsupportedSubcommands?.has(subName)) return unsupported(`${spec.name} ${subName}`);
        return error(`ERR unknown subcommand '${args[1].slice(0, 128)}'. Try ${args[0].toUpperCase()} HELP.`.replace(/[\r\n]/g, ' '));
      }
      spec = sub;
    }
    if (!arityOk(spec, args.length)) {
      if (spec.name === 'exec') {
        this.discard(session);
        this.stats.transactionsAborted++;
        return error("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
      }
      if (session.multi !== null) session.multiError = true;
      return wrongArity(spec.name);
    }
    if (session.multi !== null && (spec.flags & CMD_TXN_IMMEDIATE) === 0) {
      session.multi.push({ spec, args: args.slice() });
      return QUEUED;
    }
    const ks = this.ks;
    const ctx = this.ctx;
    ks.now = Math.floor(nowMs);
    ks.applyingStream = session.applyingStream;
    if (session.db !== ks.db) ks.select(session.db);
    ctx.session = session;
    ctx.inScript = false;
    ctx.nowExact = nowMs;
    let reply: Reply;
    try {
      reply = spec.handler(ctx, args);
    } catch (e) {
      this.stats.internalErrors++;
      reply = internalError(spec.name, e);
    }
    ks.effects.flush();
    return reply;
  }

  /** Empties the script cache and restarts math.random's sequence (what a restart does). */
  flushScripts(): void {
    this.lua?.restart();
  }

  /**
   * A deep copy of the keyspace only (no scripts, no sessions): what a persistence snapshot
   * keeps. The copy has the same replica flag and, unless given, no `onPropagate`.
   */
  clone(options: EngineOptions = { replica: this.ks.replica }): RedisEngine {
    const copy = new RedisEngine(options);
    this.ks.cloneInto(copy.ks);
    return copy;
  }

  /** Number of keys in all databases (including logically expired ones not yet deleted) — for tests/metrics. */
  size(): number {
    return this.ks.totalKeys;
  }

  /**
   * A string key's raw value and absolute expiry (ms on the node's clock) in database `db`,
   * without side effects (no lazy expiry); undefined when absent or not a string. For
   * observers, not for clients.
   */
  peek(key: string, db = 0): { value: string; expireAt: number | null } | undefined {
    const value = this.ks.keysOf(db).get(key);
    if (typeof value !== 'string') return undefined;
    return { value, expireAt: this.ks.expiresOf(db).get(key) ?? null };
  }

  /** {@link RedisEngine.peek}'s value alone, without allocating (the node's key observer runs per command). */
  peekValue(key: string, db = 0): string | undefined {
    const value = this.ks.keysOf(db).get(key);
    return typeof value === 'string' ? value : undefined;
  }

  /** The absolute expiry (ms on the node's clock) of `key` in `db`, or null; no side effects. */
  peekExpireAt(key: string, db = 0): number | null {
    return this.ks.expiresOf(db).get(key) ?? null;
  }

  /** The databases that hold keys, in order (0 to 15). */
  databases(): number[] {
    const out: number[] = [];
    for (let i = 0; i < DATABASES; i++) if (this.ks.keysOf(i).size > 0) out.push(i);
    return out;
  }

  /** Database `db` (default 0) as plain data, sorted by key (expired-but-present keys included). */
  dump(db = 0): KeyDump[] {
    const out: KeyDump[] = [];
    const data = this.ks.keysOf(db);
    const expires = this.ks.expiresOf(db);
    const keys = [...data.keys()].sort();
    for (const key of keys) {
      const value = data.get(key);
      if (value === undefined) continue;
      const expireAt = expires.get(key) ?? null;
      if (typeof value === 'string') out.push({ key, type: 'string', value, expireAt });
      else if (value instanceof ZSet) {
        const pairs: Array<[string, number]> = [];
        for (let i = 0; i < value.size; i++) {
          const member = value.at(i);
          pairs.push([member, value.score(member) as number]);
        }
        out.push({ key, type: typeOf(value), value: pairs, expireAt });
      } else if (value instanceof RedisSet) out.push({ key, type: 'set', value: [...value.list()], expireAt });
      else out.push({ key, type: 'hash', value: [...value.entries()], expireAt });
    }
    return out;
  }

  // -------------------------------------------------------------------------- transactions

  private exec(session: Session): Reply {
    const ks = this.ks;
    const queue = session.multi;
    if (queue === null) return EXEC_WITHOUT_MULTI;
    if (ks.watchedKeyExpired(session)) session.dirtyCas = true;
    if (session.multiError || session.dirtyCas) {
      const reply = session.multiError ? EXECABORT : NIL_ARRAY;
      this.discard(session);
      this.stats.transactionsAborted++;
      return reply;
    }
    ks.unwatchAll(session);
    const ctx = this.ctx;
    const replies: Reply[] = new Array(queue.length);
    for (let i = 0; i < queue.length; i++) {
      const { spec, args } = queue[i];
      ctx.session = session;
      ctx.inScript = false;
      // A queued SELECT changes the database of the commands after it.
      if (session.db !== ks.db) ks.select(session.db);
      try {
        replies[i] = spec.handler(ctx, args);
      } catch (e) {
        this.stats.internalErrors++;
        replies[i] = internalError(spec.name, e);
      }
    }
    this.discard(session);
    this.stats.transactions++;
    return array(replies);
  }

  private discard(session: Session): void {
    session.multi = null;
    session.multiError = false;
    session.dirtyCas = false;
    this.ks.unwatchAll(session);
  }

  // -------------------------------------------------------------------------- scripts

  private scripting(): LuaScripting {
    if (this.lua === null) {
      this.lua = new LuaScripting(
        {
          callFromScript: (args) => this.callFromScript(args),
          knowsCommand: (name) => COMMANDS.lookup(name) !== undefined || REDIS_COMMAND_NAMES.has(asciiLower(name)),
        },
        { native: this.nativeScripts },
      );
    }
    return this.lua;
  }

  private loadScript(body: string): Reply {
    const lua = this.scripting();
    const before = lua.compiled;
    const result = lua.load(body);
    this.stats.scriptsCompiled += lua.compiled - before;
    return typeof result === 'string' ? { kind: 'bulk', value: result } : result;
  }

  private evalScript(args: readonly string[], bySha: boolean): Reply {
    const numkeys = parseInt64(args[2]);
    if (numkeys === null) return NOT_INTEGER;
    if (numkeys > args.length - 3) return error("ERR Number of keys can't be greater than number of args");
    if (numkeys < 0) return error("ERR Number of keys can't be negative");
    const lua = this.scripting();
    let sha: string;
    if (bySha) {
      sha = asciiLower(args[1]);
      if (sha.length !== 40 || !lua.has(sha)) return NOSCRIPT;
    } else {
      const before = lua.compiled;
      const loaded = lua.load(args[1]);
      this.stats.scriptsCompiled += lua.compiled - before;
      if (typeof loaded !== 'string') return loaded;
      sha = loaded;
    }
    this.stats.scriptCalls++;
    const ctx = this.ctx;
    const caller = ctx.session;
    // The script runs in its caller's database; a SELECT inside it does not change the caller's.
    this.scriptSession.db = caller.db;
    ctx.session = this.scriptSession;
    ctx.inScript = true;
    const nativeBefore = lua.nativeRuns;
    try {
      return lua.run(sha, args.slice(3, 3 + numkeys), args.slice(3 + numkeys));
    } finally {
      this.stats.nativeScriptCalls += lua.nativeRuns - nativeBefore;
      ctx.session = caller;
      ctx.inScript = false;
      if (this.ks.db !== caller.db) this.ks.select(caller.db);
    }
  }

  /** redis.call / redis.pcall: the checks Redis makes for script callers, then the command. */
  private callFromScript(args: string[]): Reply {
    let spec = COMMANDS.lookup(args[0]);
    if (spec === undefined) {
      const name = asciiLower(args[0]);
      if (REDIS_NOSCRIPT_COMMANDS.has(name)) return NOT_ALLOWED_FROM_SCRIPT;
      return REDIS_COMMAND_NAMES.has(name) ? unsupported(args[0]) : UNKNOWN_FROM_SCRIPT;
    }
    if (spec.subcommands !== undefined && args.length >= 2) {
      const sub = spec.subcommands.get(asciiLower(args[1]));
      if (sub === undefined) return UNKNOWN_FROM_SCRIPT;
      spec = sub;
    }
    if (!arityOk(spec, args.length)) return ARITY_FROM_SCRIPT;
    if (spec.flags & CMD_NOSCRIPT) return NOT_ALLOWED_FROM_SCRIPT;
    this.stats.scriptCommands++;
    const ks = this.ks;
    const lua = this.lua as LuaScripting;
    const recorded = ks.effects.length;
    const reply = spec.handler(this.ctx, args);
    if (!lua.replicate) ks.effects.truncate(recorded);
    return reply;
  }
}

/** The default random source: Redis's rand48 from its fixed start state (deterministic). */
function defaultRandom(): () => number {
  const generator = new Rand48();
  return () => generator.nextUnit();
}
