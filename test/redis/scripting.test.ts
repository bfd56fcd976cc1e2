import { describe, expect, it } from 'vitest';
import { RedisEngine } from '../../src/redis/engine/engine.ts';
import { sha1hex } from '../../src/redis/engine/lua.ts';
import { arr, bulk, bulks, err, harness, int, nil, ok, st, T0 } from './helpers.ts';

const CAD = "if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end";
const SHA_OF = (body: string) => sha1hex(body);
const eval0 = (body: string, ...rest: string[]) => ['EVAL', body, '0', ...rest];

describe('EVAL basics', () => {
  it('compare-and-delete', () => {
    const h = harness();
    h.run('SET', 'lock', 'me');
    expect(h.run('EVAL', CAD, '1', 'lock', 'you')).toEqual(int(0));
    expect(h.run('EVAL', CAD, '1', 'lock', 'me')).toEqual(int(1));
    expect(h.run('EXISTS', 'lock')).toEqual(int(0));
  });

  it('converts Lua values to replies', () => {
    const h = harness();
    expect(h.run(...eval0('return {1,2,3,nil,4}'))).toEqual(arr(int(1), int(2), int(3)));
    expect(h.run(...eval0("return {1,'a',{2,3},true,false}"))).toEqual(arr(int(1), bulk('a'), arr(int(2), int(3)), int(1), nil));
    expect(h.run(...eval0('return 3.99'))).toEqual(int(3));
    expect(h.run(...eval0('return -3.99'))).toEqual(int(-3));
    expect(h.run(...eval0('return -0.5'))).toEqual(int(0));
    expect(h.run(...eval0('return 1/0'))).toEqual(int(-9223372036854775808));
    expect(h.run(...eval0("return {ok='fine'}"))).toEqual(st('fine'));
    expect(h.run(...eval0("return {err='MYERR bad thing'}"))).toEqual(err('MYERR bad thing'));
    expect(h.run(...eval0("return {ok='a',err='b'}"))).toEqual(err('b'));
    expect(h.run(...eval0('return {err=123}'))).toEqual(arr());
    expect(h.run(...eval0("return redis.error_reply('x')"))).toEqual(err('ERR x'));
    expect(h.run(...eval0("return redis.error_reply('MY x')"))).toEqual(err('MY x'));
    expect(h.run(...eval0("return redis.error_reply('-MY x')"))).toEqual(err('MY x'));
    expect(h.run(...eval0("return redis.status_reply('yo')"))).toEqual(st('yo'));
    expect(h.run(...eval0('return true'))).toEqual(int(1));
    expect(h.run(...eval0('return false'))).toEqual(nil);
    expect(h.run(...eval0('return'))).toEqual(nil);
    expect(h.run(...eval0("return redis.sha1hex('')"))).toEqual(bulk('da39a3ee5e6b4b0d3255bfef95601890afd80709'));
  });

  it('converts replies to Lua values', () => {
    const h = harness();
    expect(h.run(...eval0("return type(redis.call('get','nokey'))"))).toEqual(bulk('boolean'));
    expect(h.run(...eval0("return redis.call('set','a','b').ok"))).toEqual(bulk('OK'));
    expect(h.run(...eval0("return redis.call('set','a','b','nx') == false"))).toEqual(int(1));
    expect(h.run(...eval0("return type(redis.call('incr','n'))"))).toEqual(bulk('number'));
    expect(h.run(...eval0("return redis.call('time')"))).toEqual(bulks(String(T0 / 1000), '0'));
    expect(h.run(...eval0('return KEYS[1] .. ARGV[1]').slice(0, 2), '1', 'kk', 'aa')).toEqual(bulk('kkaa'));
  });

  it('passes numbers to redis.call as %.17g', () => {
    const h = harness();
    h.run(...eval0("redis.call('set','z',0.1) redis.call('set','y',3.0) redis.call('set','x',1e20)"));
    expect(h.run('MGET', 'z', 'y', 'x')).toEqual(bulks('0.10000000000000001', '3', '1e+20'));
  });

  it('behaves like Lua 5.1 for numbers', () => {
    const h = harness();
    expect(h.run(...eval0('return tostring(10/2)'))).toEqual(bulk('5'));
    expect(h.run(...eval0('return tostring(2^53)'))).toEqual(bulk('9.007199254741e+15'));
    expect(h.run(...eval0('return tostring(1/3)'))).toEqual(bulk('0.33333333333333'));
    expect(h.run(...eval0('return tostring(123456789012345)'))).toEqual(bulk('1.2345678901234e+14'));
    expect(h.run(...eval0('return tostring(2147483647 + 1)'))).toEqual(bulk('2147483648'));
    expect(h.run(...eval0("local t = redis.call('time') return t[1] * 1000"))).toEqual(int(T0));
    expect(h.run(...eval0("return string.format('%d', 2^40)"))).toEqual(bulk('1099511627776'));
    expect(h.run(...eval0("return string.format('%d', 3.5)"))).toEqual(bulk('3'));
    expect(h.run(...eval0('return {unpack(ARGV)}', 'a', 'b'))).toEqual(bulks('a', 'b'));
    expect(h.run(...eval0('return _VERSION'))).toEqual(bulk('Lua 5.1'));
  });

  it('numkeys validation', () => {
    const h = harness();
    expect(h.run('EVAL', 'return 1')).toEqual(err("ERR wrong number of arguments for 'eval' command"));
    expect(h.run('EVAL', 'return 1', 'x')).toEqual(err('ERR value is not an integer or out of range'));
    expect(h.run('EVAL', 'return 1', '-1')).toEqual(err("ERR Number of keys can't be negative"));
    expect(h.run('EVAL', 'return 1', '2', 'a')).toEqual(err("ERR Number of keys can't be greater than number of args"));
  });
});

