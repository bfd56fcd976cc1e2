import { describe, expect, it } from 'vitest';
import { arr, bulk, bulks, err, harness, int, nil, ok, st, T0 } from './helpers.ts';

describe('generic command handling', () => {
  it('rejects wrong arity with the canonical lower-case name', () => {
    const h = harness();
    expect(h.run('GET')).toEqual(err("ERR wrong number of arguments for 'get' command"));
    expect(h.run('set', 'a')).toEqual(err("ERR wrong number of arguments for 'set' command"));
    expect(h.run('PING', 'a', 'b')).toEqual(err("ERR wrong number of arguments for 'ping' command"));
  });

  it('names unknown commands as Redis does, and unsupported real ones clearly', () => {
    const h = harness();
    expect(h.run('fooo', '1', '2', '3')).toEqual(err("ERR unknown command 'fooo', with args beginning with: '1' '2' '3' "));
    expect(h.run('fooo')).toEqual(err("ERR unknown command 'fooo', with args beginning with: "));
    expect(h.run('blpop', 'x', '0')).toEqual(err("ERR locksim does not simulate the 'BLPOP' command"));
    expect(h.run('Lpush', 'x', 'y')).toEqual(err("ERR locksim does not simulate the 'LPUSH' command"));
    expect(h.run()).toEqual(err("ERR unknown command '', with args beginning with: "));
  });

  it('accepts any case and answers PING, ECHO and TIME', () => {
    const h = harness();
    expect(h.run('pInG')).toEqual(st('PONG'));
    expect(h.run('ping', 'hi')).toEqual(bulk('hi'));
    expect(h.run('echo', 'x')).toEqual(bulk('x'));
    expect(h.engine.execute(h.session, ['TIME'], 1_700_000_000_123.456)).toEqual(bulks('1700000000', '123456'));
    expect(h.at(5, 'time')).toEqual(bulks('0', '5000'));
  });
});

