/**
 * What the simulated nemesis (src/faults/nemesis.ts) records for each fault: whether it fired and
 * what it did (messages dropped, held, slowed, lost; keys on a node whose clock changed; keys a
 * crash lost; a promotion), when it ended, and when the liveness phase may start. The world: two
 * processes that post to each other every 10 ms, and Redis nodes with and without persistence.
 */
import { describe, expect, it } from 'vitest';
import type { FaultRecord } from '../../src/check/history.ts';
import type { Fault } from '../../src/faults/fault.ts';
import { Nemesis } from '../../src/faults/nemesis.ts';
import { addRedisNode, type RedisNode } from '../../src/redis/node.ts';
import { endpoint } from '../../src/sim/rpc.ts';
import { ms } from '../../src/sim/time.ts';
import { World } from '../../src/sim/world.ts';

interface Outcome {
  readonly records: FaultRecord[];
  readonly lastHealAt: number | null;
  readonly crashedClients: string[];
  readonly w: World;
  readonly nodes: Map<string, RedisNode>;
}

/**
 * Runs `faults` for `untilMs`: clients a and b post to each other every 10 ms (from 0 ms);
 * c and d stay quiet. redis-1 (no persistence) and redis-2 (AOF always) hold one key each,
 * redis-3 (AOF every second) holds one not yet fsynced; redis-r is an empty replica of redis-1.
 */
async function run(faults: readonly Fault[], untilMs = 3_000): Promise<Outcome> {
  const w = new World({ seed: 1, delay: { kind: 'fixed', ms: 1 } });
  const nodes = new Map<string, RedisNode>();
  addRedisNode(w, 'redis-1', { persistence: 'none' }, nodes);
  addRedisNode(w, 'redis-2', { persistence: 'aof-always' }, nodes);
  addRedisNode(w, 'redis-3', { persistence: 'aof-everysec' }, nodes);
  addRedisNode(w, 'redis-r', { replicaOf: 'redis-1' }, nodes);
  for (const name of ['redis-1', 'redis-2', 'redis-3']) nodes.get(name)?.inspect(['SET', `key-${name}`, 'v']);
  for (const [name, other] of [['a', 'b'], ['b', 'a'], ['c', null], ['d', null]] as const) {
    w.addProcess(name, async (ctx) => {
      const ep = endpoint(ctx);
      ep.onPost(() => {});
      for (;;) {
        if (other !== null) ep.post(other, 'ping');
        await ctx.clock.sleep(10);
      }
    });
  }
  const crashedClients: string[] = [];
  const nemesis = new Nemesis({ world: w, nodes, isClient: (p) => ['a', 'b', 'c', 'd'].includes(p), onClientCrash: (p) => crashedClients.push(p) });
  nemesis.schedule(faults);
  await w.run({ until: ms(untilMs) });
  const records = nemesis.finish();
  return { records, lastHealAt: nemesis.lastHealAt, crashedClients, w, nodes };
}

/** Each record as `fired: effect`. */
const effects = (records: readonly FaultRecord[]): string[] => records.map((r) => `${r.fired}: ${r.effect}`);

describe('network fault records', () => {
  it('count the messages each fault dropped, held, slowed or lost on its own links', async () => {
    const { records } = await run([
      { kind: 'cut', at: 105, from: ['a'], to: ['b'], durationMs: 100 },
      { kind: 'partition', at: 305, groups: [['a'], ['b']], mode: 'hold', durationMs: 100 },
      { kind: 'delay', at: 505, from: ['a'], to: ['b'], delay: { kind: 'fixed', ms: 5 }, durationMs: 100 },
      { kind: 'loss', at: 705, from: ['b'], to: ['a'], probability: 1, durationMs: 100 },
      { kind: 'partition', at: 905, groups: [['a'], ['b'], ['c']], durationMs: 100 },
    ]);
    expect(effects(records)).toEqual([
      'true: 10 messages dropped, 0 held',
      'true: 0 messages dropped, 20 held',
      'true: 10 messages slowed',
      'true: 10 messages lost',
      'true: 20 messages dropped, 0 held',
    ]);
  });

  it('say a fault on quiet links did nothing', async () => {
    const { records } = await run([
      { kind: 'cut', at: 105, from: ['c'], to: ['d'], durationMs: 100 },
      { kind: 'partition', at: 105, groups: [['c'], ['d']], durationMs: 100 },
      { kind: 'delay', at: 105, from: ['c', 'a'], to: ['d', 'c'], delay: { kind: 'fixed', ms: 5 }, durationMs: 100 },
      { kind: 'loss', at: 105, from: ['c'], to: ['d'], probability: 1, durationMs: 100 },
      // A delay on a link that carries traffic but loses nothing: no loss to report.
      { kind: 'loss', at: 305, from: ['a'], to: ['b'], probability: 0, durationMs: 100 },
    ]);
    expect(effects(records)).toEqual(Array.from({ length: 5 }, () => 'false: no effect observed'));
  });

  it('a cut is one way: the other direction keeps delivering', async () => {
    const { records, w } = await run([{ kind: 'cut', at: 105, from: ['a'], to: ['b'] }], 500);
    expect(effects(records)).toEqual(['true: 40 messages dropped, 0 held']);
    expect(w.network.link('b', 'a').stats.dropped).toBe(0);
  });
});