describe('script errors', () => {
  it('match Redis 7.0 prefixes and positions', () => {
    const h = harness();
    const body = "\nredis.call('set','k','v')\nreturn redis.call('incr','k')";
    expect(h.run(...eval0(body))).toEqual(err(`ERR value is not an integer or out of range script: ${SHA_OF(body)}, on @user_script:3.`));
    expect(h.run(...eval0("error('boom')"))).toEqual(err(`ERR user_script:1: boom script: ${SHA_OF("error('boom')")}, on @user_script:1.`));
    expect(h.run(...eval0('error(5)'))).toEqual(err(`ERR user_script:1: 5 script: ${SHA_OF('error(5)')}, on @user_script:1.`));
    expect(h.run(...eval0("error({err='CUSTOM boom'})"))).toEqual(
      err(`CUSTOM boom script: ${SHA_OF("error({err='CUSTOM boom'})")}, on @user_script:1.`),
    );
    expect(h.run(...eval0('return y'))).toEqual(
      err(`ERR user_script:1: Script attempted to access nonexistent global variable 'y' script: ${SHA_OF('return y')}, on @user_script:1.`),
    );
    expect(h.run(...eval0('x = 1'))).toEqual(err(`ERR user_script:1: Attempt to modify a readonly table script: ${SHA_OF('x = 1')}, on @user_script:1.`));
    expect(h.run(...eval0('string.foo = 1'))).toEqual(
      err(`ERR user_script:1: Attempt to modify a readonly table script: ${SHA_OF('string.foo = 1')}, on @user_script:1.`),
    );
    expect(h.run(...eval0('local a = nil; return a.b'))).toEqual(
      err(`ERR user_script:1: attempt to index local 'a' (a nil value) script: ${SHA_OF('local a = nil; return a.b')}, on @user_script:1.`),
    );
    expect(h.run(...eval0("return 'unterminated"))).toEqual(
      err("ERR Error compiling script (new function): user_script:1: unfinished string near '<eof>'"),
    );
  });

  it('redis.call raises, redis.pcall returns the error table', () => {
    const h = harness();
    h.run('HSET', 'h', 'f', 'v');
    const call = "return redis.call('get','h')";
    expect(h.run(...eval0(call))).toEqual(
      err(`WRONGTYPE Operation against a key holding the wrong kind of value script: ${SHA_OF(call)}, on @user_script:1.`),
    );
    expect(h.run(...eval0("return redis.pcall('get','h')"))).toEqual(err('WRONGTYPE Operation against a key holding the wrong kind of value'));
    expect(h.run(...eval0("local r = redis.pcall('get','h'); return type(r)"))).toEqual(bulk('table'));
    expect(h.run(...eval0("return redis.pcall('nosuch')"))).toEqual(err('ERR Unknown Redis command called from script'));
    expect(h.run(...eval0("return redis.pcall('get')"))).toEqual(err('ERR Wrong number of args calling Redis command from script'));
    expect(h.run(...eval0("return redis.pcall('multi')"))).toEqual(err('ERR This Redis command is not allowed from script'));
    expect(h.run(...eval0("return redis.pcall('blpop','x','0')"))).toEqual(err('ERR This Redis command is not allowed from script'));
    expect(h.run(...eval0("return redis.pcall('lpush','x','0')"))).toEqual(err("ERR locksim does not simulate the 'LPUSH' command"));
    expect(h.run(...eval0("return redis.pcall('get',{})"))).toEqual(err('ERR Lua redis lib command arguments must be strings or integers'));
    expect(h.run(...eval0('return redis.pcall()'))).toEqual(err('ERR Please specify at least one argument for this redis lib call'));
  });

  it('keeps the writes made before an error (no rollback)', () => {
    const h = harness();
    h.run(...eval0("redis.call('set','m','2'); redis.call('nosuch')"));
    expect(h.run('GET', 'm')).toEqual(bulk('2'));
  });
});

