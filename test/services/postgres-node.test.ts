/**
 * The simulated PostgreSQL server on the simulated network (src/services/postgres/node.ts): when
 * a session ends, and so when its locks go. Each test drives a small world with node-postgres's
 * simulated Client and checks, in true time, who holds the lock.
 */
import { describe, expect, it } from 'vitest';
import { World, ms, seconds } from '../../src/sim/index.ts';
import type { ProcessContext } from '../../src/sim/process.ts';
import { addPostgresNode, type PostgresNode } from '../../src/services/postgres/node.ts';
import { pgModule, type PgModule } from '../../src/services/postgres/pg-module.ts';
import type { SimPgClient } from '../../src/services/postgres/pg-client.ts';
import type { PostgresSettings } from '../../src/services/postgres/settings.ts';
import { AddressMap } from '../../src/clients/addresses.ts';
import { runScenario } from '../../src/scenario/run.ts';
import dbSessionPartition from '../../scenarios/db-session-partition.ts';
import { pgAdvisoryLock } from '../../src/locks/index.ts';
import type { Scenario } from '../../src/scenario/types.ts';

const KEEPALIVE: PostgresSettings = { tcp_keepalives_idle: 5, tcp_keepalives_interval: 1, tcp_keepalives_count: 3 };

interface Harness {
  readonly world: World;
  readonly node: PostgresNode;
  readonly log: string[];
  /** True time now, ms. */
  now(): number;
  /** A client process running `main` with node-postgres bound to it. */
  client(name: string, main: (pg: PgModule, ctx: ProcessContext) => Promise<void>): void;
}

function harness(settings: PostgresSettings = KEEPALIVE): Harness {
  const world = new World({ seed: 1 });
  const node = addPostgresNode(world, 'postgres-1', settings);
  const log: string[] = [];
  return {
    world,
    node,
    log,
    now: () => world.now / 1000,
    client(name, main) {
      world.addProcess(name, (ctx) => main(pgModule({ ctx, addresses: AddressMap.forNodes(['postgres-1'], {}, 5432) }), ctx));
    },
  };
}

/** A connected client that records its errors instead of dying of them. */
async function connected(pg: PgModule, log: string[], name: string, config = {}): Promise<SimPgClient> {
  const c = new pg.Client(config);
  c.on('error', (e: Error) => log.push(`${name} error: ${e.message}`));
  await c.connect();
  return c;
}

const tryLock = async (c: SimPgClient, key = 1): Promise<boolean> => (await c.query('SELECT pg_try_advisory_lock($1) AS locked', [key])).rows[0]?.locked === true;

