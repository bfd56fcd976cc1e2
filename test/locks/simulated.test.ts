/**
 * The lock algorithms inside the simulation: simulated Redis nodes, client processes with their
 * own clocks, a network with exact delays, crashes, partitions and pauses, all on virtual time.
 * These are the same kinds of tests as redlock.test.ts, lease.test.ts and fencing.test.ts run
 * against real redis-server processes, plus the ones only a simulator can make exact (a pause
 * while replies are in flight, a wall-clock step, node clocks running fast).
 *
 * Unless a test says otherwise the world has a fixed one-way delay of 5 ms, so a round trip is
 * 10 ms of true time, and the clients have no drift, so their monotonic clock reads true time in
 * ms. A TTL of 1000 ms has a drift allowance of 1000 * 0.01 + 2 = 12 ms; 300 ms has 5 ms.
 *
 * At the end, a few test bodies are shared with real Redis (they run on both backends).
 */
import { describe, expect, it } from 'vitest';
import {
  LeaseLostError,
  fencing,
  lease,
  redlock,
  singleInstance,
  type Lease,
  type LockAlgorithm,
  type LockContext,
  type RedisLike,
} from '../../src/locks/index.ts';
import { realRedisTestsEnabled } from '../support/redis-server.ts';
import { clusterPerTest, realContext, tap } from './helpers.ts';
import { HoldLog, SimCluster } from './sim-harness.ts';

const DRIFT_1000 = 1000 * 0.01 + 2;
const DRIFT_300 = 300 * 0.01 + 2;

function lossReason(signal: AbortSignal | undefined): string | undefined {
  const reason: unknown = signal?.reason;
  return reason instanceof LeaseLostError ? reason.reason : undefined;
}

/** Calls `listener` with true time when `signal` aborts. */
function onAbort(signal: AbortSignal | undefined, now: () => number, listener: (atMs: number) => void): void {
  signal?.addEventListener('abort', () => listener(now()));
}

// ---------------------------------------------------------------------------------------------

