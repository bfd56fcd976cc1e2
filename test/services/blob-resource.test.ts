/**
 * The protected counter kept in a blob (src/services/blob/resource.ts): the workload's reads and
 * writes through the Blob client, guarded by the lease or the ETag, and the node's report of each
 * write to the run's checkers (what the resource process reports otherwise). Small worlds with a
 * blob node and client processes; what the clients were answered and what the node reported.
 */
import { describe, expect, it } from 'vitest';
import { World, ms, seconds } from '../../src/sim/index.ts';
import type { ProcessContext } from '../../src/sim/process.ts';
import type { ResourceWrite } from '../../src/check/history.ts';
import { addBlobNode, BLOB_CONTAINER, type BlobNode } from '../../src/services/blob/node.ts';
import { NetworkTransport } from '../../src/services/blob/network-transport.ts';
import { BlobServiceClient, type ContainerClient } from '../../src/services/blob/client/index.ts';
import { blobResourceLink, counterContent, parseCounter, type BlobResourceOptions } from '../../src/services/blob/resource.ts';
import type { ResourceLink } from '../../src/workload/client.ts';

const ID_A = '11111111-1111-4111-8111-111111111111';
const ID_B = '22222222-2222-4222-8222-222222222222';

interface Harness {
  readonly world: World;
  readonly node: BlobNode;
  readonly writes: ResourceWrite[];
  readonly log: string[];
  client(name: string, options: BlobResourceOptions, main: (link: ResourceLink, container: ContainerClient, ctx: ProcessContext) => Promise<void>): void;
}

function harness(): Harness {
  const world = new World({ seed: 3 });
  const node = addBlobNode(world, 'blob-1');
  const writes: ResourceWrite[] = [];
  node.watch('lock', { keySample: () => {}, keyCommand: () => {}, write: (w) => writes.push(w) });
  return {
    world,
    node,
    writes,
    log: [],
    client(name, options, main) {
      world.addProcess(name, (ctx) => {
        const transport = new NetworkTransport(ctx, { node: () => 'blob-1' });
        const container = new BlobServiceClient({ transport: transport.send, clock: ctx.clock, random: ctx.random }).getContainerClient(BLOB_CONTAINER);
        return main(blobResourceLink(container, ctx.clock, options), container, ctx);
      });
    },
  };
}

const written = (w: ResourceWrite): string => `${w.process} ${w.readValue}->${w.value} before ${w.before} ${w.accepted ? 'landed' : `refused ${w.reason}`}`;

