import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RedisEngine } from '../../src/redis/engine/engine.ts';
import { bulk, err, int, nil } from './helpers.ts';

/** Replays a propagation stream on a fresh engine, as a replica link (or AOF load) would. */
function replay(stream: readonly string[][], now: number, replica = false): RedisEngine {
  const target = new RedisEngine({ replica });
  const link = target.newSession({ applyingStream: true });
  for (const command of stream) {
    const reply = target.execute(link, command, now);
    if (reply.kind === 'error') throw new Error(`replaying ${JSON.stringify(command)} failed: ${reply.message}`);
  }
  return target;
}

const KEYS = ['k1', 'k2', 'k3'];
const CAD = "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end";
const EXTEND = "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('pexpire',KEYS[1],ARGV[2]) else return 0 end";

const commandArb = fc.oneof(
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('a', 'b'), fc.constantFrom('NX', 'XX', ''), fc.constantFrom('100', '300', '')).map(
    ([k, v, cond, px]) => ['SET', k, v, ...(cond ? [cond] : []), ...(px ? ['PX', px] : [])],
  ),
  fc.constantFrom(...KEYS).map((k) => ['GET', k]),
  fc.constantFrom(...KEYS).map((k) => ['DEL', k]),
  fc.constantFrom(...KEYS).map((k) => ['INCR', k]),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('50', '200', '-1')).map(([k, ms]) => ['PEXPIRE', k, ms]),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('1', '5')).map(([k, s]) => ['EXPIRE', k, s, 'GT']),
  fc.constantFrom(...KEYS).map((k) => ['PERSIST', k]),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('f', 'g')).map(([k, f]) => ['HINCRBY', k, f, '2']),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('1', '2.5'), fc.constantFrom('m', 'n')).map(([k, s, m]) => ['ZADD', k, s, m]),
  fc.constantFrom(...KEYS).map((k) => ['ZREMRANGEBYSCORE', k, '-inf', '2']),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('a', 'b')).map(([k, v]) => ['EVAL', CAD, '1', k, v]),
  fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom('a', 'b')).map(([k, v]) => ['EVAL', EXTEND, '1', k, v, '250']),
  fc.constant(['MULTI']),
  fc.constant(['EXEC']),
  fc.constantFrom(...KEYS).map((k) => ['GETDEL', k]),
);

describe('propagation', () => {
  it('rewrites relative expiries to absolute ones', () => {
    const stream: string[][] = [];
    const e = new RedisEngine({ onPropagate: (c) => stream.push(c) });
    const s = e.newSession();
    e.execute(s, ['SET', 'a', 'v', 'EX', '10'], 1000);
    e.execute(s, ['SET', 'b', 'v', 'GET'], 1000);
    e.execute(s, ['EXPIRE', 'b', '5'], 1000);
    e.execute(s, ['PEXPIREAT', 'b', '7000', 'GT'], 1000);
    e.execute(s, ['SETEX', 'c', '1', 'v'], 1000);
    e.execute(s, ['GETDEL', 'c'], 1000);
    e.execute(s, ['SET', 'a', 'v', 'NX'], 1000); // no effect: not propagated
    expect(stream).toEqual([
      ['SET', 'a', 'v', 'PXAT', '11000'],
      ['SET', 'b', 'v'],
      ['PEXPIREAT', 'b', '6000'],
      ['PEXPIREAT', 'b', '7000', 'GT'],
      ['SET', 'c', 'v', 'PXAT', '2000'],
      ['DEL', 'c'],
    ]);
  });

  it('wraps a transaction’s writes in MULTI/EXEC', () => {
    const stream: string[][] = [];
    const e = new RedisEngine({ onPropagate: (c) => stream.push(c) });
    const s = e.newSession();
    for (const c of [['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['INCR', 'a'], ['EXEC']]) e.execute(s, c, 0);
    for (const c of [['MULTI'], ['SET', 'b', '1'], ['GET', 'a'], ['EXEC']]) e.execute(s, c, 0);
    expect(stream).toEqual([['MULTI'], ['SET', 'a', '1'], ['INCR', 'a'], ['EXEC'], ['SET', 'b', '1']]);
  });

  it('replaying the stream rebuilds the same keyspace (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(commandArb, fc.integer({ min: 0, max: 120 })), { maxLength: 60 }), (steps) => {
        const stream: string[][] = [];
        const primary = new RedisEngine({ onPropagate: (c) => stream.push(c) });
        const s = primary.newSession();
        let now = 10_000;
        for (const [command, wait] of steps) {
          now += wait;
          primary.execute(s, command, now);
        }
        if (s.inMulti) primary.execute(s, ['DISCARD'], now);
        expect(replay(stream, now).dump()).toEqual(primary.dump());
        // A replica applying it holds the same data, whatever its own clock says.
        expect(replay(stream, now + 1_000_000, true).dump()).toEqual(primary.dump());
      }),
      { numRuns: 300, seed: 20261201 },
    );
  });
});

describe('clone', () => {
  it('is a deep, independent copy of the keyspace only', () => {
    const e = new RedisEngine();
    const s = e.newSession();
    e.execute(s, ['SET', 'a', '1', 'PX', '100'], 1000);
    e.execute(s, ['HSET', 'h', 'f', 'v'], 1000);
    e.execute(s, ['ZADD', 'z', '1', 'm'], 1000);
    e.execute(s, ['SCRIPT', 'LOAD', 'return 1'], 1000);
    const copy = e.clone();
    const c = copy.newSession();
    expect(copy.dump()).toEqual(e.dump());
    copy.execute(c, ['HSET', 'h', 'f', 'changed'], 1000);
    copy.execute(c, ['ZADD', 'z', '5', 'm', '2', 'n'], 1000);
    copy.execute(c, ['SET', 'a', '2'], 1000);
    expect(e.execute(s, ['HGET', 'h', 'f'], 1000)).toEqual(bulk('v'));
    expect(e.execute(s, ['ZSCORE', 'z', 'm'], 1000)).toEqual(bulk('1'));
    expect(e.execute(s, ['ZCARD', 'z'], 1000)).toEqual(int(1));
    expect(e.execute(s, ['PTTL', 'a'], 1000)).toEqual(int(100));
    expect(copy.execute(c, ['PTTL', 'a'], 1000)).toEqual(int(-1));
    expect(copy.execute(c, ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'], 1000)).toEqual(
      err('NOSCRIPT No matching script. Please use EVAL.'),
    );
    // The expiry time travels with the copy.
    const later = e.clone();
    expect(later.execute(later.newSession(), ['GET', 'a'], 1101)).toEqual(nil);
  });
});
