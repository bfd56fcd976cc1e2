/**
 * The real-mode nemesis (src/real/nemesis.ts) applying each kind's real effect (src/faults/kinds/)
 * at its true time, against in-memory stand-ins for the run's processes and links: no server is
 * started here (test/real/real-mode.test.ts replays scenarios against real ones). What is checked
 * is what the nemesis asks of the processes and the network, in which order, and what its records
 * say; times are real (a few tens of ms), and only their order is asserted.
 */
import { describe, expect, it } from 'vitest';
import type { Fault } from '../../src/faults/fault.ts';
import type { RealClient, RealClientState, RealNetwork, RealNode, RealRoute, RealServerProcess } from '../../src/faults/real-context.ts';
import { RealNemesis, unsupportedFaults } from '../../src/real/nemesis.ts';
import { ResourceServer } from '../../src/real/resource-server.ts';
import { TrueTime } from '../../src/real/true-time.ts';
import { sleep } from './helpers.ts';

/** What the stand-ins were asked to do, in order. */
type Log = string[];

function client(name: string, log: Log): RealClient & { state: RealClientState; rate: number } {
  const c = {
    name,
    state: 'running' as RealClientState,
    rate: 1,
    pause: () => (c.state === 'running' ? ((c.state = 'paused'), log.push(`SIGSTOP ${name}`), true) : false),
    resume: () => (c.state === 'paused' ? ((c.state = 'running'), log.push(`SIGCONT ${name}`), true) : false),
    crash: () => (c.state !== 'crashed' ? ((c.state = 'crashed'), log.push(`SIGKILL ${name}`), true) : false),
    restart: async () => {
      c.state = 'running';
      log.push(`restart ${name}`);
      return 1;
    },
    setRate: (rate: number) => {
      c.rate = rate;
      log.push(`rate ${name} ${rate}`);
    },
    jump: (ms: number) => void log.push(`jump ${name} ${ms}`),
  };
  return c;
}

function node(name: string, log: Log, options: { primary?: string; keys?: number } = {}): RealNode & { process: RealServerProcess } {
  let rate = 1;
  const server = {
    state: 'running' as 'running' | 'paused' | 'stopped',
    persistence: 'none',
    clock: {
      rate: () => rate,
      setRate: (r: number) => {
        rate = r;
        log.push(`shim rate ${name} ${r}`);
      },
      jump: (ms: number) => void log.push(`shim jump ${name} ${ms}`),
    },
    pause: () => void ((server.state = 'paused'), log.push(`SIGSTOP ${name}`)),
    resume: () => void ((server.state = 'running'), log.push(`SIGCONT ${name}`)),
    kill: async () => void ((server.state = 'stopped'), log.push(`SIGKILL ${name}`)),
    restart: async () => void ((server.state = 'running'), log.push(`restart ${name}`)),
  };
  return {
    name,
    process: server,
    primary: options.primary,
    keys: async () => (server.state === 'running' ? (options.keys ?? 0) : null),
    promote: async () => void log.push(`REPLICAOF NO ONE ${name}`),
  };
}

/** Routes: client-1 ↔ redis-1 through proxy p1; clients to the resource over its links; nothing else. */
function network(log: Log, resource: ResourceServer): RealNetwork {
  let effects = 0;
  return {
    route: (from, to): RealRoute => {
      const key = `${from}->${to}`;
      if (from === 'client-1' && to === 'redis-1') return { kind: 'proxy', key, proxy: 'p1', stream: 'upstream', client: from, node: to };
      if (from === 'redis-1' && to === 'client-1') return { kind: 'proxy', key, proxy: 'p1', stream: 'downstream', client: to, node: from };
      if (from.startsWith('client') && to === 'resource') return { kind: 'resource', key, link: resource.link(from, 'in') };
      return { kind: 'none', key };
    },
    cut: async (proxy, stream, mode, name) => {
      effects++;
      log.push(`cut ${proxy} ${stream} ${mode} as ${name}`);
      return `cut (${mode})`;
    },
    delay: async (proxy, stream, delay, name) => {
      effects++;
      log.push(`delay ${proxy} ${stream} ${JSON.stringify(delay)} as ${name}`);
      return 'slowed';
    },
    heal: async (proxy, name) => {
      effects = Math.max(0, effects - 1);
      log.push(`heal ${proxy} ${name}`);
    },
    healAll: async () => {
      log.push('heal all proxies');
      const n = effects;
      effects = 0;
      return n;
    },
    redirect: async (primary, to) => {
      log.push(`redirect ${primary} -> ${to}`);
      return 2;
    },
  };
}

