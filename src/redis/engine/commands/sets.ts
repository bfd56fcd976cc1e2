/**
 * Set commands: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SMOVE, SPOP, SRANDMEMBER,
 * SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE.
 * Members list in the order of {@link RedisSet.list} (intsets sorted, as Redis; others in
 * insertion order, where Redis's order is its hash table's). Random choices come from the
 * engine's seeded source.
 */
import { asciiLower, command, CMD_WRITE, NON_NEGATIVE_LONG, rangeLongArg, SYMMETRIC_LONG, type CommandContext, type CommandSpec } from '../command-table.ts';
import { array, bulk, EMPTY_ARRAY, error, integer, NIL, ONE, SYNTAX_ERROR, WRONGTYPE, ZERO, type Reply } from '../reply.ts';
import { RedisSet } from '../set.ts';

/** The set at `key`: null when absent, undefined when of another type. */
function setForRead(ctx: CommandContext, key: string): RedisSet | null | undefined {
  const value = ctx.ks.lookup(key);
  if (value === undefined) return null;
  return value instanceof RedisSet ? value : undefined;
}

function bulks(members: readonly string[]): Reply {
  const out: Reply[] = new Array(members.length);
  for (let i = 0; i < members.length; i++) out[i] = bulk(members[i] as string);
  return array(out);
}

function saddCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const key = args[1];
  let set = setForRead(ctx, key);
  if (set === undefined) return WRONGTYPE;
  if (set === null) {
    set = new RedisSet(args[2]);
    ks.add(key, set);
  }
  let added = 0;
  for (let j = 2; j < args.length; j++) if (set.add(args[j])) added++;
  if (added > 0) {
    ks.touch(key);
    ks.propagateArgs(args);
  }
  return integer(added);
}

function sremCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const key = args[1];
  const set = setForRead(ctx, key);
  if (set === undefined) return WRONGTYPE;
  if (set === null) return ZERO;
  let deleted = 0;
  for (let j = 2; j < args.length; j++) {
    if (set.delete(args[j])) {
      deleted++;
      if (set.size === 0) {
        ks.delete(key);
        break;
      }
    }
  }
  if (deleted > 0) {
    ks.touch(key);
    ks.propagateArgs(args);
  }
  return integer(deleted);
}

function sismemberCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const set = setForRead(ctx, args[1]);
  if (set === undefined) return WRONGTYPE;
  return set !== null && set.has(args[2]) ? ONE : ZERO;
}

function smismemberCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const set = setForRead(ctx, args[1]);
  if (set === undefined) return WRONGTYPE;
  const out: Reply[] = new Array(args.length - 2);
  for (let j = 2; j < args.length; j++) out[j - 2] = set !== null && set.has(args[j]) ? ONE : ZERO;
  return array(out);
}

function scardCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const set = setForRead(ctx, args[1]);
  if (set === undefined) return WRONGTYPE;
  return integer(set === null ? 0 : set.size);
}

function smoveCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const [, from, to, member] = args as [string, string, string, string];
  const source = ks.lookup(from);
  const destination = ks.lookup(to);
  if (source === undefined) return ZERO;
  if (!(source instanceof RedisSet) || (destination !== undefined && !(destination instanceof RedisSet))) return WRONGTYPE;
  if (source === destination) return source.has(member) ? ONE : ZERO;
  if (!source.delete(member)) return ZERO;
  if (source.size === 0) ks.delete(from);
  let target = destination;
  if (target === undefined) {
    target = new RedisSet(member);
    ks.add(to, target);
  }
  ks.touch(from);
  if (target.add(member)) ks.touch(to);
  ks.propagateArgs(args);
  return ONE;
}

/** A random index in [0, n) from the engine's source. */
function randomIndex(ctx: CommandContext, n: number): number {
  return Math.min(n - 1, Math.floor(ctx.host.random() * n));
}

function spopCommand(ctx: CommandContext, args: readonly string[]): Reply {
  if (args.length === 3) return spopWithCount(ctx, args);
  if (args.length > 3) return SYNTAX_ERROR;
  const ks = ctx.ks;
  const key = args[1];
  const set = setForRead(ctx, key);
  if (set === undefined) return WRONGTYPE;
  if (set === null) return NIL;
  const members = set.list();
  const member = members[randomIndex(ctx, members.length)] as string;
  set.delete(member);
  if (set.size === 0) ks.delete(key);
  ks.touch(key);
  ks.propagate(['SREM', key, member]);
  return bulk(member);
}

