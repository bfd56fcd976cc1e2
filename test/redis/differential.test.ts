/**
 * Differential test: random command sequences run against a RedisEngine and against a real
 * redis-server (7.0), reply by reply. Replies must be identical (status vs bulk vs integer
 * included), except the readings of real elapsed time (PTTL/TTL/*EXPIRETIME, TIME, a script
 * returning a PTTL), which are compared within a tolerance derived from the measured round trip.
 *
 * Time: the engine runs each command at `Date.now()` taken when the command is sent to Redis;
 * Redis's clock is the same machine clock. Redis handles the command somewhere between sending
 * and receiving, so a key whose expiry falls in that window could be seen differently. To make
 * that impossible, before each command the test waits until no key's expiry (as the engine
 * knows it) lies within MARGIN ms of the send time, and after each command it checks that the
 * command's round trip did not overlap an expiry and stayed well below the margin (expiry times
 * set by Redis and by the engine differ by at most a round trip). When a slow round trip (a busy
 * machine) broke that and a reply then differed, the verdict is "inconclusive": the sequence is
 * run again, up to 4 times, and the test fails saying the machine is too slow if that persists.
 * A difference without such a disturbance fails at once.
 *
 * Databases and sets: the two connections start in databases 0 to 2 and SELECT among them
 * (scripts too); SWAPDB, FLUSHDB, MOVE and COPY move keys between them. Replies whose order is
 * Redis's hash-table order (KEYS, set members) compare as multisets, except that SMEMBERS must
 * match exactly when Redis reports the set as an intset (kept sorted). Commands that choose at
 * random are checked for what Redis promises: SRANDMEMBER and RANDOMKEY answer members of what
 * was there, of the right count; SPOP runs only when its answer is determined (the set has at
 * most one member, or the count covers it). SCAN is compared as a full iteration (cursor 0 until
 * 0; the cursors themselves are hash-table positions in Redis). After each sequence the whole
 * keyspace of databases 0 to 2 is read back on both sides (type, value, PTTL of every key), so
 * that a difference no reply showed still fails.
 *
 * LOCKSIM_DIFF_RUNS sets the number of sequences (default 60); LOCKSIM_DIFF_SEED sets the seed
 * (default a fixed one, so CI runs the same sequences every time; fast-check prints it on failure);
 * LOCKSIM_DIFF_PATH starts at the sequence fast-check names in a failure (`path`): with
 * LOCKSIM_DIFF_RUNS=1 and the printed seed it replays just that sequence;
 * LOCKSIM_DIFF_SHRINK=1 lets fast-check shrink a failure (slow: every try replays real time).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisEngine, type KeyDump, type Session } from '../../src/redis/engine/engine.ts';
import { sha1hex } from '../../src/redis/engine/lua.ts';
import { formatReply, replyEquals, type Reply } from '../../src/redis/engine/reply.ts';
import { realRedisTestsEnabled, startRedisServer, type RedisServer } from '../support/redis-server.ts';
import { RespClient } from '../support/resp-client.ts';

const MARGIN = 25;
const RUNS = Number(process.env.LOCKSIM_DIFF_RUNS ?? 60);

// ------------------------------------------------------------------------------------------------
// The grammar

/** An argument fixed at generation time, or an absolute time materialized when sent. */
type Arg = string | { atMs: number } | { atSec: number };

/** How a reply is compared. */
type Mode =
  | 'exact'
  | 'sorted' // KEYS, set members: order is the hash table's
  | 'set-order' // SMEMBERS: sorted, and exact when Redis says the set is an intset (Redis keeps those sorted)
  | 'random' // SRANDMEMBER, RANDOMKEY: members of what was there, of the same shape
  | 'ttl-ms' // PTTL, PEXPIRETIME: within the tolerance
  | 'ttl-s' // TTL, EXPIRETIME: rounding to seconds may differ by one near x.5 s
  | 'time' // TIME
  | 'loose-int'; // a script that returns time readings among other values

interface Cmd {
  session: 0 | 1;
  args: Arg[];
  mode: Mode;
}

/** When a command's effect would depend on a random choice, it runs only if its answer is determined. */
type Guard = 'always' | 'no-expired-key' | 'set-size-at-most-1' | 'count-covers-set';

type Step =
  | { kind: 'cmds'; cmds: Cmd[] }
  | { kind: 'wait'; ms: number }
  | { kind: 'dbsize'; session: 0 | 1 }
  | { kind: 'guarded'; guard: Guard; cmd: Cmd }
  | { kind: 'scan'; session: 0 | 1; options: string[] };

const KEYS = ['k1', 'k2', 'k3'];
const key = fc.constantFrom(...KEYS);
const value = fc.constantFrom('v1', 'v2', '1', '10', 'abc');
const ttlMs = fc.constantFrom('30', '60', '100', '200');
const session = fc.constantFrom<0 | 1>(0, 0, 1);
/** Set members: integers (intsets) and words (hash tables). */
const member = fc.constantFrom('a', 'b', '1', '2', '10', '-3');
const members = fc.array(member, { minLength: 1, maxLength: 3 });
/** Database numbers, mostly valid (0 to 2, so that sessions meet), sometimes not. */
const dbIndex = fc.constantFrom('0', '1', '2', '0', '1', '2', '15', '16', '-1', 'x');

interface Script {
  body: string;
  keys: number;
  args: fc.Arbitrary<string[]>;
  mode: Mode;
}

