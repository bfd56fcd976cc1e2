/**
 * Issue #14 ("False STUCK"): the simulated client fails like ioredis 5 does. Each case runs in
 * simulation and against real ioredis + a real redis-server (killed with SIGKILL), asserting
 * the same outcome (error name and message, or the reply): a parity test.
 *
 * With CI=true a missing redis-server fails the real half; elsewhere it is skipped.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Redis, type RedisOptions } from 'ioredis';
import { createClient, maxRetriesMessage, type SimRedis, type SimRedisOptions } from '../../src/redis/client.ts';
import { addRedisNode } from '../../src/redis/node.ts';
import { World, ms, type ProcessContext } from '../../src/sim/index.ts';
import { redlock, singleInstance } from '../../src/locks/index.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { Scenario } from '../../src/scenario/types.ts';
import { realRedisTestsEnabled, startRedisServer, type RedisServer } from '../support/redis-server.ts';

/** What a command ended with: its value, or its error's name and message. */
type Outcome = { ok: unknown } | { error: string; message: string };
const outcome = (p: Promise<unknown>): Promise<Outcome> =>
  p.then(
    (ok) => ({ ok }),
    (e: Error) => ({ error: e.name, message: e.message }),
  );

interface SimCase {
  /** ms of simulated time from the start. */
  crashAt?: number;
  restartAt?: number;
  options: SimRedisOptions;
  /** Runs at 10 ms; returns what to compare, and the simulated ms when it ended. */
  script: (redis: SimRedis, ctx: ProcessContext) => Promise<Outcome>;
}

async function simulate(c: SimCase): Promise<{ result: Outcome; endedAt: number }> {
  const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
  addRedisNode(world, 'redis-1');
  let done: { result: Outcome; endedAt: number } | null = null;
  world.addProcess('client-1', async (ctx) => {
    const redis = createClient(ctx, 'redis-1', c.options);
    await ctx.clock.sleep(10);
    const result = await c.script(redis, ctx);
    done = { result, endedAt: ctx.clock.monotonic() };
  });
  if (c.crashAt !== undefined) world.at(ms(c.crashAt), () => world.crash('redis-1'));
  if (c.restartAt !== undefined) world.at(ms(c.restartAt), () => world.restart('redis-1'));
  await world.run({ until: ms(120_000) });
  if (done === null) throw new Error('the simulated command never settled');
  return done;
}

const MAX_RETRIES = `Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.`;

describe('simulated client failures (ioredis 5 defaults)', () => {
  it('a command to a crashed node rejects with MaxRetriesPerRequestError after 20 reconnection attempts (~10.5 s)', async () => {
    const { result, endedAt } = await simulate({ crashAt: 5, options: {}, script: (r) => outcome(r.get('k')) });
    expect(result).toEqual({ error: 'MaxRetriesPerRequestError', message: MAX_RETRIES });
    expect(maxRetriesMessage(20)).toBe(MAX_RETRIES);
    // Closes at 5.1 ms (FIN); attempts after 50, 100, …, 1000 ms, each refused in 1 ms.
    expect(endedAt).toBeGreaterThan(10_500);
    expect(endedAt).toBeLessThan(10_600);
  });

  it('a command in flight when the node crashes rejects the same way (it waited for a resend)', async () => {
    const { result } = await simulate({ crashAt: 10.05, options: {}, script: (r) => outcome(r.get('k')) });
    expect(result).toEqual({ error: 'MaxRetriesPerRequestError', message: MAX_RETRIES });
  });

  it('queued commands go through once the node is back (within the retry budget)', async () => {
    const { result, endedAt } = await simulate({
      crashAt: 5,
      restartAt: 2_000,
      options: {},
      script: async (r) => outcome(Promise.all([r.set('k', 'v'), r.get('k')])),
    });
    expect(result).toEqual({ ok: ['OK', 'v'] });
    expect(endedAt).toBeGreaterThan(2_000);
  });

  it('a command in flight when the node restarts is sent again and succeeds', async () => {
    const { result } = await simulate({ crashAt: 10.05, restartAt: 500, options: {}, script: (r) => outcome(r.set('k', 'v')) });
    expect(result).toEqual({ ok: 'OK' });
  });

  it('commandTimeout rejects with "Command timed out"', async () => {
    const { result, endedAt } = await simulate({ crashAt: 5, options: { commandTimeout: 300 }, script: (r) => outcome(r.get('k')) });
    expect(result).toEqual({ error: 'Error', message: 'Command timed out' });
    expect(endedAt).toBeCloseTo(310, 0);
  });

  it('with reconnection off (retryStrategy returns null) commands reject with "Connection is closed."', async () => {
    const { result } = await simulate({ crashAt: 5, options: { retryStrategy: () => null }, script: (r) => outcome(r.get('k')) });
    expect(result).toEqual({ error: 'Error', message: 'Connection is closed.' });
  });

  it('a silent partition holds the command until it heals; TCP retransmits it then', async () => {
    const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
    addRedisNode(world, 'redis-1');
    let seen: Outcome | null = null;
    let at = 0;
    world.addProcess('client-1', async (ctx) => {
      const redis = createClient(ctx, 'redis-1');
      await ctx.clock.sleep(10);
      seen = await outcome(redis.set('k', 'v'));
      at = ctx.clock.monotonic();
    });
    world.at(ms(5), () => world.network.partition([['client-1'], ['redis-1']]));
    world.at(ms(3_000), () => world.network.heal());
    await world.run({ until: ms(60_000) });
    expect(seen).toEqual({ ok: 'OK' });
    // Retransmissions at 210, 610, 1410, 3010 ms: the one after the heal gets through.
    expect(at).toBeCloseTo(3_010.2, 0);
  });
});

