/**
 * The numbered databases: SELECT per connection, FLUSHDB, FLUSHALL, SWAPDB, MOVE, COPY, DBSIZE,
 * KEYS and expiry per database, WATCH across databases, scripts in the caller's database, and
 * SELECT in the propagation stream. Replies are checked against a real redis-server.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RedisEngine } from '../../src/redis/engine/engine.ts';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { arr, bulk, bulks, err, harness, int, nil, nilArray, ok, T0 } from './helpers.ts';
import { withTranscriptServer, type LineInput } from './transcript.ts';

describe.runIf(realRedisTestsEnabled())('databases, against redis-server', () => {
  const { agree, server } = withTranscriptServer();

  it('SELECT: per connection, 16 databases, Redis error texts', async () => {
    await agree([
      ['SET', 'k', 'db0'],
      ['SELECT', '1'],
      ['GET', 'k'],
      ['SET', 'k', 'db1'],
      ['GET', 'k'],
      { args: ['GET', 'k'], on: 1 },
      { args: ['SELECT', '1'], on: 1 },
      { args: ['GET', 'k'], on: 1 },
      ['SELECT', '15'],
      ['SELECT', '16'],
      ['SELECT', '-1'],
      ['SELECT', 'x'],
      ['SELECT', '1.0'],
      ['SELECT', ' 1'],
      ['SELECT', '2147483648'],
      ['SELECT', '-2147483649'],
      ['SELECT', '99999999999999999999'],
      ['SELECT'],
      ['SELECT', '1', '2'],
      ['select', '0'],
      ['GET', 'k'],
    ]);
  });

  it('DBSIZE, KEYS, EXISTS, DEL, TYPE and expiry see only the selected database', async () => {
    await agree([
      ['SET', 'a', '1'],
      ['SET', 'b', '2', 'EX', '100'],
      ['SELECT', '3'],
      ['SET', 'a', '3'],
      ['HSET', 'h', 'f', 'v'],
      ['DBSIZE'],
      { args: ['KEYS', '*'], unordered: true },
      ['TTL', 'b'],
      ['EXPIRE', 'a', '50'],
      ['TTL', 'a'],
      ['SELECT', '0'],
      ['TTL', 'a'],
      ['TTL', 'b'],
      ['DBSIZE'],
      ['EXISTS', 'a', 'b', 'h'],
      ['TYPE', 'h'],
      ['DEL', 'a', 'h'],
      ['SELECT', '3'],
      ['EXISTS', 'a', 'h'],
    ]);
  });

  it('FLUSHDB empties the selected database only; FLUSHALL every one', async () => {
    await agree([
      ['SET', 'a', '1'],
      ['SELECT', '1'],
      ['SET', 'a', '2'],
      ['SET', 'b', '2'],
      ['FLUSHDB'],
      ['DBSIZE'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['FLUSHDB', 'ASYNC'],
      ['FLUSHDB', 'sync'],
      ['FLUSHDB', 'lazy'],
      ['FLUSHDB', 'ASYNC', 'SYNC'],
      ['SET', 'a', '1'],
      ['SELECT', '7'],
      ['SET', 'a', '1'],
      ['FLUSHALL'],
      ['DBSIZE'],
      ['SELECT', '0'],
      ['DBSIZE'],
      ['FLUSHALL', 'nope'],
    ]);
  });

  it('SWAPDB exchanges the keys of two databases for every connection', async () => {
    await agree([
      ['SET', 'a', 'zero'],
      ['SELECT', '2'],
      ['SET', 'a', 'two', 'EX', '100'],
      ['SET', 'b', 'two'],
      { args: ['GET', 'a'], on: 1 },
      ['SWAPDB', '0', '2'],
      { args: ['GET', 'a'], on: 1 },
      { args: ['TTL', 'a'], on: 1 },
      ['GET', 'a'],
      ['DBSIZE'],
      ['SWAPDB', '2', '2'],
      ['SWAPDB', '0', '16'],
      ['SWAPDB', 'x', '1'],
      ['SWAPDB', '1', 'y'],
      ['SWAPDB', '-1', '1'],
      ['SWAPDB', '2147483648', '1'],
    ]);
  });

  it('MOVE and COPY between databases', async () => {
    await agree([
      ['SET', 'a', '1', 'EX', '100'],
      ['SADD', 's', 'x', 'y'],
      ['MOVE', 'a', '1'],
      ['MOVE', 'a', '1'],
      ['MOVE', 'nokey', '1'],
      ['MOVE', 's', '0'],
      ['MOVE', 's', '16'],
      ['MOVE', 's', 'x'],
      ['COPY', 's', 's2'],
      ['COPY', 's', 's2'],
      ['COPY', 's', 's2', 'REPLACE'],
      ['COPY', 's', 's', 'DB', '0'],
      ['COPY', 's', 's', 'DB', '1'],
      ['COPY', 's', 's', 'DB', '1'],
      ['COPY', 's', 'x', 'DB', '99'],
      ['COPY', 's', 'x', 'DB'],
      ['COPY', 's', 'x', 'BOGUS'],
      ['COPY', 'nokey', 'x'],
      ['SADD', 's2', 'z'],
      { args: ['SMEMBERS', 's'], unordered: true },
      { args: ['SMEMBERS', 's2'], unordered: true },
      ['SELECT', '1'],
      ['GET', 'a'],
      ['TTL', 'a'],
      { args: ['SMEMBERS', 's'], unordered: true },
      ['SET', 'a', 'other'],
      ['SELECT', '0'],
      ['SET', 'a', 'mine'],
      ['MOVE', 'a', '1'],
      ['COPY', 'a', 'a', 'DB', '1', 'REPLACE'],
      ['SELECT', '1'],
      ['GET', 'a'],
      ['TTL', 'a'],
    ]);
  });

  it('MULTI: a queued SELECT moves the commands after it, and the connection stays there', async () => {
    await agree([
      ['MULTI'],
      ['SET', 'a', '0'],
      ['SELECT', '4'],
      ['SET', 'a', '4'],
      ['SELECT', '99'],
      ['DBSIZE'],
      ['EXEC'],
      ['GET', 'a'],
      ['SELECT', '0'],
      ['GET', 'a'],
    ]);
  });

  it('WATCH: a key is watched in its database', async () => {
    await agree([
      ['WATCH', 'k'],
      ['SELECT', '1'],
      ['WATCH', 'k'],
      { args: ['SELECT', '1'], on: 1 },
      { args: ['SET', 'k', 'in db 1'], on: 1 },
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      // Only database 0's k is watched now: a write to database 1 does not abort.
      ['SELECT', '0'],
      ['WATCH', 'k'],
      { args: ['SET', 'k', 'again'], on: 1 },
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      // FLUSHDB of another database leaves this one's watch alone; of this one, it aborts.
      ['SET', 'k', 'v'],
      ['WATCH', 'k'],
      { args: ['FLUSHDB'], on: 1 },
      ['MULTI'],
      ['EXEC'],
      ['WATCH', 'k'],
      { args: ['SELECT', '0'], on: 1 },
      { args: ['FLUSHDB'], on: 1 },
      ['MULTI'],
      ['EXEC'],
      // SWAPDB aborts when the watched key exists in either database.
      ['WATCH', 'k'],
      { args: ['SWAPDB', '5', '6'], on: 1 },
      ['MULTI'],
      ['EXEC'],
      ['WATCH', 'k'],
      { args: ['SELECT', '6'], on: 1 },
      { args: ['SET', 'k', 'in 6'], on: 1 },
      { args: ['SWAPDB', '0', '6'], on: 1 },
      ['MULTI'],
      ['EXEC'],
      ['GET', 'k'],
    ]);
  });

  it('scripts run in the caller’s database; a SELECT inside one stays inside it', async () => {
    const script = "redis.call('set', KEYS[1], 'from script') redis.call('select', 9) redis.call('set', KEYS[1], 'in 9') return redis.call('dbsize')";
    await agree([
      ['SELECT', '2'],
      ['EVAL', script, '1', 'k'],
      ['GET', 'k'],
      ['DBSIZE'],
      ['SELECT', '9'],
      ['GET', 'k'],
      ['EVAL', "return redis.pcall('select', 20)", '0'],
      ['EVAL', "return redis.call('select', 'x')", '0'],
      ['EVAL', "redis.pcall('SELECT', tonumber(ARGV[1])) return redis.call('get', KEYS[1])", '1', 'k', '2'],
      ['EVAL', "return redis.call('swapdb', 2, 9)", '0'],
      ['GET', 'k'],
    ]);
  });
});

const KEYS = ['k1', 'k2', 'k3'];
const k = fc.constantFrom(...KEYS);
const db = fc.constantFrom('0', '1', '2');
const streamCommand: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 4, arbitrary: db.map((d) => ['SELECT', d]) },
  { weight: 3, arbitrary: fc.tuple(k, fc.constantFrom('a', '1'), fc.constantFrom('', '100', '300')).map(([key, v, px]) => ['SET', key, v, ...(px ? ['PX', px] : [])]) },
  { weight: 3, arbitrary: fc.tuple(k, fc.constantFrom('a', 'b', '1', '2')).map(([key, m]) => ['SADD', key, m]) },
  fc.tuple(k, fc.constantFrom('a', '1')).map(([key, m]) => ['SREM', key, m]),
  k.map((key) => ['SPOP', key]),
  fc.tuple(k, fc.constantFrom('1', '5')).map(([key, n]) => ['SPOP', key, n]),
  fc.tuple(k, k, fc.constantFrom('a', '1')).map(([a, b, m]) => ['SMOVE', a, b, m]),
  fc.tuple(fc.constantFrom('SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE'), k, k, k).map(([c, d, a, b]) => [c, d, a, b]),
  fc.tuple(db, db).map(([a, b]) => ['SWAPDB', a, b]),
  fc.tuple(k, db).map(([key, d]) => ['MOVE', key, d]),
  fc.tuple(k, k, db).map(([a, b, d]) => ['COPY', a, b, 'DB', d, 'REPLACE']),
  fc.tuple(k, k).map(([a, b]) => ['RENAME', a, b]),
  fc.tuple(k, fc.constantFrom('v', 'w')).map(([key, v]) => ['GETSET', key, v]),
  fc.tuple(k, fc.constantFrom('PX', 'PERSIST')).map(([key, o]) => (o === 'PX' ? ['GETEX', key, 'PX', '200'] : ['GETEX', key, 'PERSIST'])),
  k.map((key) => ['GET', key]),
  k.map((key) => ['UNLINK', key]),
  fc.constant<string[]>(['FLUSHDB']),
  fc.constant<string[]>(['RANDOMKEY']),
  fc.constant<string[]>(['SCAN', '0', 'COUNT', '2']),
  fc.tuple(k, db).map(([key, d]) => ['EVAL', "redis.call('select', ARGV[1]) redis.call('sadd', KEYS[1], 'x') return 1", '1', key, d]),
  fc.constant<string[]>(['MULTI']),
  fc.constant<string[]>(['EXEC']),
);

describe('databases: engine behaviour', () => {
  it('replaying the stream rebuilds every database, on a primary and on a replica (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(streamCommand, fc.integer({ min: 0, max: 120 })), { maxLength: 60 }), fc.integer(), (steps, seed) => {
        const stream: string[][] = [];
        let x = (seed >>> 0) || 1;
        const random = (): number => ((x = (x * 48271) % 2147483647) / 2147483647);
        const primary = new RedisEngine({ onPropagate: (c) => stream.push(c), random });
        const s = primary.newSession();
        let now = 10_000;
        for (const [command, wait] of steps) {
          now += wait;
          primary.execute(s, command, now);
        }
        if (s.inMulti) primary.execute(s, ['DISCARD'], now);
        for (const [at, replica] of [[now, false], [now + 1_000_000, true]] as const) {
          const copy = new RedisEngine({ replica });
          const link = copy.newSession({ applyingStream: true });
          for (const c of stream) expect(copy.execute(link, c, at).kind, JSON.stringify(c)).not.toBe('error');
          expect(copy.databases()).toEqual(primary.databases());
          for (const d of primary.databases()) expect(copy.dump(d)).toEqual(primary.dump(d));
        }
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });

  it('propagates a SELECT before an effect made in another database, as Redis does', () => {
    const h = harness();
    h.run('SET', 'a', '1');
    h.run('SELECT', '3');
    h.run('SET', 'b', '1');
    h.run('GET', 'b');
    h.run('SET', 'c', '1', 'PX', '100');
    h.run('SELECT', '0');
    h.run('SELECT', '3');
    h.run('DEL', 'c');
    h.run('SELECT', '0');
    h.run('MULTI');
    h.run('SET', 'x', '1');
    h.run('SELECT', '5');
    h.run('SET', 'y', '1');
    h.run('EXEC');
    h.run('SET', 'z', '1');
    expect(h.propagated).toEqual([
      ['SET', 'a', '1'],
      ['SELECT', '3'],
      ['SET', 'b', '1'],
      ['SET', 'c', '1', 'PXAT', String(T0 + 100)],
      ['DEL', 'c'],
      ['SELECT', '0'],
      ['MULTI'],
      ['SET', 'x', '1'],
      ['SELECT', '5'],
      ['SET', 'y', '1'],
      ['EXEC'],
      ['SET', 'z', '1'],
    ]);
  });

  it('propagates a script’s effects in the databases they were made in, and lazy expiry in its own', () => {
    const h = harness();
    h.run('SELECT', '1');
    h.at(T0, 'SET', 'old', 'v', 'PX', '10');
    h.propagated.length = 0;
    h.at(T0 + 50, 'EVAL', "redis.call('set', 'a', 1) redis.call('select', 2) redis.call('set', 'b', 2) return 1", '0');
    h.at(T0 + 50, 'GET', 'old');
    h.at(T0 + 50, 'SET', 'c', '3');
    expect(h.propagated).toEqual([
      ['MULTI'],
      ['set', 'a', '1'],
      ['SELECT', '2'],
      ['set', 'b', '2'],
      ['EXEC'],
      ['SELECT', '1'],
      ['DEL', 'old'],
      ['SET', 'c', '3'],
    ]);
  });

  it('replaying the stream on a fresh engine rebuilds every database', () => {
    const h = harness();
    const commands: string[][] = [
      ['SET', 'k', '0'],
      ['SELECT', '2'],
      ['SADD', 's', 'a', 'b', '1'],
      ['SET', 'k', '2', 'PX', '5000'],
      ['SELECT', '4'],
      ['HSET', 'h', 'f', 'v'],
      ['SWAPDB', '4', '5'],
      ['MOVE', 'h', '0'],
      ['SELECT', '2'],
      ['SPOP', 's'],
      ['COPY', 's', 't', 'DB', '9'],
      ['SELECT', '0'],
      ['FLUSHDB'],
      ['SET', 'last', 'x'],
    ];
    for (const c of commands) h.run(...c);
    const copy = new RedisEngine();
    const link = copy.newSession({ applyingStream: true });
    for (const c of h.propagated) expect(copy.execute(link, c, T0).kind).not.toBe('error');
    expect(copy.databases()).toEqual(h.engine.databases());
    for (const db of h.engine.databases()) expect(copy.dump(db)).toEqual(h.engine.dump(db));
    expect(h.engine.databases()).toEqual([0, 2, 5, 9]);
  });

  it('clone() copies every database', () => {
    const h = harness();
    h.run('SELECT', '12');
    h.run('SADD', 's', '3', '1', '2');
    h.run('SET', 'k', 'v', 'PX', '100');
    const copy = h.engine.clone();
    expect(copy.dump(12)).toEqual(h.engine.dump(12));
    expect(copy.dump(12)).toEqual([
      { key: 'k', type: 'string', value: 'v', expireAt: T0 + 100 },
      { key: 's', type: 'set', value: ['1', '2', '3'], expireAt: null },
    ]);
    expect(copy.size()).toBe(2);
    // Deep: changing the original leaves the copy alone.
    h.run('SADD', 's', '4');
    expect(copy.dump(12)[1]?.value).toEqual(['1', '2', '3']);
  });

  it('keeps databases apart for peek(), size() and dump()', () => {
    const h = harness();
    h.run('SET', 'k', 'zero');
    h.run('SELECT', '1');
    h.run('SET', 'k', 'one');
    expect(h.engine.peek('k')).toEqual({ value: 'zero', expireAt: null });
    expect(h.engine.peek('k', 1)).toEqual({ value: 'one', expireAt: null });
    expect(h.engine.size()).toBe(2);
    expect(h.engine.dump().map((k) => k.value)).toEqual(['zero']);
  });

  it('a script’s SELECT does not change its caller’s database, even inside MULTI', () => {
    const h = harness();
    h.run('MULTI');
    h.run('EVAL', "redis.call('select', 3) return redis.call('set', 'a', 'in 3')", '0');
    h.run('SET', 'a', 'in 0');
    expect(h.run('EXEC')).toEqual(arr(ok, ok));
    expect(h.run('GET', 'a')).toEqual(bulk('in 0'));
    h.run('SELECT', '3');
    expect(h.run('GET', 'a')).toEqual(bulk('in 3'));
  });

  it('a watch on a key of another database is not disturbed by writes here, and UNWATCH forgets both', () => {
    const h = harness();
    const other = h.engine.newSession();
    h.run('WATCH', 'k');
    h.run('SELECT', '1');
    h.run('WATCH', 'k');
    h.engine.execute(other, ['SELECT', '2'], T0);
    h.engine.execute(other, ['SET', 'k', 'x'], T0);
    h.run('MULTI');
    expect(h.run('EXEC')).toEqual(arr());
    h.run('WATCH', 'k');
    h.run('UNWATCH');
    h.engine.execute(other, ['SELECT', '1'], T0);
    h.engine.execute(other, ['SET', 'k', 'y'], T0);
    h.run('MULTI');
    expect(h.run('EXEC')).toEqual(arr());
    h.run('WATCH', 'k');
    h.engine.execute(other, ['SET', 'k', 'z'], T0);
    h.run('MULTI');
    expect(h.run('EXEC')).toEqual(nilArray);
  });

  it('expiry is per database: a key expires on its own database’s schedule', () => {
    const h = harness();
    h.at(T0, 'SET', 'k', 'zero', 'PX', '100');
    h.at(T0, 'SELECT', '1');
    h.at(T0, 'SET', 'k', 'one', 'PX', '300');
    expect(h.at(T0 + 200, 'GET', 'k')).toEqual(bulk('one'));
    h.at(T0 + 200, 'SELECT', '0');
    expect(h.at(T0 + 200, 'GET', 'k')).toEqual(nil);
    expect(h.at(T0 + 200, 'DBSIZE')).toEqual(int(0));
  });

  it('names a database out of range as Redis does', () => {
    const h = harness();
    expect(h.run('SELECT', '16')).toEqual(err('ERR DB index is out of range'));
    expect(h.run('SELECT', '4294967296')).toEqual(err('ERR value is out of range, value must between -2147483648 and 2147483647'));
    expect(h.run('SWAPDB', 'a', '1')).toEqual(err('ERR invalid first DB index'));
    expect(h.run('KEYS', '*')).toEqual(bulks());
  });
});