describe('SET and GET', () => {
  it('sets, gets and overwrites', () => {
    const h = harness();
    expect(h.run('GET', 'k')).toEqual(nil);
    expect(h.run('SET', 'k', 'v')).toEqual(ok);
    expect(h.run('GET', 'k')).toEqual(bulk('v'));
    expect(h.run('SET', 'k', 'w')).toEqual(ok);
    expect(h.run('GET', 'k')).toEqual(bulk('w'));
  });

  it('NX / XX', () => {
    const h = harness();
    expect(h.run('SET', 'k', 'v', 'XX')).toEqual(nil);
    expect(h.run('SET', 'k', 'v', 'NX')).toEqual(ok);
    expect(h.run('SET', 'k', 'w', 'nx')).toEqual(nil);
    expect(h.run('SET', 'k', 'w', 'xx')).toEqual(ok);
    expect(h.run('SET', 'k', 'x', 'NX', 'nx')).toEqual(nil);
    expect(h.run('SET', 'k', 'x', 'NX', 'XX')).toEqual(err('ERR syntax error'));
  });

  it('GET option, alone and with NX (Redis 7.0 allows both)', () => {
    const h = harness();
    expect(h.run('SET', 'a', 'b', 'GET', 'NX')).toEqual(nil);
    expect(h.run('GET', 'a')).toEqual(bulk('b'));
    expect(h.run('SET', 'a', 'c', 'NX', 'GET')).toEqual(bulk('b'));
    expect(h.run('SET', 'a', 'c', 'XX', 'GET')).toEqual(bulk('b'));
    expect(h.run('SET', 'a', 'd', 'get', 'get')).toEqual(bulk('c'));
    h.run('HSET', 'h', 'f', 'v');
    expect(h.run('SET', 'h', 'x', 'GET')).toEqual(err('WRONGTYPE Operation against a key holding the wrong kind of value'));
  });

  it('expiry options and their conflicts', () => {
    const h = harness();
    expect(h.run('SET', 'a', 'b', 'PX', '100', 'PXAT', '200')).toEqual(err('ERR syntax error'));
    expect(h.run('SET', 'a', 'b', 'EX', '10', 'EX', '20')).toEqual(ok);
    expect(h.run('SET', 'a', 'b', 'KEEPTTL', 'PX', '10')).toEqual(err('ERR syntax error'));
    expect(h.run('SET', 'a', 'b', 'PX')).toEqual(err('ERR syntax error'));
    expect(h.run('SET', 'a', 'b', 'PX', '0')).toEqual(err("ERR invalid expire time in 'set' command"));
    expect(h.run('SET', 'a', 'b', 'PX', '-1')).toEqual(err("ERR invalid expire time in 'set' command"));
    expect(h.run('SET', 'a', 'b', 'PXAT', '0')).toEqual(err("ERR invalid expire time in 'set' command"));
    expect(h.run('SET', 'a', 'b', 'PX', 'abc')).toEqual(err('ERR value is not an integer or out of range'));
    expect(h.run('SET', 'a', 'b', 'PX', '1.5')).toEqual(err('ERR value is not an integer or out of range'));
    expect(h.run('SET', 'a', 'b', 'PX', '9223372036854775807')).toEqual(err("ERR invalid expire time in 'set' command"));
    expect(h.run('SET', 'a', 'b', 'EX', '9223372036854775')).toEqual(err("ERR invalid expire time in 'set' command"));
    expect(h.run('SET', 'a', 'b', 'PX', '9223372036854775')).toEqual(ok);
    expect(h.run('SETEX', 'a', '0', 'v')).toEqual(err("ERR invalid expire time in 'setex' command"));
    expect(h.run('PSETEX', 'a', '100', 'v')).toEqual(ok);
    expect(h.run('PTTL', 'a')).toEqual(int(100));
    expect(h.run('SETNX', 'a', 'v')).toEqual(int(0));
    expect(h.run('SETNX', 'b', 'v')).toEqual(int(1));
  });

  it('KEEPTTL keeps the expiry, a plain SET drops it', () => {
    const h = harness();
    h.run('SET', 'k', 'v', 'PX', '1000');
    h.run('SET', 'k', 'w', 'KEEPTTL');
    expect(h.run('PTTL', 'k')).toEqual(int(1000));
    h.run('SET', 'k', 'x');
    expect(h.run('PTTL', 'k')).toEqual(int(-1));
  });

  it('GETDEL, MGET, STRLEN, APPEND', () => {
    const h = harness();
    h.run('SET', 'a', '1');
    h.run('HSET', 'h', 'f', 'v');
    expect(h.run('MGET', 'a', 'h', 'none')).toEqual(arr(bulk('1'), nil, nil));
    expect(h.run('GETDEL', 'a')).toEqual(bulk('1'));
    expect(h.run('GETDEL', 'a')).toEqual(nil);
    expect(h.run('GETDEL', 'h')).toEqual(err('WRONGTYPE Operation against a key holding the wrong kind of value'));
    expect(h.run('APPEND', 's', 'hé')).toEqual(int(3));
    expect(h.run('STRLEN', 's')).toEqual(int(3));
  });
});

