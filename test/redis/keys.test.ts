/**
 * Key commands added for lock libraries and their test suites: GETSET, GETEX, UNLINK, RENAME,
 * RENAMENX, RANDOMKEY, SCAN. Replies are checked against a real redis-server, except where
 * Redis's answer depends on its random hash seed (SCAN's cursors and order, RANDOMKEY's pick):
 * there the test checks what Redis promises.
 */
import { describe, expect, it } from 'vitest';
import { parseScanCursor } from '../../src/redis/engine/commands/scan.ts';
import { RedisEngine } from '../../src/redis/engine/engine.ts';
import type { Reply } from '../../src/redis/engine/reply.ts';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { RespClient } from '../support/resp-client.ts';
import { bulk, harness, int, nil, T0 } from './helpers.ts';
import { runTranscript, withTranscriptServer, type LineInput } from './transcript.ts';

describe.runIf(realRedisTestsEnabled())('key commands, against redis-server', () => {
  const { agree, server } = withTranscriptServer();

  it('GETSET', async () => {
    await agree([
      ['GETSET', 'k', 'a'],
      ['GETSET', 'k', 'b'],
      ['SET', 'k', 'c', 'EX', '100'],
      ['GETSET', 'k', 'd'],
      ['TTL', 'k'],
      ['HSET', 'h', 'f', 'v'],
      ['GETSET', 'h', 'x'],
      ['GETSET', 'k'],
    ]);
  });

  it('GETEX with every option, and its errors', async () => {
    await agree([
      ['GETEX', 'none'],
      ['GETEX', 'none', 'EX', 'abc'],
      ['SET', 'k', 'v'],
      ['GETEX', 'k'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'EX', '100'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'PX', '200000'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'EXAT', String(Math.floor(Date.now() / 1000) + 300)],
      ['TTL', 'k'],
      ['GETEX', 'k', 'PXAT', String(Date.now() + 400_000)],
      ['TTL', 'k'],
      ['GETEX', 'k', 'PERSIST'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'PERSIST', 'PERSIST'],
      ['GETEX', 'k', 'EX', '10', 'EX', '20'],
      ['TTL', 'k'],
      ['GETEX', 'k', 'EX', '10', 'PX', '20'],
      ['GETEX', 'k', 'PERSIST', 'EX', '10'],
      ['GETEX', 'k', 'KEEPTTL'],
      ['GETEX', 'k', 'NX'],
      ['GETEX', 'k', 'EX'],
      ['GETEX', 'k', 'EX', '0'],
      ['GETEX', 'k', 'EX', '-1'],
      ['GETEX', 'k', 'PX', 'x'],
      ['GETEX', 'k', 'EX', '9223372036854776'],
      ['GETEX', 'k', 'PXAT', '9223372036854775807'],
      ['GETEX', 'k', 'PXAT', '1'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['GETEX', 'k', 'EXAT', '1'],
      ['EXISTS', 'k'],
      ['HSET', 'h', 'f', 'v'],
      ['GETEX', 'h', 'EX', '10'],
      ['GETEX'],
    ]);
  });

  it('UNLINK, RENAME and RENAMENX', async () => {
    await agree([
      ['SET', 'a', '1', 'EX', '100'],
      ['SET', 'b', '2'],
      ['UNLINK', 'b', 'b', 'none'],
      ['RENAME', 'a', 'c'],
      ['TTL', 'c'],
      ['EXISTS', 'a'],
      ['RENAME', 'a', 'c'],
      ['RENAME', 'c', 'c'],
      ['RENAMENX', 'c', 'c'],
      ['RENAMENX', 'none', 'c'],
      ['SET', 'd', '4'],
      ['RENAMENX', 'c', 'd'],
      ['RENAMENX', 'c', 'e'],
      ['SADD', 's', 'x'],
      ['RENAME', 's', 'e'],
      ['TYPE', 'e'],
      ['TTL', 'e'],
      ['RENAME', 'd', 'e'],
      ['GET', 'e'],
      ['RENAME', 'x'],
      ['UNLINK'],
    ]);
  });

  it('RANDOMKEY: nil on an empty database, a live key otherwise', async () => {
    const { replies, differences, log } = await runTranscript(server(), [
      ['RANDOMKEY'],
      ['SET', 'only', '1'],
      ['RANDOMKEY'],
      ['SET', 'two', '2'],
      ['SADD', 'three', 'x'],
      ['RANDOMKEY'],
      ['RANDOMKEY'],
      ['RANDOMKEY', 'x'],
    ]);
    expect(differences.filter((d) => !d.includes('"RANDOMKEY"\n') || d.includes("RANDOMKEY\" \"x")), log.join('\n')).toEqual([]);
    expect(replies.slice(0, 3)).toEqual([nil, { kind: 'status', value: 'OK' }, bulk('only')]);
    for (const r of replies.slice(5, 7)) expect(['only', 'two', 'three']).toContain((r as { value: string }).value);
  });

  it('SCAN: errors as Redis; a full iteration returns exactly the keys Redis returns', async () => {
    await agree([
      ['SCAN', 'x'],
      ['SCAN', ' 0'],
      ['SCAN', '0 '],
      ['SCAN', '18446744073709551616'],
      ['SCAN', '0x10'],
      ['SCAN', '0', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', '-1'],
      ['SCAN', '0', 'COUNT', 'x'],
      ['SCAN', '0', 'COUNT'],
      ['SCAN', '0', 'MATCH'],
      ['SCAN', '0', 'BOGUS', 'x'],
      ['SCAN', '0'],
      ['SCAN', ''],
      ['SCAN'],
    ]);
    const client = await RespClient.connect(server().port);
    const engine = new RedisEngine();
    const session = engine.newSession();
    try {
      await client.send(['FLUSHALL']);
      const setup: string[][] = [];
      for (let i = 0; i < 40; i++) setup.push(['SET', `key:${i}`, 'v']);
      for (let i = 0; i < 10; i++) setup.push(['SADD', `set:${i}`, 'm'], ['HSET', `hash:${i}`, 'f', 'v']);
      for (const c of setup) {
        await client.send(c);
        engine.execute(session, c, Date.now());
      }
      const fullScan = async (send: (args: string[]) => Promise<Reply>, options: string[]): Promise<string[]> => {
        const keys: string[] = [];
        let cursor = '0';
        for (let calls = 0; calls < 1000; calls++) {
          const reply = await send(['SCAN', cursor, ...options]);
          if (reply.kind !== 'array' || reply.value === null) throw new Error(`SCAN answered ${JSON.stringify(reply)}`);
          const [next, batch] = reply.value as [Reply, Reply];
          for (const k of (batch as { value: Reply[] }).value) keys.push((k as { value: string }).value);
          cursor = (next as { value: string }).value;
          if (cursor === '0') return keys;
        }
        throw new Error('SCAN did not finish in 1000 calls');
      };
      for (const options of [[], ['COUNT', '3'], ['MATCH', 'key:1*'], ['TYPE', 'set'], ['TYPE', 'HASH', 'COUNT', '1'], ['MATCH', 'nothing*'], ['TYPE', 'list']]) {
        const fromRedis = await fullScan((args) => client.send(args), options);
        const fromEngine = await fullScan(async (args) => engine.execute(session, args, Date.now()), options);
        expect(fromEngine.length, `SCAN ${options.join(' ')}: no duplicates`).toBe(new Set(fromEngine).size);
        expect([...fromEngine].sort(), `SCAN ${options.join(' ')}`).toEqual([...new Set(fromRedis)].sort());
      }
    } finally {
      await client.close();
    }
  });
});

describe('key commands: engine behaviour', () => {
  it('SCAN visits keys in a fixed order, about COUNT at a time, and never misses a key present throughout', () => {
    const h = harness();
    for (let i = 0; i < 100; i++) h.run('SET', `k${i}`, 'v');
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const reply = h.run('SCAN', cursor, 'COUNT', '7') as unknown as { value: [{ value: string }, { value: Array<{ value: string }> }] };
      cursor = reply.value[0].value;
      const batch = reply.value[1].value.map((r) => r.value);
      expect(batch.length).toBeLessThanOrEqual(8);
      seen.push(...batch);
      calls++;
      // Churn between calls: other keys come and go; k0..k99 stay.
      h.run('SET', `temp${calls}`, 'v');
      h.run('DEL', `temp${calls - 1}`);
    } while (cursor !== '0');
    const stable = seen.filter((k) => !k.startsWith('temp'));
    expect(new Set(stable).size).toBe(stable.length);
    expect(stable.sort()).toEqual(Array.from({ length: 100 }, (_, i) => `k${i}`).sort());
    expect(calls).toBeGreaterThanOrEqual(14);
    // The same keyspace scans in the same order on another engine.
    const other = harness();
    for (let i = 99; i >= 0; i--) other.run('SET', `k${i}`, 'v');
    expect(other.run('SCAN', '0', 'COUNT', '5')).toEqual(harnessWithKeys(100).run('SCAN', '0', 'COUNT', '5'));
  });

  it('SCAN deletes the expired keys it meets on a primary (propagating DEL), and skips them on a replica', () => {
    const h = harness();
    h.at(T0, 'SET', 'gone', 'v', 'PX', '10');
    h.at(T0, 'SET', 'kept', 'v');
    expect(h.at(T0 + 50, 'SCAN', '0')).toEqual({ kind: 'array', value: [bulk('0'), { kind: 'array', value: [bulk('kept')] }] });
    expect(h.propagated.at(-1)).toEqual(['DEL', 'gone']);
    const replica = new RedisEngine({ replica: true });
    const s = replica.newSession({ applyingStream: true });
    replica.execute(s, ['SET', 'gone', 'v', 'PXAT', String(T0 + 10)], T0);
    const client = replica.newSession();
    expect(replica.execute(client, ['SCAN', '0'], T0 + 50)).toEqual({ kind: 'array', value: [bulk('0'), { kind: 'array', value: [] }] });
    expect(replica.size()).toBe(1);
  });

  it('parses cursors as C’s strtoul does', () => {
    expect(parseScanCursor('')).toBe(0);
    expect(parseScanCursor('+5')).toBe(5);
    expect(parseScanCursor('-1')).toBe(18446744073709551615);
    expect(parseScanCursor('18446744073709551615')).toBe(18446744073709551615);
    expect(parseScanCursor('18446744073709551616')).toBeNull();
    expect(parseScanCursor(' 1')).toBeNull();
    expect(parseScanCursor('1x')).toBeNull();
  });

  it('RANDOMKEY deletes the expired keys it draws on a primary', () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.at(T0, 'SET', `old${i}`, 'v', 'PX', '10');
    h.at(T0, 'SET', 'live', 'v');
    expect(h.at(T0 + 50, 'RANDOMKEY')).toEqual(bulk('live'));
    expect(h.at(T0 + 50, 'DBSIZE').kind).toBe('integer');
    expect(h.engine.size()).toBeLessThanOrEqual(6);
    h.at(T0 + 50, 'DEL', 'live');
    expect(h.at(T0 + 50, 'RANDOMKEY')).toEqual(nil);
    expect(h.at(T0 + 50, 'DBSIZE')).toEqual(int(0));
  });
});

function harnessWithKeys(n: number): ReturnType<typeof harness> {
  const h = harness();
  for (let i = 0; i < n; i++) h.run('SET', `k${i}`, 'v');
  return h;
}