// ---------------------------------------------------------------------------------------------
// The same cases against real ioredis and a real redis-server.

const real = realRedisTestsEnabled();
const servers: RedisServer[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.stop();
});

async function realCase(options: RedisOptions, run: (redis: Redis, server: RedisServer) => Promise<Outcome>): Promise<Outcome> {
  const server = await startRedisServer();
  servers.push(server);
  const redis = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: false, ...options });
  redis.on('error', () => {});
  clients.push(redis);
  await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  return run(redis, server);
}

const sleep = (msDelay: number) => new Promise((r) => setTimeout(r, msDelay));

describe.skipIf(!real)('parity with real ioredis + redis-server', () => {
  // maxRetriesPerRequest 3 keeps the real test short (50 + 100 + 150 ms); the simulation takes the same options.
  it('a command to a killed server rejects with MaxRetriesPerRequestError (the simulation says the same)', async () => {
    const realOutcome = await realCase({ maxRetriesPerRequest: 3 }, async (redis, server) => {
      await server.stop();
      await sleep(20);
      return outcome(redis.get('k'));
    });
    const sim = await simulate({ crashAt: 5, options: { maxRetriesPerRequest: 3 }, script: (r) => outcome(r.get('k')) });
    expect(realOutcome).toEqual({ error: 'MaxRetriesPerRequestError', message: maxRetriesMessage(3) });
    expect(sim.result).toEqual(realOutcome);
  }, 20_000);

  it('queued commands succeed once the server is back on the same port', async () => {
    const realOutcome = await realCase({}, async (redis, server) => {
      await server.stop({ keepDir: true });
      await sleep(20);
      const pending = outcome(Promise.all([redis.set('k', 'v'), redis.get('k')]));
      await sleep(300);
      servers.push(await startRedisServer({ port: server.port }));
      return pending;
    });
    const sim = await simulate({ crashAt: 5, restartAt: 300, options: {}, script: (r) => outcome(Promise.all([r.set('k', 'v'), r.get('k')])) });
    expect(realOutcome).toEqual({ ok: ['OK', 'v'] });
    expect(sim.result).toEqual(realOutcome);
  }, 20_000);

  it('commandTimeout rejects with "Command timed out"', async () => {
    const realOutcome = await realCase({ commandTimeout: 300 }, async (redis, server) => {
      await server.stop();
      await sleep(20);
      return outcome(redis.get('k'));
    });
    const sim = await simulate({ crashAt: 5, options: { commandTimeout: 300 }, script: (r) => outcome(r.get('k')) });
    expect(realOutcome).toEqual({ error: 'Error', message: 'Command timed out' });
    expect(sim.result).toEqual(realOutcome);
  }, 20_000);

  it('with retryStrategy returning null commands reject with "Connection is closed."', async () => {
    const realOutcome = await realCase({ retryStrategy: () => null }, async (redis, server) => {
      await server.stop();
      await sleep(50);
      return outcome(redis.get('k'));
    });
    const sim = await simulate({ crashAt: 5, options: { retryStrategy: () => null }, script: (r) => outcome(r.get('k')) });
    expect(realOutcome).toEqual({ error: 'Error', message: 'Connection is closed.' });
    expect(sim.result).toEqual(realOutcome);
  }, 20_000);
});

