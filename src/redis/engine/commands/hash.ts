/**
 * Hash commands: HSET, HMSET, HGET, HDEL, HEXISTS, HINCRBY, HLEN, HGETALL.
 * Field order (HGETALL) is insertion order, as Redis's listpack encoding of small hashes gives.
 */
import { command, CMD_WRITE, removeMembers, type CommandContext, type CommandSpec } from '../command-table.ts';
import type { HashValue } from '../keyspace.ts';
import { addInt64, isSafe, parseInt64 } from '../numbers.ts';
import { array, bulk, EMPTY_ARRAY, error, integer, NIL, NOT_INTEGER, OK, ONE, wrongArity, WRONGTYPE, ZERO, type Reply } from '../reply.ts';

/** `hashTypeLookupWriteOrCreate`: the hash, created when absent; undefined for the wrong type. */
function hashForWrite(ctx: CommandContext, key: string): HashValue | undefined {
  const value = ctx.ks.lookup(key);
  if (value === undefined) {
    const created: HashValue = new Map();
    ctx.ks.add(key, created);
    return created;
  }
  if (!(value instanceof Map)) return undefined;
  return value;
}

function hashForRead(ctx: CommandContext, key: string): HashValue | null | undefined {
  const value = ctx.ks.lookup(key);
  if (value === undefined) return null;
  if (!(value instanceof Map)) return undefined;
  return value;
}

function hsetGeneric(ctx: CommandContext, args: readonly string[], name: string, hmset: boolean): Reply {
  if (args.length % 2 === 1) return wrongArity(name);
  const key = args[1];
  const hash = hashForWrite(ctx, key);
  if (hash === undefined) return WRONGTYPE;
  let created = 0;
  for (let j = 2; j < args.length; j += 2) {
    if (!hash.has(args[j])) created++;
    hash.set(args[j], args[j + 1]);
  }
  ctx.ks.touch(key);
  ctx.ks.propagateArgs(args);
  return hmset ? OK : integer(created);
}

function hgetCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const hash = hashForRead(ctx, args[1]);
  if (hash === undefined) return WRONGTYPE;
  if (hash === null) return NIL;
  const value = hash.get(args[2]);
  return value === undefined ? NIL : bulk(value);
}

function hexistsCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const hash = hashForRead(ctx, args[1]);
  if (hash === undefined) return WRONGTYPE;
  return hash !== null && hash.has(args[2]) ? ONE : ZERO;
}

function hdelCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const key = args[1];
  const hash = hashForRead(ctx, key);
  if (hash === undefined) return WRONGTYPE;
  if (hash === null) return ZERO;
  return integer(removeMembers(ctx, key, hash, args));
}

function hincrbyCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const incr = parseInt64(args[3]);
  if (incr === null) return NOT_INTEGER;
  const key = args[1];
  const hash = hashForWrite(ctx, key);
  if (hash === undefined) return WRONGTYPE;
  const current = hash.get(args[2]);
  let value = 0;
  let valueText: string | null = null;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === null) return error('ERR hash value is not an integer');
    value = parsed;
    if (!isSafe(parsed)) valueText = current;
  }
  const sum = addInt64(valueText, value, incr, isSafe(incr) ? null : args[3]);
  if (sum === null) return error('ERR increment or decrement would overflow');
  hash.set(args[2], sum.text);
  ctx.ks.touch(key);
  ctx.ks.propagateArgs(args);
  return integer(sum.value);
}

function hlenCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const hash = hashForRead(ctx, args[1]);
  if (hash === undefined) return WRONGTYPE;
  return integer(hash === null ? 0 : hash.size);
}

function hgetallCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const hash = hashForRead(ctx, args[1]);
  if (hash === undefined) return WRONGTYPE;
  if (hash === null) return EMPTY_ARRAY;
  const out: Reply[] = [];
  for (const [field, value] of hash) out.push(bulk(field), bulk(value));
  return array(out);
}

export const hashCommands: CommandSpec[] = [
  command('hset', -4, CMD_WRITE, (ctx, args) => hsetGeneric(ctx, args, 'hset', false)),
  command('hmset', -4, CMD_WRITE, (ctx, args) => hsetGeneric(ctx, args, 'hmset', true)),
  command('hget', 3, 0, hgetCommand),
  command('hexists', 3, 0, hexistsCommand),
  command('hdel', -3, CMD_WRITE, hdelCommand),
  command('hincrby', 4, CMD_WRITE, hincrbyCommand),
  command('hlen', 2, 0, hlenCommand),
  command('hgetall', 2, 0, hgetallCommand),
];