describe('clock fault records', () => {
  it('drift: the TTLs on a node with keys shorten or stretch; a client\'s clock rate changes; a quiet empty node shows nothing', async () => {
    const { records, w } = await run([
      { kind: 'drift', at: 100, process: 'redis-1', ppm: 20_000, durationMs: 100 },
      { kind: 'drift', at: 100, process: 'redis-2', ppm: -5_000 },
      { kind: 'drift', at: 100, process: 'a', ppm: 5_000, durationMs: 50 },
      { kind: 'drift', at: 100, process: 'redis-r', ppm: 5_000, durationMs: 50 },
    ]);
    expect(effects(records)).toEqual([
      'true: every TTL on redis-1 shortened by 2%',
      'true: every TTL on redis-2 stretched by 0.5%',
      "true: a's clock rate changed",
      'false: no effect observed',
    ]);
    expect(records.map((r) => (r.endedAt === undefined ? undefined : r.endedAt / 1000))).toEqual([200, undefined, 150, 150]);
    expect([w.process('redis-1').clock.driftPpm, w.process('redis-2').clock.driftPpm]).toEqual([0, -5_000]);
  });

  it('a drift or a jump of zero reads as a stretch and a late expiry', async () => {
    const { records } = await run([
      { kind: 'drift', at: 100, process: 'redis-1', ppm: 0 },
      { kind: 'jump', at: 100, process: 'redis-1', deltaMs: 0 },
    ]);
    expect(effects(records)).toEqual(['true: every TTL on redis-1 stretched by 0%', 'true: 1 keys on redis-1 expire 0ms late']);
  });

  it('drift: a node that served a command counts, even without keys', async () => {
    const w0 = await run([]);
    expect(w0.records).toEqual([]);
    const w = new World({ seed: 1, delay: { kind: 'fixed', ms: 1 } });
    const nodes = new Map<string, RedisNode>();
    addRedisNode(w, 'redis-1', {}, nodes);
    w.addProcess('a', async (ctx) => {
      await endpoint(ctx).request('redis-1', { connection: 1, args: ['GET', 'nothing'] }, 1_000);
    });
    const nemesis = new Nemesis({ world: w, nodes, isClient: () => false, onClientCrash: () => {} });
    nemesis.schedule([{ kind: 'drift', at: 100, process: 'redis-1', ppm: -10_000 }]);
    await w.run({ until: ms(500) });
    expect(effects(nemesis.finish())).toEqual(['true: every TTL on redis-1 stretched by 1%']);
  });

  it('jump: the keys on a node expire early or late; a client\'s wall clock steps; an empty node shows nothing', async () => {
    const { records, w, lastHealAt } = await run([
      { kind: 'jump', at: 100, process: 'redis-1', deltaMs: 500 },
      { kind: 'jump', at: 100, process: 'redis-2', deltaMs: -300 },
      { kind: 'jump', at: 100, process: 'a', deltaMs: -300 },
      { kind: 'jump', at: 120, process: 'redis-r', deltaMs: 40 },
    ]);
    expect(effects(records)).toEqual([
      'true: 1 keys on redis-1 expire 500ms early',
      'true: 1 keys on redis-2 expire 300ms late',
      "true: a's wall clock stepped -300ms",
      'false: no effect observed',
    ]);
    const wall = (p: string): number => w.process(p).clock.wallMicros(w.now) - w.process('c').clock.wallMicros(w.now);
    expect([wall('redis-1'), wall('a'), wall('redis-r')]).toEqual([500_000, -300_000, 40_000]);
    // A jump is over as it happens: the liveness phase may start after it.
    expect(lastHealAt).toBe(ms(120));
  });
});