// ---------------------------------------------------------------------------------------------

describe('end to end: a correct lock with a node crash and a partition is never stuck', () => {
  const scenario: Scenario = {
    name: 'crash-and-partition',
    title: 'A node crashes for good and a client is partitioned from another node for 5 s',
    explanation: 'Redlock on 3 nodes: redis-3 crashes at 1 s and stays down; client-2 cannot reach redis-1 from 2 s to 7 s.',
    world: { nodes: 3, clients: 2, durationMs: 40_000 },
    workload: { resource: 'lock:counter', ttlMs: 2_000, workMs: { min: 100, max: 300 }, thinkMs: { min: 50, max: 200 } },
    faults: [
      { kind: 'crash', at: 1_000, process: 'redis-3' },
      { kind: 'partition', at: 2_000, groups: [['client-2'], ['redis-1']], durationMs: 5_000 },
    ],
    variants: [{ name: 'redlock', lock: redlock(), expected: 'safe' }],
  };

  it('seeds 1..20: no run is stuck', async () => {
    const verdicts: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const result = await runScenario(scenario, { seed });
      verdicts.push(`${seed}: ${result.verdict}${result.violations.length > 0 ? ` (${result.violations.map((v) => ('message' in v ? String(v.message) : v.property)).join('; ')})` : ''}`);
    }
    expect(verdicts.filter((v) => / stuck/.test(v))).toEqual([]);
  }, 120_000);
});

describe('a command that really waits says why', () => {
  it('on a partition that never heals the client waits, and its waitReason names the silently partitioned connection', async () => {
    const world = new World({ seed: 1, delay: { kind: 'fixed', ms: 0.1 } });
    addRedisNode(world, 'redis-1');
    let client: SimRedis | null = null;
    let settled = false;
    world.addProcess('client-2', async (ctx) => {
      client = createClient(ctx, 'redis-1');
      await ctx.clock.sleep(10);
      await client.get('k').finally(() => (settled = true));
    });
    world.at(ms(5), () => world.network.partition([['client-2'], ['redis-1']]));
    await world.run({ until: ms(60_000) });
    expect(settled).toBe(false);
    expect((client as SimRedis | null)?.waitReason()).toMatch(/^client-2's command to redis-1 waits on a silently partitioned connection .*ioredis has no commandTimeout by default/);
  });

  it('the liveness message carries the reason', async () => {
    const { checkLiveness } = await import('../../src/check/liveness.ts');
    const history = { healedAt: null, endedAt: 60_000_000, events: [{ index: 0, process: 'client-2', kind: 'acquire', phase: 'invoke', at: 1_000, wallMs: 0, monoMs: 0 }] };
    const [v] = checkLiveness(history as never, 1_000, () => false, () => false);
    expect(v?.message).toMatch(/client-2: acquire never returned/);
    const { LivenessChecker } = await import('../../src/check/liveness.ts');
    const checker = new LivenessChecker(1_000);
    for (const e of history.events) checker.event(e as never);
    const [w] = checker.finish({ endedAt: history.endedAt, blocked: () => false, why: () => 'client-2\'s command to redis-1 waits on a silently partitioned connection' });
    expect(w?.message).toMatch(/acquire never returned .*: client-2's command to redis-1 waits on a silently partitioned connection$/);
  });
});
