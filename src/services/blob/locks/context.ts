/**
 * What a blob lock algorithm may see of the world: a container client (locksim's
 * @azure/storage-blob-shaped client, over whatever transport the world gives it), the client
 * process's clock and its random source. Nothing else: the same algorithm then runs over the
 * simulated network, over a direct transport in tests, and (with the real SDK's shape) against
 * Azurite. The service plug-in hands these in; until then tests build them by hand.
 */
import type { Clock, LockAlgorithm, Random } from '../../../locks/interface.ts';
import type { BlobRequestConditions } from '../client/options.ts';

/**
 * The calls the algorithms make, and nothing more. locksim's ContainerClient has them, and so does
 * @azure/storage-blob's (the same names, arguments and answers: blob-client-differential.test.ts),
 * so real mode can hand the algorithms the real SDK's container (blob-locks-azurite.test.ts does).
 */
export interface BlobContainerLike {
  getBlockBlobClient(blobName: string): BlockBlobLike;
}

export interface BlockBlobLike {
  upload(body: string, contentLength: number, options?: { abortSignal?: AbortSignal; conditions?: BlobRequestConditions }): Promise<{ etag?: string }>;
  getProperties(options?: { abortSignal?: AbortSignal; conditions?: { leaseId?: string } }): Promise<{ etag?: string }>;
  downloadToBuffer(offset?: number, count?: number, options?: { abortSignal?: AbortSignal; conditions?: { leaseId?: string } }): Promise<Buffer>;
  getBlobLeaseClient(proposeLeaseId?: string): BlobLeaseClientLike;
}

export interface BlobLeaseClientLike {
  readonly leaseId: string;
  acquireLease(duration: number): Promise<unknown>;
  renewLease(): Promise<unknown>;
  releaseLease(): Promise<unknown>;
}

export interface BlobLockContext {
  /** The container the lock blobs (and any guarded data blobs) live in. */
  readonly container: BlobContainerLike;
  readonly clock: Clock;
  readonly random: Random;
}

/** Builds a blob lock algorithm instance for one client. */
export type BlobLockFactory<T extends LockAlgorithm = LockAlgorithm> = (context: BlobLockContext) => T;
