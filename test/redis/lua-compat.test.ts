import { describe, expect, it } from 'vitest';
import { arr, bulk, err, harness, int, nil, ok } from './helpers.ts';

describe("the Lua that scripts see is Redis's Lua 5.1", () => {
  it("reads 5.3-only syntax as 5.1 does: a compile error with 5.1's message, or 5.1's meaning", () => {
    const h = harness();
    const compileError = (message: string) => err(`ERR Error compiling script (new function): user_script:1: ${message}`);
    // As redis-server 7.0.15 answers.
    expect(h.run('EVAL', 'return 5 // 2', '0')).toEqual(compileError("unexpected symbol near '/'"));
    expect(h.run('EVAL', 'return 1 & 3', '0')).toEqual(compileError("'<eof>' expected near '&'"));
    expect(h.run('EVAL', 'return ~1', '0')).toEqual(compileError("unexpected symbol near '~'"));
    expect(h.run('EVAL', '::top:: return 1', '0')).toEqual(compileError("unexpected symbol near ':'"));
    expect(h.run('EVAL', 'return 1 << 2', '0')).toEqual(compileError("unexpected symbol near '<'"));
    expect(h.run('EVAL', 'return 0x1p-4', '0')).toEqual(compileError("malformed number near '0x1p'"));
    expect(h.run('EVAL', '; return 1', '0')).toEqual(compileError("unexpected symbol near ';'"));
    expect(h.run('EVAL', 'if true then break end', '0')).toEqual(compileError("no loop to break near 'end'"));
    expect(h.run('EVAL', 'local goto = 5 return goto', '0')).toEqual({ kind: 'integer', value: 5 });
    expect(h.run('EVAL', 'return "\\x41\\z\\q"', '0')).toEqual(bulk('x41zq'));
    expect(h.run('EVAL', 'return 7 % 3', '0')).toEqual({ kind: 'integer', value: 1 });
  });

  it('offers the Lua 5.1 library names Redis has and hides the ones it removes', () => {
    const h = harness();
    const probe = (expr: string) => h.run('EVAL', `return type(${expr})`, '0');
    for (const present of ['unpack', 'loadstring', 'table.getn', 'math.pow', 'math.mod', 'string.gfind', 'gcinfo', 'coroutine']) {
      expect(probe(present)).toEqual(bulk(present === 'coroutine' ? 'table' : 'function'));
    }
    for (const absent of ['table.unpack', 'math.type', 'string.pack', 'rawget(_G, "utf8")', 'rawget(_G, "debug")', 'rawget(_G, "print")']) {
      expect(probe(absent)).toEqual(bulk('nil'));
    }
  });

  it('sorts like Lua 5.1 (deterministic, same order of equal elements as Redis)', () => {
    const h = harness();
    const body =
      'local t = {} for i=1,200 do t[i] = {k=i % 5, v=i} end table.sort(t, function(a,b) return a.k < b.k end) ' +
      'local o = {} for i=1,200,7 do o[#o+1] = t[i].v end return o';
    // As redis-server 7.0.15 answers.
    const expected = [200, 115, 55, 185, 160, 30, 146, 101, 81, 1, 191, 36, 122, 147, 12, 47, 67, 32, 103, 198, 73, 93, 18, 199, 4, 109, 139, 9, 59];
    expect(h.run('EVAL', body, '0')).toEqual({ kind: 'array', value: expected.map((value) => ({ kind: 'integer', value })) });
  });

  it("answers redis.call inside a coroutine on the coroutine's own stack, as Redis does", () => {
    const h = harness();
    const inCoroutine = (call: string) => h.run('EVAL', `local co = coroutine.create(function() return ${call} end) return {coroutine.resume(co)}`, '0');
    const unknown = err('ERR Unknown Redis command called from script');
    // As redis-server 7.0.15 answers (redis-cli EVAL ... 0).
    expect(inCoroutine("redis.call('SET', 'a', '1')")).toEqual(arr(int(1), ok));
    expect(inCoroutine("redis.call('GET', 'a')")).toEqual(arr(int(1), bulk('1')));
    expect(inCoroutine("redis.pcall('NOPE')")).toEqual(arr(int(1), unknown));
    expect(inCoroutine("redis.call('NOPE')")).toEqual(arr(nil, unknown));
    expect(inCoroutine("redis.error_reply('MY err')")).toEqual(arr(int(1), err('MY err')));
  });
});