describe('script cache', () => {
  it('EVALSHA, SCRIPT LOAD / EXISTS / FLUSH, NOSCRIPT after a flush', () => {
    const h = harness();
    const sha = SHA_OF(CAD);
    expect(h.run('EVALSHA', sha, '1', 'k', 'v')).toEqual(err('NOSCRIPT No matching script. Please use EVAL.'));
    expect(h.run('SCRIPT', 'LOAD', CAD)).toEqual(bulk(sha));
    expect(h.run('SCRIPT', 'EXISTS', sha, sha.toUpperCase(), 'abc')).toEqual(arr(int(1), int(1), int(0)));
    expect(h.run('EVALSHA', sha.toUpperCase(), '1', 'k', 'v')).toEqual(int(0));
    expect(h.run('SCRIPT', 'FLUSH')).toEqual(ok);
    expect(h.run('EVALSHA', sha, '1', 'k', 'v')).toEqual(err('NOSCRIPT No matching script. Please use EVAL.'));
    // EVAL caches too.
    h.run('EVAL', CAD, '1', 'k', 'v');
    expect(h.run('EVALSHA', sha, '1', 'k', 'v')).toEqual(int(0));
    // flushScripts() is a restart.
    h.engine.flushScripts();
    expect(h.run('EVALSHA', sha, '1', 'k', 'v')).toEqual(err('NOSCRIPT No matching script. Please use EVAL.'));
    expect(h.engine.stats.scriptsCompiled).toBe(2);
  });

  it('SCRIPT subcommand errors', () => {
    const h = harness();
    expect(h.run('SCRIPT')).toEqual(err("ERR wrong number of arguments for 'script' command"));
    expect(h.run('ScRiPt', 'foo')).toEqual(err("ERR unknown subcommand 'foo'. Try SCRIPT HELP."));
    expect(h.run('SCRIPT', 'LOAD')).toEqual(err("ERR wrong number of arguments for 'script|load' command"));
    expect(h.run('SCRIPT', 'FLUSH', 'x')).toEqual(err('ERR SCRIPT FLUSH only support SYNC|ASYNC option'));
    expect(h.run('SCRIPT', 'KILL')).toEqual(err("ERR locksim does not simulate the 'SCRIPT KILL' command"));
    expect(h.run('SCRIPT', 'LOAD', 'return 1 +')).toEqual(
      err("ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"),
    );
  });
});

describe('time and randomness in scripts', () => {
  it('freezes time at the start of the script', () => {
    const h = harness();
    h.at(1000, 'SET', 'k', 'v', 'PXAT', '1000');
    const body = "local a = redis.call('pttl', KEYS[1]) local b = redis.call('get', KEYS[1]) return {a, b, redis.call('pttl', KEYS[1])}";
    expect(h.at(1000, 'EVAL', body, '1', 'k')).toEqual(arr(int(0), bulk('v'), int(0)));
    expect(h.at(1001, 'EVAL', body, '1', 'k')).toEqual(arr(int(-2), nil, int(-2)));
  });

  it('math.random follows Redis’s rand48 sequence, across scripts and SCRIPT FLUSH', () => {
    const h = harness();
    const body = 'return {tostring(math.random()), tostring(math.random()), tostring(math.random())}';
    expect(h.run(...eval0(body))).toEqual(bulks('0.39646477363839', '0.84048536971234', '0.35333609737146'));
    h.run('SCRIPT', 'FLUSH');
    expect(h.run(...eval0('return {tostring(math.random()), tostring(math.random())}'))).toEqual(bulks('0.44658343468168', '0.31869277233197'));
    expect(h.run(...eval0('math.randomseed(0) return {tostring(math.random()), tostring(math.random())}'))).toEqual(
      bulks('0.17082803611217', '0.74990198051087'),
    );
    expect(h.run(...eval0('return math.random(0)'))).toEqual(
      err(`ERR user_script:1: bad argument #1 to 'random' (interval is empty) script: ${SHA_OF('return math.random(0)')}, on @user_script:1.`),
    );
  });
});

describe('script propagation', () => {
  it('propagates the writes a script made, wrapped in MULTI/EXEC when several', () => {
    const h = harness();
    h.at(1000, 'EVAL', "redis.call('set', KEYS[1], 'a', 'PX', 100) redis.call('incr', 'n')", '1', 'k');
    h.at(1000, 'EVAL', "return redis.call('get', 'n')", '0');
    h.at(1000, 'EVAL', "redis.call('del', 'n')", '0');
    expect(h.propagated).toEqual([['MULTI'], ['SET', 'k', 'a', 'PXAT', '1100'], ['incr', 'n'], ['EXEC'], ['del', 'n']]);
  });

  it('redis.set_repl(redis.REPL_NONE) stops propagation', () => {
    const h = harness();
    h.run(...eval0("redis.set_repl(redis.REPL_NONE) redis.call('set','a','1') redis.set_repl(redis.REPL_ALL) redis.call('set','b','2')"));
    expect(h.propagated).toEqual([['set', 'b', '2']]);
  });

  it('each engine has its own Lua state', () => {
    const a = new RedisEngine();
    const b = new RedisEngine();
    const sa = a.newSession();
    const sb = b.newSession();
    a.execute(sa, ['SCRIPT', 'LOAD', 'return 1'], 0);
    expect(b.execute(sb, ['EVALSHA', SHA_OF('return 1'), '0'], 0)).toEqual(err('NOSCRIPT No matching script. Please use EVAL.'));
  });
});