describe('process fault records', () => {
  it('pause: counts what waited for the resume', async () => {
    const { records, w } = await run([
      { kind: 'pause', at: 105, process: 'a', durationMs: 100 },
      { kind: 'pause', at: 105, process: 'd', durationMs: 100 },
      { kind: 'pause', at: 1_005, process: 'c', durationMs: 0 },
    ]);
    // a's own timer, and b's ten messages
    expect(effects(records)).toEqual(['true: 11 timer firings and messages waited until resume', 'true: 1 timer firing or message waited until resume', 'false: no effect observed']);
    expect(w.process('a').state).toBe('running');
  });

  it('crash: what a node had and what its restart lost, by persistence; a client dies and is reported', async () => {
    const { records, crashedClients } = await run([
      { kind: 'crash', at: 100, process: 'redis-1', restartAfterMs: 100 },
      { kind: 'crash', at: 100, process: 'redis-2', restartAfterMs: 100 },
      { kind: 'crash', at: 100, process: 'redis-3', restartAfterMs: 100 },
      { kind: 'crash', at: 400, process: 'redis-3', restartAfterMs: 100, machine: true },
      { kind: 'crash', at: 100, process: 'redis-r' },
      { kind: 'crash', at: 100, process: 'a', restartAfterMs: 100 },
    ]);
    expect(effects(records)).toEqual([
      'true: 1 keys at crash, 1 lost on restart',
      'true: 1 keys at crash, 0 lost on restart',
      'true: 1 keys at crash, 0 lost on restart', // a process crash: the kernel kept the AOF (its second crash does not change this)
      'true: redis-r down with 0 keys',
      'true: a died',
      'true: 1 keys at crash, 0 lost on restart', // a power loss, but the key was on disk since the restart
    ]);
    expect(crashedClients).toEqual(['a']);
  });

  it('crash: a node that is not a client is not reported as one; a client\'s power loss is its death', async () => {
    const { crashedClients, records } = await run([
      { kind: 'crash', at: 100, process: 'redis-1' },
      { kind: 'crash', at: 100, process: 'b', machine: true },
    ]);
    expect(crashedClients).toEqual(['b']);
    expect(effects(records)).toEqual(['true: redis-1 down with 1 keys', 'true: b died']);
  });

  it('crash: overlapping crashes of a node both see its one restart; a later crash without restart says the node is down', async () => {
    const { records } = await run([
      { kind: 'crash', at: 100, process: 'redis-1', restartAfterMs: 500 },
      { kind: 'crash', at: 200, process: 'redis-1', restartAfterMs: 100 },
      { kind: 'crash', at: 1_000, process: 'redis-2', restartAfterMs: 100 },
      { kind: 'crash', at: 2_000, process: 'redis-2' },
    ]);
    expect(effects(records)).toEqual([
      'true: 1 keys at crash, 1 lost on restart',
      'true: 1 keys at crash, 1 lost on restart',
      'true: 1 keys at crash, 0 lost on restart',
      'true: redis-2 down with 1 keys',
    ]);
  });

  it('crash: a process crash of an AOF-everysec node after an fsync loses nothing; a power loss, what came after it', async () => {
    const w = new World({ seed: 1 });
    const nodes = new Map<string, RedisNode>();
    addRedisNode(w, 'redis-3', { persistence: 'aof-everysec' }, nodes);
    const nemesis = new Nemesis({ world: w, nodes, isClient: () => false, onClientCrash: () => {} });
    w.at(ms(500), () => nodes.get('redis-3')?.inspect(['SET', 'early', 'v']));
    w.at(ms(1_500), () => nodes.get('redis-3')?.inspect(['SET', 'late', 'v']));
    w.at(ms(1_700), () => nodes.get('redis-3')?.inspect(['SET', 'later', 'v']));
    nemesis.schedule([
      { kind: 'crash', at: 1_600, process: 'redis-3', restartAfterMs: 10, machine: true },
      { kind: 'crash', at: 1_800, process: 'redis-3', restartAfterMs: 10 },
    ]);
    await w.run({ until: ms(3_000) });
    expect(effects(nemesis.finish())).toEqual(['true: 2 keys at crash, 1 lost on restart', 'true: 2 keys at crash, 0 lost on restart']);
  });
});