describe('the simulated PostgreSQL server ends sessions as PostgreSQL does', () => {
  it('TCP keepalive ends a partitioned idle session after idle + count × interval of silence; the lock goes with it', async () => {
    const h = harness();
    let lockedAt = 0;
    let freedAt = 0;
    h.client('holder', async (pg) => {
      const c = await connected(pg, h.log, 'holder');
      expect(await tryLock(c)).toBe(true);
      lockedAt = h.now();
    });
    h.client('other', async (pg, ctx) => {
      const c = await connected(pg, h.log, 'other');
      while (!(await tryLock(c))) await ctx.clock.sleep(10);
      freedAt = h.now();
    });
    h.world.at(ms(1_000), () => h.world.network.partition([['holder'], ['postgres-1']]));
    await h.world.run({ until: seconds(30) });
    // Last traffic at the lock's reply; 5 s idle, then three probes a second apart, unanswered.
    expect(freedAt - lockedAt).toBeGreaterThan(8_000 - 5);
    expect(freedAt - lockedAt).toBeLessThan(8_000 + 20);
    expect(h.node.stats.ended.keepalive).toBe(1);
    expect(h.log).toEqual([]); // the cut-off holder was told nothing
  });

  it('with the operating system defaults (2 h idle, 75 s × 9) the session outlives a long partition', async () => {
    const h = harness({});
    let freedAt: number | null = null;
    h.client('holder', async (pg) => {
      const c = await connected(pg, h.log, 'holder');
      await tryLock(c);
    });
    h.client('other', async (pg, ctx) => {
      const c = await connected(pg, h.log, 'other');
      while (!(await tryLock(c))) await ctx.clock.sleep(10_000);
      freedAt = h.now();
    });
    h.world.at(ms(1_000), () => h.world.network.partition([['holder'], ['postgres-1']]));
    await h.world.run({ until: seconds(3 * 3600) });
    expect(freedAt).not.toBeNull();
    expect(freedAt as unknown as number).toBeGreaterThan((7200 + 9 * 75) * 1000);
    expect(freedAt as unknown as number).toBeLessThan((7200 + 9 * 75) * 1000 + 10_020);
  });

  it('a paused client keeps its session: its host answers the probes', async () => {
    const h = harness();
    const seen: string[] = [];
    h.client('holder', async (pg, ctx) => {
      const c = await connected(pg, h.log, 'holder');
      await tryLock(c);
      await ctx.clock.sleep(100);
      seen.push(`unlock ${(await c.query('SELECT pg_advisory_unlock(1) AS released')).rows[0]?.released}`);
    });
    h.client('other', async (pg, ctx) => {
      const c = await connected(pg, h.log, 'other');
      await ctx.clock.sleep(30_000);
      seen.push(`other during the pause: ${await tryLock(c)}`);
    });
    h.world.at(ms(50), () => h.world.pause('holder'));
    h.world.at(ms(60_000), () => h.world.resume('holder'));
    await h.world.run({ until: seconds(70) });
    expect(seen).toEqual(['other during the pause: false', 'unlock true']);
    expect(h.node.stats.ended.keepalive).toBe(0);
  });

  it("a client process that dies ends its session at once (its host's FIN); one cut off when it dies ends by keepalive", async () => {
    for (const cut of [false, true]) {
      const h = harness();
      let freedAt = 0;
      h.client('holder', async (pg) => {
        const c = await connected(pg, h.log, 'holder');
        await tryLock(c);
      });
      h.client('other', async (pg, ctx) => {
        const c = await connected(pg, h.log, 'other');
        while (!(await tryLock(c))) await ctx.clock.sleep(10);
        freedAt = h.now();
      });
      if (cut) h.world.at(ms(900), () => h.world.network.partition([['holder'], ['postgres-1']]));
      h.world.at(ms(1_000), () => h.world.crash('holder'));
      await h.world.run({ until: seconds(30) });
      if (cut) {
        expect(freedAt).toBeGreaterThan(8_000);
        expect(h.node.stats.ended.keepalive).toBe(1);
      } else {
        expect(freedAt).toBeGreaterThan(1_000);
        expect(freedAt).toBeLessThan(1_020);
        expect(h.node.stats.ended['client-gone']).toBe(1);
      }
    }
  });

  it('a crashed server loses every session and lock; clients see the connection end; sequences never repeat a value', async () => {
    const h = harness();
    const seen: string[] = [];
    h.client('a', async (pg, ctx) => {
      const c = await connected(pg, h.log, 'a');
      await c.query('CREATE SEQUENCE fence');
      const before = (await c.query("SELECT nextval('fence') AS t")).rows[0]?.t;
      await tryLock(c);
      await ctx.clock.sleep(2_000);
      const again = await connected(pg, h.log, 'a-again');
      seen.push(`lock after the restart: ${await tryLock(again)}`);
      const after = (await again.query("SELECT nextval('fence') AS t")).rows[0]?.t;
      seen.push(`tokens ${String(before)} then ${String(after)}`);
    });
    h.world.at(ms(1_000), () => h.world.crash('postgres-1'));
    h.world.at(ms(1_500), () => h.world.restart('postgres-1'));
    await h.world.run({ until: seconds(10) });
    expect(h.log).toEqual(['a error: Connection terminated unexpectedly']);
    expect(seen[0]).toBe('lock after the restart: true');
    // nextval logs 32 values ahead: after a crash the sequence resumes past them.
    expect(seen[1]).toBe('tokens 1 then 34');
    expect(h.node.stats.sessionsAtCrash).toBe(1);
  });

  it('a backend waiting for a lock notices its dead client only when the wait ends; then the next waiter gets the lock', async () => {
    const h = harness();
    const order: string[] = [];
    h.client('holder', async (pg, ctx) => {
      const c = await connected(pg, h.log, 'holder');
      await c.query('SELECT pg_advisory_lock(1)');
      await ctx.clock.sleep(5_000);
      await c.query('SELECT pg_advisory_unlock(1)');
      order.push(`holder unlocked at ${Math.round(h.now())}`);
    });
    h.client('dies-waiting', async (pg, ctx) => {
      await ctx.clock.sleep(100);
      const c = await connected(pg, h.log, 'dies-waiting');
      await c.query('SELECT pg_advisory_lock(1)');
      order.push('the dead waiter got it?');
    });
    h.client('next', async (pg, ctx) => {
      await ctx.clock.sleep(200);
      const c = await connected(pg, h.log, 'next');
      await c.query('SELECT pg_advisory_lock(1)');
      order.push(`next got it at ${Math.round(h.now())}`);
    });
    h.world.at(ms(1_000), () => h.world.crash('dies-waiting'));
    await h.world.run({ until: seconds(10) });
    // The dead waiter was first in line: granted at the unlock, its backend then finds the socket gone and ends.
    expect([...order].sort()).toEqual([expect.stringMatching(/^holder unlocked at 50\d\d$/), expect.stringMatching(/^next got it at 50\d\d$/)]);
    expect(h.node.stats.ended['client-gone']).toBe(1);
  });

  it('a grant sent into a partition is retransmitted and arrives after the heal; the waiter holds the lock', async () => {
    const h = harness();
    const seen: string[] = [];
    h.client('holder', async (pg, ctx) => {
      const c = await connected(pg, h.log, 'holder');
      await c.query('SELECT pg_advisory_lock(1)');
      await ctx.clock.sleep(2_000);
      await c.query('SELECT pg_advisory_unlock(1)');
    });
    h.client('waiter', async (pg, ctx) => {
      await ctx.clock.sleep(100);
      const c = await connected(pg, h.log, 'waiter');
      await c.query('SELECT pg_advisory_lock(1)');
      seen.push(`granted, seen at ${Math.round(h.now() / 1000)} s`);
    });
    h.client('probe', async (pg, ctx) => {
      const c = await connected(pg, h.log, 'probe');
      await ctx.clock.sleep(4_000);
      seen.push(`lock free during the partition: ${await tryLock(c)}`);
    });
    h.world.at(ms(1_000), () => h.world.network.partition([['waiter'], ['postgres-1']]));
    h.world.at(ms(6_000), () => h.world.network.heal());
    await h.world.run({ until: seconds(20) });
    expect(seen[0]).toBe('lock free during the partition: false');
    expect(seen[1]).toMatch(/^granted, seen at [6-9] s$/);
    expect(h.node.stats.ended.retransmission + h.node.stats.ended.keepalive).toBe(0);
  });

  it('tcp_user_timeout ends a session whose reply stays unacknowledged', async () => {
    const h = harness({ tcp_user_timeout: 3_000 });
    h.client('holder', async (pg, ctx) => {
      const c = await connected(pg, h.log, 'holder');
      await c.query('SELECT pg_advisory_lock(1)');
      await ctx.clock.sleep(2_000);
      await c.query('SELECT pg_advisory_unlock(1)');
    });
    h.client('waiter', async (pg, ctx) => {
      await ctx.clock.sleep(100);
      const c = await connected(pg, h.log, 'waiter');
      await c.query('SELECT pg_advisory_lock(1)');
    });
    h.world.at(ms(1_000), () => h.world.network.partition([['waiter'], ['postgres-1']]));
    await h.world.run({ until: seconds(20) });
    expect(h.node.stats.ended.retransmission).toBe(1);
  });

  it('runs a database scenario the same way twice (same trace hash), and differently with another seed', async () => {
    const a = await runScenario(dbSessionPartition, { seed: 3, variant: 'session-lock' });
    const b = await runScenario(dbSessionPartition, { seed: 3, variant: 'session-lock', keepTrace: true });
    const c = await runScenario(dbSessionPartition, { seed: 4, variant: 'session-lock' });
    expect(b.traceHash).toBe(a.traceHash);
    expect(c.traceHash).not.toBe(a.traceHash);
    expect(a.verdict).toBe('unsafe');
  });

  it("node faults act on it as its service says: a crash's record counts the sessions and locks it took; a drift moves its timeouts", async () => {
    const scenario: Scenario = {
      name: 'pg-faults',
      title: 'Node faults on a database node',
      explanation: 'For the node fault words.',
      world: { nodes: [{ name: 'postgres-1', service: 'postgres' }], clients: 2, durationMs: 6_000 },
      workload: { resource: 'lock:x', ttlMs: 1_000, workMs: { min: 300, max: 300 }, thinkMs: { min: 0, max: 0 } },
      faults: [
        { kind: 'drift', at: 100, process: 'postgres-1', ppm: 20_000, durationMs: 500 },
        { kind: 'jump', at: 150, process: 'postgres-1', deltaMs: 5_000 },
        { kind: 'crash', at: 1_000, process: 'postgres-1', restartAfterMs: 500 },
      ],
      variants: [{ name: 'v', lock: pgAdvisoryLock({ wait: true }), expected: 'safe' }],
    };
    const r = await runScenario(scenario, { seed: 1 });
    expect(r.faultsFired.map((f) => `${f.fired}: ${f.effect}`)).toEqual([
      "true: postgres-1's timeouts (keepalive, idle_in_transaction_session_timeout, lock_timeout) run 2% early",
      'false: no effect observed',
      'true: postgres-1 down with 2 session(s) and 1 advisory lock(s), all gone; restarted without them',
    ]);
  });
});
