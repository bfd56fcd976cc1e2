/**
 * String commands: GET, SET (NX XX GET KEEPTTL EX PX EXAT PXAT), SETNX, SETEX, PSETEX, GETDEL,
 * GETSET, GETEX (EX PX EXAT PXAT PERSIST), MGET, INCR, INCRBY, DECR, DECRBY, STRLEN, APPEND.
 */
import { asciiLower, command, CMD_WRITE, type CommandContext, type CommandSpec } from '../command-table.ts';
import { addInt64, isSafe, LLONG_MIN_NUMBER, parseInt64, sumExceedsInt64 } from '../numbers.ts';
import {
  array,
  bulk,
  error,
  integer,
  NIL,
  NOT_INTEGER,
  OK,
  ONE,
  SYNTAX_ERROR,
  WRONGTYPE,
  ZERO,
  type Reply,
} from '../reply.ts';

const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const EX = 16;
const PX = 32;
const EXAT = 64;
const PXAT = 128;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

export function invalidExpireTime(commandName: string): Reply {
  return error(`ERR invalid expire time in '${commandName}' command`);
}

/**
 * `getExpireMillisecondsOrReply`: the absolute expiry in ms, or an error reply.
 * `unitSeconds` for EX/EXAT/SETEX, `relative` for EX/PX/SETEX/PSETEX.
 */
function expireAt(ctx: CommandContext, text: string, unitSeconds: boolean, relative: boolean, commandName: string): number | Reply {
  const value = parseInt64(text);
  if (value === null) return NOT_INTEGER;
  if (value <= 0 || (unitSeconds && value > 9223372036854775)) return invalidExpireTime(commandName);
  let ms = unitSeconds ? value * 1000 : value;
  if (relative) {
    if (sumExceedsInt64(ms, ctx.ks.now)) return invalidExpireTime(commandName);
    ms += ctx.ks.now;
  }
  return ms;
}

/** `setGenericCommand`. */
function setGeneric(
  ctx: CommandContext,
  args: readonly string[],
  key: string,
  value: string,
  flags: number,
  expireText: string | null,
  commandName: string,
  okReply: Reply,
  abortReply: Reply,
): Reply {
  const ks = ctx.ks;
  let at = 0;
  if (expireText !== null) {
    const r = expireAt(ctx, expireText, (flags & (EX | EXAT)) !== 0, (flags & (EX | PX)) !== 0, commandName);
    if (typeof r !== 'number') return r;
    at = r;
  }
  let getReply: Reply = NIL;
  if (flags & GET) {
    const old = ks.lookup(key);
    if (old !== undefined) {
      if (typeof old !== 'string') return WRONGTYPE;
      getReply = bulk(old);
    }
  }
  const found = ks.lookup(key) !== undefined;
  if ((flags & NX && found) || (flags & XX && !found)) {
    return flags & GET ? getReply : abortReply;
  }
  ks.set(key, value, (flags & KEEPTTL) !== 0);
  ks.touch(key);
  if (expireText !== null) {
    ks.setExpire(key, at);
    // Build the effect only when someone listens (SET ... PX is the hot write).
    if (ks.propagating) ks.propagate(['SET', key, value, 'PXAT', String(at)]);
  } else if (flags & GET && ks.propagating) {
    const effect: string[] = [];
    for (let j = 0; j < args.length; j++) {
      if (j >= 3 && asciiLower(args[j]) === 'get') continue;
      effect.push(args[j]);
    }
    ks.propagate(effect);
  } else {
    ks.propagateArgs(args);
  }
  return flags & GET ? getReply : okReply;
}

