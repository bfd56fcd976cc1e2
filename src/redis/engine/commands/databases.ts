/**
 * The numbered databases: SELECT, SWAPDB, FLUSHDB, FLUSHALL, DBSIZE, and the commands that move
 * keys between databases: MOVE, COPY. The session keeps its database; the engine selects it in
 * the keyspace before each command.
 */
import { asciiLower, command, CMD_WRITE, INT_RANGE, rangeLongArg, type CommandContext, type CommandSpec } from '../command-table.ts';
import { copyValue, DATABASES } from '../keyspace.ts';
import { error, integer, OK, ONE, SYNTAX_ERROR, ZERO, type Reply } from '../reply.ts';

const DB_OUT_OF_RANGE = error('ERR DB index is out of range');
const SAME_OBJECT = error('ERR source and destination objects are the same');

/** `getIntFromObjectOrReply` then `selectDb`'s range check: the database number, or the error. */
function dbIndexArg(text: string, message?: string): number | Reply {
  const id = rangeLongArg(text, INT_RANGE, message);
  if (typeof id !== 'number') return id;
  return id < 0 || id >= DATABASES ? DB_OUT_OF_RANGE : id;
}

function selectCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const id = dbIndexArg(args[1]);
  if (typeof id !== 'number') return id;
  ctx.session.db = id;
  ctx.ks.select(id);
  return OK;
}

function swapdbCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const a = rangeLongArg(args[1], INT_RANGE, 'invalid first DB index');
  if (typeof a !== 'number') return a;
  const b = rangeLongArg(args[2], INT_RANGE, 'invalid second DB index');
  if (typeof b !== 'number') return b;
  if (a < 0 || a >= DATABASES || b < 0 || b >= DATABASES) return DB_OUT_OF_RANGE;
  ctx.ks.swap(a, b);
  ctx.ks.propagateArgs(args);
  return OK;
}

/** `getFlushCommandFlags`: no argument, SYNC or ASYNC (the same here: the flush is immediate). */
function flushArgsOk(args: readonly string[]): boolean {
  if (args.length === 1) return true;
  if (args.length > 2) return false;
  const mode = asciiLower(args[1]);
  return mode === 'sync' || mode === 'async';
}

function flushdbCommand(ctx: CommandContext, args: readonly string[]): Reply {
  if (!flushArgsOk(args)) return SYNTAX_ERROR;
  ctx.ks.flushSelected();
  // Propagated even when the database was empty already (forceCommandPropagation).
  ctx.ks.propagateArgs(args);
  return OK;
}

function flushallCommand(ctx: CommandContext, args: readonly string[]): Reply {
  if (!flushArgsOk(args)) return SYNTAX_ERROR;
  ctx.ks.flush();
  ctx.ks.propagateArgs(args);
  return OK;
}

/** MOVE key db: into another database, unless the key exists there. */
function moveCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const key = args[1];
  const target = dbIndexArg(args[2]);
  if (typeof target !== 'number') return target;
  const source = ks.db;
  if (target === source) return SAME_OBJECT;
  const value = ks.lookup(key);
  if (value === undefined) return ZERO;
  const expireAt = ks.getExpire(key);
  ks.select(target);
  try {
    if (ks.lookup(key) !== undefined) return ZERO;
    ks.add(key, value);
    if (expireAt !== undefined) ks.setExpire(key, expireAt);
  } finally {
    ks.select(source);
  }
  ks.delete(key);
  ks.touch(key);
  ks.select(target);
  ks.touch(key);
  ks.select(source);
  ks.propagateArgs(args);
  return ONE;
}

/** COPY source destination [DB db] [REPLACE]. */
function copyCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const source = ks.db;
  let target = source;
  let replace = false;
  for (let j = 3; j < args.length; j++) {
    const opt = asciiLower(args[j]);
    if (opt === 'replace') replace = true;
    else if (opt === 'db' && j + 1 < args.length) {
      const id = dbIndexArg(args[++j]);
      if (typeof id !== 'number') return id;
      target = id;
    } else return SYNTAX_ERROR;
  }
  const key = args[1];
  const newKey = args[2];
  if (source === target && key === newKey) return SAME_OBJECT;
  const value = ks.lookup(key);
  if (value === undefined) return ZERO;
  const expireAt = ks.getExpire(key);
  ks.select(target);
  try {
    if (ks.lookup(newKey) !== undefined) {
      if (!replace) return ZERO;
      ks.delete(newKey);
    }
    ks.add(newKey, copyValue(value));
    if (expireAt !== undefined) ks.setExpire(newKey, expireAt);
    ks.touch(newKey);
  } finally {
    ks.select(source);
  }
  ks.propagateArgs(args);
  return ONE;
}

export const databaseCommands: CommandSpec[] = [
  command('select', 2, 0, selectCommand),
  command('swapdb', 3, CMD_WRITE, swapdbCommand),
  command('flushdb', -1, CMD_WRITE, flushdbCommand),
  command('flushall', -1, CMD_WRITE, flushallCommand),
  command('dbsize', 1, 0, (ctx) => integer(ctx.ks.data.size)),
  command('move', 3, CMD_WRITE, moveCommand),
  command('copy', -3, CMD_WRITE, copyCommand),
];
