/**
 * What a blob lock algorithm may see of the world: a container client (locksim's
 * @azure/storage-blob-shaped client, over whatever transport the world gives it), the client
 * process's clock and its random source. Nothing else: the same algorithm then runs over the
 * simulated network, over a direct transport in tests, and (with the real SDK's shape) against
 * Azurite. The service plug-in hands these in; until then tests build them by hand.
 */
import type { Clock, LockAlgorithm, Random } from '../../../locks/interface.ts';
import type { ContainerClient } from '../client/container-client.ts';

export interface BlobLockContext {
  /** The container the lock blobs (and any guarded data blobs) live in. */
  readonly container: ContainerClient;
  readonly clock: Clock;
  readonly random: Random;
}

/** Builds a blob lock algorithm instance for one client. */
export type BlobLockFactory<T extends LockAlgorithm = LockAlgorithm> = (context: BlobLockContext) => T;
