import { describe, expect, it } from 'vitest';
import { RedisEngine } from '../../src/redis/engine/engine.ts';
import { arr, bulk, err, int, nil, nilArray, ok, st } from './helpers.ts';

const QUEUED = st('QUEUED');
const EXECABORT = err('EXECABORT Transaction discarded because of previous errors.');

function twoClients() {
  const engine = new RedisEngine();
  const a = engine.newSession();
  const b = engine.newSession();
  return {
    engine,
    a: (now: number, ...args: string[]) => engine.execute(a, args, now),
    b: (now: number, ...args: string[]) => engine.execute(b, args, now),
  };
}

describe('MULTI / EXEC / DISCARD', () => {
  it('queues, then runs with per-command errors in the reply', () => {
    const { a } = twoClients();
    expect(a(0, 'MULTI')).toEqual(ok);
    expect(a(0, 'SET', 'a', '1')).toEqual(QUEUED);
    expect(a(0, 'INCR', 'a')).toEqual(QUEUED);
    expect(a(0, 'HSET', 'a', 'f', 'v')).toEqual(QUEUED);
    expect(a(0, 'GET', 'a')).toEqual(QUEUED);
    expect(a(0, 'EXEC')).toEqual(arr(ok, int(2), err('WRONGTYPE Operation against a key holding the wrong kind of value'), bulk('2')));
  });

  it('aborts with EXECABORT after a queueing error', () => {
    const { a } = twoClients();
    a(0, 'MULTI');
    expect(a(0, 'MULTI')).toEqual(err('ERR MULTI calls can not be nested'));
    expect(a(0, 'GET', 'a')).toEqual(QUEUED);
    expect(a(0, 'SET', 'a')).toEqual(err("ERR wrong number of arguments for 'set' command"));
    expect(a(0, 'EXEC')).toEqual(EXECABORT);
    a(0, 'MULTI');
    a(0, 'nosuch');
    expect(a(0, 'EXEC')).toEqual(EXECABORT);
    expect(a(0, 'EXEC')).toEqual(err('ERR EXEC without MULTI'));
  });

  it('nested MULTI and WATCH inside MULTI are refused without aborting', () => {
    const { a } = twoClients();
    a(0, 'MULTI');
    expect(a(0, 'MULTI')).toEqual(err('ERR MULTI calls can not be nested'));
    expect(a(0, 'WATCH', 'x')).toEqual(err('ERR WATCH inside MULTI is not allowed'));
    expect(a(0, 'EXEC')).toEqual(arr());
  });

  it('EXEC and DISCARD arity and misuse', () => {
    const { a } = twoClients();
    expect(a(0, 'EXEC')).toEqual(err('ERR EXEC without MULTI'));
    expect(a(0, 'DISCARD')).toEqual(err('ERR DISCARD without MULTI'));
    a(0, 'MULTI');
    expect(a(0, 'EXEC', 'x')).toEqual(err("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command"));
    expect(a(0, 'EXEC')).toEqual(err('ERR EXEC without MULTI'));
    a(0, 'MULTI');
    expect(a(0, 'DISCARD', 'x')).toEqual(err("ERR wrong number of arguments for 'discard' command"));
    expect(a(0, 'EXEC')).toEqual(EXECABORT);
    a(0, 'MULTI');
    a(0, 'SET', 'k', 'v');
    expect(a(0, 'DISCARD')).toEqual(ok);
    expect(a(0, 'GET', 'k')).toEqual(nil);
  });

  it('runs every queued command at the time of EXEC', () => {
    const { a } = twoClients();
    a(1000, 'MULTI');
    a(1000, 'SET', 'k', 'v', 'PX', '100');
    a(5000, 'EXEC');
    expect(a(5100, 'GET', 'k')).toEqual(bulk('v'));
    expect(a(5101, 'GET', 'k')).toEqual(nil);
  });
});