describe('a counter in a blob', () => {
  it('reads 0 from a missing or empty blob; its content says what each write was based on', () => {
    expect(parseCounter(counterContent(3, 2))).toEqual({ value: 3, readValue: 2 });
    expect(parseCounter('')).toBeNull();
    expect(parseCounter('{"locksim":"counter","value":"x"}')).toBeNull();
  });

  it('plain writes land whoever wrote since the read: a lost update, which the node reports as the resource process would', async () => {
    const h = harness();
    h.client('a', { blob: 'data' }, async (link, _c, ctx) => {
      const read = await link({ op: 'read', lease: ID_A }, 5_000);
      await ctx.clock.sleep(1_000);
      h.log.push(JSON.stringify(await link({ op: 'write', value: (read?.op === 'read' ? read.value : -1) + 1, readValue: 0, lease: ID_A }, 5_000)));
    });
    h.client('b', { blob: 'data' }, async (link, _c, ctx) => {
      await ctx.clock.sleep(100);
      await link({ op: 'read', lease: ID_B }, 5_000);
      await link({ op: 'write', value: 1, readValue: 0, lease: ID_B }, 5_000);
    });
    await h.world.run({ until: seconds(5) });
    expect(h.log).toEqual(['{"op":"write","accepted":true}']);
    expect(h.writes.map(written)).toEqual(['b 0->1 before 0 landed', 'a 0->1 before 1 landed']);
  });

  it('If-Match on the ETag of the read: the blob refuses a write once anyone wrote since (If-None-Match: * when there was no blob)', async () => {
    const h = harness();
    h.client('a', { blob: 'data', etag: true }, async (link, _c, ctx) => {
      await link({ op: 'read', lease: ID_A }, 5_000); // no blob yet
      await ctx.clock.sleep(1_000);
      h.log.push(`a ${JSON.stringify(await link({ op: 'write', value: 1, readValue: 0, lease: ID_A }, 5_000))}`);
      await link({ op: 'read', lease: ID_A }, 5_000);
      await ctx.clock.sleep(1_000);
      h.log.push(`a ${JSON.stringify(await link({ op: 'write', value: 2, readValue: 1, lease: ID_A }, 5_000))}`);
    });
    h.client('b', { blob: 'data', etag: true }, async (link, _c, ctx) => {
      await ctx.clock.sleep(100);
      await link({ op: 'read', lease: ID_B }, 5_000);
      await link({ op: 'write', value: 1, readValue: 0, lease: ID_B }, 5_000);
      await ctx.clock.sleep(1_200); // after a's second read
      await link({ op: 'write', value: 2, readValue: 1, lease: ID_B }, 5_000); // its ETag is its own last write's: it lands
    });
    await h.world.run({ until: seconds(5) });
    expect(h.log).toEqual(['a {"op":"write","accepted":false,"reason":"409 BlobAlreadyExists"}', 'a {"op":"write","accepted":false,"reason":"412 ConditionNotMet"}']);
    expect(h.writes.map(written)).toEqual(['b 0->1 before 0 landed', 'a 0->1 before 1 refused 409 BlobAlreadyExists', 'b 1->2 before 1 landed', 'a 1->2 before 2 refused 412 ConditionNotMet']);
  });

  it('writes naming the lease: the leased blob refuses one whose lease was broken', async () => {
    const h = harness();
    h.client('a', { blob: 'lock', lease: true }, async (link, container, ctx) => {
      const blob = container.getBlockBlobClient('lock');
      await blob.upload('', 0);
      await blob.getBlobLeaseClient(ID_A).acquireLease(15);
      h.log.push(`a read ${JSON.stringify(await link({ op: 'read', lease: ID_A }, 5_000))}`);
      await ctx.clock.sleep(2_000);
      h.log.push(`a write ${JSON.stringify(await link({ op: 'write', value: 1, readValue: 0, lease: ID_A }, 5_000))}`);
    });
    h.client('b', { blob: 'lock', lease: true }, async (link, container, ctx) => {
      await ctx.clock.sleep(1_000);
      const lease = container.getBlockBlobClient('lock').getBlobLeaseClient(ID_B);
      await lease.breakLease(0);
      await lease.acquireLease(15);
      h.log.push(`b read ${JSON.stringify(await link({ op: 'read', lease: ID_A }, 5_000))}`); // a read naming a lease that is gone
    });
    await h.world.run({ until: seconds(5) });
    expect(h.log).toEqual(['a read {"op":"read","value":0}', 'b read null', 'a write {"op":"write","accepted":false,"reason":"412 LeaseIdMismatchWithBlobOperation"}']);
    expect(h.writes.map(written)).toEqual(['a 0->1 before 0 refused 412 LeaseIdMismatchWithBlobOperation']);
    expect(h.node.stats.writesRefusedByLease).toBe(1);
  });

  it('a request the node does not answer within the workload\'s timeout: null, as from a silent resource', async () => {
    const h = harness();
    h.client('a', { blob: 'data', etag: true }, async (link) => {
      h.log.push(`read ${JSON.stringify(await link({ op: 'read', lease: ID_A }, 2_000))}`);
    });
    h.world.at(0, () => h.world.pause('blob-1'));
    h.world.at(ms(10_000), () => h.world.resume('blob-1'));
    await h.world.run({ until: seconds(12) });
    expect(h.log).toEqual(['read null']);
  });

  it('refuses options it does not know, by name', () => {
    let error: unknown;
    try {
      blobResourceLink({} as ContainerClient, { now: () => 0, monotonic: () => 0, sleep: async () => {}, setTimer: () => () => {} }, { blob: '', lease: 'yes' } as unknown as BlobResourceOptions);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/blobOptions\.resource\.blob: the name of the blob.*blobOptions\.resource\.lease: must be true or false/);
  });
});