function setCommand(ctx: CommandContext, args: readonly string[]): Reply {
  let flags = 0;
  let expireText: string | null = null;
  const last = args.length - 1;
  for (let j = 3; j < args.length; j++) {
    const opt = asciiLower(args[j]);
    const hasNext = j < last;
    if (opt === 'nx' && !(flags & XX)) flags |= NX;
    else if (opt === 'xx' && !(flags & NX)) flags |= XX;
    else if (opt === 'get') flags |= GET;
    else if (opt === 'keepttl' && !(flags & ANY_EXPIRE)) flags |= KEEPTTL;
    else if (opt === 'ex' && !(flags & (KEEPTTL | EXAT | PX | PXAT)) && hasNext) {
      flags |= EX;
      expireText = args[++j];
    } else if (opt === 'px' && !(flags & (KEEPTTL | EX | EXAT | PXAT)) && hasNext) {
      flags |= PX;
      expireText = args[++j];
    } else if (opt === 'exat' && !(flags & (KEEPTTL | EX | PX | PXAT)) && hasNext) {
      flags |= EXAT;
      expireText = args[++j];
    } else if (opt === 'pxat' && !(flags & (KEEPTTL | EX | EXAT | PX)) && hasNext) {
      flags |= PXAT;
      expireText = args[++j];
    } else {
      return SYNTAX_ERROR;
    }
  }
  return setGeneric(ctx, args, args[1], args[2], flags, expireText, 'set', OK, NIL);
}

function getCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const value = ctx.ks.lookup(args[1]);
  if (value === undefined) return NIL;
  if (typeof value !== 'string') return WRONGTYPE;
  return bulk(value);
}

function getdelCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const key = args[1];
  const value = ks.lookup(key);
  if (value === undefined) return NIL;
  if (typeof value !== 'string') return WRONGTYPE;
  ks.delete(key);
  ks.touch(key);
  ks.propagate(['DEL', key]);
  return bulk(value);
}

/** GETSET: the old value; the new one replaces it without an expiry. Propagated as SET. */
function getsetCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const key = args[1];
  const old = ks.lookup(key);
  if (old !== undefined && typeof old !== 'string') return WRONGTYPE;
  ks.set(key, args[2]);
  ks.touch(key);
  ks.propagate(['SET', key, args[2]]);
  return old === undefined ? NIL : bulk(old);
}

const PERSIST = 256;

/**
 * GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]: the value, and a new expiry. Propagated
 * as PEXPIREAT, as DEL for an absolute time already past, or as PERSIST when an expiry went.
 */
function getexCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  let flags = 0;
  let expireText: string | null = null;
  const last = args.length - 1;
  for (let j = 2; j < args.length; j++) {
    const opt = asciiLower(args[j]);
    const hasNext = j < last;
    // As parseExtendedStringArgumentsOrReply: an option may repeat (the last value counts), two kinds may not mix.
    const kind = opt === 'persist' ? PERSIST : opt === 'ex' ? EX : opt === 'px' ? PX : opt === 'exat' ? EXAT : opt === 'pxat' ? PXAT : 0;
    if (kind === 0 || (flags & (ANY_EXPIRE | PERSIST) & ~kind) !== 0 || (kind !== PERSIST && !hasNext)) return SYNTAX_ERROR;
    flags |= kind;
    if (kind !== PERSIST) expireText = args[++j] as string;
  }
  const key = args[1];
  const value = ks.lookup(key);
  if (value === undefined) return NIL;
  if (typeof value !== 'string') return WRONGTYPE;
  const reply = bulk(value);
  if (expireText !== null) {
    const at = expireAt(ctx, expireText, (flags & (EX | EXAT)) !== 0, (flags & (EX | PX)) !== 0, 'getex');
    if (typeof at !== 'number') return at;
    if (flags & (EXAT | PXAT) && at <= ks.now && !ks.replica && !ks.applyingStream) {
      ks.delete(key);
      ks.propagate(['DEL', key]);
      ks.touch(key);
      return reply;
    }
    ks.setExpire(key, at);
    ks.propagate(['PEXPIREAT', key, String(at)]);
    ks.touch(key);
  } else if (flags & PERSIST && ks.removeExpire(key)) {
    ks.touch(key);
    ks.propagate(['PERSIST', key]);
  }
  return reply;
}

function mgetCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const out: Reply[] = new Array(args.length - 1);
  for (let j = 1; j < args.length; j++) {
    const value = ctx.ks.lookup(args[j]);
    out[j - 1] = typeof value === 'string' ? bulk(value) : NIL;
  }
  return array(out);
}

/** `incrDecrCommand`: `incrText` is the exact text of a large increment (else null). */
function incrDecr(ctx: CommandContext, args: readonly string[], incr: number, incrText: string | null): Reply {
  const ks = ctx.ks;
  const key = args[1];
  const current = ks.lookup(key);
  let value = 0;
  let valueText: string | null = null;
  if (current !== undefined) {
    if (typeof current !== 'string') return WRONGTYPE;
    const parsed = parseInt64(current);
    if (parsed === null) return NOT_INTEGER;
    value = parsed;
    if (!isSafe(parsed)) valueText = current;
  }
  const sum = addInt64(valueText, value, incr, incrText);
  if (sum === null) return error('ERR increment or decrement would overflow');
  if (current === undefined) ks.add(key, sum.text);
  else ks.set(key, sum.text, true);
  ks.touch(key);
  ks.propagateArgs(args);
  return integer(sum.value);
}

function incrbyCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const incr = parseInt64(args[2]);
  if (incr === null) return NOT_INTEGER;
  return incrDecr(ctx, args, incr, isSafe(incr) ? null : args[2]);
}

function decrbyCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const decr = parseInt64(args[2]);
  if (decr === null) return NOT_INTEGER;
  if (decr === LLONG_MIN_NUMBER) return error('ERR decrement would overflow');
  return incrDecr(ctx, args, -decr, isSafe(decr) ? null : (-BigInt(args[2])).toString());
}

function strlenCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const value = ctx.ks.lookup(args[1]);
  if (value === undefined) return ZERO;
  if (typeof value !== 'string') return WRONGTYPE;
  return integer(Buffer.byteLength(value, 'utf8'));
}

function appendCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const key = args[1];
  const current = ks.lookup(key);
  let next: string;
  if (current === undefined) {
    next = args[2];
    ks.add(key, next);
  } else {
    if (typeof current !== 'string') return WRONGTYPE;
    next = current + args[2];
    ks.set(key, next, true);
  }
  ks.touch(key);
  ks.propagateArgs(args);
  return integer(Buffer.byteLength(next, 'utf8'));
}

export const stringCommands: CommandSpec[] = [
  command('get', 2, 0, getCommand),
  command('set', -3, CMD_WRITE, setCommand),
  command('setnx', 3, CMD_WRITE, (ctx, args) => setGeneric(ctx, args, args[1], args[2], NX, null, 'setnx', ONE, ZERO)),
  command('setex', 4, CMD_WRITE, (ctx, args) => setGeneric(ctx, args, args[1], args[3], EX, args[2], 'setex', OK, NIL)),
  command('psetex', 4, CMD_WRITE, (ctx, args) => setGeneric(ctx, args, args[1], args[3], PX, args[2], 'psetex', OK, NIL)),
  command('getdel', 2, CMD_WRITE, getdelCommand),
  command('getset', 3, CMD_WRITE, getsetCommand),
  command('getex', -2, CMD_WRITE, getexCommand),
  command('mget', -2, 0, mgetCommand),
  command('incr', 2, CMD_WRITE, (ctx, args) => incrDecr(ctx, args, 1, null)),
  command('decr', 2, CMD_WRITE, (ctx, args) => incrDecr(ctx, args, -1, null)),
  command('incrby', 3, CMD_WRITE, incrbyCommand),
  command('decrby', 3, CMD_WRITE, decrbyCommand),
  command('strlen', 2, 0, strlenCommand),
  command('append', 3, CMD_WRITE, appendCommand),
];
