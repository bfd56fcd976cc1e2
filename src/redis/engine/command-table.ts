/**
 * The command table: name, arity (Redis's convention: n exact, -n at least n, counting the
 * command name), flags and handler of every simulated command; plus the names of the Redis 7.0
 * commands locksim does not simulate, so that those get a clear error instead of
 * "unknown command".
 */
import type { Keyspace } from './keyspace.ts';
import { parseInt64 } from './numbers.ts';
import { error, NOT_INTEGER, type Reply } from './reply.ts';
import type { Session } from './session.ts';

/** Modifies the keyspace. */
export const CMD_WRITE = 1;
/** Not callable from scripts ("This Redis command is not allowed from script"). */
export const CMD_NOSCRIPT = 2;
/** Runs immediately inside MULTI instead of being queued (MULTI, EXEC, DISCARD, WATCH). */
export const CMD_TXN_IMMEDIATE = 4;

/** What a command handler may reach. One mutable instance per engine. */
export interface CommandContext {
  readonly ks: Keyspace;
  /** The calling session (inside a script: the script's own client). */
  session: Session;
  /** True while a script runs (its commands see the script's frozen time). */
  inScript: boolean;
  /** The command's time in (possibly fractional) ms, for TIME's microseconds. */
  nowExact: number;
  readonly host: EngineHost;
}

/** Engine services the transaction and scripting commands need. */
export interface EngineHost {
  readonly stats: Record<string, number>;
  /** Runs the session's queued transaction (EXEC). */
  exec(session: Session): Reply;
  /** Forgets the session's transaction and watched keys (DISCARD, after EXEC). */
  discard(session: Session): void;
  /** EVAL (`bySha` false) or EVALSHA. */
  evalScript(args: readonly string[], bySha: boolean): Reply;
  /** SCRIPT LOAD: compiles and caches; the SHA1 or a compile error. */
  loadScript(body: string): Reply;
  scriptExists(sha: string): boolean;
  /** SCRIPT FLUSH. */
  flushScriptCache(): void;
  /** The engine's random source: a float in [0, 1) (SPOP, SRANDMEMBER, RANDOMKEY). */
  readonly random: () => number;
}

export type CommandHandler = (ctx: CommandContext, args: readonly string[]) => Reply;

export interface CommandSpec {
  /** Lower case; `container|sub` for subcommands (as Redis names them in errors). */
  readonly name: string;
  readonly arity: number;
  readonly flags: number;
  readonly handler: CommandHandler;
  /** For containers such as SCRIPT: the subcommands by lower-case name. */
  readonly subcommands?: ReadonlyMap<string, CommandSpec>;
  /** For containers: subcommands Redis has but locksim does not simulate. */
  readonly unsupportedSubcommands?: ReadonlySet<string>;
}

export function command(name: string, arity: number, flags: number, handler: CommandHandler): CommandSpec {
  return { name, arity, flags, handler };
}

export function arityOk(spec: CommandSpec, argc: number): boolean {
  const arity = spec.arity;
  return arity > 0 ? argc === arity : argc >= -arity;
}

/** Bounds of Redis's `getRangeLongFromObjectOrReply`, exact, and as Redis prints them. */
export interface LongRange {
  readonly min: bigint;
  readonly max: bigint;
  readonly text: string;
}
export const INT_RANGE: LongRange = { min: -2147483648n, max: 2147483647n, text: '-2147483648 and 2147483647' };
export const NON_NEGATIVE_LONG: LongRange = { min: 0n, max: 9223372036854775807n, text: '0 and 9223372036854775807' };
export const SYMMETRIC_LONG: LongRange = {
  min: -9223372036854775807n,
  max: 9223372036854775807n,
  text: '-9223372036854775807 and 9223372036854775807',
};

/**
 * `getRangeLongFromObjectOrReply` (`getIntFromObjectOrReply` with {@link INT_RANGE}): the
 * integer (rounded past 2^53), or Redis's error: `message` when given, else its default texts.
 */
export function rangeLongArg(text: string, range: LongRange, message?: string): number | Reply {
  const value = parseInt64(text);
  if (value === null) return message === undefined ? NOT_INTEGER : error(`ERR ${message}`);
  const exact = Number.isSafeInteger(value) ? BigInt(value) : BigInt(text);
  if (exact < range.min || exact > range.max) {
    return error(`ERR ${message ?? `value is out of range, value must between ${range.text}`}`);
  }
  return value;
}