describe('WATCH', () => {
  it('aborts when another client modifies a watched key, not when it only reads it', () => {
    const { a, b } = twoClients();
    a(0, 'SET', 'k', '1');
    a(0, 'WATCH', 'k');
    b(0, 'GET', 'k');
    a(0, 'MULTI');
    a(0, 'GET', 'k');
    expect(a(0, 'EXEC')).toEqual(arr(bulk('1')));
    a(0, 'WATCH', 'k');
    b(0, 'SET', 'k', '2');
    a(0, 'MULTI');
    a(0, 'GET', 'k');
    expect(a(0, 'EXEC')).toEqual(nilArray);
  });

  it('counts the client’s own writes, failed writes do not count, UNWATCH forgets', () => {
    const { a, b } = twoClients();
    a(0, 'WATCH', 'k');
    a(0, 'SET', 'k', 'x');
    a(0, 'MULTI');
    expect(a(0, 'EXEC')).toEqual(nilArray);
    a(0, 'WATCH', 'k');
    b(0, 'SET', 'k', 'y', 'NX');
    b(0, 'SET', 'k', 'y', 'NX', 'XX');
    a(0, 'MULTI');
    expect(a(0, 'EXEC')).toEqual(arr());
    a(0, 'WATCH', 'k');
    b(0, 'SET', 'k', 'z');
    a(0, 'UNWATCH');
    a(0, 'MULTI');
    expect(a(0, 'EXEC')).toEqual(arr());
  });

  it('EXPIRE, DEL of a missing key, FLUSHALL', () => {
    const { a, b } = twoClients();
    a(0, 'SET', 'k', 'v');
    a(0, 'WATCH', 'k');
    b(0, 'EXPIRE', 'k', '100');
    a(0, 'MULTI');
    expect(a(0, 'EXEC')).toEqual(nilArray);
    a(0, 'WATCH', 'missing');
    b(0, 'DEL', 'missing');
    a(0, 'MULTI');
    expect(a(0, 'EXEC')).toEqual(arr());
    a(0, 'WATCH', 'k');
    b(0, 'FLUSHALL');
    a(0, 'MULTI');
    expect(a(0, 'EXEC')).toEqual(nilArray);
    a(0, 'WATCH', 'missing');
    b(0, 'FLUSHALL');
    a(0, 'MULTI');
    expect(a(0, 'EXEC')).toEqual(arr());
  });

  it('notices expiry as Redis 7.0 does', () => {
    const { a, b } = twoClients();
    // Watched while alive, expired before EXEC: abort (even with nobody touching it).
    a(1000, 'SET', 'e', 'v', 'PX', '100');
    a(1000, 'WATCH', 'e');
    a(1200, 'MULTI');
    expect(a(1200, 'EXEC')).toEqual(nilArray);
    // Watched while alive, expired and lazily deleted by another client's read: abort.
    a(2000, 'SET', 'e', 'v', 'PX', '100');
    a(2000, 'WATCH', 'e');
    b(2200, 'GET', 'e');
    a(2200, 'MULTI');
    expect(a(2200, 'EXEC')).toEqual(nilArray);
    // Already expired when watched: no change.
    a(3000, 'SET', 'e', 'v', 'PX', '100');
    a(3200, 'WATCH', 'e');
    a(3200, 'MULTI');
    expect(a(3200, 'EXEC')).toEqual(arr());
    // Already expired when watched, then deleted by a read: still no logical change.
    a(4000, 'SET', 'e', 'v', 'PX', '100');
    a(4200, 'WATCH', 'e');
    b(4200, 'GET', 'e');
    a(4200, 'MULTI');
    expect(a(4200, 'EXEC')).toEqual(arr());
    // Already expired when watched, then set again: a change.
    a(5000, 'SET', 'e', 'v', 'PX', '100');
    a(5200, 'WATCH', 'e');
    b(5200, 'SET', 'e', 'new');
    a(5200, 'MULTI');
    expect(a(5200, 'EXEC')).toEqual(nilArray);
  });
});