/** SPOP key count: the whole set (propagated as DEL) or `count` random members (as SREMs). */
function spopWithCount(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const count = rangeLongArg(args[2], NON_NEGATIVE_LONG, 'value is out of range, must be positive');
  if (typeof count !== 'number') return count;
  const key = args[1];
  const set = setForRead(ctx, key);
  if (set === undefined) return WRONGTYPE;
  if (set === null || count === 0) return EMPTY_ARRAY;
  if (count >= set.size) {
    // Redis replies with SUNION of the one set (a fresh result set, hence its order).
    const all = bulks(unionOrDiff([set], false).list());
    ks.delete(key);
    ks.touch(key);
    ks.propagate(['DEL', key]);
    return all;
  }
  const pool = set.list().slice();
  const popped: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = randomIndex(ctx, pool.length);
    const member = pool[at] as string;
    pool[at] = pool[pool.length - 1] as string;
    pool.pop();
    set.delete(member);
    popped.push(member);
    ks.propagate(['SREM', key, member]);
  }
  ks.touch(key);
  return bulks(popped);
}

function srandmemberCommand(ctx: CommandContext, args: readonly string[]): Reply {
  if (args.length === 3) return srandmemberWithCount(ctx, args);
  if (args.length > 3) return SYNTAX_ERROR;
  const set = setForRead(ctx, args[1]);
  if (set === undefined) return WRONGTYPE;
  if (set === null) return NIL;
  const members = set.list();
  return bulk(members[randomIndex(ctx, members.length)] as string);
}

/**
 * SRANDMEMBER key count: a positive count gives distinct members (the whole set when it is at
 * least the set's size), a negative one |count| independent draws.
 */
function srandmemberWithCount(ctx: CommandContext, args: readonly string[]): Reply {
  const n = rangeLongArg(args[2], SYMMETRIC_LONG);
  if (typeof n !== 'number') return n;
  const set = setForRead(ctx, args[1]);
  if (set === undefined) return WRONGTYPE;
  if (set === null || n === 0) return EMPTY_ARRAY;
  const members = set.list();
  if (n < 0 || n === 1) {
    const draws = Math.abs(n);
    if (draws > 100_000_000) return error(`ERR locksim refuses SRANDMEMBER with a count of ${draws} (a reply this large would exhaust memory)`);
    const out: Reply[] = new Array(draws);
    for (let i = 0; i < draws; i++) out[i] = bulk(members[randomIndex(ctx, members.length)] as string);
    return array(out);
  }
  if (n >= members.length) return bulks(members);
  // Distinct members: a partial Fisher-Yates shuffle, listed in the set's own order.
  const pool = members.slice();
  const chosen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const at = i + randomIndex(ctx, pool.length - i);
    const member = pool[at] as string;
    pool[at] = pool[i] as string;
    pool[i] = member;
    chosen.add(member);
  }
  return bulks(members.filter((m) => chosen.has(m)));
}

/** The sets named by `keys` (null for an absent key), or WRONGTYPE. */
function setsOf(ctx: CommandContext, keys: readonly string[]): Array<RedisSet | null> | Reply {
  const sets: Array<RedisSet | null> = [];
  for (const key of keys) {
    const set = setForRead(ctx, key);
    if (set === undefined) return WRONGTYPE;
    sets.push(set);
  }
  return sets;
}

/** SINTER's members, in the order of the smallest set (Redis iterates that one). */
function intersect(sets: Array<RedisSet | null>): string[] {
  if (sets.some((s) => s === null)) return [];
  const ordered = (sets as RedisSet[]).slice().sort((a, b) => a.size - b.size);
  const [smallest, ...others] = ordered as [RedisSet, ...RedisSet[]];
  return smallest.list().filter((member) => others.every((s) => s === smallest || s.has(member)));
}

/** A set built from `members` as Redis builds a result set: it starts as an intset (createIntsetObject). */
function resultSet(members: Iterable<string>): RedisSet {
  const result = new RedisSet('0');
  for (const m of members) result.add(m);
  return result;
}

