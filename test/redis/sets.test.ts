/**
 * Set commands, checked against a real redis-server: replies, WRONGTYPE, error texts, the order
 * members list in (an intset sorted as Redis keeps it; a hash-table set compared as a multiset,
 * since Redis's order there comes from a random hash seed), and what random commands may answer.
 */
import { describe, expect, it } from 'vitest';
import { RedisEngine } from '../../src/redis/engine/engine.ts';
import type { Reply } from '../../src/redis/engine/reply.ts';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { bulk, bulks, harness, int, nil, T0 } from './helpers.ts';
import { runTranscript, withTranscriptServer, type LineInput } from './transcript.ts';

const unordered = (...args: string[]): LineInput => ({ args, unordered: true });

describe.runIf(realRedisTestsEnabled())('sets, against redis-server', () => {
  const { agree, server } = withTranscriptServer();

  it('SADD, SREM, SCARD, SISMEMBER, SMISMEMBER; an emptied set is deleted', async () => {
    await agree([
      ['SADD', 's', 'a', 'b', 'a'],
      ['SADD', 's', 'b'],
      ['SCARD', 's'],
      ['SCARD', 'none'],
      ['SISMEMBER', 's', 'a'],
      ['SISMEMBER', 's', 'z'],
      ['SISMEMBER', 'none', 'a'],
      ['SMISMEMBER', 's', 'a', 'z', 'b'],
      ['SMISMEMBER', 'none', 'a', 'b'],
      ['SREM', 's', 'a', 'z'],
      ['SREM', 'none', 'a'],
      ['SREM', 's', 'b', 'c'],
      ['EXISTS', 's'],
      ['TYPE', 's'],
      ['SADD', 's', 'x'],
      ['TYPE', 's'],
      ['SADD', 's'],
      ['SREM', 's'],
      ['SISMEMBER', 's'],
      ['SMISMEMBER', 's'],
      ['SCARD'],
    ]);
  });

  it('WRONGTYPE on every set command for another type, and other commands on a set', async () => {
    await agree([
      ['SET', 'str', 'v'],
      ['SADD', 'str', 'a'],
      ['SREM', 'str', 'a'],
      ['SMEMBERS', 'str'],
      ['SISMEMBER', 'str', 'a'],
      ['SMISMEMBER', 'str', 'a'],
      ['SCARD', 'str'],
      ['SPOP', 'str'],
      ['SPOP', 'str', '2'],
      ['SPOP', 'str', '0'],
      ['SRANDMEMBER', 'str'],
      ['SRANDMEMBER', 'str', '2'],
      ['SMOVE', 'str', 'dst', 'a'],
      ['SINTER', 'str'],
      ['SINTER', 'none', 'str'],
      ['SUNION', 'str'],
      ['SDIFF', 'str'],
      ['SINTERCARD', '1', 'str'],
      ['SADD', 'set', 'a'],
      ['GET', 'set'],
      ['INCR', 'set'],
      ['HSET', 'set', 'f', 'v'],
      ['ZADD', 'set', '1', 'm'],
      ['APPEND', 'set', 'x'],
      ['SMOVE', 'set', 'str', 'a'],
      ['EVAL', "return redis.call('get', KEYS[1])", '1', 'set'],
      ['EVAL', "return redis.pcall('sadd', KEYS[1], 'x')", '1', 'str'],
    ]);
  });

  it('an intset lists its members sorted, as Redis 7.0 does; other sets as a multiset', async () => {
    await agree([
      ['SADD', 'ints', '30', '-2', '100', '7', '0', '9223372036854775807', '-9223372036854775808'],
      ['SMEMBERS', 'ints'],
      ['SADD', 'ints', '5'],
      ['SMEMBERS', 'ints'],
      ['SREM', 'ints', '30'],
      ['SMEMBERS', 'ints'],
      ['SINTER', 'ints'],
      ['SUNION', 'ints'],
      ['SRANDMEMBER', 'ints', '100'],
      // Not canonical integers: the set becomes a hash table.
      ['SADD', 'mixed', '1', '01'],
      unordered('SMEMBERS', 'mixed'),
      ['SADD', 'plus', '+1', '2'],
      unordered('SMEMBERS', 'plus'),
      ['SADD', 'big', '9223372036854775808', '1'],
      unordered('SMEMBERS', 'big'),
      unordered('SMEMBERS', 'ints'),
      ['SADD', 'words', 'pear', 'apple', 'fig'],
      unordered('SMEMBERS', 'words'),
      ['SMEMBERS', 'none'],
      ['SMEMBERS', 'a', 'b'],
    ]);
  });

  it('past 512 integers a set is a hash table; SUNION of two such sets is an intset again', async () => {
    const many = Array.from({ length: 513 }, (_, i) => String(1000 - i));
    await agree([
      ['SADD', 'ints', ...many.slice(0, 512)],
      ['SMEMBERS', 'ints'],
      ['SADD', 'ints', many[512] as string],
      unordered('SMEMBERS', 'ints'),
      ['SCARD', 'ints'],
      ['SADD', 'a', '3', '1'],
      ['SADD', 'a', 'x'],
      ['SREM', 'a', 'x'],
      ['SADD', 'b', '2'],
      // A union is built as an intset while it can be: sorted again.
      ['SUNION', 'a', 'b'],
      ['SUNIONSTORE', 'u', 'a', 'b'],
      ['SMEMBERS', 'u'],
      ['SDIFF', 'a', 'b'],
      ['SPOP', 'a', '10'],
    ]);
  });

  it('SMOVE', async () => {
    await agree([
      ['SADD', 'src', 'a', 'b'],
      ['SMOVE', 'src', 'dst', 'a'],
      ['SMOVE', 'src', 'dst', 'a'],
      ['SMOVE', 'src', 'src', 'b'],
      ['SMOVE', 'src', 'src', 'z'],
      ['SMOVE', 'none', 'dst', 'a'],
      ['SMOVE', 'src', 'dst', 'b'],
      ['EXISTS', 'src'],
      unordered('SMEMBERS', 'dst'),
      ['SET', 'str', 'v'],
      ['SMOVE', 'none', 'str', 'a'],
      ['SMOVE', 'dst', 'str', 'a'],
      ['SMOVE', 'dst', 'other', 'a', 'extra'],
    ]);
  });

  it('SINTER, SINTERCARD, SUNION, SDIFF and their STORE forms', async () => {
    await agree([
      ['SADD', 'a', '1', '2', '3', '4'],
      ['SADD', 'b', '2', '3', '5'],
      ['SADD', 'c', '3', '4', '5'],
      ['SADD', 'w', 'x', '3', 'y'],
      ['SINTER', 'a', 'b'],
      ['SINTER', 'a', 'b', 'c'],
      ['SINTER', 'a', 'none'],
      unordered('SINTER', 'a', 'w'),
      ['SUNION', 'a', 'b', 'none'],
      unordered('SUNION', 'a', 'w'),
      ['SDIFF', 'a', 'b'],
      ['SDIFF', 'a', 'b', 'c'],
      ['SDIFF', 'a', 'a'],
      ['SDIFF', 'none', 'a'],
      ['SDIFF', 'a', 'none'],
      ['SINTERCARD', '2', 'a', 'b'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '-1'],
      ['SINTERCARD', '2', 'a', 'b', 'LIMIT'],
      ['SINTERCARD', '2', 'a', 'b', 'OTHER', '1'],
      ['SINTERCARD', '0', 'a'],
      ['SINTERCARD', 'x', 'a'],
      ['SINTERCARD', '3', 'a', 'b'],
      ['SINTERCARD', '1', 'none'],
      ['SINTERSTORE', 'd', 'a', 'b'],
      ['SMEMBERS', 'd'],
      ['SET', 'str', 'x', 'EX', '100'],
      ['SUNIONSTORE', 'str', 'a', 'b'],
      ['TTL', 'str'],
      ['SMEMBERS', 'str'],
      ['SDIFFSTORE', 'd', 'a', 'a'],
      ['EXISTS', 'd'],
      ['SDIFFSTORE', 'd', 'a', 'a'],
      ['SINTERSTORE', 'e', 'a', 'none'],
      ['SDIFFSTORE', 'f', 'a', 'c'],
      ['SMEMBERS', 'f'],
      ['SINTERSTORE', 'g'],
    ]);
  });

  it('SPOP and SRANDMEMBER: errors, empty cases and whole-set answers are exact', async () => {
    await agree([
      ['SPOP', 'none'],
      ['SPOP', 'none', '3'],
      ['SRANDMEMBER', 'none'],
      ['SRANDMEMBER', 'none', '3'],
      ['SRANDMEMBER', 'none', '-3'],
      ['SADD', 's', '3', '1', '2'],
      ['SPOP', 's', '-1'],
      ['SPOP', 's', 'x'],
      ['SPOP', 's', '1', '2'],
      ['SPOP', 's', '0'],
      ['SRANDMEMBER', 's', '0'],
      ['SRANDMEMBER', 's', 'x'],
      ['SRANDMEMBER', 's', '-9223372036854775808'],
      ['SRANDMEMBER', 's', '1', '2'],
      ['SRANDMEMBER', 's', '3'],
      ['SRANDMEMBER', 's', '50'],
      ['SADD', 'one', 'only'],
      ['SRANDMEMBER', 'one'],
      ['SRANDMEMBER', 'one', '-3'],
      ['SRANDMEMBER', 'one', '1'],
      ['SPOP', 'one'],
      ['EXISTS', 'one'],
      ['SPOP', 's', '3'],
      ['EXISTS', 's'],
      ['SADD', 'w', 'b', 'a'],
      unordered('SPOP', 'w', '9'),
    ]);
  });

  it('SPOP and SRANDMEMBER with a choice to make answer members of the set, as Redis does', async () => {
    const members = ['a', 'b', 'c', 'd', 'e', '1', '2'];
    const lines: LineInput[] = [['SADD', 's', ...members]];
    for (let i = 0; i < 5; i++) lines.push(['SRANDMEMBER', 's'], ['SRANDMEMBER', 's', '3'], ['SRANDMEMBER', 's', '-4']);
    lines.push(['SPOP', 's'], ['SPOP', 's', '2'], ['SCARD', 's']);
    const { replies, log } = await runTranscript(server(), lines);
    const isMember = (r: Reply): boolean => r.kind === 'bulk' && r.value !== null && members.includes(r.value);
    const members_ = (r: Reply): Reply[] => (r.kind === 'array' && r.value !== null ? r.value : []);
    for (let i = 0; i < 5; i++) {
      const [one, three, four] = [replies[1 + 3 * i], replies[2 + 3 * i], replies[3 + 3 * i]] as [Reply, Reply, Reply];
      expect(isMember(one), log.join('\n')).toBe(true);
      expect(members_(three)).toHaveLength(3);
      expect(new Set(members_(three).map((r) => (r as { value: string }).value)).size).toBe(3);
      expect(members_(three).every(isMember)).toBe(true);
      expect(members_(four)).toHaveLength(4);
      expect(members_(four).every(isMember)).toBe(true);
    }
    expect(isMember(replies[16] as Reply)).toBe(true);
    expect(members_(replies[17] as Reply).every(isMember)).toBe(true);
    expect(replies[18]).toEqual(int(4));
  });
});

