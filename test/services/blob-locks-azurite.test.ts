/**
 * One algorithm, two worlds: the blob lock algorithms, written against locksim's SDK-shaped client,
 * handed the real @azure/storage-blob ContainerClient (on a real Azurite, the machine's clock and a
 * seeded random source), as real mode will hand them. What they do there must be what they do in
 * blob-locks.test.ts against the engine: contention, release, a refused renewal aborting the signal,
 * and writes refused by the lease and by the ETag. Nothing here waits for a lease to expire (that is
 * the differential tests' business); the test takes a few seconds after Azurite starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobServiceClient, StorageSharedKeyCredential, type ContainerClient } from '@azure/storage-blob';
import { blobLeaseLock, blobLeaseWithEtag, type BlobLockContext } from '../../src/services/blob/locks/index.ts';
import type { LeaseLostError, RenewingLease } from '../../src/locks/lease.ts';
import { RealClock } from '../../src/real/clock.ts';
import { RandomStream } from '../../src/sim/random.ts';
import { AZURITE_ACCOUNT, AZURITE_KEY, azuriteTestsEnabled, startAzurite, type AzuriteServer } from '../support/azurite-server.ts';

const enabled = azuriteTestsEnabled();
let server: AzuriteServer | null = null;
let container: ContainerClient;

function context(seed: string): BlobLockContext {
  return { container, clock: new RealClock(), random: new RandomStream(seed) };
}

describe.runIf(enabled)('blob lock algorithms with the real SDK against Azurite', () => {
  beforeAll(async () => {
    server = await startAzurite();
    const service = new BlobServiceClient(server.url, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
    container = service.getContainerClient('locks');
    await container.create();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('lease lock: creates the blob, excludes a second client, hands over on release', async () => {
    const lockA = blobLeaseLock()(context('a'));
    const lockB = blobLeaseLock({ retryCount: 1, retryDelayMs: 50, retryJitterMs: 0 })(context('b'));
    const leaseA = (await lockA.acquire('job-1', 15_000)) as RenewingLease;
    expect(leaseA).not.toBeNull();
    const properties = await container.getBlockBlobClient('job-1').getProperties();
    expect([properties.leaseState, properties.leaseStatus, properties.leaseDuration]).toEqual(['leased', 'locked', 'fixed']);
    expect(await lockB.acquire('job-1', 15_000)).toBeNull();
    await lockA.release(leaseA);
    const leaseB = (await lockB.acquire('job-1', 15_000)) as RenewingLease;
    expect(leaseB).not.toBeNull();
    expect(leaseB.value).not.toBe(leaseA.value);
    await lockB.release(leaseB);
  });

  it('lease lock: a renewal refused by the service (the lease was broken) aborts the signal', async () => {
    const lock = blobLeaseLock()(context('c'));
    const lease = (await lock.acquire('job-2', 15_000)) as RenewingLease;
    await container.getBlockBlobClient('job-2').getBlobLeaseClient().breakLease(0);
    const renewed = await lock.extend(lease, 15_000);
    expect(renewed).toBeNull();
    expect(lease.signal.aborted).toBe(true);
    expect((lease.signal.reason as LeaseLostError).reason).toBe('renewal-failed');
    await lock.release(lease);
  });

  it('lease plus ETag: the holder writes; after a break and a successor, the old holder is refused', async () => {
    const lockA = blobLeaseWithEtag()(context('d'));
    const leaseA = (await lockA.acquire('job-3', 15_000))!;
    expect((await lockA.write(leaseA, 'A1')).outcome).toBe('landed');
    await container.getBlockBlobClient('job-3').getBlobLeaseClient().breakLease(0);
    const lockB = blobLeaseWithEtag()(context('e'));
    const leaseB = (await lockB.acquire('job-3', 15_000))!;
    expect(await lockB.read(leaseB)).toBe('A1');
    expect((await lockB.write(leaseB, 'B1')).outcome).toBe('landed');
    expect(await lockA.write(leaseA, 'A2')).toMatchObject({ outcome: 'refused', by: 'etag', status: 412, code: 'ConditionNotMet' });
    await lockA.release(leaseA);
    await lockB.release(leaseB);
  });

  it('data in another blob: the stale holder\'s guarded write is refused by the ETag alone', async () => {
    const options = { dataBlob: (resource: string) => `${resource}.data` };
    const lockA = blobLeaseWithEtag(options)(context('f'));
    const leaseA = (await lockA.acquire('job-4', 15_000))!;
    expect((await lockA.write(leaseA, 'A1')).outcome).toBe('landed');
    await container.getBlockBlobClient('job-4').getBlobLeaseClient().breakLease(0);
    const lockB = blobLeaseWithEtag(options)(context('g'));
    const leaseB = (await lockB.acquire('job-4', 15_000))!;
    await lockB.read(leaseB);
    expect((await lockB.write(leaseB, 'B1')).outcome).toBe('landed');
    expect(await lockA.write(leaseA, 'A2')).toMatchObject({ outcome: 'refused', by: 'etag', code: 'ConditionNotMet' });
    expect((await container.getBlockBlobClient('job-4.data').downloadToBuffer()).toString()).toBe('B1');
    await lockA.release(leaseA);
    await lockB.release(leaseB);
  });
});
