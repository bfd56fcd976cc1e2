import { describe, expect, it } from 'vitest';
import { RedisEngine } from '../../src/redis/engine/engine.ts';
import { bulk, bulks, err, harness, int, nil, ok, T0 } from './helpers.ts';

describe('expiry on the node clock', () => {
  it('a key set with PX 100 at 1000 is there at 1100 and gone at 1101', () => {
    const h = harness();
    expect(h.at(1000, 'SET', 'k', 'v', 'PX', '100')).toEqual(ok);
    expect(h.at(1100, 'GET', 'k')).toEqual(bulk('v'));
    expect(h.at(1100, 'PTTL', 'k')).toEqual(int(0));
    expect(h.at(1101, 'GET', 'k')).toEqual(nil);
    expect(h.at(1101, 'PTTL', 'k')).toEqual(int(-2));
  });

  it('floors fractional times', () => {
    const h = harness();
    h.at(1000.9, 'SET', 'k', 'v', 'PX', '100'); // expires at 1100
    expect(h.at(1100.99, 'EXISTS', 'k')).toEqual(int(1));
    expect(h.at(1101.2, 'EXISTS', 'k')).toEqual(int(0));
  });

  it('EX, EXAT, PXAT and the TTL readings', () => {
    const h = harness();
    h.at(T0, 'SET', 'a', 'v', 'EX', '10');
    expect(h.at(T0 + 1, 'TTL', 'a')).toEqual(int(10)); // 9999 ms rounds to 10
    expect(h.at(T0 + 501, 'TTL', 'a')).toEqual(int(9)); // 9499 ms
    expect(h.at(T0, 'PEXPIRETIME', 'a')).toEqual(int(T0 + 10_000));
    expect(h.at(T0, 'EXPIRETIME', 'a')).toEqual(int(T0 / 1000 + 10));
    h.at(T0, 'SET', 'b', 'v', 'PXAT', String(T0 + 5));
    expect(h.at(T0, 'PTTL', 'b')).toEqual(int(5));
    h.at(T0, 'SET', 'c', 'v', 'EXAT', '1');
    expect(h.at(T0, 'EXISTS', 'c')).toEqual(int(0));
    expect(h.at(T0, 'TTL', 'none')).toEqual(int(-2));
    h.at(T0, 'SET', 'd', 'v');
    expect(h.at(T0, 'TTL', 'd')).toEqual(int(-1));
  });

  it('EXPIRE with NX / XX / GT / LT, errors, and past times deleting at once', () => {
    const h = harness();
    h.run('SET', 'n', '1');
    expect(h.run('EXPIRE', 'n', '10', 'XX')).toEqual(int(0));
    expect(h.run('EXPIRE', 'n', '10', 'GT')).toEqual(int(0)); // no TTL counts as infinite
    expect(h.run('EXPIRE', 'n', '10', 'NX')).toEqual(int(1));
    expect(h.run('EXPIRE', 'n', '10', 'NX')).toEqual(int(0));
    expect(h.run('EXPIRE', 'n', '5', 'GT')).toEqual(int(0));
    expect(h.run('EXPIRE', 'n', '20', 'GT')).toEqual(int(1));
    expect(h.run('EXPIRE', 'n', '30', 'LT')).toEqual(int(0));
    expect(h.run('EXPIRE', 'n', '15', 'lt', 'XX')).toEqual(int(1));
    expect(h.run('TTL', 'n')).toEqual(int(15));
    expect(h.run('EXPIRE', 'n', '10', 'NX', 'XX')).toEqual(err('ERR NX and XX, GT or LT options at the same time are not compatible'));
    expect(h.run('EXPIRE', 'n', '10', 'GT', 'LT')).toEqual(err('ERR GT and LT options at the same time are not compatible'));
    expect(h.run('EXPIRE', 'n', 'abc', 'foo')).toEqual(err('ERR Unsupported option foo'));
    expect(h.run('EXPIRE', 'n', 'abc')).toEqual(err('ERR value is not an integer or out of range'));
    expect(h.run('PEXPIRE', 'n', '9223372036854775807')).toEqual(err("ERR invalid expire time in 'pexpire' command"));
    expect(h.run('EXPIRE', 'none', '10')).toEqual(int(0));
    expect(h.run('PEXPIRE', 'n', '-100')).toEqual(int(1));
    expect(h.run('EXISTS', 'n')).toEqual(int(0));
    expect(h.propagated.at(-1)).toEqual(['DEL', 'n']);
  });

  it('PERSIST', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run('PERSIST', 'k')).toEqual(int(0));
    h.run('PEXPIRE', 'k', '1000');
    expect(h.run('PERSIST', 'k')).toEqual(int(1));
    expect(h.run('PTTL', 'k')).toEqual(int(-1));
    expect(h.run('PERSIST', 'none')).toEqual(int(0));
  });

  it('lazy expiry on a primary deletes the key and propagates DEL', () => {
    const h = harness();
    h.at(1000, 'SET', 'k', 'v', 'PX', '100');
    expect(h.engine.size()).toBe(1);
    expect(h.at(1101, 'GET', 'k')).toEqual(nil);
    expect(h.engine.size()).toBe(0);
    expect(h.engine.stats.expiredKeys).toBe(1);
    expect(h.propagated).toEqual([
      ['SET', 'k', 'v', 'PXAT', '1100'],
      ['DEL', 'k'],
    ]);
  });

  it('DEL of a logically expired key answers 0', () => {
    const h = harness();
    h.at(1000, 'SET', 'k', 'v', 'PX', '100');
    expect(h.at(2000, 'DEL', 'k')).toEqual(int(0));
  });

  it('KEYS hides expired keys without deleting them; DBSIZE still counts them', () => {
    const h = harness();
    h.at(1000, 'SET', 'a', 'v', 'PX', '100');
    h.at(1000, 'SET', 'b', 'v');
    expect(h.at(2000, 'KEYS', '*')).toEqual(bulks('b'));
    expect(h.at(2000, 'DBSIZE')).toEqual(int(2));
  });
});