describe('INCR family', () => {
  it('counts, keeps the TTL, and rejects what string2ll rejects', () => {
    const h = harness();
    expect(h.run('INCR', 'n')).toEqual(int(1));
    expect(h.run('INCRBY', 'n', '-3')).toEqual(int(-2));
    expect(h.run('DECRBY', 'n', '-3')).toEqual(int(1));
    expect(h.run('DECR', 'n')).toEqual(int(0));
    h.run('PEXPIRE', 'n', '500');
    h.run('INCR', 'n');
    expect(h.run('PTTL', 'n')).toEqual(int(500));
    for (const bad of [' 5', '05', '-0', '+5', '1.5', 'abc', '']) {
      h.run('SET', 'x', bad);
      expect(h.run('INCR', 'x')).toEqual(err('ERR value is not an integer or out of range'));
    }
    expect(h.run('INCRBY', 'n', 'x')).toEqual(err('ERR value is not an integer or out of range'));
  });

  it('is exact and overflow-checked across the whole int64 range', () => {
    const h = harness();
    h.run('SET', 'i', '9007199254740993');
    expect(h.run('INCR', 'i')).toEqual(int(9007199254740994));
    expect(h.run('GET', 'i')).toEqual(bulk('9007199254740994'));
    h.run('SET', 'i', '9223372036854775806');
    h.run('INCR', 'i');
    expect(h.run('GET', 'i')).toEqual(bulk('9223372036854775807'));
    expect(h.run('INCR', 'i')).toEqual(err('ERR increment or decrement would overflow'));
    h.run('SET', 'i', '-9223372036854775808');
    expect(h.run('DECR', 'i')).toEqual(err('ERR increment or decrement would overflow'));
    expect(h.run('DECRBY', 'i', '-9223372036854775808')).toEqual(err('ERR decrement would overflow'));
    h.run('SET', 'i', '12345678901234567890');
    expect(h.run('INCR', 'i')).toEqual(err('ERR value is not an integer or out of range'));
  });

  it('WRONGTYPE on other types', () => {
    const h = harness();
    h.run('ZADD', 'z', '1', 'a');
    expect(h.run('INCR', 'z')).toEqual(err('WRONGTYPE Operation against a key holding the wrong kind of value'));
    expect(h.run('GET', 'z')).toEqual(err('WRONGTYPE Operation against a key holding the wrong kind of value'));
  });
});

describe('keys', () => {
  it('DEL and EXISTS count each argument; TYPE names the type', () => {
    const h = harness();
    h.run('SET', 'a', '1');
    h.run('HSET', 'h', 'f', 'v');
    h.run('ZADD', 'z', '1', 'm');
    expect(h.run('EXISTS', 'a', 'a', 'none')).toEqual(int(2));
    expect(h.run('TYPE', 'a')).toEqual(st('string'));
    expect(h.run('TYPE', 'h')).toEqual(st('hash'));
    expect(h.run('TYPE', 'z')).toEqual(st('zset'));
    expect(h.run('TYPE', 'none')).toEqual(st('none'));
    expect(h.run('DEL', 'a', 'a', 'none')).toEqual(int(1));
    expect(h.run('DBSIZE')).toEqual(int(2));
    expect(h.run('DEL')).toEqual(err("ERR wrong number of arguments for 'del' command"));
  });

  it('KEYS globs like Redis (^ negates, ! does not)', () => {
    const h = harness();
    for (const k of ['h2', 'z2', 'z', 'big', 'h\\x']) h.run('SET', k, 'v');
    const keys = (pattern: string) => {
      const r = h.run('KEYS', pattern);
      return r.kind === 'array' && r.value !== null ? r.value.map((x) => (x.kind === 'bulk' ? x.value : '?')).sort() : r;
    };
    expect(keys('*')).toEqual(['big', 'h2', 'h\\x', 'z', 'z2']);
    expect(keys('?2')).toEqual(['h2', 'z2']);
    expect(keys('[hz]*')).toEqual(['h2', 'h\\x', 'z', 'z2']);
    expect(keys('[^h]*')).toEqual(['big', 'z', 'z2']);
    expect(keys('[!h]*')).toEqual(['h2', 'h\\x']);
    expect(keys('h\\2')).toEqual(['h2']);
    expect(keys('h\\\\x')).toEqual(['h\\x']);
    expect(keys('*[a-c]*')).toEqual(['big']);
  });

  it('FLUSHALL takes ASYNC/SYNC only', () => {
    const h = harness();
    h.run('SET', 'a', '1');
    expect(h.run('FLUSHALL', 'x')).toEqual(err('ERR syntax error'));
    expect(h.run('FLUSHALL', 'ASYNC')).toEqual(ok);
    expect(h.run('DBSIZE')).toEqual(int(0));
    expect(h.at(T0, 'FLUSHALL')).toEqual(ok);
  });
});