const SCRIPTS: Script[] = [
  // compare-and-delete
  { body: "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end", keys: 1, args: fc.tuple(value), mode: 'exact' },
  // compare-and-pexpire
  {
    body: "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) else return 0 end",
    keys: 1,
    args: fc.tuple(value, ttlMs),
    mode: 'exact',
  },
  // acquire
  { body: "return redis.call('set',KEYS[1],ARGV[1],'NX','PX',ARGV[2])", keys: 1, args: fc.tuple(value, ttlMs), mode: 'exact' },
  // fencing token + lock in one script
  {
    body: "local t = redis.call('incr', KEYS[2]) redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return t",
    keys: 2,
    args: fc.tuple(value, ttlMs),
    mode: 'exact',
  },
  // tables, nested tables, booleans, numbers
  { body: "return {KEYS[1], ARGV[1], 1, {2, 'x', {}}, redis.call('exists', KEYS[1]), true, false, 3.7}", keys: 1, args: fc.tuple(value), mode: 'exact' },
  { body: 'return {1, 2, nil, 4}', keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: "return redis.call('get', KEYS[1]) == false", keys: 1, args: fc.constant([]), mode: 'exact' },
  { body: "return redis.call('get', KEYS[1])", keys: 1, args: fc.constant([]), mode: 'exact' },
  // status and error replies
  { body: "return redis.status_reply('DONE')", keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: "return {ok='fine'}", keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: "return redis.error_reply('MYERR something')", keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: "return {err='bad thing'}", keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: "error('boom')", keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: "error({err='CUSTOM failure'})", keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: 'return undefined_global', keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: 'return 1 +', keys: 0, args: fc.constant([]), mode: 'exact' },
  // redis.pcall / redis.call on a key of the wrong type
  {
    body: "local r = redis.pcall('incr', KEYS[1]) if type(r) == 'table' and r.err then return 'caught: ' .. r.err end return r",
    keys: 1,
    args: fc.constant([]),
    mode: 'exact',
  },
  { body: "return redis.pcall('hget', KEYS[1], 'f')", keys: 1, args: fc.constant([]), mode: 'exact' },
  { body: "return redis.call('zscore', KEYS[1], 'm')", keys: 1, args: fc.constant([]), mode: 'exact' },
  // several writes of different types
  {
    body: "redis.call('set', KEYS[1], ARGV[1]) redis.call('hset', KEYS[2], 'f', ARGV[1]) return {redis.call('type', KEYS[1]).ok, redis.call('type', KEYS[2]).ok}",
    keys: 2,
    args: fc.tuple(value),
    mode: 'exact',
  },
  {
    body: "redis.call('zadd', KEYS[1], ARGV[1], 'm') return redis.call('zrange', KEYS[1], 0, -1, 'WITHSCORES')",
    keys: 1,
    args: fc.tuple(fc.constantFrom('1', '2.5', '0.1', '-3')),
    mode: 'exact',
  },
  // Lua 5.1 number behaviour
  { body: "return {tostring(10/3), tostring(2^53), tostring(1e15), 7/2, -7/2, tostring(0.1), string.format('%d|%5.2f|%s', 2^40, 1/3, 1e100)}", keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: "local t = redis.call('time') return type(t[1]) .. ':' .. #t", keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: 'return {math.random(100), tostring(math.random())}', keys: 0, args: fc.constant([]), mode: 'exact' },
  { body: 'return redis.sha1hex(ARGV[1])', keys: 0, args: fc.tuple(value), mode: 'exact' },
  { body: 'return #KEYS + #ARGV * 10', keys: 2, args: fc.tuple(value, value, value), mode: 'exact' },
  // a time reading
  { body: "return {redis.call('pttl', KEYS[1]), redis.call('exists', KEYS[1])}", keys: 1, args: fc.constant([]), mode: 'loose-int' },
  // databases: a script runs in its caller's database and may SELECT (sesamecare's redlock does, with pcall)
  // (No DBSIZE here: it counts expired keys, which Redis may already have removed in the background.)
  {
    body: "redis.call('select', ARGV[1]) redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])",
    keys: 1,
    args: fc.tuple(dbIndex),
    mode: 'exact',
  },
  { body: "redis.pcall('SELECT', tonumber(ARGV[1])) return redis.call('get', KEYS[1])", keys: 1, args: fc.tuple(dbIndex), mode: 'exact' },
  // sets
  { body: "return redis.call('sadd', KEYS[1], ARGV[1], ARGV[2])", keys: 1, args: fc.tuple(member, member), mode: 'exact' },
  { body: "local m = redis.call('smembers', KEYS[1]) table.sort(m) return m", keys: 1, args: fc.constant([]), mode: 'exact' },
  { body: "return {redis.call('sismember', KEYS[1], ARGV[1]), redis.call('scard', KEYS[1])}", keys: 1, args: fc.tuple(member), mode: 'exact' },
];

function scriptArgs(script: Script): fc.Arbitrary<string[]> {
  return fc.tuple(fc.array(key, { minLength: script.keys, maxLength: script.keys }), script.args).map(([ks, as]) => [String(script.keys), ...ks, ...as]);
}

const evalCmd: fc.Arbitrary<{ args: Arg[]; mode: Mode }> = fc
  .tuple(fc.integer({ min: 0, max: SCRIPTS.length - 1 }), fc.boolean())
  .chain(([i, bySha]) =>
    scriptArgs(SCRIPTS[i]).map((rest) => ({
      args: bySha ? ['EVALSHA', sha1hex(SCRIPTS[i].body), ...rest] : ['EVAL', SCRIPTS[i].body, ...rest],
      mode: SCRIPTS[i].mode,
    })),
  );

const setOptions = fc
  .tuple(
    fc.constantFrom<string[]>([], [], ['NX'], ['XX'], ['nx', 'GET'], ['GET'], ['NX', 'XX']),
    fc.constantFrom<Arg[][]>(
      [],
      [],
      ['PX', '30'],
      ['PX', '30'],
      ['PX', '60'],
      ['PX', '60'],
      ['PX', '100'],
      ['px', '200'],
      ['EX', '1'],
      ['PXAT', { atMs: 70 }],
      ['EXAT', { atSec: 2 }],
      ['KEEPTTL'],
      ['PX', '0'],
      ['PX', 'abc'],
      ['PX'],
      ['KEEPTTL', 'PX', '100'],
    ),
  )
  .map(([a, b]) => [...a, ...b]);