describe('failover records', () => {
  it('a replica is promoted; a node already primary is not; a name that is no node is an error', async () => {
    const { records, nodes, lastHealAt } = await run([
      { kind: 'failover', at: 100, replica: 'redis-r' },
      { kind: 'failover', at: 200, replica: 'redis-r' },
    ]);
    expect(effects(records)).toEqual(['true: redis-r promoted to primary', 'false: no effect observed']);
    expect(nodes.get('redis-r')?.currentRole).toBe('primary');
    expect(lastHealAt).toBe(ms(200));
    await expect(run([{ kind: 'failover', at: 100, replica: 'a' }])).rejects.toThrow("failover: 'a' is not a Redis node");
  });
});

describe('ends, heals and the start of the liveness phase', () => {
  it('each record starts at its fault\'s time; a fault without a length never ends on its own', async () => {
    const { records, lastHealAt } = await run([
      { kind: 'cut', at: 105, from: ['a'], to: ['b'] },
      { kind: 'loss', at: 107, from: ['a'], to: ['b'], probability: 0.5 },
    ]);
    expect(records.map((r) => [r.at, r.endedAt])).toEqual([[ms(105), undefined], [ms(107), undefined]]);
    expect(lastHealAt).toBeNull();
  });

  it('a heal ends what is still open; the faults\' own ends after it change nothing', async () => {
    const { records, lastHealAt } = await run([
      { kind: 'cut', at: 100, from: ['a'], to: ['b'], durationMs: 2_000 },
      { kind: 'drift', at: 100, process: 'redis-1', ppm: 5_000, durationMs: 2_000 },
      { kind: 'crash', at: 100, process: 'redis-2', restartAfterMs: 2_000 },
      { kind: 'pause', at: 100, process: 'c', durationMs: 50 },
      { kind: 'heal', at: 1_000 },
    ]);
    expect(records.map((r) => (r.endedAt ?? 0) / 1000)).toEqual([1_000, 1_000, 1_000, 150, 1_000]);
    expect(records.at(-1)?.effect).toBe('3 things healed');
    expect(lastHealAt).toBe(ms(1_000));
  });

  it('a heal with nothing left to heal did nothing', async () => {
    const { records, lastHealAt } = await run([
      { kind: 'cut', at: 100, from: ['a'], to: ['b'], durationMs: 100 },
      { kind: 'heal', at: 1_000 },
    ]);
    expect(effects(records).at(-1)).toBe('false: no effect observed');
    expect(records[0]?.endedAt).toBe(ms(200));
    expect(lastHealAt).toBe(ms(1_000));
  });

  it('the liveness phase starts when the last effect ended on its own', async () => {
    const { lastHealAt } = await run([
      { kind: 'cut', at: 100, from: ['a'], to: ['b'], durationMs: 700 },
      { kind: 'pause', at: 100, process: 'c', durationMs: 300 },
    ]);
    expect(lastHealAt).toBe(ms(800));
  });

  it('refuses a fault kind it has no effect for (one that bypassed validation), naming it', async () => {
    await expect(run([{ kind: 'nap', at: 100 } as unknown as Fault])).rejects.toThrow('nemesis: no effect for fault {"kind":"nap","at":100}');
  });

  it('notes each fault in the trace as it is applied', async () => {
    const w = new World({ seed: 1, keepTrace: true });
    w.addProcess('a', async () => {});
    const nemesis = new Nemesis({ world: w, nodes: new Map(), isClient: () => false, onClientCrash: () => {} });
    nemesis.schedule([{ kind: 'crash', at: 100, process: 'a' }]);
    await w.run({ until: ms(200) });
    const notes = (w.trace.entries ?? []).filter((e) => e.kind === 'note').map((e) => [e.at, e.detail]);
    expect(notes).toEqual([[ms(100), 'fault @100ms crash a']]);
  });
});
