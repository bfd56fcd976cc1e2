/**
 * Keyspace commands: DEL, UNLINK, EXISTS, TYPE, KEYS, RANDOMKEY, RENAME, RENAMENX, and expiry:
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX XX GT LT), TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
 */
import { asciiLower, command, CMD_WRITE, type CommandContext, type CommandSpec } from '../command-table.ts';
import { globMatch } from '../glob.ts';
import { typeOf } from '../keyspace.ts';
import { sumExceedsInt64, parseInt64 } from '../numbers.ts';
import { array, bulk, error, integer, NIL, NOT_INTEGER, OK, ONE, status, ZERO, type Reply } from '../reply.ts';
import { invalidExpireTime } from './strings.ts';

function delCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  let deleted = 0;
  for (let j = 1; j < args.length; j++) {
    const key = args[j];
    ks.expireIfNeeded(key);
    if (ks.delete(key)) {
      ks.touch(key);
      deleted++;
    }
  }
  if (deleted > 0) ks.propagateArgs(args);
  return integer(deleted);
}

function existsCommand(ctx: CommandContext, args: readonly string[]): Reply {
  let count = 0;
  for (let j = 1; j < args.length; j++) if (ctx.ks.lookup(args[j]) !== undefined) count++;
  return integer(count);
}

const TYPE_REPLIES = {
  none: status('none'),
  string: status('string'),
  hash: status('hash'),
  zset: status('zset'),
  set: status('set'),
} as const;

function typeCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const value = ctx.ks.lookup(args[1]);
  return TYPE_REPLIES[value === undefined ? 'none' : typeOf(value)];
}

function keysCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const pattern = args[1];
  const all = pattern === '*';
  const out: Reply[] = [];
  for (const key of ks.data.keys()) {
    if (ks.isLogicallyExpired(key)) continue;
    if (all || globMatch(pattern, key)) out.push(bulk(key));
  }
  return array(out);
}

/**
 * `dbRandomKey`: draws keys until one is not expired; a primary deletes each expired key it
 * draws. A replica deletes nothing, so when every key has an expiry it gives up after 100 draws
 * and answers the last one drawn (as Redis does, even if it is expired).
 */
function randomkeyCommand(ctx: CommandContext): Reply {
  const ks = ctx.ks;
  const data = ks.data;
  let tries = 100;
  const allVolatile = data.size === ks.expires.size;
  for (;;) {
    if (data.size === 0) return NIL;
    const key = nthKey(data, Math.floor(ctx.host.random() * data.size));
    if (ks.getExpire(key) !== undefined) {
      if (allVolatile && ks.replica && --tries === 0) return bulk(key);
      if (ks.expireIfNeeded(key)) continue;
    }
    return bulk(key);
  }
}

function nthKey(data: ReadonlyMap<string, unknown>, n: number): string {
  let i = 0;
  for (const key of data.keys()) if (i++ === n) return key;
  throw new Error(`nthKey: no key #${n} among ${data.size}`);
}

const NO_SUCH_KEY = error('ERR no such key');

