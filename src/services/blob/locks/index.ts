/** Lock algorithms on Azure blob leases, written only against locksim's @azure/storage-blob-shaped client, a Clock and a Random. */
export { blobLockContext, type BlobConditionsLike, type BlobContainerLike, type BlobLeaseClientLike, type BlobLockContext, type BlobLockFactory, type BlockBlobLike } from './context.ts';
export { BLOB_LEASE_DEFAULTS, BlobLeaseAlgorithm, blobLeaseLock, leaseSeconds, type BlobLease, type BlobLeaseLockOptions, type BlobLeaseOptions } from './lease-lock.ts';
export { EtagGuardedBlobLock, GuardedBlobLease, blobLeaseWithEtag, guardedWrite, type BlobLeaseWithEtagOptions, type GuardedWrite, type WriteGuard } from './etag-guard.ts';
