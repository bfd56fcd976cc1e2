import { describe, expect, it } from 'vitest';
import { arr, bulk, bulks, err, harness, int, nil, ok } from './helpers.ts';

const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');

describe('hashes', () => {
  it('HSET / HGET / HEXISTS / HDEL / HLEN / HGETALL', () => {
    const h = harness();
    expect(h.run('HSET', 'h', 'f', 'v', 'g', 'w')).toEqual(int(2));
    expect(h.run('HSET', 'h', 'f', 'v2')).toEqual(int(0));
    expect(h.run('HMSET', 'h', 'x', '1')).toEqual(ok);
    expect(h.run('HGET', 'h', 'f')).toEqual(bulk('v2'));
    expect(h.run('HGET', 'h', 'nope')).toEqual(nil);
    expect(h.run('HGET', 'none', 'f')).toEqual(nil);
    expect(h.run('HEXISTS', 'h', 'g')).toEqual(int(1));
    expect(h.run('HLEN', 'h')).toEqual(int(3));
    expect(h.run('HGETALL', 'h')).toEqual(bulks('f', 'v2', 'g', 'w', 'x', '1'));
    expect(h.run('HDEL', 'h', 'f', 'nope')).toEqual(int(1));
    expect(h.run('HDEL', 'h', 'g', 'x')).toEqual(int(2));
    expect(h.run('EXISTS', 'h')).toEqual(int(0));
  });

  it('HINCRBY and the errors', () => {
    const h = harness();
    expect(h.run('HINCRBY', 'h', 'n', '5')).toEqual(int(5));
    expect(h.run('HINCRBY', 'h', 'n', 'x')).toEqual(err('ERR value is not an integer or out of range'));
    h.run('HSET', 'h', 'g', 'abc');
    expect(h.run('HINCRBY', 'h', 'g', '1')).toEqual(err('ERR hash value is not an integer'));
    expect(h.run('HINCRBY', 'h', 'n', '9223372036854775807')).toEqual(err('ERR increment or decrement would overflow'));
    expect(h.run('HSET', 'h', 'f')).toEqual(err("ERR wrong number of arguments for 'hset' command"));
    expect(h.run('HSET', 'h', 'f', 'v', 'g')).toEqual(err("ERR wrong number of arguments for 'hset' command"));
    h.run('SET', 's', 'v');
    for (const cmd of [['HSET', 's', 'f', 'v'], ['HGET', 's', 'f'], ['HDEL', 's', 'f'], ['HEXISTS', 's', 'f'], ['HINCRBY', 's', 'f', '1']]) {
      expect(h.run(...cmd)).toEqual(WRONGTYPE);
    }
  });
});