describe('contention between clients (simulated)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: of two simultaneous acquires on 3 nodes exactly one wins; the loser leaves none of its keys`, async () => {
      // Random delays (0.1-2 ms), so the nodes see the two SETs in different orders per seed.
      const h = new SimCluster({ seed });
      const acquire = (name: string) =>
        h.client(name, async (env) => {
          const lock = redlock({ retryCount: 0 })(env.context);
          return lock.acquire('res', 10_000);
        });
      const a = acquire('client-1');
      const b = acquire('client-2');
      await h.run(1_000);
      const leases = [a.get(), b.get()];
      const winners = leases.filter((l) => l !== null);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!;
      const values = h.values('res');
      // The loser's clean-up removed its own keys (where it had won a node) and no others.
      expect(values.every((v) => v === null || v === winner.value)).toBe(true);
      expect(winner.nodesLocked).toBeGreaterThanOrEqual(2);
      expect(values.filter((v) => v === winner.value)).toHaveLength(winner.nodesLocked);
    });
  }

  /** Five clients on five nodes, each taking the lock four times (random delays, work and think times). */
  async function fiveClients(seed: number) {
    const h = new SimCluster({ seed, nodes: 5 });
    const log = new HoldLog();
    const failures: string[] = [];
    const outcomes = [1, 2, 3, 4, 5].map((i) =>
      h.client(`client-${i}`, async (env) => {
        const lock = redlock({ retryCount: 30, retryDelayMs: 20, retryJitterMs: 40 })(env.context);
        let got = 0;
        for (let round = 0; round < 4; round++) {
          const held = await lock.acquire('res', 1_000);
          if (held === null) {
            failures.push(`${env.ctx.name} round ${round}`);
            continue;
          }
          const from = env.now();
          await env.ctx.clock.sleep(20 + env.ctx.random.int(0, 30));
          // The work fits well within the validity the client computed.
          expect(env.ctx.clock.monotonic()).toBeLessThan(held.validUntil);
          log.add(env.ctx.name, from, env.now());
          got++;
          await lock.release(held);
          await env.ctx.clock.sleep(env.ctx.random.int(5, 30));
        }
        return got;
      }),
    );
    const summary = await h.run(60_000);
    return { h, log, failures, got: outcomes.map((o) => o.get()), traceHash: summary.traceHash };
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: five clients on five nodes: at most one holds at any true time, and all get their turns`, async () => {
      const { h, log, failures, got } = await fiveClients(seed);
      expect(log.overlaps()).toEqual([]);
      expect(log.holds).toHaveLength(20);
      expect(failures).toEqual([]);
      expect(got).toEqual([4, 4, 4, 4, 4]);
      expect(h.values('res')).toEqual([null, null, null, null, null]);
    });
  }

  it('the five-client run is a function of its seed: the same seed gives the same trace hash and hold log', async () => {
    const a = await fiveClients(11);
    const b = await fiveClients(11);
    const c = await fiveClients(12);
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.log.holds).toEqual(a.log.holds);
    expect(c.traceHash).not.toBe(a.traceHash);
  });

  it('single-instance: of two simultaneous acquires exactly one wins; the other waits and gets it after the release', async () => {
    const h = new SimCluster({ delayMs: 5, nodes: 1 });
    const log = new HoldLog();
    const script = (name: string) =>
      h.client(name, async (env) => {
        const lock = singleInstance({ retryDelayMs: 100, retryJitterMs: 0 })(env.context);
        const held = await lock.acquire('res', 10_000);
        if (held === null) return null;
        const from = env.now();
        await env.ctx.clock.sleep(150);
        log.add(name, from, env.now());
        await lock.release(held);
        return held.attempts;
      });
    const a = script('client-1');
    const b = script('client-2');
    await h.run(5_000);
    // client-1's SET reaches the node first (both leave at 0 and take 5 ms; the queue keeps order).
    expect(a.get()).toBe(1);
    // client-2: nil at 10, sleeps 100, nil at 120, sleeps to 220: client-1 released at 160.
    expect(b.get()).toBe(3);
    expect(log.holds.map((x) => [x.client, x.from, x.to])).toEqual([
      ['client-1', 10, 160],
      ['client-2', 230, 380],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('quorum with nodes down (simulated)', () => {
  it('acquires with 1 of 3 nodes crashed: 2 nodes locked, elapsed = the per-node timeout', async () => {
    const h = new SimCluster({ delayMs: 5 });
    h.at(1, () => h.world.crash('redis-3'));
    const c = h.client(
      'client-1',
      async (env) => {
        const lock = redlock({ retryCount: 0 })(env.context);
        const held = await lock.acquire('res', 3_000);
        const valuesWhileHeld = h.values('res');
        if (held !== null) await lock.release(held);
        return { held, valuesWhileHeld, releasedAt: env.now() };
      },
      { startMs: 10 },
    );
    await h.run(1_000);
    const { held, valuesWhileHeld, releasedAt } = c.get();
    expect(held).not.toBeNull();
    expect(held!.nodesLocked).toBe(2);
    expect(held!.startedAt).toBe(10);
    expect(held!.elapsedMs).toBe(50); // the crashed node never answers: the 50 ms timeout
    expect(held!.validUntil).toBe(10 + 3_000 - (3_000 * 0.01 + 2));
    expect(held!.validityMs).toBe(3_000 - 50 - 32);
    expect(valuesWhileHeld).toEqual([held!.value, held!.value, null]);
    expect(releasedAt).toBe(60 + 50); // the release also waits for the crashed node's timeout
    expect(h.values('res')).toEqual([null, null, null]);
  });

  it('fails with 2 of 3 nodes crashed and leaves no key on the node it reached; succeeds once they restart', async () => {
    const h = new SimCluster({ delayMs: 5 });
    h.at(1, () => {
      h.world.crash('redis-2');
      h.world.crash('redis-3');
    });
    let seenOnNode1: string | null = null;
    h.at(30, () => (seenOnNode1 = h.value('redis-1', 'res')));
    h.at(200, () => {
      h.world.restart('redis-2');
      h.world.restart('redis-3');
    });
    const c = h.client(
      'client-1',
      async (env) => {
        const lock = redlock({ retryCount: 0 })(env.context);
        const failed = await lock.acquire('res', 3_000);
        const failedAt = env.now();
        const afterFailure = h.value('redis-1', 'res');
        await env.ctx.clock.sleep(300 - env.now());
        const later = await lock.acquire('res', 3_000);
        return { failed, failedAt, afterFailure, later };
      },
      { startMs: 10 },
    );
    await h.run(1_000);
    const { failed, failedAt, afterFailure, later } = c.get();
    expect(failed).toBeNull();
    // SET at 10, redis-1 answered OK at 20 (the key was there at 30), timeouts at 60; the
    // clean-up reached redis-1 at 65 and the last timeout fired at 110.
    expect(seenOnNode1).toMatch(/^[0-9a-f]{32}$/);
    expect(failedAt).toBe(110);
    expect(afterFailure).toBeNull();
    expect(later).not.toBeNull();
    expect(later!.nodesLocked).toBe(3);
    expect(h.values('res')).toEqual([later!.value, later!.value, later!.value]);
  });

  it('a partition that leaves the client with a minority of nodes fails the acquire; one node behind it does not', async () => {
    const h = new SimCluster({ delayMs: 5, nodes: 5 });
    h.at(1, () => h.world.network.partition([['client-1', 'redis-1', 'redis-2'], ['redis-3', 'redis-4', 'redis-5']]));
    h.at(500, () => h.world.network.heal());
    h.at(501, () => h.world.network.partition([['client-1', 'redis-1', 'redis-2', 'redis-3', 'redis-4'], ['redis-5']]));
    const c = h.client(
      'client-1',
      async (env) => {
        const lock = redlock({ retryCount: 0 })(env.context);
        const minority = await lock.acquire('res', 3_000);
        const valuesAfterMinority = h.values('res');
        await env.ctx.clock.sleep(600 - env.now());
        const majority = await lock.acquire('res', 3_000);
        return { minority, valuesAfterMinority, majority };
      },
      { startMs: 10 },
    );
    await h.run(2_000);
    const { minority, valuesAfterMinority, majority } = c.get();
    expect(minority).toBeNull();
    expect(valuesAfterMinority).toEqual([null, null, null, null, null]);
    expect(majority).not.toBeNull();
    expect(majority!.nodesLocked).toBe(4);
    expect(h.values('res')).toEqual([majority!.value, majority!.value, majority!.value, majority!.value, null]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('retries (simulated)', () => {
  it('a second client acquires after the first releases, within its retry budget, at the exact attempt', async () => {
    const h = new SimCluster({ delayMs: 5 });
    const first = h.client('client-1', async (env) => {
      const lock = redlock()(env.context);
      const held = await lock.acquire('res', 10_000);
      await env.ctx.clock.sleep(300 - env.now());
      await lock.release(held!); // DEL reaches the nodes at 305
      return held;
    });
    const second = h.client(
      'client-2',
      async (env) => {
        const lock = redlock({ retryCount: 3, retryDelayMs: 200, retryJitterMs: 0 })(env.context);
        return lock.acquire('res', 10_000);
      },
      { startMs: 100 },
    );
    await h.run(5_000);
    expect(first.get()).not.toBeNull();
    const got = second.get();
    // Attempt 1 at 100: refused at 110, clean-up done at 120, sleep 200; attempt 2 at 320.
    expect(got).not.toBeNull();
    expect(got!.attempts).toBe(2);
    expect(got!.startedAt).toBe(320);
    expect(got!.acquiredAt).toBe(330);
    expect(second.finishedAt).toBe(330);
    expect(h.values('res')).toEqual([got!.value, got!.value, got!.value]);
  });

  it('gives up after 1 + retryCount attempts while the lock is held, at the exact time, sending 3 SETs per attempt', async () => {
    const h = new SimCluster({ delayMs: 5 });
    const first = h.client('client-1', async (env) => redlock()(env.context).acquire('res', 10_000));
    const commands: string[] = [];
    const second = h.client(
      'client-2',
      async (env) => {
        const nodes = env.redis.map((node) => tap(node, { before: (command) => commands.push(command) }));
        const lock = redlock({ retryCount: 2, retryDelayMs: 200, retryJitterMs: 0 })({ ...env.context, nodes });
        return lock.acquire('res', 10_000);
      },
      { startMs: 100 },
    );
    await h.run(5_000);
    const held = first.get();
    expect(second.get()).toBeNull();
    // Attempts at 100, 320, 540; each takes 10 ms plus a 10 ms clean-up.
    expect(second.finishedAt).toBe(560);
    expect(commands.filter((c) => c === 'SET')).toHaveLength(9);
    expect(commands.filter((c) => c === 'EVAL')).toHaveLength(9);
    expect(h.values('res')).toEqual([held!.value, held!.value, held!.value]);
  });

  it('retry jitter comes from the process random stream: the same seed gives the same times, another seed others', async () => {
    const finish = async (seed: number): Promise<number> => {
      const h = new SimCluster({ delayMs: 5, seed });
      h.client('client-1', async (env) => redlock()(env.context).acquire('res', 10_000));
      const c = h.client('client-2', async (env) => redlock({ retryCount: 3 })(env.context).acquire('res', 10_000));
      await h.run(5_000);
      expect(c.get()).toBeNull();
      return c.finishedAt!;
    };
    const a = await finish(7);
    expect(await finish(7)).toBe(a);
    // 4 attempts of 20 ms and 3 sleeps of 200 + [0, 200) ms.
    expect(a).toBeGreaterThanOrEqual(80 + 600);
    expect(a).toBeLessThan(80 + 1_200);
    const others = await Promise.all([8, 9, 10].map(finish));
    expect(others.some((t) => t !== a)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

describe('validity computation in virtual time (simulated)', () => {
  it('validUntil = start + ttl - drift; elapsed is the slowest round trip, measured after the last reply', async () => {
    const h = new SimCluster({ delayMs: 5 });
    const c = h.client(
      'client-1',
      async (env) => redlock({ timeoutMs: 500 })(env.context).acquire('res', 1_000),
      { startMs: 100 },
    );
    // Round trips of 10, 30 and 20 ms to the three nodes.
    for (const [node, oneWay] of [['redis-2', 15], ['redis-3', 10]] as const) {
      h.world.network.link('client-1', node).delay = { kind: 'fixed', ms: oneWay };
      h.world.network.link(node, 'client-1').delay = { kind: 'fixed', ms: oneWay };
    }
    await h.run(1_000);
    const held = c.get();
    expect(held).not.toBeNull();
    expect(held!.startedAt).toBe(100);
    expect(held!.acquiredAt).toBe(130);
    expect(held!.elapsedMs).toBe(30);
    expect(held!.validityMs).toBe(1_000 - 30 - DRIFT_1000);
    expect(held!.validUntil).toBe(100 + 1_000 - DRIFT_1000);
    expect(held!.validUntil).toBe(held!.acquiredAt + held!.validityMs);
    expect(held!.timeSource).toBe('monotonic');
    expect(c.finishedAt).toBe(130);
  });

  it("elapsed is measured on the client's own clock: a client 10 % fast measures 33 ms for 30 ms of true time", async () => {
    const h = new SimCluster({ delayMs: 15 });
    const c = h.client('client-1', async (env) => redlock({ timeoutMs: 500 })(env.context).acquire('res', 1_000), {
      process: { driftPpm: 100_000 },
    });
    await h.run(1_000);
    const held = c.get();
    expect(held!.startedAt).toBe(0);
    expect(held!.elapsedMs).toBeCloseTo(33, 9);
    expect(held!.validityMs).toBeCloseTo(1_000 - 33 - DRIFT_1000, 9);
    expect(held!.validUntil).toBe(1_000 - DRIFT_1000);
  });

  it('refuses when the replies take longer than the TTL allows, and cleans up; exactly at the boundary', async () => {
    // ttl 100: drift 3; with a one-way delay of d the elapsed time is 2d: granted iff 100 - 2d - 3 > 0.
    for (const [delayMs, granted] of [[48, true], [48.5, false], [60, false]] as const) {
      const h = new SimCluster({ delayMs });
      const c = h.client('client-1', async (env) => redlock({ timeoutMs: 500, retryCount: 0 })(env.context).acquire('res', 100));
      await h.run(2_000);
      const held = c.get();
      if (granted) {
        expect(held).not.toBeNull();
        expect(held!.validityMs).toBe(100 - 2 * delayMs - 3);
      } else {
        expect(held).toBeNull();
      }
      expect(h.values('res')).toEqual([null, null, null]); // expired, or removed by the clean-up
    }
  });

  it('single-instance: validUntil = start + ttl - drift, even when the reply came too late (no validity check there)', async () => {
    const h = new SimCluster({ delayMs: 300, nodes: 1 });
    const c = h.client('client-1', async (env) => singleInstance({ timeoutMs: 5_000 })(env.context).acquire('res', 500), { startMs: 50 });
    await h.run(2_000);
    const held = c.get();
    expect(held).not.toBeNull();
    expect(held!.startedAt).toBe(50);
    expect(held!.elapsedMs).toBe(600);
    expect(held!.validUntil).toBe(50 + 500 - (500 * 0.01 + 2));
    expect(held!.validityMs).toBeLessThan(0); // the holder must look: its lease is already past
  });
});

// ---------------------------------------------------------------------------------------------

describe('extension (simulated)', () => {
  it("extend pushes the key's PTTL back up on every node, with its own exact validity", async () => {
    const h = new SimCluster({ delayMs: 5 });
    const c = h.client('client-1', async (env) => {
      const lock = redlock()(env.context);
      const held = await lock.acquire('res', 1_000); // the SETs reached the nodes at 5: the keys expire at 1005
      await env.ctx.clock.sleep(500);
      const before = h.names.map((n) => h.pttl(n, 'res'));
      const extended = await lock.extend(held!, 1_000); // reaches the nodes at 515
      const after = h.names.map((n) => h.pttl(n, 'res'));
      await env.ctx.clock.sleep(1_200 - env.now());
      const pastFirstTtl = h.values('res');
      return { held, before, extended, after, pastFirstTtl };
    });
    await h.run(3_000);
    const { held, before, extended, after, pastFirstTtl } = c.get();
    expect(before).toEqual([495, 495, 495]); // at 510
    expect(after).toEqual([995, 995, 995]); // at 520
    expect(extended).not.toBeNull();
    expect(extended!.value).toBe(held!.value);
    expect(extended!.nodesLocked).toBe(3);
    expect(extended!.startedAt).toBe(510);
    expect(extended!.elapsedMs).toBe(10);
    expect(extended!.validUntil).toBe(510 + 1_000 - DRIFT_1000);
    expect(pastFirstTtl).toEqual([held!.value, held!.value, held!.value]);
    expect(h.values('res')).toEqual([null, null, null]); // by 3000 the extended keys (1515) expired too
  });

  it('extend keeps the quorum rule: 2 of 3 still extend; once a majority lost the key it fails and touches no other key', async () => {
    const h = new SimCluster({ delayMs: 5 });
    const c = h.client('client-1', async (env) => {
      const lock = redlock()(env.context);
      const held = await lock.acquire('res', 1_000);
      h.inspect('redis-1', ['DEL', 'res']);
      const two = await lock.extend(held!, 60_000);
      h.inspect('redis-2', ['SET', 'res', 'someone-else', 'PX', 5_000]);
      const one = await lock.extend(held!, 60_000);
      return { two, one, otherPttl: h.pttl('redis-2', 'res'), ownPttl: h.pttl('redis-3', 'res') };
    });
    await h.run(1_000);
    const { two, one, otherPttl, ownPttl } = c.get();
    expect(two!.nodesLocked).toBe(2);
    expect(one).toBeNull();
    expect(otherPttl).toBe(5_000 - 10); // set at 20, read at 30: untouched by the failed extend
    expect(ownPttl).toBe(60_000 - 5); // extended again at 25 by the second (failed) extend
  });

  it('fencing: extend keeps the token', async () => {
    const h = new SimCluster({ delayMs: 5 });
    const c = h.client('client-1', async (env) => {
      const lock = fencing(redlock())(env.context);
      const held = await lock.acquire('res', 1_000);
      const extended = await lock.extend!(held!, 5_000);
      return [held!.fencingToken, extended!.fencingToken, h.pttl('redis-2', 'res')];
    });
    await h.run(1_000);
    expect(c.get()).toEqual([1, 1, 5_000 - 5]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('renewal and its AbortSignal (simulated)', () => {
  for (const [label, inner, nodes] of [
    ['single-instance', singleInstance(), 1],
    ['redlock', redlock(), 3],
  ] as const) {
    it(`lease(${label}) keeps the key alive past several TTLs; release stops the renewals`, async () => {
      const h = new SimCluster({ delayMs: 5, nodes });
      const c = h.client('client-1', async (env) => {
        const lock = lease(inner)(env.context);
        const held = await lock.acquire('res', 300);
        const firstValidUntil = held!.validUntil;
        await env.ctx.clock.sleep(1_500 - env.now()); // five TTLs
        const midway = { values: h.values('res'), renewals: held!.renewals, validUntil: held!.validUntil, state: held!.state };
        await lock.release(held!);
        const renewalsAtRelease = held!.renewals;
        await env.ctx.clock.sleep(1_000);
        return { held, firstValidUntil, midway, renewalsAtRelease };
      });
      await h.run(5_000);
      const { held, firstValidUntil, midway, renewalsAtRelease } = c.get();
      expect(firstValidUntil).toBe(300 - DRIFT_300);
      // Renewals every 100 ms after the last one succeeded (each takes 10 ms): at 110, 220, …, 1430.
      expect(midway.renewals).toBe(13);
      expect(midway.validUntil).toBe(1_430 + 300 - DRIFT_300);
      expect(midway.state).toBe('held');
      expect(midway.values).toEqual(new Array(nodes).fill(held!.value));
      expect(held!.signal.aborted).toBe(false);
      expect(held!.state).toBe('released');
      expect(held!.renewals).toBe(renewalsAtRelease);
      expect(h.values('res')).toEqual(new Array(nodes).fill(null));
    });
  }

  it("signal fires with 'renewal-failed' when the node is partitioned away, before the validity ends", async () => {
    const h = new SimCluster({ delayMs: 5, nodes: 1 });
    h.at(50, () => h.world.network.partition([['client-1'], ['redis-1']]));
    let abortedAt: number | undefined;
    const c = h.client('client-1', async (env) => {
      const held = await lease(singleInstance())(env.context).acquire('res', 300);
      onAbort(held!.signal, env.now, (t) => (abortedAt = t));
      await env.ctx.clock.sleep(1_000);
      return held;
    });
    await h.run(2_000);
    const held = c.get();
    // The renewal leaves at 110 and is dropped; its 50 ms timeout fires at 160.
    expect(abortedAt).toBe(160);
    expect(lossReason(held!.signal)).toBe('renewal-failed');
    expect(held!.state).toBe('lost');
    expect(abortedAt!).toBeLessThan(held!.validUntil); // 295: the holder learned in time
  });

  it("lease(redlock): losing one node of three keeps renewing (slower, by the timeout); losing two fires 'renewal-failed'", async () => {
    const h = new SimCluster({ delayMs: 5 });
    h.at(50, () => h.world.network.partition([['client-1'], ['redis-1']]));
    h.at(200, () => h.world.network.partition([['client-1'], ['redis-2']]));
    let abortedAt: number | undefined;
    let renewalsAt200 = -1;
    let validUntilAt200 = -1;
    const c = h.client('client-1', async (env) => {
      const held = await lease(redlock())(env.context).acquire('res', 300);
      onAbort(held!.signal, env.now, (t) => (abortedAt = t));
      h.at(200, () => {
        renewalsAt200 = held!.renewals;
        validUntilAt200 = held!.validUntil;
      });
      await env.ctx.clock.sleep(1_000);
      return held;
    });
    await h.run(2_000);
    const held = c.get();
    // Renewal 1 at 110 waits for redis-1's timeout (160): 2 of 3 said yes.
    expect(renewalsAt200).toBe(1);
    expect(validUntilAt200).toBe(110 + 300 - DRIFT_300);
    // Renewal 2 at 260 gets only redis-3: it fails when the timeouts fire at 310.
    expect(abortedAt).toBe(310);
    expect(lossReason(held!.signal)).toBe('renewal-failed');
  });

  it("signal fires with 'expired' at once when the client resumes from a pause past its validity", async () => {
    const h = new SimCluster({ delayMs: 5 });
    h.at(50, () => h.world.pause('client-1'));
    h.at(1_050, () => h.world.resume('client-1'));
    let abortedAt: number | undefined;
    const c = h.client('client-1', async (env) => {
      const held = await lease(redlock())(env.context).acquire('res', 300);
      onAbort(held!.signal, env.now, (t) => (abortedAt = t));
      await env.ctx.clock.sleep(2_000);
      return held;
    });
    await h.run(3_000);
    const held = c.get();
    expect(abortedAt).toBe(1_050);
    expect(lossReason(held!.signal)).toBe('expired');
    expect(held!.renewals).toBe(0);
    expect(h.values('res')).toEqual([null, null, null]);
  });

  it("signal fires with 'expired' exactly at validUntil once maxRenewals have run out", async () => {
    const h = new SimCluster({ delayMs: 5 });
    let abortedAt: number | undefined;
    const c = h.client('client-1', async (env) => {
      const held = await lease(redlock(), { maxRenewals: 2 })(env.context).acquire('res', 300);
      onAbort(held!.signal, env.now, (t) => (abortedAt = t));
      await env.ctx.clock.sleep(2_000);
      return held;
    });
    await h.run(3_000);
    const held = c.get();
    // Renewals at 110 and 220; the last validity is 220 + 300 - 5.
    expect(held!.renewals).toBe(2);
    expect(held!.validUntil).toBe(515);
    expect(abortedAt).toBe(515);
    expect(lossReason(held!.signal)).toBe('expired');
  });

  it('explicit extend on the lease renews at once, keeps the live object, and sets the TTL of later renewals', async () => {
    const h = new SimCluster({ delayMs: 5 });
    const c = h.client('client-1', async (env) => {
      const lock = lease(redlock())(env.context);
      const held = await lock.acquire('res', 300);
      await env.ctx.clock.sleep(40); // 50
      const extended = await lock.extend(held!, 3_000); // 50-60
      const pttl = h.pttl('redis-1', 'res');
      await env.ctx.clock.sleep(2_000 - env.now());
      return { same: extended === held, pttl, renewals: held!.renewals, validUntil: held!.validUntil, aborted: held!.signal.aborted };
    });
    await h.run(3_000);
    const { same, pttl, renewals, validUntil, aborted } = c.get();
    expect(same).toBe(true);
    expect(pttl).toBe(3_000 - 5);
    // The explicit renewal at 50, then every 1000 ms (a third of the new TTL): at 1060, then 2070.
    expect(renewals).toBe(2);
    expect(validUntil).toBe(1_060 + 3_000 - (3_000 * 0.01 + 2));
    expect(aborted).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

describe('fencing tokens (simulated)', () => {
  it('three contending clients get strictly increasing tokens in the order they acquired, from the counter on node 1', async () => {
    const h = new SimCluster({ seed: 3 });
    const log = new HoldLog();
    for (const i of [1, 2, 3]) {
      h.client(`client-${i}`, async (env) => {
        const lock = fencing(redlock({ retryCount: 50, retryDelayMs: 10, retryJitterMs: 30 }))(env.context);
        for (let round = 0; round < 3; round++) {
          const held = await lock.acquire('res', 1_000);
          if (held === null) throw new Error('gave up');
          const from = env.now();
          await env.ctx.clock.sleep(env.ctx.random.int(10, 40));
          log.add(env.ctx.name, from, env.now(), held.fencingToken);
          await lock.release(held);
          await env.ctx.clock.sleep(env.ctx.random.int(0, 20));
        }
      });
    }
    await h.run(30_000);
    expect(log.overlaps()).toEqual([]);
    const tokens = [...log.holds].sort((a, b) => a.from - b.from).map((x) => x.token);
    expect(tokens).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(h.values('res:fencing')).toEqual(['9', null, null]);
  });

  for (const [persistence, expected] of [['none', [1, 1]], ['aof-always', [1, 2]]] as const) {
    it(`a restart of the token node with persistence ${persistence}: tokens ${expected[0] === expected[1] ? 'go back' : 'keep increasing'}`, async () => {
      const h = new SimCluster({ delayMs: 5, node: { persistence } });
      h.at(100, () => h.world.restart('redis-1'));
      const c = h.client('client-1', async (env) => {
        const lock = fencing(redlock())(env.context);
        const first = await lock.acquire('res', 1_000);
        await lock.release(first!);
        await env.ctx.clock.sleep(200);
        const second = await lock.acquire('res', 1_000);
        return [first!.fencingToken, second!.fencingToken];
      });
      await h.run(1_000);
      expect(c.get()).toEqual(expected);
    });
  }

  it('the token node down: acquire gives null and releases the lock it had', async () => {
    const h = new SimCluster({ delayMs: 5 });
    h.at(1, () => h.world.crash('redis-1'));
    const c = h.client('client-1', async (env) => fencing(redlock())(env.context).acquire('res', 5_000), { startMs: 10 });
    await h.run(1_000);
    expect(c.get()).toBeNull();
    expect(h.values('res')).toEqual([null, null, null]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('deliberate flaws, each demonstrated in the simulation', () => {
  for (const release of ['compare-and-delete', 'del'] as const) {
    it(`release=${release}: a holder paused past its lease releases late; ${release === 'del' ? "plain DEL deletes the next holder's keys and a third client gets in" : 'compare-and-delete leaves the next holder alone'}`, async () => {
      const h = new SimCluster({ delayMs: 5 });
      h.at(20, () => h.world.pause('client-1'));
      h.at(1_020, () => h.world.resume('client-1'));
      h.client('client-1', async (env) => {
        const lock = redlock({ release })(env.context);
        const held = await lock.acquire('res', 500); // keys expire at 505
        await env.ctx.clock.sleep(50); // paused at 20: resumes at 1020 and releases
        await lock.release(held!);
      });
      const second = h.client(
        'client-2',
        async (env) => {
          const held = await redlock()(env.context).acquire('res', 10_000);
          await env.ctx.clock.sleep(1_200 - env.now());
          return { held, valuesAt1200: h.values('res') };
        },
        { startMs: 600 },
      );
      const third = h.client('client-3', async (env) => redlock({ retryCount: 0 })(env.context).acquire('res', 10_000), {
        startMs: 1_100,
      });
      await h.run(3_000);
      const { held, valuesAt1200 } = second.get();
      expect(held).not.toBeNull();
      expect(held!.validUntil).toBe(600 + 10_000 - (10_000 * 0.01 + 2));
      if (release === 'del') {
        const intruder = third.get();
        expect(intruder).not.toBeNull(); // at 1110, while client-2 believes it holds until 10498
        expect(third.finishedAt!).toBeLessThan(held!.validUntil);
        expect(valuesAt1200).toEqual([intruder!.value, intruder!.value, intruder!.value]);
      } else {
        expect(third.get()).toBeNull();
        expect(valuesAt1200).toEqual([held!.value, held!.value, held!.value]);
      }
    });
  }

  it("release=del in the clean-up after a failed attempt: the loser deletes the winner's keys", async () => {
    const h = new SimCluster({ delayMs: 5 });
    const winner = h.client('client-1', async (env) => redlock()(env.context).acquire('res', 10_000));
    h.client('client-2', async (env) => redlock({ release: 'del', retryCount: 0 })(env.context).acquire('res', 10_000), { startMs: 50 });
    await h.run(1_000);
    expect(winner.get()).not.toBeNull();
    expect(h.values('res')).toEqual([null, null, null]);
  });

  for (const checkValidity of [true, false]) {
    it(`checkValidity=${checkValidity}: a client paused while its acquire's replies are in flight ${checkValidity ? 'refuses the stale lease' : 'takes a lease that is already past, while another client holds the lock'}`, async () => {
      const h = new SimCluster({ delayMs: 5 });
      h.at(2, () => h.world.pause('client-1'));
      h.at(2_002, () => h.world.resume('client-1'));
      // Its per-node timeout outlasts the pause: a shorter one expires during it and, on resume,
      // fires before the late replies are read (as in a real Node process), hiding the flaw.
      const first = h.client('client-1', async (env) => redlock({ checkValidity, retryCount: 0, timeoutMs: 5_000 })(env.context).acquire('res', 1_000));
      const second = h.client('client-2', async (env) => redlock()(env.context).acquire('res', 10_000), { startMs: 1_100 });
      await h.run(5_000);
      const other = second.get();
      expect(other).not.toBeNull(); // the first client's keys expired at 1005
      expect(other!.acquiredAt).toBe(1_110);
      const stale = first.get();
      expect(first.finishedAt).toBeGreaterThanOrEqual(2_002);
      if (checkValidity) {
        expect(stale).toBeNull();
        expect(h.values('res')).toEqual([other!.value, other!.value, other!.value]); // its clean-up spared client-2's keys
      } else {
        expect(stale).not.toBeNull();
        expect(stale!.elapsedMs).toBe(2_002);
        expect(stale!.validityMs).toBe(1_000 - 2_002 - DRIFT_1000);
        expect(stale!.validUntil).toBe(1_000 - DRIFT_1000);
        expect(stale!.validUntil).toBeLessThan(stale!.acquiredAt);
        // Both clients now hold a lease on 'res' at true time 2002.
        expect(other!.validUntil).toBeGreaterThan(2_002);
      }
    });
  }

  it('driftFactor=0: with node clocks 1 % fast, the holder believes it holds after another client acquired; the default allowance covers it', async () => {
    const results: Record<string, { validityMs: number; validUntil: number; otherAt: number }> = {};
    for (const driftFactor of [0.01, 0]) {
      const h = new SimCluster({ delayMs: 0.5, node: { driftPpm: 10_000 } });
      const first = h.client('client-1', async (env) => redlock({ driftFactor })(env.context).acquire('res', 1_000));
      // The keys were set at 0.5 and expire after 1000 ms of node time = 990.1 ms of true time.
      const second = h.client('client-2', async (env) => redlock({ retryCount: 0 })(env.context).acquire('res', 1_000), {
        startMs: 993,
      });
      await h.run(3_000);
      const held = first.get();
      expect(second.get()).not.toBeNull();
      results[String(driftFactor)] = { validityMs: held!.validityMs, validUntil: held!.validUntil, otherAt: second.finishedAt! };
    }
    expect(results['0.01']).toEqual({ validityMs: 1_000 - 1 - 12, validUntil: 988, otherAt: 994 });
    expect(results['0']).toEqual({ validityMs: 1_000 - 1 - 2, validUntil: 998, otherAt: 994 });
    // Unsafe with driftFactor 0: client-1 believes it holds until 998, client-2 holds from 994.
    expect(results['0']!.validUntil).toBeGreaterThan(results['0']!.otherAt);
    expect(results['0.01']!.validUntil).toBeLessThan(results['0.01']!.otherAt);
  });

  for (const timeSource of ['monotonic', 'wall'] as const) {
    it(`timeSource=${timeSource}: a pause during the acquire plus a wall-clock step back ${timeSource === 'wall' ? 'fools the elapsed-time check' : 'is seen on the monotonic clock'}`, async () => {
      const h = new SimCluster({ delayMs: 5 });
      h.at(1, () => {
        h.world.pause('client-1');
        h.world.jumpClock('client-1', -1_500); // NTP steps it back by as much as it will be paused
      });
      h.at(1_501, () => h.world.resume('client-1'));
      const first = h.client('client-1', async (env) => {
        // A per-node timeout longer than the pause (a shorter one would fire first on resume).
        const held = await redlock({ timeSource, retryCount: 0, timeoutMs: 5_000 })(env.context).acquire('res', 1_000);
        // Does the holder believe its lease is still valid, on the time source it was measured on?
        const believesValid = held !== null && (timeSource === 'wall' ? env.ctx.clock.now() : env.ctx.clock.monotonic()) < held.validUntil;
        return { held, believesValid };
      });
      const second = h.client('client-2', async (env) => redlock()(env.context).acquire('res', 10_000), { startMs: 1_100 });
      await h.run(5_000);
      const other = second.get();
      expect(other).not.toBeNull();
      const { held, believesValid } = first.get();
      if (timeSource === 'monotonic') {
        expect(held).toBeNull();
        expect(h.values('res')).toEqual([other!.value, other!.value, other!.value]);
      } else {
        expect(held).not.toBeNull();
        expect(held!.timeSource).toBe('wall');
        expect(held!.elapsedMs).toBe(1); // 1501 ms of true time, 1 ms on the stepped wall clock
        expect(held!.validityMs).toBe(1_000 - 1 - DRIFT_1000);
        expect(believesValid).toBe(true); // at 1501, while client-2 holds the lock since 1110
      }
    });
  }

  it('timeSource=wall: a wall-clock step back after the acquire makes the holder believe in its lease long after the keys expired', async () => {
    const seen: Record<string, boolean> = {};
    for (const timeSource of ['monotonic', 'wall'] as const) {
      const h = new SimCluster({ delayMs: 5 });
      h.at(500, () => h.world.jumpClock('client-1', -5_000));
      const c = h.client('client-1', async (env) => {
        const held = await redlock({ timeSource })(env.context).acquire('res', 1_000);
        await env.ctx.clock.sleep(2_000 - env.now());
        const keys = h.values('res');
        const now = timeSource === 'wall' ? env.ctx.clock.now() : env.ctx.clock.monotonic();
        return { believesValid: now < held!.validUntil, keys };
      });
      await h.run(3_000);
      const { believesValid, keys } = c.get();
      expect(keys).toEqual([null, null, null]);
      seen[timeSource] = believesValid;
    }
    expect(seen).toEqual({ monotonic: false, wall: true });
  });

  for (const renewal of ['extend', 'recreate-missing'] as const) {
    it(`renewal=${renewal}: another client deletes the key; ${renewal === 'extend' ? "the next renewal fails and the signal fires 'renewal-failed'" : 'the renewal re-creates it and the signal never fires'}`, async () => {
      const h = new SimCluster({ delayMs: 5, nodes: 1 });
      let abortedAt: number | undefined;
      const holder = h.client('client-1', async (env) => {
        const held = await lease(singleInstance(), { renewal })(env.context).acquire('res', 300);
        onAbort(held!.signal, env.now, (t) => (abortedAt = t));
        await env.ctx.clock.sleep(950 - env.now());
        return { held, renewalsAt950: held!.renewals, valueAt950: h.value('redis-1', 'res') };
      });
      // Another client's plain DEL reaches the node at 155, between the renewals at 110 and 220.
      const other = h.client('client-2', async (env) => env.redis[0]!.del('res'), { startMs: 150 });
      await h.run(2_000);
      expect(other.get()).toBe(1);
      const { held, renewalsAt950, valueAt950 } = holder.get();
      if (renewal === 'extend') {
        expect(abortedAt).toBe(230);
        expect(lossReason(held!.signal)).toBe('renewal-failed');
        expect(valueAt950).toBeNull();
      } else {
        expect(abortedAt).toBeUndefined();
        expect(held!.signal.aborted).toBe(false);
        expect(held!.state).toBe('held');
        expect(renewalsAt950).toBe(8); // 110, 220, …, 880: every one "succeeded"
        expect(valueAt950).toBe(held!.value); // re-created by the renewal at 220
      }
    });
  }

  it('renewal=recreate-missing: a node restart without persistence loses the key; the renewal re-creates it, the holder never learns', async () => {
    const seen: Record<string, string | undefined> = {};
    for (const renewal of ['extend', 'recreate-missing'] as const) {
      const h = new SimCluster({ delayMs: 5, nodes: 1 });
      h.at(150, () => h.world.restart('redis-1'));
      const c = h.client('client-1', async (env) => {
        const held = await lease(singleInstance(), { renewal })(env.context).acquire('res', 300);
        await env.ctx.clock.sleep(500);
        return held;
      });
      await h.run(1_000);
      const held = c.get();
      expect(h.node('redis-1').stats.restarts).toBe(1);
      seen[renewal] = held!.signal.aborted ? lossReason(held!.signal) : 'held';
    }
    expect(seen).toEqual({ extend: 'renewal-failed', 'recreate-missing': 'held' });
  });

  it('releaseOnFailure=false: a failed attempt with 2 of 3 nodes down leaves its key on the node it reached', async () => {
    const h = new SimCluster({ delayMs: 5 });
    h.at(1, () => {
      h.world.crash('redis-2');
      h.world.crash('redis-3');
    });
    const c = h.client('client-1', async (env) => redlock({ releaseOnFailure: false, retryCount: 0 })(env.context).acquire('res', 5_000), {
      startMs: 10,
    });
    await h.run(1_000);
    expect(c.get()).toBeNull();
    expect(h.value('redis-1', 'res')).toMatch(/^[0-9a-f]{32}$/);
  });

  it("extend=pexpire: a stale holder's extend succeeds on the next holder's keys; compare-and-pexpire refuses", async () => {
    const results: Record<string, unknown> = {};
    for (const extend of ['compare-and-pexpire', 'pexpire'] as const) {
      const h = new SimCluster({ delayMs: 5 });
      h.at(20, () => h.world.pause('client-1'));
      h.at(1_020, () => h.world.resume('client-1'));
      const first = h.client('client-1', async (env) => {
        const lock = redlock({ extend })(env.context);
        const held = await lock.acquire('res', 500);
        await env.ctx.clock.sleep(50); // resumes at 1020, long after its keys expired at 505
        return lock.extend(held!, 60_000);
      });
      const second = h.client('client-2', async (env) => redlock()(env.context).acquire('res', 1_000), { startMs: 600 });
      await h.run(1_100);
      const fresh = second.get();
      expect(h.values('res')).toEqual([fresh!.value, fresh!.value, fresh!.value]);
      results[extend] = { extended: first.get() !== null, pttl: h.pttl('redis-1', 'res') };
    }
    // The next holder's keys (set at 605 for 1000 ms) were pushed to 60 s by the stale holder.
    expect(results).toEqual({
      'compare-and-pexpire': { extended: false, pttl: 1_605 - 1_100 },
      pexpire: { extended: true, pttl: 60_000 - (1_100 - 1_025) },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Test bodies shared by both backends: the simulation and real redis-server processes.

interface SharedEnv {
  /** Fresh connections to every node: one more "client". */
  connect(): RedisLike[];
  /** A lock context over `nodes` on this backend's clock. */
  context(nodes: RedisLike[], seed: string): LockContext;
  /** One administrator connection per node (inspection, sabotage). */
  admin: RedisLike[];
}

type SharedBody = (env: SharedEnv) => Promise<void>;

async function valuesOf(admin: RedisLike[], key: string): Promise<unknown[]> {
  return Promise.all(admin.map((a) => a.call('GET', key)));
}

const shared: Array<[string, number, SharedBody]> = [
  [
    'of two concurrent acquires exactly one wins, and the loser leaves none of its keys',
    3,
    async (env) => {
      for (let round = 0; round < 4; round++) {
        const a = redlock({ retryCount: 0, timeoutMs: 500 })(env.context(env.connect(), `a${round}`));
        const b = redlock({ retryCount: 0, timeoutMs: 500 })(env.context(env.connect(), `b${round}`));
        const [la, lb] = await Promise.all([a.acquire('res', 3_000), b.acquire('res', 3_000)]);
        const winners = [la, lb].filter((l) => l !== null);
        expect(winners).toHaveLength(1);
        const values = await valuesOf(env.admin, 'res');
        expect(values.every((v) => v === null || v === winners[0]!.value)).toBe(true);
        expect(values.filter((v) => v === winners[0]!.value).length).toBeGreaterThanOrEqual(2);
        await (la !== null ? a.release(la) : b.release(lb!));
        expect(await valuesOf(env.admin, 'res')).toEqual([null, null, null]);
      }
    },
  ],
  [
    "extend pushes the key's PTTL back up",
    3,
    async (env) => {
      const context = env.context(env.connect(), 'a');
      const lock = redlock({ timeoutMs: 500 })(context);
      const held = await lock.acquire('res', 1_000);
      await context.clock.sleep(300);
      for (const a of env.admin) expect(await a.call('PTTL', 'res')).toBeLessThanOrEqual(700);
      const extended = await lock.extend(held!, 1_000);
      expect(extended).not.toBeNull();
      for (const a of env.admin) expect(await a.call('PTTL', 'res')).toBeGreaterThan(800);
      await lock.release(held!);
    },
  ],
  [
    'fencing tokens increase across clients',
    3,
    async (env) => {
      const locks: LockAlgorithm[] = ['a', 'b'].map((s) => fencing(redlock({ timeoutMs: 500 }))(env.context(env.connect(), s)));
      const tokens: Array<number | undefined> = [];
      for (let i = 0; i < 3; i++) {
        for (const lock of locks) {
          const held: Lease | null = await lock.acquire('res', 2_000);
          tokens.push(held!.fencingToken);
          await lock.release(held!);
        }
      }
      expect(tokens).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await valuesOf(env.admin, 'res:fencing')).toEqual(['6', null, null]);
    },
  ],
  [
    "a renewing lease fires 'renewal-failed' when another client deletes its key",
    1,
    async (env) => {
      const context = env.context(env.connect(), 'a');
      const held = await lease(singleInstance({ timeoutMs: 500 }))(context).acquire('res', 600);
      const aborted = new Promise<void>((resolve) => held!.signal.addEventListener('abort', () => resolve()));
      await env.admin[0]!.call('DEL', 'res');
      await aborted;
      expect(lossReason(held!.signal)).toBe('renewal-failed');
      expect(held!.state).toBe('lost');
    },
  ],
];

describe('shared bodies in the simulation', () => {
  for (const [title, n, body] of shared) {
    it(title, async () => {
      const h = new SimCluster({ nodes: n });
      const c = h.client('client-1', async (env) =>
        body({
          connect: () => env.connect(),
          context: (nodes) => ({ nodes, clock: env.ctx.clock, random: env.ctx.random }),
          admin: h.admin(),
        }),
      );
      await h.run(60_000);
      c.get();
    });
  }
});

describe.runIf(realRedisTestsEnabled())('shared bodies on real Redis', () => {
  const cluster = clusterPerTest();
  for (const [title, n, body] of shared) {
    it(title, async () => {
      const c = await cluster(n);
      await body({ connect: () => c.connect(), context: (nodes, seed) => realContext(nodes, seed), admin: c.admin });
    });
  }
});