/** Runs `faults` for `ms` of real time against the stand-ins; what they were asked and what was recorded. */
async function run(faults: readonly Fault[], ms: number) {
  const log: Log = [];
  let origin: TrueTime | undefined;
  const now = () => origin?.now() ?? 0;
  const resource = await ResourceServer.start({ mode: 'unguarded', now, random: () => 0.99 });
  const crashes: string[] = [];
  try {
    const nemesis = new RealNemesis({
      now,
      nodes: new Map([
        ['redis-1', node('redis-1', log, { keys: 3 })],
        ['redis-1-replica', node('redis-1-replica', log, { primary: 'redis-1', keys: 1 })],
      ]),
      clients: new Map([
        ['client-1', client('client-1', log)],
        ['client-2', client('client-2', log)],
      ]),
      resource,
      network: network(log, resource),
      onClientCrash: (c) => crashes.push(c),
    });
    await nemesis.applyInitial(faults);
    origin = TrueTime.startingNow();
    nemesis.schedule(faults);
    await sleep(ms);
    const endedAt = now();
    await nemesis.stop();
    const records = nemesis.finish(endedAt);
    return { log, records, crashes, timings: nemesis.timings, errors: nemesis.errors, lastHealAt: nemesis.lastHealAt };
  } finally {
    await resource.close();
  }
}

