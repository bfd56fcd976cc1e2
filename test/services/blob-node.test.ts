/**
 * The simulated Blob service node on the simulated network (src/services/blob/node.ts) and the
 * client processes' transport to it (network-transport.ts): whose clock decides a lease, what the
 * SDK-shaped client sees when the node is down, cut off, paused or restarted, and what a crash
 * keeps under each persistence. Each test drives a small world and checks what the clients were
 * answered, in true time.
 */
import { describe, expect, it } from 'vitest';
import { World, ms, seconds } from '../../src/sim/index.ts';
import type { ProcessContext } from '../../src/sim/process.ts';
import { addBlobNode, BLOB_CONTAINER, type BlobNode } from '../../src/services/blob/node.ts';
import { NetworkTransport } from '../../src/services/blob/network-transport.ts';
import { BlobServiceClient, type ContainerClient } from '../../src/services/blob/client/index.ts';
import type { BlobNodeSettings } from '../../src/services/blob/settings.ts';
import type { KeySample } from '../../src/check/keys.ts';
import type { KeyCommandSample } from '../../src/check/key-commands.ts';

const ID_A = '11111111-1111-4111-8111-111111111111';
const ID_B = '22222222-2222-4222-8222-222222222222';

interface Harness {
  readonly world: World;
  readonly node: BlobNode;
  readonly log: string[];
  /** True time now, ms. */
  now(): number;
  /** A client process running `main` with a container on the node. */
  client(name: string, main: (container: ContainerClient, ctx: ProcessContext) => Promise<void>, options?: { driftPpm?: number }): void;
}

function harness(settings: BlobNodeSettings = {}, nodeOptions: { driftPpm?: number } = {}): Harness {
  const world = new World({ seed: 1 });
  const node = addBlobNode(world, 'blob-1', settings, nodeOptions);
  const log: string[] = [];
  const h: Harness = {
    world,
    node,
    log,
    now: () => world.now / 1000,
    client(name, main, options = {}) {
      world.addProcess(
        name,
        (ctx) => {
          const transport = new NetworkTransport(ctx, { node: () => 'blob-1' });
          const container = new BlobServiceClient({ transport: transport.send, clock: ctx.clock, random: ctx.random }).getContainerClient(BLOB_CONTAINER);
          return main(container, ctx);
        },
        options,
      );
    },
  };
  return h;
}

/** What a call answered: `ok`, or the RestError's status and code (the system code when nothing answered). */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    const e = error as { statusCode?: number; code?: string; details?: { errorCode?: string } };
    return e.statusCode === undefined ? `unsent ${e.code}` : `${e.statusCode} ${e.details?.errorCode ?? e.code}`;
  }
}

describe('the blob node: the service clock decides', () => {
  it('a lease runs out when the node\'s clock says so: a node clock stepped forward ends it early, whatever the holder believes', async () => {
    const h = harness();
    h.client('holder', async (container) => {
      const blob = container.getBlockBlobClient('lock');
      await blob.upload('', 0);
      h.log.push(`${h.now()} holder ${await outcome(blob.getBlobLeaseClient(ID_A).acquireLease(15))}`);
    });
    h.client('other', async (container, ctx) => {
      await ctx.clock.sleep(2_000);
      const lease = container.getBlockBlobClient('lock').getBlobLeaseClient(ID_B);
      h.log.push(`${h.now()} other ${await outcome(lease.acquireLease(15))}`);
      await ctx.clock.sleep(2_000);
      h.log.push(`${h.now()} other ${await outcome(lease.acquireLease(15))}`);
    });
    // 3 s in, the node's wall clock steps 13 s forward: the holder's lease (acquired at ~0) is over.
    h.world.at(ms(3_000), () => h.world.jumpClock('blob-1', 13_000));
    await h.world.run({ until: seconds(10) });
    expect(h.log.map((l) => l.replace(/^[\d.]+ /, ''))).toEqual(['holder ok', 'other 409 LeaseAlreadyPresent', 'other ok']);
  });

  it('a renewal that waits in a paused node is served at resume: past the lease end, nobody in between, it renews the expired lease as if nothing happened', async () => {
    const h = harness();
    h.client('holder', async (container, ctx) => {
      const blob = container.getBlockBlobClient('lock');
      await blob.upload('', 0);
      const lease = blob.getBlobLeaseClient(ID_A);
      await lease.acquireLease(15);
      await ctx.clock.sleep(14_000);
      h.log.push(`renew ${await outcome(lease.renewLease())} at ${Math.round(h.now() / 1000)} s`);
    });
    h.world.at(ms(13_000), () => h.world.pause('blob-1'));
    h.world.at(ms(20_000), () => h.world.resume('blob-1'));
    await h.world.run({ until: seconds(25) });
    expect(h.log).toEqual(['renew ok at 20 s']);
    expect(h.node.stats.expiredRenewed).toBe(1);
  });
});