describe('replica mode', () => {
  it('never deletes expired keys on reads, but returns nil', () => {
    const propagated: string[][] = [];
    const replica = new RedisEngine({ replica: true, onPropagate: (c) => propagated.push(c) });
    const link = replica.newSession({ applyingStream: true });
    const client = replica.newSession();
    replica.execute(link, ['SET', 'k', 'v', 'PXAT', '1100'], 1000);
    expect(replica.execute(client, ['GET', 'k'], 1200)).toEqual(nil);
    expect(replica.execute(client, ['EXISTS', 'k'], 1200)).toEqual(int(0));
    expect(replica.execute(client, ['PTTL', 'k'], 1200)).toEqual(int(-2));
    expect(replica.size()).toBe(1);
    expect(replica.stats.expiredKeys).toBe(0);
    // The replication link still sees the key (Redis's master client does).
    expect(replica.execute(link, ['GET', 'k'], 1200)).toEqual(bulk('v'));
    // Until the primary's DEL arrives.
    replica.execute(link, ['DEL', 'k'], 1300);
    expect(replica.size()).toBe(0);
  });

  it('keeps a past PEXPIREAT from the stream instead of deleting', () => {
    const replica = new RedisEngine({ replica: true });
    const link = replica.newSession({ applyingStream: true });
    replica.execute(link, ['SET', 'k', 'v'], 1000);
    expect(replica.execute(link, ['PEXPIREAT', 'k', '10'], 1000)).toEqual(int(1));
    expect(replica.size()).toBe(1);
    expect(replica.execute(replica.newSession(), ['GET', 'k'], 1000)).toEqual(nil);
  });

  it('applies the stream as written even when its own clock says the key expired', () => {
    // The primary still sees k (its clock is behind); the replica's clock is ahead.
    const replica = new RedisEngine({ replica: true });
    const link = replica.newSession({ applyingStream: true });
    replica.execute(link, ['SET', 'k', '5', 'PXAT', '1100'], 1000);
    expect(replica.execute(link, ['INCR', 'k'], 1500)).toEqual(int(6));
    expect(replica.dump()).toEqual([{ key: 'k', type: 'string', value: '6', expireAt: 1100 }]);
    // A plain session would have started over from an absent key (and dropped the TTL).
    const plain = new RedisEngine({ replica: true });
    const s = plain.newSession();
    plain.execute(s, ['SET', 'k', '5', 'PXAT', '1100'], 1000);
    expect(plain.execute(s, ['INCR', 'k'], 1500)).toEqual(int(1));
  });

  it('can be promoted', () => {
    const replica = new RedisEngine({ replica: true });
    const s = replica.newSession();
    replica.execute(s, ['SET', 'k', 'v', 'PX', '10'], 1000);
    replica.execute(s, ['GET', 'k'], 2000);
    expect(replica.size()).toBe(1);
    replica.setReplica(false);
    expect(replica.replica).toBe(false);
    replica.execute(s, ['GET', 'k'], 2000);
    expect(replica.size()).toBe(0);
  });
});