describe('the real nemesis', () => {
  it('pauses and resumes a client and a node at their times, and records it', async () => {
    const { log, records, timings } = await run(
      [
        { kind: 'pause', at: 10, process: 'client-1', durationMs: 30 },
        { kind: 'pause', at: 20, process: 'redis-1', durationMs: 40 },
      ],
      150,
    );
    expect(log).toEqual(['SIGSTOP client-1', 'SIGSTOP redis-1', 'SIGCONT client-1', 'SIGCONT redis-1']);
    expect(records.map((r) => [r.description, r.fired, r.effect])).toEqual([
      ['@10ms pause client-1 for 30ms', true, 'SIGSTOP client-1, SIGCONT 30 ms later'],
      ['@20ms pause redis-1 for 40ms', true, 'SIGSTOP redis-1, SIGCONT 40 ms later'],
    ]);
    for (const r of records) expect(r.endedAt).toBeGreaterThan(r.at);
    expect(timings.map((t) => [t.scheduledMs, t.beforeStart, t.lagMs >= 0])).toEqual([
      [10, false, true],
      [20, false, true],
    ]);
  });

  it('cuts and delays proxied links with toxics named by fault and stream, and heals each at its end', async () => {
    const { log, records } = await run(
      [
        { kind: 'partition', at: 0, groups: [['client-1'], ['redis-1']], mode: 'hold', durationMs: 20 },
        { kind: 'delay', at: 30, from: ['client-1'], to: ['redis-1'], delay: { kind: 'fixed', ms: 25 }, durationMs: 10 },
        { kind: 'cut', at: 50, from: ['client-2'], to: ['client-1'], durationMs: 10 },
      ],
      200,
    );
    expect(log).toEqual([
      'cut p1 upstream hold as f0-hold-upstream',
      'cut p1 downstream hold as f0-hold-downstream',
      'heal p1 f0-hold-upstream',
      'heal p1 f0-hold-downstream',
      'delay p1 upstream {"kind":"fixed","ms":25} as f1-delay-upstream',
      // A delay's toxic stays until what was sent during it has arrived: 25 ms after its end.
      'heal p1 f1-delay-upstream',
    ]);
    expect(records.map((r) => [r.fired, r.effect])).toEqual([
      [true, 'client-1↔redis-1: cut (hold)'],
      [true, 'client-1→redis-1: slowed'],
      [false, 'no effect observed'],
    ]);
  });

  it('drops, holds and slows the resource links message by message', async () => {
    const { records } = await run([{ kind: 'cut', at: 10, from: ['client-1'], to: ['resource'], durationMs: 30 }], 80);
    // Nothing was sent over the link meanwhile: the record says the cut did nothing.
    expect(records.map((r) => [r.fired, r.effect])).toEqual([[false, 'no effect observed']]);
  });

  it('moves clocks: a node by its shim, a client over IPC; a drift ends at the declared rate', async () => {
    const { log, records } = await run(
      [
        { kind: 'drift', at: 10, process: 'redis-1', ppm: 20_000, durationMs: 20 },
        { kind: 'jump', at: 40, process: 'client-2', deltaMs: -500 },
        { kind: 'jump', at: 50, process: 'redis-1', deltaMs: 300 },
      ],
      120,
    );
    expect(log).toEqual(['shim rate redis-1 1.02', 'shim rate redis-1 1', 'jump client-2 -500', 'shim jump redis-1 300']);
    expect(records.map((r) => r.effect)).toEqual([
      "redis-1's wall clock (clock shim) runs at rate 1.02: every TTL on it shortened by 2%",
      "client-2's wall clock stepped -500ms",
      '3 keys on redis-1 expire 300ms early (clock shim stepped)',
    ]);
  });

  it('crashes a client (the history hears of it) and restarts it; crashes a node and restarts it on its folder', async () => {
    const { log, records, crashes } = await run(
      [
        { kind: 'crash', at: 10, process: 'client-1', restartAfterMs: 20 },
        { kind: 'crash', at: 20, process: 'redis-1', restartAfterMs: 20 },
      ],
      150,
    );
    expect(crashes).toEqual(['client-1']);
    expect(log).toEqual(['SIGKILL client-1', 'SIGKILL redis-1', 'restart client-1', 'restart redis-1']);
    expect(records.map((r) => r.effect)).toEqual([expect.stringMatching(/^client-1 SIGKILLed; restarted as a new process \d+\.\d ms after its time$/), '3 keys at crash (SIGKILL), 0 lost on restart (persistence none)']);
  });

  it('fails over: promotes the replica and points the primary’s client links at it', async () => {
    const { log, records, lastHealAt } = await run([{ kind: 'failover', at: 10, replica: 'redis-1-replica' }], 60);
    expect(log).toEqual(['REPLICAOF NO ONE redis-1-replica', 'redirect redis-1 -> redis-1-replica']);
    expect(records[0]?.effect).toBe('redis-1-replica promoted (REPLICAOF NO ONE) holding 1 keys; 2 client link(s) to redis-1 now lead to it');
    expect(lastHealAt).not.toBeNull();
  });

  it('a heal ends what is still open: network, pauses, crashes, clocks; and counts what it healed', async () => {
    const { log, records, lastHealAt } = await run(
      [
        { kind: 'cut', at: 10, from: ['client-1'], to: ['redis-1'], durationMs: 10_000 },
        { kind: 'pause', at: 10, process: 'client-2', durationMs: 10_000 },
        { kind: 'crash', at: 10, process: 'redis-1' },
        { kind: 'drift', at: 10, process: 'client-1', ppm: -50_000 },
        { kind: 'heal', at: 50 },
      ],
      150,
    );
    expect(log.slice(4)).toEqual(['heal all proxies', 'rate client-1 1', 'SIGCONT client-2', 'restart redis-1']);
    expect(records.at(-1)?.effect).toBe('4 things healed');
    const healAt = records.at(-1)?.at as number;
    for (const r of records) expect(r.endedAt).toBeGreaterThanOrEqual(healAt);
    expect(lastHealAt).toBeGreaterThanOrEqual(healAt);
  });

  it('puts faults due at 0 ms in place before the run, and their heals wait for it', async () => {
    const { log, timings } = await run([{ kind: 'pause', at: 0, process: 'client-1', durationMs: 20 }], 80);
    expect(log).toEqual(['SIGSTOP client-1', 'SIGCONT client-1']);
    expect(timings).toEqual([{ scheduledMs: 0, appliedMs: 0, lagMs: 0, beforeStart: true }]);
  });

  it('records a fault due after the run as never applied, as the simulation does', async () => {
    const { records, log } = await run([{ kind: 'pause', at: 60_000, process: 'client-1', durationMs: 20 }], 30);
    expect(log).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ at: 60_000_000, fired: false, effect: expect.stringMatching(/^never applied: the run ended at [\d.]+ ms, before 60000 ms$/) });
  });

  it('refuses up front what no real machine can do, naming each fault', () => {
    const isNode = (p: string) => p.startsWith('redis');
    expect(
      unsupportedFaults(
        [
          { kind: 'loss', at: 5, from: ['client-1'], to: ['redis-1'], probability: 0.5 },
          { kind: 'loss', at: 5, from: ['client-1'], to: ['resource'], probability: 0.5 },
          { kind: 'crash', at: 7, process: 'redis-2', machine: true },
          { kind: 'crash', at: 7, process: 'client-1', machine: true },
        ],
        isNode,
      ),
    ).toEqual([
      'faults[0] (@5ms lose 50% client-1 -> redis-1): a TCP link to Redis cannot lose single messages (real mode supports loss only between clients and the resource)',
      "faults[2] (@7ms power loss of redis-2): a machine crash (power loss) cannot be made on this machine: SIGKILL keeps what redis-server handed to the kernel; use a process crash (drop 'machine: true') or run this fault in simulation",
    ]);
  });
});