describe('the blob node: what the SDK-shaped client sees of faults', () => {
  it('a node that is down refuses the connection; the SDK retries after 0, 4 and 12 s and then gives up with ECONNREFUSED', async () => {
    const h = harness();
    h.client('c', async (container, ctx) => {
      await ctx.clock.sleep(100);
      h.log.push(`${await outcome(container.getBlockBlobClient('x').upload('a', 1))} after ${Math.round(h.now() - 100)} ms`);
    });
    h.world.at(0, () => h.world.crash('blob-1'));
    await h.world.run({ until: seconds(60) });
    // Four tries, each refused 1 ms after it is sent, with 0 + 4 000 + 12 000 ms of delays between.
    expect(h.log).toEqual(['unsent ECONNREFUSED after 16004 ms']);
  });

  it('a node back within the retries answers the retry', async () => {
    const h = harness();
    h.client('c', async (container) => {
      h.log.push(`${await outcome(container.getBlockBlobClient('x').upload('a', 1))} at ${Math.round(h.now() / 1000)} s`);
    });
    h.world.at(0, () => h.world.crash('blob-1'));
    h.world.at(ms(10_000), () => h.world.restart('blob-1'));
    await h.world.run({ until: seconds(60) });
    expect(h.log).toEqual(['ok at 16 s']);
  });

  it('a request lost in a partition stays pending (no client timeout) and is answered once the link heals (TCP retransmits it)', async () => {
    const h = harness();
    let answered = -1;
    h.client('c', async (container, ctx) => {
      await ctx.clock.sleep(1_000);
      await container.getBlockBlobClient('x').upload('a', 1);
      answered = h.now();
    });
    h.world.at(ms(500), () => h.world.network.partition([['c'], ['blob-1']]));
    h.world.at(ms(60_000), () => h.world.network.heal());
    await h.world.run({ until: seconds(200) });
    // Retransmissions back off 0.2, 0.4, ... 51.2 s: the one after the heal gets through.
    expect(answered).toBeGreaterThan(60_000);
    expect(answered).toBeLessThan(60_000 + 52_000);
  });

  it('a node that dies with a request on the connection: ECONNRESET (socket hang up), retried on a new connection to the restarted node', async () => {
    const h = harness();
    h.client('c', async (container) => {
      h.log.push(`${await outcome(container.getBlockBlobClient('x').upload('a', 1))}`);
      h.log.push(`${await outcome(container.getBlockBlobClient('x').download())}`);
    });
    h.world.at(0, () => h.world.pause('blob-1'));
    h.world.at(ms(1_000), () => h.world.crash('blob-1'));
    h.world.at(ms(2_000), () => h.world.restart('blob-1'));
    await h.world.run({ until: seconds(30) });
    // The first try hung up at the crash; the retry (0 ms later) was refused; the third (4 s later) landed.
    expect(h.log).toEqual(['ok', 'ok']);
    expect(h.node.stats.restarts).toBe(1);
  });
});

