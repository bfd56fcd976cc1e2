import { describe, expect, it } from 'vitest';
import { findLua53Syntax } from '../../src/redis/lua51-syntax.ts';
import { bulk, err, harness } from './helpers.ts';

describe('Lua 5.3-only syntax is refused (Redis runs 5.1)', () => {
  it('finds operators, labels and escapes outside strings and comments', () => {
    expect(findLua53Syntax('return 5 // 2')).toEqual({ line: 1, what: "the operator '//'" });
    expect(findLua53Syntax('local a = 1\nreturn a & 3')).toEqual({ line: 2, what: "the operator '&'" });
    expect(findLua53Syntax('return ~1')).toEqual({ line: 1, what: "the operator '~'" });
    expect(findLua53Syntax('::top:: return 1')).toEqual({ line: 1, what: "the operator '::'" });
    expect(findLua53Syntax('return "\\x41"')).toEqual({ line: 1, what: "the string escape '\\x'" });
    expect(findLua53Syntax("return 1 ~= 2 and 'a // b | c' .. [[ x & y ]] -- z // w\n--[==[ a << b ]==] return 1e-5")).toBeNull();
    expect(findLua53Syntax("if redis.call('get',KEYS[1])==ARGV[1] then return redis.call('del',KEYS[1]) else return 0 end")).toBeNull();
    expect(findLua53Syntax('return 0x1p-4, 3.5e+2, ...')).toBeNull();
  });

  it('reports them as compile errors', () => {
    const h = harness();
    expect(h.run('EVAL', 'return 5 // 2', '0')).toEqual(
      err("ERR Error compiling script (new function): user_script:1: the operator '//' is Lua 5.3 syntax (Redis runs Lua 5.1)"),
    );
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
});