/** One command with how to compare its reply. */
const single: fc.Arbitrary<{ args: Arg[]; mode: Mode }> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, value, setOptions).map(([k, v, o]) => ({ args: ['SET', k, v, ...o], mode: 'exact' as Mode })) },
  { weight: 4, arbitrary: key.map((k) => ({ args: ['GET', k], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: key.map((k) => ({ args: ['GETDEL', k], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.constant({ args: ['MGET', 'k1', 'k2', 'k3'] as Arg[], mode: 'exact' as Mode }) },
  { weight: 2, arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ({ args: ['EXISTS', ...ks], mode: 'exact' as Mode })) },
  { weight: 2, arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ({ args: ['DEL', ...ks], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: key.map((k) => ({ args: ['TYPE', k], mode: 'exact' as Mode })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('INCR', 'DECR', 'INCRBY', 'DECRBY'), key, fc.constantFrom('5', '-2', 'x', '9223372036854775807'))
      .map(([c, k, n]) => ({ args: c.endsWith('BY') ? [c, k, n] : [c, k], mode: 'exact' as Mode })),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc.tuple(fc.constantFrom('PEXPIRE', 'pexpire'), fc.constantFrom('30', '60', '100', '-5', 'abc')),
          fc.tuple(fc.constant('EXPIRE'), fc.constantFrom('1', '-5', 'abc')),
        ),
        key,
        fc.constantFrom<string[]>([], [], ['NX'], ['XX'], ['GT'], ['LT'], ['NX', 'XX'], ['GT', 'LT'], ['XX', 'GT'], ['FOO']),
      )
      .map(([[c, t], k, f]) => ({ args: [c, k, t, ...f], mode: 'exact' as Mode })),
  },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom(70, -10, 150)).map(([k, at]) => ({ args: ['PEXPIREAT', k, { atMs: at }], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom(2, -1)).map(([k, at]) => ({ args: ['EXPIREAT', k, { atSec: at }], mode: 'exact' as Mode })) },
  { weight: 3, arbitrary: key.map((k) => ({ args: ['PTTL', k], mode: 'ttl-ms' as Mode })) },
  { weight: 2, arbitrary: key.map((k) => ({ args: ['TTL', k], mode: 'ttl-s' as Mode })) },
  { weight: 1, arbitrary: key.map((k) => ({ args: ['PEXPIRETIME', k], mode: 'ttl-ms' as Mode })) },
  { weight: 1, arbitrary: key.map((k) => ({ args: ['PERSIST', k], mode: 'exact' as Mode })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(key, fc.array(fc.tuple(fc.constantFrom('f', 'g'), value), { minLength: 1, maxLength: 2 }))
      .map(([k, fvs]) => ({ args: ['HSET', k, ...fvs.flat()], mode: 'exact' as Mode })),
  },
  { weight: 2, arbitrary: fc.tuple(key, fc.constantFrom('f', 'g')).map(([k, f]) => ({ args: ['HGET', k, f], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('f', 'g')).map(([k, f]) => ({ args: ['HDEL', k, f], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('f', 'g')).map(([k, f]) => ({ args: ['HEXISTS', k, f], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('f', 'g'), fc.constantFrom('3', '-1', 'x')).map(([k, f, n]) => ({ args: ['HINCRBY', k, f, n], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: key.map((k) => ({ args: ['HGETALL', k], mode: 'exact' as Mode })) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        key,
        fc.constantFrom<string[]>([], [], ['NX'], ['XX'], ['GT'], ['LT', 'CH'], ['CH'], ['INCR'], ['NX', 'XX'], ['GT', 'LT']),
        fc.array(fc.tuple(fc.constantFrom('1', '2', '2.5', '0.1', '-inf', '+inf', '1e20', 'abc', '-0'), fc.constantFrom('m', 'n', 'o')), { minLength: 1, maxLength: 2 }),
      )
      .map(([k, f, pairs]) => ({ args: ['ZADD', k, ...f, ...pairs.flat()], mode: 'exact' as Mode })),
  },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('m', 'n')).map(([k, m]) => ({ args: ['ZREM', k, m], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: key.map((k) => ({ args: ['ZCARD', k], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('m', 'n')).map(([k, m]) => ({ args: ['ZSCORE', k, m], mode: 'exact' as Mode })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        key,
        fc.constantFrom<string[]>(
          ['0', '-1'],
          ['0', '-1', 'WITHSCORES'],
          ['-2', '-1', 'REV'],
          ['(1', '+inf', 'BYSCORE', 'WITHSCORES'],
          ['+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '0', '2'],
          ['-', '+', 'BYLEX'],
          ['0', '-1', 'LIMIT', '0', '1'],
          ['x', '1'],
        ),
      )
      .map(([k, rest]) => ({ args: ['ZRANGE', k, ...rest], mode: 'exact' as Mode })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        key,
        fc.constantFrom<string[]>(['-inf', '+inf'], ['(1', '2.5', 'WITHSCORES'], ['0', '10', 'LIMIT', '1', '1'], ['abc', '1'], ['1', '0'], ['-inf', '+inf', 'LIMIT', '1']),
      )
      .map(([k, rest]) => ({ args: ['ZRANGEBYSCORE', k, ...rest], mode: 'exact' as Mode })),
  },
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('(1', '-inf', 'x')).map(([k, min]) => ({ args: ['ZREMRANGEBYSCORE', k, min, '2'], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.constantFrom('*', 'k?', '[k]1', 'k[^1]').map((p) => ({ args: ['KEYS', p], mode: 'sorted' as Mode })) },
  // databases
  { weight: 5, arbitrary: dbIndex.map((db) => ({ args: ['SELECT', db], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(dbIndex, dbIndex).map(([a, b]) => ({ args: ['SWAPDB', a, b], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>([], [], ['ASYNC'], ['sync'], ['x']).map((o) => ({ args: ['FLUSHDB', ...o], mode: 'exact' as Mode })) },
  { weight: 2, arbitrary: fc.tuple(key, dbIndex).map(([k, db]) => ({ args: ['MOVE', k, db], mode: 'exact' as Mode })) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(key, key, fc.constantFrom<string[]>([], ['REPLACE'], ['DB', '1'], ['DB', '0', 'REPLACE'], ['DB', '2'], ['DB', '16'], ['DB'], ['BOGUS']))
      .map(([a, b, o]) => ({ args: ['COPY', a, b, ...o], mode: 'exact' as Mode })),
  },
  // sets
  { weight: 4, arbitrary: fc.tuple(key, members).map(([k, ms]) => ({ args: ['SADD', k, ...ms], mode: 'exact' as Mode })) },
  { weight: 2, arbitrary: fc.tuple(key, members).map(([k, ms]) => ({ args: ['SREM', k, ...ms], mode: 'exact' as Mode })) },
  { weight: 2, arbitrary: key.map((k) => ({ args: ['SMEMBERS', k], mode: 'set-order' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(key, member).map(([k, m]) => ({ args: ['SISMEMBER', k, m], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(key, members).map(([k, ms]) => ({ args: ['SMISMEMBER', k, ...ms], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: key.map((k) => ({ args: ['SCARD', k], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(key, key, member).map(([a, b, m]) => ({ args: ['SMOVE', a, b, m], mode: 'exact' as Mode })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('SINTER', 'SUNION', 'SDIFF'), fc.array(key, { minLength: 1, maxLength: 3 }))
      .map(([c, ks]) => ({ args: [c, ...ks], mode: 'sorted' as Mode })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), key, fc.array(key, { minLength: 1, maxLength: 2 }))
      .map(([c, d, ks]) => ({ args: [c, d, ...ks], mode: 'exact' as Mode })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.array(key, { minLength: 1, maxLength: 2 }), fc.constantFrom<string[]>([], ['LIMIT', '1'], ['LIMIT', '1'], ['LIMIT', '-1'], ['x']))
      .map(([ks, o]) => ({ args: ['SINTERCARD', String(ks.length), ...ks, ...o], mode: 'exact' as Mode })),
  },
  // SPOP whose answer is determined: the whole set (10 exceeds any set here), none, or an error.
  { weight: 1, arbitrary: fc.tuple(key, fc.constantFrom('10', '0', '-1', 'x')).map(([k, n]) => ({ args: ['SPOP', k, n], mode: 'sorted' as Mode })) },
  // strings and keys
  { weight: 2, arbitrary: fc.tuple(key, value).map(([k, v]) => ({ args: ['GETSET', k, v], mode: 'exact' as Mode })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        key,
        fc.constantFrom<Arg[]>([], ['PX', '60'], ['PX', '100'], ['EX', '1'], ['PXAT', { atMs: 70 }], ['PXAT', { atMs: -10 }], ['EXAT', { atSec: 2 }], ['PERSIST'], ['PX', '0'], ['EX', 'x'], ['KEEPTTL'], ['PX']),
      )
      .map(([k, o]) => ({ args: ['GETEX', k, ...o], mode: 'exact' as Mode })),
  },
  { weight: 1, arbitrary: fc.array(key, { minLength: 1, maxLength: 3 }).map((ks) => ({ args: ['UNLINK', ...ks], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('RENAME', 'RENAMENX'), key, key).map(([c, a, b]) => ({ args: [c, a, b], mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.constantFrom<string[]>(['PING'], ['PING', 'hello'], ['ECHO', 'x']).map((args) => ({ args, mode: 'exact' as Mode })) },
  { weight: 1, arbitrary: fc.constant({ args: ['TIME'] as Arg[], mode: 'time' as Mode }) },
  { weight: 8, arbitrary: evalCmd },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<string[]>(
        ['SCRIPT', 'LOAD', SCRIPTS[0].body],
        ['SCRIPT', 'EXISTS', sha1hex(SCRIPTS[0].body), sha1hex(SCRIPTS[2].body)],
        ['EVAL', 'return 1', 'x'],
        ['EVAL', 'return 1', '-1'],
        ['EVAL', 'return 1', '3', 'k1'],
        ['EVALSHA', 'abc', '0'],
      )
      .map((args) => ({ args, mode: 'exact' as Mode })),
  },
  {
    // malformed and unknown commands
    weight: 2,
    arbitrary: fc
      .constantFrom<string[]>(
        ['GET'],
        ['SET', 'k1'],
        ['nosuchcmd', 'a', 'b'],
        ['HSET', 'k1', 'f'],
        ['ZADD', 'k1', '1'],
        ['EXEC'],
        ['DISCARD'],
        ['WATCH'],
        ['PING', 'a', 'b'],
        ['SELECT'],
        ['SADD', 'k1'],
        ['SPOP', 'k1', '1', '2'],
        ['SCAN'],
        ['GETSET', 'k1'],
        ['SWAPDB', '0'],
      )
      .map((args) => ({ args, mode: 'exact' as Mode })),
  },
);

const singleStep: fc.Arbitrary<Step> = fc.tuple(session, single).map(([s, c]) => ({ kind: 'cmds', cmds: [{ session: s, ...c }] }));

/**
 * WATCH (sometimes), another client's interference (sometimes), MULTI, commands, a wait (sometimes,
 * so that watched keys can expire before EXEC), EXEC or DISCARD.
 */
const transactionSteps: fc.Arbitrary<Step[]> = fc
  .tuple(
    session,
    fc.option(fc.array(key, { minLength: 1, maxLength: 2 }), { nil: null }),
    fc.option(single, { nil: null }),
    fc.array(single, { minLength: 0, maxLength: 4 }),
    fc.constantFrom(null, null, null, null, 40, 80),
    fc.constantFrom('EXEC', 'EXEC', 'EXEC', 'DISCARD'),
    fc.boolean(),
  )
  .map(([s, watch, interference, body, wait, end, nested]) => {
    const other: 0 | 1 = s === 0 ? 1 : 0;
    const cmds: Cmd[] = [];
    if (watch !== null) cmds.push({ session: s, args: ['WATCH', ...watch], mode: 'exact' });
    if (interference !== null) cmds.push({ session: other, ...interference });
    cmds.push({ session: s, args: ['MULTI'], mode: 'exact' });
    if (nested) cmds.push({ session: s, args: ['MULTI'], mode: 'exact' });
    for (const c of body) cmds.push({ session: s, ...c });
    const steps: Step[] = [{ kind: 'cmds', cmds }];
    if (wait !== null) steps.push({ kind: 'wait', ms: wait });
    steps.push({ kind: 'cmds', cmds: [{ session: s, args: [end], mode: 'exact' }] });
    return steps;
  });

/** A key gets a short TTL, time passes to just before or just after its expiry, then it is used. */
const expirySteps: fc.Arbitrary<Step[]> = fc
  .tuple(
    session,
    key,
    value,
    fc.constantFrom(30, 60),
    fc.constantFrom<'set' | 'pexpire' | 'acquire'>('set', 'set', 'pexpire', 'acquire'),
    fc.array(single, { maxLength: 2 }),
    fc.boolean(),
    fc.tuple(session, single),
    fc.constantFrom<string[]>(
      ['GET'],
      ['EXISTS'],
      ['PTTL'],
      ['TYPE'],
      ['INCR'],
      ['GETDEL'],
      ['PERSIST'],
      ['PEXPIRE', '100', 'GT'],
      ['SCARD'],
      ['SADD', 'm'],
      ['GETEX', 'PX', '100'],
      ['GETSET', 'new'],
      ['UNLINK'],
      ['MOVE', '1'],
      ['RENAME', 'k9'],
    ),
  )
  .map(([s, k, v, ttl, how, between, after, [probeSession, other], probe]) => {
    const first: Cmd[] =
      how === 'set'
        ? [{ session: s, args: ['SET', k, v, 'PX', String(ttl)], mode: 'exact' }]
        : how === 'pexpire'
          ? [
              { session: s, args: ['SET', k, v], mode: 'exact' },
              { session: s, args: ['PEXPIRE', k, String(ttl)], mode: 'exact' },
            ]
          : [{ session: s, args: ['EVAL', SCRIPTS[2].body, '1', k, v, String(ttl)], mode: 'exact' }];
    const cmds = [...first, ...between.map((c): Cmd => ({ session: s, ...c }))];
    const steps: Step[] = [{ kind: 'cmds', cmds }, { kind: 'wait', ms: after ? ttl + 30 : ttl - 28 }];
    steps.push({
      kind: 'cmds',
      cmds: [
        { session: probeSession, args: [probe[0], k, ...probe.slice(1)], mode: probe[0] === 'PTTL' ? 'ttl-ms' : 'exact' },
        { session: probeSession, ...other },
      ],
    });
    return steps;
  });

const waitStep: fc.Arbitrary<Step> = fc.constantFrom(40, 80, 120).map((ms) => ({ kind: 'wait', ms }));

/** Commands that choose at random: answers checked for shape and membership; state-changing ones only when determined. */
const randomStep: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(session, key).map(([s, k]): Step => ({ kind: 'guarded', guard: 'set-size-at-most-1', cmd: { session: s, args: ['SPOP', k], mode: 'exact' } })),
  fc
    .tuple(session, key, fc.constantFrom('1', '2', '3'))
    .map(([s, k, n]): Step => ({ kind: 'guarded', guard: 'count-covers-set', cmd: { session: s, args: ['SPOP', k, n], mode: 'sorted' } })),
  fc
    .tuple(session, key, fc.constantFrom<string[]>([], ['1'], ['2'], ['5'], ['-3'], ['0']))
    .map(([s, k, n]): Step => ({ kind: 'guarded', guard: 'always', cmd: { session: s, args: ['SRANDMEMBER', k, ...n], mode: 'random' } })),
  session.map((s): Step => ({ kind: 'guarded', guard: 'no-expired-key', cmd: { session: s, args: ['RANDOMKEY'], mode: 'random' } })),
);

/** A full SCAN iteration (cursor 0 until 0): the keys returned must be the same. */
const scanStep: fc.Arbitrary<Step> = fc
  .tuple(session, fc.constantFrom<string[]>([], ['COUNT', '1'], ['MATCH', 'k[12]'], ['TYPE', 'set'], ['TYPE', 'string', 'COUNT', '2'], ['MATCH', '*', 'TYPE', 'none']))
  .map(([s, options]) => ({ kind: 'scan', session: s, options }));

const stepsArb: fc.Arbitrary<Step[]> = fc.oneof(
  { weight: 30, arbitrary: singleStep.map((s) => [s]) },
  { weight: 5, arbitrary: transactionSteps },
  { weight: 1, arbitrary: waitStep.map((s) => [s]) },
  { weight: 2, arbitrary: expirySteps },
  { weight: 1, arbitrary: session.map((s): Step[] => [{ kind: 'dbsize', session: s }]) },
  { weight: 3, arbitrary: randomStep.map((s) => [s]) },
  { weight: 1, arbitrary: scanStep.map((s) => [s]) },
);

/** Where the two connections start: often in different databases, so that commands meet across them. */
const startDbs: fc.Arbitrary<Step[]> = fc.tuple(fc.constantFrom('0', '0', '1', '2'), fc.constantFrom('0', '1', '1', '2')).map(([a, b]) => {
  const cmds: Cmd[] = [];
  if (a !== '0') cmds.push({ session: 0, args: ['SELECT', a], mode: 'exact' });
  if (b !== '0') cmds.push({ session: 1, args: ['SELECT', b], mode: 'exact' });
  return cmds.length === 0 ? [] : [{ kind: 'cmds', cmds }];
});

const sequenceArb = fc
  .tuple(startDbs, fc.array(stepsArb, { minLength: 8, maxLength: 30 }))
  .map(([start, groups]) => [...start, ...groups.flat()]);

// ------------------------------------------------------------------------------------------------
// Running and comparing

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function materialize(args: Arg[], now: number): string[] {
  return args.map((a) => (typeof a === 'string' ? a : 'atMs' in a ? String(now + a.atMs) : String(Math.floor(now / 1000) + a.atSec)));
}

function isInt(r: Reply): r is Extract<Reply, { kind: 'integer' }> {
  return r.kind === 'integer';
}

/** Compares with tolerance `tol` ms where the mode allows it. */
function equivalent(mode: Mode, redis: Reply, engine: Reply, tol: number, ttlSecondsAllowed: number[] | null): boolean {
  switch (mode) {
    case 'exact':
      return replyEquals(redis, engine);
    case 'random': // compared in send(), which knows what was there
    case 'set-order': // the exact order is checked in send(), when Redis reports an intset
    case 'sorted': {
      if (redis.kind !== 'array' || engine.kind !== 'array' || redis.value === null || engine.value === null) return replyEquals(redis, engine);
      const norm = (xs: Reply[]) => xs.map(formatReply).sort().join('\n');
      return norm(redis.value) === norm(engine.value);
    }
    case 'ttl-ms':
      if (!isInt(redis) || !isInt(engine) || redis.value < 0 || engine.value < 0) return replyEquals(redis, engine);
      return Math.abs(redis.value - engine.value) <= tol;
    case 'ttl-s':
      if (!isInt(redis) || !isInt(engine) || redis.value < 0 || engine.value < 0) return replyEquals(redis, engine);
      if (ttlSecondsAllowed !== null) return ttlSecondsAllowed.includes(redis.value) && ttlSecondsAllowed.includes(engine.value);
      return Math.abs(redis.value - engine.value) <= 1;
    case 'time': {
      const micros = (r: Reply) =>
        r.kind === 'array' && r.value !== null && r.value.length === 2 && r.value[0].kind === 'bulk' && r.value[1].kind === 'bulk'
          ? Number(r.value[0].value) * 1e6 + Number(r.value[1].value)
          : NaN;
      return Math.abs(micros(redis) - micros(engine)) <= (tol + 1) * 1000;
    }
    case 'loose-int':
      return looseEqual(redis, engine, tol);
  }
}

function looseEqual(a: Reply, b: Reply, tol: number): boolean {
  if (a.kind === 'integer' && b.kind === 'integer') return a.value === b.value || (a.value >= 0 && b.value >= 0 && Math.abs(a.value - b.value) <= tol);
  if (a.kind === 'array' && b.kind === 'array' && a.value !== null && b.value !== null) {
    return a.value.length === b.value.length && a.value.every((x, i) => looseEqual(x, (b.value as Reply[])[i], tol));
  }
  return replyEquals(a, b);
}

interface LogLine {
  index: number;
  session: number;
  at: number;
  args: string[];
  redis: Reply;
  engine: Reply;
  rttMs: number;
}

function formatLog(lines: LogLine[], start: number): string {
  return lines
    .map((l) => {
      const args = l.args.map((a) => (a.length > 60 ? JSON.stringify(a.slice(0, 57) + '...') : JSON.stringify(a))).join(' ');
      const same = replyEquals(l.redis, l.engine);
      return `  #${l.index} [s${l.session}] +${l.at - start}ms ${args}\n      redis:  ${formatReply(l.redis)}${same ? '' : `\n      engine: ${formatReply(l.engine)}`}`;
    })
    .join('\n');
}

/** A reply differed after a slow round trip overlapped an expiry: no verdict, run it again. */
class Inconclusive extends Error {}

/** A key of one of the engine's databases. */
interface DbKey extends KeyDump {
  db: number;
}

/** Every key of every database of the engine. */
function allKeys(engine: RedisEngine): DbKey[] {
  return engine.databases().flatMap((db) => engine.dump(db).map((k) => ({ ...k, db })));
}

/** Keys whose expiry (as the engine knows it) falls within [from, to], in any database. */
function expiriesWithin(engine: RedisEngine, from: number, to: number): Array<{ key: string; expireAt: number }> {
  return allKeys(engine)
    .filter((k) => k.expireAt !== null && k.expireAt >= from && k.expireAt <= to)
    .map((k) => ({ key: k.key, expireAt: k.expireAt as number }));
}

/** True when no key of database `db` is logically expired at `now` (nor expires within `margin`). */
function noExpiredKey(engine: RedisEngine, db: number, now: number, margin: number): boolean {
  return engine.dump(db).every((k) => k.expireAt === null || k.expireAt > now + margin);
}

/**
 * Checks a random command's answers (SRANDMEMBER, RANDOMKEY): both nil, or both drawn from what
 * was there (`universe`), of the same length, without repeats when the count asks for distinct ones.
 */
function randomAgrees(redis: Reply, engine: Reply, universe: ReadonlySet<string>, distinct: boolean): boolean {
  const drawn = (r: Reply): boolean => r.kind === 'bulk' && r.value !== null && universe.has(r.value);
  if (redis.kind === 'bulk' && engine.kind === 'bulk') return (redis.value === null && engine.value === null) || (drawn(redis) && drawn(engine));
  if (redis.kind === 'array' && engine.kind === 'array' && redis.value !== null && engine.value !== null) {
    const ok = (xs: Reply[]): boolean => xs.every(drawn) && (!distinct || new Set(xs.map((x) => (x as { value: string }).value)).size === xs.length);
    return redis.value.length === engine.value.length && ok(redis.value) && ok(engine.value);
  }
  return replyEquals(redis, engine);
}

/**
 * For EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT with GT or LT on a key that has an expiry: how long to
 * wait so that the new expiry is more than `margin` ms past the current one (0 when it already
 * differs by more than that). Two expiries set a few ms apart from the same TTL would otherwise
 * compare differently on Redis and on the engine, whose clocks are read a fraction of a ms apart.
 */
function expireCompareWait(engine: RedisEngine, db: number, args: string[], now: number, margin: number): number {
  const verb = args[0].toUpperCase();
  if (!['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT'].includes(verb) || args.length < 4) return 0;
  if (!args.slice(3).some((f) => /^(gt|lt)$/i.test(f))) return 0;
  const amount = Number(args[2]);
  if (!Number.isInteger(amount)) return 0;
  const current = engine.dump(db).find((k) => k.key === args[1])?.expireAt ?? null;
  if (current === null) return 0;
  const ms = verb.startsWith('P') ? amount : amount * 1000;
  const when = verb.endsWith('AT') ? ms : now + ms;
  return Math.abs(when - current) <= margin ? current + margin + 1 - when : 0;
}

describe.runIf(realRedisTestsEnabled())('differential: RedisEngine vs real redis-server', () => {
  let server: RedisServer;
  let clients: RespClient[] = [];
  // One engine for the whole run, as there is one server: math.random's state carries over.
  const engine = new RedisEngine();
  let sequences = 0;
  let commands = 0;
  let waitsForMargin = 0;
  let errorReplies = 0;
  let retries = 0;
  /** Commands compared, by name (to show what the run covered). */
  const byCommand = new Map<string, number>();
  let scans = 0;
  let skippedRandom = 0;

  beforeAll(async () => {
    // Create the engine's Lua state up front (it is lazy), so no command pays for it.
    engine.execute(engine.newSession(), ['EVAL', 'return 1', '0'], Date.now());
    server = await startRedisServer();
    clients = [await RespClient.connect(server.port), await RespClient.connect(server.port)];
    const version = await clients[0].send(['INFO', 'server']);
    if (version.kind === 'bulk' && version.value !== null && !/redis_version:7\.0\./.test(version.value)) {
      console.warn(`differential test: expected Redis 7.0.x, found ${/redis_version:(\S+)/.exec(version.value)?.[1]}`);
    }
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await server?.stop();
  });

  /**
   * Runs one sequence on both sides. Resolves 'ok', or with the reason the comparison became
   * inconclusive (the machine was too slow around an expiry, and a reply then differed); throws
   * on a real mismatch.
   */
  async function runSequence(steps: Step[]): Promise<'ok' | string> {
    const sessions: Session[] = [engine.newSession(), engine.newSession()];
    for (const c of clients) {
      await c.send(['DISCARD']);
      await c.send(['UNWATCH']);
      await c.send(['SELECT', '0']);
    }
    await clients[0].send(['FLUSHALL']);
    await clients[0].send(['SCRIPT', 'FLUSH']);
    engine.execute(sessions[0], ['FLUSHALL'], Date.now());
    engine.execute(sessions[0], ['SCRIPT', 'FLUSH'], Date.now());

    const log: LogLine[] = [];
    const start = Date.now();
    let maxRtt = 0;
    /** Queued command modes per session, for EXEC replies. */
    const queuedModes: Mode[][] = [[], []];

    /** Why the comparison can no longer be trusted, once a slow round trip overlapped an expiry. */
    let tainted: string | null = null;

    const fail = (message: string): never => {
      throw new Error(`${message}\nsequence (sent so far, times relative to its start):\n${formatLog(log, start)}`);
    };

    /** Waits until no key's expiry is near (see the file comment); returns the margin used. */
    const waitClear = async (s: 0 | 1, argsIn: Arg[]): Promise<number> => {
      // Keep every expiry clear of the moment the command runs. Expiry times that Redis and the
      // engine computed differ by up to one round trip, hence the margin grows with them.
      const margin = Math.max(MARGIN, Math.ceil(2 * maxRtt) + 5);
      for (let guard = 0; ; guard++) {
        const now = Date.now();
        const near = expiriesWithin(engine, now - margin, now + margin);
        // EXPIRE ... GT|LT compares the new expiry with the current one: keep them apart too.
        const compareWait = expireCompareWait(engine, sessions[s].db, materialize(argsIn, now), now, margin);
        if (near.length === 0 && compareWait === 0) return margin;
        if (guard > 20) fail('could not find a moment clear of key expiries');
        waitsForMargin++;
        await sleep(Math.max(compareWait, ...near.map((n) => n.expireAt + margin + 1 - now)));
      }
    };

    const send = async (s: 0 | 1, argsIn: Arg[], mode: Mode): Promise<void> => {
      const margin = await waitClear(s, argsIn);
      const now = Date.now();
      const args = materialize(argsIn, now);
      let ttlAllowed: number[] | null = null;
      const db = sessions[s].db;
      const before = allKeys(engine);
      const sent = performance.now();
      const redisReply = await clients[s].send(args);
      const rtt = performance.now() - sent;
      const received = Date.now();
      // The engine is pure: running it after Redis answered, at the send time, is the same.
      const engineReply = engine.execute(sessions[s], args, now);
      commands++;
      const name = args[0].toUpperCase();
      byCommand.set(name, (byCommand.get(name) ?? 0) + 1);
      if (redisReply.kind === 'error') errorReplies++;
      maxRtt = Math.max(maxRtt, rtt);
      const tol = Math.ceil(maxRtt) + 2;
      log.push({ index: log.length, session: s, at: now, args, redis: redisReply, engine: engineReply, rttMs: rtt });

      // Redis ran the command somewhere in [now, received], with expiry times that may differ from
      // the engine's by up to a round trip: an expiry in that window makes the comparison racy.
      const slack = Math.ceil(maxRtt) + 2;
      const risky = before.filter((k) => k.expireAt !== null && k.expireAt >= now - slack && k.expireAt <= received + slack);
      if (tainted === null && risky.length > 0) {
        tainted =
          `key ${risky[0].key} expires at +${(risky[0].expireAt as number) - start}ms, while command #${log.length - 1} ran ` +
          `(sent +${now - start}, answered +${received - start} ms: round trip ${rtt.toFixed(1)} ms)`;
      }
      if (tainted === null && rtt > (margin - 5) / 2) {
        tainted = `command #${log.length - 1} took ${rtt.toFixed(1)} ms, more than the ${margin} ms margin allows`;
      }
      if (mode === 'ttl-s' && args[0].toUpperCase() === 'TTL') {
        const k = before.find((d) => d.key === args[1] && d.db === db);
        if (k !== undefined && k.expireAt !== null) {
          const ms = k.expireAt - now;
          ttlAllowed = [Math.floor((ms - tol + 500) / 1000), Math.floor((ms + tol + 500) / 1000)];
        }
      }

      // Track MULTI queues so EXEC replies can be compared element by element.
      const verb = args[0].toUpperCase();
      const inMulti = sessions[s].inMulti;
      let ok: boolean;
      if (verb === 'EXEC' && redisReply.kind === 'array' && engineReply.kind === 'array' && redisReply.value !== null && engineReply.value !== null) {
        const modes = queuedModes[s];
        ok =
          redisReply.value.length === engineReply.value.length &&
          redisReply.value.every((r, i) => equivalent(modes[i] ?? 'exact', r, (engineReply.value as Reply[])[i], tol, null));
      } else if (engineReply.kind === 'status' && engineReply.value === 'QUEUED') {
        ok = replyEquals(redisReply, engineReply);
      } else if (mode === 'random') {
        ok = randomAgrees(redisReply, engineReply, randomUniverse(before, db, args, now), args.length === 3 && Number(args[2]) > 0);
      } else {
        ok = equivalent(mode, redisReply, engineReply, tol, ttlAllowed);
        if (ok && mode === 'set-order' && !inMulti) ok = await intsetOrderAgrees(s, args[1], redisReply, engineReply, margin);
      }
      if (inMulti && engineReply.kind === 'status' && engineReply.value === 'QUEUED') queuedModes[s].push(mode);
      if (!inMulti) queuedModes[s] = [];
      if (!ok && tainted !== null) throw new Inconclusive(`${tainted}; then command #${log.length - 1} differed`);
      if (!ok) {
        fail(
          `reply mismatch at command #${log.length - 1} (${mode === 'exact' ? 'exact comparison' : `${mode}, tolerance ${tol} ms`}):\n` +
            `  command: ${JSON.stringify(args)}\n  redis:   ${formatReply(redisReply)}\n  engine:  ${formatReply(engineReply)}`,
        );
      }
    };

    /** The members SRANDMEMBER may draw from, or the keys RANDOMKEY may name, before the command. */
    const randomUniverse = (before: DbKey[], db: number, args: string[], now: number): Set<string> => {
      const live = before.filter((k) => k.db === db && (k.expireAt === null || k.expireAt >= now));
      if (args[0].toUpperCase() === 'RANDOMKEY') return new Set(live.map((k) => k.key));
      const set = live.find((k) => k.key === args[1] && k.type === 'set');
      return new Set(set === undefined ? [] : (set.value as string[]));
    };

    /** Redis keeps an intset sorted: when it says the set is one, the order must be the same. */
    const intsetOrderAgrees = async (s: 0 | 1, key: string, redisReply: Reply, engineReply: Reply, margin: number): Promise<boolean> => {
      if (redisReply.kind !== 'array' || redisReply.value === null || redisReply.value.length < 2) return true;
      // OBJECT ENCODING expires the key if it is due: ask only when it is far from that.
      const k = engine.dump(sessions[s].db).find((d) => d.key === key);
      if (k !== undefined && k.expireAt !== null && k.expireAt <= Date.now() + margin) return true;
      const encoding = await clients[s].send(['OBJECT', 'ENCODING', key]);
      if (encoding.kind !== 'bulk' || encoding.value !== 'intset') return true;
      return replyEquals(redisReply, engineReply);
    };

    /** Runs `cmd` only if its answer cannot depend on a random choice. */
    const guardHolds = (guard: Guard, cmd: Cmd): boolean => {
      if (guard === 'always') return true;
      const db = sessions[cmd.session].db;
      const now = Date.now();
      if (guard === 'no-expired-key') return noExpiredKey(engine, db, now, MARGIN);
      const value = engine.dump(db).find((k) => k.key === cmd.args[1]);
      if (value === undefined || value.type !== 'set') return true;
      const size = (value.value as string[]).length;
      return guard === 'set-size-at-most-1' ? size <= 1 : Number(cmd.args[2]) >= size;
    };

    /**
     * A full SCAN iteration on each side (cursors differ: Redis's are hash-table positions); the
     * keys returned must be the same, and the engine's without repeats. Only when no key of the
     * database is expired: Redis may already have removed such a key in the background.
     */
    const fullScan = async (s: 0 | 1, options: string[]): Promise<void> => {
      await waitClear(s, ['SCAN', '0', ...options]);
      const now = Date.now();
      if (!noExpiredKey(engine, sessions[s].db, now, MARGIN)) {
        skippedRandom++;
        return;
      }
      const collect = async (call: (args: string[]) => Promise<Reply> | Reply): Promise<string[] | Reply> => {
        const keys: string[] = [];
        let cursor = '0';
        for (let calls = 0; calls < 100; calls++) {
          const reply = await call(['SCAN', cursor, ...options]);
          if (reply.kind !== 'array' || reply.value === null || reply.value.length !== 2) return reply;
          const [next, batch] = reply.value as [Reply, Reply];
          if (next.kind !== 'bulk' || batch.kind !== 'array' || batch.value === null) return reply;
          for (const k of batch.value) keys.push((k as { value: string }).value);
          cursor = next.value as string;
          if (cursor === '0') return keys;
        }
        return { kind: 'error', message: 'SCAN did not finish in 100 calls' };
      };
      const fromRedis = await collect((args) => clients[s].send(args));
      const fromEngine = await collect((args) => engine.execute(sessions[s], args, now));
      scans++;
      commands++;
      byCommand.set('SCAN', (byCommand.get('SCAN') ?? 0) + 1);
      const show = (x: string[] | Reply): Reply =>
        Array.isArray(x) ? { kind: 'array', value: [...x].sort().map((v): Reply => ({ kind: 'bulk', value: v })) } : x;
      const args = ['SCAN', '0', ...options, '(full iteration, keys sorted)'];
      log.push({ index: log.length, session: s, at: now, args, redis: show(fromRedis), engine: show(fromEngine), rttMs: 0 });
      const redisKeys = Array.isArray(fromRedis) ? [...new Set(fromRedis)].sort() : null;
      const engineKeys = Array.isArray(fromEngine) ? [...fromEngine].sort() : null;
      const same =
        redisKeys !== null && engineKeys !== null
          ? JSON.stringify(redisKeys) === JSON.stringify(engineKeys) && new Set(engineKeys).size === engineKeys.length
          : replyEquals(show(fromRedis), show(fromEngine));
      if (!same) fail(`SCAN iteration mismatch (session ${s}, options ${JSON.stringify(options)}): see the last line`);
    };

    const runSteps = async (): Promise<void> => {
      for (const step of steps) {
        if (step.kind === 'wait') {
          await sleep(step.ms);
        } else if (step.kind === 'dbsize') {
          // DBSIZE counts keys Redis may already have expired in the background: only when none is expired.
          const now = Date.now();
          if (allKeys(engine).every((k) => k.expireAt === null || k.expireAt > now + MARGIN)) await send(step.session, ['DBSIZE'], 'exact');
        } else if (step.kind === 'guarded') {
          if (guardHolds(step.guard, step.cmd)) await send(step.cmd.session, step.cmd.args, step.cmd.mode);
          else skippedRandom++;
        } else if (step.kind === 'scan') {
          await fullScan(step.session, step.options);
        } else {
          for (const c of step.cmds) await send(c.session, c.args, c.mode);
        }
      }
    };

    /**
     * After the sequence, the whole keyspace is read back on both sides (databases 0 to 2, every
     * key the engine holds: type, value, PTTL), so that a difference no reply showed still fails.
     */
    const finalState = async (): Promise<void> => {
      if (sessions[0].inMulti) await send(0, ['DISCARD'], 'exact');
      for (const db of [0, 1, 2]) {
        await send(0, ['SELECT', String(db)], 'exact');
        await send(0, ['KEYS', '*'], 'sorted');
        for (const k of engine.dump(db)) {
          await send(0, ['TYPE', k.key], 'exact');
          const read: Array<[string[], Mode]> = [
            [['GET', k.key], 'exact'],
            [['HGETALL', k.key], 'exact'],
            [['SMEMBERS', k.key], 'set-order'],
            [['ZRANGE', k.key, '0', '-1', 'WITHSCORES'], 'exact'],
          ];
          const [args, mode] = read[['string', 'hash', 'set', 'zset'].indexOf(k.type)] as [string[], Mode];
          await send(0, args, mode);
          await send(0, ['PTTL', k.key], 'ttl-ms');
        }
      }
    };

    try {
      await runSteps();
      await finalState();
    } catch (e) {
      if (e instanceof Inconclusive) return e.message;
      throw e;
    }
    sequences++;
    expect(engine.stats.internalErrors).toBe(0);
    return 'ok';
  }

  it(`agrees reply by reply on ${RUNS} random sequences`, async () => {
    const seed = process.env.LOCKSIM_DIFF_SEED !== undefined ? Number(process.env.LOCKSIM_DIFF_SEED) : 20261202;
    await fc.assert(
      fc.asyncProperty(sequenceArb, async (steps) => {
        // A run disturbed by a slow machine right at an expiry is repeated, not failed.
        const reasons: string[] = [];
        for (let attempt = 0; attempt < 4; attempt++) {
          const outcome = await runSequence(steps);
          if (outcome === 'ok') return;
          reasons.push(outcome);
          retries++;
        }
        throw new Error(`the machine was too slow to compare expiry reliably, 4 times in a row (not a locksim bug):\n  ${reasons.join('\n  ')}`);
      }),
      { numRuns: RUNS, seed, path: process.env.LOCKSIM_DIFF_PATH, endOnFailure: process.env.LOCKSIM_DIFF_SHRINK !== '1' },
    );
    const st = engine.stats;
    console.log(
      `differential: ${sequences} sequences, ${commands} commands compared (${errorReplies} error replies), ` +
        `${st.expiredKeys} keys found expired, ${st.scriptCalls} script runs, ${st.transactions} EXECs run and ` +
        `${st.transactionsAborted} aborted, ${waitsForMargin} waits to keep expiries clear, ${retries} sequences rerun after a slow round trip, ` +
        `${scans} full SCAN iterations, ${skippedRandom} random-choice commands skipped (their answer was not determined)\n` +
        `  by command: ${[...byCommand].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}`,
    );
  }, Math.max(180_000, RUNS * 1_000));
});