describe('sorted sets', () => {
  it('formats scores as Redis 7.0 does (%.17g, inf)', () => {
    const h = harness();
    h.run('ZADD', 'z', '1', 'a', '1.5', 'b', '0.1', 'c', '-inf', 'd', '+inf', 'e', '1e20', 'f', '123456789.123', 'g', '-0', 'h', '3.0', 'i', '1e-5', 'j');
    expect(h.run('ZRANGE', 'z', '0', '-1', 'WITHSCORES')).toEqual(
      bulks('d', '-inf', 'h', '0', 'j', '1.0000000000000001e-05', 'c', '0.10000000000000001', 'a', '1', 'b', '1.5', 'i', '3', 'g', '123456789.123', 'f', '1e+20', 'e', 'inf'),
    );
    expect(h.run('ZSCORE', 'z', 'c')).toEqual(bulk('0.10000000000000001'));
    expect(h.run('ZSCORE', 'z', 'nope')).toEqual(nil);
    expect(h.run('ZCARD', 'z')).toEqual(int(10));
  });

  it('parses scores like strtod', () => {
    const h = harness();
    expect(h.run('ZADD', 'z', '0x10', 'hx', '.5', 'dot', '5.', 'dot2', 'infinity', 'inf', '-Inf', 'ninf')).toEqual(int(5));
    expect(h.run('ZSCORE', 'z', 'hx')).toEqual(bulk('16'));
    for (const bad of ['nan', 'abc', ' 1', '1 ', '1e400', '1e-400', '']) {
      expect(h.run('ZADD', 'z', bad, 'x')).toEqual(err('ERR value is not a valid float'));
    }
  });

  it('ZADD flags', () => {
    const h = harness();
    h.run('ZADD', 'z', '1', 'a');
    expect(h.run('ZADD', 'z', 'NX', 'XX', '1', 'a')).toEqual(err('ERR XX and NX options at the same time are not compatible'));
    expect(h.run('ZADD', 'z', 'GT', 'LT', '1', 'a')).toEqual(err('ERR GT, LT, and/or NX options at the same time are not compatible'));
    expect(h.run('ZADD', 'z', 'INCR', '1', 'a', '2', 'b')).toEqual(err('ERR INCR option supports a single increment-element pair'));
    expect(h.run('ZADD', 'z', '1', 'a', '2')).toEqual(err('ERR syntax error'));
    expect(h.run('ZADD', 'z', 'INCR', '5', 'a')).toEqual(bulk('6'));
    expect(h.run('ZADD', 'z', 'INCR', 'NX', '5', 'a')).toEqual(nil);
    expect(h.run('ZADD', 'z', 'INCR', 'XX', '5', 'nope')).toEqual(nil);
    expect(h.run('ZADD', 'z', 'CH', '5', 'a', '7', 'zz')).toEqual(int(2));
    expect(h.run('ZADD', 'z', 'GT', 'CH', '1', 'a')).toEqual(int(0));
    expect(h.run('ZADD', 'z', 'LT', 'CH', '1', 'a')).toEqual(int(1));
    expect(h.run('ZADD', 'z', 'XX', '1', 'new')).toEqual(int(0));
    expect(h.run('ZADD', 'none', 'XX', '1', 'new')).toEqual(int(0));
    expect(h.run('EXISTS', 'none')).toEqual(int(0));
    expect(h.run('ZADD', 'z', 'INCR', '+inf', 'e')).toEqual(bulk('inf'));
    expect(h.run('ZADD', 'z', 'INCR', '-inf', 'e')).toEqual(err('ERR resulting score is not a number (NaN)'));
    expect(h.run('ZINCRBY', 'z', '2', 'a')).toEqual(bulk('3'));
  });

  it('ZRANGE by rank, score and lex, with REV, LIMIT, WITHSCORES', () => {
    const h = harness();
    h.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    expect(h.run('ZRANGE', 'z', '-2', '-1')).toEqual(bulks('d', 'e'));
    expect(h.run('ZRANGE', 'z', '5', '1')).toEqual(arr());
    expect(h.run('ZRANGE', 'z', '0', '100', 'REV')).toEqual(bulks('e', 'd', 'c', 'b', 'a'));
    expect(h.run('ZREVRANGE', 'z', '0', '1', 'WITHSCORES')).toEqual(bulks('e', '5', 'd', '4'));
    expect(h.run('ZRANGE', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', '1', '2')).toEqual(bulks('c', 'd'));
    expect(h.run('ZRANGE', 'z', '+inf', '(1', 'BYSCORE', 'REV', 'WITHSCORES', 'LIMIT', '0', '2')).toEqual(bulks('e', '5', 'd', '4'));
    expect(h.run('ZRANGE', 'z', '0', '-1', 'LIMIT', '0', '1')).toEqual(
      err('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX'),
    );
    expect(h.run('ZRANGE', 'z', '0', '-1', 'BYSCORE', 'BYLEX')).toEqual(err('ERR syntax error'));
    expect(h.run('ZRANGE', 'z', '[b', '(d', 'BYLEX')).toEqual(bulks('b', 'c'));
    expect(h.run('ZRANGE', 'z', '+', '-', 'BYLEX', 'REV', 'LIMIT', '1', '2')).toEqual(bulks('d', 'c'));
    expect(h.run('ZRANGE', 'z', 'x', '1')).toEqual(err('ERR value is not an integer or out of range'));
    expect(h.run('ZRANGE', 'none', '0', '-1')).toEqual(arr());
  });

  it('ZRANGEBYSCORE bounds, LIMIT and errors; ZREMRANGEBYSCORE; ZREM', () => {
    const h = harness();
    h.run('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    expect(h.run('ZRANGEBYSCORE', 'z', '-inf', '+inf')).toEqual(bulks('a', 'b', 'c', 'd', 'e'));
    expect(h.run('ZRANGEBYSCORE', 'z', '(1', '3', 'WITHSCORES')).toEqual(bulks('b', '2', 'c', '3'));
    expect(h.run('ZRANGEBYSCORE', 'z', '(1', '(5', 'LIMIT', '1', '2')).toEqual(bulks('c', 'd'));
    expect(h.run('ZRANGEBYSCORE', 'z', '0', '10', 'LIMIT', '-1', '2')).toEqual(arr());
    expect(h.run('ZRANGEBYSCORE', 'z', '0', '10', 'LIMIT', '3', '-1')).toEqual(bulks('d', 'e'));
    expect(h.run('ZRANGEBYSCORE', 'z', '0', '10', 'LIMIT', '1')).toEqual(err('ERR syntax error'));
    expect(h.run('ZRANGEBYSCORE', 'z', 'abc', '10')).toEqual(err('ERR min or max is not a float'));
    expect(h.run('ZRANGEBYSCORE', 'z', '((1', '10')).toEqual(err('ERR min or max is not a float'));
    expect(h.run('ZRANGEBYSCORE', 'z', '(', '1')).toEqual(bulks('a'));
    expect(h.run('ZREVRANGEBYSCORE', 'z', '4', '2')).toEqual(bulks('d', 'c', 'b'));
    expect(h.run('ZRANK', 'z', 'c')).toEqual(int(2));
    expect(h.run('ZREVRANK', 'z', 'c')).toEqual(int(2));
    expect(h.run('ZREMRANGEBYSCORE', 'z', '(1', '3')).toEqual(int(2));
    expect(h.run('ZREMRANGEBYSCORE', 'z', 'x', '1')).toEqual(err('ERR min or max is not a float'));
    expect(h.run('ZREM', 'z', 'a', 'nope')).toEqual(int(1));
    expect(h.run('ZREM', 'z', 'd', 'e')).toEqual(int(2));
    expect(h.run('EXISTS', 'z')).toEqual(int(0));
  });

  it('orders equal scores by member and WRONGTYPE elsewhere', () => {
    const h = harness();
    h.run('ZADD', 'z', '1', 'same', '1', 'same2', '1', 'same0');
    expect(h.run('ZRANGE', 'z', '0', '-1')).toEqual(bulks('same', 'same0', 'same2'));
    h.run('SET', 's', 'v');
    for (const cmd of [['ZADD', 's', '1', 'a'], ['ZRANGE', 's', '0', '-1'], ['ZCARD', 's'], ['ZSCORE', 's', 'a'], ['ZREM', 's', 'a']]) {
      expect(h.run(...cmd)).toEqual(WRONGTYPE);
    }
  });
});