describe('sets: engine behaviour', () => {
  it('propagates SPOP as SREM of what it popped (DEL when it took the whole set)', () => {
    const h = harness();
    h.run('SADD', 's', 'a', 'b', 'c');
    h.propagated.length = 0;
    const one = h.run('SPOP', 's');
    const two = h.run('SPOP', 's', '1');
    h.run('SADD', 't', 'x');
    h.run('SPOP', 't', '5');
    const popped = [one, two.kind === 'array' ? two.value?.[0] : undefined].map((r) => (r as { value: string }).value);
    expect(h.propagated).toEqual([['SREM', 's', popped[0]], ['SREM', 's', popped[1]], ['SADD', 't', 'x'], ['DEL', 't']]);
  });

  it('random choices are a function of the random source: same source, same choices', () => {
    const draws = (seed: number): Reply[] => {
      let x = seed;
      const random = (): number => {
        x = (x * 16807) % 2147483647;
        return x / 2147483647;
      };
      const engine = new RedisEngine({ random });
      const s = engine.newSession();
      engine.execute(s, ['SADD', 's', ...'abcdefghij'.split('')], T0);
      for (const k of ['k1', 'k2', 'k3', 'k4']) engine.execute(s, ['SET', k, 'v'], T0);
      return [
        engine.execute(s, ['SRANDMEMBER', 's', '-5'], T0),
        engine.execute(s, ['SPOP', 's', '3'], T0),
        engine.execute(s, ['RANDOMKEY'], T0),
        engine.execute(s, ['RANDOMKEY'], T0),
      ];
    };
    expect(draws(7)).toEqual(draws(7));
    expect(draws(7)).not.toEqual(draws(8));
  });

  it('a key of another type is not a set, and an absent one is an empty set', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run('SCARD', 'k').kind).toBe('error');
    expect(h.run('SMEMBERS', 'absent')).toEqual(bulks());
    expect(h.run('SRANDMEMBER', 'absent')).toEqual(nil);
    h.run('SADD', 'set', 'm');
    expect(h.run('SPOP', 'set')).toEqual(bulk('m'));
    expect(h.run('EXISTS', 'set')).toEqual(int(0));
  });
});