/** `renameGenericCommand`: the value and its expiry move to the new name. */
function renameGeneric(ctx: CommandContext, args: readonly string[], nx: boolean): Reply {
  const ks = ctx.ks;
  const from = args[1];
  const to = args[2];
  const value = ks.lookup(from);
  if (value === undefined) return NO_SUCH_KEY;
  if (from === to) return nx ? ZERO : OK;
  const expireAt = ks.getExpire(from);
  if (ks.lookup(to) !== undefined) {
    if (nx) return ZERO;
    ks.delete(to);
  }
  ks.add(to, value);
  if (expireAt !== undefined) ks.setExpire(to, expireAt);
  ks.delete(from);
  ks.touch(from);
  ks.touch(to);
  ks.propagateArgs(args);
  return nx ? ONE : OK;
}

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** `expireGenericCommand`: `relative` adds now; `unitSeconds` multiplies by 1000. */
function expireGeneric(ctx: CommandContext, args: readonly string[], relative: boolean, unitSeconds: boolean, name: string): Reply {
  const ks = ctx.ks;
  let flags = 0;
  for (let j = 3; j < args.length; j++) {
    const opt = asciiLower(args[j]);
    if (opt === 'nx') flags |= EXPIRE_NX;
    else if (opt === 'xx') flags |= EXPIRE_XX;
    else if (opt === 'gt') flags |= EXPIRE_GT;
    else if (opt === 'lt') flags |= EXPIRE_LT;
    else return error(`ERR Unsupported option ${args[j]}`);
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    return error('ERR NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) return error('ERR GT and LT options at the same time are not compatible');

  const parsed = parseInt64(args[2]);
  if (parsed === null) return NOT_INTEGER;
  let when = parsed;
  if (unitSeconds) {
    if (when > 9223372036854775 || when < -9223372036854775) return invalidExpireTime(name);
    when *= 1000;
  }
  if (relative) {
    if (sumExceedsInt64(when, ks.now)) return invalidExpireTime(name);
    when += ks.now;
  }
  const key = args[1];
  if (ks.lookup(key) === undefined) return ZERO;

  if (flags !== 0) {
    const current = ks.getExpire(key);
    if (flags & EXPIRE_NX && current !== undefined) return ZERO;
    if (flags & EXPIRE_XX && current === undefined) return ZERO;
    if (flags & EXPIRE_GT && (current === undefined || when <= current)) return ZERO;
    if (flags & EXPIRE_LT && current !== undefined && when >= current) return ZERO;
  }

  // checkAlreadyExpired: a primary deletes at once; a replica or a stream keeps the past expiry.
  if (when <= ks.now && !ks.replica && !ks.applyingStream) {
    ks.delete(key);
    ks.propagate(['DEL', key]);
    ks.touch(key);
    return ONE;
  }
  ks.setExpire(key, when);
  if (ks.propagating) {
    const effect = args.slice();
    effect[0] = 'PEXPIREAT';
    if (relative || unitSeconds) effect[2] = String(when);
    ks.propagate(effect);
  }
  ks.touch(key);
  return ONE;
}

/** `ttlGenericCommand`. */
function ttlGeneric(ctx: CommandContext, args: readonly string[], ms: boolean, absolute: boolean): Reply {
  const ks = ctx.ks;
  const key = args[1];
  if (ks.lookup(key) === undefined) return integer(-2);
  const at = ks.getExpire(key);
  if (at === undefined) return integer(-1);
  let ttl = absolute ? at : at - ks.now;
  if (ttl < 0) ttl = 0;
  return integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

function persistCommand(ctx: CommandContext, args: readonly string[]): Reply {
  const ks = ctx.ks;
  const key = args[1];
  if (ks.lookup(key) === undefined) return ZERO;
  if (!ks.removeExpire(key)) return ZERO;
  ks.touch(key);
  ks.propagateArgs(args);
  return ONE;
}

export const keyCommands: CommandSpec[] = [
  command('del', -2, CMD_WRITE, delCommand),
  command('unlink', -2, CMD_WRITE, delCommand),
  command('exists', -2, 0, existsCommand),
  command('type', 2, 0, typeCommand),
  command('keys', 2, 0, keysCommand),
  command('randomkey', 1, 0, randomkeyCommand),
  command('rename', 3, CMD_WRITE, (ctx, args) => renameGeneric(ctx, args, false)),
  command('renamenx', 3, CMD_WRITE, (ctx, args) => renameGeneric(ctx, args, true)),
  command('expire', -3, CMD_WRITE, (ctx, args) => expireGeneric(ctx, args, true, true, 'expire')),
  command('pexpire', -3, CMD_WRITE, (ctx, args) => expireGeneric(ctx, args, true, false, 'pexpire')),
  command('expireat', -3, CMD_WRITE, (ctx, args) => expireGeneric(ctx, args, false, true, 'expireat')),
  command('pexpireat', -3, CMD_WRITE, (ctx, args) => expireGeneric(ctx, args, false, false, 'pexpireat')),
  command('ttl', 2, 0, (ctx, args) => ttlGeneric(ctx, args, false, false)),
  command('pttl', 2, 0, (ctx, args) => ttlGeneric(ctx, args, true, false)),
  command('expiretime', 2, 0, (ctx, args) => ttlGeneric(ctx, args, false, true)),
  command('pexpiretime', 2, 0, (ctx, args) => ttlGeneric(ctx, args, true, true)),
  command('persist', 2, CMD_WRITE, persistCommand),
];