/** ASCII-only lower case (as strcasecmp compares): non-ASCII text is returned unchanged. */
export function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return s;
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** Every top-level command of Redis 7.0.15 (`COMMAND LIST`). */
const REDIS_7_0_COMMANDS =
  'acl append asking auth bgrewriteaof bgsave bitcount bitfield bitfield_ro bitop bitpos blmove blmpop blpop brpop ' +
  'brpoplpush bzmpop bzpopmax bzpopmin client cluster command config copy dbsize debug decr decrby del discard dump ' +
  'echo eval eval_ro evalsha evalsha_ro exec exists expire expireat expiretime failover fcall fcall_ro flushall ' +
  'flushdb function geoadd geodist geohash geopos georadius georadius_ro georadiusbymember georadiusbymember_ro ' +
  'geosearch geosearchstore get getbit getdel getex getrange getset hdel hello hexists hget hgetall hincrby ' +
  'hincrbyfloat hkeys hlen hmget hmset hrandfield hscan hset hsetnx hstrlen hvals incr incrby incrbyfloat info keys ' +
  'lastsave latency lcs lindex linsert llen lmove lmpop lolwut lpop lpos lpush lpushx lrange lrem lset ltrim memory ' +
  'mget migrate module monitor move mset msetnx multi object persist pexpire pexpireat pexpiretime pfadd pfcount ' +
  'pfdebug pfmerge pfselftest ping psetex psubscribe psync pttl publish pubsub punsubscribe quit randomkey readonly ' +
  'readwrite rename renamenx replconf replicaof reset restore restore-asking role rpop rpoplpush rpush rpushx sadd ' +
  'save scan scard script sdiff sdiffstore select set setbit setex setnx setrange shutdown sinter sintercard ' +
  'sinterstore sismember slaveof slowlog smembers smismember smove sort sort_ro spop spublish srandmember srem sscan ' +
  'ssubscribe strlen subscribe substr sunion sunionstore sunsubscribe swapdb sync time touch ttl type unlink ' +
  'unsubscribe unwatch wait watch xack xadd xautoclaim xclaim xdel xgroup xinfo xlen xpending xrange xread ' +
  'xreadgroup xrevrange xsetid xtrim zadd zcard zcount zdiff zdiffstore zincrby zinter zintercard zinterstore ' +
  'zlexcount zmpop zmscore zpopmax zpopmin zrandmember zrange zrangebylex zrangebyscore zrangestore zrank zrem ' +
  'zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore ' +
  'zunion zunionstore';

export const REDIS_COMMAND_NAMES: ReadonlySet<string> = new Set(REDIS_7_0_COMMANDS.split(' '));

/** Redis 7.0 commands flagged `noscript` (refused inside scripts). */
export const REDIS_NOSCRIPT_COMMANDS: ReadonlySet<string> = new Set(
  (
    'acl auth bgrewriteaof bgsave blmove blpop brpop brpoplpush bzpopmax bzpopmin client cluster config debug ' +
    'discard eval eval_ro evalsha evalsha_ro exec failover fcall fcall_ro function hello latency module monitor ' +
    'multi psubscribe psync punsubscribe quit replconf replicaof reset role save script shutdown slaveof ' +
    'ssubscribe subscribe sunsubscribe sync unsubscribe unwatch wait watch'
  ).split(' '),
);

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();
  private readonly list: CommandSpec[] = [];

  add(...specs: CommandSpec[]): void {
    for (const spec of specs) {
      this.list.push(spec);
      this.byName.set(spec.name, spec);
      this.byName.set(spec.name.toUpperCase(), spec);
    }
  }

  /** The spec for a command name in any case; undefined when not simulated. */
  lookup(name: string): CommandSpec | undefined {
    const spec = this.byName.get(name);
    if (spec !== undefined) return spec;
    return this.byName.get(asciiLower(name));
  }

  /** Simulated command names, sorted. */
  names(): string[] {
    return this.list.map((s) => s.name).sort();
  }
}

/**
 * HDEL and ZREM: removes the members named from args[2] on from a hash or sorted set, deletes
 * the key when it empties (as Redis does), and touches and propagates only if something went.
 * Returns how many members were removed.
 */
export function removeMembers(ctx: CommandContext, key: string, members: { delete(m: string): boolean; readonly size: number }, args: readonly string[]): number {
  let deleted = 0;
  for (let j = 2; j < args.length; j++) {
    if (members.delete(args[j] as string)) {
      deleted++;
      if (members.size === 0) {
        ctx.ks.delete(key);
        break;
      }
    }
  }
  if (deleted > 0) {
    ctx.ks.touch(key);
    ctx.ks.propagateArgs(args);
  }
  return deleted;
}