/** SUNION / SDIFF (Redis's sunionDiffGenericCommand): the result, possibly empty. */
function unionOrDiff(sets: Array<RedisSet | null>, diff: boolean): RedisSet {
  const result = resultSet([]);
  if (!diff) {
    for (const set of sets) if (set !== null) for (const m of set.list()) result.add(m);
    return result;
  }
  const [first, ...others] = sets;
  if (first === null || first === undefined || others.includes(first)) return result;
  for (const m of first.list()) if (!others.some((s) => s !== null && s.has(m))) result.add(m);
  return result;
}

function storeResult(ctx: CommandContext, args: readonly string[], result: RedisSet): Reply {
  const ks = ctx.ks;
  const destination = args[1];
  if (result.size === 0) {
    if (ks.delete(destination)) {
      ks.touch(destination);
      ks.propagateArgs(args);
    }
    return ZERO;
  }
  // setKey's lookupKeyWrite: an expired destination is deleted (and the DEL propagated) first.
  ks.lookup(destination);
  ks.set(destination, result);
  ks.touch(destination);
  ks.propagateArgs(args);
  return integer(result.size);
}

function sinterGeneric(ctx: CommandContext, args: readonly string[], store: boolean): Reply {
  const sets = setsOf(ctx, args.slice(store ? 2 : 1));
  if (!Array.isArray(sets)) return sets;
  const members = intersect(sets);
  if (store) return storeResult(ctx, args, resultSet(members));
  return bulks(members);
}

function sunionDiffGeneric(ctx: CommandContext, args: readonly string[], store: boolean, diff: boolean): Reply {
  const sets = setsOf(ctx, args.slice(store ? 2 : 1));
  if (!Array.isArray(sets)) return sets;
  const result = unionOrDiff(sets, diff);
  if (store) return storeResult(ctx, args, result);
  return bulks(result.list());
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit]. */
function sintercardCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const numkeys = rangeLongArg(args[1], { ...NON_NEGATIVE_LONG, min: 1n }, 'numkeys should be greater than 0');
  if (typeof numkeys !== 'number') return numkeys;
  if (numkeys > args.length - 2) return error("ERR Number of keys can't be greater than number of args");
  let limit = 0;
  for (let j = 2 + numkeys; j < args.length; j++) {
    if (asciiLower(args[j]) === 'limit' && j + 1 < args.length) {
      const parsed = rangeLongArg(args[++j], NON_NEGATIVE_LONG, "LIMIT can't be negative");
      if (typeof parsed !== 'number') return parsed;
      limit = parsed;
    } else return SYNTAX_ERROR;
  }
  const sets = setsOf(ctx, args.slice(2, 2 + numkeys));
  if (!Array.isArray(sets)) return sets;
  const size = intersect(sets).length;
  return integer(limit > 0 ? Math.min(limit, size) : size);
}

export const setCommands: CommandSpec[] = [
  command('sadd', -3, CMD_WRITE, saddCommand),
  command('srem', -3, CMD_WRITE, sremCommand),
  command('smembers', 2, 0, (ctx, args) => sinterGeneric(ctx, args, false)),
  command('sismember', 3, 0, sismemberCommand),
  command('smismember', -3, 0, smismemberCommand),
  command('scard', 2, 0, scardCommand),
  command('smove', 4, CMD_WRITE, smoveCommand),
  command('spop', -2, CMD_WRITE, spopCommand),
  command('srandmember', -2, 0, srandmemberCommand),
  command('sinter', -2, 0, (ctx, args) => sinterGeneric(ctx, args, false)),
  command('sintercard', -3, 0, sintercardCommand),
  command('sinterstore', -3, CMD_WRITE, (ctx, args) => sinterGeneric(ctx, args, true)),
  command('sunion', -2, 0, (ctx, args) => sunionDiffGeneric(ctx, args, false, false)),
  command('sunionstore', -3, CMD_WRITE, (ctx, args) => sunionDiffGeneric(ctx, args, true, false)),
  command('sdiff', -2, 0, (ctx, args) => sunionDiffGeneric(ctx, args, false, true)),
  command('sdiffstore', -3, CMD_WRITE, (ctx, args) => sunionDiffGeneric(ctx, args, true, true)),
];