describe('the blob node: what a crash keeps', () => {
  /** Acquires at 6 s (after the first autosave at 5 s), crashes at `crashAt`, restarts 1 s later, then renews. */
  async function renewAfterCrash(persistence: BlobNodeSettings['persistence'], crashAt: number): Promise<{ log: string[]; node: BlobNode }> {
    const h = harness({ persistence });
    h.client('holder', async (container, ctx) => {
      await ctx.clock.sleep(6_000);
      const blob = container.getBlockBlobClient('lock');
      await blob.upload('', 0);
      const lease = blob.getBlobLeaseClient(ID_A);
      await lease.acquireLease(30);
      await ctx.clock.sleep(crashAt + 2_000 - h.now());
      h.log.push(`renew ${await outcome(lease.renewLease())}`);
    });
    h.world.at(ms(crashAt), () => h.world.crash('blob-1'));
    h.world.at(ms(crashAt + 1_000), () => h.world.restart('blob-1'));
    await h.world.run({ until: seconds(30) });
    return { log: h.log, node: h.node };
  }

  it('durable (Azure): the lease is there after a crash', async () => {
    const { log, node } = await renewAfterCrash('durable', 8_000);
    expect(log).toEqual(['renew ok']);
    expect(node.stats.changesLost).toBe(0);
  });

  it('autosave (Azurite): a crash before the next save loses the blob and its lease; after it, keeps them', async () => {
    const early = await renewAfterCrash('autosave', 8_000);
    expect(early.log).toEqual(['renew 404 BlobNotFound']);
    expect(early.node.stats.changesLost).toBe(2);
    const late = await renewAfterCrash('autosave', 12_000);
    expect(late.log).toEqual(['renew ok']);
  });

  it('in-memory (Azurite --inMemoryPersistence): a restart starts empty', async () => {
    const { log } = await renewAfterCrash('in-memory', 12_000);
    expect(log).toEqual(['renew 404 BlobNotFound']);
  });

  it('a restart from an older save never hands out an ETag again: an If-Match on the lost version does not match the new one', async () => {
    const h = harness({ persistence: 'autosave' });
    h.client('c', async (container, ctx) => {
      const blob = container.getBlockBlobClient('data');
      await ctx.clock.sleep(6_000);
      const lost = (await blob.upload('lost', 4)).etag ?? '';
      await ctx.clock.sleep(4_000); // crash at 7 s, restart at 8 s
      const after = (await blob.upload('after', 5)).etag ?? '';
      h.log.push(`same etag: ${after === lost}`);
      h.log.push(`if-match lost: ${await outcome(blob.upload('x', 1, { conditions: { ifMatch: lost } }))}`);
    });
    h.world.at(ms(7_000), () => h.world.crash('blob-1'));
    h.world.at(ms(8_000), () => h.world.restart('blob-1'));
    await h.world.run({ until: seconds(20) });
    expect(h.log).toEqual(['same etag: false', 'if-match lost: 412 ConditionNotMet']);
  });
});

describe('the blob node tells the life of the lock blob\'s lease', () => {
  it('as key samples (the lease ID while locked, its end in true time on a drifting node clock) and commands', async () => {
    const h = harness({}, { driftPpm: 100_000 }); // the node's clock runs 10 % fast: a 15 s lease lasts 13.6 s
    const samples: KeySample[] = [];
    const commands: KeyCommandSample[] = [];
    h.node.watch('lock', { keySample: (_node, s) => samples.push(s), keyCommand: (_node, c) => commands.push(c) });
    h.client('holder', async (container, ctx) => {
      const blob = container.getBlockBlobClient('lock');
      await blob.upload('', 0);
      const lease = blob.getBlobLeaseClient(ID_A);
      await lease.acquireLease(15);
      await ctx.clock.sleep(20_000);
      await outcome(lease.renewLease());
      await lease.releaseLease();
    });
    await h.world.run({ until: seconds(30) });
    expect(samples.map((s) => s.value)).toEqual([ID_A, ID_A, null]);
    const first = samples[0] as KeySample;
    expect(((first.expiresAt ?? 0) - first.at) / 1000).toBeCloseTo(15_000 / 1.1, 0);
    expect(commands.map((c) => `${c.args[0]} ${c.reply}`)).toEqual(['PUT-BLOB 201', 'LEASE-ACQUIRE 201', 'LEASE-RENEW 200', 'LEASE-RELEASE 200']);
    expect(h.node.stats.expiredRenewed).toBe(1);
  });
});
